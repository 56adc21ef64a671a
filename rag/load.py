"""Read one document file into its *source text*: the string every offset and citation points into.

.txt and .md: the file decoded as UTF-8 (other encodings are detected; undecodable or binary
files are refused). .html: the visible text, one block per line. .pdf and .docx: the text
llama-index's file readers extract (pypdf, docx2txt). Cleaning happens later (`rag.clean`)
and never changes this text, so `source_text[start:end]` is always the quoted span.
Not here: scanning folders (`rag.ingest`), boilerplate removal, chunking.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import DocumentError

MAX_FILE_BYTES = 20 * 1024 * 1024  # larger files are skipped with a message, not half-read


@dataclass(frozen=True)
class SourceText:
    source: str  # path relative to the documents folder, with '/' separators
    text: str
    sha: str  # sha256 of the file's bytes


def file_sha(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_source(path: Path, source: str, max_bytes: int = MAX_FILE_BYTES) -> SourceText:
    """Read `path` into a SourceText or raise DocumentError saying why not."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise DocumentError(f"file is {size / 2**20:.1f} MB, over the {max_bytes / 2**20:.0f} MB limit")
        data = path.read_bytes()
    except OSError as e:
        raise DocumentError(f"cannot read file: {e.strerror or e}") from e
    suffix = path.suffix.lower()
    if suffix in (".txt", ".md"):
        text = decode_text(data)
    elif suffix in (".html", ".htm"):
        text = html_to_text(decode_text(data))
    elif suffix == ".pdf":
        text = _read_with_llama_index(path, "pdf")
    elif suffix == ".docx":
        text = _read_with_llama_index(path, "docx")
    else:
        raise DocumentError(f"unsupported file type {suffix or '(none)'}")
    if not text.strip():
        raise DocumentError("no text in file")
    return SourceText(source, text, hashlib.sha256(data).hexdigest())


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


_SKIP_TAGS = ("script", "style", "noscript", "nav", "footer", "header", "aside", "form", "svg", "button")


def html_to_text(html: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(list(_SKIP_TAGS)):
        tag.decompose()
    text = soup.get_text("\n")
    lines = [re.sub(r"[ \t\u00a0]+", " ", ln).strip() for ln in text.splitlines()]
    return "\n".join(ln for ln in lines if ln) + "\n"


def _read_with_llama_index(path: Path, kind: str) -> str:
    try:
        if kind == "pdf":
            from llama_index.readers.file import PDFReader

            docs = PDFReader(return_full_document=False).load_data(path)
        else:
            from llama_index.readers.file import DocxReader

            docs = DocxReader().load_data(path)
    except Exception as e:  # the readers raise anything from struct errors to KeyError on broken files
        raise DocumentError(f"cannot parse {kind.upper()}: {type(e).__name__}: {e}") from e
    # Pages / parts are joined with a blank line so a sentence never runs across them.
    return "\n\n".join(d.text.strip() for d in docs if d.text and d.text.strip()) + "\n"
