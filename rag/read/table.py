"""Table rows that carry their context: what a row's figures are (title, unit line) and which column
each one sits in (period headers), shared by every reader and by the answerer.

A reader gives each data row a `Block.header` made by `header_text(context, columns)`:
  context  the table's title or caption and its unit line ("in millions, except per share data");
  columns  one label per value column, a multi-row header read top to bottom
           ("Three Months Ended" over "July 29, 2023" -> "Three Months Ended July 29, 2023").
The row's own text stays the verbatim span (what a citation quotes). `labelled(header, row)` is the
text that is embedded and searched: each value next to its column label. `figure(...)` states one
cell as a sentence, the column picked by the period a question names.
Pure functions over strings: no reading here.
"""
from __future__ import annotations

import calendar
import re
from functools import lru_cache
from dataclasses import dataclass

from .. import terms as _terms  # (below, `terms` is the name of a parameter: the period words)

SEP = " || "  # between the context and the column labels; readers never produce it otherwise
CELL = " | "
_VALUE = re.compile(r"^(?:[(\[]?[-+−–]?[$€£¥]?\d[\d,]*(?:\.\d+)?%?[)\]]?%?|[-–—]|n/?a|nm)$", re.I)
CURRENCY = {"$", "€", "£", "¥", "US$"}  # a sign printed apart from its figure ("$ 9,583")
# (a scale after a currency sign may be singular: an earnings release's "($ million)", "US$ billion")
_UNIT = re.compile(r"\b(?:in\s+)?(thousands|millions|billions)\b|(?<=[$€£])\s?(thousand|million|billion)\b", re.I)
_MONTHS = _terms.MONTHS
_MONTH_ABBR = {m[:3]: m for m in _MONTHS}
_YEAR = re.compile(r"\b((?:19|20)\d\d)\b")
_FY = re.compile(r"\b(?:fy|fiscal(?:\s+year)?)\s*'?(\d{2}|(?:19|20)\d\d)\b", re.I)
_SPAN = {"three": "three months", "quarter": "three months", "q1": "three months", "q2": "three months",
         "q3": "three months", "q4": "three months", "six": "six months", "half": "six months",
         "nine": "nine months", "twelve": "twelve months"}
# A footnote mark after a label's words: "Gross profit as a % of revenue (1)", "Net loss on disposals(1)".
NOTE_MARK = re.compile(r"(?<=[A-Za-z)%])\s?\(\d\)$")
_AMOUNT_END = re.compile(r"[$€£]\s?\(?[\d,.]+\)?(?:\s+\(?-?[\d.]+\s?%\)?)?$")
_WEEKS = {"13": "three months", "26": "six months", "39": "nine months", "52": "year", "53": "year"}
# Which quarter: "second quarter", "2nd quarter", "Q2", "2Q" (releases and recast statements label their
# columns so; a question's "second quarter" must not be read from the Q1 column of the same year)
_QUARTER = re.compile(r"\b(first|second|third|fourth|[1-4](?:st|nd|rd|th))\s+(?:fiscal\s+)?quarter\b|\bq([1-4])\b|\b([1-4])q\b")
_ORDINAL = {"first": "1", "second": "2", "third": "3", "fourth": "4", "1st": "1", "2nd": "2", "3rd": "3", "4th": "4",
            "1": "1", "2": "2", "3": "3", "4": "4"}
_DATED = re.compile(r"\b(?:%s)\.?\s+\d{1,2},?\s+((?:19|20)\d\d)\b" % "|".join(_MONTHS), re.I)


@dataclass(frozen=True)
class Header:
    context: str
    columns: tuple[str, ...]


def header_text(context: str, columns) -> str:
    cols = [" ".join(c.split()) for c in columns]
    return f"{' '.join(context.split())}{SEP}{CELL.join(cols) if any(cols) else ''}".strip()


def parse_header(header: str) -> Header:
    context, sep, cols = header.rpartition(SEP.strip())
    context = context.strip()
    if not sep:  # a plain header, the first row of a table of text: its first cell names the row labels
        return Header("", tuple(c.strip() for c in header.strip().strip("|").split("|"))[1:])
    return Header(context, tuple(c.strip() for c in cols.split("|")) if cols.strip() else ())


