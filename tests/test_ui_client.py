"""The web UI served for real (in-process, free port) over a temp index of seeds/, driven by gradio_client."""
import html
import os
import re
import shutil
import socket
import uuid
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from gradio.utils import get_upload_folder  # noqa: E402
from gradio_client import Client, handle_file  # noqa: E402

from rag import Assistant  # noqa: E402
from ui.app import create_app, serve  # noqa: E402
from ui.render import parse_cite_token  # noqa: E402
from conftest import CONTAINERS, CORPUS, MEMBERS, RETREAT  # noqa: E402

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
CITE = re.compile(r'href="#rag-cite=([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """(assistant, url): the app over a copy of seeds/ and the test corpus, ingested once for the module."""
    root = tmp_path_factory.mktemp("ui_client")
    docs = root / "docs"
    shutil.copytree(SEEDS, docs)
    for p in CORPUS.iterdir():
        shutil.copy(p, docs / p.name)
    a = Assistant(docs_dir=docs, index_dir=root / "index")
    a.ingest(progress=False)
    app = create_app(a)
    port = free_port()
    serve(app, "127.0.0.1", port, prevent_thread_lock=True)
    yield a, f"http://127.0.0.1:{port}/"
    app.close()


def last_reply(chat) -> str:
    assert chat and chat[-1]["role"] == "assistant"
    content = chat[-1]["content"]  # gradio 6: a list of {"type": "text", "text": ...} parts
    return content if isinstance(content, str) else "".join(p["text"] for p in content if p.get("type") == "text")


def question_text(message) -> str:
    """The question as the user's bubble shows it: escaped text in a <div class="rag-question">."""
    content = message["content"]
    content = content if isinstance(content, str) else "".join(p["text"] for p in content if p.get("type") == "text")
    body = re.fullmatch(r'<div class="rag-question">(.*)</div>', content, re.S).group(1)
    assert "<" not in body  # markup in a question is shown as text
    return html.unescape(body)


def ask(client, question, k=5):
    _, chat = client.predict(question, k, "extractive", api_name="/ask")
    return chat


def test_answer_has_markers_and_sources_that_open_in_the_viewer(served):
    a, url = served
    client = Client(url, verbose=False)
    chat = ask(client, CONTAINERS[0])
    reply = last_reply(chat)
    assert CONTAINERS[1] in reply
    assert re.search(r">\[\d+\]</a>", reply), reply  # [n] markers, linked
    assert "Sources" in reply
    tokens = CITE.findall(reply)
    assert tokens
    source, start, end = parse_cite_token(tokens[0])
    assert source in a.files()
    assert re.search(r"lines? \d+", reply)
    quote = a.source_text(source)[start:end]
    # the quoted passage is under the answer (escaped), and the viewer highlights exactly it
    assert quote[:40].replace("&", "&amp;").replace('"', "&quot;") in reply.replace("&#x27;", "'")
    view = client.predict(tokens[0], api_name="/source")  # (the viewer column is layout, not returned)
    hit = re.search(r'<mark id="rag-hit"[^>]*>(.*?)</mark>', view, re.S).group(1)
    assert html.unescape(hit) == quote


def test_follow_up_uses_the_conversation_and_new_chat_clears_it(served):
    _, url = served
    client = Client(url, verbose=False)
    ask(client, "When was the Northfield Bakery Cooperative founded?")
    chat = ask(client, "How many members does it have today?")  # "it" is the cooperative only through the history
    assert len(chat) == 4  # both turns are in this session's conversation
    assert "1987" in last_reply(chat[:2])
    with_history = last_reply(chat)
    assert "46 members" in with_history and "Sources" in with_history
    # what was searched for is shown: "it" read as the cooperative of the first question
    assert "Searching for: How many members does the Northfield Bakery Cooperative have today?" in with_history
    assert "Searching for" not in last_reply(chat[:2])
    client.predict(api_name="/new_chat")
    chat = ask(client, "How many members does it have today?")
    assert len(chat) == 2  # a new chat starts empty
    # another client is another session: its conversation starts empty
    assert len(ask(Client(url, verbose=False), MEMBERS[0])) == 2


def test_concurrent_sessions_get_their_own_answers(served):
    """Three clients at once each get the answer their question gets alone (a mechanism test: what
    the answers say is measured in eval/, not here)."""
    _, url = served
    questions = [CONTAINERS[0], RETREAT[0], "When was the Northfield Bakery Cooperative founded?"]
    alone = {q: last_reply(ask(Client(url, verbose=False), q)) for q in questions}
    assert len(set(alone.values())) == len(questions)
    clients = [Client(url, verbose=False) for _ in questions]
    jobs = [c.submit(q, 5, "extractive", api_name="/ask") for c, q in zip(clients, questions)]
    for job, q in zip(jobs, questions):
        chat = job.result(timeout=120)[1]
        assert question_text(chat[0]) == q
        assert len(chat) == 2 and last_reply(chat) == alone[q]


def test_unanswerable_question_declines_without_sources(served):
    _, url = served
    reply = last_reply(ask(Client(url, verbose=False), "What is the population of Osaka?"))
    assert "don't say" in reply
    assert "Sources" not in reply and "rag-cite" not in reply


def test_empty_question_changes_nothing(served):
    _, url = served
    assert ask(Client(url, verbose=False), "   ") == []


def test_upload_then_ask_about_it(served, tmp_path):
    a, url = served
    note = tmp_path / "zorblat_report.txt"
    note.write_text("Zorblat Industries report\n\nThe Zorblat factory in Tromso produces exactly 4812 "
                    "purple umbrellas every week.\nIts manager is Ingrid Vexholm.\n"
                    f"Report {uuid.uuid4().hex}.\n")  # new content, so gradio's copy gets a new folder
    bad = tmp_path / "tool.exe"
    bad.write_bytes(b"MZ\x90\x00")
    client = Client(url, verbose=False)
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    copies = lambda: set(Path(get_upload_folder()).glob("*/zorblat_report.txt"))  # noqa: E731
    before = copies()  # (other runs' leftovers, if any)
    status, *_ = client.predict([handle_file(str(bad))], api_name="/upload")
    assert status == ("**tool.exe** was not added: unsupported file type .exe; "
                      "supported: .txt .md .html .htm .pdf .docx")  # names the file and the reason, once
    status, _, _, table, _ = client.predict([handle_file(str(note)), handle_file(str(empty))], api_name="/upload")
    assert status.startswith("**zorblat_report.txt** added: 1 passage")
    assert "**empty.txt** was not added: " in status and status.count("empty.txt") == 1  # the name is not repeated
    row = next(r for r in table["data"] if r[1] == "zorblat_report.txt")
    assert row[2:] == ["TXT", f"{note.stat().st_size} bytes", "", 1] and row[0]  # title, type, size, pages, passages
    assert copies() <= before  # gradio's copy of the upload is dropped
    assert not (Path(a.config.docs_dir) / "empty.txt").exists()
    assert "zorblat_report.txt" in a.files()
    assert not (Path(a.config.docs_dir) / "tool.exe").exists()
    reply = last_reply(ask(client, "How many purple umbrellas does the Zorblat factory produce?"))
    assert "4812" in reply
    assert any(parse_cite_token(t)[0] == "zorblat_report.txt" for t in CITE.findall(reply))
    # and removing it takes it out of the index
    status, *_ = client.predict("zorblat_report.txt", api_name="/remove")
    assert "Removed" in status and "zorblat_report.txt" not in a.files()
    assert not (Path(a.config.docs_dir) / "zorblat_report.txt").exists()


def test_documents_are_listed_by_title_with_relative_paths(served):
    a, url = served
    docs = {d.source: d for d in a.documents()}
    status, _, table, _ = Client(url, verbose=False).predict(api_name="/reindex")
    assert status.startswith(f"Nothing changed: {len(docs)} documents indexed"), (status, list(docs))
    rows = {r[1]: r for r in table["data"]}
    assert set(rows) == set(docs) and all(not name.startswith("/") for name in rows)
    for name, d in docs.items():
        assert rows[name][0] == d.title != name and rows[name][-1] == d.passages


def test_files_not_indexed_are_listed_with_the_reason_and_can_be_removed(served):
    """A file in the folder that the ingest cannot read (here copied there by hand) shows in the listing with
    why it is not indexed, and it can be removed."""
    a, url = served
    broken = Path(a.config.docs_dir) / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 not really a pdf")
    client = Client(url, verbose=False)
    try:
        status, _, table, _ = client.predict(api_name="/reindex")
        assert "**broken.pdf** was not indexed: not a readable PDF" in status
        row = next(r for r in table["data"] if r[1] == "broken.pdf")
        assert row[0].startswith("Not indexed: not a readable PDF") and row[2] == "PDF" and row[-1] == 0
        status, *_ = client.predict("broken.pdf", api_name="/remove")
        assert "Removed" in status and not broken.exists()
    finally:
        broken.unlink(missing_ok=True)


def test_saved_chats_keep_order_titles_and_collection():
    from ui import chats

    turn = lambda q: {"q": q, "text": "a", "html": "<p>a</p>", "cites": []}  # noqa: E731
    store, first = chats.save(chats.empty(), None, [turn("Which party does Noda lead?")])
    store, second = chats.save(store, None, [turn("x" * 100)], coll="team-a")
    assert first != second and store["current"] == second
    assert [t for t, _ in chats.choices(store)] == ["x" * 59 + "\u2026", "Which party does Noda lead?"]  # newest first
    store = chats.rename(store, first, "  Noda's   party ")
    store, _ = chats.save(store, first, [turn("Which party does Noda lead?"), turn("And who leads it?")])
    assert chats.find(store, first)["title"] == "Noda's party"  # a name given by the user stays
    assert chats.find(store, second)["coll"] == "team-a" and chats.find(store, first)["coll"] == "default"
    store = chats.delete(store, first)
    assert [i for _, i in chats.choices(store)] == [second] and store["current"] is None
    assert chats.load("not a store") == chats.empty() and chats.load({"chats": [{"no": "id"}]})["chats"] == []


def test_progress_lines_and_refusals_are_plain_language():
    from rag.types import IngestProgress
    from ui.documents import progress_text, refusal

    assert progress_text(IngestProgress("read", 0, 2, "bert.pdf")) == "Reading bert.pdf (file 1 of 2)"
    assert progress_text(IngestProgress("embed", 0, 1, "bert.pdf", 0, 168, 0.4, 9.2, 0, 168)) == \
        "Embedding 0 of 168 passages of bert.pdf \u2014 about 9 s left"
    # the third of three files: its own passages, not the run's (600 of the first two, 42 of its own)
    assert progress_text(IngestProgress("embed", 2, 3, "c.pdf", 642, 900, 0.8, 3.0, 42, 300)) == \
        "Embedding 42 of 300 passages of c.pdf (file 3 of 3) \u2014 about 3 s left"
    assert progress_text(IngestProgress("done", 1, 1, fraction=1.0, eta_s=0.0)) == "Done"
    assert refusal("notes.exe", "notes.exe: unsupported file type .exe") == \
        "**notes.exe** was not added: unsupported file type .exe"


def test_make_run_console_prints_only_the_address(tmp_path):
    """`python -m ui` (what `make run` starts): the address and actionable warnings, no library chatter."""
    import subprocess
    import sys
    import time
    import urllib.request

    shutil.copytree(SEEDS, tmp_path / "docs")
    port = free_port()
    env = {**os.environ, "RAG_UI_PORT": str(port), "RAG_INDEX_DIR": str(tmp_path / "index"),
           "RAG_COLLECTIONS_DIR": str(tmp_path / "collections"), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "ui", "--docs", str(tmp_path / "docs")], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        out = []
        deadline = time.monotonic() + 180
        while not any(line.startswith("Open ") for line in out) and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line and proc.poll() is not None:
                break
            out.append(line.rstrip("\n"))
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as r:
            assert r.status == 200
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert out == [f"Indexing {tmp_path / 'docs'} ...", f"Open http://127.0.0.1:{port} (Ctrl-C to stop)"], out
    assert "DEBUG" not in err and "share=True" not in err, err
    assert all(line.startswith("warning:") for line in err.splitlines() if line.strip()), err


KELVRAN = ("# Kelvran dam survey\n\nThe Kelvran dam holds 3.8 billion cubic metres of water, as the 2021 survey [2] "
           "and the 2023 audit [1] both found.\n\nIts reservoir covers 41 square kilometres of the upper Orsa valley "
           "[3].\n\nThe dam was completed in 1974 after nine years of work [1].\n")


def upload(client, path):
    status, *_ = client.predict([handle_file(str(path))], api_name="/upload")
    assert f"**{path.name}** added" in status, status


def kelvran(url, tmp_path):
    """A client of the served UI and the Kelvran survey uploaded through it (a name of its own per test)."""
    client = Client(url, verbose=False)
    doc = tmp_path / f"kelvran_{uuid.uuid4().hex[:8]}.md"
    doc.write_text(KELVRAN)
    upload(client, doc)
    return client, doc


def test_a_documents_own_reference_markers_stay_text(served, tmp_path):
    """A paper's "[1]" inside the quoted sentence is its own reference, not one of our citations."""
    a, url = served
    client, doc = kelvran(url, tmp_path)
    try:
        reply = last_reply(ask(client, "How much water does the Kelvran dam hold?"))
        answer = re.search(r'<div class="rag-answer">(.*?)</div>', reply, re.S).group(1)
        assert "as the 2021 survey [2] and the 2023 audit [1] both found." in answer  # as plain text
        links = re.findall(r'<a class="rag-cite"[^>]*>\[(\d+)\]</a>', answer)
        sources = re.findall(r'<li class="rag-src rag-src-n(\d+)"', reply)
        assert links and links == sources  # one link per citation, where the answer placed it, in order
        assert re.search(r'both found\. <a class="rag-cite"[^>]*>\[1\]</a>', answer)
    finally:
        client.predict(doc.name, api_name="/remove")
    assert doc.name not in a.files()


def test_a_removed_source_says_so_without_server_paths(served, tmp_path):
    a, url = served
    client, doc = kelvran(url, tmp_path)
    reply = last_reply(ask(client, "When was the Kelvran dam completed?"))
    token = next(t for t in CITE.findall(reply) if parse_cite_token(t)[0] == doc.name)
    assert "rag-hit" in client.predict(token, api_name="/source")
    status, *_ = client.predict(doc.name, api_name="/remove")  # removed after the answer was given
    assert "Removed" in status
    view = client.predict(token, api_name="/source")  # the old answer's citation, clicked now
    assert "This document was removed" in view and doc.name in view
    assert "Errno" not in view and str(a.config.docs_dir) not in view and "/" + doc.name not in view
    for bad in ("..%2F..%2Fetc%2Fpasswd:0:5", "nothing.txt:0:5", "not a token"):  # no server paths either
        view = client.predict(bad, api_name="/source")
        assert "rag-note" in view and str(a.config.docs_dir) not in view and not re.search(r"'/\w", view), view


def test_only_the_answers_own_markers_are_links():
    """The markers `rag.answer` and `rag.verify` place ("sentence [n]", "claim [1][2]"), not the ones in
    quoted sentences, even when a quoted "[2]" or "[1]" is also the number of a citation."""
    from rag import Answer, Citation
    from ui.render import answer_html, marker_spans

    def cite(n, text):
        return Citation(n, "paper.pdf", 10 * n, 10 * n + 5, 1, 1, text, 0.9, page=n, text=text)

    one, two = "Emissions rose in 2020-2025 [1].", "As shown in [1] and [2] the trend holds"
    text = f"{one} [1] {two} [2]"
    assert [text[s:e] for s, e, _ in marker_spans(text, [cite(1, one), cite(2, two)])] == ["[1]", "[2]"]
    assert [s for s, _, _ in marker_spans(text, [cite(1, one), cite(2, two)])] == [len(one) + 1, len(text) - 3]
    differ = f"The sources differ. \u201cA\u201d (a.pdf): {two} [1] \u201cB\u201d (b.pdf): {one} [2]"
    assert [n for _, _, n in marker_spans(differ, [cite(1, two), cite(2, one)])] == [1, 2]
    llm = "The dam holds water [1][2] It was built in 1974 [1] It is tall [3]"  # checked claims: no other markers
    assert [n for _, _, n in marker_spans(llm, [cite(1, "x"), cite(2, "y"), cite(3, "z")])] == [1, 2, 1, 3]
    body = answer_html(Answer("q", text, (cite(1, one), cite(2, two)))).split("\n")[0]
    assert body.count('class="rag-cite"') == 2 and "2020-2025 [1]. <a " in body and "in [1] and [2] the" in body


def test_the_bundled_demo_set_is_read_only_in_the_ui(tmp_path):
    """`make run`'s UI over seeds/ itself: uploads and removals there are refused with what to do instead."""
    from rag import Config, Library
    from rag.config import BUNDLED_DOCS

    before = sorted(p.name for p in BUNDLED_DOCS.iterdir())
    app = create_app(Library(Config.load(index_dir=tmp_path / "index", collections_dir=tmp_path / "data")))
    port = free_port()
    serve(app, "127.0.0.1", port, prevent_thread_lock=True)
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        note = tmp_path / f"mine_{uuid.uuid4().hex[:8]}.txt"
        note.write_text("My own notes about the Kelvran dam.\n")
        status, *_ = client.predict([handle_file(str(note))], api_name="/upload")
        assert "demo documents" in status and "read-only" in status and "Create a collection of your own" in status
        assert not set(Path(get_upload_folder()).glob(f"*/{note.name}"))  # gradio's copy is dropped too
        status, *_ = client.predict(before[0], api_name="/remove")
        assert "read-only" in status and str(BUNDLED_DOCS) not in status
    finally:
        app.close()
    assert sorted(p.name for p in BUNDLED_DOCS.iterdir()) == before
