"""The document model every reader returns and everything downstream consumes.

`Document.text` is the *source text*: the string every offset and citation points into
(`text[start:end]` is always the quoted span). For .txt/.md it is the file itself; for .html,
.pdf and .docx it is the text we extract, kept as close to the original as possible (a PDF's
soft-hyphen marks become "-\\n", its "\\r\\n" line ends "\\n", pages are separated by "\\n\\f\\n").
`blocks` are the units of content (paragraphs, headings, list items, table rows) in reading
order; `body_spans` -- what gets indexed -- are their spans, so boilerplate, running headers
and page numbers are simply absent from `blocks`. Text is never rewritten in place: matching
and embedding use `rag.read.normalize` on a span, the citation quotes the span itself.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field

# Bumped whenever a reader's output changes: the index records it (with the boilerplate model's
# hash, see `reader_stamp`) and re-reads every file. 20: each passage also records the periods its
# document's tables date (`rag.read.periods`, written by `rag.ingest`).
READER_VERSION = 20

# meta: a byline or dateline; table_head: a table's title, unit line or column headers (they label the
# rows, `Block.header`, and are never an answer themselves)
BLOCK_KINDS = ("heading", "paragraph", "list_item", "table_row", "table_head", "code", "meta")


@dataclass(frozen=True)
class Block:
    """One unit of content: a span of `Document.text` and what kind of thing it is.

    `level` is a heading's depth (1 = title); `page` is 1-based for paginated formats (0 otherwise);
    `header` is a table row's column headers as text (so "Inventories 4,454 2,605" can be read as
    "Inventories | Jun 2023 | Sep 2022"), empty elsewhere. `cont`: the start of an earlier paragraph or
    list item whose unfinished sentence this paragraph goes on with, across a page or column break or
    past what lies between (page furniture, a figure, a caption, footnotes); None for most blocks.
    `rag.chunk` reads the two as one text. A block stays on its page: no span covers what lies between.
    """

    kind: str
    start: int
    end: int
    level: int = 0
    page: int = 0
    header: str = ""
    cont: int | None = None


@dataclass(frozen=True)
class Metadata:
    title: str = ""
    author: str = ""
    date: str = ""  # as the document gives it (ISO 8601 where the reader could parse it)
    site: str = ""
    pages: int = 0  # page count, paginated formats only

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v}


@dataclass(frozen=True)
class Document:
    source: str  # path relative to the documents folder, '/' separators
    text: str
    sha: str  # sha256 of the file's bytes
    format: str  # txt | md | html | pdf | docx
    blocks: tuple[Block, ...] = ()
    pages: tuple[tuple[int, int], ...] = ()  # (start, end) of each page in `text`; () if not paginated
    metadata: Metadata = field(default_factory=Metadata)

    @property
    def body_spans(self) -> tuple[tuple[int, int], ...]:
        return tuple((b.start, b.end) for b in self.blocks)

    def page_at(self, offset: int) -> int:
        """1-based page holding `offset`; 0 for documents without pages."""
        if not self.pages:
            return 0
        i = bisect.bisect_right([s for s, _ in self.pages], offset)
        return max(1, i)


def reader_stamp() -> str:
    """What the index records about reading: the reader version and the learned models it uses."""
    import hashlib
    from pathlib import Path

    model = Path(__file__).resolve().parent.parent / "models" / "boilerplate.json"
    tag = hashlib.sha1(model.read_bytes()).hexdigest()[:8] if model.exists() else "none"
    return f"{READER_VERSION}/boilerplate-{tag}"