def readable(header: str) -> str:
    """A header as a reader sees it: "Statements of Earnings ($ in millions): Three Months Ended ... | ..."."""
    h = parse_header(header)
    cols = CELL.join(c for c in h.columns if c)
    return f"{h.context}: {cols}" if h.context and cols else (h.context or cols)


# Where a page's table was saved as text without its cell borders, a cell's last word runs into the
# next cell's capitalised first word ("...auto standardsDemand full removal..."). A joint is a word of
# three or more lower-case letters (or a closing figure or bracket) glued to a capital that starts a
# word, or a word glued to a figure ("Stevedores42 tonnes"); brand names ("iPhone", "McDonald", "YouTube") have shorter runs before their capital.
_GLUE = re.compile(r"(?:(?<=[a-z]{3})|(?<=[0-9%)\]]))(?=[A-Z](?:[a-z]|\.[A-Z]|[’']))|(?<=[a-z]{3})(?=\d)")


def split_glued(text: str) -> list[str]:
    """The cells of a row whose cell borders were lost: cut at each glue joint (see `_GLUE`)."""
    return [p.strip() for p in _GLUE.split(text) if p.strip()]


def row_cells(row: str, n: int) -> tuple[str, list[str]] | None:
    """(label, the n value cells) of a row, read from the right: "Revenue $ 9,583 $ 10,329" ->
    ("Revenue", ["$ 9,583", "$ 10,329"]). A row whose cells are apart (" | ") is split there.
    None when the row does not hold n values."""
    if "|" in row:
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        if len(cells) == n + 1:
            return cells[0], cells[1:]
        if len(cells) == n:
            return "", cells
        return None
    glued = split_glued(row)
    if len(glued) == n and n >= 3:  # a text table without borders: the first cell is its label column
        return "", glued
    toks = row.split()
    vals: list[str] = []
    i = len(toks)
    while i > 0 and len(vals) < n:
        t = toks[i - 1]
        if t == "%" and i > 1:
            t, i = toks[i - 2] + "%", i - 1
        if not _VALUE.match(t):
            break
        i -= 1
        if i > 0 and toks[i - 1] in CURRENCY:  # "$ 9,583": the sign and the figure are one cell
            t, i = f"{toks[i - 1]}{t}", i - 1
        vals.insert(0, t)
    if len(vals) != n:
        return None
    return " ".join(toks[:i]), vals


_YEAR_AND_LABEL = re.compile(r"((?:19|20)\d\d)\s+([^\d\s].*)")


def _year_and_label(column: str) -> tuple[str, ...]:
    m = _YEAR_AND_LABEL.fullmatch(column)
    return m.groups() if m else (column,)


def cells(header: str, row: str) -> tuple[tuple[str, ...], str, list[str]] | None:
    """(column labels, row label, one value per column) of a row under its header, or None.
    A header's leading empty labels sit over the row labels, so they are no columns (else a footnote
    mark, "adjustments (4)", is read as a figure). Where a header repeats each label (a PDF's "$" sign
    sits in a column of its own, so "January 28, 2023 | January 28, 2023 | January 29, 2022 | January
    29, 2022") and the row holds one value per distinct label, the repeats are read as one column.
    A row with an amount and a percentage under each label reads as its amounts."""
    columns = parse_header(header).columns
    while len(columns) > 1 and not columns[0]:
        columns = columns[1:]
    if not columns:
        return None
    merged = tuple(c for i, c in enumerate(columns) if i == 0 or c != columns[i - 1])
    readings = (columns,) if merged == columns else (columns, merged)
    # Two labels a PDF sets close together read as one: "2022 | 2021 Change" over "$ 260 $ 201 30 %"
    # (the year over its figure, "Change" over the change beside it). Tried last, where the row holds
    # one value more than the labels as printed.
    split = tuple(p for c in columns for p in _year_and_label(c))
    readings += (split,) if split != columns else ()
    context = parse_header(header).context
    for cols in readings:
        if (got := row_cells(row, len(cols))) and not _AMOUNT_END.search(got[0]):  # "Net sales $ 3,226,773": misread
            return dated(context, cols), got[0], got[1]
    # An amount and its share beside it under one label ("Net sales $ 3,226,773 100.0% $ 2,729,388
    # 100.0%" under "13 Weeks Ended January 28, 2023 | 13 Weeks Ended January 29, 2022"): the amounts.
    for cols in readings:
        got = row_cells(row, 2 * len(cols))
        if got and all(share.endswith("%") and not amount.endswith("%")
                       for amount, share in zip(got[1][::2], got[1][1::2])):
            return dated(context, cols), got[0], got[1][::2]
    # A table whose rows are periods ("3 rd Quarter 1,325 18 0 1,343" under "Fiscal 2022 | Total stores
    # open at beginning of the quarter | ... | Total stores open at end of the quarter"): its first
    # column's label is over the row labels, which are no figures, and may say their year
    if len(columns) >= 3 and (got := row_cells(row, len(columns) - 1)) and period_label(got[0]) \
            and undated(columns[1:]):
        year = _YEAR_TAIL.search(columns[0])
        return columns[1:], f"{got[0]} {year.group(0)}" if year else got[0], got[1]
    return None


