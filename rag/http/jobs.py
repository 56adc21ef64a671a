"""Background ingest, one at a time per collection, with its latest progress, final report and the
files still waiting (`Assistant.pending`).

An upload or a removal while an ingest runs asks for one more run when it ends (so the new file
is picked up); an explicit ingest request while one runs is a ConflictError (409). Deleting a
collection cancels its ingest (`cancel`). At server start `recover` brings every collection up to
date: files a killed server had saved but not indexed are read then.
Not here: the ingest itself (`rag.ingest`).
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from ..errors import ConflictError, IngestCancelledError, RagError, public_message
from ..library import Library
from ..types import IngestProgress, IngestReport

log = logging.getLogger("rag.http")


@dataclass
class _Job:
    state: str = "idle"  # idle | running | done | failed | cancelled
    progress: IngestProgress | None = None
    report: IngestReport | None = None
    error: str = ""
    again: bool = False  # run once more when this run ends
    started: float = 0.0
    finished: float = 0.0
    done: threading.Event = field(default_factory=threading.Event)
    cancel: threading.Event = field(default_factory=threading.Event)


class IngestJobs:
    def __init__(self, library: Library):
        self.library = library
        self._jobs: dict[str, _Job] = {}
        self._lock = threading.Lock()

    def start(self, name: str, *, queue: bool = False) -> dict:
        """Start an ingest of collection `name` in a thread. If one is running: ConflictError, or
        with `queue`, one more run after it."""
        assistant = self.library.get(name)  # NotFoundError before anything starts
        with self._lock:
            job = self._jobs.get(name)
            if job is not None and job.state == "running":
                if not queue:
                    raise ConflictError(f"an ingest of collection {name!r} is already running")
                job.again = True
                return self._status(job)
            job = self._jobs[name] = _Job(state="running", started=time.time())
            job.done.clear()
        threading.Thread(target=self._run, args=(name, assistant, job), daemon=True,
                         name=f"ingest-{name}").start()
        return self._status(job)

    def _run(self, name: str, assistant, job: _Job) -> None:
        def on_progress(p: IngestProgress) -> None:
            job.progress = p

        while True:
            cancelled = False
            try:
                job.report, job.error = assistant.ingest(progress=False, on_progress=on_progress,
                                                         cancel=job.cancel), ""
            except IngestCancelledError as e:
                job.error, cancelled = str(e), True
            except Exception as e:  # reported through the status endpoint; the server keeps serving
                job.error = public_message(e, self.library.config.server_folders)
            with self._lock:
                if job.again and not cancelled:
                    job.again = False
                    continue
                job.state = "cancelled" if cancelled else "failed" if job.error else "done"
                job.finished = time.time()
                job.done.set()
                return

    def cancel(self, name: str, timeout: float) -> bool:
        """Stop the running ingest of `name`, if any; whether none runs any more within `timeout` s."""
        with self._lock:
            job = self._jobs.get(name)
            if job is None or job.state != "running":
                return True
            job.again = False
            job.cancel.set()
        return job.done.wait(timeout)

    def recover(self) -> threading.Thread:
        """Ingest every collection, one after another, in the background: what a server does when it
        starts, so files saved but not indexed before a crash are indexed (or listed as pending with the
        reason) and the temporary files of cut-short uploads removed."""
        def run() -> None:
            for name in self.library.names():
                try:
                    self.start(name, queue=True)
                except RagError as e:  # e.g. deleted meanwhile: the others still get their turn
                    log.warning("could not check collection %s: %s", name, e)
                    continue
                self.wait(name)

        t = threading.Thread(target=run, daemon=True, name="ingest-recover")
        t.start()
        return t

    def forget(self, name: str) -> None:
        with self._lock:
            self._jobs.pop(name, None)

    def status(self, name: str) -> dict:
        pending = self.library.get(name).pending()
        folders = self.library.config.server_folders  # a reader's message may hold a path
        return self._status(self._jobs.get(name) or _Job()) | {
            "pending": [{"source": s, "reason": public_message(RagError(why), folders)} for s, why in pending]}

    def wait(self, name: str, timeout: float | None = None) -> bool:
        job = self._jobs.get(name)
        return job is None or job.done.wait(timeout)

    @staticmethod
    def _status(job: _Job) -> dict:
        from .schemas import progress, report

        return {"state": job.state, "progress": progress(job.progress), "report": report(job.report),
                "error": job.error or None, "started": job.started or None, "finished": job.finished or None}
