"""The periods a filing reports, as its tables date them, and the dates a sentence's period names.

A filing's prose names its periods in words ("the second quarter of 2023", "the first six months of
2022") and its tables date them ("Six Months Ended | July 2, 2023 | July 3, 2022"). Which days the
words mean is the filing's own calendar: Pfizer's second quarter of 2022 ended July 3, Best Buy's
second quarter of fiscal 2024 ended July 29, 2023. `of_blocks` reads the dated periods from the
table headers at ingest (stored with each passage as `periods`); `glosses` says which one a
sentence's phrase names where the question asks for that period, so an answer quoting "13.4% for the
first six months of 2022" can say the six months ended July 3, 2022. Why our own: no library reads
fiscal periods out of a filing's tables. Pure functions.
"""
from __future__ import annotations

import re
from typing import Iterable

from ..terms import MONTHS
from .table import dated, parse_header

_LENGTH = {"three": 3, "3": 3, "13": 3, "six": 6, "6": 6, "26": 6, "nine": 9, "9": 9, "39": 9, "twelve": 12,
           "12": 12, "52": 12, "53": 12}
_MONTH = "|".join(MONTHS)
# "Six Months Ended July 3, 2022", "Fiscal Year Ended January 28, 2023", "13 Weeks Ended ... (fiscal 2024)"
_ENDED = re.compile(r"\b(?:(three|six|nine|twelve|3|6|9|12)\s+months|(13|26|39|52|53)\s+weeks|(?:fiscal\s+)?(year)s?)"
                    r"\s+ended,?\s+(%s)\.?\s+(\d{1,2}),?\s+((?:19|20)\d\d)(?:\s+\(fiscal\s+((?:19|20)\d\d)\))?" % _MONTH,
                    re.I)
# Times as many rows as the runner-up that make a period the filing's own. On the 15 financebench
# filings each period a filing reports is dated by 14-294 table rows; the one period of the same length
# and year beside it, Pfizer's investee's six months ended March 31, by 6 (against 193-216).
OWN = 3
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4,
             "1": 1, "2": 2, "3": 3, "4": 4}
# What a sentence calls a period: "the fourth quarter of 2022", "the second quarter of fiscal 2024",
# "the first six months of 2022", "the first nine months of 2023", "the first half of fiscal 2023"
_NAMED = re.compile(r"\b(?:(first|second|third|fourth|1st|2nd|3rd|4th)\s+quarter|first\s+(six|nine)\s+months|"
                    r"first\s+(half))\s+(?:of\s+)?(fiscal\s+(?:year\s+)?)?((?:19|20)\d\d)\b", re.I)
# How a question may name a quarter besides: "Q2 2023", "Q2 FY2024", "Q4 FY23" (the same groups)
_Q = re.compile(r"\bQ([1-4])()()\s*(FY\s*)?'?((?:19|20)\d\d|\d\d)\b", re.I)
# ... or a dated period: "the three months ended July 2, 2023", "the quarter ended ...", "fiscal year ended ..."
_ASKED_ENDED = re.compile(r"\b(?:(three|six|nine|twelve|3|6|9|12)\s+months|(13|26|39|52|53)\s+weeks|(quarter)|"
                          r"(?:fiscal\s+)?(year))\s+end(?:ed|ing),?\s+(%s)\.?\s+(\d{1,2}),?\s+((?:19|20)\d\d)" % _MONTH, re.I)


def of_blocks(headers: Iterable[str]) -> str:
    """The dated periods of a document's table rows (their headers, one per row), as
    "months:YYYY-MM-DD:fiscal year:rows" each ("" for no fiscal mark), space-separated, in a fixed order;
    "" when its tables date none. The rows count how much of the filing reports each period."""
    rows: dict[str, int] = {}
    periods: dict[str, list[str]] = {}
    for header in headers:
        if header and header not in periods:
            periods[header] = _dated(header)
        for p in periods.get(header, ()):
            rows[p] = rows.get(p, 0) + 1
    return " ".join(f"{p}:{n}" for p, n in sorted(rows.items()))


