"""Read a PDF into a `Document`: PDFium's text, reflowed into paragraphs, headings, list items and table rows.

    doc = read_pdf(data, "paper.pdf", sha)
    doc.pages[2]                        # (start, end) of page 3 in doc.text
    [(b.kind, b.page, doc.text[b.start:b.end]) for b in doc.blocks[:5]]

Source text: PDFium's text of each page, "\\r\\n" -> "\\n", its soft-hyphen mark U+FFFE -> "-\\n" (PDFium drops
the line break after a soft hyphen; putting it back lets `rag.read.normalize` join "representa-\\ntion"), control
characters -> " ", pages joined by "\\n\\f\\n". Blocks come from each line's geometry (PDFium character boxes,
baseline, font size and weight): a line continues the paragraph above it unless there is a real break (a vertical
gap, an indent, a short last line, another font size, a heading, a list marker, a table row). Running headers,
footers and page numbers are left out of `blocks` (they stay in `text`). PDFium refuses a file -> pypdf, with
line-text rules only; an encrypted, broken or scanned file -> DocumentError.

Extractors compared on the 15 aragog papers (304 pages, `python -m eval.pdf_extractors`, all numbers in
eval/results/pdf_extractors.json; seconds on 2 shared, busy cores):

                 s/file  failed  answer words  word pairs  line-end hyphens  ligatures  odd words/1k  2-column order
  pypdfium2       0.11     0        0.866        0.442     2387 (2385 marked)      0         0.99          120/124
  pypdf           1.94     0        0.865        0.441     2254 (none marked)   1544         3.46          119/124
  pdfminer.six    3.53     0        0.866        0.443     2187 (none marked)   1544         7.27           84/124

answer words / word pairs: the reference answers' words (and adjacent word pairs) of the 90 benchmark questions
that name their paper, found in that paper's text after rag.read.normalize -- the answers paraphrase, so this proxy
hardly separates the three; odd words: words no other extractor produced for the same paper, per 1000 (words cut or
run together: pypdf "fferent", "ikipedia"; pdfminer "(cid:..)", "accuracygpt"); 2-column order: pages whose left
column comes before the right one in the text. PDFium is 18-33x faster, marks its soft hyphens (U+FFFE), gives no
ligature characters on these papers (it keeps them where a font maps a glyph to one) and mangles the fewest words.
What this module makes of it on the papers: 100.00% of the text and of the digits outside running headers and page
numbers lies in blocks (7785 blocks, ~18 ms a page); a synthetic 70-page filing with a table on every page reads in
0.49 s.

Not here: sentence splitting and chunking (`rag.chunk`), what the text means (`rag.read.normalize`).
"""
from __future__ import annotations

import ctypes
import re
import statistics
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cached_property
from datetime import datetime

from ..errors import DocumentError
from .document import Block, Document, Metadata

PAGE_SEP = "\n\f\n"

# -- thresholds. Each was set from a measurement on the 15 aragog papers (304 pages; PDFium's lines; the numbers come
# from `python -m eval.pdf_extractors --thresholds-only`). Sizes are in points, distances in font sizes unless said.
#
# Baseline distance between consecutive same-size lines of one column, over the document's usual distance (pitch)
# for that size: 14.5k of 17.6k pairs lie at 0.9-1.05, 738 at 1.05-1.2 (lines made taller by inline math, up to
# 1.21), 72 at 1.2-1.3, 2.2k above 1.3 (space before headings, spaced paragraphs, floats). Above PITCH_GAP x the
# pitch the paragraph ends.
PITCH_GAP = 1.3
# Step of a line's left edge from the line above (body lines): 10.1k of 11.6k within +-0.1, 81 at 0.1-0.3, 27 at
# 0.3-0.8, first-line indents at 0.8-2.5 (755). A step over INDENT starts a paragraph (or is a hanging indent).
INDENT = 0.5
# How far a paragraph line stops short of the column's right edge when the next line goes on at the same margin:
# 8662 of 8903 within 0.2, 32 in 0.5-1.5. A line SHORT or more before the edge that ends a sentence (or is followed
# by a capital) ends its paragraph.
SHORT = 1.5
# Word gaps inside paragraph lines: median 0.32, 99th percentile 0.75, 0.34% at 1.0 or more; in table rows 46% are
# 1.0 or more. A gap of CELL_GAP separates table cells (evidence for a table, never enough alone).
CELL_GAP = 1.0
# Line sizes (largest of three sampled characters) cluster at 9.0-9.1, 9.9-10.1, 10.8-11.0, 12.0: clusters at least
# 0.7 apart, sizes within a cluster 0.2. Sizes within SIZE_TOL are one style.
SIZE_TOL = 0.45
# Numbered section headings over the body size: 0.99-1.01 (125, bold), 1.09-1.10 (38), 1.20 (64). A bold line, or a
# numbered one, at HEAD_RATIO x the body size or more is a heading.
HEAD_RATIO = 1.08
# Paper titles are 1.30-2.48 x the body size; other text at the top of page 1 (authors, affiliations) at most 1.20.
# A line neither bold nor numbered is a heading from TITLE_RATIO x the body size.
TITLE_RATIO = 1.25
# Running headers/footers and page numbers: the text (digits folded) of one of the outer EDGE_ROWS rows of a page,
# apart from the body by EDGE_GAP or more, at one height (+-EDGE_TOL points) on EDGE_PAGES pages or more. Measured:
# the 260 header/footer rows found sit 1.6-6 from the body (5th percentile 1.9, median 3.0); other rows near the
# page edges are a median 1.2 apart (17% at 2.0 or more, which the same-text-same-height rule then has to match).
EDGE_ROWS = 3
EDGE_GAP = 2.0
EDGE_TOL = 2.0
EDGE_PAGES = 3

