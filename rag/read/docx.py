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


def read_docx(data: bytes, source: str, sha: str) -> Document:
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
                add(line, "table_row", header=header if i else "")
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
