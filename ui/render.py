"""HTML for the web UI: answers with [n] markers and sources, questions, the source viewer, the start screen.

Pure functions of rag's result types (no gradio here), so they are easy to test and reuse.
Every piece of document text and every question is HTML-escaped: both are untrusted input.
A citation link is `<a href="#rag-cite=SOURCE:START:END">`; a click handler in the page (see
`ui.page`) turns it into a call of the source viewer, which re-reads the span from the file.
The hover card of a marker is built in the page from its entry in the answer's source list
(`li.rag-src-n<N>`), so the card and the list can never disagree.
"""
from __future__ import annotations

import html
import re
from urllib.parse import quote, unquote

CITE_PREFIX = "#rag-cite="
_MARKER = re.compile(r"\[(\d+)\]")
# the markers after a statement: " [1]", or " [1][2]" (an LLM's, or a sentence quoted with the one it leans on)
_RUN_AT_END = re.compile(r" ((?:\[\d+\])+)$")
_RUN = re.compile(r"(?<= )(?:\[\d+\])+(?= )")  # the same inside the text: the next statement follows a space
_e = html.escape


def cite_token(source: str, start: int, end: int) -> str:
    return f"{quote(source, safe='')}:{start}:{end}"


def parse_cite_token(token: str) -> tuple[str, int, int]:
    """(source, start, end) from a token made by `cite_token` (ValueError if malformed)."""
    token = (token or "").strip()
    if token.startswith(CITE_PREFIX):
        token = token[len(CITE_PREFIX):]
    source, start, end = token.rsplit(":", 2)
    start_i, end_i = int(start), int(end)
    if not source or start_i < 0 or end_i < start_i:
        raise ValueError(f"bad citation token {token!r}")
    return unquote(source), start_i, end_i


def readable(text: str) -> str:
    """A quote as one paragraph: the PDF's hard line breaks and runs of spaces become single spaces."""
    return " ".join(text.split())


def _href(c) -> str:
    return CITE_PREFIX + cite_token(c.source, c.start, c.end)


def question_html(question: str) -> str:
    """The user's bubble: the question as text, never as markup."""
    return f'<div class="rag-question">{_e(question, quote=False)}</div>'


def messages(turns) -> list[dict]:
    """The chatbot's messages for a chat's turns (`ui.chats`): each question's bubble, then its answer."""
    out = []
    for t in turns:
        out += [{"role": "user", "content": question_html(t["q"])}, {"role": "assistant", "content": t["html"]}]
    return out


def answer_html(ans, titles: dict[str, str] | None = None) -> str:
    """The chat message for a final `rag.Answer`: text with linked [n] markers, then its sources.

    titles: source -> document title (the file name where missing).
    """
    titles = titles or {}
    by_n = {c.n: c for c in ans.citations}

    def link(n: int) -> str:
        c = by_n[n]
        label = _e(f"Source {c.n}: {titles.get(c.source) or c.source}, {c.location}", quote=True)
        return f'<a class="rag-cite" href="{_href(c)}" aria-label="{label}">[{n}]</a>'

    out, at = [], 0
    for start, end, n in marker_spans(ans.text, ans.citations):
        out += [_e(ans.text[at:start], quote=False), link(n)]
        at = end
    body = "".join(out + [_e(ans.text[at:], quote=False)]).replace("\n", "<br>")
    parts = [f'<div class="rag-answer">{body}</div>']
    if ans.resolved:  # a follow-up read in its conversation: the reader sees what was searched for
        parts.insert(0, _resolved_html(ans.resolved))
    if ans.notice:
        parts.append(_notice_html(ans.notice))
    if ans.citations and not ans.abstained:  # a declined answer shows no sources
        items = "".join(
            f'<li class="rag-src rag-src-n{c.n}"><a class="rag-src-link" href="{_href(c)}">[{c.n}] '
            f'<span class="rag-src-title">{_e(titles.get(c.source) or c.source)}</span></a>, '
            f'<span class="rag-src-where">{_e(c.location)}</span>'
            f'<span class="rag-src-file" hidden>{_e(c.source)}</span>'
            + (f'<br><span class="rag-src-context">{_e(c.context)}</span>' if c.context else "")
            + f"<br><q>{_e(readable(c.text or c.quote))}</q></li>"
            for c in ans.citations)
        parts.append(f'<div class="rag-sources"><strong>Sources</strong><ul>{items}</ul></div>')
    return "\n".join(parts)


def marker_spans(text: str, citations) -> list[tuple[int, int, int]]:
    """(start, end, n) of each [n] marker the answer placed, not the documents' own "[2]" in quoted text.

    The answer is statements each followed by its run of markers, joined by spaces ("sentence [1]
    sentence [2]"; an LLM's checked claims "claim [1][2] claim [1]", which hold no other markers).
    Read from the end back: a run ends the text, and a statement that is its cited sentence word for
    word is stepped over whole, so a marker inside it stays text even when its number is cited too.
    """
    by_n = {c.n: c for c in citations}
    spans, pos = [], len(text)
    while m := _RUN_AT_END.search(text, 0, pos):
        nums = [int(x) for x in _MARKER.findall(m.group(1))]
        if not all(n in by_n for n in nums):
            break
        spans += [(m.start(1) + i.start(), m.start(1) + i.end(), int(i.group(1)))
                  for i in _MARKER.finditer(m.group(1))]
        said = next((t for t in (by_n[n].text for n in nums) if t and text.endswith(t, 0, m.start())), "")
        runs = list(_RUN.finditer(text, 0, m.start() - len(said)))  # the run before this statement
        if not runs:
            break
        pos = runs[-1].end()
    return sorted(spans)


