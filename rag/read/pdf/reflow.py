"""Reflow: classified rows joined into `Block`s -- a paragraph goes on across lines and columns unless there is a
real break; consecutive heading rows make one heading, with its level.

Not here: deciding what each row is (`classify`, `furniture`, `tables`).
"""
from __future__ import annotations

import re

from ..document import Block
from .constants import _NUMBERED_HEAD, _TERMINAL, HEAD_RATIO, INDENT, PITCH_GAP, SHORT, SIZE_TOL
from .rows import _Row


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
            blocks.append(Block(kind, cur[0].start, cur[-1].end, level=level, page=cur[0].page + 1,
                                header=cur[0].header if kind == "table_row" else ""))
            cur, cur_kind = [], ""

        for r in rows:
            if r.edge or r.kind == "contents":
                close()
                continue
            if cur:
                how = _continues(cur[seg:], r, pitch) if cur_kind in ("text", "list") else ""
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
    return blocks


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
