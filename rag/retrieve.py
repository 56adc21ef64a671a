"""Hybrid retrieval: dense chunks + dense sentences (exact, `rag.dense`, or Chroma's HNSW) + BM25
chunks, fused by weighted RRF.

Our own fusion rather than llama-index's QueryFusionRetriever: its reciprocal-rank mode ignores
retriever weights (which we tune on dev data), keys results by text hash, and adds per-query
overhead we measured against a 20 ms budget. Sentence hits vote for the chunk that holds them,
which lifts passages where one sentence answers the question exactly.
Results are filtered to *live* chunks (see `rag.store`), so a concurrent ingest is invisible.
With metadata filters (`rag.filters`), all three searches are limited to the same allowed files:
Chroma by a `where` on `source` (chunks and sentences both carry it), BM25 by the same set.
`with_sentences` then hands each candidate its sentences with their vectors, so the answerer
(`rag.answer`) scores them without going back to the store.
Not here: choosing answer sentences (`rag.answer`).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Callable, Mapping

import numpy as np

from . import terms
from .dense import DenseIndex
from .filters import where_sources
from .lexical import LexicalIndex
from .store import FileRecord, Record, Store, is_live, sentence_id
from .types import Hit

RRF_K = 60.0
WEIGHTS = {"dense": 1.0, "bm25": 1.0, "sentence": 1.0}


@dataclass(frozen=True)
class Candidate:
    """A fused chunk: its record, fused score and the best dense similarity seen for it; after
    `with_sentences`, also its sentences (in document order, with vectors)."""

    record: Record
    score: float
    dense: float  # max cosine of the query to the chunk or one of its sentences
    rank: int  # in the fused order
    sentence_rank: int | None = None  # of its best sentence in the dense sentence search
    sentences: tuple[Record, ...] = ()
    sentence_hits: dict = field(default_factory=dict, compare=False)  # sentence id -> rank in the dense sentence search
    row_match: bool = False  # its table row answers a figure look-up (`with_figure_rows`): it competes whatever its rank
    bridged: bool = False  # a document the top passages name (`with_bridges`): it competes whatever its rank

    def hit(self) -> Hit:
        return Hit.of(self.record.span, self.score, self.record.id)


def _nearest(store: Store, dense: DenseIndex | None, kind: str, vector: np.ndarray, n: int, where: dict | None,
             sources: frozenset[str] | None) -> list[Record]:
    """The n records of `kind` nearest `vector`, best first, each with its cosine as its score."""
    return store.query(kind, vector, n, where) if dense is None else dense.nearest(kind, vector, n, sources)


def hybrid_search(store: Store, lexical: LexicalIndex | None, manifest: dict[str, FileRecord], query: str,
                  vector: np.ndarray, k: int, weights: dict[str, float] = WEIGHTS,
                  sentence_peek: int = 0, sources: frozenset[str] | None = None,
                  dense: DenseIndex | None = None) -> list[Candidate]:
    """The top k chunks by fused score, then (sentence_peek > 0) any lower chunk holding one of the
    top `sentence_peek` sentences of the dense sentence search: a single sentence that matches the
    question closely is worth offering to the answerer even when its chunk as a whole ranks low.
    sources: only chunks of these files (None: all). dense: the exact vector index (`rag.dense`); None:
    Chroma's HNSW."""
    if sources is not None and not sources:
        return []
    depth = max(4 * k, 20)
    where = None if sources is None else where_sources(sources)
    near_chunks, sents = ([r for r in _nearest(store, dense, kind, vector, depth, where, sources)
                           if is_live(r.meta, manifest)] for kind in ("chunks", "sentences"))
    bm25 = [r for r in (lexical.search(query, depth, sources) if lexical else []) if is_live(r.meta, manifest)]

    fused: dict[str, float] = {}
    best_dense: dict[str, float] = {}
    records: dict[str, Record] = {}
    for rank, r in enumerate(near_chunks):
        fused[r.id] = fused.get(r.id, 0.0) + weights["dense"] / (RRF_K + rank + 1)
        best_dense[r.id] = max(best_dense.get(r.id, -1.0), r.score)
        records[r.id] = r
    for rank, r in enumerate(bm25):
        fused[r.id] = fused.get(r.id, 0.0) + weights["bm25"] / (RRF_K + rank + 1)
        records.setdefault(r.id, r)
    sent_rank: dict[str, int] = {}
    hits_of: dict[str, dict[str, int]] = {}
    for rank, r in enumerate(sents):
        cid = r.meta["chunk"]
        hits_of.setdefault(cid, {})[r.id] = rank
        best_dense[cid] = max(best_dense.get(cid, -1.0), r.score)
        if cid in sent_rank:
            continue  # a chunk votes once, at its best sentence's rank
        fused[cid] = fused.get(cid, 0.0) + weights["sentence"] / (RRF_K + len(sent_rank) + 1)
        sent_rank[cid] = rank

    order = sorted(fused, key=fused.get, reverse=True)
    top = order[:k] + [cid for cid in order[k:] if sent_rank.get(cid, sentence_peek) < sentence_peek]
    missing = [cid for cid in top if cid not in records]
    for r in store.get("chunks", missing):
        records[r.id] = r
    position = {cid: i for i, cid in enumerate(order)}
    return [Candidate(records[cid], fused[cid], best_dense.get(cid, 0.0), position[cid], sent_rank.get(cid),
                      sentence_hits=hits_of.get(cid, {}))
            for cid in top if cid in records]


