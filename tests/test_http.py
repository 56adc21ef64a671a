"""The HTTP API on a real uvicorn server (a thread, free loopback port), driven by the official
`openai` client and httpx: verbatim citations, streaming, follow-ups, declines, metadata filters,
collections with uploads, API keys, concurrency and bad requests. Small corpora written here."""
import concurrent.futures
import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import openai
import pytest
import uvicorn

from conftest import ROOT
from rag import Config, Filters, InvalidFilterError, Library, RagError, read_document
from rag.http import create_app
from rag.http.auth import check_exposure, load_keys

KEY = "test-key-7f3a9c"
DOCS = {
    "alpha.txt": "Alpha report\n\nThe alpha reactor produced 41 megawatts in March, a new record for the plant.\n\n"
                 "The reactor is cooled by water drawn from the river Lenne.\n\n"
                 "The alpha reactor is located in Essen, an hour from the coast.\n",
    "beta.md": "# Beta notes\n\nThe beta team hired seven engineers in Osaka during the spring.\n\n"
               "The beta team builds the control software for the turbines.\n",
    "gamma.txt": "Gamma memo\n\nThe gamma warehouse stores spare turbine blades for the fleet.\n\n"
                 "The gamma warehouse is located in Lyon, next to the freight station.\n",
    "reports/harbor.html": "<html><head><title>Harbor Dredging Plan</title><meta name='author' content='Maria Lopez'>"
                           "<meta name='date' content='2023-06-14'></head><body><article><h1>Harbor Dredging Plan</h1>"
                           "<p>The harbor dredging will remove 90,000 cubic meters of silt from the north basin before "
                           "the autumn storms arrive.</p><p>Dredging work is scheduled to start in early September and "
                           "finish within eight weeks.</p></article></body></html>",
}
QUESTIONS = {  # question -> (words the answer must hold, cited file)
    "How much power did the alpha reactor produce?": ("41 megawatts", "alpha.txt"),
    "How many engineers did the beta team hire?": ("seven engineers", "beta.md"),
    "Where is the gamma warehouse located?": ("Lyon", "gamma.txt"),
    "How much silt will the harbor dredging remove?": ("90,000 cubic meters", "reports/harbor.html"),
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, app):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(10)


def docs_library(base, embedder) -> Library:
    """DOCS written under `base`/docs and indexed as the default collection of a Library in `base`."""
    docs = base / "docs"
    for name, text in DOCS.items():
        (docs / name).parent.mkdir(parents=True, exist_ok=True)
        (docs / name).write_text(text, encoding="utf-8")
    lib = Library(Config.load(docs_dir=docs, index_dir=base / "index"), embedder=embedder, root=base / "collections")
    lib.get().ingest(progress=False)
    return lib


@pytest.fixture(scope="module")
def api(tmp_path_factory, embedder):
    base = tmp_path_factory.mktemp("http")
    lib, docs = docs_library(base, embedder), base / "docs"
    with Server(create_app(lib, keys=(KEY, "second-key"))) as server:
        server.docs, server.library = docs, lib
        yield server


@pytest.fixture()
def client(api):
    return openai.OpenAI(base_url=api.url + "/v1", api_key=KEY, max_retries=0, timeout=60)


@pytest.fixture()
def http(api):
    with httpx.Client(base_url=api.url, headers={"Authorization": f"Bearer {KEY}"}, timeout=60) as c:
        yield c


def _check_verbatim(citations, docs):
    assert citations
    for c in citations:
        assert read_document(docs / c["source"]).text[c["start"]:c["end"]] == c["quote"]
        assert {"n", "source", "start", "end", "line_start", "line_end", "page", "quote", "score"} <= set(c)


def test_answer_with_verbatim_citations_through_the_openai_client(api, client):
    assert [m.id for m in client.models.list()] == ["default"]
    r = client.chat.completions.create(model="default", messages=[
        {"role": "system", "content": "Answer from the documents."},
        {"role": "user", "content": "How much silt will the harbor dredging remove?"}])
    text = r.choices[0].message.content
    assert "90,000 cubic meters" in text and "[1]" in text and r.choices[0].finish_reason == "stop"
    extra = r.model_extra
    assert extra["abstained"] is False
    _check_verbatim(extra["citations"], api.docs)
    assert extra["citations"][0]["source"] == "reports/harbor.html"
    assert r.usage.completion_tokens == len(text.split()) and r.usage.total_tokens > r.usage.completion_tokens


