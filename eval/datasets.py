"""Where the evaluation data lives: the seed questions, the third-party sets materialized on demand
into eval/.cache/ (never into the repo), and per-dataset index folders.

Not here: running or scoring (`eval.run`, `eval.metrics`).
"""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CACHE = ROOT / "eval" / ".cache"
THIRD_PARTY = ("covid_qa", "tonic_pg", "hotpotqa", "pubmedqa", "squad2")
DATASETS = ("seeds",) + THIRD_PARTY


@dataclass(frozen=True)
class Dataset:
    """A question file, its documents folder, and the cache folder for the indexes built over them."""

    name: str
    qa: Path
    docs: Path
    index_root: Path
    default_split: str | None


def named(name: str) -> Dataset:
    """A known dataset; third-party ones are materialized into eval/.cache/data/ the first time."""
    if name == "seeds":
        return Dataset("seeds", SHARED / "eval" / "seed_qa.jsonl", ROOT / "seeds", CACHE / "index" / "seeds", None)
    if name not in THIRD_PARTY:
        raise SystemExit(f"unknown dataset {name!r}; choose from {', '.join(DATASETS)}")
    out = CACHE / "data"
    if not (out / name / "qa.jsonl").exists():
        subprocess.run([sys.executable, str(SHARED / "tools" / "materialize.py"), str(out), name], check=True)
    return Dataset(name, out / name / "qa.jsonl", out / name / "docs", CACHE / "index" / name, "test")


def custom(qa: str | Path, docs: str | Path) -> Dataset:
    """Any question file over any documents folder; indexes cached by a hash of the folder path."""
    docs = Path(docs).resolve()
    tag = hashlib.sha1(str(docs).encode()).hexdigest()[:8]
    return Dataset(Path(qa).stem, Path(qa), docs, CACHE / "index" / f"custom-{docs.name}-{tag}", None)


def load_items(path: Path, split: str | None = None, limit: int | None = None) -> list[dict]:
    """Questions from a JSONL file, filtered to `split` (items without a split always pass), first `limit`."""
    # split on "\n" only: str.splitlines() also breaks inside strings holding U+2028, U+0085 etc.
    items = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").split("\n") if line.strip()]
    if split:
        items = [it for it in items if it.get("split", split) == split]
    return items[:limit] if limit else items


class SourceTexts:
    """File texts by source name (relative to the docs folder), read once, newlines kept as on disk."""

    def __init__(self, docs: Path):
        self.docs = Path(docs)
        self._cache: dict[str, str] = {}

    def __call__(self, source: str) -> str:
        if source not in self._cache:
            try:
                with open(self.docs / source, encoding="utf-8", errors="replace", newline="") as fh:
                    self._cache[source] = fh.read()
            except FileNotFoundError:
                self._cache[source] = ""
        return self._cache[source]