def sentence_ids(c: Candidate) -> list[str]:
    m = c.record.meta
    return [sentence_id(m["source"], m["sha"], a, b) for a, b in json.loads(m["sents"])]


def with_sentences(store: Store, candidates: list[Candidate], with_vectors: bool = True) -> list[Candidate]:
    """The candidates with their sentences (and their vectors) attached: one read of the store for all."""
    ids = {c.record.id: sentence_ids(c) for c in candidates}
    wanted = list(dict.fromkeys(i for sids in ids.values() for i in sids))
    by_id = {r.id: r for r in store.get("sentences", wanted, with_vectors=with_vectors)}
    # A sentence shared by two overlapping chunks is the same Record in both.
    return [replace(c, sentences=tuple(by_id[i] for i in ids[c.record.id] if i in by_id)) for c in candidates]


# The figure look-up's row search (`with_figure_rows`): BM25 passages read, and how many of those whose
# rows answer best compete. Chosen on the figures tune half (`python -m eval.reports --half tune`),
# figure in the answer (value, unit and period): no search 0.548 (0.214). Adding the best 1 new
# passage: reading 10 passages 0.595, 20 or 40: 0.643, 80: 0.690, 160 and 300 no better. Then, with
# passages already retrieved marked to compete rather than skipped: the best 1 at 80: 0.690 (0.333);
# best 2 or 3: 0.714 (0.357); best 2 reading 20: 0.667, 40: 0.690, 160: 0.714. Cost: about 40 ms a
# figure question on the 2-core machine (the sentences of 80 passages are read to find the rows).
ROW_SEARCH = 80
ROW_CHUNKS = 2