def test_streaming_matches_the_answer_and_ends_with_citations(api, client, http):
    q = "How many engineers did the beta team hire?"
    chunks = list(client.chat.completions.create(model="default", stream=True,
                                                 messages=[{"role": "user", "content": q}]))
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop" and last.model_extra["abstained"] is False
    _check_verbatim(last.model_extra["citations"], api.docs)
    whole = http.post("/v1/chat/completions", json={"model": "default", "messages": [{"role": "user", "content": q}]})
    assert text == whole.json()["choices"][0]["message"]["content"]
    assert last.model_extra["citations"] == whole.json()["citations"]
    raw = http.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": q}], "stream": True})
    assert raw.headers["content-type"].startswith("text/event-stream")
    assert raw.text.rstrip().endswith("data: [DONE]")


def test_follow_up_uses_the_earlier_turns(client):
    """The same follow-up after two different first questions: the earlier turns decide the answer."""
    for first, place, source, topic in (
            ("How much power did the alpha reactor produce?", "Essen", "alpha.txt", "the alpha reactor"),
            ("Where are spare turbine blades stored?", "Lyon", "gamma.txt", "spare turbine blades")):
        a1 = client.chat.completions.create(model="default", messages=[{"role": "user", "content": first}])
        a2 = client.chat.completions.create(model="default", messages=[
            {"role": "user", "content": first}, {"role": "assistant", "content": a1.choices[0].message.content},
            {"role": "user", "content": "Where is it located?"}])
        assert place in a2.choices[0].message.content
        assert a2.model_extra["citations"][0]["source"] == source
        # the follow-up as it was searched for: its "it" is what the first question asked about
        assert topic in a2.model_extra["resolved_question"]
        assert "resolved_question" not in a1.model_extra  # a question that stands alone resolves to nothing


def test_decline_when_the_documents_do_not_say(client):
    r = client.chat.completions.create(model="default", messages=[
        {"role": "user", "content": "Who won the 1998 football world cup final?"}])
    assert r.model_extra["abstained"] is True and r.model_extra["citations"] == []
    assert "[1]" not in r.choices[0].message.content


def test_filters_restrict_chat_and_search(api, client, http):
    q = "How much power did the alpha reactor produce?"
    r = client.chat.completions.create(model="default", messages=[{"role": "user", "content": q}])
    assert r.model_extra["citations"][0]["source"] == "alpha.txt"
    r = client.chat.completions.create(model="default", messages=[{"role": "user", "content": q}],
                                       extra_body={"filters": {"format": ["md", "html"]}})
    assert "41 megawatts" not in r.choices[0].message.content
    assert all(c["source"] != "alpha.txt" for c in r.model_extra["citations"])
    hits = http.post("/v1/collections/default/search", json={"query": "turbine", "k": 10,
                                                              "filters": {"source": "*.md"}}).json()["data"]
    assert hits and {h["source"] for h in hits} == {"beta.md"}
    for h in hits:
        assert read_document(api.docs / h["source"]).text[h["start"]:h["end"]] in h["text"] or h["text"]
    by_meta = http.post("/v1/collections/default/search", json={"query": "work schedule", "filters": {
        "author": "lopez", "date_from": "2023-06", "date_to": "2023"}}).json()["data"]
    assert {h["source"] for h in by_meta} == {"reports/harbor.html"}
    none = http.post("/v1/collections/default/search", json={"query": "work schedule", "filters": {
        "date_from": "2024"}}).json()["data"]
    assert none == []
    bad = http.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": q}],
                                                  "filters": {"colour": "red"}})
    assert bad.status_code == 400 and "colour" in bad.json()["error"]["message"]


