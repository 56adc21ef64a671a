"""Cause questions ("Why were net sales lower?", "What drove the decrease?") are answered by a
sentence that gives a cause ("... primarily due to lower volumes"). The rankers, fitted mostly on
questions that ask what, often put first a sentence that only restates the change ("Net sales were
6% lower than last year"), which shares more of the question's words. Among the best REACH
sentences, the best one that states a cause goes first. It only reorders: whether to answer is
decided before it. Dev numbers: beside REACH, below.
"""
from __future__ import annotations

import re

from .. import terms
from .features import Scored
from .promote import promote

_WHY = re.compile(r"^\W*why\b", re.IGNORECASE)
# How a sentence says what caused something: a connective, not a topic word.
_CAUSAL = re.compile(r"\b(?:because|due\s+to|driven\s+(?:\w+ly\s+)?by|drove|benefit(?:ed|ted|s|ing)?\s+from|"
                     r"impacted\s+by|as\s+a\s+result|result(?:ed|s)?\s+(?:from|of)|"
                     r"reflect(?:s|ed|ing)?|attributable\s+to|owing\s+to|caused\s+by|led\s+to|leads?\s+to|"
                     r"thanks\s+to|offset\s+by|on\s+account\s+of|in\s+order\s+to|so\s+that)\b", re.IGNORECASE)
# How far down the ranking a cause is looked for. Dev (questions asking why / what drove / the reason):
# covid_qa 34 questions, a citation on the evidence 22 (as ranked) -> 23 at 2, 3 and 5 (precision
# 0.489, 0.451 at 5); squad2 7 questions, precision 0.833 at 2, 0.714 at 3; conversations tune half,
# fact in the first sentence 0.477 -> 0.489 at 2 and 3 (cause turns 0.409 -> 0.455).
REACH = 2
# How far past a sentence the previous answer quoted its cause is looked for, in the same passage: a
# follow-up "What drove the increase?" is answered by the sentence that says the increase or the
# ones right after it ("Consolidated net revenues of $3.6 billion, an increase of 18% ..." / "The
# current quarter benefited from the inclusion of ... The Cosmopolitan"). Also the sentence itself:
# it may state the cause ("..., reflecting lower volumes"), and is then said again. Conversations tune
# half, fact in the first sentence 0.557 -> 0.568 (with "benefited from", "impacted by" and "driven
# primarily by" read as causes too), the same for AFTER 0 to 3 (the one turn gained: a cause in the
# quoted sentence itself); at 5, one more answer cites the evidence ("This was partly offset by ...", an
# offset, not the cause asked). The sentence the issue saw is the next one: 2 of the plateau. covid_qa
# and squad2 dev (no history): no answer changed.
AFTER = 2
_NOT_PROSE = ("table_row", "table_head", "heading")
# A figure as printed, of three digits or more or with decimals ("265", "1,429", "7.5"): not a count
# such as "2" that any sentence may hold; a year is left out (`_YEAR`).
_FIGURE = re.compile(r"(?<![\w.,])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\w,]*\d)|(?<![\w.,])\d{3,}(?:\.\d+)?(?![\w])|"
                     r"(?<![\w.,])\d+\.\d+(?![\w])")
_YEAR = re.compile(r"(?<![\w.,])(?:19|20)\d\d(?![\w])")


def asks_cause(question: str) -> bool:
    return bool(_WHY.match(question) or terms.ASKS_CAUSE.search(question))


def causes_first(question: str, ranked: list[Scored]) -> list[Scored]:
    """`ranked` with the best of its first REACH sentences that states a cause moved first, for a
    question that asks for one and whose best sentence states none; before that, its prose before its
    table rows and headings, which state no cause (a segment's table rows had ranked above the sentence
    "Adjusted EBIT of $265 million was lower ..., reflecting lower volumes", and the question was declined)."""
    if not asks_cause(question):
        return ranked
    prose = [s for s in ranked if s.span.kind not in _NOT_PROSE]
    return promote(prose + [s for s in ranked if s.span.kind in _NOT_PROSE], _CAUSAL.search, REACH)


def said_cause(question: str, ranked: list[Scored], previous: str) -> Scored | None:
    """For a follow-up that asks why, given the previous answer's text: the first sentence that states
    a cause among a sentence that answer quoted and the AFTER sentences after it in its passage (the
    best-ranked quoted sentence first); None when there is none."""
    if not previous or not ranked or not asks_cause(question):
        return None
    prev = terms.normalize(previous)
    in_chunk: dict[str, list[Scored]] = {}
    for s in ranked:
        in_chunk.setdefault(s.span.chunk, []).append(s)
    for s in ranked:
        text = terms.normalize(s.span.text)
        if len(text) < 20 or text not in prev:
            continue
        after = sorted((x for x in in_chunk[s.span.chunk] if x.span.start >= s.span.start),
                       key=lambda x: x.span.start)[:AFTER + 1]
        # in prose: a row's label is no cause ("Net income attributable to non-controlling interests")
        hit = next((x for x in after if x.span.kind not in _NOT_PROSE and _CAUSAL.search(x.span.text)), None)
        if hit is not None:
            return hit
    # an answer read from a table row ("Adjusted EBIT: 265 million, ..."): the prose that states its
    # figure and a cause ("Adjusted EBIT of $265 million was lower ..., reflecting lower volumes")
    figures = set(_FIGURE.findall(previous)) - set(_YEAR.findall(previous))
    return next((s for s in ranked if s.span.kind not in _NOT_PROSE and _CAUSAL.search(s.span.text)
                 and figures & set(_FIGURE.findall(s.span.text))), None) if figures else None
