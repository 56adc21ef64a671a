"""Split cleaned sections into sentences and pack them into chunks the embedding model can read whole.

Our own packer instead of llama-index's SentenceSplitter because we need three things it does not
give: exact character offsets into the *original* file across removed boilerplate, chunks that
never cross a section (an appended article is not the main story), and a budget counted in the
model's own word pieces (all-MiniLM-L6-v2 silently drops everything past 256).
Sentences come from punkt (the model llama-index bundles), one line at a time, so headings and
table rows never merge with prose. Not here: embedding, storage.
"""
from __future__ import annotations

import bisect
import hashlib
from dataclasses import dataclass
from functools import lru_cache

from .clean import Section, sections
from .load import SourceText

TITLE_TOKENS = 40  # at most this many word pieces of the section title go in front of a chunk


@dataclass(frozen=True)
class Chunk:
    id: str
    source: str
    sha: str  # the file's content hash: chunks of an older version of the file are not live
    section: str
    start: int
    end: int
    line_start: int
    line_end: int
    text: str  # the chunk's sentences joined by spaces (boilerplate between them left out)
    sentences: tuple[tuple[int, int], ...]  # (start, end) of each sentence in the source text

    @property
    def embed_text(self) -> str:
        return f"{self.section}\n{self.text}" if self.section else self.text


class LineIndex:
    """Character offset -> 1-based line number, by binary search over line starts."""

    def __init__(self, text: str):
        self._starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self._starts, offset)


@lru_cache(maxsize=1)
def _punkt():
    import importlib.util
    import os

    import nltk

    # llama-index ships punkt_tab; point nltk at it instead of downloading.
    spec = importlib.util.find_spec("llama_index.core")
    static = os.path.join(spec.submodule_search_locations[0], "_static", "nltk_cache")
    if static not in nltk.data.path:
        nltk.data.path.append(static)
    from nltk.tokenize.punkt import PunktTokenizer

    return PunktTokenizer("english")


def split_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans (absolute offsets) within text[start:end], whitespace trimmed."""
    out = []
    for s, e in _punkt().span_tokenize(text[start:end]):
        seg = text[start + s:start + e]
        lead = len(seg) - len(seg.lstrip())
        trail = len(seg) - len(seg.rstrip())
        if e - s - lead - trail > 0:
            out.append((start + s + lead, start + e - trail))
    return out


def chunk_document(doc: SourceText, tokenizer, chunk_tokens: int, overlap_tokens: int) -> list[Chunk]:
    """All chunks of one document, in order."""
    lines = LineIndex(doc.text)
    chunks: list[Chunk] = []
    for sec in sections(doc.text, fallback_title=_fallback_title(doc.source)):
        title_len = min(len(tokenizer.encode(sec.title, add_special_tokens=False).ids), TITLE_TOKENS) if sec.title else 0
        budget = max(32, chunk_tokens - title_len)
        sents = _sentences_with_tokens(doc.text, sec, tokenizer, budget)
        for group in _pack(sents, budget, overlap_tokens):
            chunks.append(_make_chunk(doc, sec.title, [s for s, _ in group], lines))
    return chunks


def _fallback_title(source: str) -> str:
    name = source.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[0].replace("_", " ")


def _sentences_with_tokens(text: str, sec: Section, tokenizer, budget: int) -> list[tuple[tuple[int, int], int]]:
    spans = [sp for a, b in sec.spans for sp in split_sentences(text, a, b)]
    encs = tokenizer.encode_batch([text[a:b] for a, b in spans], add_special_tokens=False)
    out = []
    for (a, b), enc in zip(spans, encs):
        if len(enc.ids) <= budget:
            out.append(((a, b), len(enc.ids)))
        else:
            out.extend(_split_long(text, a, enc.offsets, budget))
    return out


def _split_long(text: str, base: int, offsets, budget: int):
    """Cut an over-long 'sentence' (a table row, a run-on line) at word boundaries into budget-sized pieces."""
    pieces, i, n = [], 0, len(offsets)
    while i < n:
        j = min(i + budget, n)
        # back off to a token that starts a new word so no word is cut in half
        while j < n and j > i + 1 and offsets[j][0] == offsets[j - 1][1]:
            j -= 1
        a, b = base + offsets[i][0], base + offsets[j - 1][1]
        seg = text[a:b]
        pieces.append(((a + len(seg) - len(seg.lstrip()), b - (len(seg) - len(seg.rstrip()))), j - i))
        i = j
    return pieces


def _pack(sents, budget: int, overlap: int):
    """Greedy packing of (span, tokens) into groups of <= budget tokens; the next group repeats
    trailing sentences of the previous one up to `overlap` tokens."""
    groups, cur, used = [], [], 0
    for item in sents:
        _, n = item
        if cur and used + n > budget:
            groups.append(cur)
            carry, carried = [], 0
            for prev in reversed(cur):
                if carried + prev[1] > overlap or carried + prev[1] + n > budget or len(carry) + 1 >= len(cur):
                    break
                carry.insert(0, prev)
                carried += prev[1]
            cur, used = carry, carried
        cur.append(item)
        used += n
    if cur:
        groups.append(cur)
    return groups


def _make_chunk(doc: SourceText, section: str, spans: list[tuple[int, int]], lines: LineIndex) -> Chunk:
    start, end = spans[0][0], spans[-1][1]
    cid = hashlib.sha1(f"{doc.source}\x00{doc.sha}\x00{start}\x00{end}".encode()).hexdigest()[:24]
    text = " ".join(doc.text[a:b] for a, b in spans)
    return Chunk(cid, doc.source, doc.sha, section, start, end, lines.line(start), lines.line(end - 1),
                 text, tuple(spans))
