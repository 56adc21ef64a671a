"""The default answerer: extractive, grounded, cited. No LLM, no I/O.

`answer(question, candidates, qvec, history, model)` is a pure function. The candidates come from
retrieval with their sentences and vectors attached (`rag.retrieve.with_sentences`); each sentence
of the top passages gets named features (`FEATURES`: similarity to the question, alone and with
its neighbours; rarity-weighted coverage of the question's words; the retrieval ranks and scores
of its passage; whether it holds the kind of thing asked for; position, length). A logistic ranker
turns them into the probability that the sentence states the answer, and a second logistic model
over the best candidates decides whether the documents answer at all. Both live in
`rag/models/answerer.json`, fitted on the `train` splits of third-party QA sets and chosen on their
`dev` splits by `python -m eval.train_answerer` (see `rag/models/answerer.md`).
More sentences are cited when the ranker is confident about them and they add words the first
lacks; figures from different sources that disagree are shown side by side.
Not here: retrieval (`rag.retrieve`), reading follow-ups in their conversation (`rag.followup`).
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from . import terms
from .read import table
from .followup import Resolved, resolve
from .retrieve import Candidate
from .store import Record
from .types import Answer, Citation

MODEL_PATH = Path(__file__).resolve().parent / "models" / "answerer.json"

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

# Share of content words (Jaccard) a chosen sentence shares with a sentence of another file above
# which the two make the same statement: if their words differ at all (another figure, date or
# name), that version is shown too (RIVAL_OVERLAP), and above DIFFER_OVERLAP the answer says the
# sources differ. Words rather than embedding cosine: swapping one name moved the cosine of short
# sentences down to 0.65-0.88 (dev), while the shared words stay. Chosen on dev with
# `python -m eval.conflicts` (altered copies of the evidence passage; table in
# eval/results/conflicts.json, all dev questions): 0.6 shows both versions in 0.69 / 0.83 / 0.79
# of the conflicts (covid_qa / hotpotqa / pubmedqa; 0.56 / 0.44 / 0.53 without rivals), and
# flagging from 0.8 keeps false alarms on the unaltered pools at 1.0% / 1.1% / 0% (from 0.7: 5.5%
# on hotpotqa, whose articles share sentence shapes such as "X (born 1950) is an American actor").
RIVAL_OVERLAP = 0.6
DIFFER_OVERLAP = 0.8

# A heading names a topic and a table's head row labels columns: neither states anything, so they help
# rank (section titles are features) but are never the answer.
NEVER_ANSWER = ("heading", "table_head")
# Other rows of a table in the relevance model's top sentences that it reads too (0: only the top
# `rerank.n`). Neutral on dev where measured (reports tune half: figure in answer 0.452 both,
# value+unit+period 0.190 both; conversations tune half: fact first 0.455 both, hand-resolved
# 0.455 -> 0.466), and it is what lets a row the first ranker put fifth be picked at all
# (tests/test_followup.py: "And Ferries?" got the Harbour row without it).
TABLE_SIBLINGS = 12
DECLINE = "The documents don't say. I found nothing in them that answers this question."

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


# -- the model ------------------------------------------------------------------------------------
class Trees:
    """Boosted regression trees (exported from scikit-learn's HistGradientBoostingClassifier),
    evaluated for many rows at once with numpy: every tree walks one level per step."""

    def __init__(self, spec: dict):
        shape = (int(spec["trees"]), int(spec["width"]))  # every tree's nodes padded to one width
        self.base = float(spec["base"])
        self.feature = np.asarray(spec["feature"], dtype=np.int64).reshape(shape)
        self.threshold = np.asarray(spec["threshold"], dtype=np.float64).reshape(shape)
        self.left = np.asarray(spec["left"], dtype=np.int64).reshape(shape)
        self.right = np.asarray(spec["right"], dtype=np.int64).reshape(shape)
        self.leaf = self.left == 0  # the root is nobody's child: 0 marks a leaf
        self.value = np.asarray(spec["value"], dtype=np.float64).reshape(shape)
        self.depth = int(spec["depth"])

    def margin(self, X: np.ndarray) -> np.ndarray:
        n_trees, n = len(self.feature), len(X)
        t = np.arange(n_trees)[:, None]
        node = np.zeros((n_trees, n), dtype=np.int64)
        rows = np.arange(n)[None, :]
        for _ in range(self.depth):
            leaf = self.leaf[t, node]
            if leaf.all():
                break
            x = X[rows, self.feature[t, node]]
            step = np.where(x <= self.threshold[t, node], self.left[t, node], self.right[t, node])
            node = np.where(leaf, node, step)
        return self.base + self.value[t, node].sum(axis=0)


@dataclass(frozen=True)
class Model:
    """The sentence ranker and the abstainer over the best candidates' features (each logistic or
    boosted trees, whichever did better on dev), and the operating points chosen on dev."""

    features: tuple[str, ...]
    ranker: object  # a Trees, or (mean, scale, coef, bias) of a logistic model
    abstain_features: tuple[str, ...]
    abstainer: object  # the same, over ABSTAIN_FEATURES
    answer_above: float  # P(answerable) below this declines
    add_above: float  # P(answer sentence) above which a further sentence of a cited file is cited
    add_other_above: float  # ... and one of a file not cited yet (a second hop, another source's figure)
    max_sentences: int = 3
    rerank: "Rerank | None" = None  # the relevance model's stage, when fitted
    rival_overlap: float = RIVAL_OVERLAP  # a near-copy of a chosen sentence in another file, saying something else: shown too
    differ_overlap: float = DIFFER_OVERLAP  # ... and above this, the answer says the sources differ

    @classmethod
    def from_dict(cls, d: dict) -> "Model":
        r, a = d["ranker"], d["abstainer"]
        if tuple(r["features"]) != FEATURES or tuple(a["features"]) != ABSTAIN_FEATURES:
            raise ValueError("answerer model was built for other features: rebuild it (python -m eval.train_answerer)")
        c = d["compose"]
        rr = Rerank.from_dict(d["rerank"]) if d.get("rerank") else None
        return cls(FEATURES, _scorer(r), ABSTAIN_FEATURES, _scorer(a), float(a["answer_above"]), float(c["add_above"]),
                   float(c["add_other_above"]), int(c.get("max_sentences", 3)), rr,
                   float(c.get("rival_overlap", RIVAL_OVERLAP)), float(c.get("differ_overlap", DIFFER_OVERLAP)))

    def logits(self, X: np.ndarray) -> np.ndarray:
        return _margin(self.ranker, X)

    def p_answerable(self, x: np.ndarray) -> float:
        return float(_sigmoid(_margin(self.abstainer, x[None, :])[0]))


@dataclass(frozen=True)
class Rerank:
    """The relevance stage's settings, all chosen on dev: how many of the first ranker's sentences
    the cross-encoder reads, the stacker over RERANK_FEATURES, the abstainer over
    RELEVANCE_ABSTAIN_FEATURES with its threshold, and the compose thresholds on the new scale."""

    n: int
    stacker: object
    abstainer: object
    answer_above: float
    add_above: float
    add_other_above: float

    @classmethod
    def from_dict(cls, d: dict) -> "Rerank":
        if tuple(d["stacker"]["features"]) != RERANK_FEATURES or \
                tuple(d["abstainer"]["features"]) != RELEVANCE_ABSTAIN_FEATURES:
            raise ValueError("relevance stage was fitted for other features: rebuild it (python -m eval.train_rerank)")
        return cls(int(d["n"]), _scorer(d["stacker"]), _scorer(d["abstainer"]), float(d["answer_above"]),
                   float(d["add_above"]), float(d["add_other_above"]))


def _scorer(spec: dict):
    if spec.get("kind") == "trees":
        return Trees(spec)
    arr = lambda v: np.asarray(v, dtype=np.float64)  # noqa: E731
    return arr(spec["mean"]), arr(spec["scale"]), arr(spec["coef"]), float(spec["bias"])


def _margin(scorer, X: np.ndarray) -> np.ndarray:
    if isinstance(scorer, Trees):
        return scorer.margin(X)
    mean, scale, coef, bias = scorer
    return ((X - mean) / scale) @ coef + bias


@lru_cache(maxsize=4)
def load_model(path: str = str(MODEL_PATH)) -> Model:
    with open(path, encoding="utf-8") as fh:
        return Model.from_dict(json.load(fh))


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


# -- candidate sentences and their features -----------------------------------------------------
@dataclass(frozen=True)
class Scored:
    """A candidate sentence: the stored record (meta: source, start, end, lines, page, chunk, section),
    its features, the ranker's logit and probability, and its content terms."""

    record: Record
    x: np.ndarray
    logit: float
    terms: frozenset

    @property
    def prob(self) -> float:
        return float(_sigmoid(self.logit))

    def feature(self, name: str) -> float:
        return float(self.x[FEATURES.index(name)])


