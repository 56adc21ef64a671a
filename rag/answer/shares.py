"""A question that asks for a share ("What share of LLaMA's pre-training data comes from C4?", "What
percentage of patients ...") is answered by a sentence that states one (a percentage, "one in four").
The rankers' number feature counts any number, so a sentence that names the asked thing and a year
("... the publicly available C4 dataset (Raffel et al., 2020)") outranks the one with "[15%]". Among
the best REACH sentences, the best one that states a share goes first. It only reorders: whether to
answer is decided before it.
Dev: conversations tune half, fact in the first sentence 0.602 -> 0.614 ("And from C4?" now opens with
"C4 [15%]."); `eval.run --split dev` squad2 and hotpotqa no answer changed, covid_qa one ("Four (80%)
of the five patients died." now first), scores unchanged; figures tune half unchanged. REACH 3: the
second and third places are where the share sentence stood in those answers.
"""
from __future__ import annotations

import re

from .. import terms
from .features import Scored
from .lookup import holds
from .promote import promote

_ASKS_SHARE = re.compile(r"\b(?:what|which)\s+(?:share|percentage|percent|proportion|fraction|portion)\b|"
                         r"\bhow\s+much\s+of\b|\bwhat\s+%", re.IGNORECASE)
_SHARE = re.compile(r"\d\s?%|\b(?:percent|per\s+cent|percentage|half|third|quarter|one\s+in\s+\w+|"
                    r"\d+\s+(?:in|out\s+of)\s+\d+)\b", re.IGNORECASE)
REACH = 3


def asks_share(question: str) -> bool:
    return bool(_ASKS_SHARE.search(question))


# A margin asked ("What was the Adjusted Property EBITDAR margin ...?") is a percentage: a sentence that
# names a margin and states one ("... margin of 32.2% in the current quarter"), not the amount beside it.
_ASKS_MARGIN = re.compile(r"\bmargins?\b", re.IGNORECASE)
_MARGIN = re.compile(r"\bmargins?\b(?:[^.;]|\.(?=\d))*?\d\s?%|\d\s?%(?:[^.;]|\.(?=\d))*?\bmargins?\b", re.IGNORECASE)


def shares_first(question: str, ranked: list[Scored]) -> list[Scored]:
    """`ranked` with the best of its first REACH sentences that states a share moved first, for a
    question that asks for one and whose best sentence states none; likewise a margin stated as a
    percentage for a question that asks for a margin, of the best sentence's document (conversations
    tune: fact first 0.739 -> 0.750, MGM's regional margin had been answered with another segment's
    EBITDAR)."""
    if asks_share(question):
        return promote(ranked, _SHARE.search, REACH)
    # (of the best sentence's document: another company's "Our gross margin was 31.5%" is no answer)
    return promote(ranked, _MARGIN.search, REACH, same_source=True) if _ASKS_MARGIN.search(question) else ranked


def stated_share(question: str, ranked: list[Scored], titles) -> Scored | None:
    """For a question that asks for a share: the first of the best REACH sentences that states one and
    names every name the question states (its document's title and file name may hold some: "LLaMA's
    pre-training data" in the LLaMA paper), at least one; None otherwise. It answers even where the
    abstainer would decline, as a table row answers a figure look-up: fitted on questions asked alone,
    it read "Github [4.5%]." as no answer to "What share of LLaMA's pre-training data comes from GitHub?".
    Conversations tune: fact first 0.705 -> 0.716, declined 0.057 -> 0.045; dev squad2/covid_qa/hotpotqa
    and the figures tune half: no answer changed. titles: passage id -> its document's title."""
    if not asks_share(question):
        return None
    names = terms.names(question)
    for s in ranked[:REACH]:
        if not _SHARE.search(s.span.text):
            continue
        own = f"{titles.get(s.span.chunk, '')} {s.span.source}"
        asked = [n for n in names if not holds(own, n)]
        if asked and all(holds(s.span.text, n) for n in asked):
            return s
    return None
