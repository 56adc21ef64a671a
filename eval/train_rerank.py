"""Fit the relevance stage of the answerer on dev scores, cross-fitted; write it into answerer.json.

The cross-encoder (`rag/models/relevance.onnx`, `eval/train_relevance.py`) was trained on the train
splits, so its scores on train questions are in-sample and would teach a stacker to trust it too
much (the fine-tuned encoder of eval/ENCODER.md lost for that reason). Its scores on **dev**
questions are out-of-sample, so the models stacked on them are fitted on dev, and every number used
to choose a setting comes from 2-fold cross-fitting on dev, the folds grouped by document:
  stacker    logistic regression over RERANK_FEATURES of the first ranker's top n sentences:
             P(the sentence overlaps the gold evidence);
  abstainer  logistic regression or small boosted trees over RELEVANCE_ABSTAIN_FEATURES:
             positives are answerable questions as retrieved; negatives are squad2's unanswerable
             questions (on-topic, written to look answerable), the answerable ones with their
             evidence documents removed from the pool, and each asked of another question's pool;
             threshold: the highest that declines <= MAX_DECLINED of the answerable dev questions
             of every dataset (out-of-fold probabilities);
  n          sentences the cross-encoder reads (N_GRID), and the compose thresholds.
The final stacker and abstainer are refitted on all of dev. Test splits and seeds are never read.

    python -m eval.train_rerank                  # rows cached in eval/.cache/rerank/
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
from .datasets import CACHE, ROOT, load_items, named
from .train_answerer import _f1, _label, _Scored, fit_logistic, fit_trees, logits

SETS = ("covid_qa", "hotpotqa", "pubmedqa", "squad2")
N_MAX = 16
N_GRID = (4, 8, 12, 16)
MAX_DECLINED = 0.10  # of answerable dev questions, on every dev set (issue #17's operating point)
ADD_GRID = (0.5, 0.7, 0.9, 1.01)
ADD_OTHER_GRID = (0.2, 0.3, 0.4, 0.5, 1.01)
WORK = CACHE / "rerank"
SEED = 0
# Folds of the cross-fitting, grouped by document. The abstainer that ships is the mean of its fold
# models, so the threshold chosen on their out-of-fold scores holds for it; with 2 folds and one model
# refitted on all of dev, the fitted scale moved and test declined 3% of answerable questions where
# dev's out-of-fold 10% was chosen (eval/RESULTS.md at 5e73fd6). 5 folds: each model sees 80% of dev.
FOLDS = 5


def rows_for(name: str, relevance, limit: int | None = None) -> list[dict]:
    """Per dev question and setting: the first ranker's top N_MAX with their ce logits and labels."""
    from rag.answer import abstain_features, load_model, pool, rank
    from rag.relevance import sentence_texts

    from .pools import pools

    ds = named(name)
    meta = {it["id"]: it for it in load_items(ds.qa)}
    data = pools(name, splits=("dev",))  # only dev questions are read here
    idf_map = data["idf"]
    idf = (lambda t: idf_map.get(t, 0.0)) if idf_map is not None else None
    model = load_model()
    qs = [q for q in data["questions"] if q["split"] == "dev"][:limit]
    out = []
    t0 = time.perf_counter()
    for i, q in enumerate(qs):
        it = meta[q["id"]]
        answerable = bool(it.get("answerable", True))
        if answerable and not q["gold"]:
            continue  # evidence not found in its file: cannot be labelled
        src = sorted(q["gold"]) or sorted({e["source"] for e in it.get("plausible") or []}) or [q["id"]]
        row = {"id": q["id"], "ds": name, "answerable": answerable, "gold": q["gold"],
               "group": hashlib.sha1(src[0].encode()).hexdigest()}
        sets = {"asked": q["cands"]}
        if answerable:
            sets["no_doc"] = [replace(c, rank=k) for k, c in enumerate(
                c for c in q["cands"] if c.record.meta["source"] not in q["gold"])]
            other = next((o for o in qs[i + 1:] + qs[:i] if not set(o["gold"]) & set(q["gold"])), None)
            if other is not None:
                sets["off_topic"] = [replace(c, rank=k) for k, c in enumerate(
                    c for c in other["cands"] if c.record.meta["source"] not in q["gold"])]
        for setting, cands in sets.items():
            cands = pool(cands)
            ranked = rank(q["question"], cands, q["qvec"], model, idf)
            if not ranked:
                row[setting] = None
                continue
            top = ranked[:N_MAX]
            texts = sentence_texts(cands)
            row[setting] = {
                "ce": relevance.logits(q["question"], [texts[s.record.id] for s in top]),
                "stage": np.asarray([s.logit for s in top]),
                "x": np.stack([s.x for s in top]),
                "y": np.asarray([_label(s.record, q["gold"]) for s in ranked], dtype=bool),
                "spans": [(s.span.source, s.span.start, s.span.end) for s in ranked],
                "terms": [s.terms for s in ranked],
                "stage_abstain": abstain_features(ranked, q["question"]),
            }
        out.append(row)
        if (i + 1) % 100 == 0:
            print(f"  {name}: {i + 1}/{len(qs)} ({time.perf_counter() - t0:.0f}s)", file=sys.stderr, flush=True)
    return out