_YEAR_TAIL = re.compile(r"\b(?:fiscal\s+|fy\s*)?(?:19|20)\d\d\s*$", re.I)


# A row label that names a period and nothing else ("3rd Quarter", "Q1", "Fiscal 2022", "First half").
_PERIOD_LABEL = re.compile(r"(?:(?:first|second|third|fourth|[1-4](?:st|nd|rd|th)|q[1-4]|fiscal|fy|quarter|year|"
                           r"full|half|(?:19|20)\d\d)\b[\s,.-]*)+", re.I)


def period_label(label: str) -> bool:
    return bool(label) and _PERIOD_LABEL.fullmatch(_SPACED_ORDINAL.sub(r"\1\2", label.strip())) is not None


def by_period(question: str, read: tuple) -> tuple | None:
    """A row of a table whose rows are periods and whose columns say what is counted ("3rd Quarter" under
    "Total stores open at beginning of the quarter | ... | Total stores open at end of the quarter"),
    read the other way round: the column the question's words name is the line item, the row's
    label its period. Other rows as they are; None when no column is named."""
    columns, label, vals = read
    if not (period_label(label) and undated(columns)):
        return read
    asked, row = question_periods(question), period_terms(label)
    if any(asked[k] and row[k] and not asked[k] & row[k] for k in ("quarters", "years")):
        return None  # another quarter's or year's row
    i = _named_column(question, columns)
    return None if i is None else ((_SPACED_ORDINAL.sub(r"\1\2", label),), columns[i], [vals[i]])


# What a table's title line says its year columns span: "Three Months Ended December 31," over
# "2022 | 2021", "For the years ended June 30," or a balance sheet's "As of June 30," (a month and
# day: the column gives the year).
_LEAD = re.compile(r"\b(?:(?:(?:three|six|nine|twelve|3|6|9|12)\s+months|(?:13|26|39|52|53)\s+weeks|(?:fiscal\s+)?"
                   r"(?:years?|quarters?))\s+ended,?|as\s+of)\s+(?:%s)\.?\s+\d{1,2}\b" % "|".join(_MONTHS), re.I)
_TITLED = re.compile(r"\b(?:(?:first|second|third|fourth)\s+(?:fiscal\s+)?quarter|(?:three|six|nine|twelve)\s+months|"
                     r"full[\s-]+year)\b(?!,?\s+ended)", re.I)  # (a span "ended" on no date is left as printed)


