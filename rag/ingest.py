"""Incremental, crash-safe ingest of a documents folder into the store.

Per file: content hash -> unchanged files are skipped; changed files are written as a new
version next to the old one and then switched over in the manifest; deleted files are removed.
Commit protocol (see `rag.store`): mark `pending` -> write chunks and sentences -> manifest
points at the new hash (the commit) -> delete the old version. A run killed anywhere leaves the
old version live; the next run rolls back what was pending and finishes what was being deleted.
One ingest per index at a time (a file lock); queries may run throughout. Files are read within the
limits of `rag.read.worker` (time, memory, pages), so one pathological file is skipped, not stalled on;
a set `cancel` event stops the run between steps (IngestCancelledError), leaving what a kill leaves.
Each run first removes the temporary files of uploads that were cut short (`rag.documents.clean_uploads`).
Not here: reading one file (`rag.read`), chunking (`rag.chunk`).
"""
from __future__ import annotations

import fcntl
import inspect
import logging
import os
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from .chunk import Chunk, LineIndex, chunk_document
from .config import SUPPORTED_SUFFIXES, Config
from .dense import DenseIndex
from .documents import clean_uploads
from .embed import Embedder, word_piece_tokenizer
from .errors import DocumentError, IndexBusyError, IndexStateError, IngestCancelledError
from .lexical import LexicalIndex
from .read import Document, file_sha, periods
from .read.worker import Limits, Reader
from .store import FileRecord, Store, chunk_meta, is_live, sentence_id
from .types import IngestProgress, IngestReport

log = logging.getLogger("rag")
BATCH_CHUNKS = 256  # files are embedded in groups of about this many chunks
ProgressFn = Callable[[IngestProgress], None]


@dataclass(frozen=True)
class _File:
    source: str
    path: Path


