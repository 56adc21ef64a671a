"""Boosted trees evaluated with numpy: the one runtime for every tree model we ship (the answerer's
ranker and abstainers in `rag/models/answerer.json`, the boilerplate classifier in
`rag/models/boilerplate.json`).

Our own rather than scikit-learn's or LightGBM's predict: neither library is needed at question
time then, and walking all trees and rows together, one level per step, takes well under a
millisecond for the few hundred trees and rows we score. Two export layouts are read:
  flat    LightGBM's numbering (`eval/train_boilerplate.py`): split nodes 0..n-1 across all trees,
          arrays stored as base64; a root or child < 0 is leaf ~i, whose value is value[~i];
  padded  scikit-learn's HistGradientBoosting nodes (`eval/train_answerer.py`): each tree's nodes
          padded to one width, node 0 the root, `left == 0` marking a leaf (the root is nobody's child).
The padded layout is converted to the flat one when loaded, so there is one `margin`.
"""
from __future__ import annotations

import base64

import numpy as np


class Trees:
    """A tree ensemble as flat arrays: margin(X) = base + the sum over trees of each row's leaf value
    (go left when x <= threshold)."""

    def __init__(self, roots, feature, threshold, left, right, value, depth: int, base: float = 0.0):
        self.roots = np.asarray(roots, dtype=np.int64)
        self.feature = np.asarray(feature, dtype=np.int64)
        self.threshold = np.asarray(threshold, dtype=np.float64)
        self.left = np.asarray(left, dtype=np.int64)
        self.right = np.asarray(right, dtype=np.int64)
        self.value = np.asarray(value, dtype=np.float64)
        self.depth = int(depth)
        self.base = float(base)

    @classmethod
    def from_spec(cls, spec: dict) -> "Trees":
        if "roots" in spec:
            return cls(*(_unpack(spec[k]) for k in ("roots", "feature", "threshold", "left", "right", "value")),
                       spec["depth"], spec.get("base", 0.0))
        return cls(*_from_padded(spec), base=spec["base"])

    def margin(self, X: np.ndarray) -> np.ndarray:
        rows = np.arange(len(X))[:, None]
        node = np.broadcast_to(self.roots, (len(X), len(self.roots))).copy()
        for _ in range(self.depth):
            split = node >= 0
            if not split.any():
                break
            at = np.where(split, node, 0)
            step = np.where(X[rows, self.feature[at]] <= self.threshold[at], self.left[at], self.right[at])
            node = np.where(split, step, node)
        return self.base + self.value[~node].sum(axis=1)


def _unpack(packed) -> np.ndarray:
    """A typed array stored as base64 in the JSON (parsing ~10^4 numbers as text would take ms)."""
    if isinstance(packed, dict):
        return np.frombuffer(base64.b64decode(packed["b64"]), dtype=np.dtype(packed["dtype"]))
    return np.asarray(packed)


def _from_padded(spec: dict):
    """scikit-learn's padded node tables -> the flat arrays (roots, feature, threshold, left, right,
    value, depth)."""
    shape = (int(spec["trees"]), int(spec["width"]))
    feature = np.asarray(spec["feature"], dtype=np.int64).reshape(shape)
    threshold = np.asarray(spec["threshold"], dtype=np.float64).reshape(shape)
    left = np.asarray(spec["left"], dtype=np.int64).reshape(shape)
    right = np.asarray(spec["right"], dtype=np.int64).reshape(shape)
    value = np.asarray(spec["value"], dtype=np.float64).reshape(shape)
    out = {k: [] for k in ("feature", "threshold", "left", "right", "value")}
    roots, depth = [], 0

    def walk(t: int, j: int, d: int) -> int:
        nonlocal depth
        if left[t, j] == 0:
            out["value"].append(value[t, j])
            depth = max(depth, d)
            return ~(len(out["value"]) - 1)
        i = len(out["feature"])
        out["feature"].append(feature[t, j]), out["threshold"].append(threshold[t, j])
        out["left"].append(0), out["right"].append(0)
        out["left"][i] = walk(t, left[t, j], d + 1)
        out["right"][i] = walk(t, right[t, j], d + 1)
        return i

    for t in range(shape[0]):
        roots.append(walk(t, 0, 0))
    return roots, out["feature"], out["threshold"], out["left"], out["right"], out["value"], depth