def test_collection_upload_ingest_answer_delete(api, client, http):
    q = "What colour are the delta submarines painted?"
    assert http.post("/v1/collections", json={"name": "team-b"}).status_code == 201
    assert http.post("/v1/collections", json={"name": "team-b"}).status_code == 409
    assert http.post("/v1/collections", json={"name": "Bad Name!"}).status_code == 400
    assert [m.id for m in client.models.list()] == ["default", "team-b"]
    text = b"Delta fleet\n\nThe delta submarines are painted bright yellow for visibility under the ice.\n"
    r = http.post("/v1/collections/team-b/documents", files={"file": ("delta.txt", text, "text/plain")})
    assert r.status_code == 202 and r.json()["saved"] == ["delta.txt"]
    _wait_ingest(http, "team-b")
    ans = client.chat.completions.create(model="team-b", messages=[{"role": "user", "content": q}])
    assert "yellow" in ans.choices[0].message.content
    cit = ans.model_extra["citations"][0]
    assert cit["source"] == "delta.txt"
    docs_b = api.library.get("team-b").config.docs_dir
    assert read_document(docs_b / "delta.txt").text[cit["start"]:cit["end"]] == cit["quote"]
    listing = http.get("/v1/collections/team-b/documents").json()["data"]
    assert [d["source"] for d in listing] == ["delta.txt"] and listing[0]["passages"] >= 1
    # the default collection is untouched
    assert client.chat.completions.create(model="default", messages=[
        {"role": "user", "content": q}]).model_extra["abstained"] is True
    assert not (api.docs / "delta.txt").exists()
    # a failed upload changes nothing: a bad second file rolls back the first
    bad = http.post("/v1/collections/team-b/documents", files=[("file", ("ok.txt", b"Fine text here.\n", "text/plain")),
                                                              ("file", ("tool.exe", b"MZ\x00\x01", "application/x"))])
    assert bad.status_code == 400 and "unsupported" in bad.json()["error"]["message"]
    empty = http.post("/v1/collections/team-b/documents", files={"file": ("empty.txt", b"", "text/plain")})
    assert empty.status_code == 400
    assert sorted(p.name for p in docs_b.iterdir()) == ["delta.txt"]
    # remove the document, re-index, and the collection no longer knows
    assert http.delete("/v1/collections/team-b/documents/missing.txt").status_code == 404
    assert http.delete("/v1/collections/team-b/documents", params={"source": "missing.txt"}).status_code == 404
    assert http.delete("/v1/collections/team-b/documents/delta.txt").status_code == 202
    _wait_ingest(http, "team-b")
    assert client.chat.completions.create(model="team-b", messages=[
        {"role": "user", "content": q}]).model_extra["abstained"] is True
    assert http.delete("/v1/collections/default").status_code == 400
    assert http.delete("/v1/collections/team-b").status_code == 200
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="team-b", messages=[{"role": "user", "content": q}])
    assert http.get("/v1/collections/team-b/documents").status_code == 404
    assert [m.id for m in client.models.list()] == ["default"]


def _wait_ingest(http, name: str) -> dict:
    deadline = time.monotonic() + 120
    while True:
        st = http.get(f"/v1/collections/{name}/ingest").json()
        if st["state"] in ("done", "failed"):
            assert st["state"] == "done", st
            assert st["progress"]["stage"] == "done" and "added" in st["report"]
            return st
        assert time.monotonic() < deadline, st
        time.sleep(0.1)


def test_missing_or_wrong_key_is_refused(api):
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": f"Basic {KEY}"}):
        r = httpx.get(api.url + "/v1/models", headers=headers)
        assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_api_key"
    assert httpx.get(api.url + "/v1/models", headers={"Authorization": "Bearer second-key"}).status_code == 200
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=api.url + "/v1", api_key="wrong", max_retries=0).models.list()


def test_sixteen_concurrent_clients_get_their_own_answers(api):
    jobs = [q for q in QUESTIONS for _ in range(4)]

    def one(q):
        c = openai.OpenAI(base_url=api.url + "/v1", api_key=KEY, max_retries=0, timeout=120)
        r = c.chat.completions.create(model="default", messages=[{"role": "user", "content": q}])
        return q, r.choices[0].message.content, r.model_extra["citations"]

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        results = list(pool.map(one, jobs))
    for q, text, citations in results:
        words, source = QUESTIONS[q]
        assert words in text and citations[0]["source"] == source, (q, text)


