"""BM25 over the live chunks: built with llama-index's BM25Retriever (bm25s + PyStemmer), read
back and queried with bm25s directly. Why not query through llama-index too: importing
llama_index.core costs ~2.5 s of a ~4 s cold start (measured), for ten lines of bm25s calls.

Built after each ingest from what Chroma holds and persisted next to the store, tagged with the
store's generation; a reader whose copy is older (another process ingested) rebuilds it. In server
mode this is a local cache of the server's chunks. Persisting is atomic (`rag.generations`): a new
folder per generation, then a pointer file swapped with os.replace, so a reader never loads half a file.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

from . import terms
from .generations import publish
from .store import Record

TOP_N = 40  # what the build records as top-k; search() takes its own n
TOKEN_PATTERN = r"(?u)\b\w\w+\b"  # BM25Retriever's default, used for the index and so for queries


def _has_words(records: list[Record]) -> bool:
    """Whether any chunk holds a word BM25 indexes (as BM25Retriever tokenises: lower case, the pattern,
    English stop words out). bm25s cannot build over no words at all: a collection whose only file says
    "Of the and, to it." would fail every ingest and every question. Stops at the first word found."""
    import re

    from bm25s.stopwords import STOPWORDS_EN

    pattern, stop = re.compile(TOKEN_PATTERN), frozenset(STOPWORDS_EN)
    return any(w not in stop for r in records for w in pattern.findall(_bm25_text(r).lower()))


class LexicalIndex:
    def __init__(self, bm25, generation: int, df: dict[str, int] | None = None, n_docs: int = 0):
        self._bm25 = bm25  # bm25s.BM25 with its corpus loaded; None when there are no chunks
        self.generation = generation
        self._df = df or {}  # stemmed content term -> number of chunks holding it (see rag.terms)
        self._n = n_docs

    def idf(self, term: str) -> float:
        """BM25-style inverse document frequency over the live chunks; unseen terms get the maximum."""
        df = self._df.get(term, 0)
        return math.log(1.0 + (self._n - df + 0.5) / (df + 0.5))

    @classmethod
    def build(cls, records: list[Record], folder: Path, generation: int) -> "LexicalIndex":
        retriever = None
        if _has_words(records):
            import logging

            import Stemmer

            logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every build at DEBUG
            from llama_index.core.schema import TextNode
            from llama_index.retrievers.bm25 import BM25Retriever

            # BM25Retriever indexes get_content(EMBED), which would include metadata: exclude all of it.
            nodes = [TextNode(id_=r.id, text=_bm25_text(r), metadata=r.meta,
                              excluded_embed_metadata_keys=list(r.meta), excluded_llm_metadata_keys=list(r.meta))
                     for r in records]
            retriever = BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=min(TOP_N, len(nodes)),
                                                    stemmer=Stemmer.Stemmer("english"), language="english",
                                                    token_pattern=TOKEN_PATTERN)
        df: dict[str, int] = {}
        for r in records:
            for t in set(terms.content_terms(_bm25_text(r))):
                df[t] = df.get(t, 0) + 1

        def write(target: Path) -> dict:
            if retriever is not None:
                retriever.persist(str(target), show_progress=False)
            (target / "df.json").write_text(json.dumps({"n": len(records), "df": df, "terms": terms.version()}))
            return {"empty": retriever is None}

        return publish(folder, "bm25", generation, write, cls.load) or cls(None, generation, df, len(records))

    @classmethod
    def load(cls, folder: Path) -> "LexicalIndex | None":
        """The persisted index, or None when there is none (or it cannot be read)."""
        try:
            info = json.loads((folder / "bm25.json").read_text())
            stats = json.loads((folder / info["dir"] / "df.json").read_text())
            if stats.get("terms") != terms.version():
                return None  # counted under other word rules (`rag.terms.version`): built again
            if info["empty"]:
                return cls(None, info["generation"], stats["df"], stats["n"])
            import bm25s

            # mmap: the corpus is read on demand, not parsed up front (0.9 s less cold start at 100k chunks)
            bm25 = bm25s.BM25.load(str(folder / info["dir"]), load_corpus=True, show_progress=False, mmap=True)
            return cls(bm25, info["generation"], stats["df"], stats["n"])
        except (OSError, ValueError, KeyError):
            return None

    def search(self, query: str, n: int, sources: frozenset[str] | None = None) -> list[Record]:
        """The n best chunks for `query`, tokenised as BM25Retriever does (same pattern and stemmer).

        sources: keep only chunks of these files; fetched in growing rounds until n pass or every
        chunk sharing a word with the query has been seen (bm25s has no metadata filter)."""
        if self._bm25 is None or not query.strip() or sources is not None and not sources:
            return []
        import bm25s

        tokens = bm25s.tokenize(query, stemmer=terms.stemmer(), token_pattern=TOKEN_PATTERN, show_progress=False)
        if not tokens.vocab:
            return []
        total = int(self._bm25.scores["num_docs"])
        want = n if sources is None else 4 * n
        while True:
            k = min(want, total)
            found = self._retrieve(tokens, k)
            kept = found if sources is None else [r for r in found if r.meta.get("source") in sources]
            if len(kept) >= n or len(found) < k or k == total:
                return kept[:n]
            want *= 4

    def _retrieve(self, tokens, k: int) -> list[Record]:
        docs, scores = self._bm25.retrieve(tokens, k=k, show_progress=False)
        out = []
        for doc, score in zip(docs[0], scores[0]):
            if score <= 0:
                break  # bm25s fills k with chunks sharing no word with the query
            node = json.loads(doc["_node_content"])  # how llama-index stores a node in the bm25s corpus
            meta, text = node["metadata"], node["text"]
            if meta.get("section"):
                text = text.split("\n", 1)[-1]  # drop the title line added for matching
            out.append(Record(node["id_"], text, meta, float(score)))
        return out


def _bm25_text(r: Record) -> str:
    section = r.meta.get("section", "")
    return f"{section}\n{r.text}" if section else r.text
