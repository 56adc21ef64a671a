"""Fine-tune the sentence encoder (all-MiniLM-L6-v2) for question -> evidence-sentence matching; measure, then decide.

Data: the answerer's cached rows (eval/.cache/answerer/*.pkl, made by `eval.train_answerer.collect`):
per train/dev question, the candidates our own hybrid retrieval returned, with their sentences.
  train  one row per (question, evidence sentence), questions with at most MAX_POS evidence
         sentences among the candidates (more means a short answer repeated all over the document):
         the question as `ask()` embeds it (the text as
         is), the evidence sentence as the index embeds it (`Unit.embed_text`: "header | text" for a
         table row), and N_NEG hard negatives: the non-evidence sentences of the same document that
         the base model ranks highest for the question (from the retrieved candidates), topped up
         with the highest-ranked non-evidence sentences of the other retrieved documents when the
         document has too few. Sentences holding the (short) reference answer are never negatives.
  loss   sentence-transformers' MultipleNegativesRankingLoss (hard negatives as extra columns, the
         other rows of the batch as in-batch negatives; a question appears once per batch), plain
         torch loop (no `datasets`/`accelerate` needed), fixed seed, torch threads 2, wall-time cap.
  dev    hit@1 / hit@5 / MRR of the evidence sentence when the sentences of the answerer's pool
         (`rag.answer.pool`: the top passages plus those holding a top dense sentence) are ranked
         by cosine to the question; both models re-embed the same texts with torch (the stored
         vectors are the int8 ONNX base model's; their hit@1 is printed as a cross-check).
         A question whose evidence is not in the pool counts as a miss.
Decision rule (issue #11): adopt only if dev hit@1 rises >= 3 points on each dataset. When it does,
the fine-tuned model is exported to int8 ONNX by `rag.onnx_embed`'s own export function.
The seed questions and the test splits are never read here.

    python -m eval.finetune_encoder                       # -> /tmp/encoder-ft/, eval/results/finetune_encoder.json
    python -m eval.finetune_encoder --minutes 30 --out DIR
    python -m eval.finetune_encoder --eval-only --model DIR   # measure a saved model against the base
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from .datasets import CACHE, ROOT, load_items, named
from .run import git_state
from .train_answerer import POOL_DEPTH, TRAIN_SETS, _label, collect

SEED = 0
N_NEG = 2  # hard negatives per row
MAX_POS = 3  # a train question whose evidence overlaps more sentences than this is skipped (ambiguous:
             # covid_qa's short answer quotes, e.g. "HCoV", occur in dozens of sentences)
BATCH = 32  # rows per step: 32 questions x (1 + N_NEG) candidates each
EPOCHS = 1  # ~60 steps: ~20 min on 2 shared cores (a step of 32 x 4 texts takes ~20 s here)
LR = 5e-5
WARMUP = 0.1  # share of the steps
TRAIN_MAX_TOKENS = 128  # word pieces read while training (sentences are ~46; the saved model keeps 256)
MAX_ANSWER_CHARS = 100  # a reference answer this short, found in a sentence, keeps it out of the negatives
RULE_POINTS = 0.03  # dev hit@1 must rise at least this much on every dataset
MAX_ONNX_MB = 30
RESULTS = ROOT / "eval" / "results" / "finetune_encoder.json"


def embed_text(r) -> str:
    """What the index embeds for a sentence Record (rag.chunk.Unit.embed_text)."""
    header = r.meta.get("header", "")
    return f"{header} | {r.text}" if header else r.text


def load(name: str) -> tuple[list[dict], dict[str, str]]:
    """(cached question rows of train and dev, reference answer by question id) for a named dataset."""
    ds = named(name)
    items = []
    for split in ("train", "dev"):  # exactly the items eval.train_answerer caches (same key)
        items += [it for it in load_items(ds.qa, split) if it.get("split") == split and it.get("answerable", True)]
    # Rows from retrieval with the base encoder (the model being fine-tuned): the default "onnx".
    data = collect(ds, items, ds.index_root / "ours", CACHE / "answerer", embedder="onnx")
    return data["questions"], {it["id"]: it.get("answer", "") for it in items}


def _sentences(cands) -> list:
    """Each sentence once, in candidate order (as rag.answer.features lists them)."""
    seen, out = set(), []
    for c in cands:
        for r in c.sentences:
            if r.id not in seen:
                seen.add(r.id)
                out.append(r)
    return out


# -- training rows ------------------------------------------------------------------------------------
def build_triples(questions: list[dict], answers: dict[str, str] | None = None, n_neg: int = N_NEG,
                  max_pos: int = MAX_POS, dataset: str = "") -> list[dict]:
    """Rows {question, positive, negatives, ...} from the train questions whose evidence was retrieved."""
    answers = answers or {}
    from .metrics import normalize

    rows = []
    for q in questions:
        if q["split"] != "train" or not q["gold"]:
            continue
        sents = _sentences(q["cands"])
        pos = [r for r in sents if _label(r, q["gold"])]
        if not pos or len(pos) > max_pos:
            continue
        qv = np.asarray(q["qvec"], dtype=np.float32)
        cos = {r.id: float(np.asarray(r.vector, dtype=np.float32) @ qv) for r in sents}
        ans = normalize(answers.get(q["id"], "") or "")
        neg_pool = [r for r in sents if not _label(r, q["gold"])
                    and not (ans and len(ans) <= MAX_ANSWER_CHARS and ans in normalize(r.text))]
        neg_pool.sort(key=lambda r: -cos[r.id])
        pos_texts = {embed_text(r) for r in pos}
        for p in pos:
            src = p.meta["source"]
            same = [r for r in neg_pool if r.meta["source"] == src]
            other = [r for r in neg_pool if r.meta["source"] != src]
            negs, seen = [], set(pos_texts)
            for r in same + other:
                t = embed_text(r)
                if t not in seen:
                    seen.add(t)
                    negs.append(r)
                if len(negs) == n_neg:
                    break
            if len(negs) < n_neg:
                continue
            rows.append({"dataset": dataset, "id": q["id"], "question": q["question"], "positive": embed_text(p),
                         "negatives": [embed_text(r) for r in negs], "source": src,
                         "same_doc_negatives": sum(r.meta["source"] == src for r in negs)})
    return rows


def batches(rows: list[dict], size: int, rng: random.Random) -> list[list[dict]]:
    """Shuffled batches in which no question and no text occurs twice (a repeat would be a false
    in-batch negative), like sentence-transformers' NO_DUPLICATES sampler."""
    order = list(rows)
    rng.shuffle(order)
    out = []
    while order:
        batch, seen, rest = [], set(), []
        for r in order:
            texts = {"q:" + r["id"], r["positive"], *r["negatives"]}
            if len(batch) < size and not texts & seen:
                batch.append(r)
                seen |= texts
            else:
                rest.append(r)
        out.append(batch)
        order = rest
    return [b for b in out if len(b) >= 2]