def pool(candidates: Sequence[Candidate], n_chunks: int = N_CHUNKS) -> list[Candidate]:
    """The passages whose sentences compete: the top n_chunks and those holding one of the dense
    sentence search's top SENTENCE_PEEK sentences."""
    return list(candidates[:n_chunks]) + [c for c in candidates[n_chunks:]
                                          if c.sentence_rank is not None and c.sentence_rank < SENTENCE_PEEK]


_Q_NUM = re.compile(r"\bhow (many|much|long|far|old|big|large|high|tall|often|fast)\b|\bwhat (percentage|percent|"
                    r"proportion|share|number|amount|rate|fraction|ratio|dose|dosage)\b|\bby how\b")
_Q_DATE = re.compile(r"\bwhen\b|\bwhat (year|date|day|month|time|decade|century)\b|\bin which year\b")
_Q_WHO = re.compile(r"^\W*(who|whom|whose)\b|\bwhich (person|people)\b")
_DATE = re.compile(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d|\b1[5-9]\d\d\b|\b20\d\d\b|"
                   r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|yesterday|tomorrow)\b",
                   re.IGNORECASE)
# A capitalised word that does not start the sentence, or an acronym.
_NAME = re.compile(r"(?<=[\w,;:] )[A-Z][\w'’-]*[a-z]\w*|\b[A-Z]{2,}\b")


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

    rows = np.zeros((n, len(FEATURES)), dtype=np.float64)
    covs = np.asarray([cov(st) for st in sent_terms])
    title_cache: dict[str, float] = {}
    for i, (r, st, c) in enumerate(zip(records, sent_terms, cand_of)):
        window = st.union(*(sent_terms[index[sid]] for sid in neighbours[i]))
        section = r.meta.get("section", "") or ""
        if section not in title_cache:
            title_cache[section] = cov(frozenset(terms.content_terms(section))) if section else 0.0
        text = r.text
        has_num = 1.0 if terms.numbers(text, small_words=False) else 0.0
        has_date = 1.0 if _DATE.search(text) else 0.0
        has_name = 1.0 if any(w.lower() not in qwords for w in _NAME.findall(text)) else 0.0
        hit_rank = c.sentence_hits.get(r.id)
        kind = r.meta.get("kind", "")
        rows[i] = (
            cos[i], 0.0, cos_gap_next[i], cos_window[i],
            covs[i], 0.0, cov(window), title_cache[section],
            math.log1p(sum(w for t, w in q_weight.items() if t in st)),
            max((w for t, w in q_weight.items() if t not in window), default=0.0) / q_total,
            1.0 / (1 + c.rank), c.score / best_fused, c.dense,
            1.0 / (1 + hit_rank) if hit_rank is not None else 0.0,
            has_num * (want == "number"), has_date * (want == "date"), has_name * (want == "name"),
            has_num, has_date, has_name,
            len(st - q_terms) / max(len(st), 1),
            1.0 / (1 + pos[i]),
            math.log1p(len(text.split())),
            1.0 if kind == "heading" else 0.0,
            1.0 if kind == "table_row" else 0.0,
        )
    rows[:, FEATURES.index("cos_gap_best")] = cos - cos.max()
    rows[:, FEATURES.index("cov_gap_best")] = covs - covs.max()
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
    logits = [s.logit for s in ranked[:3]]
    X = np.stack([s.x for s in ranked])
    f = FEATURES.index
    return np.asarray([
        top.logit, top.feature("cos"), top.feature("cov"), top.feature("cov_window"),
        top.logit - (ranked[1].logit if len(ranked) > 1 else top.logit - 5.0),
        float(X[:, f("cos")].max()), float(X[:, f("cov")].max()), top.feature("chunk_dense"),
        float(np.mean(logits)), math.log1p(len(set(terms.content_terms(question)))),
        top.feature("miss_key"), float(bool(want) and top.feature({"number": "has_num", "date": "has_date",
                                                                   "name": "has_name"}[want]) == 0.0),
    ], dtype=np.float64)


