"""The web UI without a login, served for real on loopback: another site's page cannot upload documents
through it or ask it anything, and a DNS-rebound page (a foreign Host) gets nothing; the UI's own page can."""
import socket

import httpx

from rag import Assistant
from ui.app import create_app, serve


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_keyless_ui_refuses_other_sites_and_foreign_hosts(tmp_path, embedder):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("The alpha reactor produced 41 megawatts.\n", encoding="utf-8")
    a = Assistant(docs_dir=docs, index_dir=tmp_path / "index", embedder=embedder)
    a.ingest(progress=False)
    app = create_app(a)
    port = _free_port()
    own = f"http://127.0.0.1:{port}"
    serve(app, "127.0.0.1", port, prevent_thread_lock=True)
    try:
        with httpx.Client(base_url=own, timeout=120) as h:
            def upload(origin, name, text):  # Gradio's upload route: a plain multipart form, as a form post sends
                return h.post("/gradio_api/upload", headers={"Origin": origin},
                              files={"files": (name, text.encode(), "text/plain")})

            def add(path, headers):  # the "Upload and index" button's API route: saves into the folder and ingests
                return h.post("/gradio_api/call/upload", headers=headers,
                              json={"data": [[{"path": path, "meta": {"_type": "gradio.FileData"}}]]})

            r = upload("http://evil.example", "planted.txt", "The reactor is run by Mallory.")
            assert r.status_code == 403 and "another site" in r.json()["error"]["message"]
            r = upload(own, "mine.txt", "The reactor is run by Alice.")  # the UI's own page
            assert r.status_code == 200, r.text
            path = r.json()[0]
            assert add(path, {"Origin": "http://evil.example"}).status_code == 403
            assert add(path, {"Referer": "http://evil.example/page"}).status_code == 403
            assert add(path, {"Host": "evil.example"}).status_code == 403  # DNS rebinding
            assert h.get("/", headers={"Host": "evil.example"}).status_code == 403  # nor may it read the page
            assert sorted(p.name for p in docs.iterdir()) == ["a.txt"]

            r = add(path, {"Origin": own})
            assert r.status_code == 200, r.text
            result = h.get(f"/gradio_api/call/upload/{r.json()['event_id']}").text
            assert "event: complete" in result and "mine.txt** added" in result, result[:500]
            assert (docs / "mine.txt").is_file()
            assert h.get("/", headers={"Host": f"localhost:{port}"}).status_code == 200
    finally:
        app.close()
