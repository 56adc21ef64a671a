"""Plain text and Markdown: decode, split into blocks, keep the body, find title/author/date.

Blocks: a run of non-blank lines is one paragraph when it is hard-wrapped (its lines fill the
file's usual line width), otherwise each line is its own block: a web page saved as text puts
one paragraph, heading or menu entry on each line. Markdown headings, list items, table rows
and code fences are recognised by their syntax. Web-page furniture in a .txt file is left out
by a learned block classifier (`rag.read.boilerplate`); Markdown is authored text, kept whole.
"""
from __future__ import annotations

import re
from dataclasses import replace

from ..errors import DocumentError
from .document import Block, Document, Metadata
from .table import header_text, split_glued

_LIST_ITEM = re.compile(r"^\s*([-*+\u2022\u25aa\u25cf]|\d{1,3}[.)]|[a-z][.)])\s+\S")
_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+\S")
_MD_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_TERMINAL = ".,;:!?\"'\u201d\u2019)]|"
# "By Jane Doe", "By Jane Doe and John Roe | Reuters": a general byline shape, kept as a block
# (so "who wrote this?" can be answered and cited) and read into the metadata.
_BYLINE = re.compile(r"^by\s+([A-Z][\w.'\u2019-]+(?:\s+(?:[A-Z][\w.'\u2019-]+|and|&|de|van|von|der|la),?){0,8})",
                     re.IGNORECASE)
_MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec"
_DATE = re.compile(
    rf"\b(\d{{4}}-\d{{2}}-\d{{2}}|(?:{_MONTHS})[a-z]*\.?\s+\d{{1,2}},?\s+\d{{4}}|\d{{1,2}}\s+(?:{_MONTHS})[a-z]*\.?\s+\d{{4}})\b",
    re.IGNORECASE)


