"""A PDF page as the reader sees it: the rendered page (PNG) and where a cited span sits on it.

Our reader (`rag.read.pdf`) reflows lines and drops running headers, so its text offsets do not
map onto the page directly. Instead the quote is aligned with PDFium's own text of the page on
letters and digits only (so hyphenation, line breaks, spacing and ligatures do not matter) and
the matched characters' boxes are merged into one rectangle per line. No gradio here; the
viewer's HTML is in `ui.render`.
"""
from __future__ import annotations

import base64
import io
import unicodedata
from dataclasses import dataclass
from pathlib import Path

SCALE = 1.5  # image pixels per PDF point: sharp enough to read at the viewer's width
_MIN_MATCH = 12  # a prefix shorter than this (squashed characters) is not a trustworthy match


@dataclass(frozen=True)
class Box:
    """A rectangle in image pixels, origin top-left."""

    left: float
    top: float
    width: float
    height: float


@dataclass(frozen=True)
class PageView:
    png: bytes
    width: int  # image pixels
    height: int
    boxes: tuple[Box, ...]  # the cited span on this page; () if it could not be located

    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


def squash(text: str) -> tuple[str, list[int]]:
    """(lowercase letters and digits of `text`, index in `text` of each of them). Ligatures unfold."""
    out, where = [], []
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKC", ch):
            if c.isalnum():
                out.append(c.lower())
                where.append(i)
    return "".join(out), where


def locate(page_text: str, quote: str) -> tuple[int, int] | None:
    """(first, last) character index in page_text of `quote`, matched on letters and digits.

    A quote that runs on to the next page matches by its longest prefix found on this one.
    """
    hay, where = squash(page_text)
    needle, _ = squash(quote)
    if not needle or not hay:
        return None
    pos = hay.find(needle)
    n = len(needle)
    if pos < 0:  # binary search the longest prefix present (presence is monotone in prefix length)
        lo, hi = 0, len(needle)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if hay.find(needle[:mid]) >= 0:
                lo = mid
            else:
                hi = mid - 1
        if lo < min(_MIN_MATCH, len(needle)):
            return None
        n, pos = lo, hay.find(needle[:lo])
    return where[pos], where[pos + n - 1]


def _line_boxes(char_boxes, page_height: float, scale: float) -> list[Box]:
    """Merge (left, bottom, right, top) char boxes in reading order into one Box per text line."""
    lines: list[list[float]] = []  # [left, bottom, right, top] in PDF points
    for left, bottom, right, top in char_boxes:
        if right - left <= 0 or top - bottom <= 0:
            continue  # generated spaces and line ends have no box
        if lines:
            cur = lines[-1]
            mid = (bottom + top) / 2
            same_line = cur[1] - 1 <= mid <= cur[3] + 1 and left >= cur[0] - 1
            if same_line:
                cur[:] = [min(cur[0], left), min(cur[1], bottom), max(cur[2], right), max(cur[3], top)]
                continue
        lines.append([left, bottom, right, top])
    return [Box(round(l * scale, 1), round((page_height - t) * scale, 1),
                round((r - l) * scale, 1), round((t - b) * scale, 1)) for l, b, r, t in lines]


def span_boxes(page, quote: str, scale: float = SCALE) -> list[Box]:
    """The rectangles (image pixels at `scale`) covering `quote` on a pypdfium2 page; [] if not found."""
    textpage = page.get_textpage()
    try:
        n = textpage.count_chars()
        text = "".join((textpage.get_text_range(i, 1) or "\0")[0] for i in range(n))  # one char per index
        found = locate(text, quote)
        if found is None:
            return []
        first, last = found
        boxes = [textpage.get_charbox(i) for i in range(first, last + 1)]
    finally:
        textpage.close()
    return _line_boxes(boxes, page.get_height(), scale)


def page_view(path: str | Path, page_no: int, quote: str = "", scale: float = SCALE) -> PageView:
    """Page `page_no` (1-based) of the PDF at `path`, rendered, with the boxes of `quote` on it."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        if not 1 <= page_no <= len(pdf):
            raise ValueError(f"page {page_no} is not in this PDF ({len(pdf)} pages)")
        page = pdf[page_no - 1]
        image = page.render(scale=scale).to_pil()
        buf = io.BytesIO()
        image.save(buf, format="PNG", optimize=False)
        boxes = tuple(span_boxes(page, quote, scale)) if quote else ()
        page.close()
    finally:
        pdf.close()
    return PageView(buf.getvalue(), image.width, image.height, boxes)
