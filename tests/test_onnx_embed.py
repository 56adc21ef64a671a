"""The int8 ONNX embedder against the torch reference, on real sentences from the seeds."""
from __future__ import annotations

import re
import threading
from pathlib import Path

import numpy as np
import pytest

from rag.config import PROJECT_ROOT

SEEDS = PROJECT_ROOT / "seeds"


def _seed_texts() -> list[str]:
    text = "\n\n".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))
    sents = [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if len(s.strip()) > 20]
    words = text.split()
    chunks = [" ".join(words[i:i + 180]) for i in range(0, len(words), 180)]  # long inputs: padding matters
    return sents[:60] + chunks[:10] + ["steel", "What tariff applies to Japanese steel?"]


@pytest.fixture(scope="module")
def onnx_cache(tmp_path_factory):
    """A fresh cache folder, so the export itself runs (once for this module)."""
    folder = tmp_path_factory.mktemp("onnx-cache")
    mp = pytest.MonkeyPatch()
    mp.setenv("RAG_CACHE_DIR", str(folder))
    yield folder
    mp.undo()


@pytest.fixture(scope="module")
def onnx_embedder(onnx_cache):
    from rag.onnx_embed import OnnxEmbedder

    return OnnxEmbedder()


def test_export_is_cached_atomically(onnx_cache, onnx_embedder):
    from rag.onnx_embed import onnx_model_file

    onnx_embedder.embed(["warm up"])
    files = sorted(p.name for p in Path(onnx_cache).iterdir() if not p.name.startswith(".export.lock"))
    assert len(files) == 1 and files[0].endswith(".onnx"), files  # no temporary leftovers
    path = onnx_model_file()
    mtime = path.stat().st_mtime_ns
    assert onnx_model_file() == path and path.stat().st_mtime_ns == mtime  # reused, not exported again


def test_model_id_differs_from_torch(onnx_embedder):
    from rag.embed import MODEL_ID, make_embedder

    assert onnx_embedder.model_id != MODEL_ID
    assert type(make_embedder("onnx")).__name__ == "OnnxEmbedder"


@pytest.fixture(scope="module")
def torch_embedder():
    from rag.embed import make_embedder

    return make_embedder("minilm")


def test_vectors_match_torch(onnx_embedder, torch_embedder):
    texts = _seed_texts()
    ours = onnx_embedder.embed(texts)
    ref = torch_embedder.embed(texts)
    assert ours.shape == ref.shape == (len(texts), 384) and ours.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)
    cos = (ours * ref).sum(axis=1)
    assert cos.min() >= 0.98, f"min cosine {cos.min():.4f} at {texts[int(cos.argmin())][:60]!r}"
    # Same text, same vector: alone, or among others in any order (answers must not flip with how
    # files happen to be batched at ingest).
    alone = np.stack([onnx_embedder.embed([t])[0] for t in texts[::7]])
    np.testing.assert_array_equal(alone, ours[::7])
    np.testing.assert_array_equal(onnx_embedder.embed(texts[::-1])[::-1], ours)


def test_empty_and_threads(onnx_embedder):
    assert onnx_embedder.embed([]).shape == (0, 384)
    texts = _seed_texts()[:24]
    expected = onnx_embedder.embed(texts)
    results, errors = {}, []

    def work(i):
        try:
            results[i] = onnx_embedder.embed(texts[i:] + texts[:i])
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == 8
    for i, vecs in results.items():
        np.testing.assert_array_equal(vecs, np.roll(expected, -i, axis=0))