def decode_text(data: bytes) -> str:
    if _looks_binary(data):
        raise DocumentError("binary content, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes  # only for the rare non-UTF-8 file

    matches = from_bytes(data)
    best = matches.best()
    if best is None or best.encoding is None:
        raise DocumentError("text is not UTF-8 and its encoding could not be detected")
    # Single-byte code pages often tie (Western text scores the same as cp1250, cp1257 or mac_roman);
    # the tie goes to cp1252, by far the most common legacy encoding of the documents we meet.
    if best.encoding != "cp1252":
        tied = any(m.encoding == "cp1252" and m.chaos <= best.chaos + 0.01 for m in matches)
        if tied or best.encoding.startswith("mac_"):
            try:
                return data.decode("cp1252")
            except UnicodeDecodeError:
                pass
    return str(best)


def _looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if b"\x00" in head:
        return True
    control = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return len(head) > 0 and control / len(head) > 0.05


def read_text(data: bytes, source: str, sha: str, markdown: bool = False) -> Document:
    text = decode_text(data)
    blocks = markdown_blocks(text) if markdown else text_blocks(text)
    if not markdown:
        blocks = glued_tables(text, keep_body(text, blocks))
    meta = find_metadata(text, blocks)
    return Document(source, text, sha, "md" if markdown else "txt", tuple(blocks), (), meta)


# -- lines and blocks ----------------------------------------------------------------------------

def lines_of(text: str) -> list[tuple[int, int]]:
    """(start, end) of each line's stripped content; (p, p) for a blank line."""
    out, pos = [], 0
    for raw in text.splitlines(keepends=True):
        body = raw.rstrip("\r\n\f\v\x1c\x1d\x1e\x85\u2028\u2029")
        lead = len(body) - len(body.lstrip())
        stripped = body.strip()
        out.append((pos + lead, pos + lead + len(stripped)))
        pos += len(raw)
    return out


def _wrap_width(text: str, lines: list[tuple[int, int]]) -> int:
    """The width a hard-wrapped file fills: the 90th percentile of non-blank line lengths."""
    lens = sorted(e - s for s, e in lines if e > s)
    return lens[int(0.9 * (len(lens) - 1))] if lens else 0


def _continues(text: str, prev: tuple[int, int], cur: tuple[int, int], width: int) -> bool:
    """Does line `cur` continue the paragraph of line `prev` (a hard-wrapped file)?"""
    # A wrapped line fills most of the width. 40-160 columns covers the usual wrap settings and text
    # converted from PDF pages (covid_qa's reports: ~110 columns; a narrower range left their
    # paragraphs as line fragments, which the boilerplate classifier then dropped).
    if not 40 <= width <= 160 or (prev[1] - prev[0]) < 0.7 * width:
        return False
    ptxt, ctxt = text[prev[0]:prev[1]], text[cur[0]:cur[1]]
    return not (ptxt.endswith(":") or _LIST_ITEM.match(ctxt) or ctxt.startswith("#"))


def text_blocks(text: str) -> list[Block]:
    lines = lines_of(text)
    width = _wrap_width(text, lines)
    spans: list[list[int]] = []
    prev = None
    for ln in lines:
        if ln[1] == ln[0]:
            prev = None
            continue
        if prev is not None and _continues(text, prev, ln, width):
            spans[-1][1] = ln[1]
        else:
            spans.append([ln[0], ln[1]])
        prev = ln
    return _classify_plain(text, [(a, b) for a, b in spans])


def _classify_plain(text: str, spans: list[tuple[int, int]]) -> list[Block]:
    """Kinds for plain-text blocks: a short title-like line before text is a heading."""
    out = []
    for i, (a, b) in enumerate(spans):
        t = text[a:b]
        nxt = text[spans[i + 1][0]:spans[i + 1][1]] if i + 1 < len(spans) else ""
        after_by = i > 0 and text[spans[i - 1][0]:spans[i - 1][1]].lower() == "by" and len(t.split()) <= 5
        if (t.lower() == "by" and 0 < len(nxt.split()) <= 5) or after_by:
            kind = "meta"  # "By" on its own line and the name on the next
        elif _LIST_ITEM.match(t):
            kind = "list_item"
        elif _BYLINE.match(t) and len(t) <= 80 or (_DATE.search(t) and len(t.split()) <= 8):
            kind = "meta"
        elif _title_like(t, 30 if i == 0 else 16) and (i == 0 or _paragraph_like(nxt)):
            kind = "heading"
        elif "\t" in t or re.search(r"\S {3,}\S", t):
            kind = "table_row"  # columns aligned with tabs or runs of spaces
        else:
            kind = "paragraph"
        out.append(Block(kind, a, b, level=1 if (kind == "heading" and i == 0) else (2 if kind == "heading" else 0)))
    return out


def _table_caption(text: str, before: list[Block]) -> str:
    """What names a table: the paragraph right before it when it is a caption ("Table 2: Fees") or a
    lead-in ("The fees were as follows (in thousands):"), which may carry the unit."""
    if not before or before[-1].kind != "paragraph":
        return ""
    t = text[before[-1].start:before[-1].end].strip()
    return t if t.endswith(":") or re.match(r"^(?:table|tab\.)\s*\S", t, re.I) else ""


GLUED_MIN_CELLS = 3
GLUED_CELL_WORDS = 40  # a cell is a phrase or two, not a paragraph (glued words in prose: "HeteSim", "GraphPad")


def _glued_cells(line: str) -> int:
    """How many glued cells a one-line block splits into; 0 when it reads as prose (a long piece or a
    sentence boundary inside a piece)."""
    if "\n" in line:
        return 0
    cells = split_glued(line)
    if any(len(c.split()) > GLUED_CELL_WORDS or re.search(r"[a-z]{2}[.!?]\s+[A-Z]", c) for c in cells):
        return 0
    return len(cells)


def glued_tables(text: str, blocks: list[Block]) -> list[Block]:
    """A table saved as text without cell borders: two or more one-line blocks in a row that split into
    the same number (3 or more) of glued cells (`rag.read.table.split_glued`). The first is its head row,
    the others rows carrying the head's cells as their header, with a "Table: ..." line above as context.
    One glued line alone (a brand name or two in a sentence) is never taken for a table."""
    counts = [_glued_cells(text[b.start:b.end]) for b in blocks]
    out = list(blocks)
    i = 0
    while i < len(blocks):
        k = counts[i]
        j = i
        while j + 1 < len(blocks) and counts[j + 1] == k:
            j += 1
        if k >= GLUED_MIN_CELLS and j > i:
            prev = text[blocks[i - 1].start:blocks[i - 1].end] if i else ""
            caption = prev if re.match(r"^(?:table|tab\.)\b", prev, re.I) else ""
            header = header_text(caption, split_glued(text[blocks[i].start:blocks[i].end]))
            out[i] = replace(blocks[i], kind="table_head")
            for b in range(i + 1, j + 1):
                out[b] = replace(blocks[b], kind="table_row", header=header)
        i = j + 1
    return out


def _title_like(t: str, max_words: int) -> bool:
    words = len(t.split())
    return (0 < words <= max_words and len(t) <= 160 and t[-1] not in _TERMINAL
            and any(c.isalpha() for c in t) and not _LIST_ITEM.match(t))


def _paragraph_like(t: str) -> bool:
    words = len(t.split())
    return words >= 20 or (words > 8 and t[-1:] in ".!?\"\u201d\u2019'")


def markdown_blocks(text: str) -> list[Block]:
    lines = lines_of(text)
    out: list[Block] = []
    para: list[int] | None = None
    in_fence = False
    fence_start = 0
    header = ""
    for s, e in lines:
        t = text[s:e]
        if in_fence:
            if _FENCE.match(t):
                out.append(Block("code", fence_start, e))
                in_fence = False
            continue
        if _FENCE.match(t):
            para, in_fence, fence_start = None, True, s
            continue
        if e == s:
            para, header = None, ""
            continue
        m = _MD_HEADING.match(t)
        if m:
            out.append(Block("heading", s, e, level=len(m.group(1))))
            para = None
        elif t.lstrip().startswith("|"):
            if _MD_TABLE_RULE.match(t):
                if out and out[-1].kind == "table_row":  # the row above was the header
                    prev = out.pop()
                    cells = [c.strip() for c in text[prev.start:prev.end].strip().strip("|").split("|")]
                    header = header_text(_table_caption(text, out), cells[1:])
                    out.append(Block("table_head", prev.start, prev.end))
            else:
                out.append(Block("table_row", s, e, header=header))
            para = None
        elif _LIST_ITEM.match(t):
            out.append(Block("list_item", s, e))
            para = [len(out) - 1]
        elif para is not None and out and out[para[0]].kind in ("paragraph", "list_item"):
            b = out[para[0]]
            out[para[0]] = Block(b.kind, b.start, e)  # a paragraph (or list item) continues on this line
        else:
            out.append(Block("paragraph", s, e))
            para = [len(out) - 1]
    if in_fence:  # an unclosed fence: keep what follows it as code rather than lose it
        out.append(Block("code", fence_start, len(text.rstrip())))
    return out


# -- body and metadata ---------------------------------------------------------------------------

def keep_body(text: str, blocks: list[Block]) -> list[Block]:
    """Leave out web-page furniture: the learned classifier decides; bylines and dates stay."""
    if len(blocks) < 2:
        return blocks
    from .boilerplate import body_mask

    mask = body_mask([text[b.start:b.end] for b in blocks])
    return [b for b, keep in zip(blocks, mask) if keep or b.kind == "meta"]


def find_metadata(text: str, blocks: list[Block]) -> Metadata:
    title = author = date = ""
    for b in blocks[:40]:  # the head of the document
        t = text[b.start:b.end].strip()
        if not title and b.kind == "heading":
            title = t.lstrip("#").strip()
        if not author and b.kind == "meta":
            m = _BYLINE.match(t)
            if m:
                author = m.group(1).strip(" ,")
        if not date:
            m = _DATE.search(t) if len(t.split()) <= 8 else None
            if m:
                date = m.group(1)
    # "By" alone on its line, the name on the next (how some pages save as text)
    if not author:
        for i, (s, e) in enumerate(lines := [ln for ln in lines_of(text) if ln[1] > ln[0]][:60]):
            if text[s:e].strip().lower() == "by" and i + 1 < len(lines):
                name = text[lines[i + 1][0]:lines[i + 1][1]].strip()
                if 0 < len(name.split()) <= 5:
                    author = name
                break
    if not title and blocks:
        first = text[blocks[0].start:blocks[0].end].strip()
        title = first if len(first) <= 160 else ""
    return Metadata(title=title, author=author, date=date)