def test_bad_requests_get_4xx_and_the_server_keeps_serving(api, http):
    big = json.dumps({"model": "default", "messages": [{"role": "user", "content": "x" * (10 << 20)}]})
    r = http.post("/v1/chat/completions", content=big, headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["error"]["type"] == "request_too_large"
    chunked = http.post("/v1/chat/completions", content=(b"x" * (1 << 20) for _ in range(10)),
                        headers={"Content-Type": "application/json"})  # no Content-Length: counted as it comes
    assert chunked.status_code == 413
    for body in (b"{not json", b'{"messages": "hello"}', b'{"messages": []}', b"[]"):
        r = http.post("/v1/chat/completions", content=body, headers={"Content-Type": "application/json"})
        assert r.status_code == 400 and "message" in r.json()["error"], body
    for msgs in ([{"role": "user", "content": "   "}], [{"role": "assistant", "content": "hi"}]):
        assert http.post("/v1/chat/completions", json={"messages": msgs}).status_code == 400
    assert http.post("/v1/chat/completions", json={"model": "nope", "messages": [
        {"role": "user", "content": "hi"}]}).status_code == 404
    assert http.get("/v1/nothing-here").status_code == 404
    r = http.post("/v1/chat/completions", json={"stream": True, "messages": [{"role": "user", "content": ""}]})
    assert r.status_code == 400 and r.headers["content-type"] == "application/json"  # not a broken stream
    assert http.post("/v1/collections/default/search", json={"query": "x", "k": 500}).status_code == 400
    r = http.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": "Where is the gamma warehouse located?"}]})
    assert r.status_code == 200 and "Lyon" in r.json()["choices"][0]["message"]["content"]


def test_hostile_requests_get_a_4xx_not_a_500(api, http):
    """The holes a probe found: each malformed request gets a 4xx JSON error naming the problem."""
    def post(path, body):
        # json.dumps escapes a lone surrogate as \ud800: valid JSON that decodes to a string no encoder takes
        return http.post(path, content=json.dumps(body), headers={"Content-Type": "application/json"})

    lone = "What is \ud800 here?"
    for stream in (False, True):
        r = post("/v1/chat/completions", {"stream": stream, "messages": [{"role": "user", "content": lone}]})
        assert r.status_code == 400 and "not valid text" in r.json()["error"]["message"]
    assert post("/v1/collections/default/search", {"query": lone}).status_code == 400
    r = post("/v1/chat/completions", {"messages": [{"role": "user", "content": [{"type": "text", "text": 5}]}]})
    assert r.status_code == 400 and "string" in r.json()["error"]["message"]
    for date in ("2023-02-30", "2023-13"):
        r = post("/v1/chat/completions", {"messages": [{"role": "user", "content": "Where is the gamma warehouse?"}],
                                          "filters": {"date_from": date}})
        assert r.status_code == 400 and date in r.json()["error"]["message"]
    # a filter no document passes says so, instead of "the documents don't say"
    r = post("/v1/chat/completions", {"messages": [{"role": "user", "content": "Where is the gamma warehouse?"}],
                                      "filters": {"source": "no-such-folder/*"}})
    assert r.status_code == 200 and r.json()["abstained"] and "No document matches the filters" in \
        r.json()["choices"][0]["message"]["content"]
    docs = api.docs
    before = sorted(p.name for p in docs.rglob("*"))
    long_name = "\u00e9" * 190 + ".txt"  # 194 characters, 384 bytes in UTF-8: more than a file system takes
    r = http.post("/v1/collections/default/documents", params={"ingest": "false"},
                  files={"file": (long_name, b"Some text.\n", "text/plain")})
    assert r.status_code == 400 and "bytes" in r.json()["error"]["message"]
    r = http.post("/v1/collections/default/documents", params={"ingest": "false"},
                  files=[("file", ("twice.txt", b"First.\n", "text/plain")), ("file", ("twice.txt", b"Second.\n", "text/plain"))])
    assert r.status_code == 400 and "twice.txt" in r.json()["error"]["message"]
    assert sorted(p.name for p in docs.rglob("*")) == before  # nothing written


def test_a_non_ascii_key_matches(tmp_path, embedder):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("The alpha reactor produced 41 megawatts.\n", encoding="utf-8")
    lib = Library(Config.load(docs_dir=docs, index_dir=tmp_path / "index"), embedder=embedder, root=tmp_path / "c")
    key = "cl\u00e9-secr\u00e8te"
    with Server(create_app(lib, keys=(key,))) as srv:
        ok = httpx.get(srv.url + "/v1/models", headers={"Authorization": f"Bearer {key}".encode("utf-8")})
        wrong = httpx.get(srv.url + "/v1/models", headers={"Authorization": b"Bearer cl\xe9-secr\xe8te"})  # latin-1
    assert ok.status_code == 200 and wrong.status_code == 401


def test_keys_and_exposure(tmp_path):
    f = tmp_path / "keys"
    f.write_text("# team keys\nk1\n\nk2\n")
    assert load_keys({"RAG_API_KEYS": "a, b,", "RAG_API_KEYS_FILE": str(f)}) == ("a", "b", "k1", "k2")
    check_exposure("127.0.0.1", ())
    check_exposure("0.0.0.0", ("k",))
    with pytest.raises(RagError, match="RAG_API_KEYS"):
        check_exposure("0.0.0.0", ())
    env = {"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", "RAG_API_KEYS": ""}
    out = subprocess.run([sys.executable, "-m", "rag", "serve", "--host", "0.0.0.0"], capture_output=True,
                         text=True, cwd=ROOT, env=env, timeout=60)
    assert out.returncode == 2 and out.stderr.startswith("error: refusing to serve on 0.0.0.0")


def test_filters_parse_and_match():
    f = Filters.from_dict({"source": "reports/*", "format": ".HTM", "author": "lopez", "date_to": "2023-06"})
    assert f == Filters(("reports/*",), ("html",), "", "lopez", "", "2023-06")
    doc = {"source": "reports/harbor.html", "format": "html", "title": "Harbor", "author": "Maria Lopez",
           "date": "2023-06-14"}
    assert f.matches(doc)
    assert not f.matches({**doc, "date": "2023-07-01"}) and not f.matches({**doc, "date": ""})
    assert not f.matches({**doc, "source": "harbor.html"})
    assert Filters.coerce({}) is None and Filters.coerce(None) is None
    assert f.to_where({"reports/harbor.html": doc, "a.txt": {"source": "a.txt"}}) == {
        "source": {"$in": ["reports/harbor.html"]}}
    for bad in ({"colour": "red"}, {"format": "exe"}, {"date_from": "June"}, {"title": 3}, {"source": []},
                {"date_from": "2024", "date_to": "2023"}, "pdf"):
        with pytest.raises(InvalidFilterError):
            Filters.from_dict(bad)


def test_source_filter_of_many_names_matches_as_globs():
    # a list of names picked one by one is looked up as a set; patterns among them still match as globs
    names = [f"notes/day-{i}.md" for i in range(500)]
    f = Filters.from_dict({"source": names + ["reports/*.pdf", "c[12].txt"]})
    docs = {s: {"source": s} for s in ["notes/day-7.md", "notes/day-700.md", "reports/q1/a.pdf", "c2.txt",
                                       "c[12].txt", "notes/day-7.mdx"]}
    assert f.allowed(docs) == {"notes/day-7.md", "reports/q1/a.pdf", "c2.txt"}


def test_library_collections_are_apart(tmp_path, embedder):
    lib = Library(Config.load(docs_dir=tmp_path / "d", index_dir=tmp_path / "i"), embedder=embedder,
                  root=tmp_path / "cols")
    (tmp_path / "d").mkdir()
    a = lib.create("proj-1")
    assert lib.names() == ["default", "proj-1"] and lib.get("proj-1") is a
    assert a.config.docs_dir == (tmp_path / "cols" / "proj-1" / "docs").resolve()
    assert a.config.index_dir == (tmp_path / "cols" / "proj-1" / "index").resolve()
    assert a.store._name("chunks") != lib.get().store._name("chunks") == "rag_chunks"
    assert a.embedder is lib.get().embedder
    with pytest.raises(RagError):
        lib.create("../x")
    with pytest.raises(RagError):
        lib.delete("default")
    lib.delete("proj-1")
    assert lib.names() == ["default"] and not (tmp_path / "cols" / "proj-1").exists()
    from rag import NotFoundError

    with pytest.raises(NotFoundError):
        lib.get("proj-1")


def test_unreachable_chroma_server_is_503(tmp_path, embedder):
    cfg = Config.load(docs_dir=tmp_path, index_dir=tmp_path / "i", chroma_url=f"http://127.0.0.1:{_free_port()}")
    with Server(create_app(Library(cfg, embedder=embedder, root=tmp_path / "c"))) as server:
        r = httpx.post(server.url + "/v1/chat/completions", json={"messages": [{"role": "user", "content": "hi"}]},
                       timeout=60)
        assert r.status_code == 503 and "cannot reach the Chroma server" in r.json()["error"]["message"]
        assert httpx.get(server.url + "/health").status_code == 200


@pytest.mark.server
def test_collections_stay_apart_on_a_chroma_server(tmp_path, embedder, chroma_server):
    import chromadb

    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "alpha.txt").write_text(DOCS["alpha.txt"], encoding="utf-8")
    cfg = Config.load(docs_dir=tmp_path / "d", index_dir=tmp_path / "i", chroma_url=chroma_server.url,
                      collection="default")
    lib = Library(cfg, embedder=embedder, root=tmp_path / "cols")
    lib.get().ingest(progress=False)
    b = lib.create("srv-b")
    (b.config.docs_dir / "gamma.txt").write_text(DOCS["gamma.txt"], encoding="utf-8")
    b.ingest(progress=False)
    assert "Lyon" in b.ask("Where is the gamma warehouse located?").text
    assert lib.get().ask("Where is the gamma warehouse located?").abstained
    assert b.ask("How much power did the alpha reactor produce?").abstained
    names = {c.name if hasattr(c, "name") else c for c in
             chromadb.HttpClient(host="127.0.0.1", port=int(chroma_server.url.rsplit(":", 1)[1])).list_collections()}
    assert {"rag-srv-b_chunks", "rag-srv-b_sentences", "rag-srv-b_files"} <= names
    lib.delete("srv-b")
    names = {c.name if hasattr(c, "name") else c for c in
             chromadb.HttpClient(host="127.0.0.1", port=int(chroma_server.url.rsplit(":", 1)[1])).list_collections()}
    assert not any(n.startswith("rag-srv-b_") for n in names) and "rag_chunks" in names


