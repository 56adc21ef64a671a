"""Scale benchmark: ingest throughput and query latency vs corpus size, embedded and server Chroma.

    python -m eval.bench                         # sizes 1000 10000 100000, both modes, onnx embedder
    python -m eval.bench --sizes 1000 --modes embedded --embedder minilm
    python -m eval.bench --api                   # HTTP API vs in-process ask() on the seeds, 1 and 16 clients

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


# -- HTTP API overhead (--api) ------------------------------------------------------------------
def _seed_questions() -> list[str]:
    qa = SHARED / "eval" / "seed_qa.jsonl"
    if qa.exists():
        return [json.loads(line)["question"] for line in qa.read_text(encoding="utf-8").splitlines() if line.strip()]
    return ["What tariff applies to Japanese steel?", "Who is Japan's chief trade negotiator?"]


def _load(fn, questions: list[str], clients: int, rounds: int) -> dict:
    """Run fn(question) over the questions `rounds` times from `clients` threads: rate and latency."""
    from concurrent.futures import ThreadPoolExecutor

    jobs = [q for _ in range(rounds) for q in questions]
    lat: list[float] = []

    def one(q):
        t = time.perf_counter()
        fn(q)
        lat.append(time.perf_counter() - t)

    t0 = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, jobs))
    wall = time.perf_counter() - t0
    return {"requests": len(jobs), "req_per_s": len(jobs) / wall, "p50_ms": 1000 * float(np.percentile(lat, 50)),
            "p95_ms": 1000 * float(np.percentile(lat, 95))}


def run_api(args) -> None:
    """requests/s and p50/p95 of answering the seed questions in-process (`Assistant.ask`) and through
    `python -m rag serve` (a separate process, so client and server do not share a GIL), with 1 and
    16 concurrent clients. Target: HTTP adds <= 5 ms at p50 with one client."""
    import threading

    import httpx

    from rag import Assistant

    docs, index = ROOT / "seeds", CACHE / "bench" / "api-index"
    questions = _seed_questions()
    a = Assistant(docs_dir=docs, index_dir=index)
    a.ingest(progress=False)
    for q in questions:
        a.ask(q)  # warm: model, BM25, manifest
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "RAG_DOCS_DIR": str(docs), "RAG_INDEX_DIR": str(index),
           "RAG_API_KEYS": "bench", "RAG_API_KEYS_FILE": "", "RAG_COLLECTIONS_DIR": str(CACHE / "bench" / "api-collections")}
    log_path = CACHE / "bench" / "api-server.log"  # a file, not a pipe: an unread pipe would stall the server
    log = open(log_path, "wb")
    proc = subprocess.Popen([sys.executable, "-m", "rag", "serve", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    local = threading.local()

    def over_http(q: str) -> None:
        c = getattr(local, "client", None)
        if c is None:  # one keep-alive connection per client thread, as a real client holds
            c = local.client = httpx.Client(base_url=url, headers={"Authorization": "Bearer bench"}, timeout=120)
        r = c.post("/v1/chat/completions", json={"model": "default", "messages": [{"role": "user", "content": q}]})
        r.raise_for_status()

    rows = []
    try:
        for _ in range(600):
            try:
                if httpx.get(url + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None:
                raise SystemExit("rag serve exited: " + log_path.read_text(errors="replace")[-2000:])
            time.sleep(0.2)
        for q in questions:
            over_http(q)  # warm the server's side the same way
        paths = (("in-process ask()", a.ask), ("HTTP /v1/chat/completions", over_http))
        # 1 client: each question in-process then over HTTP, back to back, so both meet the same machine load
        lat: dict[str, list[float]] = {p: [] for p, _ in paths}
        t_path = {p: 0.0 for p, _ in paths}
        for _ in range(args.api_rounds):
            for q in questions:
                for path, fn in paths:
                    t = time.perf_counter()
                    fn(q)
                    lat[path].append(time.perf_counter() - t)
                    t_path[path] += lat[path][-1]
        for path, _ in paths:
            rows.append({"path": path, "clients": 1, "requests": len(lat[path]),
                         "req_per_s": len(lat[path]) / t_path[path], "p50_ms": 1000 * float(np.percentile(lat[path], 50)),
                         "p95_ms": 1000 * float(np.percentile(lat[path], 95))})
            print(json.dumps(rows[-1]), flush=True)
        paired = 1000 * float(np.median(np.array(lat[paths[1][0]]) - np.array(lat[paths[0][0]])))
        # 16 clients: short runs of the two paths alternate, so a busy spell of a shared machine hits both
        parts: dict[str, list[dict]] = {p: [] for p, _ in paths}
        for _ in range(args.api_rounds):
            for path, fn in paths:
                parts[path].append(_load(fn, questions, 16, 1))
        for path, _ in paths:
            runs = parts[path]
            rows.append({"path": path, "clients": 16, "requests": sum(r["requests"] for r in runs),
                         **{k: float(np.median([r[k] for r in runs])) for k in ("req_per_s", "p50_ms", "p95_ms")}})
            print(json.dumps(rows[-1]), flush=True)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)
        log.close()
    by = {(r["path"].split()[0], r["clients"]): r for r in rows}
    overhead = {c: by[("HTTP", c)]["p50_ms"] - by[("in-process", c)]["p50_ms"] for c in (1, 16)}
    lines = ["| path | clients | requests | req/s | p50 ms | p95 ms |", "|---|---|---|---|---|---|"]
    lines += [f"| {r['path']} | {r['clients']} | {r['requests']} | {r['req_per_s']:.1f} | {r['p50_ms']:.1f} | "
              f"{r['p95_ms']:.1f} |" for r in rows]
    lines += ["", f"HTTP overhead at p50: {overhead[1]:+.1f} ms with 1 client (target <= 5 ms; median of the "
                  f"per-question differences: {paired:+.1f} ms), "
                  f"{overhead[16]:+.1f} ms with 16 clients; {os.cpu_count()} CPU cores, "
                  f"{len(questions)} seed questions x {args.api_rounds} rounds; 1 client: each question in-process then "
                  "over HTTP, back to back; 16 clients: the two paths alternate round by round, each figure the "
                  "median over the rounds."]
    print("\n".join(lines))
    out = ROOT / "eval" / "results" / "bench_api.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"rows": rows, "p50_overhead_ms": {str(k): v for k, v in overhead.items()},
                               "paired_median_overhead_ms_1_client": paired,
                               "cpu_count": os.cpu_count(), "questions": len(questions), "rounds": args.api_rounds,
                               "table": lines}, indent=2) + "\n")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--api", action="store_true", help="HTTP API against in-process ask() on the seeds (eval/results/bench_api.json)")
    ap.add_argument("--api-rounds", type=int, default=5, help="--api: passes over the seed questions per measurement")
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    ap.add_argument("--modes", nargs="+", default=["embedded", "server"])
    ap.add_argument("--embedder", default="onnx", choices=["onnx", "minilm"])
    ap.add_argument("--budget-s", type=float, default=1200, help="skip points once this much time has passed")
    ap.add_argument("--server-max", type=int, default=10**9, help="skip server points above this many chunks")
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.api:
        return run_api(args)
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
