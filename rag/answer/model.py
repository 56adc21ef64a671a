"""The answerer's fitted models as read from `rag/models/answerer.json`: the sentence ranker and
abstainer (`eval/train_answerer.py`, fitted on train, chosen on dev) and the relevance stage's
stacker and abstainer (`eval/train_rerank.py`, fitted on dev, cross-fitted). Each is logistic or
boosted trees (`rag.trees`), whichever did better on dev."""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..trees import Trees
from .compose import DIFFER_OVERLAP, RIVAL_OVERLAP
from .features import ABSTAIN_FEATURES, FEATURES, RELEVANCE_ABSTAIN_FEATURES, RERANK_FEATURES, sigmoid

MODEL_PATH = Path(__file__).resolve().parent.parent / "models" / "answerer.json"


@dataclass(frozen=True)
class Model:
    """The sentence ranker and the abstainer over the best candidates' features (each logistic or
    boosted trees, whichever did better on dev), and the operating points chosen on dev."""

    features: tuple[str, ...]
    ranker: object  # a `scorer`
    abstain_features: tuple[str, ...]
    abstainer: object  # the same, over ABSTAIN_FEATURES
    answer_above: float  # P(answerable) below this declines
    add_above: float  # P(answer sentence) above which a further sentence of a cited file is cited
    add_other_above: float  # ... and one of a file not cited yet (a second hop, another source's figure)
    max_sentences: int = 3
    rerank: "Rerank | None" = None  # the relevance model's stage, when fitted
    rival_overlap: float = RIVAL_OVERLAP  # a near-copy of a chosen sentence in another file, saying something else: shown too
    differ_overlap: float = DIFFER_OVERLAP  # ... and above this, the answer says the sources differ

    @classmethod
    def from_dict(cls, d: dict) -> "Model":
        r, a = d["ranker"], d["abstainer"]
        if tuple(r["features"]) != FEATURES or tuple(a["features"]) != ABSTAIN_FEATURES:
            raise ValueError("answerer model was built for other features: rebuild it (python -m eval.train_answerer)")
        c = d["compose"]
        rr = Rerank.from_dict(d["rerank"]) if d.get("rerank") else None
        return cls(FEATURES, scorer(r), ABSTAIN_FEATURES, scorer(a), float(a["answer_above"]), float(c["add_above"]),
                   float(c["add_other_above"]), int(c.get("max_sentences", 3)), rr,
                   float(c.get("rival_overlap", RIVAL_OVERLAP)), float(c.get("differ_overlap", DIFFER_OVERLAP)))

    def logits(self, X: np.ndarray) -> np.ndarray:
        return margin(self.ranker, X)

    def p_answerable(self, x: np.ndarray) -> float:
        return float(sigmoid(margin(self.abstainer, x[None, :])[0]))


@dataclass(frozen=True)
class Rerank:
    """The relevance stage's settings, all chosen on dev: how many of the first ranker's sentences
    the cross-encoder reads, the stacker over RERANK_FEATURES, the abstainer over
    RELEVANCE_ABSTAIN_FEATURES with its threshold, and the compose thresholds on the new scale."""

    n: int
    stacker: object
    abstainer: object
    answer_above: float
    add_above: float
    add_other_above: float

    @classmethod
    def from_dict(cls, d: dict) -> "Rerank":
        if tuple(d["stacker"]["features"]) != RERANK_FEATURES or \
                tuple(d["abstainer"]["features"]) != RELEVANCE_ABSTAIN_FEATURES:
            raise ValueError("relevance stage was fitted for other features: rebuild it (python -m eval.train_rerank)")
        return cls(int(d["n"]), scorer(d["stacker"]), scorer(d["abstainer"]), float(d["answer_above"]),
                   float(d["add_above"]), float(d["add_other_above"]))


@dataclass(frozen=True)
class Bagged:
    """The mean log-odds of several models: the cross-fitted abstainer ships its fold models, each of
    which never saw a part of dev, so the threshold chosen on their out-of-fold scores applies to it
    (one model refitted on all of dev scores on another scale: `eval/train_rerank.py`)."""

    members: tuple

    def margin(self, X: np.ndarray) -> np.ndarray:
        return np.mean([margin(m, X) for m in self.members], axis=0)


def scorer(spec: dict):
    """A fitted model as `margin` reads it: Trees, Bagged, or (mean, scale, coef, bias) of a logistic model."""
    if spec.get("kind") == "mean":
        return Bagged(tuple(scorer(s) for s in spec["members"]))
    if spec.get("kind") == "trees":
        return Trees.from_spec(spec)
    arr = lambda v: np.asarray(v, dtype=np.float64)  # noqa: E731
    return arr(spec["mean"]), arr(spec["scale"]), arr(spec["coef"]), float(spec["bias"])


def margin(m, X: np.ndarray) -> np.ndarray:
    """The log-odds of each row of X under the `scorer` m."""
    if isinstance(m, (Trees, Bagged)):
        return m.margin(X)
    mean, scale, coef, bias = m
    return ((X - mean) / scale) @ coef + bias


@lru_cache(maxsize=4)
def load_model(path: str = str(MODEL_PATH)) -> Model:
    with open(path, encoding="utf-8") as fh:
        return Model.from_dict(json.load(fh))

