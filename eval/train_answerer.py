"""Fit the extractive answerer's models (rag/models/answerer.json) on `train`, choose on `dev`.

For every train and dev question of each dataset: retrieve as `ask()` does (hybrid search, the
sentences of the candidate passages with their vectors), compute each candidate sentence's named
features with `rag.answer.features` (the very function used at answer time) and label it 1 when
it overlaps a gold evidence span of the same file. Then:
  ranker     logistic regression over the sentence features; C chosen on dev hit@1 (the top
             sentence overlaps the evidence), averaged over the datasets;
  abstainer  logistic regression over the best candidates' features (`rag.answer.abstain_features`):
             positives are the questions as retrieved, negatives the same questions with their
             evidence documents taken out of the candidates (on-topic questions the pool cannot
             answer); threshold = the highest that declines <= 5% of each dataset's answerable dev questions;
  compose    the probability above which a further sentence is cited, chosen on dev (mean F1 of
             citation precision and "every evidence span cited").
Rows are cached in eval/.cache/answerer/ (keyed by the questions; `--rebuild` recomputes them after
the reading, chunking or retrieval changed); the seed questions are never used here (report-only).

    python -m eval.train_answerer                               # covid_qa hotpotqa pubmedqa -> rag/models/
    python -m eval.train_answerer --datasets covid_qa --limit 50 --out /tmp/m
    python -m eval.train_answerer --qa QA.jsonl --docs DIR --work DIR --out DIR   # any set with train/dev splits
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import pickle
import sys
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from . import metrics as M
from .datasets import CACHE, ROOT, Dataset, SourceTexts, custom, load_items, named

TRAIN_SETS = ("covid_qa", "hotpotqa", "pubmedqa")  # tonic_pg has no train split (evaluation only)
POOL_DEPTH = 15  # passages retrieved per question: the answer pool plus room for the negatives
SEED = 0
C_GRID = (0.01, 0.1, 1.0)
TREE_GRID = ((0.05, 100), (0.05, 200), (0.1, 100))  # (learning rate, trees), 15 leaves each
ADD_GRID = (0.5, 0.7, 0.9, 1.01)  # P above which a sentence of a file already cited is added (1.01: never)
ADD_OTHER_GRID = (0.2, 0.3, 0.4, 0.5, 1.01)  # ... a sentence of another file
MAX_DECLINED = 0.05  # of answerable dev questions, per dataset


# -- rows from our own pipeline -------------------------------------------------------------------
def collect(ds: Dataset, items: list[dict], index_dir: Path, cache_dir: Path, rebuild: bool = False,
            embedder: str | None = None) -> dict:
    """Per question: the retrieved candidates (sentences and vectors attached), query vector and gold
    spans; plus the corpus idf of every word seen. Cached by encoder and question ids.
    embedder: a `rag.embed.make_embedder` name (default: the configured one)."""
    from rag import Assistant
    from rag.answer import SENTENCE_PEEK
    from rag import terms
    from rag.config import Config

    embedder = embedder or Config.load().embedder
    key = hashlib.sha1(json.dumps([POOL_DEPTH, [it["id"] for it in items]]).encode()).hexdigest()[:12]
    path = cache_dir / f"{ds.name}-{embedder}-{key}.pkl"
    if path.exists() and not rebuild:  # rows of an earlier run (--rebuild after the pipeline changed)
        with open(path, "rb") as fh:
            return pickle.load(fh)
    a = Assistant(docs_dir=ds.docs, index_dir=index_dir, embedder=embedder)
    a.ingest(progress=False)
    _, lexical = a._ensure_ready()
    texts = SourceTexts(ds.docs)
    questions, vocab = [], set()
    t = time.perf_counter()
    for n, it in enumerate(items, 1):
        _, cands, qvec = a._search(it["question"], POOL_DEPTH, SENTENCE_PEEK, sentences=True)
        cands = [replace(c, sentences=tuple(replace(r, vector=r.vector.astype(np.float16)) for r in c.sentences))
                 for c in cands]
        vocab.update(terms.content_terms(it["question"]))
        for c in cands:
            vocab.update(terms.content_terms(c.record.meta.get("section", "") or ""))
            for r in c.sentences:
                vocab.update(terms.content_terms(r.text))
        questions.append({"id": it["id"], "split": it["split"], "question": it["question"], "qvec": qvec,
                          "gold": M.evidence_spans(it.get("evidence") or [], texts), "cands": cands})
        if n % 100 == 0:
            print(f"  {ds.name}: {n}/{len(items)} questions ({time.perf_counter() - t:.0f}s)", file=sys.stderr)
    idf = {w: lexical.idf(w) for w in vocab} if lexical is not None else None
    data = {"questions": questions, "idf": idf}
    cache_dir.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        pickle.dump(data, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return data


def _label(r, gold) -> bool:
    m = r.meta
    return any(M.overlaps(m["start"], m["end"], s, e) for s, e in gold.get(m["source"], ()))


def settings(q: dict) -> dict[str, list]:
    """The candidate lists a question is asked with: as retrieved ('answerable'); without its evidence
    documents ('no_doc'); without its evidence sentences ('no_sentence')."""
    gold, cands = q["gold"], q["cands"]
    no_doc = [replace(c, rank=i) for i, c in enumerate(c for c in cands if c.record.meta["source"] not in gold)]
    no_sent = [replace(c, sentences=tuple(r for r in c.sentences if not _label(r, gold))) for c in cands]
    return {"answerable": cands, "no_doc": no_doc, "no_sentence": no_sent}


def featurize(data: dict) -> list[dict]:
    """Feature rows of each question in each setting."""
    from rag.answer import features, pool

    idf_map = data["idf"]
    idf = (lambda t: idf_map.get(t, 0.0)) if idf_map is not None else None
    out = []
    qs = data["questions"]
    for i, q in enumerate(qs):
        row = {"id": q["id"], "split": q["split"], "question": q["question"], "located": bool(q["gold"])}
        sets = settings(q)
        # Off-topic: the pool another question of the same corpus retrieved, none of its documents
        # holding this question's evidence -- what a user meets asking about something the
        # documents never mention (on-topic pools alone left "How many engineers...?" answered
        # from a sentence sharing none of its words).
        other = next((o for o in qs[i + 1:] + qs[:i] if not set(o["gold"]) & set(q["gold"])), None)
        if other is not None:
            sets["off_topic"] = [replace(c, rank=k) for k, c in enumerate(
                c for c in other["cands"] if c.record.meta["source"] not in q["gold"])]
        for name, cands in sets.items():
            recs, X, st = features(q["question"], pool(cands), q["qvec"], idf)
            row[name] = {"X": X, "y": np.asarray([_label(r, q["gold"]) for r in recs], dtype=bool), "terms": st,
                         "recs": [(r.meta["source"], r.meta["start"], r.meta["end"]) for r in recs]}
        row["gold"] = q["gold"]
        out.append(row)
    return out


# -- models -------------------------------------------------------------------------------------------
def standardize(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = X.mean(axis=0)
    scale = X.std(axis=0)
    return mean, np.where(scale > 1e-9, scale, 1.0)


def fit_logistic(X, y, w, C: float):
    from sklearn.linear_model import LogisticRegression

    mean, scale = standardize(X)
    lr = LogisticRegression(C=C, max_iter=5000, random_state=SEED)
    lr.fit((X - mean) / scale, y, sample_weight=w)
    return {"mean": mean.tolist(), "scale": scale.tolist(), "coef": lr.coef_[0].tolist(),
            "bias": float(lr.intercept_[0])}


def fit_trees(X, y, w, learning_rate: float, iterations: int, leaves: int = 15) -> dict:
    """Boosted trees (HistGradientBoostingClassifier), exported for `rag.trees.Trees`."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    m = HistGradientBoostingClassifier(learning_rate=learning_rate, max_iter=iterations, max_leaf_nodes=leaves,
                                       random_state=SEED)
    m.fit(X, y, sample_weight=w)
    nodes = [pred.nodes for (pred,) in m._predictors]
    width = max(len(nd) for nd in nodes)
    flat = {k: [] for k in ("feature", "threshold", "left", "right", "value")}
    for nd in nodes:
        pad = width - len(nd)
        flat["feature"] += nd["feature_idx"].tolist() + [0] * pad
        flat["threshold"] += [float(v) for v in nd["num_threshold"]] + [0] * pad
        flat["left"] += nd["left"].tolist() + [0] * pad
        flat["right"] += nd["right"].tolist() + [0] * pad
        flat["value"] += [round(float(v), 7) for v in nd["value"]] + [0] * pad
    depth = max(int(nd["depth"].max()) for nd in nodes)
    spec = {"kind": "trees", "base": float(np.ravel(m._baseline_prediction)[0]), "depth": depth + 1,
            "trees": len(nodes), "width": width, **flat,
            "learning_rate": learning_rate, "iterations": iterations, "leaves": leaves}
    from rag.trees import Trees

    check = X[:200]
    assert np.allclose(Trees.from_spec(spec).margin(check), m.decision_function(check), atol=1e-3), "tree export differs"
    return spec


