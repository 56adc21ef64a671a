"""`Library`: the named collections (document sets) of one installation, one `Assistant` each.

"default" is the configured documents folder with its index (what `Assistant()` has always used);
every other collection is a folder <root>/<name>/docs with its index in <root>/<name>/index and
Chroma collections of its own (`Config.chroma_prefix`), so a shared Chroma server keeps them apart.
All assistants share one embedder (the model is loaded once). Thread-safe.
Not here: what a collection does (`Assistant`), serving them over HTTP (`rag.http`).
"""
from __future__ import annotations

import shutil
import threading
from dataclasses import replace
from pathlib import Path

from .assistant import Assistant
from .config import COLLECTION_NAME, DEFAULT_COLLECTION, Config, check_collection_name
from .errors import ConflictError, NotFoundError, RagError
from .ingest import ingest_lock


class Library:
    """    >>> lib = Library()
    >>> lib.create("team-a")                       # ./.rag-collections/team-a/docs, empty and indexed
    >>> lib.get("team-a").ask("...")
    >>> lib.names()                                # ["default", "team-a"]
    """

    def __init__(self, config: Config | None = None, *, embedder=None, root: str | Path | None = None):
        config = config or Config.load()
        if root is not None:
            config = replace(config, collections_dir=Path(root).expanduser().resolve())
        self.config = config
        self.root = Path(config.collections_dir or Path.cwd() / ".rag-collections").resolve()
        self._embedder = embedder
        self._assistants: dict[str, Assistant] = {}
        self._lock = threading.RLock()

    def _embedder_once(self):
        if self._embedder is None:
            from .embed import make_embedder

            self._embedder = make_embedder(self.config.embedder)
        return self._embedder

    def _config(self, name: str) -> Config:
        if name == DEFAULT_COLLECTION:
            return self.config if self.config.collection == DEFAULT_COLLECTION else Config.load(
                **{**self.config.__dict__, "collection": DEFAULT_COLLECTION, "docs_dir": None, "index_dir": None})
        return self.config.for_collection(name) if self.config.collection != name else self.config

    def names(self) -> list[str]:
        """"default" first, then the other collections sorted."""
        others = []
        if self.root.is_dir():
            others = sorted(d.name for d in self.root.iterdir()
                            if d.name != DEFAULT_COLLECTION and COLLECTION_NAME.match(d.name) and (d / "docs").is_dir())
        return [DEFAULT_COLLECTION] + others

    def exists(self, name: str) -> bool:
        return name == DEFAULT_COLLECTION or (isinstance(name, str) and bool(COLLECTION_NAME.match(name))
                                               and (self.root / name / "docs").is_dir())

    def get(self, name: str = DEFAULT_COLLECTION) -> Assistant:
        """The collection's Assistant (made once, then cached); NotFoundError for an unknown name."""
        with self._lock:
            a = self._assistants.get(name)
            if a is not None and (name == DEFAULT_COLLECTION or (self.root / name / "docs").is_dir()):
                return a
            self._assistants.pop(name, None)  # deleted by another process since
            if not self.exists(name):
                raise NotFoundError(f"no collection named {name!r}; collections: {', '.join(self.names())}")
            a = Assistant(config=self._config(name), embedder=self._embedder_once())
            self._assistants[name] = a
            return a

    def create(self, name: str) -> Assistant:
        """A new empty collection <root>/<name>/docs, indexed (empty) so it can be asked at once.
        ConflictError if it exists."""
        check_collection_name(name)
        with self._lock:  # only the check and the folder: other collections stay usable meanwhile
            if self.exists(name):
                raise ConflictError(f"collection {name!r} already exists")
            (self.root / name / "docs").mkdir(parents=True)
        try:
            a = self.get(name)
            a.store.drop()  # a Chroma server may still hold a deleted namesake's collections
            a.ingest(progress=False)
        except BaseException:
            with self._lock:
                shutil.rmtree(self.root / name, ignore_errors=True)
                self._assistants.pop(name, None)
            raise
        return a

    def delete(self, name: str) -> None:
        """Remove a collection: its documents folder, its index and its Chroma collections.
        Refuses "default" (its folder is the user's own); ConflictError while it is being ingested."""
        if name == DEFAULT_COLLECTION:
            raise RagError("the default collection cannot be deleted")
        with self._lock:
            a = self.get(name)
            with ingest_lock(Path(a.config.index_dir), wait_s=0):
                a.store.drop()
                a.store.close()
                shutil.rmtree(self.root / name)
            self._assistants.pop(name, None)
