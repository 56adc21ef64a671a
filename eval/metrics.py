"""Evaluation metrics: pure functions over answer texts, character spans and timings.

A span is (source, start, end), half-open [start, end) in the source file's text. Gold spans come
from `evidence_spans`, which locates each verbatim evidence quote in the file text. No model, no I/O.
Not here: running the systems (`eval.run`), the reference pipeline (`eval.reference`).
"""
from __future__ import annotations

import math
import unicodedata
from typing import Iterable, Mapping, Sequence

Span = tuple[str, int, int]
GoldSpans = Mapping[str, Sequence[tuple[int, int]]]  # source -> [(start, end), ...]

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
                         "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
                         "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u00a0": " "})


def normalize(text: str) -> str:
    """NFKC, straight quotes and dashes, casefold, whitespace runs collapsed to one space."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    return " ".join(text.split())


def fact_present(answer: str, fact: str | Sequence[str]) -> bool:
    """True when the normalised answer contains the fact; a list of strings means any one of them."""
    alternatives = [fact] if isinstance(fact, str) else list(fact)
    norm = normalize(answer)
    return any(normalize(alt) in norm for alt in alternatives if normalize(alt))


def fact_correct(answer: str, facts: Sequence[str | Sequence[str]]) -> bool | None:
    """Fact accuracy of one answer: every required fact is present. None when there are no facts to check."""
    if not facts:
        return None
    return all(fact_present(answer, f) for f in facts)


def facts_found(answer: str, facts: Sequence[str | Sequence[str]]) -> int:
    """How many of the required facts the answer holds (partial credit, unlike `fact_correct`)."""
    return sum(fact_present(answer, f) for f in facts)


def locate(text: str, quote: str) -> list[tuple[int, int]]:
    """Every [start, end) where `quote` occurs verbatim in `text` (stripped; empty quote -> none)."""
    quote = quote.strip()
    spans, i = [], text.find(quote) if quote else -1
    while i >= 0:
        spans.append((i, i + len(quote)))
        i = text.find(quote, i + 1)
    return spans


def evidence_spans(evidence: Iterable[Mapping[str, str]], read_text) -> dict[str, list[tuple[int, int]]]:
    """Gold spans of an item: each evidence {source, quote} located in `read_text(source)`.

    Quotes not found verbatim are dropped (the caller can count them as unlocatable).
    """
    gold: dict[str, list[tuple[int, int]]] = {}
    for ev in evidence:
        spans = locate(read_text(ev["source"]), ev["quote"])
        if spans:
            gold.setdefault(ev["source"], []).extend(spans)
    return gold


def overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    """Half-open intervals share at least one character; empty intervals overlap nothing."""
    return a_start < a_end and b_start < b_end and a_start < b_end and b_start < a_end


def span_hits_gold(span: Span, gold: GoldSpans) -> bool:
    """A (source, start, end) span overlaps a gold span of the same source."""
    source, start, end = span
    return any(overlaps(start, end, s, e) for s, e in gold.get(source, ()))


def citation_precision(citations: Sequence[Span], gold: GoldSpans) -> tuple[int, int]:
    """(correct, total) citations of one answer: correct = overlaps gold evidence of the same source.

    Aggregate as sum(correct) / sum(total) over answerable items (micro average).
    """
    return sum(span_hits_gold(c, gold) for c in citations), len(citations)


def citation_recall(citations: Sequence[Span], gold: GoldSpans) -> bool:
    """Citation recall of one answerable item: at least one citation overlaps gold evidence."""
    return any(span_hits_gold(c, gold) for c in citations)


def first_relevant_rank(hits: Sequence[Span], gold: GoldSpans) -> int | None:
    """1-based rank of the first retrieved passage overlapping gold evidence, None if none does."""
    for rank, h in enumerate(hits, 1):
        if span_hits_gold(h, gold):
            return rank
    return None


def hit_at(ranks: Sequence[int | None], k: int) -> float:
    """Retrieval hit@k: share of items whose first relevant passage is within the top k."""
    return sum(r is not None and r <= k for r in ranks) / len(ranks) if ranks else math.nan


def mrr(ranks: Sequence[int | None]) -> float:
    """Mean reciprocal rank of the first relevant passage (0 when none was retrieved)."""
    return sum(1 / r for r in ranks if r) / len(ranks) if ranks else math.nan


def per_source_hits(hits: Sequence[Span], gold: GoldSpans) -> dict[str, bool]:
    """For multi-hop items: for each gold source (supporting paragraph), whether a retrieved passage overlaps it."""
    return {src: any(span_hits_gold(h, {src: spans}) for h in hits) for src, spans in gold.items()}


def abstention_rates(abstained: Sequence[bool], answerable: Sequence[bool]) -> dict[str, float]:
    """unanswerable_declined: share of unanswerable items declined (want 1.0);
    answerable_declined: share of answerable items wrongly declined (want 0.0); NaN where no such items."""
    un = [a for a, ok in zip(abstained, answerable) if not ok]
    an = [a for a, ok in zip(abstained, answerable) if ok]
    return {"unanswerable_declined": sum(un) / len(un) if un else math.nan,
            "answerable_declined": sum(an) / len(an) if an else math.nan,
            "answerable_declined_n": sum(an)}


def percentile(values: Sequence[float], p: float) -> float:
    """p-th percentile (0..100), linear interpolation between closest ranks; NaN for no values."""
    xs = sorted(values)
    if not xs:
        return math.nan
    pos = (len(xs) - 1) * p / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def ratio(ours: float | None, ref: float | None) -> float:
    """ours / reference; NaN when either is missing or the reference is 0."""
    if ours is None or ref is None or not isinstance(ours, (int, float)) or not isinstance(ref, (int, float)):
        return math.nan
    if math.isnan(ours) or math.isnan(ref) or ref == 0:
        return math.nan
    return ours / ref