def partial_html(text: str, notice: str = "", resolved: str = "") -> str:
    """An answer still streaming in: plain escaped text (markers are linked once it is complete),
    after what a follow-up was searched as and the notice that the extractive answer stands in for
    the LLM's, if it does."""
    note = (_resolved_html(resolved) if resolved else "") + (_notice_html(notice) if notice else "")
    return note + _e(text, quote=False).replace("\n", "<br>") + " \u258c"


def _resolved_html(resolved: str) -> str:
    return f'<p class="rag-resolved"><em>Searching for: {_e(resolved, quote=False)}</em></p>'



def _notice_html(notice: str) -> str:
    return f"<p><em>{_e(notice)}</em></p>"


def marked_text_html(text: str, start: int, end: int, offset: int = 0) -> str:
    """text (which begins at `offset` of the document) as a scrollable <pre>, [start:end] in <mark id="rag-hit">."""
    s, t = start - offset, end - offset
    return ('<pre id="rag-doc" class="rag-doc">'
            f'{_e(text[:s], quote=False)}<mark id="rag-hit" class="rag-hit">{_e(text[s:t], quote=False)}</mark>'
            f"{_e(text[t:], quote=False)}</pre>")


def page_html(view, page: int, title: str) -> str:
    """A rendered PDF page (`ui.pdf_view.PageView`) with the cited span's boxes over it, in percent so
    they follow the image's displayed size."""
    boxes = "".join(
        f'<div class="rag-box" style="left:{100 * b.left / view.width:.3f}%;top:{100 * b.top / view.height:.3f}%;'
        f'width:{100 * b.width / view.width:.3f}%;height:{100 * b.height / view.height:.3f}%"></div>'
        for b in view.boxes)
    alt = _e(f"Page {page} of {title}", quote=True)
    note = "" if view.boxes else '<p class="rag-note">The quoted text could not be located on the page image.</p>'
    return (f'<div class="rag-page" id="rag-page"><img id="rag-page-img" src="{view.data_uri()}" alt="{alt}" '
            f'width="{view.width}" height="{view.height}">{boxes}</div>{note}')


def source_view_html(source: str, text: str, start: int, end: int, label: str = "", title: str = "",
                     page_view=None, page: int = 0, page_span: tuple[int, int] | None = None) -> str:
    """The viewer: a heading (title, file, where), the rendered PDF page when given, and the text
    with text[start:end] in a <mark id="rag-hit"> to scroll to (for a PDF, the text of its page)."""
    if end > len(text):
        raise ValueError(f"the span {start}:{end} is outside {source} ({len(text)} characters)")
    title = title or source
    where = " \u00b7 ".join(x for x in (source if title != source else "", label) if x)
    head = (f'<div class="rag-viewer-head"><strong class="rag-viewer-title">{_e(title)}</strong>'
            f'<span class="rag-viewer-where">{_e(where)}</span></div>')
    lo, hi = page_span if page_span else (0, len(text))
    lo, hi = min(lo, start), max(hi, end)
    body = marked_text_html(text[lo:hi], start, end, offset=lo)
    if page_view is not None:
        body = (page_html(page_view, page, title)
                + f'<details class="rag-text-view"><summary>Text of page {page}</summary>{body}</details>')
    return f'<div class="rag-viewer">{head}{body}</div>'


def start_screen(docs, indexed_at: str) -> str:
    """Markdown shown in the empty chat: what is indexed and how to start. docs: `rag.DocumentInfo`s."""
    if not docs:
        return ("### Chat with your documents\n\nNo documents are indexed yet. "
                "Add some in the **Documents** tab, then ask away.")
    names = ", ".join(f"*{_md(d.title)}*" for d in docs[:6]) + (" \u2026" if len(docs) > 6 else "")
    n = sum(d.passages for d in docs)
    return (f"### Chat with your documents\n\n"
            f"**{len(docs)} file{'s' if len(docs) != 1 else ''}**, **{n} passages** indexed"
            f"{f' (last indexed {indexed_at})' if indexed_at else ''}: {names}\n\n"
            "Answers quote the documents, with a numbered source for every claim: point at one to read "
            "the quote, click it to see it in its document. Try an example:")


def _md(text: str) -> str:
    """Text for Markdown, shown as typed: on one line, Markdown's (and HTML's) punctuation backslash-escaped."""
    return re.sub(r"([\\`*_{}\[\]()#+!|<>~-])", r"\\\1", " ".join(text.split()))
