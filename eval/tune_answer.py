"""Fit the extractive answerer's sentence weights and abstention threshold on dev data.

For each dev question: retrieve as `ask()` does, compute the features of every candidate sentence
(`rag.answer.sentence_features`), label a sentence 1 when it overlaps a gold evidence span. A
logistic regression over those rows gives WEIGHTS/BIAS for rag/answer.py. The abstention
threshold is then read off the best-sentence scores of answerable dev questions versus questions
the corpus cannot answer (other datasets' questions asked of this corpus, and the seed set's
unanswerable ones). Prints the numbers to paste; changes nothing by itself.

    python -m eval.tune_answer [--limit 150]
Uses dev splits and the visible seed set only.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CACHE = ROOT / "eval" / ".cache"


def dataset(name: str) -> tuple[Path, list[dict]]:
    if name == "seeds":
        return ROOT / "seeds", [json.loads(l) for l in open(SHARED / "eval" / "seed_qa.jsonl", encoding="utf-8")]
    out = CACHE / "data"
    if not (out / name / "qa.jsonl").exists():
        subprocess.run([sys.executable, str(SHARED / "tools" / "materialize.py"), str(out), name], check=True)
    rows = [json.loads(l) for l in open(out / name / "qa.jsonl", encoding="utf-8")]
    return out / name / "docs", [r for r in rows if r.get("split") == "dev"]


def evidence_spans(docs: Path, item: dict) -> list[tuple[str, int, int]]:
    spans = []
    for ev in item.get("evidence", []):
        text = (docs / ev["source"]).read_text(encoding="utf-8")
        i = text.find(ev["quote"])
        if i >= 0:
            spans.append((ev["source"], i, i + len(ev["quote"])))
    return spans


def rows_for(assistant, item, history_answers=None):
    from rag.answer import SENTENCE_PEEK, answer_chunks, candidate_sentences, sentence_features
    from rag.condense import condense

    hist = [(q, a) for q, a in zip(item.get("history", []), history_answers or [])]
    query, context = condense(" ".join(item["question"].split()), hist)
    _, cands, qvec = assistant._search(query, max(assistant.config.top_k, assistant.config.answer_chunks),
                                       SENTENCE_PEEK)
    pool = candidate_sentences(answer_chunks(cands, assistant.config.answer_chunks), assistant.store)
    records = pool.records
    if not records:
        return None, []
    X, _ = sentence_features(item["question"], records, pool.rank_of, qvec, context, assistant._idf(), pool.prev_of)
    return X, records


def main(argv=None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--datasets", default="seeds,covid_qa,tonic_pg,hotpotqa")
    p.add_argument("--limit", type=int, default=150, help="dev questions per dataset")
    p.add_argument("--index-root", type=Path, default=CACHE / "index", help="<root>/<dataset>/ours")
    p.add_argument("--save", help="write the feature rows to this .npz")
    p.add_argument("--load", help="skip retrieval: re-fit from a saved .npz")
    args = p.parse_args(argv)
    if args.load:
        return main_saved(args.load)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from rag import Assistant
    from rag.answer import BIAS, FEATURES, WEIGHTS

    names = args.datasets.split(",")
    data = {n: dataset(n) for n in names}
    assistants = {n: Assistant(docs_dir=d, index_dir=args.index_root / n / "ours") for n, (d, _) in data.items()}
    X_all, y_all, groups = [], [], []
    pos_q, neg_q = [], []  # (dataset, X) of answerable / unanswerable questions
    for n, (docs, items) in data.items():
        a = assistants[n]
        a.ingest(progress=True)
        for item in items[: args.limit]:
            hist_answers = [a.ask(q, history=None).text for q in item.get("history", [])]
            X, records = rows_for(a, item, hist_answers)
            if X is None:
                continue
            if not item.get("answerable", True):
                neg_q.append((n, X))
                continue
            spans = evidence_spans(docs, item)
            y = [int(any(r.meta["source"] == s and r.meta["start"] < e and b < r.meta["end"] for s, b, e in spans))
                 for r in records]
            if any(y):
                X_all.append(X)
                y_all.append(np.asarray(y))
                groups.append(n)
                pos_q.append((n, X))
        print(f"{n}: {len(items[: args.limit])} dev questions", flush=True)
    # Questions this corpus cannot answer: another dataset's dev questions asked of it.
    for n in names:
        others = [it for m in names if m != n for it in data[m][1][:20] if it.get("answerable", True)]
        for item in others:
            X, _ = rows_for(assistants[n], {"question": item["question"]})
            if X is not None:
                neg_q.append((n, X))

    if args.save:
        np.savez(args.save, X=np.array(X_all, dtype=object), y=np.array(y_all, dtype=object),
                 groups=np.array(groups), pos=np.array([x for _, x in pos_q], dtype=object),
                 neg=np.array([x for _, x in neg_q], dtype=object), allow_pickle=True)
    report(X_all, y_all, groups, [x for _, x in pos_q], [x for _, x in neg_q], np.asarray(WEIGHTS), BIAS)
    return 0


def top1(X_all, y_all, groups, w) -> dict[str, float]:
    """Per dataset: share of questions whose best-scored sentence overlaps the evidence."""
    hits: dict[str, list[int]] = {}
    for xx, yy, g in zip(X_all, y_all, groups):
        hits.setdefault(g, []).append(int(yy[int(np.argmax(xx @ w))]))
    return {g: float(np.mean(v)) for g, v in hits.items()}


def fit_ranking(X_all, y_all, groups, w0, rounds: int = 4) -> np.ndarray:
    """Coordinate ascent on the macro-averaged top-1 accuracy (the ranking is what answers use;
    a per-sentence classifier optimises the wrong thing). Ties broken towards smaller changes."""
    w = np.asarray(w0, dtype=float).copy()
    objective = lambda v: float(np.mean(list(top1(X_all, y_all, groups, v).values())))
    best = objective(w)
    grid = [0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, -0.5, -1.0, -2.0]
    for _ in range(rounds):
        for j in range(len(w)):
            for value in grid:
                trial = w.copy()
                trial[j] = value
                score = objective(trial)
                if score > best + 1e-9:
                    best, w = score, trial
    return w


def report(X_all, y_all, groups, pos, neg, w_current, b_current) -> None:
    from rag.answer import FEATURES

    print("features:", FEATURES)
    print("current:", tuple(w_current), "top-1:", top1(X_all, y_all, groups, w_current))
    w = fit_ranking(X_all, y_all, groups, w_current)
    print("fitted: ", tuple(round(float(v), 3) for v in w), "top-1:", top1(X_all, y_all, groups, w))
    best_pos = np.array([float(np.max(xx @ w)) for xx in pos])
    best_neg = np.array([float(np.max(xx @ w)) for xx in neg])
    print(f"best-sentence score (no bias): answerable p5={np.percentile(best_pos, 5):.2f} "
          f"median={np.median(best_pos):.2f}; unanswerable median={np.median(best_neg):.2f} "
          f"p90={np.percentile(best_neg, 90):.2f}")
    for q in (1, 2, 3, 5, 8):
        t = float(np.percentile(best_pos, q))
        print(f"  threshold {t:6.3f} (answerable p{q}): unanswerable declined {np.mean(best_neg < t):.1%}")


def main_saved(path: str) -> int:
    from rag.answer import BIAS, WEIGHTS

    d = np.load(path, allow_pickle=True)
    report(list(d["X"]), list(d["y"]), list(d["groups"]), list(d["pos"]), list(d["neg"]), np.asarray(WEIGHTS), BIAS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
