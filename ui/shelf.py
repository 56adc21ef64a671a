"""One collection as the UI uses it: its Assistant, its listing and the source viewer's HTML.

The listing (`Assistant.documents()`) and a few recently opened documents are cached, because
the viewer re-reads a file on every citation click and a PDF takes a while to read; the listing
is refreshed after every change the UI makes, a document when its file changes.
Not here: gradio (`ui.app` and the tabs), the HTML itself (`ui.render`), PDF pages (`ui.pdf_view`).
"""
from __future__ import annotations

import html
import os
import threading
from datetime import datetime
from pathlib import Path

from rag import RagError
from rag.errors import public_message
from rag.types import location

from .render import parse_cite_token, source_view_html

_KEEP = 6  # documents kept read


class Shelf:
    def __init__(self, assistant):
        self.assistant = assistant
        self.docs_dir = Path(assistant.config.docs_dir)
        self._docs = None  # the latest assistant.documents()
        self._read: dict[tuple, object] = {}  # (source, mtime_ns, size) -> rag.Document
        self._lock = threading.Lock()

    def documents(self, fresh: bool = False):
        """The indexed documents (`rag.DocumentInfo`), re-listed when `fresh`."""
        if fresh or self._docs is None:
            self._docs = self.assistant.documents()
        return self._docs

    def pending(self) -> list[tuple[str, str]]:
        """The folder's files that are not in the index, with why (`Assistant.pending`; no server paths)."""
        try:
            return [(source, self.message(RagError(why))) for source, why in self.assistant.pending()]
        except RagError:  # the folder is gone (a deleted collection): nothing to list
            return []

    def titles(self) -> dict[str, str]:
        return {d.source: d.title for d in self.documents()}

    def forget(self) -> None:
        """Drop the cached documents (after files were removed or replaced)."""
        with self._lock:
            self._read.clear()

    def indexed_at(self) -> str:
        """When the index was last written (newest file under it), for the start screen."""
        newest = 0.0
        for root, _, names in os.walk(self.assistant.config.index_dir):
            for n in names:
                try:
                    newest = max(newest, os.stat(os.path.join(root, n)).st_mtime)
                except OSError:
                    pass
        return datetime.fromtimestamp(newest).strftime("%Y-%m-%d %H:%M") if newest else ""

    def document(self, source: str):
        """assistant.document(source), cached while the file is unchanged."""
        st = (self.docs_dir / source).stat()
        key = (source, st.st_mtime_ns, st.st_size)
        with self._lock:
            if key in self._read:
                return self._read[key]
        doc = self.assistant.document(source)  # (refuses paths outside the documents folder)
        with self._lock:
            if len(self._read) >= _KEEP:
                self._read.pop(next(iter(self._read)))
            self._read[key] = doc
        return doc

    def message(self, e: BaseException) -> str:
        """An error as the user reads it: without the server's folders."""
        return public_message(e, self.assistant.config.server_folders)

    def view_html(self, token: str) -> str:
        """The viewer on a citation token: for a PDF its page drawn with the span boxed, and the text
        with the span marked (the page's text for a PDF, else the whole document)."""
        try:
            source, start, end = parse_cite_token(token)
            try:
                doc = self.document(source)
            except FileNotFoundError:  # an answer outlives the file it cites
                return _note(f"This document was removed from the collection ({source}), so it cannot be shown.")
            text = doc.text
            page = doc.page_at(start)
            where = location(page, text.count("\n", 0, start) + 1, text.count("\n", 0, max(start, end - 1)) + 1)
            title = self.titles().get(source) or doc.metadata.title or source
            if doc.format == "pdf" and page and end <= len(text):
                from rag.read.pdf import PDFIUM_LOCK  # PDFium is not thread-safe

                from .pdf_view import page_view

                with PDFIUM_LOCK:
                    view = page_view(self.docs_dir.resolve() / source, page, text[start:end])
                return source_view_html(source, text, start, end, where, title, view, page, doc.pages[page - 1])
            return source_view_html(source, text, start, end, where, title)
        except (ValueError, RagError, OSError) as e:
            return _note(f"Cannot show this source: {self.message(e)}")


def _note(text: str) -> str:
    return f'<p class="rag-note">{html.escape(text)}</p>'

