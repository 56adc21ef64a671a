"""Incremental ingest on a real Chroma store in a temp dir: add, modify, delete, rerun, mismatch."""
import shutil

import pytest

from conftest import CONTAINERS, CORPUS
from rag import Assistant, IngestReport


@pytest.fixture()
def docs(tmp_path):
    d = tmp_path / "docs"
    d.mkdir()
    (d / "alpha.txt").write_text("Alpha report\n\nThe alpha reactor produced 41 megawatts in March, a new record for the plant.\n",
                                 encoding="utf-8")
    (d / "beta.md").write_text("# Beta notes\n\nThe beta team hired seven engineers in Osaka during the spring.\n",
                               encoding="utf-8")
    return d


def _chunk_ids(a: Assistant) -> set[str]:
    return {r.id for r in a.store.iter_records()}


def test_incremental_add_modify_delete_and_noop(docs, tmp_path, embedder):
    a = Assistant(docs_dir=docs, index_dir=tmp_path / "idx", embedder=embedder)
    r1 = a.ingest(progress=False)
    assert (r1.added, r1.updated, r1.removed) == (("alpha.txt", "beta.md"), (), ())
    assert "41 megawatts" in a.ask("How much power did the alpha reactor produce?").text
    ids1 = _chunk_ids(a)

    r2 = a.ingest(progress=False)  # nothing changed: nothing written
    assert r2 == IngestReport(unchanged=("alpha.txt", "beta.md"), seconds=r2.seconds)
    assert _chunk_ids(a) == ids1

    (docs / "alpha.txt").write_text("Alpha report\n\nThe alpha reactor produced 57 megawatts in April after the upgrade.\n",
                                    encoding="utf-8")
    (docs / "gamma.txt").write_text("Gamma memo\n\nThe gamma warehouse in Lyon stores spare turbine blades for the fleet.\n",
                                    encoding="utf-8")
    (docs / "beta.md").unlink()
    r3 = a.ingest(progress=False)
    assert (r3.added, r3.updated, r3.removed, r3.unchanged) == (("gamma.txt",), ("alpha.txt",), ("beta.md",), ())
    sources = {r.meta["source"] for r in a.store.iter_records()}
    assert sources == {"alpha.txt", "gamma.txt"}  # old versions and deleted files are gone
    ans = a.ask("How much power did the alpha reactor produce?")
    assert "57 megawatts" in ans.text and "41" not in ans.text
    assert "Lyon" in a.ask("Where is the gamma warehouse?").text
    assert a.ask("How many engineers did the beta team hire?").abstained
    assert set(a.files()) == {"alpha.txt", "gamma.txt"}
    listed = {d.source: d for d in a.documents()}
    assert sorted(listed) == ["alpha.txt", "gamma.txt"]
    assert listed["gamma.txt"].format == "txt" and listed["gamma.txt"].passages == a.files()["gamma.txt"]
    assert listed["gamma.txt"].size == (docs / "gamma.txt").stat().st_size and listed["gamma.txt"].title

    ids3 = _chunk_ids(a)
    assert a.ingest(progress=False).changed is False
    assert _chunk_ids(a) == ids3


