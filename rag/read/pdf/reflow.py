"""Reflow: classified rows joined into `Block`s -- a paragraph goes on across lines and columns unless there is a
real break; consecutive heading rows make one heading, with its level; a paragraph that goes on with a sentence
left unfinished on the page or column before (furniture, floats or footnotes between) is marked `cont`; a
footnote's superscript number is left out of its block.

Not here: deciding what each row is (`classify`, `furniture`, `tables`).
"""
from __future__ import annotations

import re
from dataclasses import replace

from ..document import Block
from .constants import _CAPTION, _NUMBERED_HEAD, _TERMINAL, HEAD_RATIO, INDENT, PITCH_GAP, SHORT, SIZE_TOL
from .rows import _Row

# a footnote's or reference's mark set before its text: "7", "12", "*", "†"
_MARK = re.compile(r"^(?:\d{1,3}|[*\u2217\u2020\u2021\u00a7\u00b6]{1,2})$")
# a page number the furniture rules did not catch (it moves with the text on the filings' pages)
_BARE_NUMBER = re.compile(r"^[\s\-\u2013\u2014]*(?:page\s+)?(?:\d{1,4}|[ivxlc]{1,6})[\s\-\u2013\u2014]*$", re.I)


def _short(r: _Row, right: float) -> bool:
    return r.geo and r.x1 < right - SHORT * r.size


def _continues(block: list[_Row], r: _Row, pitch: dict[float, float]) -> str:
    """How row `r` goes on from `block` (a paragraph or list item; its rows since its last column change):
    "" (it doesn't), "line" (next line in the column) or "column" (the sentence goes on in another column)."""
    last = block[-1]
    if r.kind in ("table", "heading", "vertical", "list"):
        return ""
    if not r.geo or not last.geo:
        if r.geo or last.geo:
            return "" if r.geo else "line"  # a line without boxes joins what came before it
        # no geometry at all (pypdf fallback): break at blank lines and after a line well short of a full one
        # (a paragraph's last line, a heading) unless it ends with a hyphen or comma
        prev = last.text.strip()
        if r.first.blank_before or (len(prev) < 0.7 * last.first.typical and prev[-1:] not in "-,"):
            return ""
        return "line"
    if abs(r.size - last.size) > SIZE_TOL:
        return ""
    size = last.size
    p = pitch.get(round(size * 2) / 2, 1.2 * size)
    dy = r.base - last.base
    overlap = min(last.x1, r.x1) - max(last.x0, r.x0)
    right = max(max(x.x1 for x in block), r.x1)
    ends = bool(_TERMINAL.search(last.text))
    if 0 < dy <= PITCH_GAP * p and overlap > 0:
        if _short(last, right) and (ends or r.text[:1].isupper() or not r.text[:1].isalpha()):
            return ""
        first_x0 = block[0].x0
        if len(block) == 1:
            if r.x0 > first_x0 + INDENT * size:  # hanging indent (a reference, a list item) after a full line
                return "" if _short(last, right) else "line"
            return "line"
        body_x0 = block[1].x0
        if r.x0 > body_x0 + INDENT * size:
            return ""  # an indented first line
        if body_x0 > first_x0 + INDENT * size and r.x0 < body_x0 - INDENT * size:
            return ""  # back out to the first line of the next hanging-indent entry
        return "line"
    if dy < 0 or overlap <= 0:
        # another column: the sentence goes on if the line above ran to its column's edge unfinished
        right = max(x.x1 for x in block)
        goes_on = not ends and not _short(last, right) and (
            last.lines[-1].soft or last.text.rstrip()[-1:] == "-" or r.text[:1].islower())
        return "column" if goes_on else ""
    return ""


def _blocks(pages_rows: list[list[_Row]], body: float, pitch: dict[float, float]) -> list[Block]:
    blocks: list[Block] = []
    rows_of: list[list[_Row]] = []  # the rows of each block
    title_size = max((r.size for r in (pages_rows[0] if pages_rows else []) if r.kind == "heading"), default=0.0)
    title_done = False
    for rows in pages_rows:
        cur: list[_Row] = []
        cur_kind = ""
        seg = 0  # index in `cur` of its first row in the current column

        def close() -> None:
            nonlocal cur, cur_kind, title_done
            if not cur:
                return
            kind = {"text": "paragraph", "vertical": "paragraph", "list": "list_item", "table": "table_row",
                    "table_head": "table_head", "heading": "heading"}[cur_kind]
            level = 0
            if kind == "heading":
                level, title_done = _level(cur, title_size, title_done, body)
            start = _lead_mark(cur[0]) if kind in ("paragraph", "list_item") else None
            start = cur[0].start if start is None else start  # "7 For example, ..." -> "For example, ..."
            blocks.append(Block(kind, start, cur[-1].end, level=level, page=cur[0].page + 1,
                                header=cur[0].header if kind == "table_row" else ""))
            rows_of.append(cur)
            cur, cur_kind = [], ""

        for r in rows:
            if r.edge or r.kind == "contents":
                close()
                continue
            if cur:
                # a footnote's mark starts a footnote ("... 97%-98% accuracy.\n6The vector C ...", bert p. 4)
                how = _continues(cur[seg:], r, pitch) if cur_kind in ("text", "list") and _lead_mark(r) is None else ""
                if how:
                    if how == "column":
                        seg = len(cur)
                    cur.append(r)
                    continue
                if cur_kind == "heading" and r.kind == "heading" and _heading_continues(cur, r, pitch):
                    cur.append(r)
                    continue
                close()
            cur, cur_kind, seg = [r], r.kind, 0
        close()
    return _mark_continuations(blocks, rows_of, body)


