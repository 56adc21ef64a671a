"""Scale benchmark: ingest throughput and query latency vs corpus size, embedded and server Chroma.

    python -m eval.bench                         # sizes 1000 10000 100000, both modes, onnx embedder
    python -m eval.bench --sizes 1000 --modes embedded --embedder minilm

Corpus: the third-party datasets materialized by ../shared/tools/materialize.py into eval/.cache/data
(never copied into the repo), concatenated and, past their size, repeated as the same files
under copyK/ folders (distinct sources whose chunk and sentence texts equal the originals'). Repeated texts reuse
their vectors through a cache keyed by the text's hash (counted in the table), so the large points measure the store, not the encoder. Writes eval/BENCH.md and
eval/bench.png.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CACHE = ROOT / "eval" / ".cache"
SETS = ("covid_qa", "pubmedqa", "tonic_pg", "hotpotqa")
WORDS_PER_CHUNK = 75  # measured: 110 gave 1.48x the target chunk count (overlap, titles, short docs)


class CachingEmbedder:
    """Vectors by text hash: repeated documents are embedded once. Same model id as the wrapped one."""

    def __init__(self, inner):
        self.inner, self.model_id = inner, inner.model_id
        self._cache: dict[bytes, np.ndarray] = {}
        self.hits = self.misses = 0
        self.sample: list[str] = []  # every 10th text embedded: the bare encoder is timed on these

    def embed(self, texts):
        keys = [hashlib.sha1(t.encode()).digest() for t in texts]
        todo = list({k: t for k, t in zip(keys, texts) if k not in self._cache}.items())
        if todo:
            self.sample += [t for _, t in todo[::10]]
            vecs = self.inner.embed([t for _, t in todo])
            self._cache.update({k: v for (k, _), v in zip(todo, vecs)})
        self.misses += len(todo)
        self.hits += len(texts) - len(todo)
        return np.stack([self._cache[k] for k in keys]) if texts else self.inner.embed([])


def _materialize() -> list[Path]:
    out = CACHE / "data"
    files = []
    for name in SETS:
        if not (out / name / "docs").is_dir():
            subprocess.run([sys.executable, str(SHARED / "tools" / "materialize.py"), str(out), name], check=True)
        files += sorted((out / name / "docs").glob("*.txt"))
    return files


def build_corpus(n_chunks: int) -> tuple[Path, list[str]]:
    """A docs folder of about n_chunks chunks (hard links / small rewrites under eval/.cache/bench)."""
    folder = CACHE / "bench" / f"docs-{n_chunks}"
    files = _materialize()
    if not folder.is_dir():
        tmp = folder.with_suffix(".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        words, copy = 0, 0
        while words < n_chunks * WORDS_PER_CHUNK:
            for f in files:
                text = f.read_text(encoding="utf-8", errors="replace")
                # A copy is the same file in folder copyK/: a distinct source whose chunk texts (titles
                # included, which fall back to the file name) equal the original's, so vectors come from the cache.
                dest = tmp / (f"copy{copy}" if copy else "") / f"{f.parent.parent.name}__{f.stem}.txt"
                dest.parent.mkdir(exist_ok=True)
                dest.write_text(text, encoding="utf-8")
                words += len(text.split())
                if words >= n_chunks * WORDS_PER_CHUNK:
                    break
            copy += 1
        tmp.rename(folder)
    questions = []
    for name in SETS:
        qa = CACHE / "data" / name / "qa.jsonl"
        questions += [json.loads(line)["question"] for line in qa.read_text().splitlines()[:50] if line.strip()]
    random.Random(0).shuffle(questions)
    return folder, questions[:60]


def start_server(path: Path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([str(Path(sys.executable).parent / "chroma"), "run", "--path", str(path), "--host",
                             "127.0.0.1", "--port", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(url + "/api/v2/heartbeat", timeout=1)
            return url, proc
        except OSError:
            time.sleep(0.2)
    raise SystemExit("chroma server did not start")


def bare_rate(embedder, texts: list[str]) -> float:
    embedder.embed(texts[:8])
    t0 = time.perf_counter()
    embedder.embed(texts)
    return len(texts) / (time.perf_counter() - t0)


def run_point(n: int, mode: str, emb, url: str) -> dict:
    from rag import Assistant

    docs, questions = build_corpus(n)
    index = CACHE / "bench" / f"index-{n}-{mode}-{emb.model_id.split(':')[-1].split('/')[-1]}"
    shutil.rmtree(index, ignore_errors=True)
    a = Assistant(docs_dir=docs, index_dir=index, embedder=emb, chroma_url=url,
                  collection=f"bench{n}{mode}{int(time.time())}")
    h0, m0 = emb.hits, emb.misses
    emb.sample = []
    t0 = time.perf_counter()
    rep = a.ingest(progress=False)
    ingest_s = time.perf_counter() - t0
    embedded = emb.misses - m0
    lat = []
    a.ask(questions[0])  # loads BM25 and the manifest
    for q in questions:
        t = time.perf_counter()
        a.ask(q)
        lat.append(time.perf_counter() - t)
    sample = emb.sample[:3000]  # chunks and sentences in the proportion ingest embedded them
    return {"target": n, "mode": mode, "files": len(rep.added), "chunks": rep.chunks,
            "sentences": a.store.count("sentences"), "texts_embedded": embedded, "texts_cached": emb.hits - h0,
            "ingest_s": ingest_s, "docs_per_s": len(rep.added) / ingest_s, "chunks_per_s": rep.chunks / ingest_s,
            "embedded_per_s": embedded / ingest_s, "p50_ms": 1000 * float(np.percentile(lat, 50)),
            "p95_ms": 1000 * float(np.percentile(lat, 95)), "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "index": str(index), "docs": str(docs), "sample": sample, "question": questions[0],
            "collection": a.config.collection}


def cold_start(p: dict, embedder_name: str) -> float:
    code = ("import time; t=time.perf_counter(); from rag import Assistant; "
            f"a=Assistant(docs_dir={p['docs']!r}, index_dir={p['index']!r}, collection={p['collection']!r}); "
            f"a.ask({p['question']!r}); print(time.perf_counter()-t)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "HF_HUB_OFFLINE": "1", "RAG_EMBEDDER": embedder_name})
    return float(out.stdout.strip().splitlines()[-1]) if out.returncode == 0 else float("nan")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    ap.add_argument("--modes", nargs="+", default=["embedded", "server"])
    ap.add_argument("--embedder", default="onnx", choices=["onnx", "minilm"])
    ap.add_argument("--budget-s", type=float, default=1200, help="skip points once this much time has passed")
    ap.add_argument("--server-max", type=int, default=10**9, help="skip server points above this many chunks")
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from rag.embed import make_embedder

    start = time.perf_counter()
    inner = make_embedder(args.embedder)
    emb = CachingEmbedder(inner)
    url, proc = ("", None)
    if "server" in args.modes:
        url, proc = start_server(CACHE / "bench" / f"server-{os.getpid()}")
    rows, skipped = [], []
    try:
        for n in args.sizes:
            for mode in args.modes:
                if time.perf_counter() - start > args.budget_s or (mode == "server" and n > args.server_max):
                    skipped.append((n, mode))
                    continue
                p = run_point(n, mode, emb, url if mode == "server" else "")
                sample = p.pop("sample")
                p["bare_per_s"] = bare_rate(inner, sample) if len(sample) >= 100 else float("nan")
                p["ingest_fraction"] = p["embedded_per_s"] / p["bare_per_s"]
                p["cold_start_s"] = cold_start(p, args.embedder) if mode == "embedded" else float("nan")
                rows.append(p)
                print(json.dumps({k: v for k, v in p.items() if k not in ("index", "docs", "question", "collection")}),
                      flush=True)
                # Report after every point, so that a run stopped later still leaves the finished ones.
                later = [(m, md) for m in args.sizes for md in args.modes
                         if (m, md) not in skipped and not any(r["target"] == m and r["mode"] == md for r in rows)]
                write_report(rows, skipped + later, args, time.perf_counter() - start)
    finally:
        if proc is not None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(10)
    write_report(rows, skipped, args, time.perf_counter() - start)


def write_report(rows, skipped, args, total_s) -> None:
    lines = [
        "# Scale benchmark (`python -m eval.bench`)", "",
        f"Embedder: `{args.embedder}`; machine: {os.cpu_count()} CPU cores; command: "
        f"`python -m eval.bench {' '.join(sys.argv[1:])}`; total {total_s / 60:.1f} min.", "",
        "Corpus: documents of covid_qa, pubmedqa, tonic_pg and hotpotqa materialized into eval/.cache/data, "
        "concatenated; past their size, files are repeated as the same files under copyK/ folders (distinct sources, same chunk and sentence texts). Vectors of "
        "repeated texts come from a cache keyed by the text's hash (columns `embedded` / `cached`), so "
        "ingest/s at the repeated points measures the store more than the encoder. Ingest fraction = texts "
        "embedded per second of ingest (chunks + sentences) / the bare encoder's texts per second on every 10th "
        "text that ingest embedded (same mix of chunks and sentences), in the same run; only meaningful where "
        "most texts were embedded, not cached. Query latency: `Assistant.ask` (hybrid retrieval + extractive answer) "
        "over 60 dataset questions.", "",
        "| chunks | mode | files | sentences | embedded | cached | ingest s | docs/s | chunks/s | ingest / bare encoder | "
        "ask p50 ms | ask p95 ms | peak RSS MB | cold start s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['chunks']} | {r['mode']} | {r['files']} | {r['sentences']} | {r['texts_embedded']} | "
                     f"{r['texts_cached']} | {r['ingest_s']:.0f} | {r['docs_per_s']:.2f} | {r['chunks_per_s']:.1f} | "
                     f"{r['ingest_fraction']:.2f} | {r['p50_ms']:.0f} | {r['p95_ms']:.0f} | {r['maxrss_mb']:.0f} | "
                     f"{r['cold_start_s']:.1f} |")
    if skipped:
        lines += ["", "Not run (time budget, --server-max, or the run stopped before them): " + ", ".join(f"{n} chunks {m}" for n, m in skipped) + "."]
    out = ROOT / "eval" / "BENCH.md"
    out.write_text("\n".join(lines) + "\n")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
        for mode in sorted({r["mode"] for r in rows}):
            rs = [r for r in rows if r["mode"] == mode]
            ax1.plot([r["chunks"] for r in rs], [r["p50_ms"] for r in rs], "o-", label=f"{mode} p50")
            ax1.plot([r["chunks"] for r in rs], [r["p95_ms"] for r in rs], "x--", label=f"{mode} p95")
            ax2.plot([r["chunks"] for r in rs], [r["ingest_s"] for r in rs], "o-", label=mode)
        for ax, title in ((ax1, "ask latency (ms)"), (ax2, "ingest time (s)")):
            ax.set_xscale("log")
            ax.set_xlabel("chunks")
            ax.set_title(title)
            ax.legend()
        fig.tight_layout()
        fig.savefig(ROOT / "eval" / "bench.png", dpi=100)
    except ImportError:
        pass
    print(out.read_text())


if __name__ == "__main__":
    main()
