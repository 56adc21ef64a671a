"""`Assistant`: the pipeline in one place. ingest(); ask() = resolve the follow-up -> retrieve -> answer.

Holds the config, the embedder, the Chroma store and the BM25 index of one collection (a named
document set, `config.collection`; `rag.library.Library` holds several). Thread-safe: many threads
may ask at once (an ingest in this or another process is picked up by the index generation).
Not here: the stages themselves (`rag.followup`, `rag.retrieve`, `rag.answer`, `rag.ingest`).
"""
from __future__ import annotations

import re
import threading
from contextlib import contextmanager
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from .answer import SENTENCE_PEEK, answer
from .config import Config
from .dense import DenseIndex
from .embed import Embedder, make_embedder
from .errors import InvalidQuestionError, RagError
from .filters import Filters
from .followup import normalize_history, resolve
from .ingest import Ingestor, ProgressFn, scan
from .lexical import LexicalIndex
from .read import Document
from .read.worker import Limits, Reader
from .retrieve import hybrid_search, title_index, with_bridges, with_figure_rows, with_sentences
from .store import FileRecord, Store
from .types import Answer, DocumentInfo, Hit, IngestReport, Notice


NO_MATCH = "No document matches the filters, so there is nothing to answer from. Widen or remove the filters."
NOT_YET = ("not indexed yet: added after the last ingest, or an ingest was cut short (a server killed mid-ingest); "
           "the next ingest reads it")
WAITING = "waiting for the ingest that is running"


