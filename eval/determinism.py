"""Same files, same answers: index the financebench filings twice from scratch and compare, question by
question, the top-5 passages and the answers of the two builds.

    python -m eval.determinism [--hnsw] [--out eval/results/determinism.json]

--hnsw searches Chroma's HNSW graph instead of the exact vector copy (`rag.dense`), for comparison.
Questions: the financebench questions and the hand-written figure look-ups of `eval.reports`.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from .reports import docs_folder, page_texts, questions


def build(docs: Path, index: Path, hnsw: bool):
    from rag import Assistant

    a = Assistant(docs_dir=docs, index_dir=index)
    t = time.perf_counter()
    a.ingest(progress=False)
    a._ensure_ready()
    if hnsw:
        a._dense = None  # Chroma's HNSW answers
    return a, time.perf_counter() - t


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hnsw", action="store_true", help="search Chroma's HNSW graph, not the exact copy")
    ap.add_argument("--out", help="write the numbers as JSON here")
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    docs = docs_folder()
    items = questions(page_texts(docs))
    work = Path(tempfile.mkdtemp(prefix="determinism-"))
    try:
        (a, ta), (b, tb) = build(docs, work / "a", args.hnsw), build(docs, work / "b", args.hnsw)
        hits_differ = answers_differ = 0
        for it in items:
            q = it["question"]
            ha, hb = a.retrieve(q, k=5), b.retrieve(q, k=5)
            hits_differ += [(h.source, h.start, h.end) for h in ha] != [(h.source, h.start, h.end) for h in hb]
            answers_differ += a.ask(q).text != b.ask(q).text
    finally:
        shutil.rmtree(work, ignore_errors=True)
    search = "hnsw" if args.hnsw else "exact"
    result = {"search": search, "questions": len(items), "top5_differ": hits_differ, "answers_differ": answers_differ,
              "build_seconds": [round(ta, 1), round(tb, 1)]}
    print(f"| search | questions | top-5 passages differ | answers differ |\n|---|---|---|---|\n"
          f"| {search} | {len(items)} | {hits_differ} | {answers_differ} |")
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
