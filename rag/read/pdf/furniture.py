"""Page furniture: running headers, footers and page numbers (`edge` rows), and table-of-contents rows (kind
"contents"). Both stay in the text but are left out of the blocks.

Not here: the other row kinds (`classify`, `tables`).
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict

from .constants import _TERMINAL, EDGE_GAP, EDGE_PAGES, EDGE_ROWS, EDGE_TOL
from .rows import _Row

_ROMAN = re.compile(r"^[ivxlc]+$", re.I)
# an entry of a contents page: words (an item number may lead) and a page number, no other figure
_CONTENTS_ENTRY = re.compile(r"^(?=(?:.*[A-Za-z]{3}){2})(?:(?:item|note|part)\s+[\dIVX]{1,4}[A-Z]?\.?\s+|\d{1,2}[A-Z]?\.\s+"
                             r"|\(?[a-z]\)\s+)?[^$%\d]+?[\s.·…]+(\d{1,3})$", re.I)
# dates in an entry's title are not figures ("Statements of Earnings for the three months ended July 29, 2023 4")
_TITLE_DATE = re.compile(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2},?\s+(?:19|20)\d\d,?"
                         r"|\b(?:19|20)\d\d\b(?=.*\D\s*\d{1,3}$)", re.I)
CONTENTS_MIN = 6  # entries on a page before it counts as a table of contents
_NAVIGATION = re.compile(r"^(?:(?:part|item|note)\s+[\dIVX]{1,4}[A-Z]?\.?(?:\s+[^.]{0,60}?\s+pages?)?|pages?(?:\s+no\.?)?"
                         r"|n/a\s*=.*|\d{1,3})$", re.I)


def _edge_key(text: str) -> str:
    t = " ".join(text.lower().split())
    if _ROMAN.match(t):
        return "#"
    return re.sub(r"\d+", "#", t)


def _edge_bands(rows: list[_Row]) -> tuple[list[list[_Row]], list[list[_Row]], int, int]:
    """The first and last EDGE_ROWS baselines of a page (rows grouped by baseline, outermost first), and how many of
    each lie before a gap of EDGE_GAP font sizes that sets them apart from the body (0: none)."""
    if rows and not any(r.geo for r in rows):  # no geometry (pypdf): the first and last lines by rank
        return [[r] for r in rows[:EDGE_ROWS]], [[r] for r in rows[::-1][:EDGE_ROWS]], EDGE_ROWS, EDGE_ROWS
    geo = [r for r in rows if r.geo and not r.first.vertical]
    bands: list[list[_Row]] = []
    for r in sorted(geo, key=lambda r: r.base):
        if bands and r.base - bands[-1][0].base < 0.5 * r.size:
            bands[-1].append(r)
        else:
            bands.append([r])

    def apart(seq: list[list[_Row]]) -> int:
        for i in range(min(EDGE_ROWS, len(seq) - 1)):
            size = max(r.size for r in seq[i] + seq[i + 1])
            if abs(seq[i + 1][0].base - seq[i][0].base) >= EDGE_GAP * size:
                return i + 1
        return 0

    if len(bands) < 2:
        return [], [], 0, 0
    return bands[:EDGE_ROWS], bands[::-1][:EDGE_ROWS], apart(bands), apart(bands[::-1])


def _mark_edges(pages_rows: list[list[_Row]]) -> int:
    """Mark running headers/footers and page numbers; return how many rows were marked.

    A text (digits folded) qualifies when, on EDGE_PAGES pages at one height, it is the outermost row of the page
    (or every row beyond it is marked already) and a gap sets it apart from the body; then it is marked at that
    height on every page where it is among the outer rows, apart or not (a figure may come close to a header)."""
    sides = []
    for rows in pages_rows:
        top, bottom, a_top, a_bottom = _edge_bands(rows)
        sides += [("top", top, a_top), ("bottom", bottom, a_bottom)]
    need = min(EDGE_PAGES, max(2, len(pages_rows)))
    marked = 0
    for _ in range(EDGE_ROWS):  # one more band inward each pass (two-line footers)
        occ: dict[tuple[str, str], list[tuple[float, bool, _Row]]] = defaultdict(list)
        for side, bands, apart in sides:
            for i, band in enumerate(bands):
                clean = i < apart and all(r.edge for b in bands[:i] for r in b)
                for r in band:
                    key = _edge_key(r.text)
                    if key and len(key) <= 200 and not r.edge:
                        # (without geometry: the line's rank from the top or from the bottom of the page)
                        y = r.base if r.geo or side == "top" else r.first.bottom
                        occ[(key, side)].append((y, clean, r))
        new = 0
        for items in occ.values():
            clean = [(b, r) for b, ok, r in items if ok]
            if len({r.page for _, r in clean}) < need:
                continue
            mode = Counter(round(b / EDGE_TOL) for b, _ in clean).most_common(1)[0][0] * EDGE_TOL
            if len({r.page for b, r in clean if abs(b - mode) <= EDGE_TOL}) < need:
                continue
            for b, _, r in items:
                if abs(b - mode) <= EDGE_TOL and not r.edge:
                    r.edge = True
                    new += 1
        marked += new
        if not new:
            break
    # a running head that recurs on too few pages (a short chapter's) still carries the page number: mark the
    # outermost rows, set apart from the body at the height of marked rows, whose number runs with the page
    # like the marked rows' numbers do
    votes = Counter(n - r.page for rows in pages_rows for r in rows
                    if r.edge and (n := _page_number(r.text)) is not None)
    heights = {side: [r.base for _, bands, _ in sides[i::2] for band in bands for r in band if r.edge]
               for i, side in enumerate(("top", "bottom"))}
    if votes:
        offset, count = votes.most_common(1)[0]
        if count >= need:
            for side, bands, apart in sides:
                for r in bands[0] if bands and apart else ():
                    n = _page_number(r.text)
                    if (not r.edge and n is not None and n - r.page == offset
                            and any(abs(r.base - h) <= EDGE_TOL for h in heights[side])):
                        r.edge = True
                        marked += 1
            marked += _mark_loose_numbers(pages_rows, offset)
    return marked


def _mark_loose_numbers(pages_rows: list[list[_Row]], offset: int) -> int:
    """A page number that moves with the text: the last (or first) row of a page reads only the number the
    marked page numbers give that page ("12" on page 12). The filings printed from HTML set it right below the
    last line, at a different height on each page; left in, it was a paragraph "12" of its own (306 of them in
    the financebench filings, indexed and citable) between the halves of a sentence running on to the next page."""
    marked = 0
    for rows in pages_rows:
        live = [r for r in rows if not r.edge]
        for r in (live[:1] + live[-1:]) if live else ():
            t = r.text.strip(" -\u2013\u2014")
            if not r.edge and t.isdigit() and len(t) <= 4 and int(t) - r.page == offset:
                r.edge = True
                marked += 1
    return marked


def _page_number(text: str) -> int | None:
    """The number a header or footer line starts or ends with ("12", "Page 12", "Chapter 2: Usage 12")."""
    m = re.match(r"^(?:page\s+)?(\d{1,4})\b", text.strip(), re.I) or re.search(r"\b(\d{1,4})$", text.strip())
    return int(m.group(1)) if m else None


def _mark_contents(rows: list[_Row]) -> None:
    """A table of contents (or an index of statements): a page whose entries end in page numbers that
    climb, with no other figures in them ("Item 7. Management's Discussion ... 23"). Its rows (and the
    wrapped entries between them) are navigation, not content: marked "contents", left out of the
    blocks like running headers, so they are never searched or cited. Measured on the financebench
    filings: the 8 contents pages of the 15 PDFs, no statement page (their rows hold other figures)."""
    live = [r for r in rows if not r.edge]
    entries = [(i, int(m.group(1))) for i, r in enumerate(live) if (m := _contents_entry(r.text))]
    nums = [n for _, n in entries]
    if len(entries) < CONTENTS_MIN or len(entries) < 0.3 * len(live):
        return
    if sum(b >= a for a, b in zip(nums, nums[1:])) < 0.7 * (len(nums) - 1):
        return
    first, last = entries[0][0], entries[-1][0]
    # the page's own title lines right above the first entry ("BEST BUY FISCAL 2023 FORM 10-K", "TABLE OF
    # CONTENTS") are navigation too: one was cited as the answer to a question on share buybacks
    while first > 0 and _title_like(live[first - 1].text):
        first -= 1
    for r in live[first:last + 1]:
        if _contents_entry(r.text) or _title_like(r.text):
            r.kind = "contents"
    # an entry's pieces set in columns of their own ("Item 1." | "Financial Statements" | "4"), and the
    # column heads ("Page No."), wherever the reading order puts them
    for r in live:
        if _NAVIGATION.match(" ".join(r.text.split())):
            r.kind = "contents"


def _title_like(text: str) -> bool:
    return len(text.split()) <= 14 and not _TERMINAL.search(text)


def _contents_entry(text: str):
    return _CONTENTS_ENTRY.match(_TITLE_DATE.sub("date", " ".join(text.split())))
