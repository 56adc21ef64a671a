"""Run a question set through our assistant (public API only) and through the plain llama-index
reference, score both with `eval.metrics`, print a table and optionally write the numbers as JSON.

    python -m eval.run --dataset seeds
    python -m eval.run --dataset covid_qa --limit 50
    python -m eval.run --qa QA.jsonl --docs DIR [--split dev|test] [--out FILE.json] [--limit N]
    python -m eval.run --all            # the full run behind eval/RESULTS.md (writes eval/results/*.json)

Indexes are built once per dataset under eval/.cache/index/<dataset>/{ours,reference} and reused.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from . import metrics as M
from .datasets import DATASETS, ROOT, Dataset, SourceTexts, custom, load_items, named

RESULTS = ROOT / "eval" / "results"
K = 5


# -- the two systems, behind one small interface ----------------------------------------------
class Ours:
    """Our assistant through its public API."""

    name = "ours"

    def __init__(self, ds: Dataset):
        from rag import Assistant

        self.ds, self.index = ds, ds.index_root / "ours"
        self.a = Assistant(docs_dir=ds.docs, index_dir=self.index)
        self._sources: list[str] | None = None

    def ingest(self) -> dict:
        """Bring the index up to date; the build's own timing is kept so that a cached index still reports it."""
        stats_file = self.ds.index_root / "ours_ingest.json"
        r = self.a.ingest(progress=False)
        stamp = getattr(self.a.store, "stamp", None)  # model + chunking the index was built with
        if r.changed:
            stats = {"seconds": r.seconds, "chunks": r.chunks, "files": len(r.added) + len(r.updated), "stamp": stamp}
            stats_file.write_text(json.dumps(stats))
            return {**stats, "cached": False}
        stats = json.loads(stats_file.read_text()) if stats_file.exists() else {}
        if stats.get("stamp") != stamp:  # timing of a build with another model/chunking: unknown
            stats.update(seconds=math.nan, chunks=sum(self.a.files().values()))
        return {**stats, "cached": True}

    def ask(self, question: str, history: list[tuple[str, str]]):
        """(answer text, citation spans, abstained, top-K retrieved spans). The hits are the passages
        ask() retrieved and shows beside its answer: those the answer quotes first, then the rest in
        search order (since 534af5b; before, search order alone)."""
        ans = self.a.ask(question, history=history or None, k=K)
        cites = [(c.source, c.start, c.end) for c in ans.citations]
        return ans.text, cites, ans.abstained, [(h.source, h.start, h.end) for h in ans.hits[:K]]

    def declines_without(self, question: str, sources) -> bool:
        """Whether ask() declines when the documents holding the evidence are left out (a source filter
        naming every other file): on-topic documents that do not hold the answer."""
        if self._sources is None:
            self._sources = sorted(self.a.files())
        keep = [s for s in self._sources if s not in sources]
        return bool(keep) and self.a.ask(question, k=K, filters={"source": keep}).abstained

    def encode_ms(self, question: str) -> float:
        """One query encoding, the floor under any ask(): the yardstick `ask_per_encode` divides by."""
        t = time.perf_counter()
        self.a.embedder.embed([question])
        return (time.perf_counter() - t) * 1000

    def cold_code(self, question: str) -> str:
        return (f"from rag import Assistant; a = Assistant(docs_dir={str(self.ds.docs)!r}, "
                f"index_dir={str(self.index)!r}); a.ask({question!r})")


class Reference:
    """The plain llama-index recipe (`eval.reference`): answer = top passage, cited by its span."""

    name = "reference"

    def __init__(self, ds: Dataset):
        from .reference import Reference as Ref

        self.ds, self.index = ds, ds.index_root / "reference"
        self.r = Ref(ds.docs, self.index)

    def ingest(self) -> dict:
        return self.r.ingest()

    def ask(self, question: str, history):
        """The plain recipe has no chat memory: the question alone is retrieved; answer = top passage."""
        hits = self.r.retrieve(question, k=K)
        spans = [(h.source, h.start, h.end) for h in hits]
        return (hits[0].text if hits else ""), spans[:1], not hits, spans

    def cold_code(self, question: str) -> str:
        return (f"from eval.reference import Reference; "
                f"Reference({str(self.ds.docs)!r}, {str(self.index)!r}).retrieve({question!r}, k=1)")


