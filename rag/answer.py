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
from dataclasses import dataclass, replace

import numpy as np

from . import terms
from .retrieve import Candidate
from .store import Record, Store, sentence_id
from .types import Answer, Citation

# Sentence model: a linear score over FEATURES, fitted on dev data (eval/tune_answer.py) to rank
# first a sentence that overlaps the gold evidence. The abstention threshold is on the same
# score, calibrated with dev questions whose answer is not in the corpus (other corpora's).
FEATURES = ("dense", "lex", "context", "rank", "type", "novelty", "length", "support")
WEIGHTS = (8.0, 3.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.0)  # fitted 2026-11-23 on 294 dev questions, 4 corpora
BIAS = 0.0
# 2nd percentile of the best-sentence score over answerable dev questions: declines 95% of the
# dev questions whose answer is not in the corpus and 2% of the answerable ones.
ABSTAIN_BELOW = 6.45
# And the best sentence with the one before it must hold at least a fifth of the question's words
# (by rarity): on dev data 97% of unanswerable questions declined, 3.7% of answerable ones.
MIN_COVERAGE = 0.2
# Chunks outside the top n that hold one of the dense sentence search's best 2 sentences join the
# pool (dev: covid_qa citation recall 0.448 -> 0.455, other sets unchanged).
SENTENCE_PEEK = 2
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
    def support(self) -> float:
        """Share of the question's words in this sentence and the one before it."""
        return self.features[7]


def answer_extractive(question: str, candidates: list[Candidate], store: Store, qvec: np.ndarray,
                      context: str = "", n_chunks: int = 5, idf=None) -> Answer:
    hits = tuple(c.hit() for c in candidates)
    compare = wants_comparison(question)
    pool = candidate_sentences(answer_chunks(candidates, n_chunks, compare), store)
    scored = _score(question, pool, qvec, context, idf)
    scored = _prefer_answer_type(question, scored)
    if not scored or not _relevant(scored[0], compare=compare):
        return Answer(question, DECLINE, (), True, hits)
    # A question in several parts ("what is it called, and how much will it cost?"): the best
    # sentence for each part, each scored as if asked alone (with the first part as context).
    parts = split_parts(question)
    if len(parts) < 2 or len(scored) < 2:  # one part, or one sentence: nothing to share out
        parts = []
    taken, part_bests = {scored[0].record.id}, []
    for i, part in enumerate(parts):
        ranked = _score(part, pool, qvec, f"{context} {parts[0]}" if i else context, idf)
        pick = ranked[0]
        # A later part answered only by a sentence already chosen (for the whole question or an
        # earlier part) gets its own runner-up when that is nearly as good.
        if i and pick.record.id in taken and ranked[1].score >= pick.score - EXTRA_MARGIN:
            pick = ranked[1]
        # The whole question passed the bar; a part's best sentence only has to be near it.
        if pick.score >= ABSTAIN_BELOW - 2 * EXTRA_MARGIN:
            part_bests.append(pick)
            taken.add(pick.record.id)
    by_id = {s.record.id: s for s in scored}
    next_of = {prev: by_id[sid] for sid, prev in pool.prev_of.items() if sid in by_id}
    chosen = select(question, scored, part_bests, next_of, compare)
    return compose(question, chosen, hits)


def answer_chunks(candidates: list[Candidate], n_chunks: int, compare: bool = False) -> list[Candidate]:
    """The chunks whose sentences compete: the top n_chunks, chunks holding one of the dense
    sentence search's top SENTENCE_PEEK sentences, and for a comparison each document's best."""
    chunks = candidates[:n_chunks] + [c for c in candidates[n_chunks:]
                                      if c.sentence_rank is not None and c.sentence_rank < SENTENCE_PEEK]
    if compare:
        seen = {c.record.meta["source"] for c in chunks}
        for c in candidates[n_chunks:]:
            if c.record.meta["source"] not in seen:
                chunks.append(c)
                seen.add(c.record.meta["source"])
    return chunks


