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

# Weights of the sentence score and the abstention threshold, tuned on dev data (eval/tune.py).
W_DENSE, W_LEX, W_CONTEXT, W_RANK, W_TYPE = 1.0, 0.5, 0.15, 0.1, 0.08
ABSTAIN_BELOW = 0.45  # relevance (see `_relevance`) under which we decline
EXTRA_MARGIN = 0.12  # further sentences must score within this of the best
MAX_SENTENCES = 3

DECLINE = "The documents don't say. I found nothing in them that answers this question."


@dataclass(frozen=True)
class Scored:
    record: Record  # a sentence; meta has source, start, end, line_start, line_end, chunk, section
    score: float
    dense: float
    lex: float
    terms: frozenset


def answer_extractive(question: str, candidates: list[Candidate], store: Store, qvec: np.ndarray,
                      context: str = "", n_chunks: int = 5) -> Answer:
    hits = tuple(_hit(c) for c in candidates)
    scored = score_sentences(question, candidates[:n_chunks], store, qvec, context)
    if not scored or _relevance(scored[0]) < ABSTAIN_BELOW:
        return Answer(question, DECLINE, (), True, hits)
    chosen = select(question, scored)
    return compose(question, chosen, hits)


def score_sentences(question: str, candidates: list[Candidate], store: Store, qvec: np.ndarray,
                    context: str = "") -> list[Scored]:
    ids, rank_of = [], {}
    for c in candidates:
        m = c.record.meta
        for a, b in json.loads(m["sents"]):
            sid = sentence_id(m["source"], m["sha"], a, b)
            if sid not in rank_of:
                rank_of[sid] = c.rank
                ids.append(sid)
    records = store.get("sentences", ids, with_vectors=True)
    if not records:
        return []
    q_terms = terms.content_terms(question)
    ctx_terms = [t for t in terms.content_terms(context) if t not in set(q_terms)] if context else []
    sent_terms = [frozenset(terms.content_terms(r.text)) for r in records]
    weight = _idf(sent_terms)
    want = _answer_type(question)
    dense = np.stack([r.vector for r in records]) @ qvec
    out = []
    for r, st, d in zip(records, sent_terms, dense):
        lex = _coverage(q_terms, st, weight)
        ctx = _coverage(ctx_terms, st, weight) if ctx_terms else 0.0
        type_ok = want(r.text) if want else 0.0
        score = (W_DENSE * float(d) + W_LEX * lex + W_CONTEXT * ctx + W_RANK / (1 + rank_of[r.id])
                 + W_TYPE * type_ok)
        out.append(Scored(r, score, float(d), lex, st))
    out.sort(key=lambda s: s.score, reverse=True)
    return out


def _relevance(s: Scored) -> float:
    """How sure we are the best sentence is on topic: similarity plus word coverage."""
    return s.dense + 0.5 * s.lex


def _idf(sent_terms: list[frozenset]) -> dict[str, float]:
    n = len(sent_terms)
    df: dict[str, int] = {}
    for st in sent_terms:
        for t in st:
            df[t] = df.get(t, 0) + 1
    return {t: 1.0 + math.log((n + 1) / (c + 0.5)) for t, c in df.items()}


def _coverage(q_terms: list[str], st: frozenset, weight: dict[str, float]) -> float:
    if not q_terms:
        return 0.0
    default = max(weight.values(), default=1.0)  # a word no candidate has is as rare as it gets
    total = sum(weight.get(t, default) for t in set(q_terms))
    return sum(weight.get(t, default) for t in set(q_terms) if t in st) / total


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
