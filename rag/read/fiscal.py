"""A document's fiscal calendar, read from its own text, and table columns labelled with it.

Retailers and chip makers name fiscal years for another calendar year than their quarters end in:
Best Buy's "second quarter of fiscal 2024" ended July 29, 2023, and Ulta's fiscal 2022 ended January
28, 2023. Table columns print only the dates, so "the second quarter of fiscal 2023" read as the year
2023 picked the column of July 29, 2023, a year off. A filing seldom states the link in one sentence
(Best Buy's 10-Q does once, "the second quarter of fiscal 2024 on July 29, 2023"; Ulta's release
never), but it names its current and prior fiscal years over and over next to columns dated in the
same month of two consecutive years: the offset between the two (fiscal = calendar + k) is what
makes the counts line up. Pure functions over the text.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from ..terms import MONTHS as _MONTHS
from .table import CELL, SEP, parse_header

_DATE = re.compile(r"\b(%s)\.?\s+(\d{1,2}),?\s+((?:19|20)\d\d)\b" % "|".join(_MONTHS), re.I)
_FISCAL = re.compile(r"\b(?:fiscal\s+(?:year\s+)?|FY\s*'?)((?:19|20)\d\d)\b", re.I)
# The right offset must explain this many times the fiscal-year mentions of the next best. On the 15
# financebench filings (6 name fiscal years) the offsets that are not 0 win by 2.25 (Ulta, -1) and 4.7
# (Best Buy's 10-Q, +1); where it is 0 the runner-up (+1, the outlook year) reaches 0.69-0.82 of its
# score (Amcor's 10-K, Adobe's, Best Buy's), and Amcor's earnings release, whose outlook year is named
# as often as its current one, scores +1 at 1.04 times 0 and is left unread: either way no label.
MARGIN = 2.0
MIN_MENTIONS = 5  # fewer fiscal-year mentions than this say nothing about a calendar


@dataclass(frozen=True)
class FiscalCalendar:
    """Periods that end in `month` (1-12) of calendar year y belong to fiscal year y + `offset`."""

    month: int
    offset: int

    def fiscal_year(self, month: int, day: int, year: int) -> int | None:
        """The fiscal year of a period ending on this date, None for a date in another month."""
        m, y = _period_month(month, day, year)
        return y + self.offset if m == self.month else None


def _period_month(month: int, day: int, year: int) -> tuple[int, int]:
    """The month a period ending on this date is counted in: a 52/53-week year ends on the Saturday
    nearest a month's end, so "February 3, 2024" closes January's period."""
    if day <= 7:
        return (12, year - 1) if month == 1 else (month - 1, year)
    return month, year


def calendar_of(text: str) -> FiscalCalendar | None:
    """The document's fiscal calendar when its text says it is not the calendar year, else None.

    The two years the month its dates name most is dated in most often (the current and the prior
    period) are
    matched against the fiscal years it names: offset k scores the mentions of "fiscal y1+k" and
    "fiscal y2+k", and the best k must score `MARGIN` times the next. k = 0 gives None: a fiscal year
    named for the year it ends in is already what a plain year reads as."""
    fiscal = Counter(int(y) for y in _FISCAL.findall(text))
    if sum(fiscal.values()) < MIN_MENTIONS:
        return None
    dates = Counter(_period_month(_MONTHS.index(m.group(1).lower()) + 1, int(m.group(2)), int(m.group(3)))
                    for m in _DATE.finditer(text))
    if not dates:
        return None
    months = Counter()
    for (m, _), n in dates.items():
        months[m] += n
    month = months.most_common(1)[0][0]
    # the month's two most frequent years, not its latest: a 10-K's June 2027 is a debt maturity
    years = sorted(y for y, _ in Counter({y: n for (m, y), n in dates.items() if m == month}).most_common(2))[::-1]
    if len(years) < 2 or years[0] - years[1] != 1:
        return None
    scores = {k: sum(fiscal[y + k] for y in years) for k in (-1, 0, 1)}
    best = max(scores, key=scores.get)
    runner_up = max(v for k, v in scores.items() if k != best)
    if best == 0 or scores[best] < MARGIN * max(runner_up, 1):
        return None
    return FiscalCalendar(month, best)


def label_columns(header: str, cal: FiscalCalendar) -> str:
    """A row header with each column dated in the calendar's month marked with its fiscal year:
    "Three Months Ended July 30, 2022" -> "Three Months Ended July 30, 2022 (fiscal 2023)"."""
    if SEP.strip() not in header:
        return header
    h = parse_header(header)
    if not h.columns:
        return header

    def mark(col: str) -> str:
        m = _DATE.search(col)
        if not m or _FISCAL.search(col):
            return col
        fy = cal.fiscal_year(_MONTHS.index(m.group(1).lower()) + 1, int(m.group(2)), int(m.group(3)))
        return f"{col} (fiscal {fy})" if fy else col

    cols = [mark(c) for c in h.columns]
    if cols == list(h.columns):
        return header
    return f"{h.context}{SEP}{CELL.join(cols)}".strip()