def _relevant(best: Scored, compare: bool = False) -> bool:
    # A question comparing the documents is about them, not in them: its words need not appear.
    return best.score >= ABSTAIN_BELOW and (compare or best.support >= MIN_COVERAGE)


def _prefer_answer_type(question: str, scored: list[Scored]) -> list[Scored]:
    """For "how many …" and "who …" questions a sentence without a number / a name is no answer:
    put the best sentence that has one first (if it scores near the best), or return [] to decline."""
    want = _answer_type(question, strict=True)
    if not scored or want is None or want(scored[0].record.text):
        return scored
    for s in scored[1:]:
        if s.score < scored[0].score - EXTRA_MARGIN:
            break
        if want(s.record.text):
            return [s] + [o for o in scored if o is not s]
    return []


@dataclass(frozen=True)
class Pool:
    """The sentences competing to be the answer."""

    records: list[Record]  # with vectors, each sentence once
    rank_of: dict[str, int]  # sentence id -> rank of the best chunk holding it
    prev_of: dict[str, str]  # sentence id -> id of the sentence before it in its chunk


def candidate_sentences(candidates: list[Candidate], store: Store) -> Pool:
    """The sentences of the candidate chunks."""
    ids, rank_of, prev_of = [], {}, {}
    for c in candidates:
        m = c.record.meta
        prev = None
        for a, b in json.loads(m["sents"]):
            sid = sentence_id(m["source"], m["sha"], a, b)
            if sid not in rank_of:
                rank_of[sid] = c.rank
                ids.append(sid)
            if prev is not None:
                prev_of.setdefault(sid, prev)
            prev = sid
    return Pool(store.get("sentences", ids, with_vectors=True), rank_of, prev_of)


def sentence_features(question: str, records: list[Record], rank_of: dict[str, int], qvec: np.ndarray,
                      context: str = "", idf=None, prev_of: dict[str, str] | None = None
                      ) -> tuple[np.ndarray, list[frozenset]]:
    """(n_sentences, len(FEATURES)) matrix and each sentence's content terms."""
    q_terms = set(terms.content_terms(question))
    ctx_terms = set(terms.content_terms(context)) - q_terms if context else set()
    sent_terms = [frozenset(terms.content_terms(r.text)) for r in records]
    weight = idf or pool_idf(sent_terms)
    want = _answer_type(question)
    dense = np.stack([r.vector for r in records]) @ qvec
    terms_of = {r.id: st for r, st in zip(records, sent_terms)}
    prev_of = prev_of or {}
    rows = []
    for r, st, d in zip(records, sent_terms, dense):
        window = st | terms_of.get(prev_of.get(r.id), frozenset())  # an answer often follows its setup
        rows.append((
            float(d),
            coverage(q_terms, st, weight),
            coverage(ctx_terms, st, weight) if ctx_terms else 0.0,
            1.0 / (1 + rank_of[r.id]),
            (want(r.text) if want else 0.0),
            len(st - q_terms) / max(len(st), 1),  # an answer adds something to the question
            math.log1p(len(r.text.split())) / 4.0,
            coverage(q_terms, window, weight),
        ))
    return np.asarray(rows, dtype=np.float64), sent_terms


def score_sentences(question: str, candidates: list[Candidate], store: Store, qvec: np.ndarray,
                    context: str = "", idf=None) -> list[Scored]:
    """Candidate sentences of `candidates`, best first."""
    return _score(question, candidate_sentences(candidates, store), qvec, context, idf)