def scan(docs_dir: Path) -> tuple[list[_File], list[tuple[str, str]]]:
    """Supported files under docs_dir (hidden ones and symlinked folders not followed), and what was skipped."""
    if not docs_dir.is_dir():
        raise IndexStateError(f"documents folder not found: {docs_dir}")
    files, skipped = [], []
    for root, dirs, names in os.walk(docs_dir, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if name.startswith("."):
                continue
            path = Path(root) / name
            source = path.relative_to(docs_dir).as_posix()
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                skipped.append((source, f"unsupported file type {path.suffix or '(none)'}"))
            elif not path.is_file():  # dangling link or a link loop
                skipped.append((source, "not a readable file (broken or looping link?)"))
            else:
                files.append(_File(source, path))
    return files, skipped


@contextmanager
def ingest_lock(index_dir: Path, wait_s: float):
    """Serialise ingests of one index across threads and processes."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / "ingest.lock", "w") as fh:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexBusyError(f"another ingest is running on {index_dir}; try again when it ends") from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


class _Tracker:
    """Turns the work done into `IngestProgress` reports. Each file to write weighs its share of the
    bytes to write (so a large PDF after small notes does not make the time left jump up: counted
    per file, it did, 4 s then 8 s); of a file's share, a tenth is done when it has been read and
    chunked, the rest as its passages are embedded and stored."""

    READ, EMBED, STORE = 0.1, 0.8, 0.1

    def __init__(self, sizes: dict[str, int], on_progress: ProgressFn | None):
        total = sum(max(n, 1) for n in sizes.values())
        self.weight = {s: max(n, 1) / total for s, n in sizes.items()}
        self.total, self.on_progress = len(sizes), on_progress
        self.t0 = time.perf_counter()
        self.files_done = self.chunks_found = self.chunks_done = 0
        self.read_weight = 0.0  # files read and chunked, not yet written
        self.committed = 0.0  # weight of the files finished

    def read(self, source: str) -> None:
        self.read_weight += self.weight[source]

    def finish(self, sources: list[str]) -> None:
        w = sum(self.weight[s] for s in sources)
        self.read_weight -= w
        self.committed += w
        self.files_done += len(sources)

    def report(self, stage: str, source: str = "", batch_weight: float = 0.0, batch_share: float = 0.0,
               batch_chunks: int = 0, batch_total: int = 0) -> None:
        """batch_share: how far (0..1) the embed+store of the files being written (weighing
        `batch_weight` together) is; batch_chunks of their batch_total passages are embedded."""
        if not self.on_progress:
            return
        work = self.committed + self.READ * self.read_weight + (self.EMBED + self.STORE) * batch_weight * batch_share
        fraction = min(1.0, work) if self.total else 1.0
        elapsed = time.perf_counter() - self.t0
        eta = elapsed / fraction * (1 - fraction) if fraction >= 0.02 and elapsed >= 0.5 else None
        self.on_progress(IngestProgress(stage, self.files_done, self.total, source, self.chunks_done + batch_chunks,
                                        self.chunks_found, round(fraction, 4), eta, batch_chunks, batch_total))


class Ingestor:
    def __init__(self, cfg: Config, store: Store, embedder: Embedder, cancel: threading.Event | None = None):
        self.cfg, self.store, self.embedder, self.cancel = cfg, store, embedder, cancel

    def _check_cancel(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise IngestCancelledError("the ingest was cancelled")

    def run(self, progress: bool = True, on_progress: ProgressFn | None = None, lock_wait_s: float = 600.0) -> IngestReport:
        t0 = time.perf_counter()
        with ingest_lock(Path(self.cfg.index_dir), lock_wait_s):
            state = self.store.state()
            if state == "mismatch":
                log.warning("rebuilding the index: %s", self.store.describe_mismatch())
            elif state == "ok" and self.store.damaged():
                log.warning("rebuilding the index: Chroma cannot read its vectors (an ingest was killed mid-write?)")
                state = "mismatch"
            if state != "ok":
                self.store.create(reset=state == "mismatch")
            else:
                self.store.widen_search()
            manifest = self._recover(self.store.manifest())
            _clean_uploads(Path(self.cfg.docs_dir))
            if on_progress:
                on_progress(IngestProgress("scan"))
            files, skipped = scan(Path(self.cfg.docs_dir))
            present = {f.source for f in files}
            removed = sorted(s for s in manifest if s not in present)
            todo, unchanged = [], []
            for f in files:
                self._check_cancel()
                try:
                    sha = file_sha(f.path)
                except OSError as e:
                    skipped.append((f.source, f"cannot read file: {e.strerror or e}"))
                    continue
                rec = manifest.get(f.source)
                (unchanged if rec is not None and rec.sha == sha else todo).append(f)
            unchanged_names = [f.source for f in unchanged]
            added, updated, n_chunks = [], [], 0
            written = self._write(todo, manifest, skipped, progress, on_progress)
            for source, chunks in written:
                (updated if source in manifest else added).append(source)
                n_chunks += chunks
            # A file that exists but can no longer be read loses its old (now wrong) version too.
            unreadable_old = [s for s, _ in skipped if s in manifest and s not in unchanged_names]
            self._remove(removed + unreadable_old)
            changed = bool(added or updated or removed or unreadable_old)
            gen = self.store.bump_generation() if changed else self.store.generation()
            if not changed:
                self.store.write_generation_file(gen)  # a store from before the file existed
            self.lexical_index(gen, rebuild=changed)
            self.dense_index(gen, rebuild=changed)
        for name, why in skipped:
            log.warning("skipped %s: %s", name, why)
        return IngestReport(tuple(sorted(added)), tuple(sorted(updated)), tuple(removed), tuple(sorted(unchanged_names)),
                            tuple(skipped), n_chunks, time.perf_counter() - t0)

    def lexical_index(self, generation: int, rebuild: bool = False) -> LexicalIndex:
        """The BM25 index of `generation`: the persisted one, or built again when it is older (another
        process ingested) or `rebuild`."""
        folder = Path(self.cfg.index_dir) / "lexical"
        lex = None if rebuild else LexicalIndex.load(folder)
        if lex is None or lex.generation != generation:
            manifest = self.store.manifest()
            live = [r for r in self.store.iter_records() if is_live(r.meta, manifest)]
            lex = LexicalIndex.build(live, folder, generation)
        return lex

    def dense_index(self, generation: int, rebuild: bool = False) -> DenseIndex | None:
        """The exact vector copy of `generation` (`rag.dense`), loaded or built like `lexical_index`.
        None with a Chroma server (the vectors stay on its machine, and its HNSW answers) or above
        dense.MAX_VECTORS."""
        if self.cfg.chroma_url:
            return None
        folder = Path(self.cfg.index_dir) / "dense"
        dense = None if rebuild else DenseIndex.load(folder)
        if dense is None or dense.generation != generation:
            dense = DenseIndex.build(self.store, self.store.manifest(), folder, generation)
        return dense

    def _recover(self, manifest: dict[str, FileRecord]) -> dict[str, FileRecord]:
        """Undo what a killed ingest left half-done; return the clean manifest."""
        clean = {}
        for source, rec in manifest.items():
            if rec.deleting or not rec.sha:
                self.store.delete_version(source)
                self.store.drop_file(source)
                continue
            if rec.pending:
                self.store.delete_version(source, sha=rec.pending)
                rec = FileRecord(rec.sha)
                self.store.set_file(source, rec)
            clean[source] = rec
        return clean

    def _remove(self, sources: list[str]) -> None:
        for source in sources:
            self.store.set_file(source, FileRecord("", deleting=True))
            self.store.delete_version(source)
            self.store.drop_file(source)

    def _write(self, todo: list[_File], manifest, skipped, progress: bool, on_progress: ProgressFn | None):
        """Load, chunk, embed and commit `todo` in groups; return [(source, chunks written)]."""
        from tqdm.auto import tqdm

        tok = word_piece_tokenizer()
        reader = Reader(Limits.of(self.cfg), self.cancel)
        done: list[tuple[str, int]] = []
        batch: list[tuple[Document, list[Chunk]]] = []
        bar = tqdm(total=len(todo), desc="ingest", unit="file", disable=not progress or not todo)
        track = _Tracker({f.source: _size(f.path) for f in todo}, on_progress)
        for f in todo:
            self._check_cancel()
            track.report("read", f.source)
            try:
                doc = reader.read(f.path, f.source)
                chunks = chunk_document(doc, tok, self.cfg.chunk_tokens, self.cfg.overlap_tokens)
                if not chunks:
                    raise DocumentError("no content found (only page furniture or blank pages)")
            except DocumentError as e:
                skipped.append((f.source, str(e)))
                bar.update(1)
                track.read(f.source)
                track.finish([f.source])
                continue
            track.read(f.source)
            track.chunks_found += len(chunks)
            batch.append((doc, chunks))
            if sum(len(c) for _, c in batch) >= BATCH_CHUNKS:
                done += self._commit(batch, manifest, track)
                bar.update(len(batch))
                batch = []
        if batch:
            done += self._commit(batch, manifest, track)
            bar.update(len(batch))
        bar.close()
        track.report("done")
        return done

    def _commit(self, batch: list[tuple[Document, list[Chunk]]], manifest, track: _Tracker) -> list[tuple[str, int]]:
        self._check_cancel()
        # 1. intent: a crash from here on rolls these versions back
        self.store.set_files({doc.source: FileRecord(manifest[doc.source].sha if doc.source in manifest else "",
                                                     pending=doc.sha) for doc, _ in batch})
        chunks = [c for _, cs in batch for c in cs]
        sents = _unique_sentences(batch)
        texts = [c.embed_text for c in chunks] + [s[3] for s in sents]
        name = batch[0][0].source if len(batch) == 1 else f"{len(batch)} files"
        share = track.EMBED / (track.EMBED + track.STORE)
        weight = sum(track.weight[doc.source] for doc, _ in batch)
        last = [0.0]

        def embedded(done: int, total: int) -> None:  # a large file's progress moves as it embeds
            self._check_cancel()  # (what is stored so far is rolled back by the next run, as after a kill)
            if done == total or done / total - last[0] >= 0.02:  # at most ~50 reports per batch of files
                last[0] = done / total
                track.report("embed", name, weight, share * done / total, round(len(chunks) * done / total),
                             len(chunks))

        track.report("embed", name, weight, 0.0, 0, len(chunks))
        vecs = _embed(self.embedder, texts, embedded)
        track.report("store", name, weight, share, len(chunks), len(chunks))
        chunk_vecs, sent_vecs = vecs[:len(chunks)], vecs[len(chunks):]
        # 2. write the new version (not live yet: the manifest still names the old hash)
        doc_meta = {doc.source: _doc_meta(doc) for doc, _ in batch}
        self.store.add("chunks", [c.id for c in chunks], chunk_vecs, [c.text for c in chunks],
                       [chunk_meta(c) | doc_meta[c.source] for c in chunks])
        self.store.add("sentences", [s[0] for s in sents], sent_vecs, [s[1] for s in sents], [s[2] for s in sents])
        self.store.set_files({doc.source: FileRecord(doc.sha) for doc, _ in batch})  # 3. commit
        for doc, _ in batch:
            if doc.source in manifest:
                self.store.delete_version(doc.source, keep_sha=doc.sha)  # 4. drop the old version
        track.finish([doc.source for doc, _ in batch])
        track.chunks_done += len(chunks)
        return [(doc.source, len(cs)) for doc, cs in batch]


def _clean_uploads(docs_dir: Path) -> None:
    for name in clean_uploads(docs_dir):
        log.warning("removed %s, the temporary file of an upload that was cut short", name)


def _embed(embedder: Embedder, texts: list[str], on_batch) -> np.ndarray:
    """All texts in one call (their vectors must not depend on how progress is reported), with
    per-batch progress where the embedder offers it."""
    try:
        accepts = "on_batch" in inspect.signature(embedder.embed).parameters
    except (TypeError, ValueError):
        accepts = False
    return embedder.embed(texts, on_batch=on_batch) if accepts else embedder.embed(texts)


def _size(path) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _doc_meta(doc: Document) -> dict:
    """What each chunk records about its document (for listing and filtering by title, author, date), and
    the periods its tables date (`rag.read.periods`: which days "the second quarter of 2022" were)."""
    m = doc.metadata
    return {"format": doc.format, "title": m.title[:300], "author": m.author[:200], "date": m.date[:40],
            "pages": m.pages, "periods": periods.of_blocks(b.header for b in doc.blocks if b.kind == "table_row")}


def _unique_sentences(batch) -> list[tuple[str, str, dict, str]]:
    """(id, text, metadata, text to embed) of each unit once, even when overlapping chunks share it.

    The stored text is normalised (hyphenation joined, ligatures folded); `quote` in the metadata
    keeps the source span verbatim when it differs, for citations."""
    out, seen = [], set()
    for doc, chunks in batch:
        lines = LineIndex(doc.text)
        for c in chunks:
            for u in c.units:
                sid = sentence_id(doc.source, doc.sha, u.start, u.end)
                if sid in seen:
                    continue
                seen.add(sid)
                meta = {"source": doc.source, "sha": doc.sha, "start": u.start, "end": u.end, "chunk": c.id,
                        "section": c.section, "line_start": lines.line(u.start), "line_end": lines.line(u.end - 1),
                        "page": u.page, "kind": u.kind}
                raw = doc.text[u.start:u.end]
                if raw != u.text:
                    meta["quote"] = raw
                if u.header:
                    meta["header"] = u.header
                out.append((sid, u.text, meta, u.embed_text))
    return out