# -- the relevance stage ------------------------------------------------------------------------------
def rerank_features(ce: np.ndarray, stage_logits: np.ndarray) -> np.ndarray:
    """RERANK_FEATURES of the first ranker's top sentences (in its order), given their ce logits."""
    n = len(ce)
    return np.column_stack([ce, ce - (ce.max() if n else 0.0), stage_logits, 1.0 / (1.0 + np.arange(n))])


def relevance_abstain_features(ce: np.ndarray, final: np.ndarray, stage: np.ndarray) -> np.ndarray:
    """RELEVANCE_ABSTAIN_FEATURES: the ce logits and stacker logits of the top sentences (any order),
    then the first ranker's abstain_features."""
    c = np.sort(ce)[::-1]
    f = np.sort(final)[::-1]
    second = c[1] if len(c) > 1 else c[0] - 5.0
    f_second = f[1] if len(f) > 1 else f[0] - 5.0
    return np.concatenate([[c[0], second, c[0] - second, math.log1p(float((c > 0).sum())), float(c[:3].mean()),
                            f[0], f[0] - f_second], stage]).astype(np.float64)


def rerank(question: str, ranked: list[Scored], texts: dict[str, str], relevance, rr: Rerank
           ) -> tuple[list[Scored], float]:
    """The first ranker's top `rr.n` sentences reordered by the stacker over the relevance model's
    logits, the rest after them; and P(the documents answer the question) from the abstainer.
    texts: sentence id -> `rag.relevance.pair_text` (the sentence with its context)."""
    top = ranked[:rr.n]
    top += _table_siblings(top, ranked[rr.n:])
    ce = relevance.logits(question, [texts[s.record.id] for s in top])
    z = _margin(rr.stacker, rerank_features(ce, np.asarray([s.logit for s in top])))
    stage = abstain_features(ranked, question)
    p = float(_sigmoid(_margin(rr.abstainer, relevance_abstain_features(ce, z, stage)[None, :])[0]))
    floor = float(z.min()) - 1.0  # the rest keep their order, below every sentence the model read
    new = [replace(s, logit=float(v)) for s, v in zip(top, z)]
    new.sort(key=lambda s: s.logit, reverse=True)
    read = {s.record.id for s in top}
    rest = [replace(s, logit=min(s.logit, floor)) for s in ranked if s.record.id not in read]
    return new + rest, p


