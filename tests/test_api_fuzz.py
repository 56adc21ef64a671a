"""Every request the HTTP API's own OpenAPI description allows, and many it does not, gets a 4xx or
a success, never a 5xx: schemathesis (its CLI, all four phases) against the real server on a free
loopback port, keyless, over the small corpus of test_http.py and a second collection."""
import collections
import json
import subprocess
import sys
import time

import httpx
import pytest

from rag.http import create_app
from test_http import Server, _wait_ingest, docs_library

EXAMPLES = 50  # per operation and phase: about 1,000 requests in 30-40 s here (2 cores), a minute in all
SEED = 20  # a fixed seed: the same requests every run, so a failure reproduces
QUESTIONS = ["How much power did the alpha reactor produce?", "Where is the gamma warehouse located?",
             "How much silt will the harbor dredging remove?", "and what about it?"]

# Values the fuzzer mixes in with its random ones (`probability`), so its requests also reach the
# collections, the documents and the answerer instead of stopping at a 404 or an empty question.
# "fuzz" is a collection of its own: deleting it (and making it again) runs mid-fuzz, while "default"
# may not be deleted; its documents may be, which starts an ingest under the other requests.
CONFIG = f"""
[dictionaries.collections]
values = ["default", "fuzz"]
[dictionaries.roles]
values = ["user", "assistant", "system"]
[dictionaries.questions]
values = {json.dumps(QUESTIONS)}
[dictionaries.sources]
values = ["alpha.txt", "reports/harbor.html", "fuzzed.txt", "../index", "reports/../beta.md"]
[parameters]
"path.name" = {{ dictionary = "collections", probability = 0.7 }}
"body.model" = {{ dictionary = "collections", probability = 0.7 }}
"body.name" = {{ dictionary = "collections", probability = 0.3 }}
"body.messages[*].role" = {{ dictionary = "roles", probability = 0.8 }}
"body.messages[*].content" = {{ dictionary = "questions", probability = 0.6 }}
"body.query" = {{ dictionary = "questions", probability = 0.6 }}
"path.source" = {{ dictionary = "sources", probability = 0.3 }}
"query.source" = {{ dictionary = "sources", probability = 0.3 }}
"""


@pytest.fixture(scope="module")
def keyless_api(tmp_path_factory, embedder):
    lib = docs_library(tmp_path_factory.mktemp("fuzz"), embedder)
    lib.create("fuzz")
    with Server(create_app(lib)) as server:  # no keys: the Host and Origin checks are on
        yield server


def test_the_fuzzer_gets_no_server_error(keyless_api, tmp_path):
    url = keyless_api.url
    schema = httpx.get(url + "/openapi.json").json()
    # schemathesis names an uploaded file after its field ("file", "file.png"), which the upload refuses
    # for its type before anything is saved; a declared name lets the fuzzed bytes reach the save and the
    # ingest. One file per upload, since every file now has that name (two are refused: test_http.py)
    upload = schema["paths"]["/v1/collections/{name}/documents"]["post"]["requestBody"]["content"]
    upload["multipart/form-data"]["encoding"] = {"file": {"headers": {"Content-Disposition": {
        "schema": {"type": "string", "example": 'form-data; name="file"; filename="fuzzed.txt"'}}}}}
    upload["multipart/form-data"]["schema"]["properties"]["file"]["maxItems"] = 1
    (tmp_path / "openapi.json").write_text(json.dumps(schema))
    (tmp_path / "schemathesis.toml").write_text(CONFIG)
    cmd = [sys.executable, "-m", "schemathesis.cli", "--config-file", "schemathesis.toml", "run", "openapi.json",
           "--url", url, "--checks", "not_a_server_error", "--max-examples", str(EXAMPLES), "--seed", str(SEED),
           "--workers", "1", "--request-timeout", "60", "--generation-database", "none", "--no-color",
           # what the UI's own page, or any same-origin client, sends: the fuzzer gets past the Origin check
           "--header", f"Origin: {url}",
           "--report", "json,har", "--report-json-path", "run.json", "--report-har-path", "run.har"]
    t = time.monotonic()
    out = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    took = time.monotonic() - t
    log = (out.stdout + out.stderr)[-6000:]
    assert (tmp_path / "run.json").is_file(), log  # schemathesis itself failed (its options, its config)
    report = json.loads((tmp_path / "run.json").read_text())
    statuses = collections.Counter()
    for e in json.loads((tmp_path / "run.har").read_text())["log"]["entries"]:
        path = e["request"]["url"][len(url):].split("?")[0]
        statuses[e["request"]["method"], _route(path), e["response"]["status"]] += 1
    server_errors = {k: n for k, n in statuses.items() if k[2] >= 500}
    assert not server_errors and out.returncode == 0 and not report["failures"] and not report["errors"], log
    assert report["operations"]["tested"] == report["operations"]["total"] >= 13, log
    # the run reached the code behind each check, not only the validation in front of it
    for reached in (("POST", "/v1/chat/completions", 200), ("POST", "/v1/collections/{name}/search", 200),
                    ("POST", "/v1/collections/{name}/documents", 202), ("POST", "/v1/collections", 201),
                    ("DELETE", "/v1/collections/{name}", 200), ("POST", "/v1/chat/completions", 400)):
        assert statuses[reached] > 0, (reached, sorted(statuses.items()))
    print(f"schemathesis: {sum(statuses.values())} requests in {took:.0f} s, "
          f"{report['test_cases']['generated']} test cases, none answered with a 5xx")


# -- what the fuzzer found (each was a 500) ------------------------------------------------------
def test_a_collection_deleted_and_made_again_works(keyless_api):
    """chromadb kept the deleted folder's database open: the new namesake could not be written."""
    with httpx.Client(base_url=keyless_api.url, timeout=60) as h:
        for _ in range(2):
            assert h.post("/v1/collections", json={"name": "again"}).status_code == 201
            r = h.post("/v1/collections/again/documents", files={"file": ("n.txt", b"The ferry leaves at noon.\n")})
            assert r.status_code == 202
            _wait_ingest(h, "again")
            r = h.post("/v1/collections/again/search", json={"query": "When does the ferry leave?"})
            assert r.status_code == 200 and r.json()["data"][0]["source"] == "n.txt"
            assert h.delete("/v1/collections/again").status_code == 200


def test_a_collection_of_stop_words_only_can_be_asked(keyless_api):
    """BM25 (bm25s) cannot be built over no words at all: every ingest and question failed."""
    with httpx.Client(base_url=keyless_api.url, timeout=60) as h:
        assert h.post("/v1/collections", json={"name": "no-words"}).status_code == 201
        r = h.post("/v1/collections/no-words/documents", files={"file": ("w.txt", b"Of the and, to it.\n")})
        assert r.status_code == 202
        _wait_ingest(h, "no-words")
        assert [d["source"] for d in h.get("/v1/collections/no-words/documents").json()["data"]] == ["w.txt"]
        assert h.post("/v1/collections/no-words/search", json={"query": "what is it"}).status_code == 200
        r = h.post("/v1/chat/completions", json={"model": "no-words", "messages": [
            {"role": "user", "content": "What is it?"}]})
        assert r.status_code == 200 and r.json()["abstained"]


def _route(path: str) -> str:
    """/v1/collections/fuzz/documents/a.txt -> /v1/collections/{name}/documents/{source}"""
    parts = path.split("/")
    if parts[1:3] == ["v1", "collections"] and len(parts) > 3:
        parts[3] = "{name}"
        if len(parts) > 5:
            parts[5:] = ["{source}"]
    return "/".join(parts)