def _dated(header: str) -> list[str]:
    h = parse_header(header)
    out = []
    for col in dated(h.context, h.columns):
        for m in _ENDED.finditer(col):
            months = 12 if m.group(3) else _LENGTH[(m.group(1) or m.group(2)).lower()]
            date = f"{m.group(6)}-{MONTHS.index(m.group(4).lower()) + 1:02d}-{int(m.group(5)):02d}"
            out.append(f"{months}:{date}:{m.group(7) or ''}")
    return list(dict.fromkeys(out))


def _parse(periods: str) -> list[tuple[int, str, str, int]]:
    """(months, ISO date, fiscal year or "", rows) of each period `of_blocks` wrote."""
    out = []
    for p in periods.split():
        months, date, fiscal, rows = p.split(":")
        out.append((int(months), date, fiscal, int(rows)))
    return out


def _spelled(months: int, date: str) -> str:
    year, month, day = date.split("-")
    span = {3: "three months", 6: "six months", 9: "nine months", 12: "twelve months"}[months]
    return f"{span} ended {MONTHS[int(month) - 1].capitalize()} {int(day)}, {year}"


def _resolve(phrase: re.Match, periods: list[tuple[int, str, str, int]]) -> tuple[int, str] | None:
    """(months, ISO end date) of the dated period a `_NAMED` or `_Q` match means in a document of these
    periods; None unless exactly one fits. A quarter is the three months that end on a date whose
    longest period says which quarter it closes (a 10-Q's second quarter ends with its six months, a
    release's fourth with its year): no fiscal calendar is assumed. A plain year is the calendar year
    the period ends in, and is not read at all where the tables mark fiscal years (`rag.read.fiscal`):
    there only "fiscal 2024" says which."""
    ordinal, part, half, fiscal, year = phrase.groups()
    year = year if len(year) == 4 else f"20{year}"  # ("Q2 FY24")
    months = 3 if ordinal else 6 if half else _LENGTH[part.lower()]
    marked = any(f for _, _, f, _ in periods)  # (a fiscal year named for the year it ends in is not marked)
    if marked and not fiscal:
        return None
    longest: dict[str, int] = {}
    for m, d, _, _ in periods:
        longest[d] = max(longest.get(d, 0), m)
    fits = sorted(((n, d) for m, d, f, n in periods if m == months and (f == year if marked else d[:4] == year)
                   and (not ordinal or longest[d] == 3 * _ORDINALS[ordinal.lower()])), reverse=True)
    # two that fit: the filing's own period is the one most of its rows report (Pfizer's 10-Q also dates
    # an investee's six months ended March 31, 2022, reported on a lag, in one table)
    if not fits or len(fits) > 1 and fits[0][0] < OWN * fits[1][0]:
        return None
    return months, fits[0][1]


def _asked(question: str, periods: list[tuple[int, str, str, int]]) -> set[tuple[int, str]]:
    """(months, ISO end date) of each period the question names: in words, as the filing dates it
    ("the three months ended July 2, 2023", "the quarter ended ..."), or as "Q2 2023"."""
    out = {r for m in (*_NAMED.finditer(question), *_Q.finditer(question)) if (r := _resolve(m, periods))}
    for m in _ASKED_ENDED.finditer(question):
        months = 12 if m.group(4) else 3 if m.group(3) else _LENGTH[(m.group(1) or m.group(2)).lower()]
        out.add((months, f"{m.group(7)}-{MONTHS.index(m.group(5).lower()) + 1:02d}-{int(m.group(6)):02d}"))
    return out


def glosses(question: str, sentence: str, periods: str) -> list[str]:
    """What the periods a sentence names in words are in dates, where the question asks for the same
    period in whatever words: ["the first six months of 2022: six months ended July 3, 2022"]. Only
    those the question asks about: a 10-Q's sentence names four periods, and the one asked is the one
    to date."""
    if not periods:
        return []
    known = _parse(periods)
    asked = _asked(question, known)
    out = []
    for m in _NAMED.finditer(sentence):
        period = _resolve(m, known)
        if period in asked:
            out.append(f"the {' '.join(m.group(0).lower().split())}: {_spelled(*period)}")
            asked.discard(period)
    return out
