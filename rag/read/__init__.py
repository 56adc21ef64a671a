"""Read one file into a `Document`: its source text, content blocks, pages and metadata.

    from rag import read_document
    doc = read_document("paper.pdf")
    doc.metadata.title, doc.pages[:2], [doc.text[b.start:b.end] for b in doc.blocks[:3]]

One module per format (`text`, `html`, `pdf`, `docx`); each returns a `Document` whose blocks
leave out only what is not content (web-page furniture, running headers, page numbers). Limits
checked before the work: file size, PDF pages, a .docx's zip sizes and paragraphs; `worker` adds a
time budget and a memory cap, and is how ingest reads. `check_upload` is what can be told without parsing.
Not here: sentence splitting and chunking (`rag.chunk`), folders and the index (`rag.ingest`).
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from ..config import SUPPORTED_SUFFIXES
from ..errors import DocumentError
from .document import READER_VERSION, Block, Document, Metadata

MAX_FILE_BYTES = 20 * 1024 * 1024  # larger files are skipped with a message, not half-read
# Ten times the longest real PDF measured (190 pages, README "Limits"): a 20 MB file can hold a million
# empty pages, which the reader would walk one by one.
MAX_PAGES = 2_000

__all__ = ["read_document", "check_upload", "Document", "Block", "Metadata", "READER_VERSION", "MAX_FILE_BYTES",
           "MAX_PAGES", "SUPPORTED_SUFFIXES", "file_sha"]


def file_sha(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def check_upload(data: bytes, suffix: str) -> None:
    """DocumentError for content that can be refused without parsing it: blank or binary text, a PDF
    without its header, a .docx whose zip directory is over the limits. What an upload gets before it is
    saved; reading it whole is the ingest's job, in a worker (`rag.read.worker`)."""
    suffix = suffix.lower()
    if suffix in (".txt", ".md", ".html", ".htm"):
        from .text import _looks_binary

        if _looks_binary(data):
            raise DocumentError("binary content, not text")
        if not data.strip():
            raise DocumentError("no text in file")
    elif suffix == ".pdf" and b"%PDF" not in data[:1024]:
        raise DocumentError("not a PDF file (no %PDF header)")
    elif suffix == ".docx":
        from .docx import check_zip

        check_zip(data, body=False)


def read_document(path: str | Path, source: str | None = None, max_bytes: int = MAX_FILE_BYTES,
                  max_pages: int | None = MAX_PAGES) -> Document:
    """Read `path` into a Document or raise DocumentError saying why not.

    `source` is the name citations show (default: the file name). In this process and without a time
    limit: ingest reads through `rag.read.worker`, which bounds time and memory too.
    """
    path = Path(path)
    source = source or path.name
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise DocumentError(f"file is {size / 2**20:.1f} MB, over the {max_bytes / 2**20:.0f} MB limit")
        data = path.read_bytes()
    except OSError as e:
        raise DocumentError(f"cannot read file: {e.strerror or e}") from e
    sha = hashlib.sha256(data).hexdigest()
    suffix = path.suffix.lower()
    if suffix in (".txt", ".md"):
        from .text import read_text

        doc = read_text(data, source, sha, markdown=suffix == ".md")
    elif suffix in (".html", ".htm"):
        from .html import read_html

        doc = read_html(data, source, sha)
    elif suffix == ".pdf":
        from .pdf import read_pdf

        doc = read_pdf(data, source, sha, max_pages)
    elif suffix == ".docx":
        from .docx import read_docx

        doc = read_docx(data, source, sha)
    else:
        raise DocumentError(f"unsupported file type {suffix or '(none)'}")
    if not doc.text.strip():
        raise DocumentError("no text in file")
    from dataclasses import replace

    from .filing import filing_title
    from .fiscal import calendar_of, label_columns

    title = filing_title(doc.text)  # a filing's cover says what it is better than its metadata
    if title:
        doc = replace(doc, metadata=replace(doc.metadata, title=title))
    cal = calendar_of(doc.text) if any(b.header for b in doc.blocks) else None
    if cal:  # table columns say which fiscal year their dates fall in, where the text names other years
        doc = replace(doc, blocks=tuple(replace(b, header=label_columns(b.header, cal)) if b.header else b
                                        for b in doc.blocks))
    return doc