_TREES: dict[int, object] = {}


def logits(m: dict, X: np.ndarray) -> np.ndarray:
    if m.get("kind") == "mean":  # rag.answer.model.Bagged
        return np.mean([logits(s, X) for s in m["members"]], axis=0)
    if m.get("kind") == "trees":
        from rag.trees import Trees

        hit = _TREES.get(id(m))
        if hit is None or hit[0] is not m:
            hit = _TREES[id(m)] = (m, Trees.from_spec(m))
        return hit[1].margin(X)
    return ((X - np.asarray(m["mean"])) / np.asarray(m["scale"])) @ np.asarray(m["coef"]) + m["bias"]


def handset_scores(X: np.ndarray) -> np.ndarray:
    """The previous answerer's hand-set linear score (weights 8 dense, 3 coverage, 1 passage rank,
    0.5 answer type, 0.5 novelty, 0.5 length/4), over today's features: the baseline."""
    from rag.answer import FEATURES

    f = {n: X[:, i] for i, n in enumerate(FEATURES)}
    typ = f["num_match"] + f["date_match"] + f["name_match"]
    return 8 * f["cos"] + 3 * f["cov"] + f["chunk_rank"] + 0.5 * typ + 0.5 * f["novelty"] + 0.5 * f["length"] / 4


