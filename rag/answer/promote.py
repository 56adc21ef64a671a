"""Moving one sentence of the ranking first: the rules that put a sentence of the asked kind ahead of
one the rankers preferred (`causes.causes_first`, `shares.shares_first`) differ only in what they
look for, so they share this."""
from __future__ import annotations

from typing import Callable

from .features import Scored


def promote(ranked: list[Scored], states: Callable[[str], object], reach: int,
            same_source: bool = False) -> list[Scored]:
    """`ranked` with the best of its first `reach` sentences whose text `states` moved first, when the
    first one's does not; otherwise as it is. same_source: only one of the first sentence's document."""
    if not ranked or states(ranked[0].span.text):
        return ranked
    best = next((s for s in ranked[1:reach] if states(s.span.text)
                 and (not same_source or s.span.source == ranked[0].span.source)), None)
    return ranked if best is None else [best] + [s for s in ranked if s is not best]
