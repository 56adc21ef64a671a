"""Word documents: paragraphs, headings, list items and tables in document order (python-docx).

Source text: one line per paragraph and one per table row (cells joined by " | "), so spans
are stable and the viewer shows the document as read. Headings come from the paragraph style
("Title", "Heading N"), list items from list styles or numbering; a table's first row is its
header. Metadata from the file's core properties.
"""
from __future__ import annotations

import io

from ..errors import DocumentError
from .document import Block, Document, Metadata


# Limits checked on the zip's directory and the raw XML before python-docx parses anything: a 43 KB
# file holding a million empty paragraphs kept a core busy for 14 minutes, and a 190 KB one expanded
# to 158 MB in memory. Word files compress text about 3-10x (XML is repetitive); a book of 500 pages
# has some 10,000 paragraphs. The limits sit far above both, so only a crafted file meets them.
MAX_EXPANDED_BYTES = 200 * 2**20
MAX_RATIO = 100  # expanded / compressed, over the whole archive
MAX_PARAGRAPHS = 200_000


def check_zip(data: bytes, body: bool = True) -> None:
    """DocumentError naming the limit when a .docx would expand past what a real document needs. The sizes
    come from the zip's directory; `body` also counts the paragraphs, which unpacks the body's XML (an
    upload is checked without it, ingest with it)."""
    import zipfile

    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        infos = z.infolist()
    except (zipfile.BadZipFile, OSError) as e:
        raise DocumentError(f"cannot parse DOCX: {e}") from e
    expanded = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if expanded > MAX_EXPANDED_BYTES:
        raise DocumentError(f"the DOCX expands to {expanded // 2**20} MB, over the {MAX_EXPANDED_BYTES // 2**20} MB "
                            "limit for a document")
    if expanded / packed > MAX_RATIO:
        raise DocumentError(f"the DOCX expands {expanded / packed:.0f} times its packed size, over the limit of "
                            f"{MAX_RATIO} (a decompression bomb, not a document)")
    if not body:
        return
    try:
        xml = z.read("word/document.xml")
    except KeyError:
        return  # not a Word body: python-docx says so below
    paragraphs = xml.count(b"<w:p>") + xml.count(b"<w:p ") + xml.count(b"<w:p/>")
    if paragraphs > MAX_PARAGRAPHS:
        raise DocumentError(f"the DOCX has {paragraphs:,} paragraphs, over the limit of {MAX_PARAGRAPHS:,}")


def read_docx(data: bytes, source: str, sha: str) -> Document:
    check_zip(data)
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        d = docx.Document(io.BytesIO(data))
    except Exception as e:  # python-docx raises zipfile/KeyError/lxml errors on broken files
        raise DocumentError(f"cannot parse DOCX: {type(e).__name__}: {e}") from e
    parts: list[str] = []
    blocks: list[Block] = []
    pos = 0

    def add(line: str, kind: str | None, level: int = 0, header: str = "") -> None:
        nonlocal pos
        line = " ".join(line.split())  # a docx paragraph may hold tabs and soft line breaks
        if not line:
            return
        if kind:
            blocks.append(Block(kind, pos, pos + len(line), level=level, header=header))
        parts.append(line)
        pos += len(line) + 1

    for el in d.element.body.iterchildren():
        tag = el.tag.rsplit("}", 1)[-1]
        if tag == "p":
            p = Paragraph(el, d)
            kind, level = _paragraph_kind(p)
            add(p.text, kind, level)
        elif tag == "tbl":
            header = ""
            for i, row in enumerate(Table(el, d).rows):
                cells = []
                for c in row.cells:  # merged cells repeat: keep each once
                    t = " ".join(c.text.split())
                    if not cells or cells[-1] != t:
                        cells.append(t)
                line = " | ".join(cells)
                if i == 0:
                    header = line
                add(line, "table_row" if i else "table_head", header=header if i else "")
    text = "\n".join(parts) + "\n"
    props = d.core_properties
    title = props.title or next((text[b.start:b.end] for b in blocks if b.kind == "heading"), "")
    date = props.created.date().isoformat() if props.created else ""
    return Document(source, text, sha, "docx", tuple(blocks), (), Metadata(title=title, author=props.author or "", date=date))


def _paragraph_kind(p) -> tuple[str, int]:
    style = (p.style.name if p.style is not None else "") or ""
    low = style.lower()
    if low == "title":
        return "heading", 1
    if low.startswith("heading"):
        digits = "".join(ch for ch in low if ch.isdigit())
        return "heading", (int(digits) + 1 if digits else 2)
    numbered = p._p.pPr is not None and p._p.pPr.numPr is not None
    if low.startswith("list") or numbered:
        return "list_item", 0
    return "paragraph", 0