def train_rows(rows_by_ds: dict[str, list[dict]], split: str, setting: str = "answerable"):
    """Stacked (X, y, weight): each question weighs the same within its dataset, each dataset the same."""
    Xs, ys, ws = [], [], []
    for rows in rows_by_ds.values():
        qs = [r for r in rows if r["split"] == split and r[setting]["y"].any() and len(r[setting]["y"]) > 1]
        for r in qs:
            n = len(r[setting]["y"])
            Xs.append(r[setting]["X"])
            ys.append(r[setting]["y"])
            ws.append(np.full(n, 1.0 / (n * len(qs))))
    if not Xs:
        return None
    w = np.concatenate(ws)
    return np.vstack(Xs), np.concatenate(ys), w * (len(w) / w.sum())


def hit_at_1(rows: list[dict], score_fn) -> tuple[float, int]:
    """Share of located questions whose top-scored sentence overlaps the evidence (0 when not in the pool)."""
    qs = [r for r in rows if r["located"]]
    hits = 0
    for r in qs:
        d = r["answerable"]
        if len(d["y"]):
            hits += bool(d["y"][int(np.argmax(score_fn(d["X"])))])
    return (hits / len(qs) if qs else math.nan), len(qs)


def in_pool(rows: list[dict]) -> float:
    qs = [r for r in rows if r["located"]]
    return sum(bool(r["answerable"]["y"].any()) for r in qs) / len(qs) if qs else math.nan


class _Scored:
    """Enough of rag.answer.Scored for abstain_features and select, from cached rows."""

    def __init__(self, x, logit, terms, where):
        from rag.types import Span

        self.x, self.logit, self.terms, self.where = x, float(logit), terms, where  # (source, start, end)
        self.span = Span(*where)

    @property
    def prob(self):
        return 1.0 / (1.0 + math.exp(-max(min(self.logit, 40), -40)))

    def feature(self, name):
        from rag.answer import FEATURES

        return float(self.x[FEATURES.index(name)])


