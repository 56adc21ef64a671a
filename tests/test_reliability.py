"""Reliability: crash safety under kill -9, concurrent readers and writers, hostile input files."""
from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
import tracemalloc
from pathlib import Path

import pytest

from rag import Assistant, IndexBusyError, InvalidQuestionError
from rag.chunk import chunk_document
from rag.config import PROJECT_ROOT
from rag.embed import word_piece_tokenizer
from rag.ingest import ingest_lock
from rag.read import MAX_FILE_BYTES, file_sha, read_document
from rag.store import is_live

from conftest import CONTAINERS, CORPUS

SEEDS = PROJECT_ROOT / "seeds"
STEEL = "What tariff rate does the U.S. apply to Japanese steel and aluminum?"  # a question to load the system with


def _split_seeds(docs: Path, parts: int = 4) -> None:
    """The two seed files as 2*parts smaller files (paragraph groups): more files, more commit points;
    plus the test corpus, whose known answers the tests check (CONTAINERS, from elsmere_port.txt)."""
    docs.mkdir(parents=True, exist_ok=True)
    for p in CORPUS.iterdir():
        shutil.copy(p, docs / p.name)
    for seed in sorted(SEEDS.glob("*.txt")):
        paras = seed.read_text(encoding="utf-8").split("\n\n")
        step = max(1, len(paras) // parts + 1)
        for i in range(0, len(paras), step):
            (docs / f"{seed.stem}_{i:03d}.txt").write_text("\n\n".join(paras[i:i + step]), encoding="utf-8")


def _expected_ids(a: Assistant, path: Path, source: str) -> tuple[str, set[str]]:
    doc = read_document(path, source)
    cs = chunk_document(doc, word_piece_tokenizer(), a.config.chunk_tokens, a.config.overlap_tokens)
    return doc.sha, {c.id for c in cs}


def _all(store, kind: str) -> list[tuple[str, dict]]:
    return [(r.id, r.meta) for r in store.iter_records(kind)]


def _live_state(store) -> dict[str, tuple[str, set[str]]]:
    """source -> (live sha, ids of its live chunks), as a reader sees it."""
    manifest = store.manifest()
    out = {s: (r.sha, set()) for s, r in manifest.items() if r.sha and not r.deleting}
    for cid, meta in _all(store, "chunks"):
        if is_live(meta, manifest):
            out[meta["source"]][1].add(cid)
    return out


# -- crash safety -------------------------------------------------------------------------------
INGEST_SCRIPT = textwrap.dedent("""
    import sys
    import rag.ingest
    rag.ingest.BATCH_CHUNKS = 6  # many small commits: a kill lands between or inside them
    from rag import Assistant
    a = Assistant(docs_dir=sys.argv[1], index_dir=sys.argv[2])
    print("start", flush=True)
    print(a.ingest(progress=False), flush=True)
""")


def test_kill_9_during_ingest_leaves_a_consistent_store(tmp_path, embedder):
    docs, index = tmp_path / "docs", tmp_path / "index"
    _split_seeds(docs)
    script = tmp_path / "ingest.py"
    script.write_text(INGEST_SCRIPT)
    reader = Assistant(docs_dir=docs, index_dir=index, embedder=embedder)
    versions: dict[str, set[str]] = {}  # sha -> chunk ids of that version of a file
    for p in docs.iterdir():
        sha, ids = _expected_ids(reader, p, p.name)
        versions[sha] = ids
    rng = random.Random(7)
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "HF_HUB_OFFLINE": "1"}
    killed = 0
    for rnd, delay in enumerate([0.3, 1.0, 2.0, 3.5, 5.0]):
        # Change the corpus each round so every run has writes, updates and removals to be cut short.
        files = sorted(docs.iterdir())
        files[rnd % len(files)].write_text(files[rnd % len(files)].read_text() + f"\n\nRound {rnd} added this line.\n")
        if rnd == 2:
            files[-1].unlink()
        if rnd == 3:
            (docs / "new_round3.txt").write_text("Round three brought a new file about quokka exports to Peru.\n")
        for p in docs.iterdir():
            sha, ids = _expected_ids(reader, p, p.name)
            versions[sha] = ids
        proc = subprocess.Popen([sys.executable, str(script), str(docs), str(index)], env=env, cwd=tmp_path,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert proc.stdout.readline().strip() == "start"
        time.sleep(delay + rng.uniform(0, 0.5))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed += 1
        proc.wait(30)
        # What a reader sees right after the crash: every live file version complete, nothing half-written.
        if reader.store.state() == "ok":
            for source, (sha, ids) in _live_state(reader.store).items():
                assert sha in versions and ids == versions[sha], f"round {rnd}: {source} is half-written"
            reader._generation = -1  # as a new process would
            for h in reader.retrieve(CONTAINERS[0]):
                assert h.chunk_id in versions[reader.store.manifest()[h.source].sha]
    assert killed >= 3  # the kills really interrupted ingests

    report = Assistant(docs_dir=docs, index_dir=index, embedder=embedder).ingest(progress=False)
    assert not report.skipped
    clean = Assistant(docs_dir=docs, index_dir=tmp_path / "clean", embedder=embedder)
    clean.ingest(progress=False)
    store, ref = reader.store, clean.store
    assert all(not r.pending and not r.deleting for r in store.manifest().values())
    assert store.manifest() == ref.manifest()
    chunks = [cid for cid, _ in _all(store, "chunks")]
    assert len(chunks) == len(set(chunks))
    assert set(chunks) == {cid for cid, _ in _all(ref, "chunks")}
    sents = _all(store, "sentences")
    assert {sid for sid, _ in sents} == {sid for sid, _ in _all(ref, "sentences")}  # no orphans
    manifest = store.manifest()
    assert all(is_live(m, manifest) for _, m in sents)
    reader._generation = -1
    assert CONTAINERS[1] in reader.ask(CONTAINERS[0]).text


# -- concurrency ----------------------------------------------------------------------------------
QUESTIONS = [
    "Who is Japan's chief trade negotiator in the tariff talks?",
    STEEL,
    "How many people does Japan's auto sector employ?",
    "What across-the-board tariff rate will Japan face if the reciprocal tariffs return to their original level?",
]


def test_16_threads_get_their_own_answers(seed_assistant):
    import json

    qa = PROJECT_ROOT.parent / "shared" / "eval" / "seed_qa.jsonl"  # absent in a bare clone: use QUESTIONS
    qs = [json.loads(line)["question"] for line in (qa.read_text().splitlines() if qa.exists() else [])
          if line.strip() and "history" not in json.loads(line)][:16]
    if len(qs) < 16:
        qs = (qs + QUESTIONS * 16)[:16]
    expected = {q: seed_assistant.ask(q) for q in qs}
    got, errors = {}, []
    barrier = threading.Barrier(len(qs))

    def work(q):
        try:
            barrier.wait()
            got[q] = seed_assistant.ask(q)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append((q, e))

    threads = [threading.Thread(target=work, args=(q,)) for q in qs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    for q in qs:
        assert got[q].question == q
        assert got[q].text == expected[q].text
        assert [(c.source, c.start, c.end) for c in got[q].citations] == \
               [(c.source, c.start, c.end) for c in expected[q].citations]


def test_query_during_ingest_and_ingests_serialised(tmp_path, embedder):
    docs, index = tmp_path / "docs", tmp_path / "index"
    _split_seeds(docs)
    a = Assistant(docs_dir=docs, index_dir=index, embedder=embedder)
    a.ingest(progress=False)
    for i in range(3):
        shutil.copy(next(iter(sorted(SEEDS.glob("*.txt")))), docs / f"copy{i}.txt")
    b = Assistant(docs_dir=docs, index_dir=index, embedder=embedder)  # a second writer on the same index
    reports, errors, answers = [], [], []

    def ingest(x):
        try:
            reports.append(x.ingest(progress=False))
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    writers = [threading.Thread(target=ingest, args=(x,)) for x in (a, b)]
    for w in writers:
        w.start()
    while any(w.is_alive() for w in writers):
        answers.append(a.ask(CONTAINERS[0]))
        time.sleep(0.05)
    for w in writers:
        w.join()
    assert not errors and len(reports) == 2
    # Serialised: one ingest wrote the three copies, the other found them unchanged.
    added = sorted(len(r.added) for r in reports)
    assert added == [0, 3], [str(r) for r in reports]
    assert answers and all(CONTAINERS[1] in ans.text for ans in answers)
    chunks = [cid for cid, _ in _all(a.store, "chunks")]
    assert len(chunks) == len(set(chunks)) == sum(a.files().values())


def test_ingest_lock_excludes_a_second_holder(tmp_path):
    with ingest_lock(tmp_path, 1.0):
        t0 = time.monotonic()
        with pytest.raises(IndexBusyError):
            with ingest_lock(tmp_path, 0.3):  # a separate open file: flock conflicts as across processes
                pass
        assert time.monotonic() - t0 >= 0.3
    with ingest_lock(tmp_path, 0.1):  # released
        pass


# -- hostile input ----------------------------------------------------------------------------
CP1252 = ("Le café de Müller à Zürich exporte des crèmes brûlées. Le tarif douanier sur la crème "
          "brûlée française était de 37 pour cent selon le négociateur Gérard Dupré. ") * 4


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    from rag.embed import make_embedder

    base = tmp_path_factory.mktemp("hostile")
    docs = base / "docs"
    shutil.copytree(SEEDS, docs)
    for p in CORPUS.iterdir():
        shutil.copy(p, docs / p.name)
    (docs / "binary.txt").write_bytes(bytes(random.Random(1).randrange(256) for _ in range(5000)) + b"\x00" * 50)
    (docs / "latin.txt").write_bytes(CP1252.encode("cp1252"))
    (docs / "empty.txt").write_bytes(b"")
    (docs / "blank.md").write_text("  \n\t\n   \n")
    with open(docs / "huge.txt", "wb") as fh:  # 50 MB of real text
        line = b"This line repeats to make a very large text file about nothing in particular.\n"
        for _ in range(50 * 2**20 // len(line) + 1):
            fh.write(line)
    (docs / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer garbage")
    os.symlink(docs / "loop_b.txt", docs / "loop_a.txt")
    os.symlink(docs / "loop_a.txt", docs / "loop_b.txt")
    os.symlink(docs, docs / "subloop")  # a folder linking to itself
    a = Assistant(docs_dir=docs, index_dir=base / "index", embedder=make_embedder("minilm"))
    report = a.ingest(progress=False)
    return a, report, dict(report.skipped)


@pytest.mark.parametrize("name, reason", [
    ("binary.txt", "binary"),
    ("empty.txt", "no text"),
    ("blank.md", "no text"),
    ("huge.txt", "over the 20 MB limit"),
    ("broken.pdf", "not a readable PDF"),
    ("loop_a.txt", "link"),
    ("loop_b.txt", "link"),
])
def test_hostile_file_is_skipped_with_a_reason(hostile, name, reason):
    _, _, skipped = hostile
    assert name in skipped, skipped
    assert reason in skipped[name]


def test_rest_of_corpus_is_ingested_and_answerable(hostile):
    a, report, skipped = hostile
    assert sorted(report.added) == sorted([p.name for p in SEEDS.glob("*.txt")] + [p.name for p in CORPUS.iterdir()]
                                          + ["latin.txt"])
    assert not any(s.startswith("subloop/") for s in list(a.files()) + list(skipped))
    ans = a.ask(CONTAINERS[0])
    assert CONTAINERS[1] in ans.text and ans.citations


def test_non_utf8_text_is_decoded(hostile):
    a, _, _ = hostile
    assert "crème brûlée" in a.source_text("latin.txt")
    # The decoded words are searchable (BM25 and vectors see "crème brûlée", not mojibake) ...
    hits = a.retrieve("tarif douanier crème brûlée Gérard Dupré", k=3)
    assert hits and hits[0].source == "latin.txt" and "37 pour cent" in hits[0].text
    # ... and citable: quotes are verbatim spans of the decoded text
    ans = a.ask("Quel était le tarif douanier sur la crème brûlée selon Gérard Dupré ?")
    cites = [c for c in ans.citations if c.source == "latin.txt"]
    assert cites
    text = a.source_text("latin.txt")
    assert all(text[c.start:c.end] == c.quote for c in cites)


def test_huge_file_is_refused_without_reading_it(hostile):
    a, _, _ = hostile
    path = Path(a.config.docs_dir) / "huge.txt"
    assert path.stat().st_size > MAX_FILE_BYTES
    tracemalloc.start()
    try:
        with pytest.raises(Exception, match="over the 20 MB limit"):
            read_document(path, "huge.txt")
        file_sha(path)  # hashed in blocks
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2**20, f"peak {peak / 2**20:.1f} MB"


def test_100k_character_question_fails_fast(hostile):
    a, _, _ = hostile
    t0 = time.perf_counter()
    with pytest.raises(InvalidQuestionError, match="limit"):
        a.ask("why " * 25_000)
    assert time.perf_counter() - t0 < 0.5
