"""Reading files where a pathological one can be stopped: a worker process, a time budget per document
and a memory cap.

    reader = Reader(Limits(seconds=120, memory_mb=2048))
    doc = reader.read(path, source)     # or DocumentError naming the limit the file went over

The worker is `python -m rag.read.worker`: a fresh interpreter (nothing of the server is copied into it,
and unlike multiprocessing's spawn it never re-runs the caller's __main__). It caps its own address space
(RLIMIT_AS) before anything else, loads the readers, says it is ready, then reads one file per request.
The parent waits `seconds` for each document and kills the worker past it; the worker also arms an alarm
of its own, so it dies even when its parent did. A worker that dies (memory, a parser crash) is replaced
for the next file. Documents come back as JSON, never pickle: the worker has parsed untrusted input.
Workers are pooled across files and ingests (one takes ~0.5 s to start) and stopped when idle.

Small text files (.txt/.md up to IN_PROCESS_BYTES) are read in the caller's process: the slowest text
measured reads at ~170 us a line, so such a file takes at most ~1.5 s, about what a worker takes to start.
Not here: the readers themselves (`rag.read`).
"""
from __future__ import annotations

import atexit
import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from ..errors import DocumentError, IngestCancelledError
from . import MAX_FILE_BYTES, MAX_PAGES, read_document
from .document import Block, Document, Metadata

# Set from one pass over the 30 PDFs and 95 web pages under ../shared/datasets (README, "Limits"): the
# slowest PDF read in 3.1 s (156 pages) on 2 busy cores, the slowest web page in 0.5 s, and the worker
# peaked at 201 MB of address space (119 MB resident). A 2,000-page PDF (MAX_PAGES) reads in ~40 s.
READ_SECONDS = 120.0
READ_MEMORY_MB = 2048
IN_PROCESS_BYTES = 32 * 1024
START_S = 60.0  # a new worker must be ready within this (imports, on a busy machine)
IDLE_S = 300.0  # the pool stops a worker unused this long; the worker exits by itself a minute later
GRACE_S = 5.0  # the worker's own alarm rings this long after the parent's deadline
_BLOCK = tuple(f.name for f in fields(Block))


@dataclass(frozen=True)
class Limits:
    seconds: float = READ_SECONDS  # per document, reading only (not the worker's start)
    memory_mb: int = READ_MEMORY_MB  # the worker's address space
    max_pages: int = MAX_PAGES
    max_bytes: int = MAX_FILE_BYTES

    @classmethod
    def of(cls, cfg) -> "Limits":
        """The limits a `rag.Config` sets (None: the defaults above)."""
        given = {"seconds": cfg.read_seconds, "memory_mb": cfg.read_memory_mb, "max_pages": cfg.max_pages}
        return cls(**{k: v for k, v in given.items() if v is not None})


class Reader:
    """Reads files within `limits`; setting `cancel` (a threading.Event) stops a read at once
    (IngestCancelledError)."""

    def __init__(self, limits: Limits = Limits(), cancel: threading.Event | None = None):
        self.limits, self.cancel = limits, cancel

    def read(self, path: Path, source: str) -> Document:
        lim = self.limits
        if _in_process(path):
            return read_document(path, source, lim.max_bytes, lim.max_pages)
        worker = _POOL.take(lim.memory_mb, self.cancel)
        try:
            return worker.read(path, source, lim, self.cancel)
        finally:
            _POOL.give(worker)


def _in_process(path: Path) -> bool:
    try:
        return path.suffix.lower() in (".txt", ".md") and path.stat().st_size <= IN_PROCESS_BYTES
    except OSError:
        return True  # read_document says why it cannot be read