def _score(question: str, pool: Pool, qvec: np.ndarray, context: str, idf) -> list[Scored]:
    if not pool.records:
        return []
    X, sent_terms = sentence_features(question, pool.records, pool.rank_of, qvec, context, idf, pool.prev_of)
    scores = X @ np.asarray(WEIGHTS) + BIAS
    out = [Scored(r, float(sc), tuple(x), st) for r, sc, x, st in zip(pool.records, scores, X.tolist(), sent_terms)]
    if context:
        # A follow-up wants something new: don't hand back the sentence the last answer was.
        out = [replace(s, score=s.score - 2 * EXTRA_MARGIN) if s.record.text in context else s for s in out]
    out.sort(key=lambda s: s.score, reverse=True)
    return out


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


_DATE = re.compile(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d|\b\d{4}\b|\b(monday|tuesday|wednesday|"
                   r"thursday|friday|saturday|sunday|today|yesterday|tomorrow)\b", re.IGNORECASE)
_NAME = re.compile(r"(?<=[\w,;:] )[A-Z][\w'’-]*[a-z]\w*|\b[A-Z]{2,}\b")  # capitalised, not sentence-initial; or an acronym


def _answer_type(question: str, strict: bool = False, kind: str | None = None):
    """A check for the kind of answer asked for, or None: numbers, dates, names.
    strict: only the kinds whose absence rules a sentence out (numbers, names), not dates
    ("when" may be answered by "after the summit")."""
    q = terms.normalize(question)
    if re.search(r"\b(how (many|much|large|big|long|far|high|old)|what (share|percentage|percent|rate|proportion|number|amount)"
                 r"|by how|what tariff|what level|size)\b", q):
        return lambda s: 1.0 if terms.numbers(s, small_words=False) else 0.0
    if kind == "number":
        return None
    if re.search(r"\b(when|what (date|day|year|month|time))\b", q):
        return None if strict else (lambda s: 1.0 if _DATE.search(s) else 0.0)
    if re.match(r"\s*who\b", q) or re.search(r"\bwhich (person|people|officials?|leaders?|ministers?)\b", q):
        qwords = set(terms.words(question))
        return lambda s: 1.0 if any(w.lower() not in qwords for w in _NAME.findall(s)) else 0.0
    return None


_PART = re.compile(r",?\s+(?:and|but|or)\s+(?=(?:what|which|who|whom|whose|where|when|why|how)\b)", re.IGNORECASE)
_COMPARE = re.compile(r"\b(two|both|each|all|different|the) (articles|sources|documents|reports|stories|papers|texts)\b"
                      r"|\bcompare\b|\bcomparison\b|\bdiffer", re.IGNORECASE)


def wants_comparison(question: str) -> bool:
    """'How do the two articles size …', 'compare …', 'do the sources differ …'."""
    return bool(_COMPARE.search(question))


def split_parts(question: str) -> list[str]:
    """'What is X called, and how much does it cost?' -> ['What is X called', 'how much does it cost?']."""
    return [p.strip() for p in _PART.split(question) if p.strip()]


_AUX = frozenset("is are was were do does did has have had can could will would should may might must".split())
_NOT_PLURAL = frozenset("is was has does this its his us news u.s. series species means yes less".split())


def _asks_for_several(question: str) -> bool:
    """A list question: a plural noun right after the question word ("which officials", "what
    concessions", "which U.S. officials were...") or "what are / list / name the"."""
    ws = terms.normalize(question).replace("?", " ").split()
    if len(ws) < 2 or ws[0] in ("how", "when", "why", "where"):
        return False
    if ws[0] in ("list", "name") or ws[:2] in (["what", "are"], ["which", "are"], ["who", "are"]):
        return True
    if ws[0] not in ("which", "what", "who"):
        return False
    for w in ws[1:4]:
        if w in _AUX:
            break
        if w.endswith("s") and w not in _NOT_PLURAL and not w.endswith(("ss", "'s")):
            return True
    return False


_CONTINUES = re.compile(r"^\W*(at its (center|core|heart)|these (include|are)|they (include|are)|this includes|among (them|these)"
                        r"|first(ly)?,|for (example|instance),|specifically,|namely)\b", re.IGNORECASE)


def select(question: str, scored: list[Scored], part_bests: list[Scored] = (),
           next_of: dict[str, Scored] | None = None, compare: bool = False) -> list[Scored]:
    """The best sentence; the best for each part of a multi-part question; sentences that add
    asked-for words to a list answer; and, when the question compares sources or the sources
    disagree on a figure, the best sentence of another source."""
    best = scored[0]
    chosen = [best]

    def add(s: Scored) -> bool:
        if len(chosen) < MAX_SENTENCES and not any(_same_span(s, c) for c in chosen):
            chosen.append(s)
            return True
        return False

    for s in part_bests:
        add(s)
    # A sentence that announces what follows ("…a package of concessions. At its center: …")
    # is no answer alone: take the sentence after it too.
    nxt = next_of.get(best.record.id) if next_of else None
    if nxt is not None and (best.record.text.rstrip().endswith(":") or _CONTINUES.match(nxt.record.text)):
        add(nxt)
    q_terms = set(terms.content_terms(question))
    if _asks_for_several(question):
        covered = set().union(*(c.terms for c in chosen)) & q_terms
        for s in scored[1:]:
            if s.score < best.score - EXTRA_MARGIN:
                break
            new = (s.terms & q_terms) - covered
            if new and add(s):
                covered |= new
    quantity = _asks_for_figure(question)
    for s in scored[1:]:
        if s.score < best.score - 2 * EXTRA_MARGIN:
            break
        if all(s.record.meta["source"] != c.record.meta["source"] for c in chosen):
            if compare or (quantity and _conflicting(s, chosen, q_terms)):
                add(s)
    return chosen


def _asks_for_figure(question: str) -> bool:
    """Only figures can disagree side by side ("how many …", "what share …")."""
    return _answer_type(question, strict=True, kind="number") is not None


def _same_span(a: Scored, b: Scored) -> bool:
    ma, mb = a.record.meta, b.record.meta
    return ma["source"] == mb["source"] and ma["start"] < mb["end"] and mb["start"] < ma["end"]


def _conflicting(s: Scored, chosen: list[Scored], q_terms: set[str]) -> bool:
    """Different figures for the same thing: both sentences carry numbers, none in common, and
    they share at least two of the question's words (so they talk about the same quantity)."""
    mine = terms.numbers(s.record.text)
    if not mine:
        return False
    for c in chosen:
        theirs = terms.numbers(c.record.text)
        if theirs and not (theirs & mine) and len(s.terms & c.terms & q_terms) >= 2:
            return True
    return False


def compose(question: str, chosen: list[Scored], hits) -> Answer:
    """Answer text with a [n] marker after each sentence; sources that disagree are set side by side."""
    sources = {c.record.meta["source"] for c in chosen}
    q_terms = set(terms.content_terms(question))
    conflict = len(sources) > 1 and _asks_for_figure(question) and any(
        _conflicting(c, [o for o in chosen if o.record.meta["source"] != c.record.meta["source"]], q_terms)
        for c in chosen)
    if len(sources) == 1:
        chosen = sorted(chosen, key=lambda c: c.record.meta["start"])  # one source: read in document order
    cites = []
    for n, s in enumerate(chosen, 1):
        m = s.record.meta
        cites.append(Citation(n, m["source"], m["start"], m["end"], m["line_start"], m["line_end"], s.record.text,
                              round(s.score, 4), m.get("section", "")))
    if conflict:
        text = "The sources differ. " + " ".join(f"{_title(c)}: {c.quote} [{c.n}]" for c in cites)
    else:
        text = " ".join(f"{c.quote} [{c.n}]" for c in cites)
    return Answer(question, text, tuple(cites), False, hits)


def _title(c: Citation) -> str:
    """How to name a source in running text: its (top-level) title, else its file name."""
    title = c.section.split(" \u203a ")[0].strip() if c.section else ""
    return f"\u201c{title}\u201d ({c.source})" if title else c.source
