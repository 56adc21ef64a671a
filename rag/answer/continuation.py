"""A sentence that leans on its neighbour. "These reactions are mediated by T cells, monocytes, and
macrophages." names no subject: the sentence before it does ("Type IV hypersensitivity ... usually
takes between two and three days to develop."). The rankers score each sentence alone, so for "What
mediates Type IV hypersensitivity?" the first one wins (it names the type) though the second says
what is asked; and the second, quoted alone, would not say what "these reactions" are. So when the
answer's first sentence and the one right after it in the passage read as one statement -- the later
one opens with a word that points back ("This", "These", "It", "They", ...) -- and that later one
holds words of the question the earlier one lacks, the answer opens with both, cited as one passage
("... to develop. These reactions are mediated by ... [1][2]"). Only the order and grouping of what
is quoted change: whether to answer is decided before.
Dev (`eval.run --split dev`, all questions): squad2 facts 0.651 -> 0.661, citation recall 0.631 ->
0.644, precision 0.620 -> 0.605 (32 answers changed, none lost a fact); hotpotqa both paragraphs
cited 0.367 -> 0.400, facts 0.372 either way; covid_qa 2 answers changed, citation recall 0.514
either way. Conversations tune half, fact in the first sentence 0.591 -> 0.602 ("And Type II?").
Reports tune half: no answer changed.
A "which" question answered by "This was the first ..." opens with the sentence "This" points back to,
whatever words of the question it holds (`_NAMED_BEFORE`): dev, squad2 1 answer and hotpotqa 2 changed,
no fact gained or lost, citation precision 0.605 -> 0.603 and 0.574 -> 0.567 (the named sentence is no
gold span); conversations tune half, fact first 0.625 -> 0.636 ("Which was the first public steam
railway?"). Landed for what it tells a reader: who "He" is.
"""
from __future__ import annotations

import re
from typing import Sequence

from .features import Scored

# A sentence whose subject is in the sentence before it. Not "The"/"That" alone: a noun phrase after
# "The" names its own subject, and "That" opens relative clauses and demonstratives alike.
_LEANS = re.compile(r"^\W*(?:this|these|those|it|its|they|their|such|he|she|his|her)\b", re.IGNORECASE)
# Units that are prose (table rows and headings state nothing to lean on).
_PROSE = ("", "paragraph", "sentence", "list_item")
# At most this many characters between the two in the source: nothing but the space or line break
# between two sentences of one paragraph.
_ADJACENT = 3


# "This was the first public steam railway in the world.": a pointing word as the subject of "be". For
# "Which was the first public steam railway?" the answer is what "This" points back to, in the sentence
# before, whatever words of the question that one holds.
# ("This is because ...", "He was influenced by ...", "It is said that ...": no "be" of identity.)
_NAMED_BEFORE = re.compile(r"^\W*(?:this|these|those|it|they|he|she)\s+(?:is|was|are|were|has\s+been|had\s+been|"
                           r"became|remains|remained)\s+(?:the|a|an|one)\b", re.IGNORECASE)
# A question that asks for a name or a thing: "Which was ...?", "Who is ...?", "In which year ...?".
_ASKS_WHICH = re.compile(r"^\W*(?:(?:in|on|at|by|from|for|of|to)\s+)?(?:which|who|whom|whose|what)\b", re.IGNORECASE)
# Likewise "he" or "she" as the subject, after an opening phrase or not ("As a disciple of Ulugh Beg, he
# is best known for ..."), for a question that asks who: the person is named before. Dev: squad2 facts
# 0.661 -> 0.663, hotpotqa 0.384 -> 0.395 (3 and 1 answers changed, none lost); tune halves unchanged.
_PERSON_BEFORE = re.compile(r"^\W*(?:[^,.;]{0,80},\s*)?(?:he|she)\s+\w", re.IGNORECASE)
_ASKS_WHO = re.compile(r"^\W*(?:(?:by|from|for|of|to|with)\s+)?(?:who|whom|which\s+(?:man|woman|person|one))\b",
                       re.IGNORECASE)


def leans_back(text: str) -> bool:
    return bool(_LEANS.match(text))


def lead_passage(lead: Scored, ranked: Sequence[Scored], asked: frozenset[str], question: str = "") -> list[Scored]:
    """The answer's opening sentences: `lead`, preceded by the sentence it leans on or followed by the
    one that leans on it, when that one holds content words of the question (`asked`) that `lead`
    lacks, or when `question` asks which thing `lead` is about ("This was ..."); else `lead` alone.
    `ranked` holds the pool's sentences (neighbours are found among them)."""
    if lead.span.kind not in _PROSE:
        return [lead]
    wanted = asked - lead.terms
    names_it = bool(_ASKS_WHICH.match(question) and _NAMED_BEFORE.match(lead.span.text)
                    or _ASKS_WHO.match(question) and _PERSON_BEFORE.match(lead.span.text))
    if not wanted and not names_it:
        return [lead]
    after, before = _neighbours(lead, ranked)
    if before is not None and names_it and not leans_back(before.span.text):  # (one that names it)
        return [before, lead]
    if after is not None and leans_back(after.span.text) and wanted & after.terms:
        return [lead, after]
    if before is not None and leans_back(lead.span.text) and wanted & before.terms:
        return [before, lead]
    return [lead]


def _neighbours(lead: Scored, ranked: Sequence[Scored]) -> tuple[Scored | None, Scored | None]:
    """The prose units right after and right before `lead` in its file, if among `ranked` (adjacent
    ones: neighbours across a passage boundary count; a heading between them does not let them be)."""
    m = lead.span
    after = before = None
    for s in ranked:
        o = s.span
        if o.source != m.source or o.kind not in _PROSE:
            continue
        if 0 <= o.start - m.end <= _ADJACENT:
            after = s
        elif 0 <= m.start - o.end <= _ADJACENT:
            before = s
    return after, before
