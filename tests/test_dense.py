"""The exact vector index (rag.dense): the true nearest records by cosine, the same on every build,
limited to the files asked for, and rebuilt when another process changes the index. Real MiniLM and
Chroma over files written for the test."""
import numpy as np
import pytest

FILES = {
    "lighthouses.md": "# Lighthouses\n\nThe Bell Rock lighthouse stands on a reef off Arbroath. It was lit in 1811.\n\n"
                      "Its keepers lived in the tower for weeks at a time. The lamp burned whale oil at first.",
    "ferries.md": "# Ferries\n\nThe night ferry leaves the harbour at ten. It carries cars, lorries and foot passengers.\n\n"
                  "Tickets are cheaper on weekdays. The crossing takes six hours in calm weather.",
    "orchards.md": "# Orchards\n\nThe orchard grows eleven kinds of apple. Pickers arrive in September.\n\n"
                   "Cider is pressed in the barn each October. The oldest tree was planted in 1902.",
}
QUESTIONS = ["When was the lighthouse lit?", "How long is the ferry crossing?", "What is pressed in the barn?"]


def _assistant(root, embedder):
    from rag import Assistant

    docs = root / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    for name, text in FILES.items():
        (docs / name).write_text(text, encoding="utf-8")
    a = Assistant(docs_dir=docs, index_dir=root / "index", embedder=embedder)
    a.ingest(progress=False)
    a._ensure_ready()
    return a


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory, embedder):
    return (_assistant(tmp_path_factory.mktemp("first"), embedder),
            _assistant(tmp_path_factory.mktemp("second"), embedder))


def test_search_gives_the_exact_nearest_records_by_cosine(two_builds, embedder):
    a = two_builds[0]
    for kind in ("chunks", "sentences"):
        stored = list(a.store.iter_vectors(kind))
        vecs = np.asarray([v for _, _, _, v in stored], dtype=np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        for q in QUESTIONS:
            v = embedder.embed([q])[0]
            cos = vecs @ (v / np.linalg.norm(v))
            want = [stored[i][0] for i in np.argsort(-cos, kind="stable")[:4]]
            got = a._dense.search(kind, v, 4)
            assert [i for i, _ in got] == want
            assert [s for _, s in got] == pytest.approx(sorted(cos, reverse=True)[:4], abs=1e-5)
            # the records come from the index's own copy, as Chroma holds them
            near = a._dense.nearest(kind, v, 4)
            held = {r.id: r for r in a.store.get(kind, want)}
            assert [(r.id, r.text, r.meta) for r in near] == [(i, held[i].text, held[i].meta) for i in want]


def test_two_builds_of_the_same_files_search_alike(two_builds, embedder):
    first, second = two_builds
    for q in QUESTIONS:
        v = embedder.embed([q])[0]
        assert first._dense.search("sentences", v, 10) == second._dense.search("sentences", v, 10)
        assert first.ask(q).text == second.ask(q).text


def test_search_keeps_to_the_files_asked_for(two_builds, embedder):
    a = two_builds[0]
    v = embedder.embed(["When was the lighthouse lit?"])[0]
    found = a._dense.search("sentences", v, 5, frozenset({"ferries.md", "orchards.md"}))
    sources = {r.meta["source"] for r in a.store.get("sentences", [i for i, _ in found])}
    assert found and sources <= {"ferries.md", "orchards.md"}
    assert a._dense.search("sentences", v, 5, frozenset({"missing.md"})) == []
    ans = a.ask("When was the lighthouse lit?", filters={"source": "lighthouses.md"})
    assert ans.citations and all(c.source == "lighthouses.md" for c in ans.citations)


def test_the_documents_listed_from_the_index_are_the_stores(two_builds):
    # titles and filters read the documents' metadata from the index's own copy of the records
    a = two_builds[0]
    manifest, _ = a._ensure_ready()
    assert a._dense.documents() == a.store.live_documents(manifest)
    assert set(a._titles()) == set(FILES) and a._titles()["ferries.md"] == "Ferries"


def test_a_reader_sees_what_another_ingest_added(tmp_path, embedder):
    from rag import Assistant

    reader = _assistant(tmp_path, embedder)
    before = reader._dense.generation
    (tmp_path / "docs" / "bridges.md").write_text(
        "# Bridges\n\nThe swing bridge opens for tall ships twice a day. It was built of iron in 1889.",
        encoding="utf-8")
    Assistant(docs_dir=tmp_path / "docs", index_dir=tmp_path / "index", embedder=embedder).ingest(progress=False)
    ans = reader.ask("When does the swing bridge open?")
    assert reader._dense.generation > before
    assert ans.citations and ans.citations[0].source == "bridges.md"
