"""Public API surface, configuration precedence, bad questions, and the CLI without tracebacks."""
import dataclasses
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import rag
from conftest import CONTAINERS, ROOT
from rag import Answer, Citation, Config, InvalidQuestionError, RagError


def test_public_api_is_small_and_lazy():
    assert {"ask", "Assistant", "Answer", "Citation"} <= set(rag.__all__)
    code = "import rag, sys; print(any(m.split('.')[0] in ('torch','chromadb','llama_index','gradio') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"  # nothing heavy at import time


def test_rag_never_imports_the_web_ui():
    """The web UI (`python -m ui`) and the HTTP API are sibling front-ends over `rag`, not parts of it."""
    import re

    for path in Path(rag.__file__).parent.rglob("*.py"):
        assert not re.search(r"^\s*(from ui\b|import ui\b)", path.read_text(encoding="utf-8"), re.M), path


def test_results_are_frozen():
    c = Citation(1, "a.txt", 0, 3, 1, 1, "abc", 0.5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.n = 2  # type: ignore[misc]
    a = Answer("q", "abc [1]", (c,))
    assert "[1] a.txt, line 1: \u201cabc\u201d" in str(a)


def test_config_precedence(monkeypatch, tmp_path):
    monkeypatch.setenv("RAG_DOCS_DIR", str(tmp_path / "from-env"))
    monkeypatch.setenv("RAG_TOP_K", "7")
    cfg = Config.load()
    assert cfg.docs_dir == (tmp_path / "from-env").resolve() and cfg.top_k == 7
    cfg = Config.load(docs_dir=tmp_path / "explicit", top_k=3)
    assert cfg.docs_dir == (tmp_path / "explicit").resolve() and cfg.top_k == 3
    monkeypatch.delenv("RAG_DOCS_DIR")
    monkeypatch.delenv("RAG_TOP_K")
    assert Config.load().docs_dir == ROOT / "seeds" and Config.load().top_k == 5
    monkeypatch.setenv("RAG_TOP_K", "many")
    with pytest.raises(RagError, match="RAG_TOP_K"):
        Config.load()
    with pytest.raises(RagError, match="unknown config"):
        Config.load(colour="blue")


@pytest.mark.parametrize("question", ["", "   ", "\n\t", None])
def test_empty_question_is_a_clear_error(seed_assistant, question):
    with pytest.raises(InvalidQuestionError, match="empty"):
        seed_assistant.ask(question)


def test_huge_question_is_refused_quickly(seed_assistant):
    t = time.perf_counter()
    with pytest.raises(InvalidQuestionError, match="limit"):
        seed_assistant.ask("tariff " * 20000)
    assert time.perf_counter() - t < 1.0


def test_retrieve_returns_spans_into_the_files(seed_assistant):
    hits = seed_assistant.retrieve("steel and aluminum tariffs", k=5)
    assert 1 <= len(hits) <= 5
    assert hits == sorted(hits, key=lambda h: -h.score)
    for h in hits:
        text = (Path(seed_assistant.config.docs_dir) / h.source).read_text(encoding="utf-8")
        assert 0 <= h.start < h.end <= len(text)
        for sentence in h.text.split(" ")[:3]:
            assert sentence in text[h.start:h.end]


def test_source_text_cannot_escape_the_docs_folder(seed_assistant):
    with pytest.raises(RagError):
        seed_assistant.source_text("../../etc/passwd")


def _cli(*args, env_extra=None):
    env = dict(os.environ, **(env_extra or {}))
    return subprocess.run([sys.executable, "-m", "rag", *args], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=300)


def test_cli_ask_prints_answer_and_sources(corpus_assistant):
    idx = str(corpus_assistant.config.index_dir)
    question, fact = CONTAINERS
    out = _cli("--index", idx, "ask", "--docs", str(corpus_assistant.config.docs_dir), question)
    assert out.returncode == 0, out.stderr
    assert fact in out.stdout and "Sources:" in out.stdout and "[1] elsmere_port.txt, line" in out.stdout


def test_cli_user_mistakes_give_one_line_not_a_traceback(tmp_path):
    out = _cli("--index", str(tmp_path / "idx"), "ask", "--docs", str(tmp_path / "nope"), "anything?")
    assert out.returncode == 2
    assert out.stderr.startswith("error:") and "Traceback" not in out.stderr
    out = _cli("--index", str(tmp_path / "idx"), "ask", "   ")
    assert out.returncode == 2 and "empty" in out.stderr and "Traceback" not in out.stderr


def test_module_level_ask_uses_the_environment(corpus_assistant, monkeypatch):
    question, fact = CONTAINERS
    code = (f"from rag import ask; a = ask({question!r}); "
            "print(a.text); print(a.citations[0].source)")
    env = {"RAG_DOCS_DIR": str(corpus_assistant.config.docs_dir), "RAG_INDEX_DIR": str(corpus_assistant.config.index_dir)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=dict(os.environ, **env),
                         timeout=300)
    assert out.returncode == 0, out.stderr
    assert fact in out.stdout and "elsmere_port.txt" in out.stdout
