"""Which blocks of a plain-text file are body text and which are web-page furniture.

A web page saved as text keeps its menus, "Log In", share buttons, bylines, captions and
"related stories", one line each. A learned classifier scores every block from generic,
jusText-like features: its length, stop-word density, punctuation, capitals, digits, how often
it repeats on the page, where it sits, the same for its neighbours and the shape of the whole
document. Two more passes re-score each block from the previous pass's scores around it (the
body of a page is one contiguous region; furniture comes in runs), as jusText's context step does.

    body_probabilities(["Home", "News", "Sign in", "The council voted on Tuesday to ..."])
    body_mask(blocks)  # the same with the threshold chosen on held-out pages

The model (`rag/models/boilerplate.json`, rebuilt by `python -m eval.train_boilerplate`, card in
`boilerplate.md`) is a small gradient-boosted tree ensemble exported as flat arrays and evaluated
here with numpy: nothing but numpy at run time, loaded lazily on first use (under 1 ms).
"""
from __future__ import annotations

import json
import math
import re
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from ..trees import Trees

MODEL_PATH = Path(__file__).resolve().parent.parent / "models" / "boilerplate.json"

_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*")  # alphabetic words ("don't" is one)
_URLISH = re.compile(r"https?://|www\.|\S+@\S+\.\w|\.(com|org|net)\b", re.IGNORECASE)
_LIST_MARK = re.compile(r"^([-*+\u2022\u25aa\u25cf\u2023\u2013\u2014>]|\d{1,3}[.)])\s")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_TERMINAL = ".!?\u2026\u3002\uff01\uff1f"
_CLOSERS = "\"'\u201d\u2019)]\u00bb*"
_SEPARATORS = set("|\u2022\u00b7\u00bb\u203a\u2039\u00ab/>\u2192\u25b8\u25b6")
_PUNCT = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u00a9\u00ae\u2122")
# A block that carries article-like text: the anchors the position features measure from.
_PROSE_WORDS, _PROSE_STOP, _PROSE_SHORT = 12, 0.25, 0.3

# Feature names, in column order (the model file lists them too; a mismatch is refused).
BLOCK_FEATURES = (
    "log_chars", "log_words", "mean_word_len", "stop_density", "log_stop_words",
    "ends_terminal", "ends_colon", "punct_ratio", "commas_per_word", "sentence_marks_per_word",
    "capitalised_share", "all_caps_share", "digit_ratio", "separator_per_word", "list_mark",
    "urlish", "starts_lower", "log_repeats", "is_prose", "short_word_share", "all_title_case",
)
_NEIGHBOUR = ("log_words", "stop_density", "ends_terminal", "is_prose")
_OFFSETS = (-2, -1, 1, 2)
DOC_FEATURES = (
    "rel_index", "rel_chars_before", "prose_before", "prose_after", "log_dist_prev_prose",
    "log_dist_next_prose", "prose_window_3", "prose_window_10", "short_window_3",
    "rel_to_longest", "share_of_doc", "doc_log_blocks", "doc_short_share", "doc_prose_char_share",
    "doc_median_words", "doc_log_chars",
)
FEATURES = (BLOCK_FEATURES + tuple(f"{n}{o:+d}" for o in _OFFSETS for n in _NEIGHBOUR) + DOC_FEATURES)
# Later passes: the previous pass's scores around each block.
CONTEXT_FEATURES = ("p1", "p1_prev", "p1_next", "p1_window_3", "p1_window_10", "p1_max_before_5",
                    "p1_max_after_5", "p1_mass_before", "p1_mass_after", "log_dist_prev_sure",
                    "log_dist_next_sure", "p1_max_before_20", "p1_max_after_20", "inside_sure_span",
                    "p1_over_doc_max", "doc_p1_char_mean")


