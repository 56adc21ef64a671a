"""The candidate sentences and the features every model of the answerer reads, by name.

`features` turns the sentences of the retrieved passages into a matrix with one column per name in
FEATURES (built as named columns, so training, `eval/train_answerer.py`, and answering cannot drift
apart); `abstain_features` and the relevance stage's `rerank_features` and
`relevance_abstain_features` do the same for the models stacked on them.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

import numpy as np

from .. import terms
from ..retrieve import Candidate
from ..store import Record
from ..types import Span

if TYPE_CHECKING:
    from .model import Model

# The sentence features, by name. Computed at answer time by `features` and in training by the
# same function (eval/train_answerer.py), so the two cannot drift apart.
FEATURES = (
    "cos",            # cosine of the question and the sentence
    "cos_gap_best",   # cos minus the best cos in the pool (<= 0)
    "cos_gap_next",   # cos minus the next lower cos in the pool (>= 0): how far ahead it is
    "cos_window",     # cosine of the question and the sentence with its neighbours (mean vector)
    "cov",            # share of the question's words in the sentence, weighted by rarity (idf)
    "cov_gap_best",   # cov minus the best cov in the pool
    "cov_window",     # the same over the sentence and its neighbours
    "cov_title",      # ... over its section title
    "idf_hits",       # log(1 + summed idf of the question words it holds): a BM25-like mass
    "miss_key",       # idf share of the rarest question word missing from it and its neighbours
    "chunk_rank",     # 1 / (1 + fused rank of its passage)
    "chunk_fused",    # fused score of its passage / the best fused score
    "chunk_dense",    # best cosine of the question to its passage or one of its sentences
    "sent_search",    # 1 / (1 + its rank in the dense sentence search), 0 when not found there
    "num_match",      # the question asks for a quantity and the sentence holds a number
    "date_match",     # ... a date, and it holds one
    "name_match",     # ... a person ("who"), and it holds a name the question does not
    "has_num", "has_date", "has_name",
    "novelty",        # share of its words not in the question (an answer adds something)
    "pos_chunk",      # 1 / (1 + its position in its passage)
    "length",         # log(1 + words)
    "heading",        # a heading or title line
    "table",          # a table row
)
ABSTAIN_FEATURES = ("top_logit", "top_cos", "top_cov", "top_cov_window", "gap_logit", "max_cos", "max_cov",
                    "top_chunk_dense", "mean_top3_logit", "q_terms", "top_miss_key", "top_type_missing")
# Chunks outside the top n that hold one of the dense sentence search's best 2 sentences join the
# pool (dev: covid_qa citation recall 0.448 -> 0.455, other sets unchanged).
SENTENCE_PEEK = 2
N_CHUNKS = 5  # passages whose sentences compete (config.answer_chunks; 8 measured worse on dev)

# The relevance model's second stage (`rag.relevance`, a cross-encoder): it reads the question with
# each of the first ranker's top `Rerank.n` sentences; a logistic stacker over these per-sentence
# features gives the final order, and the abstainer reads the question-level ones below. Both are
# fitted on dev scores, which the cross-encoder never trained on (`eval/train_rerank.py`).
RERANK_FEATURES = (
    "ce",             # the cross-encoder's logit
    "ce_gap_best",    # ce minus the best ce among the n (<= 0)
    "stage_logit",    # the first ranker's logit
    "stage_rank",     # 1 / (1 + rank under the first ranker)
)
RELEVANCE_ABSTAIN_FEATURES = (
    "ce_top", "ce_second", "ce_gap",  # the best ce, the runner-up, their difference
    "ce_pass",        # log(1 + sentences with ce > 0)
    "ce_mean_top3",
    "final_top", "final_gap",  # the stacker's best logit and its lead on the next
) + ABSTAIN_FEATURES  # the first ranker's own question-level features


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


@dataclass(frozen=True)
class Scored:
    """A candidate sentence: the stored record, its features, the ranker's logit and probability, and
    its content terms."""

    record: Record
    x: np.ndarray
    logit: float
    terms: frozenset

    @property
    def span(self) -> Span:
        return self.record.span

    @property
    def prob(self) -> float:
        return float(sigmoid(self.logit))

    def feature(self, name: str) -> float:
        return float(self.x[FEATURES.index(name)])


def named(columns: dict[str, object], names: tuple[str, ...], n: int | None = None) -> np.ndarray:
    """The columns in the order of `names`: one row (n None) or an (n, len(names)) matrix. Features
    are computed under their names and ordered here, never by position."""
    if set(columns) != set(names):
        raise ValueError(f"features differ from the model's: {sorted(set(columns) ^ set(names))}")
    if n is None:
        return np.asarray([columns[k] for k in names], dtype=np.float64)
    return np.column_stack([np.broadcast_to(np.asarray(columns[k], dtype=np.float64), (n,)) for k in names])


def pool(candidates: Sequence[Candidate], n_chunks: int = N_CHUNKS) -> list[Candidate]:
    """The passages whose sentences compete: the top n_chunks, those holding one of the dense
    sentence search's top SENTENCE_PEEK sentences, those the figure look-up's row search found, and
    those of documents the top passages name (`rag.retrieve.with_bridges`)."""
    return list(candidates[:n_chunks]) + [c for c in candidates[n_chunks:] if c.row_match or c.bridged or (
        c.sentence_rank is not None and c.sentence_rank < SENTENCE_PEEK)]


_Q_NUM = re.compile(r"\bhow (many|much|long|far|old|big|large|high|tall|often|fast)\b|\bwhat (percentage|percent|"
                    r"proportion|share|number|amount|rate|fraction|ratio|dose|dosage)\b|\bby how\b")
_Q_DATE = re.compile(r"\bwhen\b|\bwhat (year|date|day|month|time|decade|century)\b|\bin which year\b")
_Q_WHO = re.compile(r"^\W*(who|whom|whose)\b|\bwhich (person|people)\b")
_DATE = re.compile(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d|\b1[5-9]\d\d\b|\b20\d\d\b|"
                   r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|yesterday|tomorrow)\b",
                   re.IGNORECASE)


def asks_for(question: str) -> str:
    """The kind of answer a question asks for, from its wh-words: 'number', 'date', 'name' or ''."""
    q = terms.normalize(question)
    if _Q_NUM.search(q):
        return "number"
    if _Q_DATE.search(q):
        return "date"
    if _Q_WHO.search(q):
        return "name"
    return ""


def features(question: str, candidates: Sequence[Candidate], qvec: np.ndarray, idf=None
             ) -> tuple[list[Record], np.ndarray, list[frozenset]]:
    """(sentences, (n, len(FEATURES)) matrix, each sentence's content terms) for the sentences of
    `candidates`, each sentence once (at its best-ranked passage)."""
    records: list[Record] = []
    index: dict[str, int] = {}
    cand_of: list[Candidate] = []
    pos: list[int] = []
    neighbours: list[list[str]] = []
    for c in candidates:
        sents = c.sentences
        for j, r in enumerate(sents):
            if r.id in index:
                continue
            index[r.id] = len(records)
            records.append(r)
            cand_of.append(c)
            pos.append(j)
            neighbours.append([sents[k].id for k in (j - 1, j + 1) if 0 <= k < len(sents)])
    n = len(records)
    if not n:
        return [], np.zeros((0, len(FEATURES))), []
    q_terms = set(terms.content_terms(question))
    sent_terms = [frozenset(terms.content_terms(r.text)) for r in records]
    weight = idf or pool_idf(sent_terms)
    q_weight = {t: weight(t) for t in q_terms}
    q_total = sum(q_weight.values()) or 1.0

    def cov(st) -> float:
        return sum(w for t, w in q_weight.items() if t in st) / q_total if q_terms else 0.0

    V = np.stack([r.vector for r in records]).astype(np.float32)
    q = np.asarray(qvec, dtype=np.float32)
    cos = V @ q
    W = V.copy()
    for i, nb in enumerate(neighbours):
        for sid in nb:
            W[i] += V[index[sid]]
    W /= np.maximum(np.linalg.norm(W, axis=1, keepdims=True), 1e-9)
    cos_window = W @ q
    order = np.sort(cos)
    below = np.searchsorted(order, cos, side="left")  # how many are strictly lower
    cos_gap_next = np.where(below > 0, cos - order[np.maximum(below - 1, 0)], 0.0)
    best_fused = max(c.score for c in candidates) or 1.0
    want = asks_for(question)
    qwords = {w.lower() for w in terms.words(question)}

    covs = np.asarray([cov(st) for st in sent_terms])
    title_cache: dict[str, float] = {}
    cols: dict[str, list[float]] = {name: [] for name in FEATURES if name not in ("cos", "cos_window", "cos_gap_next")}
    for i, (r, st, c) in enumerate(zip(records, sent_terms, cand_of)):
        span = r.span
        window = st.union(*(sent_terms[index[sid]] for sid in neighbours[i]))
        if span.section not in title_cache:
            title_cache[span.section] = cov(frozenset(terms.content_terms(span.section))) if span.section else 0.0
        text = r.text
        has_num = 1.0 if terms.numbers(text, small_words=False) else 0.0
        has_date = 1.0 if _DATE.search(text) else 0.0
        has_name = 1.0 if any(w.lower() not in qwords for w in terms.NAME.findall(text)) else 0.0
        hit_rank = c.sentence_hits.get(r.id)
        row = {
            "cov": covs[i], "cov_gap_best": covs[i] - covs.max(), "cov_window": cov(window),
            "cov_title": title_cache[span.section],
            "idf_hits": math.log1p(sum(w for t, w in q_weight.items() if t in st)),
            "miss_key": max((w for t, w in q_weight.items() if t not in window), default=0.0) / q_total,
            "chunk_rank": 1.0 / (1 + c.rank), "chunk_fused": c.score / best_fused, "chunk_dense": c.dense,
            "sent_search": 1.0 / (1 + hit_rank) if hit_rank is not None else 0.0,
            "num_match": has_num * (want == "number"), "date_match": has_date * (want == "date"),
            "name_match": has_name * (want == "name"),
            "has_num": has_num, "has_date": has_date, "has_name": has_name,
            "novelty": len(st - q_terms) / max(len(st), 1),
            "pos_chunk": 1.0 / (1 + pos[i]),
            "length": math.log1p(len(text.split())),
            "heading": 1.0 if span.kind == "heading" else 0.0,
            "table": 1.0 if span.kind == "table_row" else 0.0,
        }
        for name, v in row.items():
            cols[name].append(v)
    rows = named({**cols, "cos": cos, "cos_gap_best": cos - cos.max(), "cos_window": cos_window,
                  "cos_gap_next": cos_gap_next}, FEATURES, n)
    return records, rows, sent_terms


def rank(question: str, candidates: Sequence[Candidate], qvec: np.ndarray, model: Model, idf=None) -> list[Scored]:
    """The sentences of `candidates`, most likely answer first."""
    records, X, sent_terms = features(question, candidates, qvec, idf)
    if not records:
        return []
    z = model.logits(X)
    out = [Scored(r, x, float(s), st) for r, x, s, st in zip(records, X, z, sent_terms)]
    out.sort(key=lambda s: s.logit, reverse=True)
    return out


def abstain_features(ranked: Sequence[Scored], question: str) -> np.ndarray:
    """The question-level features the abstainer reads (ABSTAIN_FEATURES), from the ranked pool."""
    top = ranked[0]
    want = asks_for(question)
    X = np.stack([s.x for s in ranked])
    f = FEATURES.index
    kind_missing = bool(want) and top.feature({"number": "has_num", "date": "has_date", "name": "has_name"}[want]) == 0.0
    return named({
        "top_logit": top.logit, "top_cos": top.feature("cos"), "top_cov": top.feature("cov"),
        "top_cov_window": top.feature("cov_window"),
        "gap_logit": top.logit - (ranked[1].logit if len(ranked) > 1 else top.logit - 5.0),
        "max_cos": float(X[:, f("cos")].max()), "max_cov": float(X[:, f("cov")].max()),
        "top_chunk_dense": top.feature("chunk_dense"),
        "mean_top3_logit": float(np.mean([s.logit for s in ranked[:3]])),
        "q_terms": math.log1p(len(set(terms.content_terms(question)))),
        "top_miss_key": top.feature("miss_key"), "top_type_missing": float(kind_missing),
    }, ABSTAIN_FEATURES)


def rerank_features(ce: np.ndarray, stage_logits: np.ndarray) -> np.ndarray:
    """RERANK_FEATURES of the first ranker's top sentences (in its order), given their ce logits."""
    n = len(ce)
    return named({"ce": ce, "ce_gap_best": ce - (ce.max() if n else 0.0), "stage_logit": stage_logits,
                  "stage_rank": 1.0 / (1.0 + np.arange(n))}, RERANK_FEATURES, n)


def relevance_abstain_features(ce: np.ndarray, final: np.ndarray, stage: np.ndarray) -> np.ndarray:
    """RELEVANCE_ABSTAIN_FEATURES: the ce logits and stacker logits of the top sentences (any order),
    and the first ranker's abstain_features (`stage`, in ABSTAIN_FEATURES order)."""
    c = np.sort(ce)[::-1]
    f = np.sort(final)[::-1]
    second = c[1] if len(c) > 1 else c[0] - 5.0
    f_second = f[1] if len(f) > 1 else f[0] - 5.0
    own = {"ce_top": c[0], "ce_second": second, "ce_gap": c[0] - second, "ce_pass": math.log1p(float((c > 0).sum())),
           "ce_mean_top3": float(c[:3].mean()), "final_top": f[0], "final_gap": f[0] - f_second}
    return named({**own, **dict(zip(ABSTAIN_FEATURES, stage))}, RELEVANCE_ABSTAIN_FEATURES)


# -- word statistics (also used by rag.verify) ---------------------------------------------------
def pool_idf(sent_terms: list[frozenset]):
    """Fallback when no corpus statistics are at hand: rarity within the candidate sentences."""
    n = len(sent_terms)
    df: dict[str, int] = {}
    for st in sent_terms:
        for t in st:
            df[t] = df.get(t, 0) + 1
    return lambda t: math.log(1.0 + (n + 1) / (df.get(t, 0) + 0.5))


def coverage(q_terms: set[str], st: frozenset, idf) -> float:
    """Share of the question's words (weighted by rarity) that the sentence contains."""
    if not q_terms:
        return 0.0
    total = sum(idf(t) for t in q_terms)
    return sum(idf(t) for t in q_terms if t in st) / total if total else 0.0