def _table_siblings(top: list[Scored], rest: Sequence[Scored]) -> list[Scored]:
    """The other rows of the tables the top sentences come from (a row's table: its header, or the
    passage of a header line, which carries none), up to TABLE_SIBLINGS: the first ranker finds the
    right table but often not the row ("Ferries" below "Harbour"), and only what the relevance
    model reads can be picked."""
    def key(s: Scored):
        return s.record.meta.get("source"), s.record.meta.get("header") or s.record.meta.get("chunk")

    tables = {key(s) for s in top if s.record.meta.get("kind") in ("table_row", "table_head")}
    tables |= {(s.record.meta.get("source"), s.record.meta.get("chunk")) for s in top
               if s.record.meta.get("kind") == "table_head"}
    if not tables or not TABLE_SIBLINGS:
        return []
    same = [s for s in rest if s.record.meta.get("kind") == "table_row"
            and (key(s) in tables or (s.record.meta.get("source"), s.record.meta.get("chunk")) in tables)]
    return same[:TABLE_SIBLINGS]


# -- the answer -------------------------------------------------------------------------------------
def answer(question: str | Resolved, candidates: Sequence[Candidate], qvec: np.ndarray, history=(), *,
           model: Model | None = None, idf=None, n_chunks: int = N_CHUNKS, relevance=None) -> Answer:
    """Answer `question` from the sentences of the retrieved `candidates` (with sentences attached).

    question: as asked, or already read in its conversation (`rag.followup.resolve`). qvec: the
    embedding of the retrieval query. history: earlier (question, answer text) pairs, oldest first.
    idf: word rarity over the corpus (term -> weight); None: rarity within the pool.
    relevance: a `rag.relevance.Relevance` (the cross-encoder); None: the first ranker alone.
    """
    model = model or load_model()
    res = question if isinstance(question, Resolved) else resolve(question, history)
    hits = tuple(c.hit() for c in candidates)
    asked = res.standalone  # what is scored and answered: "And Gaming?" reads as the whole question
    cands = pool(candidates, n_chunks)
    ranked = rank(asked, cands, qvec, model, idf)
    declined = Answer(res.question, DECLINE, (), True, hits, resolved=res.resolved)
    if not ranked:
        return declined
    rr = model.rerank if relevance is not None else None
    if rr is not None:
        from .relevance import sentence_texts

        ranked, p = rerank(asked, ranked, sentence_texts(cands), relevance, rr)
        answer_above, model = rr.answer_above, replace(model, add_above=rr.add_above, add_other_above=rr.add_other_above)
    if res.previous_answer:
        ranked = _not_again(ranked, res.own_terms, res.previous_answer)
    if rr is None:
        p, answer_above = model.p_answerable(abstain_features(ranked, asked)), model.answer_above
    if p < answer_above:
        return declined
    # ("Who chairs the cooperative?" was once answered with "# Northfield Bakery Cooperative")
    statements = [s for s in ranked if s.record.meta.get("kind", "") not in NEVER_ANSWER] or ranked
    ans = compose(asked, lead_ins(select(statements, model), ranked), hits, model.differ_overlap)
    return replace(ans, question=res.question, resolved=res.resolved)


