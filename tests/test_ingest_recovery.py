"""Ingest faults are visible and recovered: the real HTTP server (a subprocess) is killed with SIGKILL in the
middle of ingesting ~20 uploaded files; started again, it indexes every accepted file (or lists it as pending
with the reason), removes the temporary files of cut-short uploads, and leaves no reader process behind."""
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx

from conftest import ROOT, _free_port

# The real server (`rag.http.serve`), with many small commits so a kill lands between and inside them.
SERVE = textwrap.dedent("""
    import sys
    import rag.ingest
    rag.ingest.BATCH_CHUNKS = 2
    from rag.http import serve
    serve(port=int(sys.argv[1]))
""")
FACTS = [(f"note_{i:02d}.{ext}", f"Depot {i} in the Orkney survey stores exactly {1000 + 37 * i} crates of "
          f"pears, counted in spring.")
         for i, ext in enumerate(["txt", "md", "html"] * 6 + ["txt"])]


FILLER = [f"Section {k}: the survey team walked the {k}th row of the depot and wrote down what the labels said, "
          f"then checked the row again the next morning to be sure the count for row {k} was right." for k in range(12)]


def _body(name: str, fact: str) -> bytes:
    """A small report: the fact, then filler paragraphs (several passages, so ingest has work to be cut in)."""
    paras = [fact] + FILLER
    if name.endswith(".html"):
        inner = "".join(f"<p>{p}</p>" for p in paras)
        return f"<html><head><title>Depot report</title></head><body><article><h1>Depot report</h1>{inner}" \
               "</article></body></html>".encode()
    return ("Depot report\n\n" + "\n\n".join(paras) + "\n").encode()


class _Server:
    def __init__(self, tmp: Path, env: dict):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(tmp / f"server-{self.port}.log", "wb")
        self.proc = subprocess.Popen([sys.executable, str(tmp / "serve.py"), str(self.port)], env=env, cwd=tmp,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(self.url + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert self.proc.poll() is None and time.monotonic() < deadline, \
                Path(self.log.name).read_text(errors="replace")[-3000:]
            time.sleep(0.3)

    def workers(self) -> set[int]:
        """The reader worker processes this server started."""
        out = set()
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                ppid = int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1])
                if ppid == self.proc.pid and b"rag.read.worker" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    out.add(int(pid))
            except (OSError, IndexError, ValueError):
                continue
        return out

    def stop(self, sig=signal.SIGTERM) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.log.close()


def _status(http: httpx.Client) -> dict:
    r = http.get("/v1/collections/team/ingest")
    assert r.status_code == 200, r.text
    return r.json()


def test_sigkill_mid_ingest_then_restart_recovers_every_file(tmp_path):
    (tmp_path / "serve.py").write_text(SERVE)
    (tmp_path / "default").mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "RAG_DOCS_DIR": str(tmp_path / "default"),
           "RAG_INDEX_DIR": str(tmp_path / "default-index"), "RAG_COLLECTIONS_DIR": str(tmp_path / "collections")}
    env.pop("RAG_API_KEYS", None)
    env.pop("RAG_API_KEYS_FILE", None)
    docs = tmp_path / "collections" / "team" / "docs"
    server = _Server(tmp_path, env)
    try:
        with httpx.Client(base_url=server.url, timeout=60) as http:
            assert http.post("/v1/collections", json={"name": "team"}).status_code == 201
            accepted = []
            for name, fact in FACTS:
                r = http.post("/v1/collections/team/documents", files={"file": (name, _body(name, fact))})
                assert r.status_code == 202, r.text
                accepted.append(name)
            r = http.post("/v1/collections/team/documents", files={"file": ("broken.pdf", b"%PDF-1.4 not a pdf")})
            assert r.status_code == 202  # passes the upload's cheap checks; the ingest will say why not
            accepted.append("broken.pdf")
            # kill it while some files are indexed and others are not yet
            deadline = time.monotonic() + 120
            while True:
                st = _status(http)
                assert st["state"] == "running" and time.monotonic() < deadline, st
                if st["progress"] and st["progress"]["files_done"] >= 2 and st["pending"]:
                    break
                time.sleep(0.05)
        workers = server.workers()
        server.stop(signal.SIGKILL)
    finally:
        server.stop()
    before = _status_files(docs)
    assert set(accepted) <= before  # every accepted upload was saved before the kill
    # what a kill during an upload leaves: a temporary file no process writes any more
    stale = docs / ".upload-k1ll3d.txt"
    stale.write_bytes(b"half an upl")
    os.utime(stale, (time.time() - 60, time.time() - 60))
    deadline = time.monotonic() + 30
    while any(_running(pid) for pid in workers):  # an orphaned reader exits on its own
        assert time.monotonic() < deadline, workers
        time.sleep(0.2)

    server = _Server(tmp_path, env)
    try:
        with httpx.Client(base_url=server.url, timeout=60) as http:
            deadline = time.monotonic() + 300
            while (st := _status(http))["state"] != "done":  # the server re-checks every collection as it starts
                assert st["state"] in ("idle", "running") and time.monotonic() < deadline, st
                time.sleep(0.3)
            indexed = {d["source"] for d in http.get("/v1/collections/team/documents").json()["data"]}
            pending = {p["source"]: p["reason"] for p in st["pending"]}
            assert indexed | set(pending) == set(accepted) and not indexed & set(pending)
            assert set(pending) == {"broken.pdf"} and "not a readable PDF" in pending["broken.pdf"]
            assert not list(docs.glob(".upload-*"))
            q = "How many crates of pears does depot 7 in the Orkney survey store?"
            answer = http.post("/v1/chat/completions", json={"model": "team", "messages": [
                {"role": "user", "content": q}]}).json()
            assert str(1000 + 37 * 7) in answer["choices"][0]["message"]["content"]
    finally:
        server.stop()


def _status_files(docs: Path) -> set[str]:
    return {p.name for p in docs.iterdir() if not p.name.startswith(".")}


def _running(pid: int) -> bool:
    try:
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has exited
    except OSError:
        return False