# -- the parent's side --------------------------------------------------------------------------
class _Worker:
    def __init__(self, memory_mb: int, cancel: threading.Event | None):
        self.memory_mb, self.used = memory_mb, time.monotonic()
        root = str(Path(__file__).resolve().parents[2])  # where `rag` is, whatever the caller's cwd
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])),
               "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}  # threads reserve address space
        self.proc = subprocess.Popen([sys.executable, "-m", "rag.read.worker", str(memory_mb)], env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
        try:
            self._recv(time.monotonic() + START_S, cancel)
        except IngestCancelledError:
            raise
        except (TimeoutError, EOFError, OSError):
            code = self.stop()
            raise DocumentError(f"the document reader did not start (exit {code}; its memory limit is "
                                f"{memory_mb} MB)") from None

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> int | None:
        if self.alive():
            self.proc.kill()
        try:
            return self.proc.wait(10)
        except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL does not take this long
            return None
        finally:
            for pipe in (self.proc.stdin, self.proc.stdout):
                pipe.close()

    def read(self, path: Path, source: str, lim: Limits, cancel) -> Document:
        request = {"path": str(path), "source": source, "max_bytes": lim.max_bytes, "max_pages": lim.max_pages,
                   "seconds": lim.seconds}
        try:
            self.proc.stdin.write(json.dumps(request).encode() + b"\n")
            reply = self._recv(time.monotonic() + lim.seconds, cancel)
        except TimeoutError:
            self.stop()
            raise DocumentError(f"reading it took longer than the {lim.seconds:g} s limit for a document") from None
        except (EOFError, OSError):
            code = self.stop()
            raise DocumentError(f"the reader stopped while reading it ({_exit(code)}): a parser crash, or more "
                                f"memory than the {lim.memory_mb} MB limit for a document") from None
        if "error" in reply:
            if reply.get("fatal"):
                self.stop()
            raise DocumentError(reply["error"])
        return _from_json(reply["doc"])

    def _recv(self, deadline: float, cancel) -> dict:
        """The worker's next message. TimeoutError past `deadline`, EOFError when it died; when `cancel`
        is set meanwhile the worker is stopped and IngestCancelledError raised."""
        size = int.from_bytes(self._take(8, deadline, cancel), "big")
        return json.loads(self._take(size, deadline, cancel))

    def _take(self, n: int, deadline: float, cancel) -> bytes:
        fd, out = self.proc.stdout.fileno(), bytearray()
        while len(out) < n:
            if cancel is not None and cancel.is_set():
                self.stop()
                raise IngestCancelledError("the ingest was cancelled")
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            if select.select([fd], [], [], min(left, 0.2))[0]:
                chunk = os.read(fd, min(n - len(out), 1 << 20))
                if not chunk:
                    raise EOFError
                out += chunk
        return bytes(out)


def _exit(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            pass
    return f"exit status {code}"


class _Pool:
    """Idle workers, reused across reads and ingests (several ingests may each use one at once)."""

    def __init__(self):
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()
        self._registered = False

    def take(self, memory_mb: int, cancel) -> _Worker:
        with self._lock:
            self._reap()
            for w in self._idle:
                if w.memory_mb == memory_mb:
                    self._idle.remove(w)
                    return w
            if not self._registered:
                atexit.register(self.close)
                self._registered = True
        return _Worker(memory_mb, cancel)  # outside the lock: it takes a while

    def give(self, w: _Worker) -> None:
        if not w.alive():
            return
        w.used = time.monotonic()
        with self._lock:
            self._idle.append(w)

    def _reap(self) -> None:
        now = time.monotonic()
        for w in [w for w in self._idle if not w.alive() or now - w.used > IDLE_S]:
            self._idle.remove(w)
            w.stop()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for w in idle:
            w.stop()


_POOL = _Pool()


# -- the document as JSON -------------------------------------------------------------------------
def _to_json(doc: Document) -> dict:
    return {"source": doc.source, "text": doc.text, "sha": doc.sha, "format": doc.format,
            "blocks": [[getattr(b, f) for f in _BLOCK] for b in doc.blocks], "pages": doc.pages,
            "metadata": asdict(doc.metadata)}


def _from_json(d: dict) -> Document:
    return Document(d["source"], d["text"], d["sha"], d["format"], tuple(Block(*b) for b in d["blocks"]),
                    tuple((a, b) for a, b in d["pages"]), Metadata(**d["metadata"]))


# -- the worker's side ----------------------------------------------------------------------------
def _send(out, obj: dict) -> None:
    data = json.dumps(obj).encode()  # ASCII escapes: lone surrogates in extracted text survive
    out.write(len(data).to_bytes(8, "big") + data)


def _preload() -> None:
    """Every reader and its libraries, before the first request, so a document's budget is reading only."""
    import docx  # noqa: F401
    import html_text  # noqa: F401
    import pypdfium2  # noqa: F401
    import trafilatura  # noqa: F401

    from . import docx as _docx, html as _html, pdf as _pdf, text as _text  # noqa: F401


def _serve(memory_mb: int) -> int:
    import resource

    cap = memory_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it stops us
    out = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)  # a reader's stray print goes to stderr, not into the replies
    _preload()
    _send(out, {"ready": os.getpid()})
    while select.select([sys.stdin], [], [], IDLE_S + 60)[0]:
        line = sys.stdin.buffer.readline()
        if not line:
            return 0  # the parent is gone
        req = json.loads(line)
        signal.setitimer(signal.ITIMER_REAL, req["seconds"] + GRACE_S)  # SIGALRM's default: the process ends
        try:
            doc = read_document(Path(req["path"]), req["source"], req["max_bytes"], req["max_pages"])
            reply = {"doc": _to_json(doc)}
        except DocumentError as e:
            reply = {"error": str(e)}
        except MemoryError:
            reply = {"error": f"reading it needed more than the {memory_mb} MB memory limit for a document",
                     "fatal": True}
        except Exception as e:  # noqa: BLE001 - a reader's bug on one file: that file is skipped, saying so
            reply = {"error": f"the reader failed on it ({type(e).__name__}: {str(e)[:200]})"}
        signal.setitimer(signal.ITIMER_REAL, 0)
        _send(out, reply)
        if reply.get("fatal"):
            return 1
    return 0  # idle too long


if __name__ == "__main__":
    sys.exit(_serve(int(sys.argv[1])))