_NO_AUTHOR = {"anonymous", "unknown", "author", "user", "admin", "administrator"}  # generators' placeholders
PDFIUM_LOCK = threading.Lock()  # PDFium is not thread-safe: every use of it in this process (reading here, page views in the UI) holds this
_BREAK = re.compile(r"\r\n|[\r\n\ufffe]")
_WORD = re.compile(r"\S+")
_CTRL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufeff]")
_BOLD_NAME = re.compile(r"bold|black|heavy|demi|medi|cmbx|-bd\b|,bd\b", re.I)
_NUM = re.compile(r"^[(\[]?[-+−–±~<>≈≤≥$€£¥#]?\.?\d[\d,.]*(?:[/±x×:\-–]\.?\d[\d,.]*)*"
                  r"(?:%|[kKMBGTbx×]|pp|ms|s)?[)\]]?[,;*†‡∗]*$")
_EMPTY_CELL = {"-", "–", "—", "n/a", "N/A", "✓", "✗", "✔", "✘", "×", "•", "?"}
_YEAR = re.compile(r"^(19|20)\d\d$")
_MONTH = re.compile(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\b", re.I)
_BULLET = re.compile(r"^(?:[•●○◦▪▫■□‣⁃∙·➢►▶✓✔*]|[-–—](?=\s))\s*\S"  # a bullet, a dash
                     r"|^(?:\(?(?:\d{1,2}|[a-z]|[ivx]{1,4})[.)]|\[\d{1,3}\])\s+\S")  # 1. a) (iv) [12]
_NUMBERED_HEAD = re.compile(r"^(?:(?:\d{1,2}|[A-Z])(?:\.\d{1,2}){0,3}\.?)\s+\S")
_TERMINAL = re.compile(r"[.!?:][\"'”’)\]]*$")
_CAPTION = re.compile(r"^(?:table|figure|fig\.|algorithm|listing)\s*[\dA-Z]", re.I)
_LOWER_WORD = re.compile(r"^[a-z][a-z'’-]{2,}[,.;:]?$")
_SECTION_NUM = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2}){0,3}\.?|[IVX]{1,5}\.|[A-Z]\.)\s+[A-Z]")
_ROMAN = re.compile(r"^[ivxlc]+$", re.I)


@dataclass
class _Line:
    page: int  # 0-based
    start: int  # offsets in Document.text
    end: int
    text: str
    geo: bool = False  # geometry below is known (PDFium); False for the pypdf fallback
    x0: float = 0.0
    x1: float = 0.0
    top: float = 0.0  # distances from the page top, points
    bottom: float = 0.0
    base: float = 0.0  # baseline
    size: float = 0.0  # font size, points
    bold: bool = False
    vertical: bool = False
    cells: tuple[int, ...] = ()  # offsets in `text` where a gap of CELL_GAP or more starts a new cell
    spans: tuple[tuple[float, float], ...] = ()  # x extent of each cell
    words: tuple[tuple[int, int, float, float], ...] = ()  # (start, end) in `text` and x extent of each word
    gaps: tuple[float, ...] = ()  # every word gap on the line / font size (kept for eval measurements)
    soft: bool = False  # ends with a soft hyphen (PDFium's U+FFFE)
    blank_before: bool = False  # fallback only: an empty line came before it
    typical: float = 0.0  # fallback only: the length of a full line on its page (90th percentile)


@dataclass
class _Row:
    """Consecutive lines on one baseline (a line PDFium cut at a superscript or a table cell)."""

    lines: list[_Line]
    kind: str = ""  # text | heading | list | table | vertical
    edge: bool = False  # running header, footer or page number
    header: str = ""

    @property
    def first(self) -> _Line:
        return self.lines[0]

    @property
    def page(self) -> int:
        return self.lines[0].page

    @property
    def start(self) -> int:
        return self.lines[0].start

    @property
    def end(self) -> int:
        return self.lines[-1].end

    @cached_property
    def geo(self) -> bool:
        return all(ln.geo for ln in self.lines)

    @cached_property
    def main(self) -> _Line:
        return max(self.lines, key=lambda ln: len(ln.text))

    @cached_property
    def x0(self) -> float:
        return min(ln.x0 for ln in self.lines)

    @cached_property
    def x1(self) -> float:
        return max(ln.x1 for ln in self.lines)

    @cached_property
    def base(self) -> float:
        return self.main.base

    @cached_property
    def size(self) -> float:
        return self.main.size

    @cached_property
    def bold(self) -> bool:
        return all(ln.bold for ln in self.lines)

    @cached_property
    def text(self) -> str:
        return " ".join(ln.text for ln in self.lines)

    def words(self) -> list[tuple[str, float, float]]:
        return [(ln.text[a:b], x0, x1) for ln in self.lines for a, b, x0, x1 in ln.words]

    def spans(self) -> list[tuple[float, float]]:
        return [sp for ln in self.lines for sp in ln.spans]

    def cells(self) -> list[str]:
        out = []
        for ln in self.lines:
            cuts = (0,) + ln.cells + (len(ln.text),)
            out += [ln.text[a:b].strip() for a, b in zip(cuts, cuts[1:]) if ln.text[a:b].strip()]
        return out


