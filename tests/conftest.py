"""Shared fixtures. Real components only: the packaged MiniLM, Chroma on temp dirs."""
import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"
CORPUS = ROOT / "tests" / "corpus"  # three short documents written for the tests (fictional facts)

# Questions about tests/corpus/, each with a fact its answer must hold. Mechanism tests that need
# a known answer use these, never the seed questions (report-only: measured by eval/, not asserted).
CONTAINERS = ("How many containers did the Port of Elsmere handle in 2023?", "4.2 million")
CHAIR = ("Who chairs the Northfield bakery cooperative?", "Tomas Brandt")
RETREAT = ("How far did the Vandre glacier retreat from 2010 to 2022?", "410 metres")
MEMBERS = ("How many members does the Northfield Bakery Cooperative have?", "46")


# -- core fixtures ---------------------------------------------------------------------------
@pytest.fixture(scope="session")
def embedder():
    """The default embedder, loaded once for the whole run."""
    from rag.embed import make_embedder

    from rag.config import Config

    return make_embedder(Config.load().embedder)


def _ingested(base: Path, embedder):
    """An Assistant over `base`/docs with its index in `base`/index, ingested."""
    from rag import Assistant

    a = Assistant(docs_dir=base / "docs", index_dir=base / "index", embedder=embedder)
    a.ingest(progress=False)
    return a


def _ingested_copy(tmp_path_factory, embedder, folder: Path, name: str):
    """An Assistant over a copy of `folder` with its index in a temp dir, ingested."""
    base = tmp_path_factory.mktemp(name)
    shutil.copytree(folder, base / "docs")
    return _ingested(base, embedder)


def ingested_texts(tmp_path_factory, embedder, name: str, files: dict[str, str]):
    """An Assistant over documents written for a test ({file name: text}) in a temp dir, ingested."""
    base = tmp_path_factory.mktemp(name)
    (base / "docs").mkdir()
    for file, text in files.items():
        (base / "docs" / file).write_text(text, encoding="utf-8")
    return _ingested(base, embedder)


@pytest.fixture(scope="session")
def seed_assistant(tmp_path_factory, embedder):
    """An Assistant over a copy of seeds/, ingested once per run."""
    return _ingested_copy(tmp_path_factory, embedder, SEEDS, "seeds")


@pytest.fixture(scope="session")
def corpus_assistant(tmp_path_factory, embedder):
    """An Assistant over a copy of tests/corpus/, ingested once per run."""
    return _ingested_copy(tmp_path_factory, embedder, CORPUS, "corpus")


# -- scale & reliability fixtures (test_onnx_embed, test_server_mode, test_reliability) -----------
import signal  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _chroma_cli() -> str:
    exe = Path(sys.executable).parent / "chroma"
    found = str(exe) if exe.exists() else shutil.which("chroma")
    if not found:
        pytest.fail("the `chroma` command (from the chromadb package) is not installed")
    return found


class ChromaServer:
    def __init__(self, url: str, proc: subprocess.Popen, path: Path):
        self.url, self.proc, self.path = url, proc, path


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    """A real `chroma run` process on a free loopback port over a temporary folder; stopped at the end."""
    path = tmp_path_factory.mktemp("chroma-server")
    port = _free_port()
    log_path = path / "server.log"
    log = open(log_path, "wb")
    proc = subprocess.Popen([_chroma_cli(), "run", "--path", str(path / "data"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url + "/api/v2/heartbeat", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            log.close()
            pytest.fail(f"chroma server did not start: {log_path.read_text(errors='replace')[-2000:]}")
        time.sleep(0.2)
    try:
        yield ChromaServer(url, proc, path)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
        log.close()
