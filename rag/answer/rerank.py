"""The relevance stage: the cross-encoder (`rag.relevance`) reads the first ranker's best sentences,
a stacker over its logits gives the final order, and an abstainer over both decides whether the
documents answer at all."""
from __future__ import annotations

from dataclasses import replace
from typing import Sequence

import numpy as np

from .features import Scored, abstain_features, relevance_abstain_features, rerank_features, sigmoid
from .model import Rerank, margin

# Other rows of a table in the relevance model's top sentences that it reads too (0: only the top
# `rerank.n`). Neutral on dev where measured (reports tune half: figure in answer 0.452 both,
# value+unit+period 0.190 both; conversations tune half: fact first 0.455 both, hand-resolved
# 0.455 -> 0.466), and it is what lets a row the first ranker put fifth be picked at all
# (tests/test_followup.py: "And Ferries?" got the Harbour row without it).
TABLE_SIBLINGS = 12


def rerank(question: str, ranked: list[Scored], texts: dict[str, str], relevance, rr: Rerank
           ) -> tuple[list[Scored], float]:
    """The first ranker's top `rr.n` sentences reordered by the stacker over the relevance model's
    logits, the rest after them; and P(the documents answer the question) from the abstainer.
    texts: sentence id -> `rag.relevance.pair_text` (the sentence with its context)."""
    top = ranked[:rr.n]
    top += _table_siblings(top, ranked[rr.n:])
    ce = relevance.logits(question, [texts[s.record.id] for s in top])
    z = margin(rr.stacker, rerank_features(ce, np.asarray([s.logit for s in top])))
    stage = abstain_features(ranked, question)
    p = float(sigmoid(margin(rr.abstainer, relevance_abstain_features(ce, z, stage)[None, :])[0]))
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
        return s.span.source, s.span.header or s.span.chunk

    tables = {key(s) for s in top if s.span.kind in ("table_row", "table_head")}
    tables |= {(s.span.source, s.span.chunk) for s in top if s.span.kind == "table_head"}
    if not tables or not TABLE_SIBLINGS:
        return []
    same = [s for s in rest if s.span.kind == "table_row"
            and (key(s) in tables or (s.span.source, s.span.chunk) in tables)]
    return same[:TABLE_SIBLINGS]