class Assistant:
    """Answers questions about the documents in `docs_dir`, with citations.

    >>> a = Assistant(docs_dir="seeds")        # index_dir None -> ./.rag-index/<folder>-<hash>
    >>> a.ask("What tariff applies to Japanese steel?").text
    >>> Assistant(collection="team-a")          # <collections_dir>/team-a/docs, its own index
    """

    def __init__(self, docs_dir: str | Path | None = None, index_dir: str | Path | None = None, *,
                 config: Config | None = None, embedder: Embedder | str | None = None, llm=None, **options):
        if isinstance(embedder, str):  # a name ("onnx", "minilm") is a config option, an object is used as is
            options["embedder"], embedder = embedder, None
        if config is None:
            config = Config.load(docs_dir=docs_dir, index_dir=index_dir, **options)
        elif docs_dir is not None or index_dir is not None or options:
            raise RagError("pass either config= or docs_dir/index_dir/options, not both")
        self.config = config
        self.embedder = embedder or make_embedder(config.embedder)
        self.store = Store(config, self.embedder.model_id)
        if llm is None and config.llm != "none":
            from .llm import make_llm

            llm = make_llm(config)  # no network call: a down server shows up (and falls back) at ask time
        self.llm = llm
        from .relevance import default_model

        self.relevance = default_model()  # the cross-encoder; loads on the first question
        self._lock = threading.RLock()
        self._manifest: dict[str, FileRecord] | None = None
        self._lexical: LexicalIndex | None = None
        self._dense: DenseIndex | None = None
        self._generation = -1
        self._doc_metas: tuple[int, dict[str, dict]] = (-2, {})  # (generation, source -> metadata), for filters
        # (the metadata they were read from, source -> title, `title_index` of those titles)
        self._title_of: tuple[dict | None, dict[str, str], dict[str, list[str]]] = (None, {}, {})
        self.last_report: IngestReport | None = None  # of this object's latest ingest (why files were skipped)
        self._ingesting = 0  # ingests running through this object

    # -- indexing ---------------------------------------------------------------------------
    def ingest(self, progress: bool = True, on_progress: ProgressFn | None = None,
               cancel: threading.Event | None = None) -> IngestReport:
        """Bring the index up to date with the documents folder (only changed files are re-read).
        Setting `cancel` stops it early (IngestCancelledError); the index stays consistent."""
        with self._lock:
            self._ingesting += 1
        try:
            report = Ingestor(self.config, self.store, self.embedder, cancel).run(progress=progress,
                                                                                 on_progress=on_progress)
        finally:
            with self._lock:
                self._ingesting -= 1
                self._generation = -1  # reload manifest and BM25 on next use
        self.last_report = report
        return report

    def pending(self) -> list[tuple[str, str]]:
        """Files in the documents folder that are not in the index, sorted, each with why: what the
        last ingest said (unsupported, unreadable, over a limit), that an ingest is reading it now, or
        that none has yet (it came after the last one, or one was cut short)."""
        files, skipped = scan(Path(self.config.docs_dir))
        live = set()
        if self.store.state() == "ok":
            live = {s for s, r in self.store.manifest().items() if r.sha and not r.deleting}
        said = dict(self.last_report.skipped) if self.last_report else {}
        out = [(f.source, WAITING if self._ingesting else said.get(f.source, NOT_YET))
               for f in files if f.source not in live]
        return sorted(out + skipped)

    def _ensure_ready(self) -> tuple[dict[str, FileRecord], LexicalIndex | None]:
        with self._lock:
            if self._generation < 0 and self.store.state() != "ok":
                self.ingest(progress=False)  # first use: build (or rebuild a mismatched) index
            gen = self.store.generation(fast=True)
            if gen != self._generation or self._manifest is None:
                self._manifest = self.store.manifest()
                ingestor = Ingestor(self.config, self.store, self.embedder)
                self._lexical, self._dense = ingestor.lexical_index(gen), ingestor.dense_index(gen)
                self._generation = gen
            return self._manifest, self._lexical

    # -- questions --------------------------------------------------------------------------
    def _check_question(self, question) -> str:
        if not isinstance(question, str) or not question.strip():
            raise InvalidQuestionError("the question is empty: type a question about the documents")
        try:
            question.encode("utf-8")
        except UnicodeEncodeError as e:  # a lone surrogate ("\ud800") is not text: no encoder or tokenizer takes it
            raise InvalidQuestionError(f"the question holds a character that is not valid text "
                                       f"(U+{ord(question[e.start]):04X} at position {e.start})") from None
        question = " ".join(question.split())
        if len(question) > self.config.max_question_chars:
            raise InvalidQuestionError(f"the question is {len(question)} characters long; the limit is "
                                       f"{self.config.max_question_chars}. Ask something shorter.")
        return question

    def retrieve(self, question: str, k: int | None = None, history=None, *,
                 filters: Filters | dict | None = None) -> list[Hit]:
        """The top-k passages for a question (hybrid search), best first; `filters` as in `ask`."""
        question = self._check_question(question)
        filters = Filters.coerce(filters)
        query = resolve(question, normalize_history(history)).standalone
        with one_blas_thread():
            return self._search(query, k or self.config.top_k, sources=self._allowed(filters))[0]

    def _allowed(self, filters: Filters | None) -> frozenset[str] | None:
        """The sources passing `filters` (None: no filter). Document metadata is read from the store
        once per index generation, and only when a filter is used."""
        if filters is None:
            return None
        metas = self._metas()
        allowed = filters.allowed(metas)
        return None if len(allowed) == len(metas) else allowed  # everything passes: search as unfiltered

    def _metas(self) -> dict[str, dict]:
        """source -> its document's metadata (title, format, date...), read from the store once per
        index generation."""
        manifest, _ = self._ensure_ready()
        with self._lock:
            gen, metas = self._doc_metas
            if gen != self._generation:
                live = self._dense.documents() if self._dense is not None else self.store.live_documents(manifest)
                metas = {source: meta for source, (meta, _) in live.items()}
                self._doc_metas = (self._generation, metas)
        return metas

    def _titles(self) -> dict[str, str]:
        """source -> its document's title, read once per index generation."""
        return self._title_tables()[1]

    def _title_names(self) -> dict[str, list[str]]:
        """The titles that read as names -> their sources (`with_bridges`), once per index generation."""
        return self._title_tables()[2]

    def _title_tables(self) -> tuple:
        metas = self._metas()
        with self._lock:
            if self._title_of[0] is not metas:
                titles = {source: m.get("title", "") for source, m in metas.items()}
                self._title_of = (metas, titles, title_index(titles))
            return self._title_of

    def _search(self, query: str, k: int, sentence_peek: int = 0, sentences: bool = False,
                sources: frozenset[str] | None = None):
        """(top-k hits, candidates: the top k plus chunks of the top `sentence_peek` sentences, query vector).
        sentences: attach each candidate's sentences with their vectors (what the answerer scores).
        sources: only these files (`_allowed(filters)`); None: all."""
        manifest, lexical = self._ensure_ready()
        qvec = self.embedder.embed([query])[0]
        cands = hybrid_search(self.store, lexical, manifest, query, qvec, k, sentence_peek=sentence_peek,
                              sources=sources, dense=self._dense)
        if sentences:
            cands = with_sentences(self.store, cands)
            cands = with_figure_rows(self.store, lexical, manifest, query, self._titles, cands, self._idf(), sources)
            cands = with_bridges(self.store, manifest, query, qvec, self._title_names, cands, sources, self._dense)
        return [c.hit() for c in cands[:k]], cands, qvec

    def _idf(self):
        """Word rarity over the live chunks (from the BM25 build), for scoring answer sentences."""
        lexical = self._lexical
        return lexical.idf if lexical is not None else None

    def ask(self, question: str, history=None, *, k: int | None = None, mode: str | None = None,
            filters: Filters | dict | None = None) -> Answer:
        """Answer from the documents only, with [n] markers and one Citation per marker.

        history: earlier turns, oldest first, as (question, answer_text) pairs.
        k: passages to retrieve (default: config.top_k).
        mode: "llm" or "extractive"; None -> "llm" if an LLM is configured, else "extractive".
        filters: answer only from documents passing a `rag.filters.Filters` (or its dict form,
        e.g. {"source": "reports/*", "format": "pdf", "date_from": "2024"}).
        An LLM answer keeps only citations verified against the passages (`rag.verify`); if none
        survive, or the LLM fails or times out, the extractive answer comes back with a `notice`.
        """
        *_, ans = self._answer(question, history, k, mode, stream=False, filters=filters)
        return ans

    def stream(self, question: str, history=None, *, k: int | None = None, mode: str | None = None,
               filters: Filters | dict | None = None) -> Iterator[str | Answer]:
        """Yield the answer text in pieces as it is produced, then the final `Answer`.

        The str pieces always concatenate to the final `Answer.text`. The extractive answer is ready
        at once, so it is streamed word by word. In LLM mode only checked text is streamed: each
        sentence of the model is held until complete and passed on only if the passages it cites
        support it (`rag.llm.llm_answer`). When the extractive answer replaces the model's, a
        `Notice` saying why comes before its text.
        """
        yield from self._answer(question, history, k, mode, stream=True, filters=filters)

    def _answer(self, question, history, k, mode, stream: bool, filters=None) -> Iterator[str | Answer]:
        from .llm import llm_answer

        if mode not in (None, "llm", "extractive"):
            raise RagError(f"mode must be 'llm' or 'extractive', not {mode!r}")
        mode = mode or ("llm" if self.llm is not None else "extractive")
        question = self._check_question(question)
        filters = Filters.coerce(filters)
        history = normalize_history(history)
        res = resolve(question, history)
        sources = self._allowed(filters)
        if sources == frozenset():  # no document passes the filters: say so, not "the documents don't say"
            ans, cands = Answer(question, NO_MATCH, (), True, resolved=res.resolved), []
        else:
            n = max(k or self.config.top_k, self.config.answer_chunks)
            with one_blas_thread():
                _, cands, qvec = self._search(res.standalone, n, SENTENCE_PEEK, sentences=True, sources=sources)
                ans = answer(res, cands, qvec, history, idf=self._idf(), n_chunks=self.config.answer_chunks,
                             relevance=self.relevance)
        if mode == "llm" and self.llm is None:
            ans = replace(ans, notice="No LLM is configured (set RAG_LLM, RAG_LLM_MODEL and RAG_LLM_BASE_URL); "
                                      "showing the extractive answer.")
        if mode == "llm" and self.llm is not None:
            for ans in llm_answer(self.llm, question, history, cands, self.store, self.embedder, ans,
                                  timeout=self.config.llm_timeout, n_chunks=self.config.answer_chunks, stream=stream):
                if isinstance(ans, (str, Notice)):
                    yield ans
        elif stream:
            yield from re.findall(r"\S+\s*", ans.text)
        yield replace(ans, hits=ans.hits[:k or self.config.top_k], resolved=res.resolved)

    # -- documents --------------------------------------------------------------------------
    def files(self) -> dict[str, int]:
        """Indexed files -> number of chunks."""
        manifest, _ = self._ensure_ready()
        counts = {s: 0 for s, r in manifest.items() if r.sha and not r.deleting}
        counts.update({s: n for s, (_, n) in self.store.live_documents(manifest).items()})
        return counts

    def documents(self) -> list[DocumentInfo]:
        """The indexed documents with their titles and sizes, sorted by path."""
        manifest, _ = self._ensure_ready()
        live = self.store.live_documents(manifest)
        out = []
        docs = Path(self.config.docs_dir)
        for source in sorted(live):
            m, n = live[source]
            try:
                size = (docs / source).stat().st_size
            except OSError:
                size = 0  # removed since the last ingest
            out.append(DocumentInfo(source, m.get("title") or Path(source).name,
                                    m.get("format") or Path(source).suffix.lstrip(".").lower(), size,
                                    int(m.get("pages") or 0), n, m.get("author", ""), m.get("date", "")))
        return out

    def document(self, source: str) -> Document:
        """The document `source` as read for indexing (and within the same limits): citations into it
        point into its `text`."""
        docs = Path(self.config.docs_dir).resolve()
        path = (docs / source).resolve()
        if docs not in path.parents:
            raise RagError(f"{source!r} is not inside the documents folder")
        return Reader(Limits.of(self.config)).read(path, source)

    def source_text(self, source: str) -> str:
        """The text citations into `source` point into (the decoded file, or the text extracted from it)."""
        return self.document(source).text


_default: Assistant | None = None
_default_lock = threading.Lock()


@lru_cache(maxsize=1)
def _blas():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


@contextmanager
def one_blas_thread():
    """numpy's OpenBLAS runs on one thread inside: a question's products are small (a few thousand
    vectors by 384), and OpenBLAS's idle threads spin after each call, taking the cores the relevance
    model's and Chroma's threads need. Measured on 2 cores, covid_qa, interleaved asks: p50 65 -> 52 ms
    (Chroma's HNSW) and 75 -> 49 ms (the exact search, one product of 15,647 x 384 a question). Scoped,
    so numpy elsewhere in the process keeps its threads."""
    with _blas().limit(limits=1, user_api="blas"):
        yield


def ask(question: str, history=None) -> Answer:
    """Ask the default assistant (documents from RAG_DOCS_DIR, or the project's seeds/)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Assistant()
    return _default.ask(question, history=history)