# -- running and scoring ----------------------------------------------------------------------
def cold_start(code: str) -> float:
    """Wall seconds of a fresh `python -c` that opens the existing index and answers one question."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
    t = time.perf_counter()
    p = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if p.returncode:
        print(f"cold start failed:\n{p.stderr[-2000:]}", file=sys.stderr)
        return math.nan
    return wall


def run_system(system, items: list[dict], texts: SourceTexts, cold: bool = True) -> tuple[dict, list[dict]]:
    """Ask every question (its history first) and return (metrics, per-item records)."""
    t = time.perf_counter()
    ingest = system.ingest()
    print(f"  {system.name}: index ready in {time.perf_counter() - t:.1f}s "
          f"({'cached' if ingest.get('cached') else 'built'}: {ingest['chunks']} chunks, {ingest['seconds']:.1f}s)",
          file=sys.stderr)
    if items:
        system.ask(items[0]["question"], [])  # warm-up: models, BM25, stores
    records, latencies = [], []
    for n, it in enumerate(items, 1):
        history: list[tuple[str, str]] = []
        for q in it.get("history") or []:
            history.append((q, system.ask(q, list(history))[0]))
        t = time.perf_counter()
        text, cites, abstained, hits = system.ask(it["question"], history)
        latencies.append(time.perf_counter() - t)
        gold = M.evidence_spans(it.get("evidence") or [], texts)
        ok, total = M.citation_precision(cites, gold)
        records.append({
            "id": it["id"], "answerable": it.get("answerable", True), "located": bool(gold),
            "fact_ok": M.fact_correct(text, it.get("facts") or []) if it.get("answerable", True) else None,
            "facts_found": M.facts_found(text, it.get("facts") or []) if it.get("answerable", True) else 0,
            "facts": len(it.get("facts") or []) if it.get("answerable", True) else 0,
            "cites_ok": ok, "cites": total, "cite_hit": M.citation_recall(cites, gold),
            "abstained": abstained, "rank": M.first_relevant_rank(hits, gold),
            "sources_hit": M.per_source_hits(hits, gold), "sources_cited": M.per_source_hits(cites, gold), "ms": round(latencies[-1] * 1000, 2),
            "answer": text[:400],
        })
        if hasattr(system, "declines_without") and gold and not history:
            records[-1]["declined_without_evidence"] = system.declines_without(it["question"], set(gold))
        if n % 50 == 0:
            print(f"  {system.name}: {n}/{len(items)}", file=sys.stderr)
    out = aggregate(records)
    if hasattr(system, "encode_ms") and items:
        enc = M.percentile([system.encode_ms(it["question"]) for it in items], 50)
        out.update({"encode_p50_ms": enc, "ask_per_encode": M.percentile(latencies, 50) * 1000 / enc})
    out.update({
        "ask_p50_ms": M.percentile(latencies, 50) * 1000, "ask_p95_ms": M.percentile(latencies, 95) * 1000,
        "cold_start_s": cold_start(system.cold_code(items[0]["question"])) if cold and items else math.nan,
        "ingest_s": ingest["seconds"], "chunks": ingest["chunks"],
        "chunks_per_s": ingest["chunks"] / ingest["seconds"] if ingest["seconds"] else math.nan,
        "index_cached": bool(ingest.get("cached")),
    })
    return out, records


def aggregate(records: list[dict]) -> dict:
    """Dataset-level metrics from per-item records (see `eval.metrics` for each definition)."""
    ans = [r for r in records if r["answerable"]]
    spans = [r for r in ans if r["located"]]  # answerable items whose evidence was found in the files
    facts = [r["fact_ok"] for r in ans if r["fact_ok"] is not None]
    ranks = [r["rank"] for r in spans]
    multi = [r["sources_hit"] for r in spans if len(r["sources_hit"]) > 1]
    n_cites = sum(r["cites"] for r in spans)
    n_facts = sum(r.get("facts", 0) for r in ans)  # .get: result files written before this measure
    out = {
        "n": len(records), "n_answerable": len(ans), "n_unanswerable": len(records) - len(ans),
        "n_with_facts": len(facts), "n_evidence_located": len(spans),
        "fact_accuracy": sum(facts) / len(facts) if facts else math.nan,
        "fact_recall": sum(r.get("facts_found", 0) for r in ans) / n_facts if n_facts else math.nan,
        "citation_precision": sum(r["cites_ok"] for r in spans) / n_cites if n_cites else math.nan,
        "citation_recall": sum(r["cite_hit"] for r in spans) / len(spans) if spans else math.nan,
        **M.abstention_rates([r["abstained"] for r in records], [r["answerable"] for r in records]),
        "hit@1": M.hit_at(ranks, 1), "hit@3": M.hit_at(ranks, 3), "hit@5": M.hit_at(ranks, 5),
        "mrr@5": M.mrr(ranks),
    }
    removed = [r["declined_without_evidence"] for r in records if "declined_without_evidence" in r]
    if removed:  # answerable questions asked again with their evidence documents left out
        out["evidence_removed_declined"] = sum(removed) / len(removed)
    if multi:
        out["n_multi_source"] = len(multi)
        out["para_hit@5"] = sum(sum(m.values()) for m in multi) / sum(len(m) for m in multi)
        out["all_paras_hit@5"] = sum(all(m.values()) for m in multi) / len(multi)
        cited = [r["sources_cited"] for r in spans if len(r["sources_cited"]) > 1]
        out["all_paras_cited"] = sum(all(m.values()) for m in cited) / len(cited)
    return out


# -- presentation -----------------------------------------------------------------------------
ROWS = ["fact_accuracy", "fact_recall", "citation_precision", "citation_recall", "unanswerable_declined", "answerable_declined",
        "evidence_removed_declined",
        "hit@1", "hit@3", "hit@5", "mrr@5", "para_hit@5", "all_paras_hit@5", "all_paras_cited",
        "ask_p50_ms", "ask_p95_ms", "encode_p50_ms", "ask_per_encode", "cold_start_s", "ingest_s", "chunks", "chunks_per_s"]


def fmt(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if isinstance(v, bool) or isinstance(v, int):
        return str(v)
    return f"{v:.3f}" if abs(v) < 10 else f"{v:.1f}"


def table(result: dict) -> str:
    ours, ref = result["systems"]["ours"], result["systems"].get("reference", {})
    lines = [f"{result['dataset']} (split {result['split'] or 'all'}, n={ours['n']})",
             f"{'metric':24} {'ours':>10} {'reference':>10} {'ratio':>8}"]
    for key in ROWS:
        if key in ours or key in ref:
            lines.append(f"{key:24} {fmt(ours.get(key)):>10} {fmt(ref.get(key)):>10} "
                         f"{fmt(M.ratio(ours.get(key), ref.get(key))):>8}")
    return "\n".join(lines)


def git_state() -> dict:
    def git(*args):
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    return {"commit": git("rev-parse", "HEAD"), "rag_dirty": bool(git("status", "--porcelain", "--", "rag"))}


def evaluate(ds: Dataset, split: str | None, limit: int | None, reference: bool = True, cold: bool = True) -> dict:
    """Run both systems on one dataset and return the JSON-able result."""
    items = load_items(ds.qa, split, limit)
    ds.index_root.mkdir(parents=True, exist_ok=True)
    texts = SourceTexts(ds.docs)
    print(f"{ds.name}: {len(items)} questions (split {split or 'all'})", file=sys.stderr)
    systems, records = {}, {}
    kinds = [Ours] + ([Reference] if reference else [])
    for kind in kinds:
        systems[kind.name], records[kind.name] = run_system(kind(ds), items, texts, cold)
    ours, ref = systems["ours"], systems.get("reference", {})
    return {
        "dataset": ds.name, "split": split, "limit": limit, "qa": str(ds.qa), "docs": str(ds.docs),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"), **git_state(),
        "systems": systems,
        "ratio": {k: M.ratio(ours.get(k), ref.get(k)) for k in ROWS if k in ours},
        "items": records,
    }


def _no_nan(v):
    """NaN is not JSON: null instead."""
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, dict):
        return {k: _no_nan(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_no_nan(x) for x in v]
    return v


def _without_relevance():
    import rag.relevance

    rag.relevance.default_model = lambda: None


ABLATIONS = {"relevance": _without_relevance}


def keep_reference(result: dict, old_path: Path) -> dict:
    """The reference system's numbers from the results file being replaced, when it ran the same questions."""
    if "reference" in result["systems"] or not old_path.exists():
        return result
    old = json.loads(old_path.read_text(encoding="utf-8"))
    same = all(old.get(k) == result.get(k) for k in ("dataset", "split", "limit"))
    ref = old.get("systems", {}).get("reference")
    if not same or not ref or old["systems"].get("ours", {}).get("n") != result["systems"]["ours"]["n"]:
        return result
    ours = result["systems"]["ours"]
    result["systems"]["reference"] = ref
    result["reference_from"] = old.get("reference_from") or old.get("commit")
    result["ratio"] = {k: M.ratio(ours.get(k), ref.get(k)) for k in ROWS if k in ours}
    result["items"]["reference"] = old.get("items", {}).get("reference", [])
    return result


