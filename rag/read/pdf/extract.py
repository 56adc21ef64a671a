"""Text extraction: PDFium's (or, as a fallback, pypdf's) text of each page, cut into `_Line`s with their geometry.

PDFium gives each line its character boxes, baseline, font size and weight, word extents and cell gaps; pypdf gives
text only (`geo` False). Not here: grouping lines into rows (`rows`), what the rows are (`classify`, `furniture`).
"""
from __future__ import annotations

import ctypes
import re
import statistics
from dataclasses import dataclass

from ...errors import DocumentError
from .constants import CELL_GAP, SIZE_TOL, STEP_EMS

PAGE_SEP = "\n\f\n"
_BREAK = re.compile(r"\r\n|[\r\n\ufffe]")
_WORD = re.compile(r"\S+")
_CTRL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufeff]")
_BOLD_NAME = re.compile(r"bold|black|heavy|demi|medi|cmbx|-bd\b|,bd\b", re.I)
# a footnote's number set before its text, raised ("12The leader ...", "7 For example"): measured in `_measure`
_LEAD_NUMBER = re.compile(r"(\d{1,3})\s*(?=[A-Z]|https?:|www\.)")


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
    wrap: int = 0  # where in `text` a second printed line starts that PDFium ran into this one (0: none)
    mark: int = 0  # the line starts with a raised, smaller number (a footnote's): where in `text` the text goes on
    blank_before: bool = False  # fallback only: an empty line came before it
    typical: float = 0.0  # fallback only: the length of a full line on its page (90th percentile)


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

    def size(self, ci: int) -> float:
        size = self.raw.FPDFText_GetFontSize(self.tp, ci)
        if self.raw.FPDFText_GetMatrix(self.tp, ci, self.m):  # the size is in text space: scale it to the page
            size *= abs(self.m.a * self.m.d - self.m.b * self.m.c) ** 0.5
        return size

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
        sizes.append(g.size(ci))
        if raw.FPDFText_GetCharOrigin(tp, ci, g.ox, g.oy):
            bases.append(h - g.oy.value)
        bold += g.bold(ci)
    w, ht = line.x1 - line.x0, line.bottom - line.top
    # the largest of three samples: inline code, sub- and superscripts are smaller than the line's text
    line.size = max(sizes) if max(sizes) > 0 else max(ht, 1.0)
    if len(sizes) > 1 and sizes[0] > max(sizes[1:]) + SIZE_TOL and len(alnum) > 1 \
            and abs(g.size(g.ci(i0 + alnum[1][0])) - max(sizes[1:])) <= SIZE_TOL:
        # but not a drop capital: the first letter alone set larger ("In November 2020, ...", Boeing's 10-K p. 99)
        # gave the line another size than the rest of its paragraph, which broke in two mid-sentence
        line.size = max(sizes[1:])
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
    for (ka, _, ra, ta, ba), (kb, lb, _, tb, bb) in zip(boxes, boxes[1:]):
        if kb > ka + 1 and text[ka + 1:kb].isspace() and lb < ra - line.size and (tb >= ba or bb <= ta):
            # the next word starts back to the left, on another height: PDFium ran two printed lines into one
            # (roberta p. 1: a column's last word "advances." and the footnotes below it). Split in `_page_lines`.
            line.wrap = kb
            return
        if kb > ka + 1 and text[ka + 1:kb].isspace():
            gap = (lb - ra) / line.size
            gaps.append(gap)
            if gap >= CELL_GAP:
                cells.append(kb)
                spans.append((x_start, ra))
                x_start = lb
    spans.append((x_start, boxes[-1][2]))
    cuts = (0, *cells, len(text))
    for a, b, c in zip(cuts, cuts[1:], cuts[2:]):
        if _label(text[a:b]) and _label(text[b:c]) and _steps(g, i0 + len(text[:b].rstrip()) - 1, i0 + b, line.size):
            # the next cell sits on another baseline: column labels of one and two lines centred on each
            # other ("Flexibles" beside "Rigid" over "Packaging"), which PDFium reads left to right as one
            # line. Split in `_page_lines`, so that `rows._restack` stacks each cell. Of the 5,660 table
            # rows of the report and conversation PDFs, 48 read otherwise: an earnings release's segment
            # tables and a 10-K's equity statement gain their column labels; a paper's GPU table, misread
            # before, is misread otherwise (one tune conversation turn answered wrong is now declined).
            line.wrap = b
            return
    line.gaps, line.cells, line.spans = tuple(gaps), tuple(cells), tuple(spans)
    if cells and len(sizes) == 3 and sizes[2] > max(sizes[:2]) + SIZE_TOL and abs(sizes[0] - sizes[1]) <= SIZE_TOL \
            and samples[1] < cells[-1] <= samples[2]:
        # nor a last cell set larger: a registrant's name beside the signature sentence ("... as of February 1,
        # 2018. AMAZON.COM, INC.", Amazon's 10-K p. 78) gave the sentence's line another size than its paragraph
        line.size = max(sizes[:2])
    lead = _LEAD_NUMBER.match(text)
    if lead:
        line.mark = _lead_mark(g, i0, lead.end(1), lead.end(), line.size)