def ranked(d: dict, ranker: dict) -> list[_Scored]:
    z = logits(ranker, d["X"]) if len(d["y"]) else np.zeros(0)
    out = [_Scored(x, s, t, sp) for x, s, t, sp in zip(d["X"], z, d["terms"], d["recs"])]
    out.sort(key=lambda s: s.logit, reverse=True)
    return out


def abstain_matrix(rows: list[dict], setting: str, ranker: dict) -> np.ndarray:
    from rag.answer import ABSTAIN_FEATURES, abstain_features

    out = []
    for r in rows:
        rk = ranked(r[setting], ranker)
        out.append(abstain_features(rk, r["question"]) if rk else np.full(len(ABSTAIN_FEATURES), np.nan))
    return np.asarray(out, dtype=np.float64).reshape(len(rows), len(ABSTAIN_FEATURES))


def p_of(m: dict, A: np.ndarray) -> np.ndarray:
    p = 1.0 / (1.0 + np.exp(-np.clip(logits(m, np.nan_to_num(A, nan=-10.0)), -40, 40)))
    return np.where(np.isnan(A).any(axis=1), 0.0, p)  # an empty pool is always declined


def compose_metrics(rows: list[dict], ranker: dict, add_above: float, add_other_above: float,
                    max_sentences: int = 3) -> tuple[float, float]:
    """(citation precision, share of located questions with every evidence file cited) of select().

    Completeness counts the questions whose evidence spans several files where a dataset has them
    (hotpotqa's two hops): counted over all questions, single-file ones made it 0.52 on hotpotqa dev
    while eval.run measured both hops cited for 0.03."""
    multi = [r for r in rows if r["located"] and len(r["gold"]) > 1]
    rows_c = multi if multi else rows
    from rag.answer import Model, select

    stub = Model.__new__(Model)
    object.__setattr__(stub, "add_above", add_above)
    object.__setattr__(stub, "add_other_above", add_other_above)
    object.__setattr__(stub, "max_sentences", max_sentences)
    ok = total = complete = n = 0
    for r in rows:
        if not r["located"]:
            continue
        n += 1
        rk = ranked(r["answerable"], ranker)
        if not rk:
            continue
        chosen = select(rk, stub)
        spans = [s.where for s in chosen]
        ok += sum(M.span_hits_gold(sp, r["gold"]) for sp in spans)
        total += len(spans)
        if r in rows_c or rows_c is rows:
            complete += all(any(M.span_hits_gold(sp, {src: ss}) for sp in spans) for src, ss in r["gold"].items())
    n_c = len(multi) if multi else n
    return (ok / total if total else math.nan), (complete / n_c if n_c else math.nan)


def _f1(p, r):
    return 2 * p * r / (p + r) if p + r else 0.0


