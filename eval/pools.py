"""Retrieve every question of a dataset as `ask()` does and cache the candidate pools.

The relevance model (`eval/train_relevance.py`) and the answerer's models (`eval/train_answerer.py`)
both read these pools: hard negatives come from our own retrieval, and every split (train, dev,
test; answerable or not) is collected once. Cached in eval/.cache/answerer/ by `train_answerer.collect`.

    python -m eval.pools squad2 pubmedqa covid_qa hotpotqa tonic_pg
"""
from __future__ import annotations

import os
import sys
import time

from .datasets import load_items, named


def pools(name: str, splits=("train", "dev", "test")) -> dict:
    """{"questions": [...], "idf": ...} for every question of `splits` (train_answerer.collect)."""
    from .train_answerer import collect
    from .datasets import CACHE

    ds = named(name)
    items = [it for it in load_items(ds.qa) if it.get("split") in splits]
    return collect(ds, items, ds.index_root / "ours", CACHE / "answerer")


def main(argv=None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    for name in (argv if argv is not None else sys.argv[1:]):
        t = time.perf_counter()
        data = pools(name)
        print(f"{name}: {len(data['questions'])} pools in {time.perf_counter() - t:.0f}s", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