def with_figure_rows(store: Store, lexical: LexicalIndex | None, manifest: dict[str, FileRecord], question: str,
                     titles: Callable[[], Mapping[str, str]], candidates: list[Candidate], idf=None,
                     sources: frozenset[str] | None = None) -> list[Candidate]:
    """`candidates` with the passage of the table row that best answers a figure look-up (and, for a
    ratio it names, of each row the ratio is computed from: `rag.answer.ratios`) marked to compete
    (`Candidate.row_match`), and added when the ranked search missed it. The row is found by a
    BM25 search for its label words (`lookup.label_query`) within the documents the question names,
    and must match as `lookup.answering_row` would answer with it. Why a search of its own: a statement
    row is a label and figures ("Net income 4,756 4,822 5,260"), so the question's other words (the
    company, "fiscal", the date) pull prose passages ahead of it in the fused search; the gold row of
    a tune figure question was in the pool for 29 of 42. titles: gives source -> document title, called
    only for a figure look-up (the documents' metadata is a scan of the store, once per index generation)."""
    from .answer import lookup, ratios

    ratio = ratios.asks_ratio(question)
    if lexical is None or not (lookup.asks_figure(question) or ratio):
        return candidates
    titles = titles()
    have = {c.record.id: c for c in candidates}
    chosen: set[str] = set()
    new: dict[str, Candidate] = {}
    # the question's own row, then, for a ratio it names, a row for each line item it is computed from
    # (`ratios`): the first of an item's names that finds one
    for names in ((question,), *(ratios.component_questions(question) if ratio else ())):
        for asked in names:
            # (a ratio's line items in all their columns when it names no period: "historically")
            best, found = _figure_rows(lexical, manifest, asked, titles, store, have, len(candidates) + len(new),
                                       idf, sources, any_period=asked != question)
            if best:
                chosen.update(best)
                new.update({c.record.id: c for c in found if c.record.id in best})
                break
    if ratio:  # (every passage of the rows' pages competes: those retrieved already, and the others)
        ids, more = _statement_pages(store, manifest, [c for c in (*candidates, *new.values()) if c.record.id in chosen],
                                     have | new, len(candidates) + len(new))
        chosen.update(ids)
        new.update(more)
    out = [replace(c, row_match=True) if c.record.id in chosen else c for c in candidates]
    return out + with_sentences(store, list(new.values()))  # with vectors, for the answerer


# Pages read whole for a ratio's rows: a statement's rows are on its page, and a ratio is computed from one
# statement, but the row search finds each line item's row on its own, often in another statement that
# prints the same label (a guarantor group's balance sheet beside the company's). Figures tune half, with
# `ratios.ratio_rows` choosing the company's own statement: Amcor's quick ratio is read from its balance
# sheet (it had been the guarantor group's), financebench page@5 0.75 -> 0.80; no other answer changed
# on the tune halves (as asked, --synonyms, --instructions), the conversations or dev.
STATEMENT_PAGES = 4


def _statement_pages(store: Store, manifest: dict[str, FileRecord], rows: list[Candidate],
                     have: Mapping[str, Candidate], start: int) -> tuple[set[str], dict[str, Candidate]]:
    """The ids of the passages on the pages the ratio's rows were found on (at most STATEMENT_PAGES, in
    the rows' order), and candidates, numbered from `start`, for those not in `have`."""
    pages = list(dict.fromkeys((c.record.meta["source"], c.record.meta.get("page")) for c in rows
                               if c.record.meta.get("page") is not None))[:STATEMENT_PAGES]
    ids: set[str] = set()
    out: dict[str, Candidate] = {}
    for source, page in pages:
        for r in store.on_page("chunks", source, page):
            if not is_live(r.meta, manifest):
                continue
            ids.add(r.id)
            if r.id not in have and r.id not in out:
                out[r.id] = Candidate(r, 0.0, 0.0, start + len(out), row_match=True)
    return ids, out