def _label(cell: str) -> bool:
    """A cell that may be a column label: at most 3 words, with letters and no figure."""
    return 0 < len(cell.split()) <= 3 and any(ch.isalpha() for ch in cell) and not any(ch.isdigit() for ch in cell)


def _steps(g: _Geo, a: int, b: int, size: float) -> bool:
    """Whether the characters a and b (PDFium indices) of one line are set in one font size on baselines
    at least half a line apart (STEP_EMS font sizes)."""
    raw, tp = g.raw, g.tp
    ys = []
    for i in (a, b):
        if not raw.FPDFText_GetCharOrigin(tp, g.ci(i), g.ox, g.oy):
            return False
        ys.append(g.oy.value)
    return abs(ys[0] - ys[1]) >= STEP_EMS * size and abs(g.size(g.ci(a)) - g.size(g.ci(b))) <= SIZE_TOL


def _lead_mark(g: _Geo, i0: int, digits: int, after: int, size: float) -> int:
    """`after` when the first `digits` characters of the line starting at char i0 sit raised by a fifth of the
    font size or more above the character at `after`, and are at most 0.8 of its height (a superscript); else 0."""
    raw, tp, h = g.raw, g.tp, g.h

    def box(k: int):
        if not raw.FPDFText_GetCharBox(tp, g.ci(i0 + k), g.l, g.r, g.b, g.t) or g.t.value <= g.b.value:
            return None
        return h - g.t.value, h - g.b.value  # top, bottom as distances from the page top

    marks = [b for b in (box(k) for k in range(digits)) if b]
    nxt = box(after)
    if not marks or nxt is None:
        return 0
    top, bottom = min(t for t, _ in marks), max(b for _, b in marks)
    raised = bottom <= nxt[1] - 0.2 * size
    return after if raised and bottom - top <= 0.8 * (nxt[1] - nxt[0]) else 0


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
                if line.wrap:
                    cut = a + lead + line.wrap
                    add(a, cut, False)
                    add(cut, b, soft)
                    return
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


def check_pages(n: int, max_pages: int | None) -> None:
    """DocumentError naming the limit when a PDF has more pages than `max_pages` (None: no limit); checked
    on the page tree, before any page is read."""
    if max_pages is not None and n > max_pages:
        raise DocumentError(f"the PDF has {n:,} pages, over the limit of {max_pages:,} pages for a document")


def _extract_pdfium(data: bytes, max_pages: int | None = None):
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
        check_pages(len(pdf), max_pages)
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


def _extract_pypdf(data: bytes, max_pages: int | None = None):
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
        check_pages(len(reader.pages), max_pages)
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