# ----------------------------------------------------------------------------- PDFium extraction
def _align(s: str, tp, n: int, raw) -> list[int] | None:
    """Char index of each position of `s` when PDFium's text and its char count disagree (a surrogate pair counts
    as two chars, a few chars are left out of the text). None when they can't be aligned."""
    u = [raw.FPDFText_GetUnicode(tp, i) for i in range(n)]
    out: list[int] = []
    i = 0
    for ch in s:
        o = ord(ch)
        while i < n:
            c = u[i]
            if c == o or (o == 0xFFFE and c == 2):
                out.append(i)
                i += 1
                break
            if 0xD800 <= c < 0xDC00 and i + 1 < n and 0x10000 + ((c - 0xD800) << 10) + (u[i + 1] - 0xDC00) == o:
                out.append(i)
                i += 2
                break
            i += 1
        else:
            return None
    return out


class _Geo:
    """Reusable ctypes outputs for the per-character PDFium calls."""

    def __init__(self, tp, raw, height: float, cmap):
        self.tp, self.raw, self.h, self.cmap = tp, raw, height, cmap
        self.l, self.r, self.b, self.t = (ctypes.c_double() for _ in range(4))
        self.ox, self.oy = ctypes.c_double(), ctypes.c_double()
        self.m = raw.FS_MATRIX()
        self.buf = ctypes.create_string_buffer(128)
        self.flags = ctypes.c_int()

    def ci(self, i: int) -> int:
        return i if self.cmap is None else self.cmap[i]

    def bold(self, ci: int) -> bool:
        w = self.raw.FPDFText_GetFontWeight(self.tp, ci)
        if w > 0:
            return w >= 600
        self.raw.FPDFText_GetFontInfo(self.tp, ci, self.buf, 128, ctypes.byref(self.flags))
        return bool(_BOLD_NAME.search(self.buf.value.decode("latin-1")))