# -- training -------------------------------------------------------------------------------------------
def train(rows: list[dict], base: Path, out: Path, *, epochs: int = EPOCHS, batch_size: int = BATCH, lr: float = LR,
          minutes: float = 25.0, max_steps: int | None = None, seed: int = SEED, log=print) -> dict:
    """Fine-tune `base` on rows with MultipleNegativesRankingLoss; save to `out`. Returns what was done."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

    torch.set_num_threads(2)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    model = SentenceTransformer(str(base), device="cpu")
    keep_len = model.max_seq_length
    model.max_seq_length = TRAIN_MAX_TOKENS
    loss_fn = MultipleNegativesRankingLoss(model)
    rng = random.Random(seed)
    plan = [batches(rows, batch_size, rng) for _ in range(epochs)]
    total = sum(len(p) for p in plan)
    if max_steps is not None:
        total = min(total, max_steps)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    warm = max(1, int(WARMUP * total))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warm if s < warm else max(0.0, (total - s) / max(1, total - warm)))
    model.train()
    t0, step, losses, stopped = time.perf_counter(), 0, [], "done"
    for ep, plan_ep in enumerate(plan):
        for b in plan_ep:
            if step >= total:
                break
            if time.perf_counter() - t0 > minutes * 60:
                stopped = "time cap"
                break
            cols = [[r["question"] for r in b], [r["positive"] for r in b]]
            cols += [[r["negatives"][k] for r in b] for k in range(len(b[0]["negatives"]))]
            feats = [model.preprocess(c) for c in cols]
            loss = loss_fn(feats, None)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            step += 1
            losses.append(float(loss.detach()))
            if step % 10 == 0 or step == total:
                log(f"  step {step}/{total} epoch {ep + 1} loss {np.mean(losses[-10:]):.4f} "
                    f"({time.perf_counter() - t0:.0f}s)")
        if stopped != "done" or step >= total:
            break
    model.eval()
    model.max_seq_length = keep_len
    out.mkdir(parents=True, exist_ok=True)
    model.save(str(out))
    return {"steps": step, "planned_steps": total, "steps_per_epoch": [len(p) for p in plan],
            "minutes": round((time.perf_counter() - t0) / 60, 2), "stopped": stopped,
            "loss_first10": float(np.mean(losses[:10])) if losses else None,
            "loss_last10": float(np.mean(losses[-10:])) if losses else None}


# -- measuring ----------------------------------------------------------------------------------------------
def dev_pools(questions: list[dict]) -> list[dict]:
    """Per dev question with located evidence: the answerer's pool sentences (embed texts) and labels."""
    from rag.answer import pool

    out = []
    for q in questions:
        if q["split"] != "dev" or not q["gold"]:
            continue
        recs = _sentences(pool(q["cands"]))
        out.append({"id": q["id"], "question": q["question"], "texts": [embed_text(r) for r in recs],
                    "y": np.asarray([_label(r, q["gold"]) for r in recs], dtype=bool),
                    "stored": (np.stack([np.asarray(r.vector, dtype=np.float32) for r in recs])
                               @ np.asarray(q["qvec"], dtype=np.float32)) if recs else np.zeros(0)})
    return out


