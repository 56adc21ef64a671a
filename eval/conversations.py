"""Follow-up questions in conversations (issue #19): the hand-written set `eval/conversations.jsonl`
asked turn by turn, each turn with the conversation so far (our own earlier answers, as a user sees them).

    python -m eval.conversations [--half tune|held|all] [--out eval/results/conversations.json]

Per follow-up turn (every turn after the first):
- fact first: one of the turn's facts is in the answer's first sentence (the text before its first [n]);
- evidence cited: a citation overlaps the turn's evidence quote;
- declined;
- carries an earlier answer's sentence: it cites a span an earlier answer of the conversation cited
  (after a "switch" to another topic this must never happen);
- resolved fact first: the same, asking the hand-written standalone question with no history (what a
  perfect reading of the follow-up would reach, so the gap is what follow-up reading loses);
- latency: warm ask() with (up to) three earlier turns against the same question asked fresh.
Settings are chosen on the `tune` half (by conversation id) and numbers are reported on `held`.
The documents (financebench filings, aragog papers, squad2 articles) are indexed together, once,
under eval/.cache/conversations/.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import statistics
import sys
import time
from pathlib import Path

from . import metrics as M
from .datasets import ROOT
from .run import git_state, write

SET = ROOT / "eval" / "conversations.jsonl"
SHARED = ROOT.parent / "shared" / "datasets"
PLACES = [SHARED / "financebench" / "pdfs", SHARED / "aragog" / "papers", ROOT / "eval" / ".cache" / "data" / "squad2" / "docs"]
CACHE = ROOT / "eval" / ".cache" / "conversations"
OUT = ROOT / "eval" / "results" / "conversations.json"
_MARK = re.compile(r"\[\d+\]")


def half(cid: str) -> str:
    return "tune" if int(hashlib.sha1(cid.encode()).hexdigest(), 16) % 2 == 0 else "held"


def load(which: str = "all") -> list[dict]:
    convs = [json.loads(line) for line in SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [c for c in convs if which == "all" or half(c["id"]) == which]


def corpus(convs: list[dict]) -> Path:
    """The conversations' documents copied into one folder (one collection, as a user uploads them;
    copies, not links: a citation's document must lie inside the documents folder)."""
    docs = CACHE / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    for name in sorted({d for c in convs for d in c["docs"]} | {t["evidence"]["source"] for c in convs for t in c["turns"]}):
        src = next((p / name for p in PLACES if (p / name).exists()), None)
        if src is None:
            raise SystemExit(f"{name}: not found in {', '.join(map(str, PLACES))}")
        dest = docs / name
        if dest.is_symlink() or not dest.exists():
            dest.unlink(missing_ok=True)
            shutil.copy2(src, dest)
    return docs


def locate(text: str, quote: str) -> list[tuple[int, int]]:
    """Where the quote is in the text, whitespace runs matching any whitespace."""
    rx = r"\s+".join(re.escape(w) for w in quote.split())
    return [m.span() for m in re.finditer(rx, text)] if rx else []


def first_sentence(text: str) -> str:
    m = _MARK.search(text)
    return text[:m.start()] if m else text


def run(which: str, out: Path | None) -> dict:
    from rag import Assistant

    convs = load("all")
    docs = corpus(convs)
    convs = [c for c in convs if which == "all" or half(c["id"]) == which]
    a = Assistant(docs_dir=docs, index_dir=CACHE / "index")
    t0 = time.perf_counter()
    report = a.ingest(progress=False)
    ingest_s = time.perf_counter() - t0
    texts: dict[str, str] = {}

    def gold(ev: dict) -> dict:
        if ev["source"] not in texts:
            texts[ev["source"]] = a.source_text(ev["source"])
        return {ev["source"]: locate(texts[ev["source"]], ev["quote"])}

    rows, timing = [], []
    for c in convs:
        history: list[tuple[str, str]] = []
        cited_before: set[tuple[str, int, int]] = set()
        for i, t in enumerate(c["turns"]):
            ans = a.ask(t["q"], history=history or None)
            spans = [(x.source, x.start, x.end) for x in ans.citations]
            g = gold(t["evidence"])
            if i:
                fresh = a.ask(t["resolved"])
                rows.append({
                    "id": c["id"], "turn": i, "kind": t["kind"], "q": t["q"], "resolved_ours": getattr(ans, "resolved", ""),
                    "resolved_gold": t["resolved"], "answer": ans.text,
                    "fact_first": M.fact_present(first_sentence(ans.text), t["fact"]) and not ans.abstained,
                    "fact_anywhere": M.fact_present(ans.text, t["fact"]) and not ans.abstained,
                    "evidence_cited": M.citation_recall(spans, g), "declined": ans.abstained,
                    "carries_earlier": bool(set(spans) & cited_before),
                    "gold_resolved_fact_first": M.fact_present(first_sentence(fresh.text), t["fact"]) and not fresh.abstained,
                    "located": bool(g[t["evidence"]["source"]]),
                })
                hist3 = history[-3:]
                t1 = time.perf_counter(); a.ask(t["q"], history=hist3); t2 = time.perf_counter()
                a.ask(t["q"]); t3 = time.perf_counter()
                timing.append((t2 - t1, t3 - t2))
            history.append((t["q"], ans.text))
            cited_before |= set(spans)
    result = summarize(rows, timing)
    result.update(half=which, conversations=len(convs), ingest_seconds=round(ingest_s, 1),
                  ingest_changed=report.changed, git=git_state())
    print(table(result))
    if out:
        write({**result, "turns": rows}, out)
    return result


