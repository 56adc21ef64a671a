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
    from rag.answer import candidate_sentences, sentence_features
    from rag.condense import condense

    hist = [(q, a) for q, a in zip(item.get("history", []), history_answers or [])]
    query, context = condense(" ".join(item["question"].split()), hist)
    _, cands, qvec = assistant._search(query, max(assistant.config.top_k, assistant.config.answer_chunks))
    records, rank_of = candidate_sentences(cands[:assistant.config.answer_chunks], assistant.store)
    if not records:
        return None, []
    X, _ = sentence_features(item["question"], records, rank_of, qvec, context, assistant._idf())
    return X, records


def main(argv=None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--datasets", default="seeds,covid_qa,tonic_pg,hotpotqa")
    p.add_argument("--limit", type=int, default=150, help="dev questions per dataset")
    p.add_argument("--index-root", type=Path, default=CACHE / "index", help="<root>/<dataset>/ours")
    args = p.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from sklearn.linear_model import LogisticRegression

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

    X = np.vstack(X_all)
    y = np.concatenate(y_all)
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000).fit(X, y)
    w, b = model.coef_[0], float(model.intercept_[0])

    def top1(weights, bias):
        return {n: float(np.mean([yy[np.argmax(xx @ weights + bias)] for xx, yy, g in zip(X_all, y_all, groups) if g == n]))
                for n in names if n in groups}

    print("features:", FEATURES)
    print("current weights:", WEIGHTS, BIAS, "top-1 evidence sentence:", top1(np.asarray(WEIGHTS), BIAS))
    print("fitted  weights:", tuple(round(float(v), 3) for v in w), round(b, 3), "top-1:", top1(w, b))
    best_pos = np.array([float(np.max(xx @ w + b)) for _, xx in pos_q])
    best_neg = np.array([float(np.max(xx @ w + b)) for _, xx in neg_q])
    print(f"best-sentence score: answerable p5={np.percentile(best_pos, 5):.2f} p10={np.percentile(best_pos, 10):.2f} "
          f"median={np.median(best_pos):.2f}; unanswerable median={np.median(best_neg):.2f} "
          f"p90={np.percentile(best_neg, 90):.2f} max={best_neg.max():.2f}")
    for t in np.arange(-4.0, 2.01, 0.25):
        print(f"  threshold {t:5.2f}: answerable declined {np.mean(best_pos < t):.1%}, "
              f"unanswerable declined {np.mean(best_neg < t):.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
