"""Numbered and lettered names: a question about "Type II hypersensitivity" is not answered by a
sentence about "Type I hypersensitivity", nor one about "Phase 3" by "Phase 2", nor "LLaMA-65B" by
"LLaMA-33B". Such sentences share almost every word and most of their meaning with the question, so
both rankers put them high; what tells them apart is one short token after the same word.
Measured on dev: the 1,002 dev questions of squad2, covid_qa, hotpotqa and pubmedqa get the same
answers with and without it (their questions rarely name such pairs; "World War 2" against "World
War II" changed two until Roman numerals were read as numbers); in the conversations tune half the
two answers it changes ("And Type II?", "What about Type IV?") now open with the asked type, not Type I.
It only reorders: whether to answer is decided before it.
"""
from __future__ import annotations

import re

from .. import terms
from .features import Scored

# A word, then an identifier: a Roman numeral, a single capital letter, or a number of at most three
# digits with an optional letter ("Type II", "class B", "Phase 3", "LLaMA-65B"); not a figure's
# first digits ("Figure 3.2") and not a date ("June 22").
_ID = r"(?:[IVX]{1,4}|[A-Z]|\d{1,3}[A-Za-z]?)"
_PAIR = re.compile(r"\b([A-Za-z][A-Za-z]+)[\s-](" + _ID + r")\b(?![.,]\d)")
_MONTHS = frozenset(terms.MONTHS) | frozenset("jan feb mar apr jun jul aug sep sept oct nov dec".split())


_ROMAN = {"I": 1, "V": 5, "X": 10}


def _canonical(ident: str) -> str:
    """Roman numerals as numbers, so "World War II" is "World War 2"."""
    if not set(ident) <= set(_ROMAN):
        return ident.upper()
    values = [_ROMAN[c] for c in ident]
    return str(sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values)))


def pairs(text: str) -> set[tuple[str, str]]:
    """(word, identifier) pairs in `text`, the word lower-cased, Roman numerals as numbers:
    {("type", "2")} for "Type II"."""
    return {(w.lower(), _canonical(i)) for w, i in _PAIR.findall(text)
            if w.lower() not in terms.STOP and w.lower() not in _MONTHS}


def contradicts(asked: set[tuple[str, str]], text: str) -> bool:
    """Whether `text` names another identifier after a word the question names one after, and never
    the question's own: "Type I ..." for a question on "Type II"."""
    found = pairs(text)
    for word in {w for w, _ in asked}:
        mine = {i for w, i in asked if w == word}  # "valve A and valve B": a sentence on either answers
        theirs = {i for w, i in found if w == word}
        if theirs and not theirs & mine:
            return True
    return False


def others_last(question: str, ranked: list[Scored]) -> list[Scored]:
    """`ranked` with the sentences that name another identifier than the question's (`contradicts`)
    moved after the rest, each group in its order."""
    asked = pairs(question)
    if not asked:
        return ranked
    keep, other = [], []
    for s in ranked:
        (other if contradicts(asked, s.span.text) else keep).append(s)
    return keep + other if keep else ranked
