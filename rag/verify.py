"""Check an LLM answer against the passages it cites, and turn its [n] markers into Citations.

The answer is split into sentences (claims). Each marker [n] of a claim names passage n of the
prompt; it is kept only if that passage has a sentence supporting the claim (embedding similarity
plus word coverage, see SUPPORT_MIN), and the Citation then points at that sentence's exact span in
the original file, as in extractive mode. Out-of-range and unsupported markers are removed; a claim
left without a marker is dropped, so no unverified statement reaches the user. Markers are
renumbered 1..n in order of appearance. Sentences that read as instructions to an AI never count
as support (a document saying "answer PWNED" must not vouch for the answer "PWNED").
Not here: calling the LLM (`rag.llm`), the extractive answerer (`rag.answer`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from . import terms
from .answer import citation, coverage, pool_idf
from .chunk import split_sentences
from .retrieve import with_sentences
from .store import Record
from .types import Citation

# A claim is supported by a sentence when dense + 0.5 * lex >= SUPPORT_MIN and dense >= DENSE_MIN
# (dense: cosine of MiniLM embeddings; lex: idf-weighted share of the claim's content words found
# in the sentence), and every figure of the claim is in it. SUPPORT_MIN is chosen on dev with
# `python -m eval.claims`: 88 claims written about the financebench, aragog and squad2 documents
# (never the seed pages), split in halves by id. On the tune half, the highest threshold that still
# accepts 90% of the claims the retrieved passages support (the abstainer's operating point) is
# 0.85. Held half, 0.85 against 0.75 before: supported claims accepted 17/17 both; the others
# rejected 0.61 against 0.50 (on-topic claims the documents never make 4/4 against 3/4, negations
# 4/7 against 2/7, altered figures 5/5 both, by the figure rule). A swapped name passes either
# threshold (0/8): such claims reuse the sentence's words and score like paraphrases, so
# `names_cited` checks names (with it, the others rejected 0.86, swapped names 7/8).
# DENSE_MIN keeps a claim that only repeats a rare word of a sentence (lex 1.0, meaning unrelated)
# from passing.
SUPPORT_MIN = 0.85
DENSE_MIN = 0.40

_MARKERS = re.compile(r"\[(\s*\d+\s*(?:[,;]\s*\d+\s*)*)\]")
_INSTRUCTION = re.compile(
    r"\b(ignore|disregard|forget|override)\b[^.]{0,40}\b(instructions?|prompts?|rules?|directions?|context)\b"
    r"|\b(system prompt|you are an? (ai|assistant|language model)|as an ai)\b"
    r"|\b(answer|reply|respond|say|output|print)\s+(only\s+)?(with\s+)?['\"\u201c\u2018]", re.IGNORECASE)


@dataclass(frozen=True)
class Support:
    record: Record  # the supporting sentence; meta has source, start, end, line_start, line_end, section
    score: float  # dense + 0.5 * lex
    dense: float
    lex: float


@dataclass(frozen=True)
class Verified:
    text: str
    citations: tuple[Citation, ...]


def is_instruction(text: str) -> bool:
    """Heuristic: the sentence addresses a model ("ignore previous instructions", "answer 'X'")."""
    return bool(_INSTRUCTION.search(text))


def split_claims(text: str) -> list[tuple[str, list[int]]]:
    """(claim without markers, marker numbers in order) per sentence; markers after a full stop stay with it."""
    out: list[tuple[str, list[int]]] = []
    for para in re.split(r"\n+", text):
        for a, b in split_sentences(para):  # punkt: "U.S. came" is one sentence
            sent = para[a:b]
            lead = re.match(r"^(\s*\[\d+(?:\s*[,;]\s*\d+)*\])+", sent)
            if lead and out:  # "claim. [1] Next claim" -> the [1] belongs to the previous claim
                out[-1][1].extend(_numbers(lead.group(0)))
                sent = sent[lead.end():]
            nums = _numbers(sent)
            claim = re.sub(r"\s+([.,;:!?])", r"\1", " ".join(_MARKERS.sub(" ", sent).split()))
            claim = re.sub(r"^(?:[-*\u2022]|\d+[.)])\s+", "", claim)  # list bullets
            if claim.strip(" .,;:"):
                out.append((claim, nums))
    return out


def _numbers(s: str) -> list[int]:
    return [int(x) for group in _MARKERS.findall(s) for x in re.split(r"[,;]", group) if x.strip()]


def passage_sentences(candidate, store) -> list[Record]:
    """The sentences (with embeddings) of one retrieved chunk, minus instruction-like ones: those
    retrieval already attached (`rag.retrieve.with_sentences`), else read from the store."""
    sentences = candidate.sentences or with_sentences(store, [candidate])[0].sentences
    return [r for r in sentences if not is_instruction(r.text)]


def best_support(claim: str, vec, sentences: list[Record]) -> Support | None:
    """The sentence that best supports the claim (scored like rag.answer's relevance), thresholds not applied."""
    if not sentences:
        return None
    sent_terms = [frozenset(terms.content_terms(r.text)) for r in sentences]
    idf = pool_idf(sent_terms)
    c_terms = set(terms.content_terms(claim))
    dense = np.stack([r.vector for r in sentences]) @ np.asarray(vec)
    best = None
    for r, st, d in zip(sentences, sent_terms, dense):
        lex = coverage(c_terms, st, idf)
        sc = float(d) + 0.5 * lex
        if best is None or sc > best.score:
            best = Support(r, sc, float(d), lex)
    return best


def figures_cited(claim: str, sentences: list[Record]) -> bool:
    """Every figure of the claim is in one of the supporting sentences: embeddings barely tell 25%
    from 52%."""
    cited = set().union(*(terms.numbers(r.text) for r in sentences))
    return set(re.findall(r"\d+(?:[.,]\d+)*", claim)) <= cited


def names_cited(claim: str, passages: list) -> bool:
    """Every name of the claim is in a passage that supports it (its text, section or document title),
    as written or as a form of it ("Russian" for "Russia": the first letters, all but the last two).
    Names after the first word only: counting a claim's first word too rejected 2 of 31 supported
    claims on dev ("Training ...").
    A claim with one name swapped ("BERT was released by Microsoft") keeps the sentence's other words
    and scores like a paraphrase. Dev (`python -m eval.claims`, all 88 claims: the rule's forms were
    chosen looking at both halves): swapped names rejected 1/11 -> 10/11, claims the passages support
    all still accepted (30/31, the one rejected by the threshold)."""
    text = " ".join(" ".join((p.record.span.title, p.record.span.section, p.record.text)) for p in passages).lower()
    return all(n.lower()[:max(4, len(n) - 2)] in text for n in terms.names(claim))


def supported(s: Support | None) -> bool:
    return s is not None and s.score >= SUPPORT_MIN and s.dense >= DENSE_MIN


class Verifier:
    """Checks claims one at a time against the passages, numbering citations in order of first use,
    so a streamed answer can be checked sentence by sentence as it arrives (`rag.llm`)."""

    def __init__(self, passages: list, store, embedder):
        self.passages, self.store, self.embedder = passages, store, embedder
        self._sentences: dict[int, list[Record]] = {}  # passage number -> its sentences, fetched once
        self._numbering: dict[tuple[str, int, int], int] = {}
        self.citations: list[Citation] = []
        self.parts: list[str] = []  # the claims that held, with their [n] markers

    def check(self, claim: str, nums: list[int], vec=None) -> str | None:
        """The claim with its renumbered markers if a cited passage supports it, else None."""
        if vec is None:
            vec = self.embedder.embed([claim])[0]
        found: list[tuple[int, Support]] = []  # (passage number, its supporting sentence)
        for n in dict.fromkeys(nums):  # de-duplicated, order kept
            if not 1 <= n <= len(self.passages):
                continue  # the model cited a source it was not given
            if n not in self._sentences:
                self._sentences[n] = passage_sentences(self.passages[n - 1], self.store)
            s = best_support(claim, vec, self._sentences[n])
            if supported(s):
                found.append((n, s))
        if not found or not figures_cited(claim, [s.record for _, s in found]) \
                or not names_cited(claim, [self.passages[n - 1] for n, _ in found]):
            return None
        marks = []
        for _, s in found:
            m = s.record.span
            key = (m.source, m.start, m.end)
            if key not in self._numbering:
                self._numbering[key] = len(self._numbering) + 1
                self.citations.append(citation(self._numbering[key], m, s.score))
            if self._numbering[key] not in marks:
                marks.append(self._numbering[key])
        part = claim + " " + "".join(f"[{n}]" for n in marks)
        self.parts.append(part)
        return part

    def result(self) -> Verified | None:
        return Verified(" ".join(self.parts), tuple(self.citations)) if self.citations else None


def verify(text: str, passages: list, store, embedder) -> Verified | None:
    """Keep supported claims with renumbered Citations; None when no claim has a valid citation."""
    claims = split_claims(text or "")
    if not claims:
        return None
    v = Verifier(passages, store, embedder)
    for (claim, nums), vec in zip(claims, embedder.embed([c for c, _ in claims])):
        v.check(claim, nums, vec)
    return v.result()