def test_keyless_server_refuses_other_sites_and_foreign_hosts(tmp_path, embedder):
    """A web page the user visits must not plant documents, ask questions or read answers."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("The alpha reactor produced 41 megawatts.\n", encoding="utf-8")
    lib = Library(Config.load(docs_dir=docs, index_dir=tmp_path / "index"), embedder=embedder, root=tmp_path / "c")
    with Server(create_app(lib)) as srv:
        own = f"http://127.0.0.1:{srv.port}"
        with httpx.Client(base_url=srv.url, timeout=60) as h:
            planted = h.post("/v1/collections/default/documents", headers={"Origin": "http://evil.example"},
                             files={"file": ("planted.txt", b"The reactor is run by Mallory.\n", "text/plain")})
            assert planted.status_code == 403 and not (docs / "planted.txt").exists()
            form = h.post("/v1/collections/default/ingest", headers={"Referer": "http://evil.example/page"},
                          data={"x": "1"})
            assert form.status_code == 403
            ask = {"messages": [{"role": "user", "content": "How much power did the reactor produce?"}]}
            assert h.post("/v1/chat/completions", json=ask, headers={"Origin": "null"}).status_code == 403
            assert h.get("/v1/models", headers={"Host": "evil.example"}).status_code == 403  # DNS rebinding
            assert h.get("/v1/models", headers={"Host": f"localhost:{srv.port}"}).status_code == 200
            # the same origin, and clients that send no Origin (curl, the openai library), are served
            assert h.post("/v1/chat/completions", json=ask, headers={"Origin": own}).status_code == 200
            assert h.post("/v1/chat/completions", json=ask).status_code == 200


def test_the_bundled_demo_set_is_read_only_and_errors_show_no_server_paths(tmp_path, embedder):
    """Out of the box `default` is the project's seeds/: uploads and removals are refused (403, saying
    what to do), a collection of one's own takes them, in the data directory; no error names a server folder."""
    from rag.config import BUNDLED_DOCS
    from rag.ingest import ingest_lock

    def listing():
        return sorted(p.name for p in BUNDLED_DOCS.iterdir())

    before = listing()
    lib = Library(Config.load(index_dir=tmp_path / "index", collections_dir=tmp_path / "data"), embedder=embedder)
    with Server(create_app(lib)) as srv, httpx.Client(base_url=srv.url, timeout=60) as h:
        r = h.post("/v1/collections/default/documents", files={"file": ("mine.txt", b"My own notes.\n", "text/plain")})
        assert r.status_code == 403 and r.json()["error"]["type"] == "permission_error"
        assert "read-only: create a collection of your own" in r.json()["error"]["message"]
        r = h.delete(f"/v1/collections/default/documents/{before[0]}")
        assert r.status_code == 403 and "read-only" in r.json()["error"]["message"]
        assert listing() == before
        assert h.post("/v1/collections", json={"name": "mine"}).status_code == 201
        r = h.post("/v1/collections/mine/documents", params={"ingest": "false"},
                   files={"file": ("mine.txt", b"My own notes.\n", "text/plain")})
        assert r.status_code == 202 and (tmp_path / "data" / "mine" / "docs" / "mine.txt").is_file()
        with ingest_lock(Path(lib.get("mine").config.index_dir), wait_s=0):  # an ingest holds the index
            r = h.delete("/v1/collections/mine")
        assert r.status_code == 409 and "another ingest is running" in r.json()["error"]["message"]
        assert str(tmp_path) not in r.text and str(BUNDLED_DOCS) not in r.text
    assert listing() == before
