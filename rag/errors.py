"""The one error hierarchy: callers catch `RagError`; the CLI and UI turn it into a message."""
import os
from pathlib import Path


class RagError(Exception):
    """Base class for every error this package raises on purpose."""


class InvalidQuestionError(RagError, ValueError):
    """The question is empty, whitespace or too long."""


class DocumentError(RagError):
    """A document could not be read, decoded or parsed."""


class IndexStateError(RagError):
    """The index is missing, incompatible, or busy."""


class IndexMismatchError(IndexStateError):
    """The index was built with another model, chunking or schema."""


class IndexBusyError(IndexStateError):
    """Another ingest holds the index lock."""


class IngestCancelledError(RagError):
    """An ingest was stopped before its end (its collection is being deleted); the index stays consistent."""


class LLMError(RagError):
    """An LLM backend failed, timed out, or gave an unusable reply."""


class InvalidFilterError(RagError, ValueError):
    """A metadata filter has an unknown key or a value of the wrong kind."""


class ReadOnlyError(RagError):
    """The documents folder may not be changed: the demo documents that come with the project."""


class NotFoundError(RagError):
    """No collection or document of that name."""


class ConflictError(RagError):
    """The thing already exists, or another operation on it is running."""


class StoreUnavailableError(IndexStateError):
    """The Chroma server cannot be reached."""


class TooLargeError(RagError):
    """A request or an uploaded file is over the size limit."""


def public_message(e: BaseException, folders=()) -> str:
    """The message of `e` for a user of the web UI or the HTTP API, who may be on another machine: the
    server's `folders` left out (a path inside one is shown relative to it, the folder itself by its
    name). The command line, on the server itself, shows paths whole."""
    text = str(e) or type(e).__name__
    names = {str(p): p.name for f in folders if f for p in (Path(f), Path(f).resolve()) if len(p.parts) > 1}
    for folder in sorted(names, key=len, reverse=True):  # the innermost first
        text = text.replace(folder + os.sep, "").replace(folder, names[folder])
    return text
