"""One configuration object. Precedence: explicit arguments, then environment variables, then defaults.

Environment: RAG_DOCS_DIR, RAG_INDEX_DIR, RAG_CHROMA_URL, RAG_TOP_K, RAG_EMBEDDER,
RAG_LLM (none|openai|ollama), RAG_LLM_BASE_URL, RAG_LLM_MODEL, RAG_LLM_API_KEY, RAG_LLM_TIMEOUT,
RAG_COLLECTION, RAG_COLLECTIONS_DIR, RAG_READ_SECONDS, RAG_READ_MEMORY_MB, RAG_MAX_PAGES.

Collections: "default" is the documents folder above with its index; any other name lives under
`collections_dir` (the data directory) as <name>/docs and <name>/index, with Chroma collection names of
its own. Without RAG_DOCS_DIR, "default" is the demo documents that come with the project (seeds/),
which are read-only (`Config.read_only`): users' documents never land in the source tree.
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass, fields, replace
from pathlib import Path

from .errors import RagError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_DOCS = PROJECT_ROOT / "seeds"  # the demo documents: part of the source tree, so read-only
SCHEMA_VERSION = 2  # 2: sentences carry page, kind, header and the verbatim quote
SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf", ".docx")
DEFAULT_COLLECTION = "default"
COLLECTION_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")  # also safe as a folder and in Chroma names

# field name -> (environment variable, type)
_ENV = {
    "docs_dir": ("RAG_DOCS_DIR", Path),
    "index_dir": ("RAG_INDEX_DIR", Path),
    "chroma_url": ("RAG_CHROMA_URL", str),
    "top_k": ("RAG_TOP_K", int),
    "embedder": ("RAG_EMBEDDER", str),
    "llm": ("RAG_LLM", str),
    "llm_base_url": ("RAG_LLM_BASE_URL", str),
    "llm_model": ("RAG_LLM_MODEL", str),
    "llm_api_key": ("RAG_LLM_API_KEY", str),
    "llm_timeout": ("RAG_LLM_TIMEOUT", float),
    "collection": ("RAG_COLLECTION", str),
    "collections_dir": ("RAG_COLLECTIONS_DIR", Path),
    "read_seconds": ("RAG_READ_SECONDS", float),
    "read_memory_mb": ("RAG_READ_MEMORY_MB", int),
    "max_pages": ("RAG_MAX_PAGES", int),
}


def _default_docs_dir() -> Path:
    return BUNDLED_DOCS


@dataclass(frozen=True)
class Config:
    docs_dir: Path = None  # type: ignore[assignment]  # None -> <project>/seeds
    index_dir: Path | None = None  # None -> ./.rag-index/<docs folder name>-<hash>
    chroma_url: str = ""  # "" -> embedded PersistentClient under index_dir
    # The named document set: "default" is docs_dir; others default to <collections_dir>/<name>/docs.
    collection: str = DEFAULT_COLLECTION
    collections_dir: Path | None = None  # None -> ./.rag-collections
    # "onnx": int8 export of the same MiniLM (rag.onnx_embed), ~2x faster and no torch import on the
    # query path; "minilm": the sentence-transformers reference. Retrieval quality measured equal (eval/).
    embedder: str = "onnx"
    # Chunking: all-MiniLM-L6-v2 reads at most 256 word pieces, so chunks stay well below that.
    chunk_tokens: int = 160
    overlap_tokens: int = 40
    top_k: int = 5
    answer_chunks: int = 5  # chunks whose sentences compete to be the answer (8 measured worse on dev)
    max_question_chars: int = 2000
    llm: str = "none"
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: str = ""
    llm_timeout: float = 60.0
    # Reading one document (`rag.read.worker`): time budget, the reader's memory cap, PDF pages.
    # None -> the measured defaults there (README, "Limits").
    read_seconds: float | None = None
    read_memory_mb: int | None = None
    max_pages: int | None = None

    @classmethod
    def load(cls, **overrides) -> "Config":
        """Build a config: non-None keyword arguments win over RAG_* environment variables over defaults."""
        names = {f.name for f in fields(cls)}
        unknown = set(overrides) - names
        if unknown:
            raise RagError(f"unknown config option(s): {', '.join(sorted(unknown))}")
        values = {}
        for name, (env, typ) in _ENV.items():
            raw = os.environ.get(env)
            if raw not in (None, ""):
                try:
                    values[name] = typ(raw)
                except ValueError as e:
                    raise RagError(f"{env}={raw!r} is not a valid {typ.__name__}") from e
        values.update({k: v for k, v in overrides.items() if v is not None})
        cfg = cls(**values)
        check_collection_name(cfg.collection)
        root = Path(cfg.collections_dir) if cfg.collections_dir is not None else Path.cwd() / ".rag-collections"
        named = cfg.collection != DEFAULT_COLLECTION
        docs = Path(cfg.docs_dir) if cfg.docs_dir is not None else (
            root / cfg.collection / "docs" if named else _default_docs_dir())
        index = Path(cfg.index_dir) if cfg.index_dir is not None else (
            root / cfg.collection / "index" if named else default_index_dir(docs))
        cfg = replace(cfg, docs_dir=docs.expanduser().resolve(), index_dir=index.expanduser().resolve(),
                      collections_dir=root.expanduser().resolve(), llm=cfg.llm.lower().strip() or "none")
        cfg.validate()
        return cfg

    def validate(self) -> None:
        if self.llm not in ("none", "openai", "ollama"):
            raise RagError(f"RAG_LLM must be none, openai or ollama, not {self.llm!r}")
        if self.embedder not in ("minilm", "onnx"):
            raise RagError(f"embedder must be 'minilm' or 'onnx', not {self.embedder!r}")
        if not 32 <= self.chunk_tokens <= 210:
            raise RagError("chunk_tokens must be between 32 and 210 (the model reads 256 word pieces, title included)")
        if not 0 <= self.overlap_tokens < self.chunk_tokens:
            raise RagError("overlap_tokens must be >= 0 and smaller than chunk_tokens")
        if self.top_k < 1:
            raise RagError("top_k must be at least 1")
        for name in ("read_seconds", "read_memory_mb", "max_pages"):
            if getattr(self, name) is not None and getattr(self, name) <= 0:
                raise RagError(f"{name} must be positive")

    @property
    def chroma_prefix(self) -> str:
        """Chroma collection names are <prefix>_chunks etc.; "rag" for the default collection, as before
        collections existed, so its existing indexes stay valid."""
        return "rag" if self.collection == DEFAULT_COLLECTION else f"rag-{self.collection}"

    def for_collection(self, name: str) -> "Config":
        """This configuration for the collection `name`: its own folders (under collections_dir) and index."""
        check_collection_name(name)
        if name == self.collection:
            return self
        if name == DEFAULT_COLLECTION:
            raise RagError("the default collection's folders come from Config.load(), not from another collection")
        root = Path(self.collections_dir or Path.cwd() / ".rag-collections")
        return replace(self, collection=name, docs_dir=root / name / "docs", index_dir=root / name / "index")

    @property
    def read_only(self) -> bool:
        """Whether uploads and removals are refused: the documents folder is the bundled demo set."""
        return is_bundled(self.docs_dir)

    @property
    def server_folders(self) -> tuple[Path, ...]:
        """The folders this server keeps to itself: messages for the UI and the API leave them out
        (`rag.errors.public_message`)."""
        return tuple(Path(p) for p in (self.docs_dir, self.index_dir, self.collections_dir, PROJECT_ROOT,
                                       Path.cwd(), tempfile.gettempdir(), os.path.expanduser("~")) if p)

    @property
    def chunking(self) -> str:
        """What the index records about chunking; a different value forces a rebuild."""
        return f"sentences/tokens={self.chunk_tokens}/overlap={self.overlap_tokens}"


def check_collection_name(name) -> str:
    if not isinstance(name, str) or not COLLECTION_NAME.match(name):
        raise RagError(f"collection name {name!r} is not allowed: use 1-63 lowercase letters, digits, '-' "
                       "or '_', starting with a letter or digit")
    return name


def is_bundled(docs_dir) -> bool:
    """Whether docs_dir is the demo documents that come with the project (read-only)."""
    return Path(docs_dir).resolve() == BUNDLED_DOCS.resolve()


def default_index_dir(docs_dir: Path) -> Path:
    docs = docs_dir.expanduser().resolve()
    tag = hashlib.sha1(str(docs).encode()).hexdigest()[:8]
    return Path.cwd() / ".rag-index" / f"{docs.name or 'docs'}-{tag}"
