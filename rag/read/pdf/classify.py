"""Row kinds: each row of a page is a heading, list item, table row, vertical text or text (after the running
headers and footers are marked); then contents pages and tables are found on the page.

Not here: the rules for furniture (`furniture`) and tables (`tables`), joining rows into blocks (`reflow`).
"""
from __future__ import annotations

import re

from .constants import (_CAPTION, _NUMBERED_HEAD, _TERMINAL, HEAD_RATIO, INDENT, PITCH_GAP, SHORT,
                        SIZE_TOL, TITLE_RATIO)
from .furniture import _mark_contents
from .rows import _Row, _near
from .tables import _gutters_meet, _numeric_row, _tables

_BULLET = re.compile(r"^(?:[•●○◦▪▫■□‣⁃∙·➢►▶✓✔*]|[-–—](?=\s))\s*\S"  # a bullet, a dash
                     r"|^(?:\(?(?:\d{1,2}|[a-z]|[ivx]{1,4})[.)]|\[\d{1,3}\])\s+\S")  # 1. a) (iv) [12]
_SECTION_NUM = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2}){0,3}\.?|[IVX]{1,5}\.|[A-Z]\.)\s+[A-Z]")


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


def _section_head(r: _Row, prev: _Row | None, pitch: dict[float, float], body: float) -> bool:
    """A numbered line in the text's own font ("I. Introduction", "A. Scenarios") after a gap. Not in a smaller
    one: "6 See Ravishankar et al. (2022), ..." is a footnote (meaning_of_prompt p. 9)."""
    text = r.text.strip()
    if not (r.geo and _SECTION_NUM.match(text)) or len(text.split()) > 10 or _TERMINAL.search(text):
        return False
    if r.size < body - SIZE_TOL:
        return False
    if sum(c.isalpha() for c in text) * 2 < len(text.replace(" ", "")):
        return False
    if prev is None or prev.edge or prev.kind == "heading" or not prev.geo:
        return True
    p = pitch.get(round(r.size * 2) / 2, 1.2 * r.size)
    return r.base - prev.base > PITCH_GAP * p or r.base < prev.base


def _runs_on(p: _Row | None, r: _Row, pitch: dict[float, float], text_only: bool = True) -> bool:
    """Row `r` is the next line of the sentence in row `p`: `p` is text that ran to the column's edge (or `r`
    starts in lowercase) without sentence-final punctuation, and `r` lies one line below it in the same size.
    Such a row is no heading, bold or not. Taken for one, it cut the sentence in two and started a section:
    a bold phrase inside a paragraph (roberta p. 5, the filings' bold risk factors), body lines that a filing's
    small table print made look large (AMCOR's earnings release). Without this, eval.reading's "starts" counts
    4 more units starting mid-sentence on the aragog papers and 15 more on the financebench filings."""
    if p is None or (text_only and p.kind not in ("text", "list")) or not (p.geo and r.geo):
        return False
    if abs(p.size - r.size) > SIZE_TOL:
        return False
    if _TERMINAL.search(p.text) or (_NUMBERED_HEAD.match(r.text) and not p.text.endswith("-")):
        return False  # ("COVID-" / "19 related ..." is no numbered heading)
    dy = r.base - p.base
    if not 0 < dy <= PITCH_GAP * pitch.get(round(p.size * 2) / 2, 1.2 * p.size):
        return False
    if min(p.x1, r.x1) - max(p.x0, r.x0) <= 0:
        return False
    return r.text[:1].islower() or p.x1 >= max(p.x1, r.x1) - SHORT * p.size


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
            elif (_heading_like(r, body) or _section_head(r, p, pitch, body)) and not _runs_on(p, r, pitch):
                r.kind = "heading"
            elif _BULLET.match(r.text.lstrip()):
                r.kind = "list"
            else:
                r.kind = "text"
        # a "heading" whose sentence the next line goes on with, in lowercase and the same size, is a paragraph's
        # first line (a filing's body text set larger than its tables, which set the body size)
        live = [r for r in rows if not r.edge]
        for r, n in reversed(list(zip(live, live[1:]))):  # upwards: the lines of a run-on "heading" all go
            if (r.kind == "heading" and n.kind == "text" and n.text[:1].islower() and r.x1 >= n.x1 - SHORT * r.size
                    and _runs_on(r, n, pitch, False)):
                r.kind = "text"
        _mark_contents(rows)
        # rows of text cells whose column gutters line up with a neighbour's: a table of words
        live = [r for r in rows if not r.edge and r.geo and r.kind != "contents"]
        for x, y in zip(live, live[1:]):
            if x.kind in ("text", "table") and y.kind in ("text", "table") and _near(x, y) and _gutters_meet(x, y):
                x.kind = y.kind = "table"
        for x, y in zip(live, live[1:]):
            if x.kind == "table" and y.kind == "text" and _wraps_last_cell(x, y, pitch):
                x.kind = "text"
        _tables(rows)


def _wraps_last_cell(r: _Row, n: _Row, pitch: dict[float, float]) -> bool:
    """Row `n` is the next line of the text in row `r`'s last cell: a name, a number and a sentence ("Brendan J.
    Nelson | 64 | Senior Vice President and President, Boeing International since January 2023. Dr. Nelson" /
    "previously served as ...", Boeing's 10-K pp. 128-129, each officer's entry). Read as a table row, the
    entry's sentence was cut after its first line. `n` starts at the last cell's left edge one line below, in
    the same size, and the cell holds words (not figures: a table's wrapped row label is its first cell)."""
    spans = r.spans()
    if len(spans) < 2 or not (r.geo and n.geo) or abs(r.size - n.size) > SIZE_TOL:
        return False
    x0 = spans[-1][0]
    words = [w for w, a, _ in r.words() if a >= x0 - 1]
    if len(words) < 4 or sum(w[:1].isalpha() for w in words) < 0.75 * len(words):
        return False
    dy, p = n.base - r.base, pitch.get(round(r.size * 2) / 2, 1.2 * r.size)
    return (abs(n.x0 - x0) <= INDENT * n.size and 0 < dy <= PITCH_GAP * p
            and (not _TERMINAL.search(r.text) or n.text[:1].islower()))
