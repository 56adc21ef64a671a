"""The default answerer: extractive, grounded, cited. No LLM.

From the sentences of the top retrieved chunks it picks the one(s) that answer the question,
scoring each by embedding similarity to the question, coverage of the question's content words,
the rank of its chunk and whether it holds the kind of thing asked for (a number for "how many").
It adds sentences when the question asks for several things, and shows figures side by side when
sources disagree. It declines when even the best sentence is not relevant enough; the thresholds
come from measurements on dev data (see eval/), never from particular questions.
Not here: retrieval (`rag.retrieve`), follow-up condensation (`rag.condense`).
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

import numpy as np

from . import terms
from .retrieve import Candidate
from .store import Record, Store, sentence_id
from .types import Answer, Citation

# Sentence model: a linear score over FEATURES, fitted by logistic regression on dev data
# (eval/tune_answer.py: label = the sentence overlaps a gold evidence span). The abstention
# threshold is on the same score, calibrated with dev questions whose answer is not in the corpus.
FEATURES = ("dense", "lex", "context", "rank", "type", "novelty", "length")
WEIGHTS = (6.0, 3.0, 1.0, 1.0, 0.5, 0.5, 0.0)
BIAS = -5.0
ABSTAIN_BELOW = -1.5  # best sentence's score under which we decline
EXTRA_MARGIN = 1.0  # further sentences must score within this of the best
MAX_SENTENCES = 3

DECLINE = "The documents don't say. I found nothing in them that answers this question."


@dataclass(frozen=True)
class Scored:
    record: Record  # a sentence; meta has source, start, end, line_start, line_end, chunk, section
    score: float
    features: tuple[float, ...]
    terms: frozenset

    @property
    def dense(self) -> float:
        return self.features[0]


def answer_extractive(question: str, candidates: list[Candidate], store: Store, qvec: np.ndarray,
                      context: str = "", n_chunks: int = 5, idf=None) -> Answer:
    hits = tuple(_hit(c) for c in candidates)
    scored = score_sentences(question, candidates[:n_chunks], store, qvec, context, idf)
    if not scored or scored[0].score < ABSTAIN_BELOW:
        return Answer(question, DECLINE, (), True, hits)
    chosen = select(question, scored)
    return compose(question, chosen, hits)


def candidate_sentences(candidates: list[Candidate], store: Store) -> tuple[list[Record], dict[str, int]]:
    """Sentence records (with vectors) of the candidate chunks, each once, and its chunk's rank."""
    ids, rank_of = [], {}
    for c in candidates:
        m = c.record.meta
        for a, b in json.loads(m["sents"]):
            sid = sentence_id(m["source"], m["sha"], a, b)
            if sid not in rank_of:
                rank_of[sid] = c.rank
                ids.append(sid)
    return store.get("sentences", ids, with_vectors=True), rank_of


def sentence_features(question: str, records: list[Record], rank_of: dict[str, int], qvec: np.ndarray,
                      context: str = "", idf=None) -> tuple[np.ndarray, list[frozenset]]:
    """(n_sentences, len(FEATURES)) matrix and each sentence's content terms."""
    q_terms = set(terms.content_terms(question))
    ctx_terms = set(terms.content_terms(context)) - q_terms if context else set()
    sent_terms = [frozenset(terms.content_terms(r.text)) for r in records]
    weight = idf or _pool_idf(sent_terms)
    want = _answer_type(question)
    dense = np.stack([r.vector for r in records]) @ qvec
    rows = []
    for r, st, d in zip(records, sent_terms, dense):
        rows.append((
            float(d),
            _coverage(q_terms, st, weight),
            _coverage(ctx_terms, st, weight) if ctx_terms else 0.0,
            1.0 / (1 + rank_of[r.id]),
            (want(r.text) if want else 0.0),
            len(st - q_terms) / max(len(st), 1),  # an answer adds something to the question
            math.log1p(len(r.text.split())) / 4.0,
        ))
    return np.asarray(rows, dtype=np.float64), sent_terms


def score_sentences(question: str, candidates: list[Candidate], store: Store, qvec: np.ndarray,
                    context: str = "", idf=None) -> list[Scored]:
    records, rank_of = candidate_sentences(candidates, store)
    if not records:
        return []
    X, sent_terms = sentence_features(question, records, rank_of, qvec, context, idf)
    scores = X @ np.asarray(WEIGHTS) + BIAS
    out = [Scored(r, float(sc), tuple(x), st) for r, sc, x, st in zip(records, scores, X.tolist(), sent_terms)]
    out.sort(key=lambda s: s.score, reverse=True)
    return out


