"""Chroma storage: the one place that talks to chromadb and unpacks its nested parallel lists.

Three collections per index:
  <name>_chunks     retrieval passages, cosine space, embeddings computed by us
  <name>_sentences  every sentence with its own embedding, for choosing the answer sentence
  <name>_files      the manifest: one record per file (live hash, pending hash, deleting flag)
The manifest is the commit point of an ingest: a chunk is *live* only when its file's manifest
hash equals the chunk's hash, so readers never see a file half-replaced (see `rag.ingest`).
Embedded `PersistentClient` under the index folder, or `HttpClient` for a Chroma server.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Iterable
from urllib.parse import urlparse

import numpy as np

from .config import SCHEMA_VERSION, Config
from .errors import IndexMismatchError, IndexStateError, StoreUnavailableError
from .types import Span

_META_ID = "__meta__"  # the manifest record holding the index generation
# How widely Chroma's HNSW graph is searched (its default is 100). At 100 the same question vectors
# got different top-20 passage lists from one process to the next (2 and 4 of 60 questions over the
# conversations index, 6k passages; recall against an exact search 0.989), so an answer could change
# after a restart; at 400: recall 0.999 and three processes gave identical lists, for ~1.5 ms more a
# query (8k sentences: 4.1 -> 5.8 ms).
EF_SEARCH = 400


@dataclass(frozen=True)
class FileRecord:
    sha: str  # live version ("" while a new file is being written)
    pending: str = ""  # version being written; rolled back if the ingest died
    deleting: bool = False  # removal started; finished by the next ingest


@dataclass(frozen=True)
class Record:
    """One chunk or sentence as stored: id, text, metadata, similarity (queries only), embedding (on request)."""

    id: str
    text: str
    meta: dict
    score: float = 0.0
    vector: np.ndarray | None = None

    @cached_property
    def span(self) -> Span:
        """Where it is and what it says, read from `meta` once (`rag.types.Span`)."""
        return Span.from_meta(self.meta, self.text)


def sentence_id(source: str, sha: str, start: int, end: int) -> str:
    import hashlib

    return hashlib.sha1(f"{source}\x00{sha}".encode()).hexdigest()[:16] + f":{start}:{end}"


class Store:
    def __init__(self, cfg: Config, model_id: str):
        self.cfg = cfg
        from .read.document import reader_stamp

        # Anything that changes what is stored: a different value rebuilds the index.
        self.stamp = {"schema": SCHEMA_VERSION, "model": model_id, "chunking": cfg.chunking, "reader": reader_stamp()}
        self._client = None
        self._cols: dict[str, object] = {}

    # -- connection -------------------------------------------------------------------------
    @property
    def client(self):
        if self._client is None:
            import chromadb
            from chromadb.config import Settings

            settings = Settings(anonymized_telemetry=False)
            if self.cfg.chroma_url:
                url = urlparse(self.cfg.chroma_url)
                if not url.hostname:
                    raise IndexStateError(f"RAG_CHROMA_URL {self.cfg.chroma_url!r} is not a URL like http://host:8000")
                try:
                    self._client = chromadb.HttpClient(host=url.hostname, port=url.port or 8000,
                                                       ssl=url.scheme == "https", settings=settings)
                    self._client.heartbeat()
                except Exception as e:
                    raise StoreUnavailableError(f"cannot reach the Chroma server at {self.cfg.chroma_url}: {e}") from e
            else:
                path = Path(self.cfg.index_dir) / "chroma"
                path.mkdir(parents=True, exist_ok=True)
                self._client = chromadb.PersistentClient(path=str(path), settings=settings)
        return self._client

    def _name(self, kind: str) -> str:
        return f"{self.cfg.chroma_prefix}_{kind}"

    def _col(self, kind: str):
        col = self._cols.get(kind)
        if col is None:
            try:
                col = self.client.get_collection(self._name(kind))
            except Exception as e:  # chromadb raises NotFoundError / ValueError depending on version
                raise IndexStateError("the index does not exist yet: run ingest") from e
            self._cols[kind] = col
        return col

    def _call(self, kind: str, method: str, *args, **kwargs):
        """Call a collection method; if another process rebuilt the index (our cached handle now
        names a deleted collection), look the collection up again and retry once."""
        try:
            return getattr(self._col(kind), method)(*args, **kwargs)
        except Exception as e:
            if type(e).__name__ != "NotFoundError":
                raise
            self._cols.pop(kind, None)
            return getattr(self._col(kind), method)(*args, **kwargs)

    # -- lifecycle --------------------------------------------------------------------------
    def state(self) -> str:
        """'missing', 'ok', or 'mismatch' (built with another model, chunking or schema)."""
        try:
            meta = self.client.get_collection(self._name("chunks")).metadata or {}
            self.client.get_collection(self._name("sentences"))
            self.client.get_collection(self._name("files"))
        except Exception:
            return "missing"
        return "ok" if all(meta.get(k) == v for k, v in self.stamp.items()) else "mismatch"

    def damaged(self) -> bool:
        """True when Chroma cannot read a collection's vectors: what an embedded store can be left
        with when a process is killed while Chroma creates its vector segment. Nothing but a
        rebuild repairs it; the documents folder holds everything needed for one."""
        for kind in ("chunks", "sentences"):
            try:
                res = self._call(kind, "get", limit=1, include=["embeddings"])
                if len(res["ids"]):
                    self._call(kind, "query", query_embeddings=[list(res["embeddings"][0])], n_results=1)
            except Exception as e:
                if "Nothing found on disk" in str(e) or "hnsw" in str(e).lower():
                    return True
                raise
        return False

    def describe_mismatch(self) -> str:
        meta = self.client.get_collection(self._name("chunks")).metadata or {}
        found = {k: meta.get(k) for k in self.stamp}
        return f"index built with {found}, this configuration needs {self.stamp}"

    def check(self) -> None:
        st = self.state()
        if st == "missing":
            raise IndexStateError("the index does not exist yet: run ingest")
        if st == "mismatch":
            raise IndexMismatchError(self.describe_mismatch() + "; run ingest to rebuild it")

    def create(self, reset: bool = False) -> None:
        """Create the collections (dropping existing ones first when `reset`).

        The generation count goes on from the old store's (a reset one, or one whose folder was
        removed; the file beside it still counts): the BM25 and vector copies built from the old
        collections are tagged with its generations, and a count started again at 1 had the new index
        served from the copies of the old one (its passages, its text) until the count passed them."""
        previous = 0
        for fast in (True, False):  # (the file beside the store counts where Chroma cannot be read)
            try:
                previous = max(previous, self.generation(fast=fast))
            except Exception:
                pass
        if reset:
            for kind in ("chunks", "sentences", "files"):
                try:
                    self.client.delete_collection(self._name(kind))
                except Exception:
                    pass
        self._cols.clear()
        cosine = {"hnsw:space": "cosine", **self.stamp}
        self._cols["chunks"] = self.client.get_or_create_collection(self._name("chunks"), metadata=cosine)
        self._cols["sentences"] = self.client.get_or_create_collection(self._name("sentences"), metadata=cosine)
        self.widen_search()
        # The manifest holds no vectors, but Chroma wants one per record: a constant 1-d vector.
        self._cols["files"] = self.client.get_or_create_collection(self._name("files"), metadata=dict(self.stamp))
        if previous:
            self._call("files", "upsert", ids=[_META_ID], embeddings=[[1.0]], metadatas=[{"gen": previous}])

    def widen_search(self) -> None:
        """Give both vector collections EF_SEARCH (ingest calls it, so an index made before gets it at
        its next ingest). Set after creation: passing `configuration` with the `hnsw:space` metadata
        makes Chroma 1.5 drop the cosine space for l2."""
        for kind in ("chunks", "sentences"):
            col = self._col(kind)
            hnsw = (getattr(col, "configuration_json", None) or {}).get("hnsw") or {}
            if hnsw and hnsw.get("ef_search") != EF_SEARCH:
                col.modify(configuration={"hnsw": {"ef_search": EF_SEARCH}})

    def drop(self) -> None:
        """Delete this index's Chroma collections (what removing a collection does in server mode)."""
        for kind in ("chunks", "sentences", "files"):
            try:
                self.client.delete_collection(self._name(kind))
            except Exception:
                pass  # never created
        self._cols.clear()

    def close(self) -> None:
        """Let go of the connection. chromadb keeps one embedded database per folder for the whole
        process: unless released, a collection deleted and then made again under the same name writes
        into the deleted files ("attempt to write a readonly database")."""
        client, self._client = self._client, None
        self._cols.clear()
        if client is not None and hasattr(client, "close"):  # (older chromadb has none)
            client.close()

    # -- manifest ---------------------------------------------------------------------------
    def manifest(self) -> dict[str, FileRecord]:
        res = self._call("files", "get", include=["metadatas"])
        out = {}
        for rid, meta in zip(res["ids"], res["metadatas"]):
            if rid != _META_ID:
                out[rid] = FileRecord(meta.get("sha", ""), meta.get("pending", ""), bool(meta.get("deleting", False)))
        return out

    def set_file(self, source: str, rec: FileRecord) -> None:
        self.set_files({source: rec})

    def set_files(self, records: dict[str, FileRecord]) -> None:
        """Manifest entries in one write: a Chroma write costs ~20 ms however many records it holds,
        and ingest writes two per file (intent, commit), so per-file writes were a tenth of ingest
        time at 10k chunks. Each entry stands alone, so even a partly applied write leaves every
        file either at its old or at its new version."""
        if records:
            self._call("files", "upsert", ids=list(records), embeddings=[[1.0]] * len(records),
                       metadatas=[{"sha": r.sha, "pending": r.pending, "deleting": r.deleting}
                                  for r in records.values()])

    def drop_file(self, source: str) -> None:
        self._call("files", "delete", ids=[source])

    def generation(self, fast: bool = False) -> int:
        """The index generation, bumped by every ingest that changes something.

        fast: in embedded mode, read the copy kept in a small file beside the store (microseconds,
        versus milliseconds for a Chroma read on every question); a server is always asked.
        """
        if fast and not self.cfg.chroma_url:
            try:
                return int((Path(self.cfg.index_dir) / "generation").read_text())
            except (OSError, ValueError):
                pass
        res = self._call("files", "get", ids=[_META_ID], include=["metadatas"])
        return int(res["metadatas"][0]["gen"]) if res["ids"] else 0

    def bump_generation(self) -> int:
        gen = self.generation() + 1
        self._call("files", "upsert", ids=[_META_ID], embeddings=[[1.0]], metadatas=[{"gen": gen}])
        self.write_generation_file(gen)
        return gen

    def write_generation_file(self, gen: int) -> None:
        if not self.cfg.chroma_url:
            path = Path(self.cfg.index_dir) / "generation"
            tmp = path.with_name(f"generation.{os.getpid()}.tmp")
            tmp.write_text(str(gen))
            os.replace(tmp, path)

    # -- writing ----------------------------------------------------------------------------
    def add(self, kind: str, ids: list[str], vectors: np.ndarray, texts: list[str], metas: list[dict]) -> None:
        step = max(1, min(self.client.get_max_batch_size(), 4000))
        for i in range(0, len(ids), step):
            self._call(kind, "upsert", ids=ids[i:i + step], embeddings=vectors[i:i + step],
                       documents=texts[i:i + step], metadatas=metas[i:i + step])

    def delete_version(self, source: str, sha: str | None = None, keep_sha: str | None = None) -> None:
        """Delete chunks and sentences of `source`: one version (`sha`), all but one (`keep_sha`), or all."""
        cond: list[dict] = [{"source": source}]
        if sha is not None:
            cond.append({"sha": sha})
        if keep_sha is not None:
            cond.append({"sha": {"$ne": keep_sha}})
        where = cond[0] if len(cond) == 1 else {"$and": cond}
        for kind in ("chunks", "sentences"):
            self._call(kind, "delete", where=where)

    # -- reading ----------------------------------------------------------------------------
    def query(self, kind: str, vector: np.ndarray, n: int, where: dict | None = None) -> list[Record]:
        """The n nearest records; `where` (a Chroma metadata filter) is applied by Chroma before ranking."""
        try:
            res = self._call(kind, "query", query_embeddings=[vector.tolist()], n_results=n, where=where,
                             include=["documents", "metadatas", "distances"])
        except Exception as e:
            # An embedded collection whose first ingest was killed before Chroma wrote its vector
            # segment has no segment on disk yet; nothing in it was committed, so it holds no answer.
            if "Nothing found on disk" not in str(e):
                raise
            return []
        return [Record(i, d, m, 1.0 - float(dist))
                for i, d, m, dist in zip(res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0])]

    def get(self, kind: str, ids: list[str], with_vectors: bool = False) -> list[Record]:
        if not ids:
            return []
        include = ["documents", "metadatas"] + (["embeddings"] if with_vectors else [])
        res = self._call(kind, "get", ids=list(ids), include=include)
        vecs = res.get("embeddings") if with_vectors else None
        out = {i: Record(i, d, m, 0.0, None if vecs is None else np.asarray(vecs[k], dtype=np.float32))
               for k, (i, d, m) in enumerate(zip(res["ids"], res["documents"], res["metadatas"]))}
        return [out[i] for i in ids if i in out]

    def on_page(self, kind: str, source: str, page: int) -> list[Record]:
        """The stored chunks or sentences of one page of `source` (live or not: filter with `is_live`)."""
        res = self._call(kind, "get", where={"$and": [{"source": source}, {"page": page}]},
                         include=["documents", "metadatas"])
        return [Record(i, d, m) for i, d, m in zip(res["ids"], res["documents"], res["metadatas"])]

    def iter_records(self, kind: str = "chunks", page: int = 5000) -> Iterable[Record]:
        """Every stored chunk or sentence (live or not: filter with `is_live`), without vectors."""
        offset = 0
        while True:
            res = self._call(kind, "get", include=["documents", "metadatas"], limit=page, offset=offset)
            if not res["ids"]:
                return
            for i, d, m in zip(res["ids"], res["documents"], res["metadatas"]):
                yield Record(i, d, m)
            offset += len(res["ids"])

    def iter_vectors(self, kind: str, page: int = 5000) -> Iterable[tuple[str, str, dict, list[float]]]:
        """(id, text, metadata, vector) of every stored chunk or sentence (live or not), in pages."""
        offset = 0
        while True:
            try:
                res = self._call(kind, "get", include=["documents", "metadatas", "embeddings"], limit=page,
                                 offset=offset)
            except Exception as e:
                if "Nothing found on disk" not in str(e):  # no vector segment yet: nothing committed (`query`)
                    raise
                return
            if not len(res["ids"]):
                return
            yield from zip(res["ids"], res["documents"], res["metadatas"], res["embeddings"])
            offset += len(res["ids"])

    def live_documents(self, manifest: dict[str, FileRecord]) -> dict[str, tuple[dict, int]]:
        """source -> (the metadata of one of its live chunks: format, title, author, date, pages; its
        number of live chunks). What listings show and metadata filters test. Reads metadata only, in pages."""
        out: dict[str, tuple[dict, int]] = {}
        offset, page = 0, 5000
        while True:
            res = self._call("chunks", "get", include=["metadatas"], limit=page, offset=offset)
            if not res["ids"]:
                return out
            for m in res["metadatas"]:
                if is_live(m, manifest):
                    first, n = out.get(m["source"], (m, 0))
                    out[m["source"]] = (first, n + 1)
            offset += len(res["ids"])

    def count(self, kind: str = "chunks") -> int:
        return self._call(kind, "count")


def chunk_meta(chunk) -> dict:
    return {"source": chunk.source, "sha": chunk.sha, "section": chunk.section, "start": chunk.start,
            "end": chunk.end, "line_start": chunk.line_start, "line_end": chunk.line_end,
            "page": chunk.page, "page_end": chunk.page_end,
            "sents": json.dumps(chunk.sentences, separators=(",", ":"))}


def is_live(meta: dict, manifest: dict[str, FileRecord]) -> bool:
    """A chunk or sentence is live when the manifest names its file's hash (the committed version)."""
    rec = manifest.get(meta.get("source"))
    return rec is not None and not rec.deleting and rec.sha == meta.get("sha")
