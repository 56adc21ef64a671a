"""The web UI served for real (in-process, free port) over a temp index of seeds/, driven by gradio_client."""
import html
import os
import re
import shutil
import socket
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from gradio_client import Client, handle_file  # noqa: E402

from rag import Assistant  # noqa: E402
from ui.app import create_app, serve  # noqa: E402
from ui.render import parse_cite_token  # noqa: E402

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
CITE = re.compile(r'href="#rag-cite=([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """(assistant, url): the app over a copy of seeds/, ingested once for the module."""
    root = tmp_path_factory.mktemp("ui_client")
    docs = root / "docs"
    shutil.copytree(SEEDS, docs)
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


def ask(client, question, k=5):
    _, chat = client.predict(question, k, "extractive", api_name="/ask")
    return chat


def test_answer_has_markers_and_sources_that_open_in_the_viewer(served):
    a, url = served
    client = Client(url, verbose=False)
    chat = ask(client, "What tariff rate does the U.S. apply to Japanese steel and aluminum?")
    reply = last_reply(chat)
    assert "50%" in reply
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
    ask(client, "Which party does Yoshihiko Noda lead?")
    chat = ask(client, "Who did he meet?")  # "he" only means Noda through the history
    assert len(chat) == 4  # both turns are in this session's conversation
    assert "Constitutional Democratic" in last_reply(chat[:2])
    with_history = last_reply(chat)
    # Noda met Ishiba: the answer names him or the meeting ("opposition party leader who met … Ishiba")
    assert "Ishiba" in with_history and "Sources" in with_history
    client.predict(api_name="/new_chat")
    chat = ask(client, "Who did he meet?")
    assert len(chat) == 2
    assert "Noda" not in last_reply(chat)  # without the history "he" is someone else (Ishiba meeting Trump)
    assert last_reply(chat) != with_history
    # another client is another session: its conversation starts empty
    assert len(ask(Client(url, verbose=False), "Which party does Yoshihiko Noda lead?")) == 2


def test_concurrent_sessions_get_their_own_answers(served):
    _, url = served
    questions = {"Which party does Yoshihiko Noda lead?": "Constitutional Democratic",
                 "Who is Japan's chief trade negotiator in the tariff talks?": "Akazawa",
                 "What tariff rate does the U.S. apply to Japanese steel and aluminum?": "50%"}
    clients = [Client(url, verbose=False) for _ in questions]
    jobs = [c.submit(q, 5, "extractive", api_name="/ask") for c, q in zip(clients, questions)]
    for job, (q, expected) in zip(jobs, questions.items()):
        chat = job.result(timeout=120)[1]
        assert chat[0]["content"] == q or q in str(chat[0]["content"])
        assert len(chat) == 2 and expected in last_reply(chat)


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
                    "purple umbrellas every week.\nIts manager is Ingrid Vexholm.\n")
    bad = tmp_path / "tool.exe"
    bad.write_bytes(b"MZ\x90\x00")
    client = Client(url, verbose=False)
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    with pytest.raises(Exception, match="Invalid file type"):  # refused by gradio before our code runs
        client.predict([handle_file(str(bad))], api_name="/upload")
    status, *_ = client.predict([handle_file(str(note)), handle_file(str(empty))], api_name="/upload")
    assert "zorblat_report.txt" in status
    assert "empty.txt" in status and "empty" in status.split("empty.txt", 1)[1]
    assert not (Path(a.config.docs_dir) / "empty.txt").exists()
    assert "zorblat_report.txt" in a.files()
    assert not (Path(a.config.docs_dir) / "tool.exe").exists()
    reply = last_reply(ask(client, "How many purple umbrellas does the Zorblat factory produce?"))
    assert "4812" in reply
    assert any(parse_cite_token(t)[0] == "zorblat_report.txt" for t in CITE.findall(reply))
    # and removing it takes it out of the index
    status, *_ = client.predict("zorblat_report.txt", api_name="/remove")
    assert "Removed" in status and "zorblat_report.txt" not in a.files()
