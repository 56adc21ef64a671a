"""Rows: the lines on one baseline grouped into a `_Row`, and the document-wide measures the later steps use
(body font size, line pitch per size, whether one row lies just below another).

Not here: what a row is (`classify`, `furniture`, `tables`), joining rows into blocks (`reflow`).
"""
from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cached_property

from .constants import SIZE_TOL
from .extract import _Line


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
    def stacked(self) -> bool:
        """Column labels of two or three lines, joined by `_restack`: its lines lie on several baselines."""
        return len(self.lines) > 1 and max(ln.base for ln in self.lines) - min(ln.base for ln in self.lines) \
            >= 0.5 * self.size

    @cached_property
    def bottom(self) -> float:
        """The lowest baseline: the main line's for a row on one baseline, the last line's of stacked labels."""
        return max(ln.base for ln in self.lines) if self.stacked else self.base

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
    return _restack(rows)


MAX_CELL_LINES = 3


def _cell_line(r: _Row) -> bool:
    """A single short line (at most 3 words): a piece of column labels; or a line of labels of one or two
    words, without figures, set apart as cells (not "Three months ended  Twelve months ended", which
    spans the columns under it): PDFium may run the one-line labels beside a stacked one together,
    "Packaging Other Total Flexibles" between two "Rigid" over "Packaging". Conversations tune: fact
    first 0.670 -> 0.682 (a segment's adjusted EBIT read under its column); of the 5,660 table rows of the
    report and conversation PDFs, 88 read otherwise, most now under their labels, but a 10-K's equity
    statement loses one column's label ("Accumulated Other Comprehensive Income (Loss)")."""
    ln = r.lines[0]
    if len(r.lines) != 1 or not ln.geo or ln.vertical:
        return False
    cells = r.cells()
    return len(ln.text.split()) <= 3 or len(cells) > 1 and all(
        len(c.split()) <= 2 and not any(ch.isdigit() for ch in c) for c in cells)


def _restack(rows: list[_Row]) -> list[_Row]:
    """Column labels of two or three lines written cell by cell ("July 2," over "2023", then "July 3,"
    over "2022"): PDFium gives a cell's lines one after another, so no two lines in a row share a
    baseline and each became a row of its own, lost to the table's header (the dates over Pfizer's
    statements). A run of single short lines that steps down within a cell and back up for the next cell,
    to the right, to a line of the cells before (labels of fewer lines share the longer ones' bottom line)
    or above them all, is one row; `tables._header` joins the pieces of each cell."""
    out: list[_Row] = []
    i = 0
    while i < len(rows):
        top, j, ups, downs, cut = rows[i], i, 0, 0, False
        bases = [top.base]  # the lines of the cells: at most MAX_CELL_LINES
        while j + 1 < len(rows) and _cell_line(rows[j]) and _cell_line(rows[j + 1]):
            a, b = rows[j].lines[0], rows[j + 1].lines[0]
            size = max(a.size, b.size)
            known = any(abs(b.base - x) < 0.5 * size for x in bases)
            if abs(a.size - b.size) > 0.5 or not known and len(bases) == MAX_CELL_LINES:
                cut = abs(a.size - b.size) <= 0.5  # a fourth line: labels taller than this rule reads
                break
            if 0 < b.base - a.base <= 1.6 * size and min(a.x1, b.x1) > max(a.x0, b.x0):
                downs += 1  # the cell's next line, under it
            elif b.base < a.base and b.x0 >= a.x1 - 1.0 and (known or b.base < min(bases)):
                # the next cell's first line, to the right, back up on a line of the cells before or above
                # them all: labels of fewer lines sit on the same bottom line as the longer ones
                ups += 1
            else:
                cut = known  # a line among the cells' that is not the next piece
                break
            if not known:
                bases.append(b.base)
            j += 1
        # a run cut short is left as it was: a reconciliation's four-line labels came out worse merged in part
        if j - i >= 3 and ups and downs and not cut:
            out.append(_Row([ln for r in rows[i:j + 1] for ln in r.lines]))
            i = j + 1
        else:
            out.append(rows[i])
            i += 1
    return out


def _near(a: _Row, b: _Row, k: float = 3.0, up: bool = False) -> bool:
    """`b` lies below `a` within k font sizes (or above it too, with `up`: a label centred on several rows)."""
    if not (a.geo and b.geo):
        return True
    # from the last line of stacked column labels to what lies under them (from their first line to what
    # shares a line with them)
    dy = b.base - (a.bottom if b.base - a.bottom > 0.5 * b.size else a.base)
    return (0 < dy or (up and dy > -k * max(a.size, b.size))) and abs(dy) <= k * max(a.size, b.size)
