"""The one error hierarchy: callers catch `RagError`; the CLI and UI turn it into a message."""


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


class LLMError(RagError):
    """An LLM backend failed, timed out, or gave an unusable reply."""


class InvalidFilterError(RagError, ValueError):
    """A metadata filter has an unknown key or a value of the wrong kind."""


class NotFoundError(RagError):
    """No collection or document of that name."""


class ConflictError(RagError):
    """The thing already exists, or another operation on it is running."""


class StoreUnavailableError(IndexStateError):
    """The Chroma server cannot be reached."""


class TooLargeError(RagError):
    """A request or an uploaded file is over the size limit."""