def write(result: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    clean = _no_nan(result)
    path.write_text(json.dumps(clean, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {path}", file=sys.stderr)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.run", description=__doc__.split("\n\n")[0])
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--dataset", choices=DATASETS, help="a known dataset (third-party sets are materialized "
                                                          "into eval/.cache/)")
    src.add_argument("--qa", help="a question file (JSONL, seed_qa shape); needs --docs")
    src.add_argument("--all", action="store_true", help="seeds + test splits of every third-party set -> eval/results/")
    p.add_argument("--docs", help="documents folder for --qa")
    p.add_argument("--split", choices=["dev", "test", "all"], help="default: test for third-party sets, all otherwise")
    p.add_argument("--limit", type=int, help="first N questions (with --all: applies to pubmedqa only)")
    p.add_argument("--out", help="write the numbers as JSON here")
    p.add_argument("--no-reference", action="store_true", help="skip the llama-index reference")
    p.add_argument("--no-cold", action="store_true", help="skip the cold-start measurement")
    p.add_argument("--keep-reference", action="store_true",
                   help="with --no-reference: keep the reference numbers of the results file being replaced "
                        "(same dataset, split and limit; the reference recipe is unchanged), noting their commit")
    p.add_argument("--without", choices=sorted(ABLATIONS), action="append", default=[],
                   help="answer without one step (a dev measurement of what it brings)")
    args = p.parse_args(argv)
    for name in args.without:
        ABLATIONS[name]()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

    def split_for(ds: Dataset):
        s = args.split or ds.default_split
        return None if s == "all" else s

    if args.all:
        for name in DATASETS:
            ds = named(name)
            lim = args.limit if name == "pubmedqa" else None
            res = evaluate(ds, split_for(ds), lim, not args.no_reference, not args.no_cold)
            if args.keep_reference:
                res = keep_reference(res, RESULTS / f"{name}.json")
            write(res, RESULTS / f"{name}.json")
            print(table(res) + "\n", flush=True)
        return 0
    if args.qa and not args.docs:
        p.error("--qa needs --docs")
    ds = named(args.dataset) if args.dataset else custom(args.qa, args.docs)
    res = evaluate(ds, split_for(ds), args.limit, not args.no_reference, not args.no_cold)
    res["without"] = args.without
    if args.keep_reference and args.out:
        res = keep_reference(res, Path(args.out))
    print(table(res))
    if args.out:
        write(res, Path(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
