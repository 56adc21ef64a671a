"""ONNX int8 vs torch MiniLM: encoder speed on the same texts, vector agreement, retrieval quality.

    python -m eval.embedders                       # covid_qa dev split, all questions
    python -m eval.embedders --dataset hotpotqa --limit 200

One index per embedder over the dataset's documents (eval/.cache/index/<dataset>/embedder-<name>,
built once), every question through `Assistant.retrieve(k=5)`, scored against the gold evidence
spans (hit@1, hit@5, MRR). Encoder speed: both encoders on the same chunk texts, sentence texts and
one-sentence queries, in this process, after a warm-up. Writes eval/EMBEDDERS.md and EMBEDDERS.json.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from datetime import datetime, timezone

import numpy as np

from . import metrics as M
from .datasets import ROOT, SourceTexts, load_items, named

NAMES = ("onnx", "minilm")  # ours (default) and the torch reference


def _rate(embedder, texts: list[str]) -> float:
    embedder.embed(texts[:16])
    t = time.perf_counter()
    embedder.embed(texts)
    return len(texts) / (time.perf_counter() - t)


def _query_ms(embedder, questions: list[str]) -> float:
    embedder.embed(questions[:3])
    times = []
    for q in questions:
        t = time.perf_counter()
        embedder.embed([q])
        times.append(1000 * (time.perf_counter() - t))
    return statistics.median(times)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", default="covid_qa")
    ap.add_argument("--split", default="dev", help="tune on dev; this compares, it tunes nothing")
    ap.add_argument("--limit", type=int)
    ap.add_argument("--sample", type=int, default=400, help="chunks timed per encoder (sentences: twice as many)")
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from rag import Assistant

    ds = named(args.dataset)
    items = [it for it in load_items(ds.qa, args.split, args.limit) if it.get("answerable", True)]
    texts = SourceTexts(ds.docs)
    gold = [M.evidence_spans(it.get("evidence") or [], texts) for it in items]
    keep = [i for i, g in enumerate(gold) if g]
    rows, assistants = {}, {}
    for name in NAMES:
        a = Assistant(docs_dir=ds.docs, index_dir=ds.index_root / f"embedder-{name}", embedder=name)
        rep = a.ingest(progress=True)
        ranks = []
        for i in keep:
            hits = a.retrieve(items[i]["question"], k=5)
            ranks.append(M.first_relevant_rank([(h.source, h.start, h.end) for h in hits], gold[i]))
        assistants[name] = a
        rows[name] = {"hit@1": M.hit_at(ranks, 1), "hit@5": M.hit_at(ranks, 5), "mrr@5": M.mrr(ranks),
                      "index_built_now": bool(rep.changed)}
        print(name, rows[name], flush=True)

    # Speed and agreement on the same texts: chunks and sentences of the corpus, questions as queries.
    a = assistants[NAMES[0]]
    chunks = [r.text for _, r in zip(range(args.sample), a.store.iter_records("chunks"))]
    sents = [r.text for _, r in zip(range(2 * args.sample), a.store.iter_records("sentences"))]
    questions = [items[i]["question"] for i in keep[:100]]
    # The machine is shared and its speed drifts by tens of percent between minutes: alternate the
    # encoders, three rounds, and keep each one's median.
    timings = {name: [] for name in NAMES}
    for _ in range(3):
        for name in NAMES:
            emb = assistants[name].embedder
            timings[name].append((_rate(emb, chunks), _rate(emb, sents), _query_ms(emb, questions)))
    vecs = {}
    for name in NAMES:
        c, s, q = (statistics.median(t[i] for t in timings[name]) for i in range(3))
        rows[name].update(chunks_per_s=c, sentences_per_s=s, query_ms=q)
        vecs[name] = assistants[name].embedder.embed(chunks + sents)
    cos = np.sum(vecs[NAMES[0]] * vecs[NAMES[1]], axis=1)  # both L2-normalised
    # What ingest embeds: every chunk and every sentence of the corpus, in this proportion.
    per_chunk = a.store.count("sentences") / max(a.store.count("chunks"), 1)
    for r in rows.values():
        r["ingest_mix_per_s"] = (1 + per_chunk) / (1 / r["chunks_per_s"] + per_chunk / r["sentences_per_s"])
    write_report(args, len(keep), rows, cos, len(chunks), len(sents), per_chunk)


def write_report(args, n: int, rows: dict, cos: np.ndarray, n_chunks: int, n_sents: int, per_chunk: float) -> None:
    on, tv = rows["onnx"], rows["minilm"]
    lines = [
        "# Embedders: ONNX int8 vs torch all-MiniLM-L6-v2 (`python -m eval.embedders`)", "",
        f"{datetime.now(timezone.utc).isoformat(timespec='seconds')}; dataset `{args.dataset}`, split "
        f"`{args.split}`, {n} answerable questions with located evidence; {os.cpu_count()} CPU cores, "
        "one process, shared machine; speeds are the median of 3 alternating rounds.", "",
        "| | onnx (int8, default) | torch (sentence-transformers) | onnx / torch |", "|---|---:|---:|---:|",
    ]
    for key, label in (("hit@1", "retrieval hit@1"), ("hit@5", "retrieval hit@5"), ("mrr@5", "MRR@5")):
        lines.append(f"| {label} | {on[key]:.3f} | {tv[key]:.3f} | {on[key] - tv[key]:+.3f} (difference) |")
    for key, label in (("chunks_per_s", f"chunks/s ({n_chunks} corpus chunks)"),
                       ("sentences_per_s", f"sentences/s ({n_sents} corpus sentences)"),
                       ("ingest_mix_per_s", f"texts/s, ingest mix (1 chunk : {per_chunk:.1f} sentences)"),
                       ("query_ms", "one question, median ms")):
        lines.append(f"| {label} | {on[key]:.1f} | {tv[key]:.1f} | {on[key] / tv[key]:.2f}× |")
    lines += ["", f"Cosine between the two encoders' vectors of the same texts: mean {cos.mean():.4f}, "
              f"min {cos.min():.4f}, 1st percentile {np.percentile(cos, 1):.4f}.", ""]
    (ROOT / "eval" / "EMBEDDERS.md").write_text("\n".join(lines), encoding="utf-8")
    (ROOT / "eval" / "EMBEDDERS.json").write_text(
        json.dumps({"dataset": args.dataset, "split": args.split, "n": n, "systems": rows,
                    "cosine_mean": float(cos.mean()), "cosine_min": float(cos.min())}, indent=1))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