def _measure(line: _Line, g: _Geo, i0: int) -> None:
    """Fill `line`'s geometry from its characters (i0 = index of its first char in PDFium's page text).

    Only the first and last character of each word are measured (what the line's extent and its word gaps need):
    half the PDFium calls of measuring every character."""
    text, raw, tp, h = line.text, g.raw, g.tp, g.h
    boxes: list[tuple[int, float, float, float, float]] = []

    def box(k: int) -> bool:
        if not raw.FPDFText_GetCharBox(tp, g.ci(i0 + k), g.l, g.r, g.b, g.t):
            return False
        if g.r.value <= g.l.value and g.t.value <= g.b.value:
            return False  # generated or empty glyph
        boxes.append((k, g.l.value, g.r.value, h - g.t.value, h - g.b.value))
        return True

    for mt in _WORD.finditer(text):
        a, b = mt.start(), mt.end() - 1
        k = a
        while k <= b and not box(k):
            k += 1
        if b > k:
            j = b
            while j > k and not box(j):
                j -= 1
    if not boxes:
        return
    line.geo = True
    line.x0 = min(b[1] for b in boxes)
    line.x1 = max(b[2] for b in boxes)
    line.top = min(b[3] for b in boxes)
    line.bottom = max(b[4] for b in boxes)
    alnum = [b for b in boxes if text[b[0]].isalnum()] or boxes
    samples = sorted({alnum[0][0], alnum[len(alnum) // 2][0], alnum[-1][0]})
    sizes, bases, bold = [], [], 0
    for k in samples:
        ci = g.ci(i0 + k)
        size = raw.FPDFText_GetFontSize(tp, ci)
        if raw.FPDFText_GetMatrix(tp, ci, g.m):  # the size is in text space: scale it to the page
            size *= abs(g.m.a * g.m.d - g.m.b * g.m.c) ** 0.5
        sizes.append(size)
        if raw.FPDFText_GetCharOrigin(tp, ci, g.ox, g.oy):
            bases.append(h - g.oy.value)
        bold += g.bold(ci)
    w, ht = line.x1 - line.x0, line.bottom - line.top
    # the largest of three samples: inline code, sub- and superscripts are smaller than the line's text
    line.size = max(sizes) if max(sizes) > 0 else max(ht, 1.0)
    line.base = statistics.median(bases) if bases else line.bottom
    line.bold = bold == len(samples)
    line.vertical = len(boxes) >= 4 and ht > 3 * w
    first = {k: (x0, x1) for k, x0, x1, _, _ in boxes}
    words = []
    for mt in _WORD.finditer(text):
        a, b = mt.start(), mt.end() - 1
        xa = next((first[k][0] for k in range(a, b + 1) if k in first), None)
        xb = next((first[k][1] for k in range(b, a - 1, -1) if k in first), None)
        if xa is not None:
            words.append((a, b + 1, xa, xb))
    line.words = tuple(words)
    gaps, cells, spans = [], [], []
    x_start = boxes[0][1]
    for (ka, _, ra, _, _), (kb, lb, _, _, _) in zip(boxes, boxes[1:]):
        if kb > ka + 1 and text[ka + 1:kb].isspace():
            gap = (lb - ra) / line.size
            gaps.append(gap)
            if gap >= CELL_GAP:
                cells.append(kb)
                spans.append((x_start, ra))
                x_start = lb
    spans.append((x_start, boxes[-1][2]))
    line.gaps, line.cells, line.spans = tuple(gaps), tuple(cells), tuple(spans)


def _page_lines(tp, raw, page_no: int, height: float, base_off: int) -> tuple[str, list[_Line]]:
    s = tp.get_text_range()
    n = tp.count_chars()
    cmap = None if len(s) == n else _align(s, tp, n, raw)
    geo = len(s) == n or cmap is not None
    s = _CTRL.sub(" ", s)  # same length: char indices stay valid; no "\f" inside a page
    g = _Geo(tp, raw, height, cmap)
    pieces: list[str] = []
    lines: list[_Line] = []
    pos = 0  # offset in the page text being built

    def add(a: int, b: int, soft: bool) -> None:
        nonlocal pos
        piece = s[a:b] + "-" if soft else s[a:b]
        text = piece.strip()
        if text:
            lead = len(piece) - len(piece.lstrip())
            line = _Line(page_no, base_off + pos + lead, base_off + pos + lead + len(text), text, soft=soft)
            if geo:
                _measure(line, g, a + lead)
            lines.append(line)
        pieces.append(piece)
        pos += len(piece)

    prev = 0
    for mt in _BREAK.finditer(s):
        add(prev, mt.start(), mt.group() == "\ufffe")
        pieces.append("\n")
        pos += 1
        prev = mt.end()
    add(prev, len(s), False)
    return "".join(pieces), lines


def _extract_pdfium(data: bytes):
    """(page texts, lines per page, metadata) or None when PDFium can't open the file."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        if getattr(e, "err_code", None) == raw.FPDF_ERR_PASSWORD or "password" in str(e).lower():
            raise DocumentError("encrypted PDF (a password is needed to open it)") from e
        return None
    try:
        try:
            meta = {k: v for k, v in pdf.get_metadata_dict().items() if v}
        except Exception:  # noqa: BLE001 - metadata is optional
            meta = {}
        texts: list[str] = []
        pages: list[list[_Line]] = []
        off = 0
        for k in range(len(pdf)):
            try:
                page = pdf[k]
                tp = page.get_textpage()
                t, lines = _page_lines(tp, raw, k, page.get_height(), off)
                tp.close()
                page.close()
            except pdfium.PdfiumError:  # one broken page: keep the page, empty
                t, lines = "", []
            texts.append(t)
            pages.append(lines)
            off += len(t) + len(PAGE_SEP)
        return texts, pages, meta
    finally:
        pdf.close()


def _extract_pypdf(data: bytes):
    """Fallback without geometry: pypdf's text, lines as it gives them."""
    import io

    try:
        from pypdf import PdfReader
        from pypdf.errors import FileNotDecryptedError, PdfReadError
    except ImportError as e:  # pragma: no cover - pypdf is a dependency
        raise DocumentError("not a readable PDF (PDFium refused it and pypdf is not installed)") from e
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError("encrypted PDF (a password is needed to open it)")
        raw_pages = [p.extract_text() or "" for p in reader.pages]
        info = reader.metadata or {}
        meta = {k.lstrip("/"): str(v) for k, v in dict(info).items() if v}
    except DocumentError:
        raise
    except FileNotDecryptedError as e:
        raise DocumentError("encrypted PDF (a password is needed to open it)") from e
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, RecursionError, AssertionError) as e:
        raise DocumentError(f"not a readable PDF ({e.__class__.__name__}: {str(e)[:120]})") from e
    except Exception as e:  # noqa: BLE001 - pypdf raises many kinds on broken files
        raise DocumentError(f"not a readable PDF ({e.__class__.__name__})") from e
    texts, pages, off = [], [], 0
    for k, t in enumerate(raw_pages):
        t = _CTRL.sub(" ", t.replace("\r\n", "\n").replace("\r", "\n"))
        lines, pos, blank = [], 0, False
        for piece in t.split("\n"):
            if piece.strip():
                # `base` holds the line's rank on the page: header/footer detection compares it across pages
                lead = len(piece) - len(piece.lstrip())
                lines.append(_Line(k, off + pos + lead, off + pos + lead + len(piece.strip()), piece.strip(),
                                   blank_before=blank, base=float(len(lines))))
                blank = False
            else:
                blank = True
            pos += len(piece) + 1
        if lines:
            lens = sorted(len(ln.text.strip()) for ln in lines)
            for ln in lines:
                ln.typical = lens[int(0.9 * (len(lens) - 1))]
            for i, ln in enumerate(reversed(lines)):
                ln.bottom = -float(i)  # rank from the page's end (for footers)
        texts.append(t)
        pages.append(lines)
        off += len(t) + len(PAGE_SEP)
    return texts, pages, meta


# ----------------------------------------------------------------------------- layout
def _body_size(pages: list[list[_Line]]) -> float:
    sizes = Counter()
    for lines in pages:
        for ln in lines:
            if ln.geo and not ln.vertical:
                sizes[round(ln.size * 2) / 2] += len(ln.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def _pitches(pages: list[list[_Line]]) -> dict[float, float]:
    """Median baseline distance between consecutive lines of one size in one column, per size."""
    dys: dict[float, list[float]] = defaultdict(list)
    for lines in pages:
        for a, b in zip(lines, lines[1:]):
            if not (a.geo and b.geo) or abs(a.size - b.size) > SIZE_TOL:
                continue
            if min(a.x1, b.x1) - max(a.x0, b.x0) <= 0:
                continue
            dy = b.base - a.base
            if 0.8 * a.size < dy < 2.0 * a.size:
                dys[round(a.size * 2) / 2].append(dy)
    return {k: statistics.median(v) for k, v in dys.items() if len(v) >= 3}


def _rows(lines: list[_Line]) -> list[_Row]:
    rows: list[_Row] = []
    for ln in lines:
        if rows:
            last = rows[-1].lines[-1]
            if (ln.geo and last.geo and not ln.vertical and not last.vertical
                    and abs(ln.base - last.base) < 0.5 * max(ln.size, last.size) and ln.x0 >= last.x1 - 1.0):
                rows[-1].lines.append(ln)
                continue
        rows.append(_Row([ln]))
    return rows


def _edge_key(text: str) -> str:
    t = " ".join(text.lower().split())
    if _ROMAN.match(t):
        return "#"
    return re.sub(r"\d+", "#", t)


def _edge_bands(rows: list[_Row]) -> tuple[list[list[_Row]], list[list[_Row]], int, int]:
    """The first and last EDGE_ROWS baselines of a page (rows grouped by baseline, outermost first), and how many of
    each lie before a gap of EDGE_GAP font sizes that sets them apart from the body (0: none)."""
    if rows and not any(r.geo for r in rows):  # no geometry (pypdf): the first and last lines by rank
        return [[r] for r in rows[:EDGE_ROWS]], [[r] for r in rows[::-1][:EDGE_ROWS]], EDGE_ROWS, EDGE_ROWS
    geo = [r for r in rows if r.geo and not r.first.vertical]
    bands: list[list[_Row]] = []
    for r in sorted(geo, key=lambda r: r.base):
        if bands and r.base - bands[-1][0].base < 0.5 * r.size:
            bands[-1].append(r)
        else:
            bands.append([r])

    def apart(seq: list[list[_Row]]) -> int:
        for i in range(min(EDGE_ROWS, len(seq) - 1)):
            size = max(r.size for r in seq[i] + seq[i + 1])
            if abs(seq[i + 1][0].base - seq[i][0].base) >= EDGE_GAP * size:
                return i + 1
        return 0

    if len(bands) < 2:
        return [], [], 0, 0
    return bands[:EDGE_ROWS], bands[::-1][:EDGE_ROWS], apart(bands), apart(bands[::-1])


def _mark_edges(pages_rows: list[list[_Row]]) -> int:
    """Mark running headers/footers and page numbers; return how many rows were marked.

    A text (digits folded) qualifies when, on EDGE_PAGES pages at one height, it is the outermost row of the page
    (or every row beyond it is marked already) and a gap sets it apart from the body; then it is marked at that
    height on every page where it is among the outer rows, apart or not (a figure may come close to a header)."""
    sides = []
    for rows in pages_rows:
        top, bottom, a_top, a_bottom = _edge_bands(rows)
        sides += [("top", top, a_top), ("bottom", bottom, a_bottom)]
    need = min(EDGE_PAGES, max(2, len(pages_rows)))
    marked = 0
    for _ in range(EDGE_ROWS):  # one more band inward each pass (two-line footers)
        occ: dict[tuple[str, str], list[tuple[float, bool, _Row]]] = defaultdict(list)
        for side, bands, apart in sides:
            for i, band in enumerate(bands):
                clean = i < apart and all(r.edge for b in bands[:i] for r in b)
                for r in band:
                    key = _edge_key(r.text)
                    if key and len(key) <= 200 and not r.edge:
                        # (without geometry: the line's rank from the top or from the bottom of the page)
                        y = r.base if r.geo or side == "top" else r.first.bottom
                        occ[(key, side)].append((y, clean, r))
        new = 0
        for items in occ.values():
            clean = [(b, r) for b, ok, r in items if ok]
            if len({r.page for _, r in clean}) < need:
                continue
            mode = Counter(round(b / EDGE_TOL) for b, _ in clean).most_common(1)[0][0] * EDGE_TOL
            if len({r.page for b, r in clean if abs(b - mode) <= EDGE_TOL}) < need:
                continue
            for b, _, r in items:
                if abs(b - mode) <= EDGE_TOL and not r.edge:
                    r.edge = True
                    new += 1
        marked += new
        if not new:
            break
    # a running head that recurs on too few pages (a short chapter's) still carries the page number: mark the
    # outermost rows, set apart from the body at the height of marked rows, whose number runs with the page
    # like the marked rows' numbers do
    votes = Counter(n - r.page for rows in pages_rows for r in rows
                    if r.edge and (n := _page_number(r.text)) is not None)
    heights = {side: [r.base for _, bands, _ in sides[i::2] for band in bands for r in band if r.edge]
               for i, side in enumerate(("top", "bottom"))}
    if votes:
        offset, count = votes.most_common(1)[0]
        if count >= need:
            for side, bands, apart in sides:
                for r in bands[0] if bands and apart else ():
                    n = _page_number(r.text)
                    if (not r.edge and n is not None and n - r.page == offset
                            and any(abs(r.base - h) <= EDGE_TOL for h in heights[side])):
                        r.edge = True
                        marked += 1
    return marked


def _page_number(text: str) -> int | None:
    """The number a header or footer line starts or ends with ("12", "Page 12", "Chapter 2: Usage 12")."""
    m = re.match(r"^(?:page\s+)?(\d{1,4})\b", text.strip(), re.I) or re.search(r"\b(\d{1,4})$", text.strip())
    return int(m.group(1)) if m else None


def _is_num(tok: str) -> bool:
    return bool(_NUM.match(tok)) or tok in _EMPTY_CELL


def _gutters(r: _Row) -> list[tuple[float, float]]:
    sp = sorted(r.spans())
    return [(a[1], b[0]) for a, b in zip(sp, sp[1:]) if b[0] > a[1]]


def _gutters_meet(a: _Row, b: _Row) -> bool:
    """Two rows share column gutters: two or more (three-cell rows), or one gutter wider than 2 font sizes."""
    ga, gb = _gutters(a), _gutters(b)
    hits = [(x, y) for x in ga for y in gb if min(x[1], y[1]) - max(x[0], y[0]) > 0]
    if len(hits) >= 2:
        return True
    size = max(a.size, b.size)
    return any(x[1] - x[0] >= 2 * size and y[1] - y[0] >= 2 * size for x, y in hits)


def _numeric_row(r: _Row) -> bool:
    """Mostly numbers (and not a sentence with citation numbers), or a label and cells of numbers apart by wide gaps."""
    toks = r.text.split()
    nums = sum(_is_num(t) for t in toks)
    if len(toks) >= 2 and nums >= 2 and nums * 2 >= len(toks) and sum(bool(_LOWER_WORD.match(t)) for t in toks) <= 2:
        return True
    cells = r.cells()
    if len(cells) >= 2 and nums >= 1:
        tail = cells[1:]
        return sum(all(_is_num(t) for t in c.split()) for c in tail) * 2 >= len(tail)
    return False


def _data_row(r: _Row) -> bool:
    for c in r.cells() or [r.text]:
        toks = c.split()
        if toks and all(_is_num(t) for t in toks) and not any(_YEAR.match(t) for t in toks) and not _MONTH.search(c):
            if not all(t in _EMPTY_CELL for t in toks):
                return True
    return False


def _heading_like(r: _Row, body: float) -> bool:
    text = r.text.strip()
    if not r.geo or r.first.vertical or len(text) > 150 or len(text.split()) > 16:
        return False
    letters = sum(c.isalpha() for c in text)
    if letters < 2 or letters * 2 < len(text.replace(" ", "")) or _CAPTION.match(text):
        return False
    big = r.size >= body * HEAD_RATIO
    if text[-1] in ",;" and r.size < body * TITLE_RATIO:
        return False  # bold words that run on into the text
    if r.bold:
        return big or not text.endswith(".") or bool(_NUMBERED_HEAD.match(text))
    return r.size >= body * TITLE_RATIO or (big and bool(_NUMBERED_HEAD.match(text)))


def _section_head(r: _Row, prev: _Row | None, pitch: dict[float, float]) -> bool:
    """A numbered line in the text's own font ("I. Introduction", "A. Scenarios") after a gap."""
    text = r.text.strip()
    if not (r.geo and _SECTION_NUM.match(text)) or len(text.split()) > 10 or _TERMINAL.search(text):
        return False
    if sum(c.isalpha() for c in text) * 2 < len(text.replace(" ", "")):
        return False
    if prev is None or prev.edge or prev.kind == "heading" or not prev.geo:
        return True
    p = pitch.get(round(r.size * 2) / 2, 1.2 * r.size)
    return r.base - prev.base > PITCH_GAP * p or r.base < prev.base


def _classify(pages_rows: list[list[_Row]], body: float, pitch: dict[float, float]) -> None:
    for rows in pages_rows:
        prev = None
        for r in rows:
            if r.edge:
                continue
            p, prev = prev, r
            if r.first.vertical:
                r.kind = "vertical"
            elif _numeric_row(r):
                r.kind = "table"
            elif _heading_like(r, body) or _section_head(r, p, pitch):
                r.kind = "heading"
            elif _BULLET.match(r.text.lstrip()):
                r.kind = "list"
            else:
                r.kind = "text"
        # rows of text cells whose column gutters line up with a neighbour's: a table of words
        live = [r for r in rows if not r.edge and r.geo]
        for x, y in zip(live, live[1:]):
            if x.kind in ("text", "table") and y.kind in ("text", "table") and _near(x, y) and _gutters_meet(x, y):
                x.kind = y.kind = "table"
        _tables(rows)


def _near(a: _Row, b: _Row, k: float = 3.0, up: bool = False) -> bool:
    """`b` lies below `a` within k font sizes (or above it too, with `up`: a label centred on several rows)."""
    if not (a.geo and b.geo):
        return True
    dy = b.base - a.base
    return (0 < dy or (up and dy > -k * max(a.size, b.size))) and abs(dy) <= k * max(a.size, b.size)


def _columns(rows: list[_Row]) -> list[tuple[float, float]]:
    """The x extents of a table's columns: its rows' cells, overlapping ones merged."""
    cols: list[list[float]] = []
    for x0, x1 in sorted(sp for r in rows for sp in r.spans()):
        if cols and x0 <= cols[-1][1]:
            cols[-1][1] = max(cols[-1][1], x1)
        else:
            cols.append([x0, x1])
    return [(a, b) for a, b in cols]


def _header_text(head: list[_Row], data: list[_Row]) -> str:
    """Header rows as "a | b | c": each header word goes to the data column under it."""
    cols = _columns(data)
    if len(cols) < 2 or not all(r.geo for r in head):
        return " | ".join(" | ".join(r.cells()) for r in head)
    parts: list[str] = []
    for r in head:
        cells: dict[int, list[str]] = defaultdict(list)
        for w, x0, x1 in r.words():
            c = (x0 + x1) / 2
            best = min(range(len(cols)), key=lambda i: 0 if cols[i][0] <= c <= cols[i][1]
                       else min(abs(c - cols[i][0]), abs(c - cols[i][1])))
            cells[best].append(w)
        parts += [" ".join(cells[i]) for i in sorted(cells)]
    return " | ".join(parts)


def _tables(rows: list[_Row]) -> None:
    """Runs of table rows: glue short label rows between them, take the header rows above, set `header`."""
    n = len(rows)
    # a short row between two table rows (a group label, a wrapped cell) belongs to the table
    for i in range(1, n - 1):
        r = rows[i]
        if r.kind in ("text", "heading") and rows[i - 1].kind == "table" and not r.edge:
            j = i + 1
            while j < n and rows[j].edge:
                j += 1
            if (j < n and rows[j].kind == "table" and len(r.text.split()) <= 8 and not _TERMINAL.search(r.text)
                    and _near(rows[i - 1], r, 4.0, up=True) and _near(r, rows[j], 4.0, up=True)):
                r.kind = "table"
    i = 0
    while i < n:
        if rows[i].kind != "table":
            i += 1
            continue
        j = i
        while j + 1 < n and (rows[j + 1].kind == "table" or rows[j + 1].edge):
            j += 1
        run = [r for r in rows[i:j + 1] if not r.edge]
        # header rows above the run: short, not sentences, not captions, close together, two or more cells
        k = i - 1
        above: list[_Row] = []
        while k >= 0 and len(above) < 3:
            r = rows[k]
            nxt = above[0] if above else run[0]
            toks = r.text.split()
            if (r.kind in ("text", "heading") and not r.edge and r.geo and len(toks) >= 2 and len(toks) <= 20
                    and not _TERMINAL.search(r.text) and not _CAPTION.match(r.text)
                    and _near(r, nxt) and abs(r.size - nxt.size) <= 1.5):
                above.insert(0, r)
                k -= 1
            else:
                break
        for r in above:
            r.kind = "table"
        table = above + run
        head: list[_Row] = []
        for r in table:
            if _data_row(r) or len(head) == 3:
                break
            head.append(r)
        if len(head) == len(table):
            head = table[:1]  # a table of text: its first row names the columns
        header = _header_text(head, [r for r in table if r not in head])
        for r in table:
            if r not in head:
                r.header = header
        i = j + 1


def _short(r: _Row, right: float) -> bool:
    return r.geo and r.x1 < right - SHORT * r.size


def _continues(block: list[_Row], r: _Row, pitch: dict[float, float]) -> str:
    """How row `r` goes on from `block` (a paragraph or list item; its rows since its last column change):
    "" (it doesn't), "line" (next line in the column) or "column" (the sentence goes on in another column)."""
    last = block[-1]
    if r.kind in ("table", "heading", "vertical", "list"):
        return ""
    if not r.geo or not last.geo:
        if r.geo or last.geo:
            return "" if r.geo else "line"  # a line without boxes joins what came before it
        # no geometry at all (pypdf fallback): break at blank lines and after a line well short of a full one
        # (a paragraph's last line, a heading) unless it ends with a hyphen or comma
        prev = last.text.strip()
        if r.first.blank_before or (len(prev) < 0.7 * last.first.typical and prev[-1:] not in "-,"):
            return ""
        return "line"
    if abs(r.size - last.size) > SIZE_TOL:
        return ""
    size = last.size
    p = pitch.get(round(size * 2) / 2, 1.2 * size)
    dy = r.base - last.base
    overlap = min(last.x1, r.x1) - max(last.x0, r.x0)
    right = max(max(x.x1 for x in block), r.x1)
    ends = bool(_TERMINAL.search(last.text))
    if 0 < dy <= PITCH_GAP * p and overlap > 0:
        if _short(last, right) and (ends or r.text[:1].isupper() or not r.text[:1].isalpha()):
            return ""
        first_x0 = block[0].x0
        if len(block) == 1:
            if r.x0 > first_x0 + INDENT * size:  # hanging indent (a reference, a list item) after a full line
                return "" if _short(last, right) else "line"
            return "line"
        body_x0 = block[1].x0
        if r.x0 > body_x0 + INDENT * size:
            return ""  # an indented first line
        if body_x0 > first_x0 + INDENT * size and r.x0 < body_x0 - INDENT * size:
            return ""  # back out to the first line of the next hanging-indent entry
        return "line"
    if dy < 0 or overlap <= 0:
        # another column: the sentence goes on if the line above ran to its column's edge unfinished
        right = max(x.x1 for x in block)
        goes_on = not ends and not _short(last, right) and (
            last.lines[-1].soft or last.text.rstrip()[-1:] == "-" or r.text[:1].islower())
        return "column" if goes_on else ""
    return ""


def _blocks(pages_rows: list[list[_Row]], body: float, pitch: dict[float, float]) -> list[Block]:
    blocks: list[Block] = []
    title_size = max((r.size for r in (pages_rows[0] if pages_rows else []) if r.kind == "heading"), default=0.0)
    title_done = False
    for rows in pages_rows:
        cur: list[_Row] = []
        cur_kind = ""
        seg = 0  # index in `cur` of its first row in the current column

        def close() -> None:
            nonlocal cur, cur_kind, title_done
            if not cur:
                return
            kind = {"text": "paragraph", "vertical": "paragraph", "list": "list_item", "table": "table_row",
                    "heading": "heading"}[cur_kind]
            level = 0
            if kind == "heading":
                level, title_done = _level(cur, title_size, title_done, body)
            blocks.append(Block(kind, cur[0].start, cur[-1].end, level=level, page=cur[0].page + 1,
                                header=cur[0].header if kind == "table_row" else ""))
            cur, cur_kind = [], ""

        for r in rows:
            if r.edge:
                close()
                continue
            if cur:
                how = _continues(cur[seg:], r, pitch) if cur_kind in ("text", "list") else ""
                if how:
                    if how == "column":
                        seg = len(cur)
                    cur.append(r)
                    continue
                if cur_kind == "heading" and r.kind == "heading" and _heading_continues(cur, r, pitch):
                    cur.append(r)
                    continue
                close()
            cur, cur_kind, seg = [r], r.kind, 0
        close()
    return blocks


def _heading_continues(cur: list[_Row], r: _Row, pitch: dict[float, float]) -> bool:
    last = cur[-1]
    if len(cur) >= 3 or abs(r.size - last.size) > SIZE_TOL or re.search(r"[.!?][\"'”’)\]]*$", last.text):
        return False
    if _NUMBERED_HEAD.match(r.text) and not last.text.rstrip().endswith(("-", ":")):
        return False
    p = pitch.get(round(last.size * 2) / 2, 1.2 * last.size)
    return 0 < r.base - last.base <= PITCH_GAP * p


def _level(rows: list[_Row], title_size: float, title_done: bool, body: float) -> tuple[int, bool]:
    r = rows[0]
    m = re.match(r"^(\d{1,2}|[A-Z])((?:\.\d{1,2}){0,3})\.?\s", r.text)
    if not title_done and r.page == 0 and r.size >= title_size - SIZE_TOL and not m:
        return 1, True
    if m and (m.group(2) or m.group(1).isdigit()):
        return min(2 + m.group(2).count("."), 6), title_done
    return (2 if r.size >= body * HEAD_RATIO else 3), title_done


# ----------------------------------------------------------------------------- metadata
def _pdf_date(v: str) -> str:
    m = re.match(r"^(?:D:)?(\d{4})(\d{2})?(\d{2})?", v.strip())
    if not m:
        return v.strip()
    y, mo, d = m.group(1), m.group(2) or "01", m.group(3) or "01"
    try:
        return datetime(int(y), int(mo), int(d)).date().isoformat()
    except ValueError:
        return v.strip()


def _sensible_title(t: str) -> bool:
    t = t.strip()
    if len(t) < 4 or sum(c.isalpha() for c in t) < 3:
        return False
    low = t.lower()
    if re.search(r"\.(docx?|pdf|tex|dvi|indd|qxd|rtf|pptx?|xlsx?)$", low):
        return False  # a file name
    if low.startswith(("microsoft word", "untitled")):
        return False
    return low not in {"title", "document", "slide 1", "presentation"}


def _title(meta: dict, text: str, blocks: list[Block], pages_rows: list[list[_Row]]) -> str:
    t = meta.get("Title", "") or ""
    if _sensible_title(t):
        return " ".join(t.split())
    for b in blocks:
        if b.kind == "heading" and b.level == 1:
            return " ".join(text[b.start:b.end].split())
    # the largest line on page 1, else its first line
    rows = [r for r in (pages_rows[0] if pages_rows else []) if not r.edge and r.kind != "vertical"
            and sum(c.isalpha() for c in r.text) >= 3]
    if not rows:
        return ""
    best = max(rows, key=lambda r: (round(r.size * 2), -rows.index(r))) if any(r.geo for r in rows) else rows[0]
    return " ".join(best.text.split())[:200]


# ----------------------------------------------------------------------------- entry point
def read_pdf(data: bytes, source: str, sha: str) -> Document:
    """Read a PDF's bytes into a Document; DocumentError when it is encrypted, broken or has no text layer."""
    return _read(data, source, sha)[0]


def _read(data: bytes, source: str, sha: str, extractor: str = "") -> tuple[Document, list[list[_Row]]]:
    """The Document and the rows it was built from (eval/pdf_extractors.py measures them); `extractor="pypdf"`
    takes the fallback path even when PDFium could open the file (tests)."""
    if b"%PDF" not in data[:1024]:
        raise DocumentError("not a PDF file (no %PDF header)")
    got = None
    if extractor != "pypdf":
        with PDFIUM_LOCK:
            got = _extract_pdfium(data)
    if got is None:
        got = _extract_pypdf(data)
    texts, pages_lines, meta = got
    if not texts:
        raise DocumentError("PDF has no pages")
    if not any(ln.text.strip() for lines in pages_lines for ln in lines):
        raise DocumentError("no text layer (scanned?): the PDF's pages hold no extractable text")
    text = PAGE_SEP.join(texts)
    spans, off = [], 0
    for t in texts:
        spans.append((off, off + len(t)))
        off += len(t) + len(PAGE_SEP)
    body = _body_size(pages_lines)
    pitch = _pitches(pages_lines)
    pages_rows = [_rows(lines) for lines in pages_lines]
    _mark_edges(pages_rows)
    _classify(pages_rows, body, pitch)
    blocks = _blocks(pages_rows, body, pitch)
    author = " ".join(str(meta.get("Author", "")).split())
    if author.lower() in _NO_AUTHOR:
        author = ""
    metadata = Metadata(title=_title(meta, text, blocks, pages_rows), author=author,
                        date=_pdf_date(meta["CreationDate"]) if meta.get("CreationDate") else "", pages=len(texts))
    doc = Document(source=source, text=text, sha=sha, format="pdf", blocks=tuple(blocks), pages=tuple(spans),
                   metadata=metadata)
    return doc, pages_rows