def _rate(rows: list[dict], key: str) -> float | None:
    return round(sum(r[key] for r in rows) / len(rows), 3) if rows else None


KEYS = ["fact_first", "fact_anywhere", "evidence_cited", "declined", "carries_earlier", "gold_resolved_fact_first"]


def summarize(rows: list[dict], timing: list[tuple[float, float]]) -> dict:
    by_kind = {}
    for kind in sorted({r["kind"] for r in rows}):
        sub = [r for r in rows if r["kind"] == kind]
        by_kind[kind] = {"n": len(sub), **{k: _rate(sub, k) for k in KEYS}}
    with_h, fresh = [x for x, _ in timing], [y for _, y in timing]
    lat = {"p50_with_history_ms": round(1000 * statistics.median(with_h), 1) if timing else None,
           "p50_fresh_ms": round(1000 * statistics.median(fresh), 1) if timing else None}
    lat["ratio"] = round(lat["p50_with_history_ms"] / lat["p50_fresh_ms"], 3) if timing else None
    return {"follow_ups": len(rows), **{k: _rate(rows, k) for k in KEYS}, "by_kind": by_kind, "latency": lat,
            "unlocated_evidence": sum(not r["located"] for r in rows)}


def table(r: dict) -> str:
    head = f"{'kind':<12}{'n':>4}" + "".join(f"{k:>16}" for k in KEYS)
    lines = [f"conversations ({r.get('half', '')} half): {r['follow_ups']} follow-up turns", head]
    for kind, v in [*r["by_kind"].items(), ("all", {"n": r["follow_ups"], **{k: r[k] for k in KEYS}})]:
        lines.append(f"{kind:<12}{v['n']:>4}" + "".join(f"{'-' if v[k] is None else v[k]:>16}" for k in KEYS))
    lat = r["latency"]
    lines.append(f"ask() p50 with three earlier turns {lat['p50_with_history_ms']} ms, fresh {lat['p50_fresh_ms']} ms "
                 f"(ratio {lat['ratio']})")
    if r["unlocated_evidence"]:
        lines.append(f"evidence quotes not found in the text as read: {r['unlocated_evidence']}")
    return "\n".join(lines)


def markdown(r: dict, before: dict | None = None) -> str:
    """The section of eval/RESULTS.md (`eval.report` adds it when eval/results/conversations.json
    exists); `before`: the same half run on an earlier commit, shown beside it."""
    names = {"fact_first": "fact in the first sentence", "fact_anywhere": "fact anywhere in the answer",
             "evidence_cited": "evidence cited", "declined": "declined",
             "carries_earlier": "cites a span an earlier answer cited",
             "gold_resolved_fact_first": "fact first, asking the hand-written standalone question"}
    kinds = list(r["by_kind"])
    git = r.get("git", {}).get("commit", "")[:7]
    lines = [f"## Conversations ({r['half']} half: {r['conversations']} conversations, {r['follow_ups']} follow-up turns)",
             "", "`python -m eval.conversations` over `eval/conversations.jsonl` (written by hand over four "
             "financebench filings, three aragog papers and four squad2 articles, indexed together); settings "
             "are chosen on the other half. A period follow-up may rightly cite the row it cited before "
             "(another column); after a topic switch nothing earlier may be cited again. "
             f"Run at {git or 'this commit'}" + (f"; before: {before.get('git', {}).get('commit', '')[:7]}." if before else "."), "",
             "| measure | " + ("before | " if before else "") + "all | "
             + " | ".join(f"{k} ({r['by_kind'][k]['n']})" for k in kinds) + " |",
             "|---|" + ("---|" if before else "") + "---|" + "---|" * len(kinds)]
    for key, name in names.items():
        cells = ([before[key]] if before else []) + [r[key]] + [r["by_kind"][k][key] for k in kinds]
        lines.append(f"| {name} | " + " | ".join("—" if v is None else f"{v:.3f}" for v in cells) + " |")
    lat = r["latency"]
    lines += ["", f"Warm ask() p50 with three earlier turns {lat['p50_with_history_ms']} ms against "
                  f"{lat['p50_fresh_ms']} ms for the same question asked fresh (ratio {lat['ratio']}; target ≤ 1.2).", ""]
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.conversations", description=__doc__.split("\n\n")[0])
    p.add_argument("--half", choices=["tune", "held", "all"], default="held")
    p.add_argument("--out", help=f"write the numbers as JSON (default with --half held: {OUT.relative_to(ROOT)})")
    args = p.parse_args(argv)
    out = Path(args.out) if args.out else (OUT if args.half == "held" else None)
    run(args.half, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
