"""Train the boilerplate block classifier (`rag/read/boilerplate.py`) and write its model files.

    .venv/bin/python -m eval.train_boilerplate            # rebuild rag/models/boilerplate.{json,md}
    .venv/bin/python -m eval.train_boilerplate --no-write # only print the dev table

Data:
- web pages: the article-extraction benchmark's development half (../shared/datasets/
  article_extraction, MIT): each page as text (`txt/<id>.txt`) and its hand-checked articleBody.
  Pages are split by `article_split(id)` (sha1 of the id, ~70/30) into train and dev.
- plain prose, all body: the materialized covid_qa, pubmedqa and hotpotqa documents
  (eval/.cache/data/<name>/docs) -- a document's split is its questions' split; `train` ones are
  fitted on, `dev` ones only measure prose retention when choosing.
Training needs scikit-learn and lightgbm (and jusText for the comparison); run time needs numpy only.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import importlib.util
import json
import random
import re
import sys
import time
from difflib import SequenceMatcher
from pathlib import Path

import numpy as np

from rag.read import boilerplate as bp
from rag.read.text import text_blocks

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT.parent / "shared" / "datasets" / "article_extraction"
DATA = ROOT / "eval" / ".cache" / "data"
PROSE_SETS = ("covid_qa", "pubmedqa", "hotpotqa")
MODEL_JSON = ROOT / "rag" / "models" / "boilerplate.json"
MODEL_MD = ROOT / "rag" / "models" / "boilerplate.md"
SEED = 0
RETENTION_MIN = 0.995  # dev prose documents must keep at least this share of their characters
_TOKEN = re.compile(r"\w+", re.UNICODE)  # the benchmark metric's tokens


def article_split(page_id: str) -> str:
    """'train' or 'dev' for a benchmark page: a stable hash of its id (66 train / 29 dev pages here)."""
    return "train" if int(hashlib.sha1(page_id.encode()).hexdigest(), 16) % 100 < 70 else "dev"


def _load_evaluate():
    spec = importlib.util.spec_from_file_location("article_evaluate", BENCH / "evaluate.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def block_texts(text: str) -> list[str]:
    """The blocks the reader makes of a .txt file (what the classifier sees at read time)."""
    return [text[b.start:b.end] for b in text_blocks(text)]


def align_labels(blocks: list[str], body: str) -> list[bool]:
    """Label rule: align the page's tokens to the articleBody's tokens in order
    (difflib.SequenceMatcher on \\w+ tokens, autojunk off); a block is body when at least half of
    its tokens are matched. Blocks with no word token are furniture."""
    owner, toks = [], []
    for i, b in enumerate(blocks):
        t = _TOKEN.findall(b)
        toks.extend(t)
        owner.extend([i] * len(t))
    matched = np.zeros(len(blocks))
    sm = SequenceMatcher(None, toks, _TOKEN.findall(body), autojunk=False)
    for a, _, size in sm.get_matching_blocks():
        for k in range(a, a + size):
            matched[owner[k]] += 1
    n_tok = np.array([len(_TOKEN.findall(b)) for b in blocks])
    return [bool(n and m / n >= 0.5) for m, n in zip(matched, n_tok)]


class Doc:
    def __init__(self, name, kind, split, blocks, labels, body=""):
        self.name, self.kind, self.split, self.blocks, self.labels, self.body = name, kind, split, blocks, labels, body
        self.x = None


def load_pages() -> list[Doc]:
    gt = json.loads((BENCH / "ground-truth.json").read_text(encoding="utf-8"))
    docs = []
    for pid in sorted(gt):
        text = (BENCH / "txt" / f"{pid}.txt").read_text(encoding="utf-8")
        blocks = block_texts(text)
        body = gt[pid]["articleBody"]
        docs.append(Doc(pid, "page", article_split(pid), blocks, align_labels(blocks, body), body))
    return docs


def load_prose() -> list[Doc]:
    docs = []
    for name in PROSE_SETS:
        qa = DATA / name / "qa.jsonl"
        if not qa.exists():
            sys.exit(f"missing {qa}: run ../shared/tools/materialize.py eval/.cache/data {' '.join(PROSE_SETS)}")
        split_of: dict[str, str] = {}
        for line in qa.read_text(encoding="utf-8").split("\n"):
            if not line.strip():
                continue
            row = json.loads(line)
            for ev in row["evidence"]:
                split_of[ev["source"]] = row["split"]
        for src in sorted(split_of):
            if split_of[src] not in ("train", "dev"):
                continue  # test documents are never read here
            text = (DATA / name / "docs" / src).read_text(encoding="utf-8")
            blocks = block_texts(text)
            if blocks:
                docs.append(Doc(f"{name}/{src}", name, split_of[src], blocks, [True] * len(blocks)))
    return docs


# -- fitting -------------------------------------------------------------------------------------

def weights(docs: list[Doc], prose_share: float) -> np.ndarray:
    """Every page weighs the same in total (as in the metric, which averages per page), its blocks
    by their tokens; prose documents together weigh `prose_share` of the pages' total, spread by
    tokens (as retention is measured: the share of all prose characters kept)."""
    n_pages = sum(d.kind == "page" for d in docs)
    prose_tokens = sum(len(_TOKEN.findall(b)) + 1.0 for d in docs if d.kind != "page" for b in d.blocks)
    out = []
    for d in docs:
        tok = np.array([len(_TOKEN.findall(b)) + 1.0 for b in d.blocks])
        out.append(tok / tok.sum() if d.kind == "page" else tok * prose_share * n_pages / prose_tokens)
    return np.concatenate(out)


def fit_lgbm(x, y, w, params):
    import lightgbm as lgb

    p = dict(objective="binary", learning_rate=0.05, num_leaves=15, min_child_samples=20,
             min_sum_hessian_in_leaf=1e-4, feature_fraction=0.8, bagging_fraction=0.8, bagging_freq=1,
             lambda_l2=1.0, seed=SEED, deterministic=True, force_row_wise=True, num_threads=1, verbose=-1)
    p.update(params)
    n_trees = p.pop("n_trees")
    return lgb.train(p, lgb.Dataset(x, y, weight=w * len(w) / w.sum()), num_boost_round=n_trees)


def _packed(values, dtype) -> dict:
    arr = np.asarray(values, dtype=dtype)
    return {"dtype": arr.dtype.str, "b64": base64.b64encode(arr.tobytes()).decode("ascii")}


def export_trees(booster) -> dict:
    """LightGBM trees -> the flat arrays `rag.trees.Trees` walks (split nodes numbered
    across all trees; a child < 0 is leaf ~i)."""
    feat, thr, left, right, value, roots = [], [], [], [], [], []
    depth = 0

    def walk(node, d):
        nonlocal depth
        if "leaf_value" in node:
            value.append(float(node["leaf_value"]))
            depth = max(depth, d)
            return ~(len(value) - 1)
        assert node["decision_type"] == "<=" and node["missing_type"] in ("None", "NaN")
        i = len(feat)
        feat.append(int(node["split_feature"])), thr.append(float(node["threshold"])), left.append(0), right.append(0)
        left[i] = walk(node["left_child"], d + 1)
        right[i] = walk(node["right_child"], d + 1)
        return i

    for t in booster.dump_model()["tree_info"]:
        roots.append(walk(t["tree_structure"], 0))
    return {"depth": depth, "roots": _packed(roots, "<i4"), "feature": _packed(feat, "<i2"),
            "threshold": _packed(thr, "<f8"), "left": _packed(left, "<i4"), "right": _packed(right, "<i4"),
            "value": _packed(value, "<f4")}


def _inputs(d: Doc, p_prev) -> np.ndarray:
    return d.x if p_prev is None else np.hstack([d.x, bp.context_features(p_prev, d.blocks)])


def oof(train: list[Doc], prev: list, params, prose_share, folds=5) -> list[np.ndarray]:
    """Probabilities of the training documents, each from a model that did not see it (so the next
    pass learns from scores as noisy as at read time)."""
    order = list(range(len(train)))
    random.Random(SEED).shuffle(order)
    fold_of = {i: k % folds for k, i in enumerate(order)}
    out: list[np.ndarray] = [None] * len(train)  # type: ignore
    for k in range(folds):
        fit = [i for i in range(len(train)) if fold_of[i] != k]
        m = fit_lgbm(np.vstack([_inputs(train[i], prev[i]) for i in fit]),
                     np.concatenate([train[i].labels for i in fit]), weights([train[i] for i in fit], prose_share), params)
        for i, d in enumerate(train):
            if fold_of[i] == k:
                out[i] = m.predict(_inputs(d, prev[i]))
    return out


def build(train: list[Doc], params: list[dict], prose_share: float) -> list:
    """One booster per pass: the first sees the block features, each later one also its context's
    previous-pass probabilities (out-of-fold on the training documents)."""
    y = np.concatenate([d.labels for d in train]).astype(float)
    w = weights(train, prose_share)
    prev: list = [None] * len(train)
    models = []
    for k, p in enumerate(params):
        models.append(fit_lgbm(np.vstack([_inputs(d, q) for d, q in zip(train, prev)]), y, w, p))
        if k + 1 < len(params):
            prev = oof(train, prev, p, prose_share)
    return models


def predict_lgbm(models, d: Doc) -> np.ndarray:
    p = None
    for m in models:
        p = m.predict(_inputs(d, p))
    return p


# -- evaluation ----------------------------------------------------------------------------------

class Scorer:
    def __init__(self, pages: list[Doc], prose: list[Doc]):
        self.ev = _load_evaluate()
        self.pages, self.prose = pages, prose

    def f1(self, kept_by_page: dict[str, list[bool]]) -> dict:
        gt = {d.name: {"articleBody": d.body} for d in self.pages}
        pred = {d.name: {"articleBody": "\n".join(b for b, k in zip(d.blocks, kept_by_page[d.name]) if k)}
                for d in self.pages}
        m = self.ev.evaluate(gt, pred, 0)
        return {"f1": m["f1"], "precision": m["precision"], "recall": m["recall"]}

    def retention(self, kept_by_doc: dict[str, list[bool]]) -> float:
        """Share of characters kept in the dev prose documents: the worst corpus's share, so that a
        corpus of long converted reports (covid_qa) is not outvoted by thousands of short abstracts.
        (Pooled over all corpora, the first model kept 99.50% on dev but 98.5% of covid_qa's test docs.)"""
        tot: dict[str, int] = {}
        kept: dict[str, int] = {}
        for d in self.prose:
            c = [len(b) for b in d.blocks]
            tot[d.kind] = tot.get(d.kind, 0) + sum(c)
            kept[d.kind] = kept.get(d.kind, 0) + sum(n for n, k in zip(c, kept_by_doc[d.name]) if k)
        return min(kept[k] / tot[k] for k in tot)


_PROSE_COL = bp.FEATURES.index("is_prose")


def guarded(probs: np.ndarray, d: Doc, thr, guard) -> list[bool]:
    """`rag.read.boilerplate.body_mask`, on precomputed probabilities."""
    return bp.apply_threshold(probs, d.blocks, thr, guard, int(d.x[:, _PROSE_COL].sum()))


def justext_rows(pages: list[Doc], prose: list[Doc], scorer: Scorer) -> list[tuple]:
    """jusText 3 (default settings) on the pages' HTML (its own input), and on the same text blocks
    as ours (each block as a <p>), for comparison."""
    import gzip
    import html as html_mod

    import justext

    stop = justext.get_stoplist("English")

    def run(html_bytes):
        return [p for p in justext.justext(html_bytes, stop) if not p.is_boilerplate]

    gt = {d.name: {"articleBody": d.body} for d in pages}
    pred = {}
    for d in pages:
        raw = gzip.decompress((BENCH / "html" / f"{d.name}.html.gz").read_bytes())
        pred[d.name] = {"articleBody": "\n".join(p.text for p in run(raw))}
    m_html = scorer.ev.evaluate(gt, pred, 0)

    def as_html(blocks):
        return ("<html><body>" + "".join(f"<p>{html_mod.escape(b)}</p>" for b in blocks) + "</body></html>").encode()

    pred = {d.name: {"articleBody": "\n".join(p.text for p in run(as_html(d.blocks)))} for d in pages}
    m_txt = scorer.ev.evaluate(gt, pred, 0)
    tot = kept = 0
    for d in prose:
        tot += sum(len(" ".join(b.split())) for b in d.blocks)
        kept += sum(len(p.text) for p in run(as_html(d.blocks)))
    return [("jusText 3.0 on the HTML", m_html, None), ("jusText 3.0 on our text blocks", m_txt, min(1.0, kept / tot))]


OLD_CLEANER_COMMIT = "6b8f3af"  # the last commit with the line-rule cleaner


def baseline_row(pages: list[Doc], prose: list[Doc], scorer: Scorer):
    """The line-rule cleaner this classifier replaced (rag/clean.py at OLD_CLEANER_COMMIT), if git has it."""
    import subprocess
    import types

    try:
        src = subprocess.run(["git", "show", f"{OLD_CLEANER_COMMIT}:rag/clean.py"], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    mod = types.ModuleType("old_clean")
    sys.modules["old_clean"] = mod  # dataclasses look their module up
    exec(compile(src, f"rag/clean.py@{OLD_CLEANER_COMMIT}", "exec"), mod.__dict__)

    def kept(text):
        return [(s, e) for sec in mod.sections(text) for s, e in sec.spans]

    gt = {d.name: {"articleBody": d.body} for d in pages}
    pred = {}
    for d in pages:
        text = (BENCH / "txt" / f"{d.name}.txt").read_text(encoding="utf-8")
        pred[d.name] = {"articleBody": "\n".join(text[s:e] for s, e in kept(text))}
    m = scorer.ev.evaluate(gt, pred, 0)
    tot = got = 0
    for d in prose:
        text = (DATA / d.kind / "docs" / d.name.split("/", 1)[1]).read_text(encoding="utf-8")
        tot += sum(len(b) for b in d.blocks)
        got += sum(e - s for s, e in kept(text))
    return ("line rules (old rag/clean.py)", m, min(1.0, got / tot))


def logreg_row(train: list[Doc], pages: list[Doc], prose: list[Doc], scorer: Scorer, prose_share: float):
    """One-pass logistic regression on the same block features, at its best threshold under the
    same retention floor: the simpler model the boosted trees are compared with."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    lr = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000))
    w = weights(train, prose_share)
    lr.fit(np.vstack([d.x for d in train]), np.concatenate([d.labels for d in train]),
           logisticregression__sample_weight=w * len(w) / w.sum())
    probs = {d.name: lr.predict_proba(d.x)[:, 1] for d in pages + prose}
    best = None
    for thr in THRESHOLDS:
        m = scorer.f1({d.name: list(probs[d.name] >= thr) for d in pages})
        r = scorer.retention({d.name: list(probs[d.name] >= thr) for d in prose})
        if r >= RETENTION_MIN and (best is None or m["f1"] > best[1]["f1"]):
            best = (thr, m, r)
    return (f"logistic regression (thr {best[0]:.2f})", best[1], best[2]) if best else None


# -- main ----------------------------------------------------------------------------------------

# Chosen on dev (see the model card for the settings tried): three passes of 80 trees each.
PASSES = [{"n_trees": 80, "learning_rate": 0.1}] * 3
PROSE_SHARE = 0.5
# Guard (rag.read.boilerplate.apply_threshold): kept whole are documents of fewer than 8 blocks (too
# little to tell furniture from content), documents without one prose-like block (notes, lists,
# tables: no article; every one of the 95 benchmark pages has one) and documents the classifier
# would keep under 2% of. Measured on dev by main() (printed, and in the model card).
GUARD = {"min_blocks": 8, "min_prose_blocks": 1, "min_kept_share": 0.02}
THRESHOLDS = [0.01, 0.02, 0.03] + [round(0.05 * k, 2) for k in range(1, 20)]


def _stop_words():
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS  # a general list, BSD-licensed

    return sorted(ENGLISH_STOP_WORDS)


def _spec(models, stop, threshold, guard, meta=None) -> dict:
    return {"format": 1, "features": list(bp.FEATURES), "context_features": list(bp.CONTEXT_FEATURES),
            "stop_words": sorted(stop), "threshold": float(threshold), "guard": guard,
            "passes": [export_trees(m) for m in models], "trained": meta or {}}


def _fmt(m, r):
    return f"{m['f1']:.3f}  {m['precision']:.3f}  {m['recall']:.3f}  {'-' if r is None else f'{100 * r:.2f}%'}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--no-write", action="store_true", help="print the dev table only")
    ap.add_argument("--no-compare", action="store_true",
                    help="skip the jusText, line-rule and logistic rows (implies --no-write)")
    args = ap.parse_args(argv)
    args.no_write = args.no_write or args.no_compare
    t0 = time.time()
    pages, prose = load_pages(), load_prose()
    stop = frozenset(_stop_words())
    for d in pages + prose:
        d.x = bp.features(d.blocks, stop)
    train = [d for d in pages + prose if d.split == "train"]
    dev_pages = [d for d in pages if d.split == "dev"]
    dev_prose = [d for d in prose if d.split == "dev"]
    n_train_pages = sum(d.kind == "page" for d in train)
    print(f"train: {n_train_pages} pages + {len(train) - n_train_pages} prose documents; "
          f"dev: {len(dev_pages)} pages + {len(dev_prose)} prose documents", flush=True)
    scorer = Scorer(dev_pages, dev_prose)

    models = build(train, [dict(p) for p in PASSES], PROSE_SHARE)
    model = bp._Model(_spec(models, stop, 0.5, GUARD))
    probs = {d.name: np.array(bp.body_probabilities(d.blocks, model)) for d in dev_pages + dev_prose}
    for d in dev_pages[:5]:  # the exported trees give LightGBM's own probabilities
        assert np.allclose(predict_lgbm(models, d), probs[d.name], atol=1e-5), "tree export mismatch"

    print("\nthreshold   F1     P      R      prose kept (dev)")
    rows, best = [], None
    for thr in THRESHOLDS:
        m = scorer.f1({d.name: guarded(probs[d.name], d, thr, GUARD) for d in dev_pages})
        r = scorer.retention({d.name: guarded(probs[d.name], d, thr, GUARD) for d in dev_prose})
        rows.append((thr, m, r))
        print(f"{thr:9.2f}   {_fmt(m, r)}")
        if r >= RETENTION_MIN and (best is None or m["f1"] > best[1]["f1"]):
            best = (thr, m, r)
    if best is None:
        sys.exit(f"no threshold keeps {RETENTION_MIN:.1%} of the dev prose")
    thr, m_best, r_best = best
    print(f"chosen threshold {thr:.2f}: the best dev F1 that keeps >= {RETENTION_MIN:.1%} of dev prose")

    # The guard, measured: how often it fires at the chosen threshold and what it changes.
    no_guard = {"min_blocks": 0, "min_prose_blocks": 0, "min_kept_share": 0.0}
    m_ng = scorer.f1({d.name: guarded(probs[d.name], d, thr, no_guard) for d in dev_pages})
    r_ng = scorer.retention({d.name: guarded(probs[d.name], d, thr, no_guard) for d in dev_prose})
    fired_pages = sum(guarded(probs[d.name], d, thr, GUARD) != guarded(probs[d.name], d, thr, no_guard)
                      for d in dev_pages)
    fired_prose = sum(guarded(probs[d.name], d, thr, GUARD) != guarded(probs[d.name], d, thr, no_guard)
                      for d in dev_prose)
    per_doc = [np.mean(guarded(probs[d.name], d, thr, GUARD)) for d in dev_prose]
    guard_note = (f"{GUARD}: changes {fired_pages}/{len(dev_pages)} dev pages and {fired_prose}/{len(dev_prose)} "
                  f"dev prose documents; without it F1 {m_ng['f1']:.3f}, prose kept {100 * r_ng:.2f}%")
    print(guard_note)
    print(f"dev prose documents kept whole: {sum(k == 1.0 for k in per_doc)}/{len(per_doc)}")

    compare = []
    if not args.no_compare:
        compare = [r for r in [logreg_row(train, dev_pages, dev_prose, scorer, PROSE_SHARE),
                               *justext_rows(dev_pages, dev_prose, scorer),
                               baseline_row(dev_pages, dev_prose, scorer)] if r]
    print(f"\n{'dev (' + str(len(dev_pages)) + ' pages)':<34}F1     P      R      prose kept")
    print(f"{'this classifier (thr ' + f'{thr:.2f})':<34}{_fmt(m_best, r_best)}")
    for name, m, r in compare:
        print(f"{name:<34}{_fmt(m, r)}")

    if not args.no_write:
        meta = {"command": "python -m eval.train_boilerplate", "dev_pages": len(dev_pages),
                "dev": {k: round(v, 4) for k, v in m_best.items()}, "dev_prose_kept": round(r_best, 4)}
        spec = _spec(models, stop, thr, GUARD, meta)
        MODEL_JSON.write_text(json.dumps(spec, separators=(",", ":")), encoding="utf-8")
        MODEL_MD.write_text(_card(rows, best, compare, guard_note, len(train) - n_train_pages, n_train_pages,
                                  len(dev_pages), len(dev_prose)), encoding="utf-8")
        bp.load_model.cache_clear()
        print(f"wrote {MODEL_JSON.relative_to(ROOT)} ({MODEL_JSON.stat().st_size // 1024} KB) and {MODEL_MD.relative_to(ROOT)}")
    print(f"done in {time.time() - t0:.0f} s")


def _card(rows, best, compare, guard_note, n_train_prose, n_train_pages, n_dev_pages, n_dev_prose) -> str:
    thr, m_best, r_best = best
    table = "\n".join(f"| {t:.2f} | {m['f1']:.3f} | {m['precision']:.3f} | {m['recall']:.3f} | {100 * r:.2f}% |"
                      for t, m, r in rows)
    comp = "\n".join(f"| {n} | {m['f1']:.3f} | {m['precision']:.3f} | {m['recall']:.3f} | "
                     f"{'-' if r is None else f'{100 * r:.2f}%'} |" for n, m, r in compare)
    return CARD.format(**locals(), passes=len(PASSES), trees=PASSES[0]["n_trees"], prose_share=PROSE_SHARE,
                       n_block=len(bp.FEATURES), n_ctx=len(bp.CONTEXT_FEATURES), retention=100 * RETENTION_MIN)


CARD = """# Boilerplate block classifier (`boilerplate.json`)

Decides which blocks of a plain-text file are body text and which are web-page furniture (menus,
"Sign in", share buttons, bylines, captions, related stories, footers). Used by the .txt reader
(`rag.read.text.keep_body` via `rag.read.boilerplate.body_mask`) on every .txt file; Markdown is kept whole.
Rebuild: `.venv/bin/python -m eval.train_boilerplate` (fixed seeds; about a minute or two on 2 cores).

## Model
- {passes} passes of gradient-boosted trees (LightGBM, {trees} trees of 15 leaves each), exported as flat
  typed arrays (base64 in the JSON, so loading takes under a millisecond) and evaluated with numpy
  (no sklearn or lightgbm at run time). Pass 1 scores each block from
  {n_block} block features; passes 2 and 3 add {n_ctx} features of the previous pass's scores around the
  block (jusText's context step, learned): neighbours, windows, distance to blocks the pass is sure of,
  whether the block lies between them, the block's score against the document's best.
- Block features (generic, nothing copied from pages): length in characters and words, mean word
  length, stop-word density and count (scikit-learn's general English list, stored in the JSON),
  share of short words (a stand-in for stop words in other languages), terminal punctuation, a
  trailing colon, punctuation ratio, commas and sentence marks per word, share of capitalised and
  all-caps words, all words title case, digit ratio, separators (`|`, `»`, `/`...), list marks,
  URL/e-mail shape, a lower-case start, how often the same text repeats on the page, "prose-like";
  the same few features of the two blocks before and after; relative position (by blocks and by
  characters), share of the document's prose before and after the block, distance to the nearest
  prose block, prose and short-block density around it, length against the longest block; and the
  document's shape (block count, share of short blocks, share of prose characters, median block length).
- Threshold {thr:.2f}: the best F1 on the dev pages among thresholds that keep at least {retention:.1f}% of
  the characters of the dev prose documents.
- Guard (keep the whole document): {guard_note}. It exists for notes, lists and short files,
  which the dev sets hardly contain.

## Data and licences
- Web pages: the article-extraction benchmark's development half (scrapinghub/article-extraction-benchmark,
  MIT licence; the pages belong to their publishers and are used for training and evaluation only, never
  shipped): each page as text (`txt/`) with its hand-checked articleBody. Split by a hash of the page id
  (`eval.train_boilerplate.article_split`): {n_train_pages} train pages, {n_dev_pages} dev pages.
- Labels: the page's tokens are aligned to the articleBody's in order (difflib, autojunk off); a block
  is body when at least half of its tokens are matched.
- Plain prose (every block is body): the materialized covid_qa (CORD-19 papers), pubmedqa (PubMed
  abstracts) and hotpotqa (Wikipedia paragraphs) documents whose questions are in the `train` split
  ({n_train_prose} documents) for fitting; those in `dev` ({n_dev_prose}) only for choosing (retention).
  Their licences are those of the datasets (see ../shared/datasets). Test documents, the seeds and
  seed_qa are never read.
- Weights: every page weighs the same (its blocks by token count, as the metric averages per page);
  prose documents together weigh {prose_share} of the pages' total, spread by tokens.

## Dev results (benchmark metric: shingle F1 / precision / recall, averaged per page)

| threshold | F1 | P | R | dev prose kept |
|---|---|---|---|---|
{table}

| dev | F1 | P | R | dev prose kept |
|---|---|---|---|---|
| this classifier (threshold {thr:.2f}) | {m_best[f1]:.3f} | {m_best[precision]:.3f} | {m_best[recall]:.3f} | {r_best:.2%} |
{comp}

jusText on the HTML is its native input (the published 0.80 is over all 181 pages; these 29 dev pages
are harder). Through the .txt reader, which also keeps the blocks it marks as bylines and dates, the
dev score at this threshold was 0.880 (P 0.858, R 0.903) when this card was written.

## Settings tried (development, not re-run by the script)
Compared by dev F1 at the retention floor and, to see past 29 noisy pages, by 4-fold
cross-validation on the train pages (CV F1 at its best threshold): one pass of trees vs two vs three
(two: dev 0.886, CV 0.930; three: dev 0.89, CV 0.937); 150 trees at learning rate 0.05 vs 80 at 0.1 vs 150
of 7 leaves (all within 0.005); prose weight 0.25 / 0.5 / 1.0 of the pages' (within 0.005);
logistic regression with 1 / 2 / 3 passes (dev 0.896 / 0.895 / 0.904, CV 0.921 / 0.925 / 0.918).
Trees were kept: pooled over dev and CV pages they score about 0.01 higher than the best logistic
regression, the difference is within the noise of 29 dev pages.
Features added during development, each kept because dev and CV both rose: the short-word share
and a CJK word count (non-English pages lost their only article block), length against the
longest block, and the second-pass "between sure blocks" and "score against the document's best".

Limits: a page whose article is a table or a list of products, or is written in a language without
spaces, is hard to tell from furniture by these features; some prose documents are themselves pages
(a CDC summary, a journal's web page with "Top" links and citation blocks), and their tails are what
caps the threshold.
The brief's targets on the dev pages were F1 >= 0.90 with recall >= 0.97; not reached. Recall is held
down by three dev pages (a Portuguese standings table, a list of product deals, a chatty blog whose
ticket details follow its last paragraph: recall 0.11, 0.17, 0.72 when this card was written); over the
other 26 pages recall averages about 0.97.
"""


if __name__ == "__main__":
    main()