def dated(context: str, columns: tuple[str, ...]) -> tuple[str, ...]:
    """Year columns read with the period their table's title gives them: "2021" under "Three Months
    Ended December 31," is "Three months ended December 31, 2021", not the full year 2021 of the
    table beside it. Two leads over twice as many columns split them in order ("Three Months Ended
    ... | Twelve Months Ended ..." over "2022 | 2021 | 2022 | 2021"); other columns stay as printed.
    An earnings release's quarter and full-year tables print the same row over the same years: the
    fourth quarter of 2021 was read from the full year's column (conversations tune, fact first 0.511 ->
    0.523; the figures tune half unchanged, its years-ended titles read as before)."""
    leads = [" ".join(m.group(0).split()).rstrip(",") for m in _LEAD.finditer(context)]
    if not leads:
        # a title that names one period and no date ("(Dollars in Millions) THIRD QUARTER" over "2022 |
        # 2021"): a release prints its first, second, third quarter and year tables of the same rows
        # under the same years, so "2022" of the third quarter's table is that quarter of 2022
        named = {" ".join(m.group(0).lower().split()) for m in _TITLED.finditer(context)}
        leads = [named.pop().capitalize()] if len(named) == 1 else []
    if not leads:
        return _spans_ended(context, columns)
    if len(columns) % len(leads) or not any(_YEAR.fullmatch(c.strip()) for c in columns):
        return columns
    per = len(columns) // len(leads)
    out = []
    for i, c in enumerate(columns):
        lead = re.sub(r"\b(year|quarter)s\b", r"\1", leads[i // per], flags=re.I)  # "Years ended" -> "Year ended"
        out.append(f"{lead}, {c.strip()}" if _YEAR.fullmatch(c.strip()) else c)
    return tuple(out)


# A span a title says ended, where its columns give the dates: "Fiscal Years Ended" over "January 28,
# 2023 | January 29, 2022", a 10-K's statements; the column alone read "as of January 29, 2022", a
# balance sheet's date, for a year's earnings.
_ENDED = re.compile(r"\b(?:(?:three|six|nine|twelve|3|6|9|12)\s+months|(?:13|26|39|52|53)\s+weeks|(?:fiscal\s+)?"
                    r"(?:years?|quarters?))\s+ended\b(?!,?\s+(?:%s)\.?\s+\d)" % "|".join(_MONTHS), re.I)


def _spans_ended(context: str, columns: tuple[str, ...]) -> tuple[str, ...]:
    """Full-date columns read with the span their table's title says ended on them (`_ENDED`): one span
    over all of them, or several over as many equal groups, in order; other columns stay as printed."""
    spans = [" ".join(m.group(0).split()) for m in _ENDED.finditer(context)]
    if not spans or len(columns) % len(spans) or not all(_DATED.fullmatch(c.strip()) for c in columns if c.strip()):
        return columns
    per = len(columns) // len(spans)
    out = []
    for i, c in enumerate(columns):
        span = re.sub(r"\b(year|quarter)s\b", r"\1", spans[i // per], flags=re.I)  # "Years Ended" -> "Year Ended"
        out.append(f"{span[:1].upper()}{span[1:]} {c.strip()}" if c.strip() else c)
    return tuple(out)


_FISCAL_END = re.compile(r"\bfiscal year ended ((%s) (\d{1,2})), ((?:19|20)\d\d)\b" % "|".join(m.capitalize() for m in _MONTHS))


def year_end_of(title: str) -> str:
    """"June 30" of a title that says "fiscal year ended June 30, 2023" (a 10-K's, `rag.read.filing`),
    when that day ends its month: a year that ends on a month's last day ends there every year, while a
    52/53-week year ("fiscal year ended January 28, 2023") ends on another day the year before; else ""."""
    m = _FISCAL_END.search(title)
    if not m:
        return ""
    month, day, year = _MONTHS.index(m.group(2).lower()) + 1, int(m.group(3)), int(m.group(4))
    last = calendar.monthrange(year, month)[1]
    return m.group(1) if day == last and month != 2 else ""  # (February's last day moves with leap years)


def labelled(header: str, row: str, context: bool = True) -> str:
    """What is embedded and searched for a table row: its context (unless `context` is False), then
    its label and each value beside its column's label."""
    h = parse_header(header)
    cells = row_cells(row, len(h.columns)) if h.columns else None
    ctx = h.context if context else ""
    if cells is None:
        return CELL.join(p for p in (ctx, CELL.join(c for c in h.columns if c) if context else "", row) if p)
    label, vals = cells
    body = CELL.join(f"{c}: {v}" if c else v for c, v in zip(h.columns, vals))
    return CELL.join(p for p in (ctx, label, body) if p)


# A per-share amount: named so by its row ("Diluted EPS", "Dividends per share") or by the group label
# over it ("Earnings per common share––diluted:"); a statement's unit line says "except per share data"
# of every row, so that is no such name, nor is "except share and per share data" or "except number of
# shares and per share amounts" (Amcor's balance sheet says so: none of its rows could answer an amount)
_PER_SHARE = re.compile(r"\bper\s+(?:common\s+|ordinary\s+)?share|\beps\b", re.I)
_EXCEPT_PER_SHARE = re.compile(r"\bexcept\s+(?:for\s+)?(?:[\w-]+,?\s+){0,4}?per[\s-]share\b", re.I)


def per_share(text: str) -> bool:
    """Whether a row's label or context names a per-share amount (not the unit line's "except per share")."""
    return bool(_PER_SHARE.search(_EXCEPT_PER_SHARE.sub(" ", text)))


def unit_of(context: str) -> str:
    """'million' for "(in millions, except per share data)", '' when the context names no scale."""
    m = _UNIT.search(context)
    return (m.group(1) or m.group(2)).lower().rstrip("s") if m else ""


_SPACED_ORDINAL = re.compile(r"\b([1-4])\s+(st|nd|rd|th)\b")


@lru_cache(maxsize=4096)  # a table's column labels are read again for each of its rows
def period_terms(text: str) -> dict:
    """The period words of `text`: years (fiscal "FY23" as 2023), months, days of the month, and
    spans ("three months", "six months", "year")."""
    t = _SPACED_ORDINAL.sub(r"\1\2", text.lower())  # "3 rd Quarter": a PDF's raised "rd" set apart
    fiscal = {y if len(y) == 4 else "20" + y for y in _FY.findall(t)}
    # a dated column marked with its fiscal year ("July 30, 2022 (fiscal 2023)", `rag.read.fiscal`):
    # the date's year is its calendar year, the mark its fiscal one
    marked = bool(fiscal and _DATED.search(text))
    years = set(_YEAR.findall(_FY.sub(" ", t) if marked else t)) | (set() if marked else fiscal)
    months = {m for m in _MONTHS if re.search(rf"\b{m}\b", t)}
    months |= {_MONTH_ABBR[a] for a in re.findall(r"\b(jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\.?\b", t)
               if a in _MONTH_ABBR}
    days = set(re.findall(r"\b([0-3]?\d),?\s+(?:19|20)\d\d\b", t))
    spans = {v for k, v in _SPAN.items() if re.search(rf"\b{k}\b", t)}
    spans |= {_WEEKS[w] for w in re.findall(r"\b(13|26|39|52|53)[\s-]+weeks?\b", t)}  # retailers' 4-4-5 calendars
    quarters = {_ORDINAL.get(a or b or c) for a, b, c in _QUARTER.findall(t)}
    if re.search(r"\b(?:full[\s-]+year|year\s+ended|annual|twelve\s+months)\b", t) or not spans and not marked and (
            re.search(r"\bfiscal\s+year\b", t) or _FY.search(t)):  # "second quarter of fiscal 2024" is a quarter
        spans.add("year")
    return {"years": frozenset(years), "months": frozenset(months), "days": frozenset(days), "spans": frozenset(spans),
            "fiscal": frozenset(fiscal), "quarters": frozenset(quarters)}


def question_periods(question: str) -> dict:
    """`period_terms` of a question, where a full date says which year: in "fiscal 2021 (13 weeks ended
    January 29, 2022)" the fiscal year is named for another calendar year than the one it ends in, and
    the columns print the date."""
    q = period_terms(question)
    dated = frozenset(_DATED.findall(question))
    return {**q, "years": dated} if dated else q


def best_columns(question: str, columns) -> list[int]:
    """The columns a question asks for: one per year it names when it names several ("from 2021 to
    2022": a change needs both figures), else the best one (`best_column`); [] when none fits."""
    q = question_periods(question)
    if len(q["years"]) >= 2:
        picked = []
        for y in sorted(q["years"], reverse=True):
            i = best_column(question, columns, {**q, "years": {y}, "fiscal": q["fiscal"] & {y}})
            if i is not None and i not in picked:
                picked.append(i)
        if len(picked) >= 2:
            return picked
    i = best_column(question, columns)
    if i is not None and len(q["years"]) == 1 and asks_change(question):
        # "How much did R&D expenses decrease in the second quarter of 2023?": a change within one period
        # is its figure against the same period a year before, the column a comparative statement
        # prints beside it (its day may differ: July 2, 2023 and July 3, 2022)
        (y,) = q["years"]
        before = {**q, "years": {str(int(y) - 1)}, "fiscal": {str(int(f) - 1) for f in q["fiscal"]}, "days": set()}
        j = best_column(question, columns, before)  # (None unless a column fits it)
        if j is not None and j != i:
            return [i, j]
    return [] if i is None else [i]


def best_column(question: str, columns, terms: dict | None = None) -> int | None:
    """The column whose period the question names: its year above all, then month, day and the span
    ("three months", "six months", a year). None when the question names no period or no column fits."""
    if undated(columns):
        return _named_column(question, columns)
    scores = column_fits(question, columns, terms)
    if not scores:
        return None
    # columns of one period apart in what they count take the question's word ("stores at end of the
    # second quarter", not "at beginning of"); then the first
    asked = set(_terms.content_terms(question))
    best = max(range(len(scores)), key=lambda i: (scores[i], len(asked & set(_terms.content_terms(columns[i]))), -i))
    return best if scores[best] > 0 else None


def undated(columns) -> bool:
    """Columns that name no period: a table by category ("Votes For | Votes Against | Abstentions"),
    whose period is its document's, or by what is counted in each period of its rows ("Number of
    stores opened during the quarter": a span, but no date or quarter of its own)."""
    return bool(columns) and not any(v for c in columns for k, v in period_terms(c).items() if k != "spans")


# A column of shares ("% of sales", "Percent to Sales"), and a question that asks for one.
_SHARE_COLUMN = re.compile(r"%|\bpercent", re.I)
_ASKS_SHARE = re.compile(r"%|\b(?:percent|percentage|share|rate|ratio|margin)s?\b", re.I)


def _named_column(question: str, columns) -> int | None:
    """Of columns by category, the one that shares the most words with the question, when one does
    ("votes cast against" -> "Votes Against", not "Votes For"); None on a tie. A column of shares
    answers only a question that asks for one: "Net sales" under "Amount | Percent to Sales" is
    the amount, though the question's "sales" is the other column's word."""
    asked = set(_terms.content_terms(question))
    amount = not _ASKS_SHARE.search(question)  # (-1: a share, which an amount asked is not)
    shared = [-1 if amount and _SHARE_COLUMN.search(c) else len(asked & set(_terms.content_terms(c))) for c in columns]
    best = max(shared)
    if best > 0 and shared.count(best) == 1:
        return shared.index(best)
    amounts = [i for i, n in enumerate(shared) if n >= 0]
    return amounts[0] if amount and len(amounts) == 1 and len(columns) > 1 else None


_OPENING = re.compile(r"\b(?:beginning|opening|start)\b", re.I)


def column_fits(question: str, columns, terms: dict | None = None) -> list[int]:
    """How well each column's period fits the one the question names (> 0: it fits; `best_column`);
    [] when the question names no period."""
    q = terms or question_periods(question)
    if not (q["years"] or q["months"] or q["spans"]):
        return []
    if q["years"] and not (q["months"] or q["spans"]):  # "net revenues in 2022": the year's, not its fourth quarter's
        q = {**q, "spans": frozenset({"year"})}
    scores = []
    for col in columns:
        c = period_terms(col)
        if q["fiscal"] and c["fiscal"]:  # a fiscal year asked of a column marked with its own
            s = 4 if q["fiscal"] & c["fiscal"] else -4
        else:
            s = 4 * len(q["years"] & c["years"]) - 4 * bool(q["years"] and c["years"] and not q["years"] & c["years"])
        s += 2 * len(q["months"] & c["months"]) + len(q["days"] & c["days"])
        # another month is another date: "as of January 29, 2022" is not read from "July 30, 2022" (the
        # year alone once picked it), though a year-only column still fits a dated question. Figures
        # tune half, figure in the answer: 0.643 without, 0.690 with.
        s -= 4 * bool(q["months"] and c["months"] and not q["months"] & c["months"])
        if q["spans"] and c["spans"]:
            s += 2 if q["spans"] & c["spans"] or ("year" in q["spans"] and "twelve months" in c["spans"]) else -2
        if q["quarters"] and c["quarters"]:
            s += 2 if q["quarters"] & c["quarters"] else -3
        # a column of what a period began with ("Stores at Beginning of Second Quarter") is the one
        # before's close: a question that names no beginning asks for the period's own, its end
        s -= bool(_OPENING.search(col)) and not _OPENING.search(question)
        scores.append(s)
    return scores


# Line items that are amounts of money (a share count or a headcount in the same "(MILLIONS)" table is not).
_MONEY_ITEM = re.compile(r"\b(?:revenues?|sales|income|earnings|expenses?|costs?|profits?|losses|ebitd?a?r?|cash|"
                         r"debt|borrowings|assets|liabilities|equity|spending|expenditures?|dividends|capex)\b", re.I)


def figure(question: str, header: str, row: str, year_end: str = "", currency: str = "") -> str | None:
    """One cell of a row as a sentence, in the column the question's period picks:
    "Revenue: $9,583 (in millions) for the three months ended July 29, 2023". The value is quoted as
    printed; None when the row cannot be read as cells or the question names no column. year_end:
    the document's fiscal year end ("June 30", `year_end_of` its title), which a bare year column
    states ("for the fiscal year ended June 30, 2022", not "in 2022"). currency: the sign the document
    prints before its amounts elsewhere, for a change of an amount its table gives no currency for."""
    read = cells(header, row)
    read = by_period(question, read) if read else None
    if read is None:
        return None
    columns, label, vals = read
    # a column labelled with its unit ("2023 $ million"): the unit is said after the figure, not as part
    # of its period ("EBITDA: 2,018, for the 2023 $ million" had read so)
    columns, column_units = zip(*map(_unit_apart, columns)) if columns else ((), ())
    if year_end:  # the bare years left undated by the table's own title
        columns = dated(f"Fiscal year ended {year_end},", columns)
    picked = [i for i in best_columns(question, columns) if vals[i] not in ("-", "–", "—")]
    label = NOTE_MARK.sub("", label)
    if not picked or not label:
        return None
    context = parse_header(header).context
    unit = unit_of(context)  # "(in millions, except per share data)": not for a per-share figure or a rate
    per_unit = re.search(r"\bper\s", label, re.I) or per_share(f"{label} {context}")
    unit_of_row = "" if per_unit or not unit else unit
    units = {i: unit_of_row or ("" if per_unit else column_units[i]) for i in picked}
    said = f"{label}: " + "; ".join(
        f"{vals[i]}{'' if not units[i] or vals[i].endswith('%') else ' ' + units[i] + _rounded(vals[i], units[i])}, "
        f"{_period_phrase(columns[i])}" for i in picked)
    if undated(columns):  # a category, not a period: "Richard A. Johnson: 16,105,005 (Votes Against)"
        said = f"{label}: " + "; ".join(f"{vals[i]}{' ' + units[i] if units[i] and not vals[i].endswith('%') else ''} "
                                        f"({columns[i]})" for i in picked)
    if len(picked) == 2 and asks_change(question):
        # a table in dollars whose cells print no sign ("(MILLIONS OF DOLLARS)") states its change in them;
        # so does one that names no currency ("(MILLIONS)") in a document that prints one ("$190 million").
        # Conversations tune half: fact first 0.648 -> 0.670 (Pfizer's R&D change "$167 million" either half)
        money = "$" if unit_of_row and re.search(r"\$|\bdollars?\b|\bUSD\b", context, re.I) else \
            currency if unit_of_row and _MONEY_ITEM.search(label) else ""
        said += _change(*(sorted(((_when(columns[i]), vals[i]) for i in picked))), units[picked[0]], money)
    return said


_UNIT_LABEL = re.compile(r"\s*\(?(?:US|A|C)?[$€£]\s?(thousand|million|billion)s?\)?"
                         r"|\s*\((?:in\s+)?(thousand|million|billion)s?(?:\s+of\s+\w+)?\)", re.I)


def _unit_apart(column: str) -> tuple[str, str]:
    """A column's label less the unit it states, and that unit: ("2023", "million") for "2023 $ million"."""
    m = _UNIT_LABEL.search(column)
    if m is None:
        return column, ""
    return (column[:m.start()] + column[m.end():]).strip(), (m.group(1) or m.group(2)).lower()


def _rounded(cell: str, unit: str) -> str:
    """" (about 320 million)" after "319,517 thousand", " (about 3.6 billion)" after "3,592,216 thousand":
    a figure printed in thousands as a reader says it, rounded as earnings releases round (whole
    millions, billions to one decimal); "" for other units, which read well as printed. Conversations
    tune half: fact first 0.568 -> 0.591 (MGM's segment figures, stated "$320 million" in its text)."""
    value = _number(cell)
    if value is None or unit != "thousand" or abs(value) < 1e3:
        return ""
    amount = abs(value) * 1e3
    said = f"{amount / 1e9:,.1f} billion" if amount >= 1e9 else f"{amount / 1e6:,.0f} million"
    return f" (about {'-' if value < 0 else ''}{said})"


# A question about how a figure moved between two periods: the answer also states the change,
# computed from the two cells it quotes.
_ASKS_CHANGE = re.compile(r"\b(chang|grow|grew|growth|increas|decreas|declin|ris[ei]|rose|fall|fell|differ|"
                          r"compare|year-over-year|yoy)", re.I)


def asks_change(question: str) -> bool:
    """Whether a question asks how a figure changed (grew, fell, differs) rather than what it was."""
    return bool(_ASKS_CHANGE.search(question))


def _when(column: str) -> tuple[int, int, int]:
    """(year, month, day) a column's label names, for ordering two columns in time (0 where absent)."""
    low = column.lower()
    year = max((int(y) for y in _YEAR.findall(column)), default=0)
    month = next((k + 1 for k, m in enumerate(_MONTHS) if re.search(rf"\b{m[:3]}", low)), 0)
    day = re.search(r"\b(\d{1,2}),", column)
    return year, month, int(day.group(1)) if day else 0


def _number(cell: str) -> float | None:
    """A cell's value: "$ 9,583" -> 9583, "(1,234)" -> -1234, "15.6%" -> 15.6; None when not a number."""
    m = re.fullmatch(r"\s*(\()?\s*[$€£]?\s*(-)?\s*([\d,]*\.?\d+)\s*%?\s*(\))?\s*", cell)
    if m is None or bool(m.group(1)) != bool(m.group(4)):
        return None
    value = float(m.group(3).replace(",", ""))
    return -value if m.group(1) or m.group(2) else value


def _change(earlier: tuple, later: tuple, unit: str, money: str = "") -> str:
    """" (a change of +92 million, +4.0%, from the earlier period)": computed from the two quoted cells;
    a rate moves in percentage points; "" when either cell is no number or the periods cannot be told apart."""
    (t0, v0), (t1, v1) = earlier, later
    a, b = _number(v0), _number(v1)
    if a is None or b is None or t0 == t1:
        return ""
    if v0.strip().endswith("%") or v1.strip().endswith("%"):
        return f" (a change of {b - a:+.1f} percentage points from the earlier period)"
    decimals = max(len(x.partition(".")[2].rstrip("%) ")) for x in (v0, v1))
    money = next((c for c in "$€£" if c in v0 + v1), money)
    diff = f"{'+' if b >= a else '-'}{money}{abs(b - a):,.{decimals}f}" + (f" {unit}" if unit else "")
    rel = f", {100 * (b - a) / abs(a):+.1f}%" if a else ""
    return f" (a change of {diff}{rel}, from the earlier period)"


_PERIOD_THEN_PART = re.compile(r"^(.*\b(?:19|20)\d\d\b)\s+([A-Za-z].*)$")


def _period_phrase(column: str) -> str:
    """How a column's label reads after a figure: "for the three months ended July 29, 2023",
    "in 2022", "in fiscal 2023", "as of July 29, 2023" (a bare year under a title that says when the
    year ends is dated by `dated` before it comes here)."""
    words = column.split()
    if not words:
        return ""
    # a label that goes on after its period names a part of the table ("Twelve Months Ended June 30, 2023
    # Rigid Packaging", a segment's column): said apart, after the period
    m = _PERIOD_THEN_PART.match(column)
    if m and not _YEAR.search(m.group(2)) and period_terms(m.group(2)) == period_terms(""):
        return f"{_period_phrase(m.group(1))} ({m.group(2)})"
    first = words[0].lower().strip(".,")
    if (_YEAR.fullmatch(column.strip()) or first in ("fiscal", "fy", "q1", "q2", "q3", "q4")) \
            and not re.search(r"\bended\b", column, re.I):
        return f"in {column}"
    if first in _MONTHS or first[:3] in _MONTH_ABBR or first in ("as", "at", "december", "balance"):
        return column[:1].lower() + column[1:] if first in ("as", "at") else f"as of {column}"
    words = [w if w.lower().strip(".,") in _MONTHS or (w.isupper() and len(w) > 1) else w.lower() for w in words]
    return "for the " + " ".join(words)
