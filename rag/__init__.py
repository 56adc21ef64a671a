"""Chat with your documents, offline: grounded answers with citations to the exact source span.

    from rag import ask, Assistant
    print(ask("What tariff applies to Japanese steel?"))
    doc = read_document("report.pdf")   # text, blocks, pages, metadata as the index reads it
    Library().get("team-a").ask("...", filters={"format": "pdf"})   # named collections, metadata filters

Nothing heavy is imported here; models and stores load on first use.
"""
from importlib import import_module

from .config import Config
from .errors import (ConflictError, DocumentError, IndexBusyError, IndexMismatchError, IndexStateError,
                     IngestCancelledError, InvalidFilterError, InvalidQuestionError, LLMError, NotFoundError, RagError,
                     ReadOnlyError, StoreUnavailableError)
from .filters import Filters
from .read import Document, read_document
from .types import Answer, Citation, DocumentInfo, Hit, IngestProgress, IngestReport, Notice

__all__ = [
    "ask", "Assistant", "Library", "Filters", "Answer", "Citation", "Notice", "Hit", "DocumentInfo", "IngestProgress", "IngestReport", "Config", "read_document", "Document",
    "RagError", "InvalidQuestionError", "DocumentError", "IndexStateError", "IndexMismatchError",
    "IndexBusyError", "IngestCancelledError", "LLMError", "InvalidFilterError", "NotFoundError", "ConflictError",
    "StoreUnavailableError", "ReadOnlyError",
]

# The pipeline loads on first use, so `python -m rag.read.worker` (a reader process) starts without it.
_LAZY = {"Assistant": "assistant", "ask": "assistant", "Library": "library"}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'rag' has no attribute {name!r}")