def _pool_idf(sent_terms: list[frozenset]):
    """Fallback when no corpus statistics are at hand: rarity within the candidate sentences."""
    n = len(sent_terms)
    df: dict[str, int] = {}
    for st in sent_terms:
        for t in st:
            df[t] = df.get(t, 0) + 1
    return lambda t: math.log(1.0 + (n + 1) / (df.get(t, 0) + 0.5))


def _coverage(q_terms: set[str], st: frozenset, idf) -> float:
    """Share of the question's words (weighted by rarity) that the sentence contains."""
    if not q_terms:
        return 0.0
    total = sum(idf(t) for t in q_terms)
    return sum(idf(t) for t in q_terms if t in st) / total if total else 0.0


_DATE = re.compile(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d|\b\d{4}\b|\b(monday|tuesday|wednesday|"
                   r"thursday|friday|saturday|sunday|today|yesterday|tomorrow)\b", re.IGNORECASE)
_NAME = re.compile(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)+")


def _answer_type(question: str):
    """A check for the kind of answer asked for, or None: numbers, dates, names."""
    q = terms.normalize(question)
    if re.search(r"\b(how (many|much|large|big|long|far|high|old)|what (share|percentage|percent|rate|proportion|number|amount)"
                 r"|by how|what tariff|what level)\b", q):
        return lambda s: 1.0 if terms.numbers(s) else 0.0
    if re.search(r"\b(when|what (date|day|year|month|time))\b", q):
        return lambda s: 1.0 if _DATE.search(s) else 0.0
    if re.match(r"\s*who\b", q) or re.search(r"\bwhich (person|people|officials?|leaders?|ministers?)\b", q):
        qwords = set(terms.words(question))
        return lambda s: 1.0 if any(w.lower() not in qwords for m in _NAME.findall(s) for w in m.split()) else 0.0
    return None


def _asks_for_several(question: str) -> bool:
    q = terms.normalize(question)
    return bool(re.search(r"\b(which|what|who)\b.*\b(\w+s)\b|\band\b.*\?|\b(list|name the|what are|which are|both)\b", q)) \
        and not re.match(r"\s*(how many|how much)\b", q)


def select(question: str, scored: list[Scored]) -> list[Scored]:
    """The best sentence, plus ones that add asked-for words, another source's figures, or list items."""
    best = scored[0]
    chosen = [best]
    q_terms = set(terms.content_terms(question))
    covered = set(best.terms) & q_terms
    several = _asks_for_several(question)
    for s in scored[1:]:
        if len(chosen) >= MAX_SENTENCES or s.score < best.score - EXTRA_MARGIN:
            break
        if any(_same_span(s, c) for c in chosen):
            continue
        new_terms = (set(s.terms) & q_terms) - covered
        other_source = all(s.record.meta["source"] != c.record.meta["source"] for c in chosen)
        conflict = other_source and _conflicting(s, chosen)
        if (several and new_terms) or conflict or (other_source and s.score >= best.score - EXTRA_MARGIN / 3):
            chosen.append(s)
            covered |= set(s.terms) & q_terms
    return chosen


def _same_span(a: Scored, b: Scored) -> bool:
    ma, mb = a.record.meta, b.record.meta
    return ma["source"] == mb["source"] and ma["start"] < mb["end"] and mb["start"] < ma["end"]


def _conflicting(s: Scored, chosen: list[Scored]) -> bool:
    mine = terms.numbers(s.record.text)
    return bool(mine) and any(terms.numbers(c.record.text) and not (terms.numbers(c.record.text) & mine) for c in chosen)


def compose(question: str, chosen: list[Scored], hits) -> Answer:
    conflict = len({c.record.meta["source"] for c in chosen}) > 1 and any(
        _conflicting(c, [o for o in chosen if o.record.meta["source"] != c.record.meta["source"]]) for c in chosen)
    if not conflict and len({c.record.meta["source"] for c in chosen}) == 1:
        chosen = sorted(chosen, key=lambda c: c.record.meta["start"])  # one source: read in document order
    parts, cites = [], []
    for n, s in enumerate(chosen, 1):
        m = s.record.meta
        cites.append(Citation(n, m["source"], m["start"], m["end"], m["line_start"], m["line_end"], s.record.text,
                              round(s.score, 4), m.get("section", "")))
        parts.append(f"{s.record.text} [{n}]")
    text = " ".join(parts)
    if conflict:
        text = "The sources differ: " + " ".join(
            f"{c.source} says: {c.quote} [{c.n}]" for c in cites)
    return Answer(question, text, tuple(cites), False, hits)


def _hit(c: Candidate):
    from .types import Hit

    m = c.record.meta
    return Hit(m["source"], m["start"], m["end"], c.record.text, round(c.score, 6), c.record.id, m.get("section", ""),
               m.get("line_start", 0), m.get("line_end", 0))
