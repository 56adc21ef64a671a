"""Find the content of a document: sections with titles, minus web-page boilerplate.

Works on lines and returns *spans* of the untouched source text, so citations still point
into the original file. Drops: cookie/newsletter/subscription prompts, share widgets,
"You May Also Like" blocks, photo captions and credits (a short line repeated, "caption |"
plus its credit), bylines and other short fragments ("By", "6 min read", "an hour ago").
Appended "Related Articles" become sections of their own, titled by their own headline, so
nothing in them is attributed to the main story. Not here: sentence splitting, chunking.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

# Lines that are site furniture wherever they appear (matched case-insensitively).
_BOILERPLATE = re.compile(
    r"(\bcookies?\b.*\b(use|accept|consent|website|browser|experience|polic)"
    r"|\b(subscribe|sign up|signup)\b.*\b(newsletter|updates|inbox)\b|^newsletter\b|\bnewsletter$"
    r"|^get the latest\b.*\b(offers?|offerings|news|updates)\b"
    r"|\b(privacy policy|terms of (service|use)|all rights reserved|legal notice)\b"
    r"|^(share|tweet|email|print|copy link)( (this|on|via)\b.*)?$"
    r"|^(share on|follow us on)\b|^(advertisement|sponsored( content)?|hashtags|comments?|no comments yet\W*)$"
    r"|^try our ai features|^explore what .* can do for you"
    r"|\b(news submission rules|infringes upon copyright|computer generated art)\b"
    r"|^(click here|read more|download (our|the) app|sign in|log in|skip to (main )?content)\b)",
    re.IGNORECASE,
)
# A line that starts a block of other stories appended to the page.
_RELATED = re.compile(
    r"^(related (articles|stories|posts|content|news)|more (from|stories|news|on this)\b.*|you may also like"
    r"|recommended( for you| stories)?|read next|also read|trending( now)?|most (read|popular))\s*:?$",
    re.IGNORECASE,
)
_META = re.compile(r"^(by\b.{0,60}|\d+ min(ute)?s? read|(an?|\d+) (second|minute|hour|day|week|month)s? ago|updated\b.*)$",
                   re.IGNORECASE)
_LIST_ITEM = re.compile(r"^([-*\u2022]|\d+[.)])\s+")
_TERMINAL = ".,;:!\"'\u201d\u2019)]|"


@dataclass(frozen=True)
class Section:
    title: str
    spans: tuple[tuple[int, int], ...]  # content lines, as (start, end) offsets into the source text


@dataclass
class _Line:
    start: int
    end: int
    text: str  # stripped
    kind: str = "content"  # content | blank | junk | heading
    words: int = field(init=False)

    def __post_init__(self):
        self.words = len(self.text.split())


def _lines(text: str) -> list[_Line]:
    out, pos = [], 0
    for raw in text.splitlines(keepends=True):
        body = raw.rstrip("\r\n")
        lead = len(body) - len(body.lstrip())
        stripped = body.strip()
        start = pos + lead
        out.append(_Line(start, start + len(stripped), stripped, "content" if stripped else "blank"))
        pos += len(raw)
    return out


def _is_title_like(line: _Line, max_words: int) -> bool:
    t = line.text
    if t.startswith("#"):
        return True
    return (0 < line.words <= max_words and len(t) <= 160 and t[-1] not in _TERMINAL
            and any(c.isalpha() for c in t) and not _LIST_ITEM.match(t))


def sections(text: str, fallback_title: str = "") -> list[Section]:
    """Split `text` into titled sections of content-line spans, boilerplate left out."""
    lines = _lines(text)
    related_from = _mark_junk(lines)
    _mark_headings(lines)
    result = _group(lines, related_from, fallback_title)
    kept = sum(e - s for sec in result for s, e in sec.spans)
    total = sum(ln.end - ln.start for ln in lines)
    if total and kept < 0.1 * total:
        # Cleaning would throw away nearly everything (a list, a poem, a table): keep it raw.
        spans = tuple((ln.start, ln.end) for ln in lines if ln.kind != "blank")
        result = [Section(fallback_title, spans)] if spans else []
    return result


def _mark_junk(lines: list[_Line]) -> int:
    """Mark boilerplate lines; return the index where appended related stories begin (or len)."""
    related_from = len(lines)
    prev: _Line | None = None
    for i, ln in enumerate(lines):
        if ln.kind != "content":
            continue  # blank, or already marked by a rule looking ahead
        t = ln.text
        if _RELATED.match(t):
            ln.kind = "junk"
            related_from = min(related_from, i)
        elif _BOILERPLATE.search(t) or _META.match(t):
            ln.kind = "junk"
            nxt = _next_nonblank(lines, i)
            if t.lower() == "by" and nxt is not None and lines[nxt].words <= 4:
                lines[nxt].kind = "junk"  # the author's name on the line after a bare "By"
        elif prev is not None and t == prev.text and len(t) < 160:
            ln.kind = prev.kind = "junk"  # photo credit or caption printed twice
        elif t.endswith("|"):
            ln.kind = "junk"  # "caption |" then a one-to-three-word credit
            nxt = _next_nonblank(lines, i)
            if nxt is not None and lines[nxt].words <= 3:
                lines[nxt].kind = "junk"
        prev = ln
    return related_from


def _next_nonblank(lines: list[_Line], i: int, kinds=("content", "heading", "junk")) -> int | None:
    for j in range(i + 1, len(lines)):
        if lines[j].kind in kinds:
            return j
    return None


def _mark_headings(lines: list[_Line]) -> None:
    """A short title-like line is a heading when text or another heading follows it (read backwards)."""
    first = next((i for i, ln in enumerate(lines) if ln.kind == "content"), None)
    following = None  # the next content or heading line below, while walking up
    for i in range(len(lines) - 1, -1, -1):
        ln = lines[i]
        if ln.kind != "content":
            continue
        nxt_is_text = following is not None and (following.kind == "heading" or _is_paragraph(following, ln.words))
        if ln.text.startswith("#") or (_is_title_like(ln, 30 if i == first else 16) and (nxt_is_text or i == first)):
            ln.kind = "heading"
        elif ln.words <= 4 and ln.text[-1] not in ".!?\"\u201d" and not _in_list(lines, i):
            ln.kind = "junk"  # byline, source name, label: a fragment, not a sentence
            continue
        following = ln


def _is_paragraph(line: _Line, than_words: int) -> bool:
    long_enough = line.words > max(than_words, 8)
    return long_enough and (line.words >= 20 or line.text[-1] in ".!?\"\u201d\u2019'")


def _in_list(lines: list[_Line], i: int) -> bool:
    """A list item counts as content only among other list items (a lone '- Source' is a label)."""
    if not _LIST_ITEM.match(lines[i].text):
        return False
    near = [j for j in (i - 1, i + 1) if 0 <= j < len(lines) and lines[j].kind != "blank"]
    return any(_LIST_ITEM.match(lines[j].text) for j in near)


def _group(lines: list[_Line], related_from: int, fallback_title: str) -> list[Section]:
    out: list[Section] = []
    doc_title, title, spans = "", fallback_title, []

    def flush():
        if spans:
            out.append(Section(title, tuple(spans)))

    for i, ln in enumerate(lines):
        if ln.kind == "heading":
            name = ln.text.lstrip("#").strip()
            flush()
            spans = []
            if i >= related_from:
                title = name  # an appended story: its own headline, not the page's
            elif not doc_title:
                doc_title = title = name
            else:
                title = f"{doc_title} \u203a {name}" if name != doc_title else doc_title
        elif ln.kind == "content":
            in_related = i >= related_from
            if in_related and (not spans and title in (doc_title, fallback_title)):
                continue  # text after a "related" marker but before any headline: not an article
            spans.append((ln.start, ln.end))
    flush()
    return out
