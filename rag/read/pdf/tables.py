"""Tables in a PDF's rows: which rows hold figures or line up in columns, runs of table rows with their header
rows, and the column labels and context (`_Row.header`) each data row is given.

Not here: the format-independent part (`rag.read.table`: how a header reads, table rows in answers).
"""
from __future__ import annotations

import re
import statistics
from typing import Iterator

from ..table import CURRENCY, header_text, period_terms, unit_of
from .constants import _CAPTION, _TERMINAL
from .rows import _Row, _near

_NUM = re.compile(r"^[(\[]?[-+−–±~<>≈≤≥$€£¥#]?\.?\d[\d,.]*(?:[/±x×:\-–]\.?\d[\d,.]*)*"
                  r"(?:%|[kKMBGTbx×]|pp|ms|s)?[)\]]?[,;*†‡∗]*$")
_EMPTY_CELL = {"-", "–", "—", "n/a", "N/A", "✓", "✗", "✔", "✘", "×", "•", "?"}
_YEAR = re.compile(r"^(19|20)\d\d$")
_MONTH = re.compile(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\b", re.I)
_LOWER_WORD = re.compile(r"^[a-z][a-z'’-]{2,}[,.;:]?$")
LABEL_GAP = 0.6  # font sizes: wider than a word space (~0.25), narrower than a cell gap
# A lead-in that ends in a colon and gives the unit ("Net sales information is as follows (in millions):")
# names the table under it from a little further up than a title does (3 font sizes): Amazon's 10-K sets
# its column labels 3.3 font sizes under it.
LEAD_IN_EMS = 4.0
TITLE_ROWS = 3  # rows above a table's labels searched for its unit line (`_title_above`)
HEAD_GAP_EMS = 4.0  # the widest gap under a table's column labels (`_tables`)
HEAD_ROWS = 5  # at most this many rows above a table's first figures are its title, unit line and column headers


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
    if r.stacked:  # column labels, though some read as figures ("1-3" over "years")
        return False
    for c in r.cells() or [r.text]:
        toks = re.sub(r"(?<=\d)\s+%", "%", c).split()  # "91 %": a rate set with a space before its sign
        if toks and all(_is_num(t) for t in toks) and not any(_YEAR.match(t) for t in toks) and not _MONTH.search(c):
            if not all(t in _EMPTY_CELL for t in toks):
                return True
    return False


def _figure_cells(r: _Row, spaced_percent: bool = False) -> Iterator[tuple[int, tuple[float, float] | None]]:
    """Each cell of `r` but a lone currency sign, by its index among the row's cells: the x extent of
    its figure, from the sign before it ("$" in a cell of its own: headers centre over both), or None
    for a cell that is no figure. spaced_percent: "13.6 %" (a rate set with a space before its sign)
    is a figure too."""
    sign = None
    for k, ((x0, x1), cell) in enumerate(zip(r.spans(), r.cells())):
        toks = (re.sub(r"(?<=\d)\s+%", "%", cell) if spaced_percent else cell).split()
        if toks and all(t in CURRENCY for t in toks):
            sign = x0
            continue
        figure = bool(toks) and all(_is_num(t) or t in CURRENCY for t in toks)
        yield k, ((x0 if sign is None else min(sign, x0), x1) if figure else None)
        sign = None


def _value_columns(data: list[_Row]) -> list[tuple[float, float]]:
    """The x extents of a table's value columns: the figure cells of its data rows (not the row label,
    not a lone currency sign), overlapping ones merged."""
    spans, gap = [], 0.0
    for r in data:
        if not r.geo:
            continue
        for _, extent in _figure_cells(r):
            if extent is not None:
                spans.append(extent)
                gap = max(gap, 0.25 * r.size)
    cols: list[list[float]] = []
    for x0, x1 in sorted(spans):
        # cells of one column touch or overlap; a dash set a hair right of the figures above it ("4" then
        # "-") is still theirs: less than a word space apart, where two columns are a cell gap apart
        if cols and x0 <= cols[-1][1] + gap:
            cols[-1][1] = max(cols[-1][1], x1)
        else:
            cols.append([x0, x1])
    return [(a, b) for a, b in cols]


def _split_over(cell: tuple[float, float, str], r: _Row, cols: list[tuple[float, float]]):
    """A header cell that is several labels set close together ("March 31, 2031   March 31, 2030"):
    cut where a gap wider than a word space (LABEL_GAP font sizes) parts words over different columns.
    A label centred over a group of columns ("Three Months Ended") has only word spaces: kept whole."""
    x0, x1, _ = cell
    words = [(w, a, b) for w, a, b in r.words() if a >= x0 - 0.5 and b <= x1 + 0.5]
    if len(words) < 2 or len({round(ln.base) for ln in r.lines}) > 1:  # stacked cells (`rows._restack`): one label each
        return [cell]

    def column(a: float, b: float) -> int | None:
        c = (a + b) / 2
        return next((i for i, (ca, cb) in enumerate(cols) if ca - r.size <= c <= cb + r.size), None)

    pieces = [[words[0]]]
    for prev, w in zip(words, words[1:]):
        if w[1] - prev[2] >= LABEL_GAP * r.size and column(*prev[1:]) != column(*w[1:]):
            pieces.append([w])
        else:
            pieces[-1].append(w)
    return [(p[0][1], p[-1][2], " ".join(w for w, _, _ in p)) for p in pieces]


def _last_sentence(text: str) -> str:
    """The last sentence of a line: a lead-in is often the end of a paragraph's last line ("... of the
    membership. Net sales information is as follows (in millions):"), and only it names the table."""
    return re.split(r"(?<=[a-z)][.!?])\s+(?=[A-Z])", text)[-1]


def _unit_line(r: _Row) -> bool:
    """A short line that gives the table's unit: "(MILLIONS)", "($ in thousands, except per share data)"."""
    return len(r.text.split()) <= 8 and bool(unit_of(r.text))


def _title_above(rows: list[_Row], k: int, first: _Row) -> str:
    """A statement's title and unit line set apart above its column labels ("CONSOLIDATED STATEMENTS OF
    OPERATIONS" over "(in millions, except per share data)", a gap, then "Year Ended December 31,"):
    the unit line within TITLE_ROWS rows above, on the same page, with the headings between; "" when
    a sentence, a table row or the page's top comes first. Amazon's statements named no unit."""
    found: list[_Row] = []
    for r in reversed(rows[max(0, k - TITLE_ROWS + 1):k + 1]):
        if r.edge:
            continue
        if r.page != first.page or r.kind not in ("text", "heading") or len(r.text.split()) > 12 \
                or _TERMINAL.search(r.text):
            break
        found.insert(0, r)
        if _unit_line(r):
            while k - len(found) >= 0 and len(found) < TITLE_ROWS and (t := rows[k - len(found)]).page == first.page \
                    and not t.edge and (t.kind == "heading" or t.text.isupper() and len(t.text.split()) <= 12):
                found.insert(0, t)  # the statement's title over its unit line
            return " ".join(x.text for x in found)
    return ""


def _header(head: list[_Row], cols: list[tuple[float, float]]) -> tuple[str, list[str]]:
    """`rag.read.table.header_text` of a table: rows over the value columns `cols` (`_value_columns` of its
    data rows) label them (a cell over several columns labels each: "Three Months Ended" over two dates);
    the other rows above (title, unit line) are its context."""
    if not cols or not all(r.geo for r in head):
        return " ".join(r.text for r in head), []
    left = cols[0][0]
    labels: list[list[str]] = [[] for _ in cols]
    context: list[str] = []
    centres = [(a + b) / 2 for a, b in cols]
    step = statistics.median([b - a for a, b in zip(centres, centres[1:])] or [0.0])
    for r in head:
        cells = [(x0, x1, c) for (x0, x1), c in zip(r.spans(), r.cells())]
        # over the figures: centred over them, or, in stacked column labels, reaching an em into the first
        # column (a label wider than the right-aligned figures under it: "Total Stores at" over "908"; a
        # title on one line that runs on over the figures names the table); or a date reaching into the
        # first column from less than a column's step to its left ("June 30, 2022" over "6,340", whose
        # centre lies left of the figures: it had gone to the context, and the next column's date
        # labelled both)
        over = [(x0, x1, c) for x0, x1, c in cells
                if (x0 + x1) / 2 >= left - r.size or r.stacked and x1 >= left + r.size
                or x1 >= left + r.size and x0 >= left - step and period_terms(c)["years"]]
        # one wide cell over the figures is a centred title, not a column label
        wide = len(over) == 1 and len(cols) > 1 and over[0][1] - over[0][0] > 0.5 * (cols[-1][1] - left)
        if not over or wide:
            context.append(r.text)  # a title or unit line names the table
            continue
        context += [c for x0, x1, c in cells if (x0, x1, c) not in over]
        over = [p for cell in over for p in _split_over(cell, r, cols)]
        # each column takes the label of the nearest cell over it, so that a cell centred over a group
        # of columns labels them all; a column far from every cell of the row gets nothing from it
        reach = max(3 * r.size, step)
        nearest = []
        for c in centres:
            dists = [max(x0 - c, c - x1, 0.0) for x0, x1, _ in over]
            nearest.append((dists.index(min(dists)), min(dists)))
        for i, (k, dist) in enumerate(nearest):
            # a cell centred over the run of columns nearest to it labels them all, however wide the run
            # ("Fiscal 2024" over four columns of store counts, the outer ones beyond `reach`)
            group = [j for j, (kk, _) in enumerate(nearest) if kk == k]
            bx0, bx1, _ = over[k]
            centred = group == list(range(group[0], group[-1] + 1)) and len(group) > 1 and \
                abs((bx0 + bx1) / 2 - (cols[group[0]][0] + cols[group[-1]][1]) / 2) <= 0.5 * step
            if dist <= reach or centred:  # with the pieces stacked over it ("July 2," over "2023")
                labels[i].append(" ".join(t for x0, x1, t in over if min(x1, bx1) > max(x0, bx0)))
    return " ".join(context), [" ".join(x) for x in labels]


def _tables(rows: list[_Row]) -> None:
    """Runs of table rows: glue short label rows between them, take the header rows above, set `header`."""
    n = len(rows)
    # short rows between two table rows (group labels such as "Assets" over "Current assets", a wrapped
    # cell) belong to the table; a group label ends with a colon ("Other income (expense):")
    def label_row(r: _Row) -> bool:
        return (r.kind in ("text", "heading") and len(r.text.split()) <= 8
                and not _TERMINAL.search(r.text.rstrip().rstrip(":")))

    for i in range(1, n - 1):
        if rows[i - 1].kind != "table" or rows[i].edge or not label_row(rows[i]):
            continue
        run, j = [rows[i]], i + 1
        while j < n and (rows[j].edge or (label_row(rows[j]) and len(run) < 3)):
            if not rows[j].edge:
                if not _near(run[-1], rows[j], 4.0, up=True):
                    break
                run.append(rows[j])
            j += 1
        if (j < n and rows[j].kind == "table" and _near(rows[i - 1], run[0], 4.0, up=True)
                and _near(run[-1], rows[j], 4.0, up=True)):
            for r in run:
                r.kind = "table"
    i = 0
    last = None  # (value columns' x extents, column labels, context) of the page's last table with labels
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
        # a table set with open spacing leaves a wider gap under its labels: the row right above its
        # first figures may stand as far above them as twice the run's widest step between rows (at most
        # HEAD_GAP_EMS font sizes). Of the 5,660 table rows of the report and conversation PDFs, 90 read
        # otherwise: a recast 8-K's fourth-quarter and full-year sales tables gain their column labels (3.3
        # font sizes over the figures, under rows stepping 1.4 to 2), and its statements their title; a
        # signature page and a cover page gain a context.
        steps = [b.base - a.base for a, b in zip(run, run[1:]) if a.geo and b.geo and b.page == a.page]
        first_gap = min(HEAD_GAP_EMS, max([3.0, *(2 * s / max(run[0].size, 1.0) for s in steps)]))
        while k >= 0 and len(above) < 3:
            r = rows[k]
            nxt = above[0] if above else run[0]
            toks = r.text.split()
            # a unit line in smaller type beside the column labels ("(MILLIONS, EXCEPT PER SHARE DATA)" at
            # the height of "July 2,") is passed over for size and nearness, so the "Three Months Ended Six
            # Months Ended" row above it still labels the columns (Pfizer's statements read every column
            # as a bare date, a quarter and a half year alike)
            ref = next((x for x in above if not _unit_line(x)), run[0])
            if (r.kind in ("text", "heading") and not r.edge and r.geo and len(toks) >= 1 + (not _unit_line(r))
                    and len(toks) <= 20 and not _TERMINAL.search(r.text) and not _CAPTION.match(r.text)
                    and (_near(r, nxt, 3.0 if above else first_gap)
                         or (_unit_line(r) or _unit_line(nxt)) and _near(r, nxt, up=True))
                    and (_unit_line(r) or abs(r.size - ref.size) <= 1.5)):
                above.insert(0, r)
                k -= 1
            else:
                break
        for r in above:
            r.kind = "table"
        table = above + run
        head: list[_Row] = []
        for r in table:
            if _data_row(r) or len(head) == HEAD_ROWS:
                break
            head.append(r)
        if len(head) == len(table):
            head = table[:1]  # a table of text: its first row names the columns
        data = [r for r in table if r not in head]
        xs = _value_columns(data)
        context, columns = _header(head, xs)
        if not any(columns) and last and len(xs) == len(last[0]) \
                and all(min(a[1], b[1]) > max(a[0], b[0]) for a, b in zip(xs, last[0])):
            # rows after a break in a statement ("Earnings per common share––diluted:" and a gap), their
            # figures in line with the columns of the table above them on the page, are under its labels
            columns, context = last[1], f"{last[2]} {context}".strip()
        elif any(columns):
            last = (xs, columns, context)
        # the caption or heading right above names the table ("Table 3: Fees", "Statements of Operations");
        # it stays a block of its own too
        # (or a lead-in ending in a colon: "Cash was as follows ($ in millions):", which may give the unit)
        lead_in = k >= 0 and rows[k].text.rstrip().endswith(":")
        if k >= 0 and (_CAPTION.match(rows[k].text) or rows[k].kind == "heading" or lead_in) and not rows[k].edge \
                and _near(rows[k], table[0], LEAD_IN_EMS if lead_in and unit_of(rows[k].text) else 3.0):
            title = [rows[k]]
            # a title set in several heading lines ("SUPPLEMENTAL DATA – NET REVENUES" over "(In thousands)"
            # over "(Unaudited)"): the lines right above the last one name the table too, or two tables
            # of the same rows ("MGM China" under net revenues and under EBITDAR) read alike
            while title[0].kind == "heading" and len(title) < TITLE_ROWS and k - len(title) >= 0 \
                    and (t := rows[k - len(title)]).kind == "heading" and not t.edge and t.page == title[0].page \
                    and _near(t, title[0]):
                title.insert(0, t)
            named = " ".join(r.text for r in title)
            context = f"{_last_sentence(named) if lead_in else named} {context}".strip()
        elif columns and not unit_of(context):
            context = f"{_title_above(rows, k, table[0])} {context}".strip()
        group = ""  # a row without figures inside the table labels the rows under it ("Other income (expense):")
        for r in table:
            if r in head:
                r.kind = "table_head"
            elif not _data_row(r) and columns and len(r.text.split()) <= 12:
                r.kind, group = "table_head", r.text.rstrip(":")
            else:
                r.header = header_text(f"{context} {group}".strip(), _filled(r, xs, columns))
        i = j + 1


def _filled(r: _Row, xs: list[tuple[float, float]], columns: list[str]) -> list[str]:
    """The labels of the columns `r` prints a figure in, when it leaves some empty: "Adjusted EBIT /
    sales % 13.6 % 8.5 % 11.7 % ..." has no figure under "Other", and six figures under eight labels were
    read as none (`rag.read.table.cells` pairs figures and labels by count). Each figure cell goes to the
    value column (`_value_columns`) it overlaps; `columns` as they are when the row fills every one,
    or when a cell overlaps none or two, or two cells one column, or a cell after the label is not a
    figure. Of the 5,660 table rows of the report and conversation PDFs, 3,661 read as cells before and
    3,887 after (8 no longer do: labels with amounts in them, "net of tax of $52"). With the asked
    column's label read as the row's context (`rag.answer.lookup.match_row`), conversations tune: fact
    first 0.716 -> 0.739 (a segment's margin and net sales read in their columns); figures tune unchanged."""
    if not r.geo or len(xs) != len(columns):
        return columns
    found = []
    for k, extent in _figure_cells(r, spaced_percent=True):
        if extent is None:
            if k == 0:
                continue  # the row's label
            return columns  # a cell of text or a figure not read as one: not guessed
        hit = [i for i, (c0, c1) in enumerate(xs) if min(c1, extent[1]) > max(c0, extent[0])]
        if len(hit) != 1:
            return columns
        found.append(hit[0])
    if not found or len(found) == len(columns) or len(set(found)) != len(found) or found != sorted(found):
        return columns
    return [columns[i] for i in found]