# -- fitting -----------------------------------------------------------------------------------------
def stacker_rows(rows, n):
    from rag.answer import rerank_features

    Xs, ys, ws = [], [], []
    for r in rows:
        d = r.get("asked")
        if not r["answerable"] or d is None:
            continue
        y = d["y"][:n]
        if not y.any() or y.all():
            continue
        Xs.append(rerank_features(d["ce"][:n], d["stage"][:n]))
        ys.append(y)
        ws.append(np.full(len(y), 1.0 / len(y)))
    w = np.concatenate(ws)
    return np.vstack(Xs), np.concatenate(ys), w * len(w) / w.sum()


def z_of(stacker, d, n):
    from rag.answer import rerank_features

    return logits(stacker, rerank_features(d["ce"][:n], d["stage"][:n]))


def abstain_vec(stacker, d, n):
    from rag.answer import relevance_abstain_features

    return relevance_abstain_features(d["ce"][:n], z_of(stacker, d, n), d["stage_abstain"])


def examples(rows, stackers, n):
    """(features, label, dataset, kind, group) of every setting; stackers: group -> the stacker for it."""
    out = []
    for r in rows:
        st = stackers(r["group"])
        for setting in ("asked", "no_doc", "off_topic"):
            d = r.get(setting)
            if setting not in r:
                continue
            kind = ("answerable" if r["answerable"] else "unanswerable") if setting == "asked" else setting
            A = abstain_vec(st, d, n) if d is not None else None
            out.append((A, float(setting == "asked" and r["answerable"]), r["ds"], kind, r["group"]))
    return out


def p_of(m, A):
    return 1.0 / (1.0 + np.exp(-np.clip(logits(m, A), -40, 40)))


def fit_abstainer(ex, kind):
    A = np.stack([e[0] for e in ex if e[0] is not None])
    y = np.asarray([e[1] for e in ex if e[0] is not None])
    # each dataset weighs the same, and within it positives and negatives the same
    ds = [e[2] for e in ex if e[0] is not None]
    w = np.ones(len(y))
    for name in set(ds):
        for lab in (0.0, 1.0):
            m = np.asarray([d == name for d in ds]) & (y == lab)
            if m.any():
                w[m] = 1.0 / m.sum()
    w *= len(w) / w.sum()
    if kind[0] == "logistic":
        return fit_logistic(A, y, w, C=kind[1])
    return fit_trees(A, y, w, *kind[1], leaves=7)


def operating_point(probs: list[tuple[float, float, str, str]]) -> tuple[float, dict]:
    """(threshold, declined share per (dataset, kind)) with <= MAX_DECLINED of each dataset's
    answerable questions declined. probs: (p, label, dataset, kind); p = -1 for an empty pool."""
    names = sorted({d for _, _, d, _ in probs})
    cuts = []
    for name in names:
        pos = np.asarray([p for p, y, d, _ in probs if d == name and y == 1.0])
        if len(pos):
            cuts.append(float(np.quantile(pos, MAX_DECLINED, method="lower")))
    thr = float(np.nextafter(min(cuts), -np.inf)) if cuts else 0.5
    table = {}
    for name in names:
        for kind in ("answerable", "unanswerable", "no_doc", "off_topic"):
            ps = [p for p, _, d, k in probs if d == name and k == kind]
            if ps:
                table[f"{name}:{kind}"] = float(np.mean(np.asarray(ps) < thr))
    return thr, table


def ranked_list(r, z, n):
    d = r["asked"]
    k = min(n, len(z))
    order = list(np.argsort(-z, kind="stable"))
    # the rest of the pool after them, never cited (P < 0.0001): these rows keep no first-ranker logits for it
    rest = min(float(z.min()) - 1.0, -10.0)
    out = [_Scored(None, z[i], d["terms"][i], d["spans"][i]) for i in order]
    return out + [_Scored(None, rest, d["terms"][i], d["spans"][i]) for i in range(k, len(d["spans"]))]


