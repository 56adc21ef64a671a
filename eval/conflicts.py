"""Conflicting sources, measured: does the answer show both versions when a second document states
a different value? And does it cry "the sources differ" when they don't?

No conflict set ships with the third-party data, so one is made from the `dev` questions (never
`train` or `test`, never the seeds): for each answerable dev question, the passage holding its
evidence sentence is copied under another file name, and in the copy the evidence sentence's
figures (or, without figures, one of its names) are changed -- what a stale or tampered copy of a
document looks like. The altered sentence is re-embedded; the copy joins the pool just after the
passage it copies, as retrieval would rank a near-duplicate. Then `rag.answer.answer` runs on:
  conflict   the pool with the copy: "both shown" = the evidence sentence and its altered copy
             are both cited; "flagged" = the answer says the sources differ;
  clean      the pool as retrieved: "flagged" here is a false alarm.
Pools come from eval/.cache/answerer/ (built by `python -m eval.train_answerer`).

    python -m eval.conflicts                      # covid_qa hotpotqa pubmedqa, dev split
    python -m eval.conflicts --limit 50
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from .datasets import CACHE, ROOT, load_items, named
from .train_answerer import TRAIN_SETS, _label, collect

_NUM = re.compile(r"\d+(?:[.,]\d+)*")
_CAP = re.compile(r"(?<=[\w,;:] )[A-Z][a-z]{2,}\b")


def alter(text: str, other_names: list[str], answer: str = "") -> str | None:
    """`text` stating something else: the short `answer` where the sentence holds it (its figures
    changed, or the answer swapped for another name); else every figure changed (each digit run ->
    a different value of the same shape), else its first mid-sentence capitalised word swapped for
    another name; None if none of these applies."""
    if answer and answer.lower() not in ("yes", "no") and answer in text:
        new = alter(answer, [n for n in other_names if n not in answer])
        if new is None:
            new = next((o for o in other_names if o not in text), None)
        return text.replace(answer, new, 1) if new and new != answer else None
    if _NUM.search(text):
        def bump(m):
            s = m.group(0)
            digits = [c for c in s if c.isdigit()]
            # change the leading digit (keeps the length and separators): 1->3, 2->4 ... 9->2
            lead = next(i for i, c in enumerate(s) if c.isdigit())
            d = int(s[lead])
            new = str((d + 2) % 10 or 2) if len(digits) > 1 or d != 0 else "7"
            return s[:lead] + new + s[lead + 1:]
        return _NUM.sub(bump, text)
    names = _CAP.findall(text)
    for name in names:
        swap = next((o for o in other_names if o != name and o not in text), None)
        if swap:
            return text.replace(name, swap, 1)
    return None


def conflict_pool(q: dict, embed, answer: str = "") -> tuple[list, tuple, tuple] | None:
    """(candidates with an altered copy of the evidence passage, the evidence span, the copy's span).
    answer: the question's short answer, if the dataset gives one (hotpotqa): the evidence sentence
    holding it is the one altered."""
    cands = q["cands"]
    gold = q["gold"]
    evidence = [(i, r) for i, c in enumerate(cands[:5]) for r in c.sentences if _label(r, gold)]
    holding = [(i, r) for i, r in evidence if answer and answer in r.text]
    for i, target in (holding or evidence)[:1]:
        c = cands[i]
        names = [n for cc in cands for r in cc.sentences for n in _CAP.findall(r.text)]
        new_text = alter(target.text, names, answer if holding else "")
        if new_text is None or new_text == target.text:
            return None
        copy_src = "copy-of/" + c.record.meta["source"]
        vec = embed([new_text])[0].astype(np.float32)

        def moved(r, text=None, vector=None):
            meta = dict(r.meta, source=copy_src)
            if "quote" in meta and text is not None:
                meta["quote"] = text
            return replace(r, id="copy:" + r.id, meta=meta, text=text if text is not None else r.text,
                           vector=vector if vector is not None else r.vector)

        sents = tuple(moved(r, new_text, vec) if r.id == target.id else moved(r) for r in c.sentences)
        copy = replace(c, record=moved(c.record), sentences=sents,
                       sentence_hits={"copy:" + k: v for k, v in c.sentence_hits.items()})
        pool = list(cands[:i + 1]) + [copy] + list(cands[i + 1:])
        pool = [replace(p, rank=k) for k, p in enumerate(pool)]
        m = target.meta
        return pool, (m["source"], m["start"], m["end"]), (copy_src, m["start"], m["end"])
    return None


def measure(rows: list[dict], idf_map: dict | None, embed, model, answers: dict[str, str]) -> dict:
    from rag.answer import answer

    idf = (lambda t: idf_map.get(t, 0.0)) if idf_map is not None else None
    n = both = flagged = declined = copy_only = 0
    clean_flagged = clean_n = clean_multi = 0
    for q in rows:
        if not q["gold"]:
            continue
        clean = answer(q["question"], q["cands"], q["qvec"], idf=idf, model=model)
        clean_n += 1
        clean_flagged += clean.text.startswith("The sources differ")
        clean_multi += len({c.source for c in clean.citations}) > 1
        made = conflict_pool(q, embed, answers.get(q["id"], ""))
        if made is None:
            continue
        pool, orig, copy = made
        ans = answer(q["question"], pool, q["qvec"], idf=idf, model=model)
        cited = {(c.source, c.start, c.end) for c in ans.citations}
        n += 1
        both += orig in cited and copy in cited
        copy_only += copy in cited and orig not in cited
        flagged += ans.text.startswith("The sources differ")
        declined += ans.abstained
    return {"conflicts": n, "both_shown": both / n if n else float("nan"),
            "flagged": flagged / n if n else float("nan"), "copy_only": copy_only / n if n else float("nan"),
            "declined": declined / n if n else float("nan"), "clean_questions": clean_n,
            "false_alarm": clean_flagged / clean_n if clean_n else float("nan"),
            "clean_multi_file": clean_multi / clean_n if clean_n else float("nan")}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.conflicts", description=__doc__.split("\n\n")[0])
    p.add_argument("--datasets", nargs="+", default=list(TRAIN_SETS), choices=TRAIN_SETS)
    p.add_argument("--limit", type=int, help="at most N dev questions per dataset")
    p.add_argument("--out", default=str(ROOT / "eval" / "results" / "conflicts.json"))
    p.add_argument("--rival-overlap", nargs="+", type=float,
                   help="word overlaps (Jaccard) above which the other version is shown (default: the model's)")
    p.add_argument("--differ-overlap", nargs="+", type=float,
                   help="... above which the answer says the sources differ (default: the model's)")
    args = p.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from rag.answer import load_model
    from rag.embed import make_embedder

    embed = make_embedder("onnx").embed
    model = load_model()
    results = {}
    print("| dev | rival overlap | differ overlap | conflicts | both shown | flagged | copy only | declined | clean questions | "
          "false alarm | clean: cites another file |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name in args.datasets:
        ds = named(name)
        # The same question list as eval.train_answerer, so its cached pools are reused.
        items = [it for split in ("train", "dev") for it in load_items(ds.qa, split)
                 if it.get("split") == split and it.get("answerable", True)]
        data = collect(ds, items, ds.index_root / "ours", CACHE / "answerer")
        rows = [q for q in data["questions"] if q["split"] == "dev"][:args.limit]
        # a short answer (a few words, as hotpotqa gives) marks which words the copy changes
        answers = {it["id"]: it["answer"] for it in items
                   if isinstance(it.get("answer"), str) and 0 < len(it["answer"].split()) <= 4}
        grid = [(a, d) for a in args.rival_overlap or [model.rival_overlap]
                for d in args.differ_overlap or [model.differ_overlap]]
        for a, d in grid:
            r = results.setdefault(name, {})[f"{a:g}/{d:g}"] = measure(
                rows, data["idf"], embed, replace(model, rival_overlap=a, differ_overlap=d), answers)
            print(f"| {name} | {a:g} | {d:g} | {r['conflicts']} | {r['both_shown']:.3f} | {r['flagged']:.3f} | "
                  f"{r['copy_only']:.3f} | {r['declined']:.3f} | {r['clean_questions']} | {r['false_alarm']:.3f} | "
                  f"{r['clean_multi_file']:.3f} |")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    from .run import git_state

    out.write_text(json.dumps({"git": git_state(), "split": "dev", "results": results}, indent=1) + "\n",
                   encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
