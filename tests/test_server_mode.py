"""The same core checks with an embedded Chroma (PersistentClient) and a real Chroma server process."""
from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest

from rag import Assistant, IndexStateError
from rag.config import PROJECT_ROOT

SEEDS = PROJECT_ROOT / "seeds"
STEEL = "What tariff rate does the U.S. apply to Japanese steel and aluminum?"
NEW_FACT = "The Zorblax Treaty on tariffs was signed in Reykjavik by 14 delegates in 2031."


@pytest.fixture(params=["embedded", "server"])
def make_assistant(request, tmp_path, embedder):
    """A factory: Assistant(index_dir=...) over tmp docs, embedded or against the session's Chroma server."""
    docs = tmp_path / "docs"
    shutil.copytree(SEEDS, docs)
    url = request.getfixturevalue("chroma_server").url if request.param == "server" else ""
    collection = f"t{uuid.uuid4().hex[:12]}"  # tests share the server: one collection set each

    def make(index_name: str = "index") -> Assistant:
        return Assistant(docs_dir=docs, index_dir=tmp_path / index_name, embedder=embedder,
                         chroma_url=url, collection=collection)

    make.docs, make.mode = docs, request.param
    return make


def _check_citations(ans, docs: Path):
    assert ans.citations and not ans.abstained
    for c in ans.citations:
        assert (docs / c.source).read_text(encoding="utf-8")[c.start:c.end] == c.quote


def test_core_flow(make_assistant):
    docs = make_assistant.docs
    a = make_assistant()
    names = sorted(p.name for p in docs.iterdir())

    r = a.ingest(progress=False)
    assert sorted(r.added) == names and r.chunks > 0 and not r.skipped
    first_chunks = a.files()
    assert sorted(first_chunks) == names and all(n > 0 for n in first_chunks.values())

    ans = a.ask(STEEL)
    assert "50%" in ans.text
    _check_citations(ans, docs)

    r = a.ingest(progress=False)  # nothing changed
    assert sorted(r.unchanged) == names and r.chunks == 0 and not r.changed

    target = docs / names[0]
    target.write_text(target.read_text(encoding="utf-8") + "\n\n" + NEW_FACT + "\n", encoding="utf-8")
    r = a.ingest(progress=False)
    assert r.updated == (names[0],) and sorted(r.unchanged) == names[1:]
    ans = a.ask("Where was the Zorblax Treaty signed?")
    assert "Reykjavik" in ans.text
    _check_citations(ans, docs)
    # The old version is gone: chunk counts per file match a fresh count of live chunks only.
    assert a.store.count("chunks") == sum(a.files().values())

    (docs / names[1]).unlink()
    r = a.ingest(progress=False)
    assert r.removed == (names[1],)
    assert sorted(a.files()) == [names[0]]
    ans = a.ask(STEEL)
    assert all(c.source == names[0] for c in ans.citations)
    assert a.store.count("chunks") == sum(a.files().values())


def test_second_client_rebuilds_bm25_locally(make_assistant):
    """Another assistant (new process, other index_dir) reads the same store; BM25 is rebuilt from it."""
    a = make_assistant("index-a")
    a.ingest(progress=False)
    if make_assistant.mode == "embedded":
        b = Assistant(config=a.config, embedder=a.embedder)  # same folder, a fresh reader
    else:
        b = make_assistant("index-b")  # an empty local folder: everything comes from the server
    ans = b.ask(STEEL)
    assert "50%" in ans.text
    _check_citations(ans, make_assistant.docs)
    lex = Path(b.config.index_dir) / "lexical" / "bm25.json"
    assert lex.exists()
    assert b.store.generation() == a.store.generation()


def test_unreachable_server_is_a_clear_error(tmp_path, embedder):
    from conftest import _free_port

    a = Assistant(docs_dir=SEEDS, index_dir=tmp_path / "i", embedder=embedder,
                  chroma_url=f"http://127.0.0.1:{_free_port()}")
    with pytest.raises(IndexStateError, match="cannot reach the Chroma server"):
        a.ask(STEEL)