def _block_row(text: str, stop: frozenset, repeats: int) -> list[float]:
    t = " ".join(text.split())
    toks = t.split()
    # Chinese and Japanese are written without spaces: count about two characters a word.
    nw, nc = max(len(toks), len(_CJK.findall(t)) // 2), len(t)
    words = _WORD.findall(t)
    na = max(1, len(words))
    n_stop = sum(1 for w in words if w.lower() in stop)
    stripped = t.rstrip(_CLOSERS)
    last = stripped[-1:] if stripped else ""
    punct = sum(1 for c in t if c in _PUNCT)
    stop_density = n_stop / na
    # Short words stand in for stop words in languages the English stop-word list does not cover.
    short_share = sum(1 for w in words if len(w) <= 3) / na
    terminal = last in _TERMINAL
    # Prose-like: long, and dense in function words -- or a long CJK sentence (few \w-words).
    prose = nw >= _PROSE_WORDS and (stop_density >= _PROSE_STOP or short_share >= _PROSE_SHORT
                                     or (terminal and len(words) < nw / 2))
    return [
        math.log1p(nc), math.log1p(nw), sum(map(len, words)) / na, stop_density, math.log1p(n_stop),
        float(terminal), float(last in ":\uff1a"), punct / max(1, nc),
        sum(t.count(c) for c in ",;\u3001\uff0c") / max(1, nw), sum(t.count(c) for c in _TERMINAL) / max(1, nw),
        sum(1 for w in words if w[0].isupper()) / na, sum(1 for w in words if len(w) > 1 and w.isupper()) / na,
        sum(c.isdigit() for c in t) / max(1, nc), sum(1 for tok in toks if tok in _SEPARATORS or tok[-1] in "|") / max(1, nw),
        float(bool(_LIST_MARK.match(t))), float(bool(_URLISH.search(t))), float(t[:1].islower()),
        math.log1p(repeats), float(prose), short_share,
        float(bool(words) and all(w[0].isupper() for w in words)),
    ]


def _median(v: np.ndarray) -> float:
    """np.median without its first-call import of numpy.ma (~0.5 s)."""
    s = np.sort(v)
    return float(s[(len(s) - 1) // 2] + s[len(s) // 2]) / 2 if len(s) else 0.0


def _window_mean(x: np.ndarray, half: int) -> np.ndarray:
    """Mean of x over [i-half, i+half], clipped at the document's ends."""
    c = np.concatenate([[0.0], np.cumsum(x)])
    n = len(x)
    lo = np.clip(np.arange(n) - half, 0, n)
    hi = np.clip(np.arange(n) + half + 1, 0, n)
    return (c[hi] - c[lo]) / (hi - lo)


def features(blocks: Sequence[str], stop_words: frozenset) -> np.ndarray:
    """The first-pass feature matrix (len(blocks) x len(FEATURES)) of one document's blocks."""
    n = len(blocks)
    keys = [" ".join(b.split()).lower() for b in blocks]
    counts: dict[str, int] = {}
    for k in keys:
        counts[k] = counts.get(k, 0) + 1
    base = np.array([_block_row(b, stop_words, counts[k] - 1) for b, k in zip(blocks, keys)], dtype=float)
    base = base.reshape(n, len(BLOCK_FEATURES))
    col = {name: base[:, i] for i, name in enumerate(BLOCK_FEATURES)}
    # Neighbours: the same few features of the blocks 1-2 before and after (zeros past the ends).
    neigh = []
    for o in _OFFSETS:
        for name in _NEIGHBOUR:
            v = np.zeros(n)
            src = col[name]
            if o < 0:
                v[-o:] = src[:n + o]
            else:
                v[:n - o] = src[o:]
            neigh.append(v)
    # Where the block sits relative to the prose of the document (an article is one region of it).
    chars = np.array([len(k) for k in keys], dtype=float)
    prose = col["is_prose"]
    prose_chars = chars * prose
    total_prose = max(1.0, prose_chars.sum())
    cum_prose = np.cumsum(prose_chars)
    idx = np.arange(n)
    d_prev, d_next = _distances(np.flatnonzero(prose), n, include_self=True)
    short = (col["log_words"] <= math.log1p(4)).astype(float)
    total_chars = max(1.0, chars.sum())
    doc = [
        idx / max(1, n - 1), (np.cumsum(chars) - chars) / total_chars,
        (cum_prose - prose_chars) / total_prose, (total_prose - cum_prose) / total_prose,
        np.log1p(d_prev), np.log1p(d_next), _window_mean(prose, 3), _window_mean(prose, 10),
        _window_mean(short, 3), chars / max(1.0, chars.max()), chars / total_chars,
        np.full(n, math.log1p(n)), np.full(n, short.mean() if n else 0.0),
        np.full(n, prose_chars.sum() / total_chars), np.full(n, _median(np.expm1(col["log_words"]))),
        np.full(n, math.log1p(chars.sum())),
    ]
    return np.column_stack([base] + neigh + doc) if n else np.zeros((0, len(FEATURES)))


def _distances(marked: np.ndarray, n: int, include_self: bool) -> tuple[np.ndarray, np.ndarray]:
    """Per block, the distance (in blocks) to the nearest marked block before and after it; n where
    there is none. include_self: a marked block is at distance 0 from itself."""
    if not len(marked):
        return np.full(n, n), np.full(n, n)
    idx = np.arange(n)
    nxt = np.searchsorted(marked, idx, side="left" if include_self else "right")
    prv = np.searchsorted(marked, idx, side="right" if include_self else "left") - 1
    d_next = np.where(nxt < len(marked), marked[np.minimum(nxt, len(marked) - 1)] - idx, n)
    d_prev = np.where(prv >= 0, idx - marked[np.maximum(prv, 0)], n)
    return d_prev, d_next


def context_features(p1: np.ndarray, blocks: Sequence[str]) -> np.ndarray:
    """Second-pass features: the first-pass probabilities around each block."""
    n = len(p1)
    chars = np.array([len(" ".join(b.split())) for b in blocks], dtype=float)
    prev = np.concatenate([[0.0], p1[:-1]]) if n else p1
    nxt = np.concatenate([p1[1:], [0.0]]) if n else p1
    mass = p1 * chars
    total = max(1.0, mass.sum())
    cum = np.cumsum(mass)

    def max_before(k):
        return np.array([p1[max(0, i - k):i].max() if i else 0.0 for i in range(n)])

    def max_after(k):
        return np.array([p1[i + 1:i + 1 + k].max() if i + 1 < n else 0.0 for i in range(n)])

    # Distance (in blocks) to the nearest block the first pass is fairly sure is body.
    d_prev, d_next = _distances(np.flatnonzero(p1 >= 0.5), n, include_self=False)
    cols = [p1, prev, nxt, _window_mean(p1, 3), _window_mean(p1, 10), max_before(5), max_after(5),
            (cum - mass) / total, (total - cum) / total, np.log1p(d_prev), np.log1p(d_next),
            max_before(20), max_after(20),
            ((d_prev < n) & (d_next < n)).astype(float) if n else np.zeros(0),
            p1 / max(1e-6, float(p1.max())) if n else p1, np.full(n, mass.sum() / max(1.0, chars.sum()))]
    return np.column_stack(cols) if n else np.zeros((0, len(CONTEXT_FEATURES)))


# -- the model -----------------------------------------------------------------------------------

class _Model:
    def __init__(self, spec: dict):
        if tuple(spec["features"]) != FEATURES or tuple(spec["context_features"]) != CONTEXT_FEATURES:
            raise ValueError("boilerplate model was built for other features; rebuild it")
        self.stop_words = frozenset(spec["stop_words"])
        self.passes = [Trees.from_spec(t) for t in spec["passes"]]
        self.threshold = float(spec["threshold"])
        self.guard = spec["guard"]


@lru_cache(maxsize=None)
def load_model(path: str = str(MODEL_PATH)) -> _Model:
    with open(path, encoding="utf-8") as fh:
        return _Model(json.load(fh))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


def _score(blocks: Sequence[str], m: _Model) -> tuple[np.ndarray, np.ndarray]:
    """(P(body) of each block, the first-pass feature matrix)."""
    x = features(blocks, m.stop_words)
    p = _sigmoid(m.passes[0].margin(x))
    for trees in m.passes[1:]:  # each later pass also sees the previous pass's scores around the block
        p = _sigmoid(trees.margin(np.hstack([x, context_features(p, blocks)])))
    return p, x


def body_probabilities(blocks: Sequence[str], model: _Model | None = None) -> list[float]:
    """P(body) of each block of one document, in order."""
    if not blocks:
        return []
    return [float(v) for v in _score(blocks, model or load_model())[0]]


def body_mask(blocks: Sequence[str], model: _Model | None = None) -> list[bool]:
    """Keep (True) or drop each block of one document, at the threshold chosen on held-out pages."""
    if not blocks:
        return []
    m = model or load_model()
    p, x = _score(blocks, m)
    return apply_threshold(p, blocks, m.threshold, m.guard, int(x[:, FEATURES.index("is_prose")].sum()))


def apply_threshold(probs: Sequence[float], blocks: Sequence[str], threshold: float, guard: dict,
                    prose_blocks: int) -> list[bool]:
    """Blocks at or above `threshold`, unless the guard keeps the whole document: one too short to
    tell furniture from content, one without a single prose-like block (notes, a list, a table:
    no article for furniture to surround; every benchmark page has one), or one the classifier
    would keep almost nothing of. How often it fires on dev is in the model card."""
    keep = [bool(p >= threshold) for p in probs]
    chars = [len(b.strip()) for b in blocks]
    kept = sum(c for c, k in zip(chars, keep) if k)
    if (len(blocks) < guard["min_blocks"] or prose_blocks < guard["min_prose_blocks"]
            or kept < guard["min_kept_share"] * sum(chars)):
        return [True] * len(blocks)
    return keep
