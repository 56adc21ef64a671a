"""Exact nearest neighbours over the live chunks' and sentences' vectors, in place of Chroma's HNSW.

Why our own: an HNSW graph depends on how it was built. The same 23k sentences of the financebench
filings, added twice in the same order, gave another top 20 for 26 of 234 questions, and each build
missed 1.4% of the exact top 20 (`hnsw:num_threads` is not a setting in chromadb 1.5). Answers then
changed with a re-ingest of the same files. A matrix product over every vector is exact, the same on
every build, and costs about a millisecond per 10k vectors on 2 cores. Up to MAX_VECTORS; a larger
collection, or a Chroma server (where the vectors live on another machine), keeps HNSW.

Built after each ingest from what Chroma holds, tagged with the store's generation, and persisted
next to the store like the BM25 index (`rag.generations`); a reader whose copy is older
rebuilds it. Beside the vectors it keeps each record's text and metadata (JSON lines), so a search
reads nothing from Chroma. Vectors and records are memory-mapped: a cold start reads the pointer, the
ids and the line offsets.
"""
from __future__ import annotations

import json
import mmap
import os
from pathlib import Path

import numpy as np

from .generations import publish
from .store import Record

KINDS = ("chunks", "sentences")
# Of one kind: 250k vectors are 384 MB of float32 on disk, mapped, and ~40 ms a search on 2 cores.
MAX_VECTORS = 250_000


class DenseIndex:
    def __init__(self, generation: int, ids: dict[str, np.ndarray], source_of: dict[str, np.ndarray],
                 vectors: dict[str, np.ndarray], sources: list[str], records: dict[str, tuple] | None = None):
        self.generation = generation
        self._ids, self._source_of, self._vectors = ids, source_of, vectors
        self._sources = sources  # the live files; source_of holds an index into it
        self._index = {s: i for i, s in enumerate(sources)}
        self._records = records or {}  # kind -> (offsets, bytes): line i is [text, metadata] as JSON

    def _top(self, kind: str, vector: np.ndarray, n: int, sources: frozenset[str] | None) -> list[tuple[int, float]]:
        vecs = self._vectors[kind]
        if not len(vecs) or n <= 0:
            return []
        q = np.asarray(vector, dtype=np.float32)
        q = q / (np.linalg.norm(q) or 1.0)
        scores = vecs @ q
        if sources is not None:
            allowed = np.array([self._index[s] for s in sources if s in self._index], dtype=np.int32)
            scores = np.where(np.isin(self._source_of[kind], allowed), scores, -np.inf)
        n = min(n, len(scores))
        top = np.argpartition(-scores, n - 1)[:n] if n < len(scores) else np.arange(len(scores))
        top = top[np.lexsort((top, -scores[top]))]  # by score, then by position: the same order every run
        return [(int(i), float(scores[i])) for i in top if np.isfinite(scores[i])]

    def search(self, kind: str, vector: np.ndarray, n: int, sources: frozenset[str] | None = None
               ) -> list[tuple[str, float]]:
        """The n records of `kind` nearest `vector` by cosine, best first, as (id, cosine); ties keep
        the order the index was built in. sources: only records of these files (None: all)."""
        return [(str(self._ids[kind][i]), score) for i, score in self._top(kind, vector, n, sources)]

    def nearest(self, kind: str, vector: np.ndarray, n: int, sources: frozenset[str] | None = None) -> list[Record]:
        """`search` as Records with their text and metadata, read from this index's own copy: fetching
        them from Chroma by id cost 6-10 ms a search (a warm ask() on covid_qa 47 -> 85 ms p50)."""
        offsets, data = self._records[kind]
        out = []
        for i, score in self._top(kind, vector, n, sources):
            text, meta = json.loads(data[offsets[i]:offsets[i + 1]])
            out.append(Record(str(self._ids[kind][i]), text, meta, score))
        return out

    def documents(self) -> dict[str, tuple[dict, int]]:
        """source -> (the metadata of one of its chunks, its number of chunks), as
        `Store.live_documents` gives it, read from this index's own copy: Chroma's scan of every
        chunk's metadata took 0.6-1.3 s of the first question on hotpotqa's 5,000 files."""
        offsets, data = self._records.get("chunks", (np.zeros(1, dtype=np.int64), b""))
        out: dict[str, tuple[dict, int]] = {}
        for i in range(len(offsets) - 1):
            meta = json.loads(data[offsets[i]:offsets[i + 1]])[1]
            first, n = out.get(meta["source"], (meta, 0))
            out[meta["source"]] = (first, n + 1)
        return out

    @classmethod
    def build(cls, store, manifest, folder: Path, generation: int) -> "DenseIndex | None":
        """From the live records in `store`; None (HNSW answers) when a kind holds over MAX_VECTORS."""
        from .store import is_live

        if any(store.count(kind) > MAX_VECTORS for kind in KINDS):
            return None
        sources: dict[str, int] = {}
        data = {}
        for kind in KINDS:
            ids, src, vecs, lines = [], [], [], []
            for rid, text, meta, vec in store.iter_vectors(kind):
                if is_live(meta, manifest):
                    ids.append(rid)
                    src.append(sources.setdefault(meta["source"], len(sources)))
                    vecs.append(vec)
                    lines.append(json.dumps([text, meta], ensure_ascii=False).encode() + b"\n")
            v = np.asarray(vecs, dtype=np.float32) if vecs else np.zeros((0, 1), dtype=np.float32)
            v /= np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
            offsets = np.concatenate([[0], np.cumsum([len(x) for x in lines], dtype=np.int64)]).astype(np.int64)
            data[kind] = (np.asarray(ids, dtype=str), np.asarray(src, dtype=np.int32), v, offsets, b"".join(lines))
        def write(target: Path) -> dict:
            for kind, (ids, src, v, offsets, lines) in data.items():
                np.save(target / f"{kind}_ids.npy", ids)
                np.save(target / f"{kind}_sources.npy", src)
                np.save(target / f"{kind}_vectors.npy", v)
                np.save(target / f"{kind}_offsets.npy", offsets)
                (target / f"{kind}_records.jsonl").write_bytes(lines)
            (target / "sources.json").write_text(json.dumps(list(sources)))
            return {}

        return publish(folder, "dense", generation, write, cls.load)

    @classmethod
    def load(cls, folder: Path) -> "DenseIndex | None":
        """The persisted index, or None when there is none (or it cannot be read)."""
        try:
            info = json.loads((folder / "dense.json").read_text())
            d = folder / info["dir"]
            ids = {k: np.load(d / f"{k}_ids.npy") for k in KINDS}
            src = {k: np.load(d / f"{k}_sources.npy") for k in KINDS}
            vecs = {k: _load_vectors(d / f"{k}_vectors.npy") for k in KINDS}
            records = {k: (np.load(d / f"{k}_offsets.npy"), _map(d / f"{k}_records.jsonl")) for k in KINDS}
            return cls(info["generation"], ids, src, vecs, json.loads((d / "sources.json").read_text()), records)
        except (OSError, ValueError, KeyError):
            return None


def _map(path: Path):
    """The file's bytes, memory-mapped (read on demand; b"" for an empty file, which cannot be mapped)."""
    with open(path, "rb") as fh:
        if os.fstat(fh.fileno()).st_size == 0:
            return b""
        return mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)


def _load_vectors(path: Path) -> np.ndarray:
    try:
        return np.load(path, mmap_mode="r")
    except ValueError:  # an empty array cannot be mapped
        return np.load(path)