# -- main -----------------------------------------------------------------------------------------------
def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.train_answerer", description=__doc__.split("\n\n")[0])
    p.add_argument("--datasets", nargs="+", default=list(TRAIN_SETS), choices=TRAIN_SETS)
    p.add_argument("--qa", help="a question file with train/dev splits instead of --datasets (needs --docs)")
    p.add_argument("--docs", help="documents folder for --qa")
    p.add_argument("--limit", type=int, help="at most N train and N dev questions per dataset")
    p.add_argument("--work", help="folder for indexes and cached rows (default eval/.cache)")
    p.add_argument("--out", default=str(ROOT / "rag" / "models"), help="folder to write answerer.json into")
    p.add_argument("--rebuild", action="store_true", help="recompute the cached rows")
    p.add_argument("--ranker", choices=["best", "logistic", "trees"], default="best",
                   help="ranker family (default: whichever scores best on dev)")
    p.add_argument("--ranker-sets", nargs="+", help="datasets whose train rows fit the ranker (default: all)")
    args = p.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    np.random.seed(SEED)
    from rag.answer import ABSTAIN_FEATURES, FEATURES

    if args.qa:
        if not args.docs:
            p.error("--qa needs --docs")
        sets = [custom(args.qa, args.docs)]
    else:
        sets = [named(n) for n in args.datasets]
    work = Path(args.work) if args.work else CACHE
    rows_by_ds: dict[str, list[dict]] = {}
    for ds in sets:
        items = []
        for split in ("train", "dev"):
            its = [it for it in load_items(ds.qa, split) if it.get("split") == split and it.get("answerable", True)]
            items += its[:args.limit] if args.limit else its
        index_dir = (work / "index" / ds.name / "ours") if args.work else ds.index_root / "ours"
        t = time.perf_counter()
        data = collect(ds, items, index_dir, work / "answerer", args.rebuild)
        rows_by_ds[ds.name] = featurize(data)
        print(f"{ds.name}: {len(items)} questions, rows ready in {time.perf_counter() - t:.0f}s", file=sys.stderr)

    # 1. the ranker
    ranker_sets = args.ranker_sets or list(rows_by_ds)
    train = train_rows({n: r for n, r in rows_by_ds.items() if n in ranker_sets}, "train")
    if train is None:
        raise SystemExit("no train question has its evidence among the candidates: nothing to fit")
    dev = {n: [r for r in rows if r["split"] == "dev"] for n, rows in rows_by_ds.items()}
    best = None
    grid = [("logistic", C) for C in C_GRID] + ([("trees", g) for g in TREE_GRID] if args.ranker != "logistic" else [])
    if args.ranker == "trees":
        grid = [g for g in grid if g[0] == "trees"]
    for kind, g in grid:
        m = fit_logistic(*train, C=g) if kind == "logistic" else fit_trees(*train, *g)
        h = [hit_at_1(d, lambda X: logits(m, X))[0] for d in dev.values()]
        score = float(np.nanmean(h)) if not all(math.isnan(x) for x in h) else 0.0
        print(f"ranker {kind} {g} dev hit@1 " + "  ".join(f"{n} {x:.3f}" for n, x in zip(dev, h)), file=sys.stderr)
        if best is None or score > best[0] + 1e-9:
            best = (score, (kind, g), m)
    _, C, ranker = best

    # 2. the abstainer: answerable pools vs the same questions without their evidence documents
    train_qs = [r for rows in rows_by_ds.values() for r in rows if r["split"] == "train"]
    A_pos = abstain_matrix(train_qs, "answerable", ranker)
    A_neg = np.vstack([abstain_matrix(train_qs, "no_doc", ranker),
                       abstain_matrix([r for r in train_qs if "off_topic" in r], "off_topic", ranker)])
    A = np.vstack([A_pos, A_neg])
    y = np.concatenate([np.ones(len(A_pos)), np.zeros(len(A_neg))])
    keep = ~np.isnan(A).any(axis=1)
    A, y = A[keep], y[keep]
    dev_pos = {n: abstain_matrix(d, "answerable", ranker) for n, d in dev.items() if d}
    dev_neg = {n: abstain_matrix(d, "no_doc", ranker) for n, d in dev.items() if d}
    dev_off = {n: abstain_matrix([r for r in d if "off_topic" in r], "off_topic", ranker) for n, d in dev.items() if d}

    def operating_point(m: dict) -> tuple[float, float]:
        """(threshold declining <= MAX_DECLINED of each dataset's answerable dev questions,
        mean share of the dev negatives it declines)."""
        cuts = [float(np.quantile(p_of(m, X), MAX_DECLINED, method="lower")) for X in dev_pos.values() if len(X)]
        thr = float(np.nextafter(min(cuts), -np.inf)) if cuts else 0.5
        neg = [float(np.mean(p_of(m, X) < thr)) for X in list(dev_neg.values()) + list(dev_off.values()) if len(X)]
        return thr, (float(np.mean(neg)) if neg else 0.0)

    abst_best = None
    abst_grid = [("logistic", 1.0)] + ([("trees", g) for g in ((0.05, 100), (0.1, 100))] if len(A) >= 100 else [])
    for kind, g in abst_grid:
        w = np.ones(len(A))
        m = fit_logistic(A, y, w, C=g) if kind == "logistic" else fit_trees(A, y, w, *g, leaves=7)
        thr, declined = operating_point(m)
        print(f"abstainer {kind} {g}: dev negatives declined {declined:.3f} at P < {thr:.4f}", file=sys.stderr)
        if abst_best is None or declined > abst_best[0] + 1e-9:
            abst_best = (declined, m, thr, (kind, g))
    _, abstainer, threshold, abst_chosen = abst_best

    # 3. when to cite a further sentence
    add_best = None
    for t in ADD_GRID:
        for t_other in ADD_OTHER_GRID:
            f = [_f1(*compose_metrics(d, ranker, t, t_other)) for d in dev.values() if d]
            s = float(np.mean(f)) if f else 0.0
            if add_best is None or s > add_best[0] + 1e-9:
                add_best = (s, t, t_other)
    _, add_above, add_other_above = add_best

    # -- the dev table ------------------------------------------------------------------------------
    from rag.answer import FEATURES as F

    cos_i = F.index("cos")
    lines = ["| dev | questions | evidence in pool | hit@1 hand-set | hit@1 cosine | hit@1 learned | "
             "declined: answerable | declined: evidence docs removed | declined: evidence sentences removed | "
             "cite precision | every evidence file cited |", "|" + "---|" * 11]
    metrics = {}
    for name, d in dev.items():
        if not d:
            continue
        hs, n = hit_at_1(d, handset_scores)
        hc, _ = hit_at_1(d, lambda X: X[:, cos_i])
        hl, _ = hit_at_1(d, lambda X: logits(ranker, X))
        dec = {s: float(np.mean(p_of(abstainer, abstain_matrix(d, s, ranker)) < threshold))
               for s in ("answerable", "no_doc", "no_sentence")}
        off = [r for r in d if "off_topic" in r]
        dec["off_topic"] = float(np.mean(p_of(abstainer, abstain_matrix(off, "off_topic", ranker)) < threshold))
        cp, ca = compose_metrics(d, ranker, add_above, add_other_above)
        metrics[name] = {"questions": len(d), "located": n, "in_pool": in_pool(d), "hit@1_handset": hs,
                         "hit@1_cosine": hc, "hit@1_learned": hl, "declined_answerable": dec["answerable"],
                         "declined_no_doc": dec["no_doc"], "declined_no_sentence": dec["no_sentence"],
                         "declined_off_topic": dec["off_topic"],
                         "cite_precision": cp, "all_evidence_cited": ca}
        lines.append(f"| {name} | {len(d)} | {in_pool(d):.3f} | {hs:.3f} | {hc:.3f} | {hl:.3f} | "
                     f"{dec['answerable']:.3f} | "
                     f"{dec['no_doc']:.3f} | {dec['no_sentence']:.3f} | {cp:.3f} | {ca:.3f} |")
    print("\n".join(lines))
    print("declined, off-topic (another question's pool): "
          + ", ".join(f"{n} {m['declined_off_topic']:.3f}" for n, m in metrics.items()))
    print(f"\nranker {C}; abstain below P={threshold:.4f}; "
          f"add a sentence above P={add_above} (another file: {add_other_above})")

    n_train = {n: sum(r["split"] == "train" for r in rows) for n, rows in rows_by_ds.items()}
    model = {
        "ranker": {"features": list(FEATURES), **ranker, "chosen": list(C), "fitted_on": ranker_sets},
        "abstainer": {"features": list(ABSTAIN_FEATURES), **abstainer, "answer_above": threshold,
                      "chosen": list(abst_chosen)},
        "compose": {"add_above": add_above, "add_other_above": add_other_above, "max_sentences": 3},
        "trained_on": {"datasets": list(rows_by_ds), "train_questions": n_train, "limit": args.limit,
                       "pool_depth": POOL_DEPTH, "seed": SEED,
                       "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                       "command": "python -m eval.train_answerer "
                                  + " ".join(argv if argv is not None else sys.argv[1:])},
        "dev": metrics,
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    clean = json.loads(json.dumps(model, default=float).replace("NaN", "null"))
    (out / "answerer.json").write_text(json.dumps(clean, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {out / 'answerer.json'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
