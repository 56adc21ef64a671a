"""Chat with your documents, offline: grounded answers with citations to the exact source span.

    from rag import ask, Assistant
    print(ask("What tariff applies to Japanese steel?"))
    doc = read_document("report.pdf")   # text, blocks, pages, metadata as the index reads it

Nothing heavy is imported here; models and stores load on first use.
"""
from .assistant import Assistant, ask
from .config import Config
from .errors import (DocumentError, IndexBusyError, IndexMismatchError, IndexStateError, InvalidQuestionError,
                     LLMError, RagError)
from .read import Document, read_document
from .types import Answer, Citation, DocumentInfo, Hit, IngestProgress, IngestReport

__all__ = [
    "ask", "Assistant", "Answer", "Citation", "Hit", "DocumentInfo", "IngestProgress", "IngestReport", "Config", "read_document", "Document",
    "RagError", "InvalidQuestionError", "DocumentError", "IndexStateError", "IndexMismatchError",
    "IndexBusyError", "LLMError",
]
