"""`answer()`: the extractive answerer end to end, a pure function of the question, the retrieved
candidates and the models: rank the sentences, let the relevance model reorder the best and decide
whether to answer, then compose the cited answer."""
from __future__ import annotations

from dataclasses import replace
from typing import Sequence

import numpy as np

from .. import terms
from ..followup import Resolved, resolve
from ..retrieve import Candidate
from ..types import Answer
from .causes import causes_first, said_cause
from .compose import bridge, compose, each_named, lead_ins, select
from .continuation import lead_passage
from .features import N_CHUNKS, Scored, abstain_features, pool, rank
from .identifiers import others_last
from .lookup import answering_row
from .model import Model, load_model
from .owners import own_documents
from .ratios import names_ratio, preface, ratio_rows, states_ratio
from .rerank import rerank
from .shares import shares_first, stated_share

# A heading names a topic and a table's head row labels columns: neither states anything, so they help
# rank (section titles are features) but are never the answer.
NEVER_ANSWER = ("heading", "table_head")
DECLINE = "The documents don't say. I found nothing in them that answers this question."


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
        from ..relevance import sentence_texts

        ranked, p = rerank(asked, ranked, sentence_texts(cands), relevance, rr)
        answer_above, model = rr.answer_above, replace(model, add_above=rr.add_above, add_other_above=rr.add_other_above)
    cause = said_cause(asked, ranked, res.previous_answer)  # before the previous answer's sentences go
    if res.previous_answer:
        ranked = _not_again(ranked, res.own_terms, res.previous_answer)
    ranked = others_last(asked, ranked)
    ranked = causes_first(asked, ranked)
    ranked = shares_first(asked, ranked)
    # passage id -> its document's title, for the passages and for those their sentences name: a sentence
    # two overlapping passages share names the first (`rag.retrieve.with_sentences`), which may not compete
    # (and the periods its document's tables date, `rag.read.periods`)
    of = {i: c for c in cands for i in (c.record.id, *(s.meta.get("chunk") for s in c.sentences)) if i}
    titles = {i: c.record.span.title for i, c in of.items()}
    periods = {i: c.record.meta.get("periods", "") for i, c in of.items()}
    row = answering_row(asked, ranked, idf, titles)
    row = row if row is None or names_ratio(row, asked) else None  # a ratio asked is no line item's row
    # what answers for sure goes first, and is not declined by the abstainer (fitted on questions asked
    # alone): a row that holds the figure asked, or the cause stated where the previous answer quoted
    lead = row or cause or stated_share(asked, ranked, titles)
    ranked = ranked if lead is None else [lead] + [s for s in ranked if s is not lead]
    if rr is None:
        p, answer_above = model.p_answerable(abstain_features(ranked, asked)), model.answer_above
    # a ratio no row or sentence states: the rows it is computed from, rather than nothing (or a sentence
    # that only shares its words)
    rows = ratio_rows(asked, ranked, idf, titles) if lead is None else []
    if rows and (p < answer_above or not states_ratio(ranked[0], asked)):
        ans = compose(asked, rows, _cited_first(hits, rows, candidates), model.differ_overlap, titles)
        return replace(ans, question=res.question, resolved=res.resolved, text=f"{preface(asked)} {ans.text}")
    if p < answer_above and lead is None:
        return declined
    # ("Who chairs the cooperative?" was once answered with "# Northfield Bakery Cooperative")
    statements = [s for s in ranked if s.span.kind not in NEVER_ANSWER] or ranked
    chosen = each_named(bridge(select(statements, model), statements, titles, asked), statements, titles, asked)
    chosen = own_documents(asked, chosen, ranked, titles)
    said = lead_ins(chosen, ranked)
    best = said[0]
    opening = lead_passage(best, ranked, frozenset(terms.content_terms(asked)), asked)
    said = opening + [s for s in said[1:] if all(s is not o for o in opening)]
    # the passage of the sentence that answers leads the hits, before one an opening pair borrows from
    ans = compose(asked, said, _cited_first(hits, [best] + said, candidates), model.differ_overlap, titles,
                  len(opening), periods)
    return replace(ans, question=res.question, resolved=res.resolved)


def _cited_first(hits: tuple, said: list[Scored], candidates: Sequence[Candidate]) -> tuple:
    """The retrieved passages with those the answer quotes first, in its order, then the rest as
    retrieved: a row found by the figure row search joins the candidates last, and the top k shown
    beside the answer left out the passage it quoted. A sentence two overlapping passages share names
    the first of them (`rag.retrieve.with_sentences`), which may not have been retrieved: the quoted
    passage is then the first candidate that holds it (a store count's row, cited from its page, was
    missing from the hits: reports tune half, page@5 0.790 -> 0.806)."""
    retrieved = {h.chunk_id for h in hits}
    holder: dict[str, str] = {}
    for c in candidates:
        for sent in c.sentences:
            holder.setdefault(sent.id, c.record.id)
    quoted = (s.span.chunk if s.span.chunk in retrieved else holder.get(s.record.id, s.span.chunk) for s in said)
    order = {c: i for i, c in enumerate(dict.fromkeys(quoted))}
    return tuple(sorted(hits, key=lambda h: order.get(h.chunk_id, len(order))))  # stable: the rest keep theirs


def _not_again(ranked: list[Scored], own: frozenset, previous: str) -> list[Scored]:
    """Sentences of the previous answer are left out (said already) unless they hold what the
    follow-up itself names, so the history (which also matches the earlier answer) never repeats it.
    ("Where is it located?" after an answer that said where: that sentence answers it again.)"""
    prev = terms.normalize(previous)

    def repeat(s: Scored) -> bool:
        return terms.normalize(s.span.text) in prev and not own & s.terms

    return [s for s in ranked if not repeat(s)] or ranked

