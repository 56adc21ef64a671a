"""Web pages: the page's visible text is the source text; trafilatura decides what is article.

Source text: html-text's rendering of the whole page (one block-level element per line, as a
browser's "save as text" gives), so the viewer can show the page and every offset is stable.
Body: trafilatura's main-content extraction (F1 0.954 on the article-extraction benchmark here,
against 0.815 for our earlier tag rules), mapped back onto those lines: a line is body when
most of its characters are found, in order, in trafilatura's output. Pages where trafilatura
finds no main content fall back to the block classifier used for text dumps of web pages.
Metadata (title, author, date, site) comes from trafilatura's metadata extraction; the title names
the chunks' section (it is not body text: the benchmark's article bodies leave headlines out).
"""
from __future__ import annotations

import logging
import re

from .document import Block, Document, Metadata
from .table import header_text
from .text import _classify_plain, decode_text, keep_body, lines_of

# A line counts as body when at least this share of its characters was located in the extractor's
# output (lines are either wholly article or wholly furniture in practice; half is the natural cut).
MIN_COVERED = 0.5


def read_html(data: bytes, source: str, sha: str) -> Document:
    import html_text

    import lxml.html

    markup = decode_text(data)
    try:
        tree = lxml.html.fromstring(markup)
    except (ValueError, lxml.etree.ParserError):  # empty or unparsable: html_text copes with the string
        tree, rows = markup, {}
    else:
        rows = _table_rows(tree)
    text = html_text.extract_text(tree, guess_layout=True).strip() + "\n"
    lines = [ln for ln in lines_of(text) if ln[1] > ln[0]]
    blocks = _classify_plain(text, lines)
    if rows:
        blocks = [_as_row(b, rows.get(" ".join(text[b.start:b.end].split()))) for b in blocks]
    body = _extract(markup)
    if body:
        covered = _coverage(text, body)
        kept = [b for b in blocks if _covered_share(covered, b) >= MIN_COVERED]
    else:
        kept = []
    meta = _metadata(markup)
    if not kept:
        kept = keep_body(text, blocks)
    kept = _with_byline(text, blocks, kept, meta)
    return Document(source, text, sha, "html", tuple(kept), (), meta)


def _table_rows(tree) -> dict[str, tuple[str, str]]:
    """Keep each table's cell borders in the page text (" | " between the cells of a row: html-text
    would join them with a space, and "Mooring 310 295" cannot be read back as cells) and return
    row text -> (kind, header): header rows (all <th>, or in <thead>) are table heads, the others
    rows labelled by them and by the table's <caption> (`rag.read.table.header_text`)."""
    out: dict[str, tuple[str, str]] = {}
    for table in tree.iter("table"):
        caption = table.find("caption")
        context = " ".join(caption.text_content().split()) if caption is not None else ""
        header = header_text(context, ())
        for tr in table.iter("tr"):
            cells = [c for c in tr if c.tag in ("td", "th")]
            for c in cells[:-1]:
                c.tail = " | " + (c.tail or "")
            texts = [" ".join(c.text_content().split()) for c in cells]
            line = " | ".join(texts)
            head = all(c.tag == "th" for c in cells) or tr.getparent().tag == "thead"
            if head and len(cells) >= 2:
                header = header_text(context, texts[1:])
                out[line] = ("table_head", "")
            elif len(cells) >= 2:
                out.setdefault(line, ("table_row", header))
    return out


def _as_row(b: Block, row: tuple[str, str] | None) -> Block:
    return Block(row[0], b.start, b.end, header=row[1]) if row else b


def _extract(markup: str) -> str:
    import trafilatura

    logging.getLogger("trafilatura").setLevel(logging.ERROR)  # it logs every page it finds thin
    try:
        return trafilatura.extract(markup, include_comments=False, include_tables=True, output_format="txt") or ""
    except Exception:  # trafilatura raises assorted lxml errors on broken markup: fall back, don't fail
        return ""


def _metadata(markup: str) -> Metadata:
    import trafilatura

    try:
        m = trafilatura.extract_metadata(markup)
    except Exception:
        m = None
    if m is None:
        return Metadata()
    return Metadata(title=m.title or "", author=m.author or "", date=m.date or "", site=m.sitename or "")


def _squash(text: str) -> tuple[str, list[int]]:
    """Lowercased letters and digits only, and each one's source offset: the extractor's output
    differs from the page text in spacing and markup ("| cell |" tables, "- " list items)."""
    chars, offs = [], []
    for i, c in enumerate(text):
        if c.isalnum():
            chars.append(c.lower())
            offs.append(i)
    return "".join(chars), offs


def _coverage(text: str, body: str) -> bytearray:
    """Per source character: 1 where the extractor's output was found there."""
    flat, offs = _squash(text)
    covered = bytearray(len(text))
    cursor = 0
    for line in body.splitlines():
        piece, _ = _squash(line)
        if len(piece) < 3:
            continue
        pieces = [piece]
        found = False
        while pieces and not found:
            p = pieces.pop(0)
            at = flat.find(p, cursor)
            if at < 0:
                at = flat.find(p)
            if at >= 0:
                for k in range(at, at + len(p)):
                    covered[offs[k]] = 1
                cursor = at + len(p)
                found = p == piece
            elif len(p) >= 40:
                # The extractor joined or re-spaced inline elements differently: look for halves.
                mid = len(p) // 2
                pieces[:0] = [p[:mid], p[mid:]]
    return covered


def _covered_share(covered: bytearray, b: Block) -> float:
    n = b.end - b.start
    return sum(covered[b.start:b.end]) / n if n else 0.0


def _with_byline(text: str, blocks: list[Block], kept: list[Block], meta: Metadata) -> list[Block]:
    """Keep the page's byline and dateline (short lines naming the author or the date, before the
    body ends) as 'meta' blocks, so "who wrote this?" can be answered with a citation."""
    if not kept or not (meta.author or meta.date):
        return kept
    have = {(b.start, b.end) for b in kept}
    end = kept[-1].end
    names = [n.strip().lower() for n in re.split(r";|,| and ", meta.author) if len(n.strip()) > 3]
    extra = []
    for b in blocks:
        if b.start >= end or (b.start, b.end) in have:
            continue
        line = text[b.start:b.end]
        if len(line.split()) > 12:
            continue
        low = line.lower()
        if any(n in low for n in names) or (meta.date and meta.date in line):
            extra.append(Block("meta", b.start, b.end))
    return sorted(kept + extra[:3], key=lambda b: b.start)