def _lead_mark(r: _Row) -> int | None:
    """Where the text of row `r` starts when the row starts with a footnote's superscript mark ("7" raised, in a
    smaller size, before "For example, ..."), which is no part of the sentence; None otherwise. PDFium gives the
    mark as a line of its own (bert's "7" / "For example, ...") or at the start of the line ("1We later show ...",
    `_Line.mark`). Without this 40 units of the aragog papers begin with a footnote's number (eval.reading's
    "starts"), with it 1 (roberta p. 1: a mark in mid-line, after "Equal contribution.")."""
    if not r.geo:
        return None
    if r.lines[0].mark:
        return r.lines[0].start + r.lines[0].mark
    if len(r.lines) < 2:
        return None
    mark, nxt = r.lines[0], r.lines[1]
    if not (_MARK.match(mark.text) and (nxt.text[:1].isupper() or nxt.text.startswith(("http", "www.")))):
        return None  # "3" before "4d instead of 4d" is a fraction's denominator (llama p. 3)
    if mark.size <= 0.8 * nxt.size or mark.base < nxt.base - 0.2 * nxt.size:
        return nxt.start
    return None


def _between(b: Block, rows: list[_Row], first: _Row, body: float) -> bool:
    """`b` can sit between the two halves of a sentence whose second half starts with row `first`: a table, vertical
    text (an arXiv stamp), a bare page number, a caption, or anything set in another size (footnotes, figure labels).
    A heading only between the halves of a footnote (smaller than the body): a footnote run on from the foot of one
    column to the next has that column's text between, headings too (roberta p. 8, footnote 10)."""
    if b.kind in ("table_row", "table_head"):
        return True
    if b.kind == "heading":
        return (first.geo and rows[0].geo and first.size < body - SIZE_TOL
                and abs(rows[0].size - first.size) > SIZE_TOL)
    text = " ".join(r.text for r in rows).strip()
    if rows[0].kind == "vertical" or _BARE_NUMBER.match(text) or _CAPTION.match(text):
        return True
    return rows[0].geo and first.geo and abs(rows[0].size - first.size) > SIZE_TOL


def _mark_continuations(blocks: list[Block], rows_of: list[list[_Row]], body: float) -> list[Block]:
    """Set `cont` on each paragraph that goes on with a sentence the paragraph or list item before it left
    unfinished (to that block's start): it starts with a lowercase letter, and the one before (on this page or
    the one before, past what `_between` allows) ends without sentence-final punctuation, in the same size.
    Measured with eval.reading's "starts" section (answer units that start mid-sentence; aragog papers /
    financebench filings), with every other fix of this change in place: after a page break 30 / 95 without
    this, 0 / 0 with it; on the same page (a column break, a float, a footnote between) 33 / 72 -> 6 / 5.
    What is left: figure, table and formula text (a wrong first half stays possible when a figure's own text
    sits between, e.g. MMLU pp. 4, 5, 7)."""
    out = list(blocks)

    def unfinished(i: int, first: _Row, page: int) -> bool:
        last = rows_of[i][-1]
        return (blocks[i].kind in ("paragraph", "list_item") and page - blocks[i].page <= 1
                and not _TERMINAL.search(last.text)
                and not (last.geo and first.geo and abs(last.size - first.size) > SIZE_TOL))

    for j, b in enumerate(blocks):
        first = rows_of[j][0]
        if b.kind != "paragraph" or first.kind != "text" or not first.text[:1].islower():
            continue
        i = j - 1
        while i >= 0 and _between(blocks[i], rows_of[i], first, body):
            i -= 1
        if i >= 0 and unfinished(i, first, b.page):
            out[j] = replace(b, cont=blocks[i].start)
            continue
        # a table's text read column by column goes on in its own column on the next page, the other columns'
        # text between (AMCOR's 10-K pp. 122-130, "Delaware law | Jersey law": 2 sentences cut in two)
        i = j - 1
        while i >= 0 and b.page - blocks[i].page <= 1:
            if unfinished(i, first, b.page) and _same_column(rows_of[i][-1], first):
                out[j] = replace(b, cont=blocks[i].start)
                break
            if not (_between(blocks[i], rows_of[i], first, body)
                    or not any(_same_column(r, first) for r in rows_of[i])):
                break
            i -= 1
    return out


def _same_column(a: _Row, b: _Row) -> bool:
    return a.geo and b.geo and min(a.x1, b.x1) - max(a.x0, b.x0) > 0


def _heading_continues(cur: list[_Row], r: _Row, pitch: dict[float, float]) -> bool:
    last = cur[-1]
    if len(cur) >= 3 or abs(r.size - last.size) > SIZE_TOL or re.search(r"[.!?][\"'”’)\]]*$", last.text):
        return False
    if _NUMBERED_HEAD.match(r.text) and not last.text.rstrip().endswith(("-", ":")):
        return False
    p = pitch.get(round(last.size * 2) / 2, 1.2 * last.size)
    return 0 < r.base - last.base <= PITCH_GAP * p


def _level(rows: list[_Row], title_size: float, title_done: bool, body: float) -> tuple[int, bool]:
    r = rows[0]
    m = re.match(r"^(\d{1,2}|[A-Z])((?:\.\d{1,2}){0,3})\.?\s", r.text)
    if not title_done and r.page == 0 and r.size >= title_size - SIZE_TOL and not m:
        return 1, True
    if m and (m.group(2) or m.group(1).isdigit()):
        return min(2 + m.group(2).count("."), 6), title_done
    return (2 if r.size >= body * HEAD_RATIO else 3), title_done