def _not_again(ranked: list[Scored], own: frozenset, previous: str) -> list[Scored]:
    """Sentences of the previous answer are left out (said already) unless they hold what the
    follow-up itself names, so the history (which also matches the earlier answer) never repeats it.
    ("Where is it located?" after an answer that said where: that sentence answers it again.)"""
    prev = terms.normalize(previous)

    def repeat(s: Scored) -> bool:
        return terms.normalize(s.record.text) in prev and not own & s.terms

    return [s for s in ranked if not repeat(s)] or ranked


def select(ranked: Sequence[Scored], model: Model) -> list[Scored]:
    """The best sentence, then each further one that adds words the chosen ones lack and that the
    ranker gives at least `model.add_other_above` when it comes from a file not cited yet, else
    `model.add_above` (both chosen on dev, see answerer.md), up to `model.max_sentences`. A chosen
    sentence that another file restates with other figures or names brings that version along
    (`rival`), beyond the limit: a reader must see that the sources disagree."""
    chosen: list[Scored] = []
    covered: set[str] = set()

    def take(s: Scored) -> None:
        chosen.append(s)
        covered.update(s.terms)
        other = rival(s, ranked, chosen, model.rival_overlap)
        if other is not None:
            chosen.append(other)
            covered.update(other.terms)

    take(ranked[0])
    picked = 1  # sentences chosen on their own merit (rivals not counted)
    for s in ranked[1:]:
        if picked >= model.max_sentences:
            break
        if any(s is c for c in chosen):
            continue
        new_file = all(s.record.meta["source"] != c.record.meta["source"] for c in chosen)
        if s.prob < (model.add_other_above if new_file else model.add_above) or any(_same_span(s, c) for c in chosen):
            continue
        if s.terms - covered:
            take(s)
            picked += 1
    return chosen


LEAD_IN_REACH = 6  # units after a lead-in that may hold what it announces (a table's first rows, a list)
LEAD_IN_CHARS = 2000  # ... within this distance of it in the source text


def lead_ins(chosen: list[Scored], ranked: Sequence[Scored]) -> list[Scored]:
    """A chosen sentence that announces what follows ("Cash and cash equivalents were as follows ($ in
    millions):") states nothing itself: it gives its place to the best-ranked of the table rows or
    list items right after it in the same file, when one is among the candidates."""
    out: list[Scored] = []
    for s in chosen:
        m = s.record.meta
        if s.record.text.rstrip().endswith(":"):
            after = sorted((r for r in ranked if r.record.meta["source"] == m["source"]
                            and 0 <= r.record.meta["start"] - m["end"] <= LEAD_IN_CHARS
                            and r.record.meta.get("kind") in ("table_row", "list_item")),
                           key=lambda r: r.record.meta["start"])[:LEAD_IN_REACH]
            best = max(after, key=lambda r: r.logit, default=None)
            if best is not None and not any(best is c for c in chosen + out):
                s = best
        out.append(s)
    return out


