"""Result types: frozen dataclasses with a readable `__str__`. No behaviour beyond formatting."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Span:
    """A stored text span: where it is in its source file and what it says. Every sentence and
    passage the index returns is read as one (`Record.span`); a `Hit` and a `Citation` are views of
    it with a score, built by `Hit.of` and `Citation.of`.

    `text` is the span as the answer reads it (hyphenation joined); `quote` the verbatim
    `source_text[start:end]`; `kind` the unit's kind ("sentence", "heading", "table_row",
    "table_head", "list_item"; "" for a passage); `header` a table row's encoded title, unit line
    and column labels (`rag.read.table`); `chunk` the id of the passage a sentence belongs to;
    `title` its document's title (stored with passages).
    """

    source: str
    start: int
    end: int
    text: str = ""
    line_start: int = 0
    line_end: int = 0
    page: int = 0
    section: str = ""
    kind: str = ""
    quote: str = ""
    header: str = ""
    chunk: str = ""
    title: str = ""

    @classmethod
    def from_meta(cls, meta: dict, text: str) -> "Span":
        """The span of a stored record: its text and the metadata ingest wrote beside it (Chroma
        keeps flat string/number metadata, so this is the one place its keys are read)."""
        return cls(meta["source"], int(meta["start"]), int(meta["end"]), text, int(meta.get("line_start", 0) or 0),
                   int(meta.get("line_end", 0) or 0), int(meta.get("page", 0) or 0), meta.get("section", "") or "",
                   meta.get("kind", "") or "", meta.get("quote", text), meta.get("header", "") or "",
                   meta.get("chunk", "") or "", meta.get("title", "") or "")

    def overlaps(self, other: "Span") -> bool:
        return self.source == other.source and self.start < other.end and other.start < self.end


@dataclass(frozen=True)
class Citation:
    """One numbered source of an answer: a verbatim span of the original file.

    `quote == source_text[start:end]` where source_text is `rag.read_document(path).text` (the file
    decoded as UTF-8; for .pdf/.docx/.html the text extracted from it); lines and pages are
    1-based, `page` is 0 for formats without pages. `text` is the same span as the answer reads
    it (a PDF's hyphenation joined, line breaks as spaces). `context` says what a table row's figures
    are: its table's title and unit line and the column labels, so a bare row of numbers can be read.
    """

    n: int
    source: str
    start: int
    end: int
    line_start: int
    line_end: int
    quote: str
    score: float
    section: str = ""
    page: int = 0
    text: str = ""
    context: str = ""  # a table row's title, unit line and column labels ("" elsewhere): what its figures are

    @classmethod
    def of(cls, n: int, span: Span, score: float, context: str = "") -> "Citation":
        return cls(n, span.source, span.start, span.end, span.line_start, span.line_end, span.quote or span.text,
                   round(score, 4), span.section, span.page, span.text, context)

    @property
    def location(self) -> str:
        return location(self.page, self.line_start, self.line_end)

    def __str__(self) -> str:
        return f"[{self.n}] {self.source}, {self.location}: \u201c{self.text or self.quote}\u201d"


def location(page: int, line_start: int, line_end: int) -> str:
    """Where a span is, as a reader looks for it: the page of a PDF, else the lines."""
    if page:
        return f"p. {page}"
    return f"line {line_start}" if line_start == line_end else f"lines {line_start}\u2013{line_end}"


@dataclass(frozen=True)
class Hit:
    """A retrieved passage (chunk) with its span in the original file."""

    source: str
    start: int
    end: int
    text: str
    score: float
    chunk_id: str = ""
    section: str = ""
    line_start: int = 0
    line_end: int = 0
    page: int = 0

    @classmethod
    def of(cls, span: Span, score: float, chunk_id: str = "") -> "Hit":
        return cls(span.source, span.start, span.end, span.text, round(score, 6), chunk_id, span.section,
                   span.line_start, span.line_end, span.page)

    @property
    def location(self) -> str:
        return location(self.page, self.line_start, self.line_end)


@dataclass(frozen=True)
class Notice:
    """Streamed before the text when the answer shown is not the one asked for (the LLM's answer
    could not be checked, so the extractive one follows); the final Answer carries it too."""

    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Answer:
    """What `ask()` returns. `text` carries [n] markers, one `Citation` per marker."""

    question: str
    text: str
    citations: tuple[Citation, ...] = ()
    abstained: bool = False
    hits: tuple[Hit, ...] = field(default=(), repr=False, compare=False)  # the passages it quotes first, then as retrieved
    mode: str = "extractive"
    notice: str = ""  # e.g. why an LLM answer was replaced by the extractive one
    resolved: str = ""  # a follow-up as searched for and answered ("And Gaming?" -> "What was Gaming revenue ...?")

    def __str__(self) -> str:
        parts = [self.text]
        if self.notice:
            parts.append(f"({self.notice})")
        if self.citations:
            parts.append("Sources:\n" + "\n".join(str(c) for c in self.citations))
        return "\n\n".join(parts)


@dataclass(frozen=True)
class DocumentInfo:
    """One indexed document as a listing shows it: `source` is its path relative to the documents folder."""

    source: str
    title: str  # from the document's metadata, else the file name
    format: str  # "pdf", "html", "txt", "md", "docx"
    size: int  # bytes on disk
    pages: int  # 0 for formats without pages
    passages: int  # chunks in the index
    author: str = ""
    date: str = ""


@dataclass(frozen=True)
class IngestProgress:
    """Where a running ingest stands, as `on_progress` receives it.

    stage: "scan", "read" (reading and chunking `source`), "embed", "store" or "done".
    fraction: 0..1 of the run's work, counted as each file's reading (a tenth of its share) plus
    its passages embedded and stored (the rest), so one large PDF advances as its chunks embed.
    eta_s: seconds left at the pace so far (None until there is a pace to go by).
    """

    stage: str
    files_done: int = 0
    files_total: int = 0
    source: str = ""
    chunks_done: int = 0  # passages embedded so far (stored once the stage after 'store' is reported)
    chunks_total: int = 0  # passages found in the files read so far
    fraction: float = 0.0
    eta_s: float | None = None
    # the file(s) being embedded and stored now (`source`): their passages done and in all, so a
    # progress line counts per file, not across the run
    source_chunks_done: int = 0
    source_chunks_total: int = 0

    def __str__(self) -> str:
        what = {"scan": "Scanning the documents folder", "read": f"Reading {self.source}",
                "embed": "Embedding passages", "store": "Storing passages", "done": "Done"}.get(self.stage, self.stage)
        eta = f", about {self.eta_s:.0f} s left" if self.eta_s is not None and self.stage != "done" else ""
        return (f"{what} ({self.files_done}/{self.files_total} files, {self.chunks_done} passages, "
                f"{self.fraction:.0%}{eta})")


@dataclass(frozen=True)
class IngestReport:
    """What an ingest changed. File names are relative to the documents folder."""

    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    skipped: tuple[tuple[str, str], ...] = ()  # (file, reason)
    chunks: int = 0  # chunks written by this run
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def __str__(self) -> str:
        s = (f"added {len(self.added)}, updated {len(self.updated)}, removed {len(self.removed)}, "
             f"unchanged {len(self.unchanged)}, skipped {len(self.skipped)}; "
             f"{self.chunks} chunks written in {self.seconds:.1f}s")
        for name, why in self.skipped:
            s += f"\n  skipped {name}: {why}"
        return s
