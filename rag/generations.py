"""Index files built per store generation and swapped in whole: the BM25 index (`rag.lexical`) and the
exact vector copy (`rag.dense`) are each a folder per generation plus a pointer file replaced with
os.replace, so a reader never loads half a build, written by one writer at a time.
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import threading
from pathlib import Path
from typing import Callable, TypeVar

T = TypeVar("T")


def publish(folder: Path, name: str, generation: int, write: Callable[[Path], dict], load: Callable[[Path], T | None]
            ) -> T | None:
    """Write generation `generation` of an index into a new folder `name-<generation>-...` under `folder`
    (`write(target)` fills it and returns extra keys for the pointer), point `name.json` at it, remove
    older folders, and return `load(folder)`. A generation already built (`load(folder).generation` at
    least `generation`) is loaded, not written again.

    One writer at a time, across threads and processes: an ingest and a reader whose copy was stale
    once built the same generation at once under the same names, and each removed the other's
    half-written folder (tests/test_reliability.py failed 2 runs in 8 with the row search's extra
    reads). The later one finds the generation built and loads it."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            current = load(folder)
            if current is not None and current.generation >= generation:
                return current
            target = folder / f"{name}-{generation}-{os.getpid()}-{threading.get_ident()}"
            if target.exists():
                shutil.rmtree(target)
            target.mkdir()
            extra = write(target)
            tmp = folder / f"{name}.json.{os.getpid()}.tmp"
            tmp.write_text(json.dumps({"generation": generation, "dir": target.name, **extra}))
            os.replace(tmp, folder / f"{name}.json")
            for old in folder.glob(f"{name}-*"):
                if old != target:
                    shutil.rmtree(old, ignore_errors=True)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return load(folder)