def rival(s: Scored, ranked: Sequence[Scored], chosen: Sequence[Scored], min_overlap: float) -> Scored | None:
    """The best-ranked sentence of another file, not chosen yet, that restates `s` with some content
    words changed -- another figure, date or name for the same statement -- or None."""
    src = s.record.meta["source"]
    return next((r for r in ranked if r.record.meta["source"] != src and not any(r is c for c in chosen)
                 and _restates(s, r, min_overlap)), None)


def _restates(a: Scored, b: Scored, min_overlap: float) -> bool:
    """The same statement with different content words: Jaccard of their words >= min_overlap, < 1."""
    union = len(a.terms | b.terms)
    return bool(union) and min_overlap <= len(a.terms & b.terms) / union < 1.0


def _same_span(a: Scored, b: Scored) -> bool:
    ma, mb = a.record.meta, b.record.meta
    return ma["source"] == mb["source"] and ma["start"] < mb["end"] and mb["start"] < ma["end"]


def _conflicting(a: Scored, b: Scored, q_terms: set[str], min_overlap: float, number_question: bool) -> bool:
    """Two files disagree: one sentence nearly restates the other with other content words, or
    (for a question asking how many/much) both carry figures, none in common, and they share at
    least two of the question's words (so they talk about the same quantity)."""
    if a.record.meta["source"] == b.record.meta["source"]:
        return False
    if _restates(a, b, min_overlap):
        return True
    na, nb = terms.numbers(a.record.text), terms.numbers(b.record.text)
    return number_question and bool(na and nb and not (na & nb)) \
        and len(a.terms & b.terms & q_terms) >= 2


def compose(question: str, chosen: list[Scored], hits, differ_overlap: float = DIFFER_OVERLAP) -> Answer:
    """Answer text with a [n] marker after each sentence; sources that disagree are set side by side."""
    sources = {c.record.meta["source"] for c in chosen}
    q_terms = set(terms.content_terms(question))
    number_question = asks_for(question) == "number"
    conflict = len(sources) > 1 and any(_conflicting(a, b, q_terms, differ_overlap, number_question)
                                        for a in chosen for b in chosen)
    if len(sources) == 1:
        # one source: the best sentence first (the answer's first sentence answers the question), the
        # others after it in document order
        chosen = chosen[:1] + sorted(chosen[1:], key=lambda c: c.record.meta["start"])
    cites = [citation(n, s.record, s.prob) for n, s in enumerate(chosen, 1)]
    said = [_statement(question, s.record) for s in chosen]
    if conflict:
        text = "The sources differ. " + " ".join(f"{_title(c)}: {t} [{c.n}]" for c, t in zip(cites, said))
    else:
        text = " ".join(f"{t} [{c.n}]" for c, t in zip(cites, said))
    return Answer(question, text, tuple(cites), False, hits)


def citation(n: int, record: Record, score: float) -> Citation:
    """Citation [n] of a stored sentence: the verbatim source span, and the text as read."""
    m = record.meta
    return Citation(n, m["source"], m["start"], m["end"], m["line_start"], m["line_end"], m.get("quote", record.text),
                    round(score, 4), m.get("section", ""), int(m.get("page", 0) or 0), record.text,
                    table.readable(m.get("header", "")))


def _statement(question: str, record: Record) -> str:
    """What the answer says for a citation: the sentence itself; for a table row, the figure in the
    column the question's period picks, with its unit and period, else every figure beside its
    column's label (a bare row of numbers says nothing)."""
    header = record.meta.get("header", "")
    if not header or record.meta.get("kind") != "table_row":
        return record.text
    return table.figure(question, header, record.text) or table.labelled(header, record.text)


def _title(c: Citation) -> str:
    """How to name a source in running text: its (top-level) title, else its file name."""
    title = c.section.split(" \u203a ")[0].strip() if c.section else ""
    return f"\u201c{title}\u201d ({c.source})" if title else c.source


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
