"""Split a Document's blocks into sentences and pack them into chunks the embedding model reads whole.

Our own packer instead of llama-index's SentenceSplitter because we need what it does not give:
exact offsets into the source text (citations quote it), chunks that never cross a section,
sentences split inside a paragraph and never at the bare line break of reflowed PDF text, table
rows kept as units with their column headers, and a budget counted in the model's own word
pieces (all-MiniLM-L6-v2 silently drops everything past 256).
Sentences come from punkt (the model llama-index bundles), run on the normalised block text
(`rag.read.normalize`: hyphenation joined, ligatures folded) and mapped back to source spans.
A paragraph with `cont` (set by the reader) is read together with the one whose sentence it goes on with
(across a page or column break): the sentence spanning the two is one unit, and what lies between
(page furniture, a caption, footnotes) is left out of its text (`Unit.skip`).
Not here: reading files (`rag.read`), embedding, storage.
"""
from __future__ import annotations

import bisect
import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache

from .read.document import Block, Document
from .read.normalize import hyphenated_words, normalize
from .read.table import labelled, readable

TITLE_TOKENS = 40  # at most this many word pieces of the section title go in front of a chunk
HEADER_TOKENS = 64  # and at most this many of a table's context and column headers
PROSE = ("paragraph", "list_item")
# A bare number punkt put at a sentence's start, after a sentence that ended: a footnote or figure reference
# set after the full stop ("... Commonsense Reasoning.\u00b3 The test examples ...", superglue p. 6, the one such
# unit on the aragog papers), not the start of the next sentence (edited prose does not open a sentence with a
# numeral and a capitalised word). It belongs to neither sentence.
_MARK_AFTER_END = re.compile(r"(\d{1,3})\s+(?=[A-Z])")
_ENDED = re.compile(r"[.!?][\"'\u201d\u2019)\]]*$")
_ASKED = re.compile(r"(?:[!?][\"'\u201d\u2019)\]]*|[.!?]\s+[\"'\u201d\u2019])$")