def compose_scores(rows, z_by_id, n, add_above, add_other_above):
    from rag.answer import Model, select

    stub = Model.__new__(Model)
    for k, v in (("add_above", add_above), ("add_other_above", add_other_above), ("max_sentences", 3),
                 ("rival_overlap", 2.0)):  # no rivals: these rows carry no text to compare
        object.__setattr__(stub, k, v)
    ok = total = complete = n_c = 0
    multi = any(len(r["gold"]) > 1 for r in rows if r["answerable"])
    for r in rows:
        if not r["answerable"] or r.get("asked") is None:
            continue
        rk = ranked_list(r, z_by_id[r["id"]], n)
        chosen = select(rk, stub)
        spans = [s.where for s in chosen]
        ok += sum(M.span_hits_gold(sp, r["gold"]) for sp in spans)
        total += len(spans)
        if not multi or len(r["gold"]) > 1:
            n_c += 1
            complete += all(any(M.span_hits_gold(sp, {src: ss}) for sp in spans) for src, ss in r["gold"].items())
    return (ok / total if total else math.nan), (complete / n_c if n_c else math.nan)


def folds_of(rows) -> dict[str, int]:
    """group -> fold (0..FOLDS-1): the split by document every out-of-fold number uses."""
    return {r["group"]: int(r["group"], 16) % FOLDS for r in rows}


def oof_stackers(rows, n):
    """group -> the stacker fitted on the other fold (one that never saw this group)."""
    folds = folds_of(rows)
    stack = {k: fit_logistic(*stacker_rows([r for r in rows if folds[r["group"]] != k], n), C=1.0)
             for k in range(FOLDS)}
    return lambda g: stack[folds[g]]


def crossfit(rows, n, abst_kind):
    """Out-of-fold stacker logits, the abstainer's examples (on out-of-fold stacker logits), its
    out-of-fold probabilities and its fold models, for one n."""
    folds = folds_of(rows)
    oof = oof_stackers(rows, n)
    z_by_id = {r["id"]: z_of(oof(r["group"]), r["asked"], n) for r in rows if r.get("asked") is not None}
    ex = examples(rows, oof, n)
    probs, models = [None] * len(ex), []
    for k in range(FOLDS):
        models.append(m := fit_abstainer([e for e in ex if folds[e[4]] != k], abst_kind))
        for i, e in enumerate(ex):
            if folds[e[4]] == k:
                probs[i] = (float(p_of(m, e[0][None, :])[0]) if e[0] is not None else -1.0, e[1], e[2], e[3])
    return z_by_id, ex, probs, models