def _figure_rows(lexical: LexicalIndex, manifest: dict[str, FileRecord], question: str, titles: Mapping[str, str],
                 store: Store, have: Mapping[str, Candidate], start: int, idf=None,
                 sources: frozenset[str] | None = None, any_period: bool = False
                 ) -> tuple[list[str], list[Candidate]]:
    """The ids of the (at most ROW_CHUNKS) passages whose table row best answers a figure look-up, best
    first, and the candidates made for those of them not in `have` (numbered from `start`)."""
    from .answer import lookup

    docs = lookup.named_sources(question, titles)
    if sources is not None:
        docs = sources if docs is None else docs & sources
    if docs is not None and not docs:
        return [], []
    # a name no searched document holds is a label there (a segment's: "MGM China", "AWS"); with no
    # document named, every document is searched, and only names of documents are left out of the query
    # (figures tune half reworded, `eval.reports --synonyms`: figure in the answer 0.909 -> 1.000, "What
    # were AWS revenue in 2016?" finding the net sales table's "AWS" row; as asked, and dev: no change)
    searched = {s: titles.get(s, "") for s in docs} if docs else titles
    query = lookup.label_query(question, titles=searched)
    if not query:
        return [], []

    def rows(query: str):
        found = [r for r in lexical.search(query, ROW_SEARCH, docs) if is_live(r.meta, manifest)]
        new = with_sentences(store, [Candidate(r, 0.0, 0.0, start + i, row_match=True)
                                     for i, r in enumerate(found) if r.id not in have], with_vectors=False)
        new_of = {c.record.id: c for c in new}
        best = []
        for r in found:
            c = have.get(r.id) or new_of[r.id]
            title = titles.get(r.meta["source"], "")
            fits = [m.order for s in c.sentences
                    if (m := lookup.match_row(question, s.span, idf, title, any_period))
                    and m.coverage >= lookup.MIN_COVERAGE]
            if fits:
                best.append((max(fits), r.id))
        best.sort(key=lambda b: b[0], reverse=True)  # as `lookup.row_matches`; ties keep BM25's order
        return best, new

    best, new = rows(query)
    if not best and (wider := lookup.label_query(question, other_names=True, titles=searched)) != query:
        # only when the question's own words find no row: the other names bring other rows too, and
        # among rows as well named BM25's order decides (conversations held: Best Buy's six-month
        # revenue was read from the Domestic segment's "Revenue" row while they were always searched)
        best, new = rows(wider)
    chosen = list(dict.fromkeys(cid for _, cid in best[:ROW_CHUNKS]))
    return chosen, [c for c in new if c.record.id in chosen]


# The top passages whose text may name another document, and how many such documents are added. Dev
# (hotpotqa, 91 questions): both supporting paragraphs cited 0.367 and facts 0.372 for every setting
# of 1, 3 or 5 passages and 1-3 documents; citation precision 0.575 reading the top passage only, 0.571
# reading 3 or 5. covid_qa dev precision 0.410 (1 passage) / 0.408 (3), 0.414 without bridges.
BRIDGE_FROM = 1
BRIDGE_DOCS = 2


def with_bridges(store: Store, manifest: dict[str, FileRecord], question: str, vector: np.ndarray,
                 names: Callable[[], Mapping[str, list[str]]], candidates: list[Candidate],
                 sources: frozenset[str] | None = None, dense: DenseIndex | None = None) -> list[Candidate]:
    """`candidates` with the best passage of each document that the top passages name by its title,
    as written, when the question does not name it ("...the fourth studio album by American rock band
    Fall Out Boy" brings the document "Fall Out Boy" for "...formed in which city?"). The answerer
    then cites it after its first sentence when that sentence names it (`rag.answer.compose.bridge`).
    Why a search of its own: the second document of a two-step question shares few words with it, so
    the fused search ranks it low or misses it (dev numbers: `rag.answer.compose.bridge`). names:
    gives `title_index` of the documents' titles (built once per index generation by its caller)."""
    names = names()
    if not names:
        return candidates
    asked = question.lower()
    have = {c.record.meta["source"] for c in candidates}
    found: list[str] = []
    for c in candidates[:BRIDGE_FROM]:
        for name in terms.phrases_in(c.record.text, names):
            for src in names[name]:
                if src not in have and src not in found and not terms.phrases_in(asked, {name.lower()}) \
                        and (sources is None or src in sources):
                    found.append(src)
    new = []
    for src in found[:BRIDGE_DOCS]:
        # its passage nearest the question, by the dense search alone: a BM25 search kept to one file
        # reads and filters the whole ranking (70 ms a question on hotpotqa's 5,000 files)
        one = frozenset({src})
        best = next((r for r in _nearest(store, dense, "chunks", vector, 4, where_sources(one), one)
                     if is_live(r.meta, manifest)), None)
        if best is not None:
            new.append(Candidate(best, 0.0, best.score, len(candidates) + len(new), bridged=True))
    return candidates + with_sentences(store, new) if new else candidates


def title_index(titles: Mapping[str, str]) -> dict[str, list[str]]:
    """name -> sources, for the titles (source -> title) that read as names (`terms.title_name`)."""
    out: dict[str, list[str]] = {}
    for src, title in titles.items():
        if name := terms.title_name(title):
            out.setdefault(name, []).append(src)
    return out
