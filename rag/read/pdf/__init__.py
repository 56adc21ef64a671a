"""Read a PDF into a `Document`: PDFium's text, reflowed into paragraphs, headings, list items and table rows.

    doc = read_pdf(data, "paper.pdf", sha)
    doc.pages[2]                        # (start, end) of page 3 in doc.text
    [(b.kind, b.page, doc.text[b.start:b.end]) for b in doc.blocks[:5]]

Source text: PDFium's text of each page, "\\r\\n" -> "\\n", its soft-hyphen mark U+FFFE -> "-\\n" (PDFium drops
the line break after a soft hyphen; putting it back lets `rag.read.normalize` join "representa-\\ntion"), control
characters -> " ", pages joined by "\\n\\f\\n". Blocks come from each line's geometry (PDFium character boxes,
baseline, font size and weight): a line continues the paragraph above it unless there is a real break (a vertical
gap, an indent, a short last line, another font size, a heading, a list marker, a table row). Running headers,
footers and page numbers are left out of `blocks` (they stay in `text`), and so is a footnote's raised number. A
paragraph that goes on with a sentence left unfinished on the page or column before (furniture, a float or
footnotes between) carries `Block.cont`, which `rag.chunk` reads as one text. PDFium refuses a file -> pypdf, with
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
What this package makes of it on the papers: 100.00% of the text and of the digits outside running headers and page
numbers lies in blocks (7785 blocks, ~18 ms a page); a synthetic 70-page filing with a table on every page reads in
0.49 s.

The package, in reading order: `extract` (PDFium/pypdf text into lines with geometry), `rows` (lines into rows;
body size and line pitch), `furniture` (running headers, footers, page numbers; contents pages), `classify` (row
kinds), `tables` (table runs and their headers), `reflow` (rows into blocks), then metadata and title here. The
thresholds, each with the measurement it was set from, are in `constants`.

Not here: sentence splitting and chunking (`rag.chunk`), what the text means (`rag.read.normalize`).
"""
from __future__ import annotations

import re
import threading
from datetime import datetime

from ...errors import DocumentError
from ..document import Block, Document, Metadata
from .classify import _classify
# re-exported: eval/pdf_extractors.py reads the thresholds and the steps as rag.read.pdf.<name>
from .constants import (CELL_GAP, EDGE_GAP, EDGE_PAGES, EDGE_ROWS, EDGE_TOL, HEAD_RATIO, INDENT,  # noqa: F401
                        PITCH_GAP, SHORT, SIZE_TOL, TITLE_RATIO)
from .extract import PAGE_SEP, _extract_pdfium, _extract_pypdf, _Line  # noqa: F401
from .furniture import _edge_bands, _mark_edges  # noqa: F401
from .reflow import _blocks
from .rows import _body_size, _pitches, _Row, _rows

_NO_AUTHOR = {"anonymous", "unknown", "author", "user", "admin", "administrator"}  # generators' placeholders
PDFIUM_LOCK = threading.Lock()  # PDFium is not thread-safe: every use of it in this process (reading here, page views in the UI) holds this


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
def read_pdf(data: bytes, source: str, sha: str, max_pages: int | None = None) -> Document:
    """Read a PDF's bytes into a Document; DocumentError when it is encrypted, broken, has no text layer or
    more than `max_pages` pages (None: no limit)."""
    return _read(data, source, sha, max_pages=max_pages)[0]


def _read(data: bytes, source: str, sha: str, extractor: str = "",
          max_pages: int | None = None) -> tuple[Document, list[list[_Row]]]:
    """The Document and the rows it was built from (eval/pdf_extractors.py measures them); `extractor="pypdf"`
    takes the fallback path even when PDFium could open the file (tests)."""
    if b"%PDF" not in data[:1024]:
        raise DocumentError("not a PDF file (no %PDF header)")
    got = None
    if extractor != "pypdf":
        with PDFIUM_LOCK:
            got = _extract_pdfium(data, max_pages)
    if got is None:
        got = _extract_pypdf(data, max_pages)
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