def rank_metrics(pools: list[dict], scores: list[np.ndarray]) -> dict:
    """hit@1, hit@5, MRR of the first evidence sentence (0 when the pool lacks it)."""
    h1 = h5 = rr = 0.0
    for p, s in zip(pools, scores):
        if not p["y"].any():
            continue
        order = np.argsort(-s, kind="stable")
        rank = int(np.flatnonzero(p["y"][order])[0]) + 1
        h1 += rank == 1
        h5 += rank <= 5
        rr += 1.0 / rank
    n = len(pools)
    return {"hit@1": h1 / n, "hit@5": h5 / n, "mrr": rr / n} if n else {"hit@1": math.nan, "hit@5": math.nan,
                                                                         "mrr": math.nan}


def encode(model_dir: Path, texts: list[str]) -> dict[str, np.ndarray]:
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(2)
    m = SentenceTransformer(str(model_dir), device="cpu")
    uniq = sorted(set(texts))
    V = m.encode(uniq, batch_size=64, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    return dict(zip(uniq, V.astype(np.float32)))


def measure(model_dir: Path, pools_by_ds: dict[str, list[dict]]) -> dict[str, dict]:
    texts = [t for ps in pools_by_ds.values() for p in ps for t in [p["question"], *p["texts"]]]
    vec = encode(model_dir, texts)
    out = {}
    for name, ps in pools_by_ds.items():
        scores = [np.asarray([vec[t] for t in p["texts"]]).reshape(len(p["texts"]), -1) @ vec[p["question"]]
                  for p in ps]
        out[name] = rank_metrics(ps, scores)
    return out


def export_onnx(model_dir: Path, target: Path) -> Path:
    """int8 ONNX through rag.onnx_embed's own export recipe, from the fine-tuned folder."""
    from rag import onnx_embed

    target.parent.mkdir(parents=True, exist_ok=True)
    onnx_embed._export(target, src=Path(model_dir))
    return target


def measure_onnx(onnx_file: Path, pools_by_ds: dict[str, list[dict]]) -> dict[str, dict]:
    """The same metrics with the int8 file, embedded by rag.onnx_embed.OnnxEmbedder itself: what an
    index built with it would hold."""
    from rag import onnx_embed

    texts = sorted({t for ps in pools_by_ds.values() for p in ps for t in [p["question"], *p["texts"]]})
    # the fine-tuned model keeps the base tokenizer (vocabulary unchanged), which OnnxEmbedder loads
    V = onnx_embed.OnnxEmbedder(Path(onnx_file), "fine-tuned", threads=2).embed(texts)
    vec = dict(zip(texts, V))
    return {name: rank_metrics(ps, [np.asarray([vec[t] for t in p["texts"]]).reshape(len(p["texts"]), -1)
                                    @ vec[p["question"]] for p in ps]) for name, ps in pools_by_ds.items()}


# -- main -------------------------------------------------------------------------------------------------
def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.finetune_encoder", description=__doc__.split("\n\n")[0])
    p.add_argument("--minutes", type=float, default=25.0, help="wall-time cap of the training loop (default 25)")
    p.add_argument("--out", default="/tmp/encoder-ft", help="folder for the model (out/model) and the ONNX file")
    p.add_argument("--epochs", type=int, default=EPOCHS)
    p.add_argument("--batch", type=int, default=BATCH)
    p.add_argument("--lr", type=float, default=LR)
    p.add_argument("--negatives", type=int, default=N_NEG)
    p.add_argument("--max-steps", type=int, help="stop after this many steps (smoke runs)")
    p.add_argument("--datasets", nargs="+", default=list(TRAIN_SETS), choices=TRAIN_SETS)
    p.add_argument("--eval-only", action="store_true", help="measure --model against the base, no training")
    p.add_argument("--model", help="a saved fine-tuned model folder (with --eval-only)")
    p.add_argument("--no-export", action="store_true", help="skip the ONNX export even when the rule is met")
    p.add_argument("--results", default=str(RESULTS), help="where to write the JSON results")
    args = p.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from rag.embed import model_path

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    t_all = time.perf_counter()
    base = model_path()
    out = Path(args.out)
    model_dir = Path(args.model) if args.model else out / "model"
    rows, pools, train_q = [], {}, {}
    for name in args.datasets:
        qs, answers = load(name)
        r = build_triples(qs, answers, n_neg=args.negatives, dataset=name)
        train_q[name] = {"train_questions": sum(q["split"] == "train" for q in qs),
                         "with_evidence_retrieved": len({x["id"] for x in r}), "rows": len(r),
                         "same_doc_negatives": round(float(np.mean([x["same_doc_negatives"] for x in r])), 3)
                         if r else 0.0}
        rows += r
        pools[name] = dev_pools(qs)
        log(f"{name}: {len(r)} training rows from {train_q[name]['with_evidence_retrieved']} train questions; "
            f"{len(pools[name])} dev questions")

    t = time.perf_counter()
    before = measure(base, pools)
    log(f"base measured in {time.perf_counter() - t:.0f}s")
    stored = {n: rank_metrics(ps, [p["stored"] for p in ps]) for n, ps in pools.items()}
    done = None
    if not args.eval_only:
        log(f"training on {len(rows)} rows ...")
        done = train(rows, base, model_dir, epochs=args.epochs, batch_size=args.batch, lr=args.lr,
                     minutes=args.minutes, max_steps=args.max_steps, log=log)
        log(f"trained: {done}")
    t = time.perf_counter()
    after = measure(model_dir, pools)
    log(f"fine-tuned measured in {time.perf_counter() - t:.0f}s")

    lines = ["| dev | questions | evidence in pool | hit@1 base | hit@1 fine-tuned | Δ hit@1 | hit@5 base | "
             "hit@5 fine-tuned | MRR base | MRR fine-tuned | hit@1 stored int8 vectors |", "|" + "---|" * 11]
    for n, ps in pools.items():
        b, a = before[n], after[n]
        in_pool = float(np.mean([p["y"].any() for p in ps])) if ps else math.nan
        lines.append(f"| {n} | {len(ps)} | {in_pool:.3f} | {b['hit@1']:.3f} | {a['hit@1']:.3f} | "
                     f"{100 * (a['hit@1'] - b['hit@1']):+.1f} | {b['hit@5']:.3f} | {a['hit@5']:.3f} | "
                     f"{b['mrr']:.3f} | {a['mrr']:.3f} | {stored[n]['hit@1']:.3f} |")
    table = "\n".join(lines)
    print(table)
    rise = {n: after[n]["hit@1"] - before[n]["hit@1"] for n in pools}
    adopt = all(v >= RULE_POINTS - 1e-9 for v in rise.values()) and set(pools) == set(TRAIN_SETS)
    print(f"\ndecision: {'ADOPT' if adopt else 'do not adopt'} (rule: dev hit@1 +{100 * RULE_POINTS:.0f} points "
          f"on each of {', '.join(TRAIN_SETS)}; rises " + ", ".join(f"{n} {100 * v:+.1f}" for n, v in rise.items()) + ")")

    onnx = None
    if adopt and not args.no_export:
        target = out / "all-MiniLM-L6-v2-ft-int8.onnx"
        export_onnx(model_dir, target)
        mb = target.stat().st_size / 2**20
        onnx = {"path": str(target), "mb": round(mb, 2), "within_limit": mb <= MAX_ONNX_MB,
                "dev": measure_onnx(target, pools)}
        print(f"exported {target} ({mb:.1f} MB; limit {MAX_ONNX_MB} MB); dev hit@1 int8 base -> int8 fine-tuned: "
              + ", ".join(f"{n} {stored[n]['hit@1']:.3f} -> {onnx['dev'][n]['hit@1']:.3f}" for n in pools))

    result = {
        "task": "issue #11 item 3: fine-tune all-MiniLM-L6-v2 for question -> evidence-sentence matching",
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "git": git_state(),
        "command": "python -m eval.finetune_encoder " + " ".join(argv if argv is not None else sys.argv[1:]),
        "base_model": str(base),
        "settings": {"seed": SEED, "negatives": args.negatives, "max_positives_per_question": MAX_POS,
                     "batch": args.batch, "epochs": args.epochs, "lr": args.lr, "warmup": WARMUP,
                     "loss": "MultipleNegativesRankingLoss(scale=20, cosine)", "train_max_tokens": TRAIN_MAX_TOKENS,
                     "torch_threads": 2, "minutes_cap": args.minutes, "pool_depth": POOL_DEPTH,
                     "dev_pool": "rag.answer.pool (answerer's pool) of the cached candidates"},
        "train": {"rows": len(rows), "by_dataset": train_q, **(done or {})},
        "dev": {n: {"questions": len(ps), "evidence_in_pool": float(np.mean([p["y"].any() for p in ps])) if ps else None,
                    "base": before[n], "finetuned": after[n], "hit@1_stored_int8_base": stored[n]["hit@1"],
                    "hit@1_rise_points": round(100 * rise[n], 2)} for n, ps in pools.items()},
        "rule": f"adopt only if dev hit@1 rises >= {100 * RULE_POINTS:.0f} points on each of {list(TRAIN_SETS)}",
        "adopt": adopt,
        "onnx": onnx,
        "table": table,
        "total_minutes": round((time.perf_counter() - t_all) / 60, 2),
    }
    res = Path(args.results)
    res.parent.mkdir(parents=True, exist_ok=True)
    res.write_text(json.dumps(json.loads(json.dumps(result, default=float).replace("NaN", "null")), indent=1) + "\n",
                   encoding="utf-8")
    log(f"wrote {res}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