@dataclass(frozen=True)
class Unit:
    """A sentence, list item or table row: the smallest thing an answer cites."""

    start: int
    end: int
    text: str  # normalised text (what is embedded and shown in hits)
    kind: str  # the kind of block it came from
    page: int = 0
    header: str = ""  # a table row's column headers
    # source spans inside [start, end) that are not part of the unit: what lies between the halves of a
    # sentence running on across a page or column break (its `quote`, text[start:end], still holds them)
    skip: tuple[tuple[int, int], ...] = ()

    @property
    def embed_text(self) -> str:
        """A table row is searched with its context and each figure beside its column's label."""
        return labelled(self.header, self.text) if self.header else self.text


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
    units: tuple[Unit, ...]
    page: int = 0  # 1-based page of the chunk's start (0: not paginated)
    page_end: int = 0

    @property
    def text(self) -> str:
        return " ".join(u.text for u in self.units)

    @property
    def sentences(self) -> tuple[tuple[int, int], ...]:
        return tuple((u.start, u.end) for u in self.units)

    @property
    def embed_text(self) -> str:
        header = readable(next((u.header for u in self.units if u.header), ""))
        head = "\n".join(p for p in (self.section, header) if p)
        return f"{head}\n{self.text}" if head else self.text


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


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans in `text` (normalised: no hard line breaks), whitespace trimmed. A footnote or
    figure number between two sentences belongs to neither (`_MARK_AFTER_END`)."""
    out = []
    for s, e in _punkt().span_tokenize(text):
        seg = text[s:e]
        lead, trail = len(seg) - len(seg.lstrip()), len(seg) - len(seg.rstrip())
        if e - s - lead - trail > 0:
            s, e = s + lead, e - trail
            if out and text[s].islower() and _ASKED.search(text, out[-1][0], out[-1][1]):
                # punkt ends a sentence at every "?" and "!" (and before a closing quote set apart), also
                # inside one; what goes on in lowercase is the same sentence: a quoted question ("is it true
                # that "{hypo}"? | with select LM targets"), a reference's title and its venue ("... reliably
                # detected? | arXiv preprint ..."), a URL's "?id=", "be a helper. ” | all people, ...". Not
                # after a bare full stop: "Ae. | aegypti" is joined right, but the rankers, fitted on units
                # split so, then cited the evidence less (covid_qa dev, citations on it 0.514 -> 0.463)
                out[-1] = (out[-1][0], e)
                continue
            m = _MARK_AFTER_END.match(text, s)
            if out and m and m.end() < e and _ENDED.search(text, out[-1][0], out[-1][1]):
                s = m.end()
            out.append((s, e))
    return out


@dataclass
class _Section:
    title: str
    blocks: list[Block]
    heading: Block | None = None


def sections(doc: Document, fallback_title: str = "") -> list[_Section]:
    """Group blocks under their headings: 'Document title › Heading' names each group. A paragraph that goes on
    with a sentence begun above a heading (`cont`: a footnote run on from one column's foot to the next's, the
    next column's heading between) goes with the section that sentence is in, to be read with it."""
    out: list[_Section] = []
    doc_title = ""
    cur = _Section(fallback_title, [])
    home: dict[int, _Section] = {}  # start of each block placed so far -> its section
    for b in doc.blocks:
        if b.kind == "heading":
            if cur.blocks or cur.heading is not None:
                out.append(cur)
            name = normalize(doc.text, b.start, b.end).text.lstrip("#").strip()
            if not doc_title:
                doc_title, title = name, name
            else:
                title = f"{doc_title} \u203a {name}" if name != doc_title else doc_title
            cur = _Section(title, [], b)
        else:
            sec = home.get(b.cont, cur) if b.cont is not None else cur
            sec.blocks.append(b)
            home[b.start] = sec
    if cur.blocks or cur.heading is not None:
        out.append(cur)
    return out


def _groups(blocks: list[Block]) -> list[list[Block]]:
    """Blocks as the texts to split: each alone, but a paragraph with `cont` goes with the paragraph or
    list item it continues (blocks between them, a caption or footnotes, stay on their own)."""
    out: list[list[Block]] = []
    group_of: dict[int, int] = {}  # start of a prose block -> index of its group in `out`
    for b in blocks:
        g = group_of.get(b.cont) if b.cont is not None and b.kind == "paragraph" else None
        if g is None:
            g = len(out)
            out.append([])
        out[g].append(b)
        if b.kind in PROSE:
            group_of[b.start] = g
    return out


def units_of(doc: Document, block: Block | list[Block], hyphenated: frozenset[str] = frozenset()) -> list[Unit]:
    """The units of one block, or of a group of blocks read as one text (see `_groups`)."""
    group = [block] if isinstance(block, Block) else list(block)
    block = group[0]
    gaps = tuple((a.end, b.start) for a, b in zip(group, group[1:]))
    norm = normalize(doc.text, block.start, group[-1].end, hyphenated, gaps)
    if not norm.text:
        return []
    if block.kind in ("table_row", "table_head", "heading", "code", "meta"):
        spans = [(0, len(norm.text))]
    else:
        spans = split_sentences(norm.text)
    header = normalize(block.header).text if block.header else ""
    out = []
    for a, b in spans:
        s, e = norm.span(a, b)
        at = next(g for g in reversed(group) if g.start <= s) if gaps else block
        page = at.page or doc.page_at(s)
        skip = tuple(g for g in gaps if s < g[0] and g[1] < e)
        out.append(Unit(s, e, norm.text[a:b], at.kind, page, header, skip))
    return out


def _hyphenated(doc: Document) -> frozenset[str]:
    return hyphenated_words(doc.text) if doc.format == "pdf" else frozenset()


def _section_units(doc: Document, sec: _Section, hyphenated: frozenset[str]) -> list[Unit]:
    """The units of one section in order, before the long ones are cut to the model's window."""
    units = [u for g in _groups(sec.blocks) for u in units_of(doc, g, hyphenated)]
    units.sort(key=lambda u: u.start)  # a sentence run on past a footnote comes before the footnote
    if not units and sec.heading is not None:
        units = units_of(doc, sec.heading, hyphenated)  # a heading with nothing under it is content itself
    return units


def sentence_units(doc: Document) -> list[Unit]:
    """Every unit of `doc`, section by section, as split before the long ones are cut to the model's window
    (eval.reading tells a unit the chunker cut from one the splitter made)."""
    hyphenated = _hyphenated(doc)
    return [u for sec in sections(doc) for u in _section_units(doc, sec, hyphenated)]


def chunk_document(doc: Document, tokenizer, chunk_tokens: int, overlap_tokens: int) -> list[Chunk]:
    """All chunks of one document, in order."""
    lines = LineIndex(doc.text)
    hyphenated = _hyphenated(doc)
    chunks: list[Chunk] = []
    for sec in sections(doc, fallback_title=doc.metadata.title or _fallback_title(doc.source)):
        units = _section_units(doc, sec, hyphenated)
        if not units:
            continue
        title_len = min(len(tokenizer.encode(sec.title, add_special_tokens=False).ids), TITLE_TOKENS) if sec.title else 0
        header_len = HEADER_TOKENS if any(u.header for u in units) else 0
        budget = max(32, chunk_tokens - title_len - header_len)
        sized = _sized(doc, units, tokenizer, budget, hyphenated)
        for group in _pack(sized, budget, overlap_tokens):
            chunks.append(_make_chunk(doc, sec.title, [u for u, _ in group], lines))
    return chunks


def _fallback_title(source: str) -> str:
    name = source.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[0].replace("_", " ")


def _sized(doc: Document, units: list[Unit], tokenizer, budget: int,
           hyphenated: frozenset[str]) -> list[tuple[Unit, int]]:
    encs = tokenizer.encode_batch([u.text for u in units], add_special_tokens=False)
    out = []
    for u, enc in zip(units, encs):
        if len(enc.ids) <= budget:
            out.append((u, len(enc.ids)))
        else:
            out.extend(_split_long(doc, u, enc.offsets, budget, hyphenated))
    return out


def _split_long(doc: Document, u: Unit, offsets, budget: int, hyphenated: frozenset[str]) -> list[tuple[Unit, int]]:
    """Cut an over-long unit (a run-on sentence, a wide table row) at word boundaries into
    budget-sized pieces, each with its own source span."""
    norm = normalize(doc.text, u.start, u.end, hyphenated, u.skip)  # the same text as u.text, with its offset map
    pieces, i, n = [], 0, len(offsets)
    while i < n:
        j = min(i + budget, n)
        while j < n and j > i + 1 and offsets[j][0] == offsets[j - 1][1]:
            j -= 1  # back off to a token that starts a new word so no word is cut in half
        a, b = offsets[i][0], offsets[j - 1][1]
        s, e = norm.span(a, b)
        skip = tuple(g for g in u.skip if s < g[0] and g[1] < e)
        pieces.append((Unit(s, e, norm.text[a:b], u.kind, doc.page_at(s) or u.page, u.header, skip), j - i))
        i = j
    return pieces


def _pack(sized, budget: int, overlap: int):
    """Greedy packing of (unit, tokens) into groups of <= budget tokens; the next group repeats
    trailing units of the previous one up to `overlap` tokens."""
    groups, cur, used = [], [], 0
    for item in sized:
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


def _make_chunk(doc: Document, section: str, units: list[Unit], lines: LineIndex) -> Chunk:
    start, end = units[0].start, units[-1].end
    cid = hashlib.sha1(f"{doc.source}\x00{doc.sha}\x00{start}\x00{end}".encode()).hexdigest()[:24]
    return Chunk(cid, doc.source, doc.sha, section, start, end, lines.line(start), lines.line(end - 1),
                 tuple(units), units[0].page, units[-1].page)
