"""The int8 ONNX build of all-MiniLM-L6-v2: the same vectors (cosine >= 0.98 to torch's), ~2x faster.

sentence-transformers stays the model's home: on first use the packaged model is loaded with it,
exported to ONNX (mean pooling and L2 norm inside the graph), quantized to int8 per channel, and
written atomically to a cache folder (RAG_CACHE_DIR, default ~/.cache/rag-offline/). Later runs
need only onnxruntime and `tokenizers` (no torch import: cold start is fast). `OnnxEmbedder` also
runs any other export of the same architecture and tokenizer (e.g. a fine-tuned model from
`eval/finetune_encoder.py`) given its file and a model id of its own.
The model id differs from the torch one, so an index built with one is never queried with the other.
Not here: the torch reference implementation (`rag.embed`).
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
import threading
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .embed import DIM, MODEL_ID, model_path

# ":per-text": each text is run on its own (below), so its vector no longer depends on its batch-mates;
# indexes built by the batched version are rebuilt.
ONNX_MODEL_ID = MODEL_ID + ":onnx-int8:per-text"
MAX_TOKENS = 256  # what the model reads (sentence_bert_config max_seq_length)
EXPORT_VERSION = 1  # bump when the export recipe changes: a new cache file is made


def cache_dir() -> Path:
    return Path(os.environ.get("RAG_CACHE_DIR") or Path.home() / ".cache" / "rag-offline").expanduser()


def _fingerprint() -> str:
    """Identifies the packaged weights and the export recipe (cheap: sizes and mtimes, not contents)."""
    src = model_path()
    parts = [f"v{EXPORT_VERSION}"]
    for name in ("model.safetensors", "config.json", "tokenizer.json"):
        st = (src / name).stat()
        parts.append(f"{name}:{st.st_size}:{int(st.st_mtime)}")
    return hashlib.sha1("|".join(parts).encode()).hexdigest()[:12]


def onnx_model_file() -> Path:
    """The cached int8 model, exported on first call (atomic; one exporter at a time across processes)."""
    folder = cache_dir()
    target = folder / f"all-MiniLM-L6-v2-int8-{_fingerprint()}.onnx"
    if target.is_file():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".export.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not target.is_file():  # another process may have finished while we waited
                _export(target)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return target


def _export(target: Path, src: Path | None = None) -> None:
    """Export the sentence-transformers model in `src` (default: the packaged base model) to int8 ONNX."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(str(src or model_path()), device="cpu")
    bert = st[0].auto_model.eval()

    class Encoder(torch.nn.Module):  # keyword arguments: BertModel's positional order is not ours
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            out = self.model(input_ids=input_ids, attention_mask=attention_mask,
                             token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(out.dtype)
            pooled = (out * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2.0, dim=1)

    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".export-") as tmp:
        fp32, int8 = Path(tmp) / "fp32.onnx", Path(tmp) / "int8.onnx"
        ids = torch.ones((2, 8), dtype=torch.long)
        dyn = {0: "batch", 1: "seq"}
        with torch.no_grad():
            torch.onnx.export(Encoder(bert), (), str(fp32), dynamo=False, opset_version=17,
                              kwargs={"input_ids": ids, "attention_mask": ids, "token_type_ids": torch.zeros_like(ids)},
                              input_names=["input_ids", "attention_mask", "token_type_ids"],
                              output_names=["embedding"],
                              dynamic_axes={"input_ids": dyn, "attention_mask": dyn, "token_type_ids": dyn,
                                            "embedding": {0: "batch"}})
        # per_channel matters: per-tensor int8 drops the cosine to torch's vectors to ~0.90.
        quantize_dynamic(str(fp32), str(int8), per_channel=True, weight_type=QuantType.QInt8)
        os.replace(int8, target)  # the temporary folder is inside the cache folder: atomic


class OnnxEmbedder:
    """An int8 MiniLM on onnxruntime. Thread-safe.

    Same text, same vector: dynamic int8 quantisation scales a batch by the activations of all its
    texts, so a text embedded among others moved by up to 0.03 in cosine with its batch-mates, and
    answers flipped with how files happened to be batched. Each text therefore runs on its own
    (batch_size 1, no padding): measured here 180 sentences/s against 243/s in batches of 16, and
    the vectors are bit-identical whatever the order or company (tests/test_onnx_embed.py).
    batch_size > 1 is kept for experiments that want the speed and accept the drift.

    model_file: another export (same tokenizer) with its `model_id`; None: the packaged model's
    export, made on first use."""

    def __init__(self, model_file: str | Path | None = None, model_id: str | None = None, batch_size: int = 1,
                 threads: int | None = None):
        if model_file is not None and not model_id:
            raise ValueError("an ONNX model file needs its model_id (recorded in the index)")
        self.model_file = Path(model_file) if model_file is not None else None
        self.model_id = model_id or ONNX_MODEL_ID
        self.batch_size = batch_size
        self.threads = threads
        self._session = None
        self._tok = None
        self._load_lock = threading.Lock()
        self._run_lock = threading.Lock()  # one batch at a time: onnxruntime already uses every core

    def _load(self):
        with self._load_lock:
            if self._session is None:
                import onnxruntime as ort
                from tokenizers import Tokenizer

                tok = Tokenizer.from_file(str(model_path() / "tokenizer.json"))
                tok.enable_truncation(MAX_TOKENS)
                tok.no_padding()  # padded per batch below
                opts = ort.SessionOptions()
                if self.threads:
                    opts.intra_op_num_threads = self.threads
                opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
                self._tok = tok
                self._session = ort.InferenceSession(str(self.model_file or onnx_model_file()), opts,
                                                     providers=["CPUExecutionProvider"])
        return self._session, self._tok

    def embed(self, texts: Sequence[str], on_batch: Callable[[int, int], None] | None = None) -> np.ndarray:
        """on_batch(texts done, texts): called after each batch (ingest's progress)."""
        if not len(texts):
            return np.zeros((0, DIM), dtype=np.float32)
        session, tok = self._session, self._tok
        if session is None:
            session, tok = self._load()
        encs = tok.encode_batch(list(texts))
        order = np.argsort([len(e.ids) for e in encs], kind="stable")
        out = np.empty((len(texts), DIM), dtype=np.float32)
        for i in range(0, len(order), self.batch_size):
            idx = order[i:i + self.batch_size]
            width = max(len(encs[j].ids) for j in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            types = np.zeros((len(idx), width), dtype=np.int64)
            for r, j in enumerate(idx):
                e = encs[j]
                n = len(e.ids)
                ids[r, :n], mask[r, :n], types[r, :n] = e.ids, e.attention_mask, e.type_ids
            with self._run_lock:
                vecs = session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})[0]
            out[idx] = vecs
            if on_batch:
                on_batch(min(i + self.batch_size, len(order)), len(order))
        return out
