"""What a regulatory filing is, from its cover page: "Best Buy Co., Inc., Form 10-Q, quarter ended
July 29, 2023". An SEC cover page is a fixed form (Form N, the period line, the registrant's name
over "(Exact name of registrant as specified in its charter)"), so a few patterns read it in any
format; PDF metadata titles of filings are generator stamps ("UNITED STATES SECURITIES AND
EXCHANGE COMMISSION", "ADBE 10-K FY22"). Pure functions over the text's first pages.
"""
from __future__ import annotations

import re

COVER_CHARS = 6000  # the cover page: the form, period and registrant come before this in every filing seen
_FORM = re.compile(r"\bFORM\s+(10-K|10-Q|8-K|20-F|40-F|6-K|S-1|S-4|10-KT|10-QT|DEF 14A)\b", re.I)
_PERIOD = re.compile(r"for\s+the\s+(quarterly\s+period|fiscal\s+year|year)\s+ended\s+([A-Z][a-z]+\.?\s+\d{1,2},\s*\d{4})",
                     re.I)
_EVENT = re.compile(r"date\s+of\s+report\s*\(date\s+of\s+earliest\s+event\s+reported\)\s*:?\s*([A-Z][a-z]+\.?\s+\d{1,2},\s*\d{4})",
                    re.I)
_REGISTRANT = re.compile(r"([^\n]{2,120}?)\s*\n\s*\(exact\s+name\s+of\s+registrant", re.I)
_SMALL = {"and", "of", "the", "for", "in", "on", "at", "by", "de", "du"}


def _name(raw: str) -> str:
    """The registrant as written, title-cased when the cover shouts it ("BEST BUY CO., INC.")."""
    name = " ".join(raw.replace("_", " ").split()).strip(" .-") + ("." if raw.rstrip().endswith(".") else "")
    if name.isupper():
        words = name.lower().split()
        name = " ".join(w if i and w in _SMALL else w[:1].upper() + w[1:] for i, w in enumerate(words))
    return name


def filing_title(text: str) -> str:
    """"Company, Form 10-Q, quarter ended July 29, 2023" from a filing's cover page; "" if it is not one."""
    head = text[:COVER_CHARS]
    form = _FORM.search(head)
    reg = _REGISTRANT.search(head)
    if not (form and reg):
        return ""
    parts = [_name(reg.group(1)), f"Form {form.group(1).upper()}"]
    period = _PERIOD.search(head)
    event = _EVENT.search(head)
    if period:
        kind = "quarter" if period.group(1).lower().startswith("quarter") else "fiscal year"
        parts.append(f"{kind} ended {' '.join(period.group(2).split())}")
    elif event:
        parts.append(f"dated {' '.join(event.group(1).split())}")
    return ", ".join(p for p in parts if p)