def hit1(rows, z_by_id, name=None, stage=False):
    qs = [r for r in rows if r["answerable"] and r.get("asked") is not None and (name is None or r["ds"] == name)]
    if not qs:
        return math.nan
    hits = 0
    for r in qs:
        d = r["asked"]
        if stage:
            hits += bool(d["y"][0])
        else:
            z = z_by_id[r["id"]]
            hits += bool(d["y"][int(np.argmax(z))])
    return hits / len(qs)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.train_rerank", description=__doc__.split("\n\n")[0])
    p.add_argument("--sets", nargs="+", default=list(SETS), choices=SETS)
    p.add_argument("--model", default=str(ROOT / "rag" / "models" / "relevance.onnx"))
    p.add_argument("--answerer", default=str(ROOT / "rag" / "models" / "answerer.json"))
    p.add_argument("--rebuild", action="store_true")
    p.add_argument("--n", type=int, choices=N_GRID, help="fix n (e.g. for latency) instead of choosing it")
    p.add_argument("--compose", type=float, nargs=2, metavar=("ADD", "ADD_OTHER"),
                   help="fix the compose thresholds instead of choosing them on the grid")
    p.add_argument("--dry-run", action="store_true", help="print the tables, write nothing")
    p.add_argument("--limit", type=int, help="first N dev questions per set (smoke runs; implies --dry-run)")
    args = p.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    np.random.seed(SEED)
    from rag.relevance import Relevance

    relevance = Relevance(args.model)
    model_sha = hashlib.sha256(Path(args.model).read_bytes()).hexdigest()
    # the rows hold the first ranker's top sentences (`rows_for` ranks with the shipped answerer.json), so
    # they are cached per ranker too: a refitted ranker would otherwise be given the old one's rows
    ranker = json.loads((ROOT / "rag" / "models" / "answerer.json").read_text(encoding="utf-8"))["ranker"]
    ranker_sha = hashlib.sha256(json.dumps(ranker, sort_keys=True).encode()).hexdigest()
    rows = []
    for name in args.sets:
        path = WORK / f"{name}-{model_sha[:12]}-{ranker_sha[:8]}{f'-{args.limit}' if args.limit else ''}.pkl"
        if path.exists() and not args.rebuild:
            rows += pickle.loads(path.read_bytes())
            continue
        t = time.perf_counter()
        r = rows_for(name, relevance, args.limit)
        WORK.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pickle.dumps(r, protocol=pickle.HIGHEST_PROTOCOL))
        print(f"{name}: {len(r)} dev rows in {time.perf_counter() - t:.0f}s", file=sys.stderr, flush=True)
        rows += r
    names = [n for n in args.sets if any(r["ds"] == n for r in rows)]

    # choose n and the abstainer family on out-of-fold numbers
    table, best = [], None
    for n in ([args.n] if args.n else N_GRID):
        for kind in (("logistic", 1.0), ("trees", (0.05, 100))):
            z_by_id, ex, probs, folds = crossfit(rows, n, kind)
            thr, dec = operating_point(probs)
            h = {nm: hit1(rows, z_by_id, nm) for nm in names}
            neg = [v for k, v in dec.items() if not k.endswith(":answerable")]
            score = float(np.mean(list(h.values()))) + float(np.mean(neg))
            table.append({"n": n, "abstainer": list(kind), "hit@1": h, "declined": dec, "threshold": thr,
                          "score": score})
            print(f"n {n:2d} {kind[0]:8s} hit@1 " + " ".join(f"{k} {v:.3f}" for k, v in h.items())
                  + " | declined " + " ".join(f"{k} {v:.2f}" for k, v in dec.items()), file=sys.stderr, flush=True)
            if best is None or score > best[0] + 1e-9:
                best = (score, n, kind, z_by_id, folds, thr, dec)
    _, n, kind, z_by_id, folds, thr, dec = best
    stage_h = {nm: hit1(rows, None, nm, stage=True) for nm in names}

    # compose thresholds on the new scale (mean F1 of citation precision and every evidence file cited)
    comp_best, comp_grid = None, []
    for a in ADD_GRID:
        for o in ADD_OTHER_GRID:
            f = [_f1(*compose_scores([r for r in rows if r["ds"] == nm], z_by_id, n, a, o)) for nm in names]
            s = float(np.nanmean(f))
            comp_grid.append({"add_above": a, "add_other_above": o, "mean_f1": s})
            if comp_best is None or s > comp_best[0] + 1e-9:
                comp_best = (s, a, o)
    _, add_above, add_other_above = comp_best
    if args.compose:
        add_above, add_other_above = args.compose
    comp = {nm: compose_scores([r for r in rows if r["ds"] == nm], z_by_id, n, add_above, add_other_above)
            for nm in names}

    # the stacker (4 features, logistic) is refitted on all of dev; the abstainer is its fold models
    stacker = fit_logistic(*stacker_rows(rows, n), C=1.0)
    abstainer = {"kind": "mean", "members": folds}

    from rag.answer import RELEVANCE_ABSTAIN_FEATURES, RERANK_FEATURES

    lines = ["| dev | hit@1 first ranker | hit@1 with relevance (out-of-fold) | declined: answerable | "
             "declined: unanswerable (squad2) | declined: evidence docs removed | declined: off-topic | "
             "cite precision | every evidence file cited |", "|" + "---|" * 9]
    for nm in names:
        g = lambda k: dec.get(f"{nm}:{k}", math.nan)  # noqa: E731
        lines.append(f"| {nm} | {stage_h[nm]:.3f} | {hit1(rows, z_by_id, nm):.3f} | {g('answerable'):.3f} | "
                     f"{g('unanswerable'):.3f} | {g('no_doc'):.3f} | {g('off_topic'):.3f} | "
                     f"{comp[nm][0]:.3f} | {comp[nm][1]:.3f} |")
    print("\n".join(lines))
    print(f"\nn {n}, abstainer {kind}, decline below P={thr:.4f}, add above {add_above} (other file {add_other_above})")
    result = {"n": n, "abstainer_kind": list(kind), "threshold": thr, "add_above": add_above,
              "add_other_above": add_other_above, "grid": table, "dev_table": lines,
              "first_ranker_hit@1": stage_h, "compose": comp, "compose_grid": comp_grid, "relevance_sha256": model_sha,
              "created": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    out = ROOT / "eval" / "results" / "rerank_dev.json"
    if args.dry_run or args.limit:
        return 0
    out.write_text(json.dumps(json.loads(json.dumps(result, default=float).replace("NaN", "null")), indent=1) + "\n")
    spec = json.loads(Path(args.answerer).read_text(encoding="utf-8"))
    spec["rerank"] = {"n": n, "stacker": {"features": list(RERANK_FEATURES), **stacker},
                      "abstainer": {"features": list(RELEVANCE_ABSTAIN_FEATURES), **abstainer, "chosen": list(kind)},
                      "answer_above": thr, "add_above": add_above, "add_other_above": add_other_above,
                      "relevance_sha256": model_sha, "fitted_on": "dev splits of " + ", ".join(names),
                      "command": "python -m eval.train_rerank " + " ".join(argv if argv is not None else sys.argv[1:])}
    Path(args.answerer).write_text(json.dumps(json.loads(json.dumps(spec, default=float)), separators=(",", ":"))
                                   + "\n", encoding="utf-8")
    print(f"wrote {args.answerer} and {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