def test_unreadable_files_are_skipped_and_the_rest_ingested(docs, tmp_path, embedder):
    (docs / "image.txt").write_bytes(bytes(range(256)) * 40)  # binary with a .txt name
    (docs / "empty.md").write_text("   \n\n  ", encoding="utf-8")
    (docs / "latin1.txt").write_bytes("Caf\xe9 report\n\nThe caf\xe9 in Montr\xe9al sold 300 cr\xeapes on Sunday morning.\n"
                                      .encode("latin-1"))
    (docs / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0")
    a = Assistant(docs_dir=docs, index_dir=tmp_path / "idx", embedder=embedder)
    report = a.ingest(progress=False)
    skipped = dict(report.skipped)
    assert "binary" in skipped["image.txt"]
    assert "no text" in skipped["empty.md"]
    assert "unsupported" in skipped["photo.jpg"]
    assert set(report.added) == {"alpha.txt", "beta.md", "latin1.txt"}
    ans = a.ask("How many crêpes did the café sell?")
    assert "300" in ans.text
    c = ans.citations[0]
    assert a.source_text(c.source)[c.start:c.end] == c.quote


def test_changed_chunking_rebuilds_instead_of_mixing(docs, tmp_path, embedder):
    idx = tmp_path / "idx"
    Assistant(docs_dir=docs, index_dir=idx, embedder=embedder).ingest(progress=False)
    b = Assistant(docs_dir=docs, index_dir=idx, embedder=embedder, chunk_tokens=64, overlap_tokens=8)
    assert b.store.state() == "mismatch"
    report = b.ingest(progress=False)
    assert set(report.added) == {"alpha.txt", "beta.md"}  # rebuilt from scratch
    assert b.store.state() == "ok"
    assert "41 megawatts" in b.ask("How much power did the alpha reactor produce?").text


def test_a_rebuilt_index_answers_from_its_new_passages_not_the_old_ones(docs, tmp_path, embedder):
    """A configuration change rebuilds the store; the BM25 and vector copies beside it must be rebuilt
    too, though the new store counts its first generation again (they had kept serving the old text)."""
    idx = tmp_path / "idx"
    Assistant(docs_dir=docs, index_dir=idx, embedder=embedder).ingest(progress=False)
    (docs / "alpha.txt").write_text("Alpha report\n\nThe alpha reactor produced 57 megawatts in March, a new record.\n",
                                    encoding="utf-8")
    b = Assistant(docs_dir=docs, index_dir=idx, embedder=embedder, chunk_tokens=64, overlap_tokens=8)
    b.ingest(progress=False)
    ans = b.ask("How much power did the alpha reactor produce?")
    assert "57 megawatts" in ans.text and "41" not in ans.text, ans.text
    assert ans.hits and {h.chunk_id for h in ans.hits} <= _chunk_ids(b)
    fresh = Assistant(docs_dir=docs, index_dir=idx, embedder=embedder, chunk_tokens=64, overlap_tokens=8)
    assert "57 megawatts" in fresh.ask("How much power did the alpha reactor produce?").text  # a new process too


def test_an_index_whose_store_was_removed_answers_from_the_new_one(docs, tmp_path, embedder):
    """Removing the Chroma folder (to force a rebuild) leaves the BM25 and vector copies beside it: the
    new store's first ingest must not find them already built and answer from the old text."""
    idx = tmp_path / "idx"
    a = Assistant(docs_dir=docs, index_dir=idx, embedder=embedder)
    a.ingest(progress=False)
    a.store.close()
    shutil.rmtree(idx / "chroma")
    (docs / "alpha.txt").write_text("Alpha report\n\nThe alpha reactor produced 57 megawatts in March, a new record.\n",
                                    encoding="utf-8")
    b = Assistant(docs_dir=docs, index_dir=idx, embedder=embedder)
    b.ingest(progress=False)
    ans = b.ask("How much power did the alpha reactor produce?")
    assert "57 megawatts" in ans.text and "41" not in ans.text, ans.text


def test_vector_search_is_widened_on_new_and_old_indexes_and_stays_cosine(docs, tmp_path, embedder):
    from rag.store import EF_SEARCH

    def hnsw(a: Assistant, kind: str) -> dict:
        a.store.close()  # read the settings back from disk, not from a cached handle
        return a.store._col(kind).configuration_json["hnsw"]

    a = Assistant(docs_dir=docs, index_dir=tmp_path / "idx", embedder=embedder)
    a.ingest(progress=False)
    for kind in ("chunks", "sentences"):
        assert hnsw(a, kind)["ef_search"] == EF_SEARCH > 100 and hnsw(a, kind)["space"] == "cosine"
        a.store._col(kind).modify(configuration={"hnsw": {"ef_search": 100}})  # an index made before
    assert hnsw(a, "chunks")["ef_search"] == 100
    a.ingest(progress=False)  # nothing changed in the documents: the settings are still brought up
    for kind in ("chunks", "sentences"):
        assert hnsw(a, kind)["ef_search"] == EF_SEARCH and hnsw(a, kind)["space"] == "cosine"
    assert "41 megawatts" in a.ask("How much power did the alpha reactor produce?").text


def test_first_ask_builds_a_missing_index(tmp_path, embedder):
    docs = tmp_path / "docs"
    shutil.copytree(CORPUS, docs)
    a = Assistant(docs_dir=docs, index_dir=tmp_path / "idx", embedder=embedder)
    assert a.store.state() == "missing"
    ans = a.ask(CONTAINERS[0])
    assert CONTAINERS[1] in ans.text
    assert a.store.state() == "ok"


def test_progress_weighs_files_by_size_so_the_time_left_does_not_jump(tmp_path, embedder):
    """Two small notes, then a file twenty times their size: after the notes the run is far from two
    thirds done (files counted alike made the time left grow as the big one started)."""
    d = tmp_path / "docs"
    d.mkdir()
    (d / "a.txt").write_text("The east gate opens at six in the morning.\n", encoding="utf-8")
    (d / "b.txt").write_text("The west gate closes at ten in the evening.\n", encoding="utf-8")
    (d / "c.txt").write_text("\n\n".join(f"Shed {i} stores {i * 3} pallets of roof tiles for the spring repairs."
                                          for i in range(60)), encoding="utf-8")
    seen = []
    Assistant(docs_dir=d, index_dir=tmp_path / "idx", embedder=embedder).ingest(progress=False, on_progress=seen.append)
    small_done = [p.fraction for p in seen if p.stage == "read" and p.source == "c.txt"]
    # read, not yet written: a tenth of their ~2% share of the bytes (counted per file: a tenth of 2/3)
    assert small_done and small_done[0] < 0.02, small_done
    assert seen[-1].fraction == 1.0


def test_progress_advances_with_the_passages_of_one_large_file(tmp_path, embedder):
    # One file of many passages: progress must move while it embeds, not jump from 0 to 1 at the end.
    d = tmp_path / "docs"
    d.mkdir()
    paras = [f"Paragraph {i} says that depot {i} in the northern district holds {i * 7} crates of spare parts, "
             f"counted by the quarterly audit team during inspection round {i}." for i in range(120)]
    (d / "big.txt").write_text("\n\n".join(paras), encoding="utf-8")
    (d / "bad.pdf").write_bytes(b"not a pdf")
    seen = []
    report = Assistant(docs_dir=d, index_dir=tmp_path / "idx", embedder=embedder).ingest(progress=False,
                                                                                        on_progress=seen.append)
    assert report.added == ("big.txt",) and [s for s, _ in report.skipped] == ["bad.pdf"]
    fractions = [p.fraction for p in seen]
    assert fractions == sorted(fractions), "progress never goes back"
    assert len({f for f in fractions if 0 < f < 1}) >= 3
    assert {p.stage for p in seen} >= {"scan", "read", "embed", "store", "done"}
    last = seen[-1]
    assert (last.stage, last.fraction, last.files_done, last.files_total) == ("done", 1.0, 2, 2)
    assert last.chunks_done == report.chunks > 0
    embedding = [p.chunks_done for p in seen if p.stage == "embed"]
    assert embedding == sorted(embedding) and len(set(embedding)) >= 2, "passages counted as they embed"
