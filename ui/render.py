"""HTML for the web UI: answers with clickable [n] markers and sources, the source viewer, the start screen.

Pure functions of rag's result types (no gradio here), so they are easy to test and reuse.
Every piece of document text is HTML-escaped: documents and questions are untrusted input.
A citation link is `<a href="#rag-cite=SOURCE:START:END">`; a click handler in the page (see
`ui.app`) turns it into a call of the source viewer, which re-reads the span from the file.
"""
from __future__ import annotations

import html
import re
from urllib.parse import quote, unquote

CITE_PREFIX = "#rag-cite="
_MARKER = re.compile(r"\[(\d+)\]")


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


def _link(c, label: str) -> str:
    title = html.escape(f"{c.source}, {c.location}", quote=True)
    return (f'<a class="rag-cite" href="{CITE_PREFIX}{cite_token(c.source, c.start, c.end)}" '
            f'title="{title}">{label}</a>')


def answer_html(ans) -> str:
    """The chat message for a final `rag.Answer`: text with linked [n] markers, then its sources."""
    by_n = {c.n: c for c in ans.citations}

    def link(m: re.Match) -> str:
        c = by_n.get(int(m.group(1)))
        return _link(c, m.group(0)) if c else m.group(0)

    body = _MARKER.sub(link, html.escape(ans.text, quote=False)).replace("\n", "<br>")
    parts = [f'<div class="rag-answer">{body}</div>']
    if ans.notice:
        parts.append(f"<p><em>{html.escape(ans.notice)}</em></p>")
    if ans.citations and not ans.abstained:  # a declined answer shows no sources
        items = "".join(
            f'<li>{_link(c, f"[{c.n}] " + html.escape(c.source) + ", " + c.location)}'
            f"<br><q>{html.escape(c.text or c.quote)}</q></li>"
            for c in ans.citations)
        parts.append(f'<div class="rag-sources"><strong>Sources</strong><ul>{items}</ul></div>')
    return "\n".join(parts)


def partial_html(text: str) -> str:
    """An answer still streaming in: plain escaped text (markers are linked once it is complete)."""
    return html.escape(text, quote=False).replace("\n", "<br>") + " \u258c"


def source_view_html(source: str, text: str, start: int, end: int, label: str = "") -> str:
    """The whole document, escaped, with text[start:end] in a <mark id="rag-hit"> to scroll to."""
    if end > len(text):
        raise ValueError(f"the span {start}:{end} is outside {source} ({len(text)} characters)")
    e = html.escape
    head = f"<strong>{e(source)}</strong>" + (f" \u2014 {e(label)}" if label else "")
    return (f'<div class="rag-viewer"><div style="margin-bottom:.5em">{head}</div>'
            '<pre id="rag-doc" style="white-space:pre-wrap;word-wrap:break-word;max-height:65vh;overflow:auto;'
            'font-family:inherit;font-size:.9em;line-height:1.45;padding:.75em;border:1px solid #ddd;border-radius:6px">'
            f'{e(text[:start], quote=False)}<mark id="rag-hit" style="background:#ffe066;padding:0 1px">'
            f"{e(text[start:end], quote=False)}</mark>{e(text[end:], quote=False)}</pre></div>")


def start_screen(files: dict[str, int], indexed_at: str) -> str:
    """Markdown shown in the empty chat: what is indexed and how to start."""
    if not files:
        return ("### Chat with your documents\n\nNo documents are indexed yet. "
                "Add some in the **Documents** tab, then ask away.")
    names = ", ".join(f"`{n}`" for n in sorted(files)[:6]) + (" \u2026" if len(files) > 6 else "")
    return (f"### Chat with your documents\n\n"
            f"**{len(files)} file{'s' if len(files) != 1 else ''}**, **{sum(files.values())} passages** indexed"
            f"{f' (last indexed {indexed_at})' if indexed_at else ''}: {names}\n\n"
            "Answers quote the documents, with a numbered source for every claim: click one to see it "
            "in its document. Try an example:")
