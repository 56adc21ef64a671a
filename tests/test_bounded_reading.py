"""Bounded reading (`rag.read.worker`): a page limit, a time budget and a memory cap per document, each
refusal naming its limit; the worker reads what the process reads; an upload is only checked, never
parsed, in the request; deleting a collection stops its ingest mid-read. Real files written here, a real
server (uvicorn in a thread), tiny limits through the config."""
import io
import os
import time
from pathlib import Path

import httpx
import pytest
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

from rag import Assistant, Config, Library
from rag.errors import DocumentError
from rag.http import create_app
from rag.read import read_document
from rag.read.pdf import _read
from rag.read.worker import _POOL, Limits, Reader

from test_http import Server

SLOW_TEXT = "a b\n" * 250_000  # 1 MB of two-word lines: the text reader takes ~45 s over it


def _pdf(pages: int, fact: str = "The lighthouse keeper logged 212 ships in June.") -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter)
    for i in range(pages):
        c.drawString(72, 700, f"Page {i + 1}. {fact}")
        c.showPage()
    c.save()
    return buf.getvalue()


def _docx(path: Path) -> None:
    import docx

    d = docx.Document()
    d.add_heading("Depot memo", 1)
    for i in range(40):
        d.add_paragraph(f"Paragraph {i}: the depot shipped {i * 7} crates of pears to the harbour.")
    d.save(path)


def test_a_pdf_over_the_page_limit_is_refused_before_its_pages_are_read(tmp_path, embedder):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "long.pdf").write_bytes(_pdf(12))
    (docs / "short.pdf").write_bytes(_pdf(5))
    with pytest.raises(DocumentError, match="12 pages, over the limit of 10 pages"):
        read_document(docs / "long.pdf", max_pages=10)
    with pytest.raises(DocumentError, match="12 pages, over the limit of 10 pages"):  # the pypdf fallback too
        _read((docs / "long.pdf").read_bytes(), "long.pdf", "x", extractor="pypdf", max_pages=10)
    a = Assistant(docs_dir=docs, index_dir=tmp_path / "index", embedder=embedder, max_pages=10)
    report = a.ingest(progress=False)
    assert report.added == ("short.pdf",)
    assert dict(report.skipped) == {"long.pdf": "the PDF has 12 pages, over the limit of 10 pages for a document"}
    assert a.pending() == [("long.pdf", "the PDF has 12 pages, over the limit of 10 pages for a document")]
    assert read_document(docs / "long.pdf").metadata.pages == 12  # the default limit (2,000) lets it through


def test_a_read_over_the_time_budget_is_stopped_and_the_rest_is_indexed(tmp_path, embedder):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a_slow.txt").write_text(SLOW_TEXT)  # read first: the files after it need a new worker
    (docs / "b_paper.pdf").write_bytes(_pdf(2))
    _docx(docs / "c_memo.docx")
    (docs / "d_note.txt").write_text("The ferry to Orkney leaves at nine.\n")
    a = Assistant(docs_dir=docs, index_dir=tmp_path / "index", embedder=embedder, read_seconds=5)
    t0 = time.monotonic()
    report = a.ingest(progress=False)
    assert time.monotonic() - t0 < 40  # not the ~45 s the slow file alone would take, plus the rest
    assert dict(report.skipped) == {"a_slow.txt": "reading it took longer than the 5 s limit for a document"}
    assert sorted(report.added) == ["b_paper.pdf", "c_memo.docx", "d_note.txt"]
    assert "212 ships" in a.ask("How many ships did the lighthouse keeper log in June?").text


def test_a_read_over_the_memory_cap_is_refused(tmp_path):
    big = tmp_path / "big.md"
    big.write_text("a b\n" * 4_000_000)  # 16 MB of short lines: hundreds of MB of line objects
    reader = Reader(Limits(memory_mb=400, seconds=120))
    with pytest.raises(DocumentError, match="(needed more than|more memory than) the 400 MB"):
        reader.read(big, "big.md")
    small = tmp_path / "small.html"
    small.write_text("<html><body><p>" + "The harbour opens at dawn. " * 2000 + "</p></body></html>")
    assert "harbour" in reader.read(small, "small.html").text  # a fresh worker reads the next file


def test_the_worker_reads_what_the_process_reads(tmp_path):
    files = {"paper.pdf": _pdf(3), "page.html": b"<html><head><title>Tides</title></head><body><article><h1>Tides"
             b"</h1><p>" + b"High tide in Elsmere is at 6:12 today. " * 50 + b"</p></article></body></html>",
             "notes.md": ("# Notes\n\n" + "The mill grinds oats on Mondays.\n\n" * 3000).encode()}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    _docx(tmp_path / "memo.docx")
    reader = Reader()
    for name in [*files, "memo.docx"]:
        assert reader.read(tmp_path / name, name) == read_document(tmp_path / name, name), name
    with pytest.raises(DocumentError, match="no %PDF header"):  # a reader's refusal comes back as it was
        (tmp_path / "fake.pdf").write_bytes(b"plain words" * 5000)
        reader.read(tmp_path / "fake.pdf", "fake.pdf")


def _busy_workers() -> list[int]:
    """Worker processes of this process that are alive and not idle in the pool."""
    idle = {w.proc.pid for w in _POOL._idle}
    out = []
    for pid in os.listdir("/proc"):
        try:
            if not pid.isdigit() or int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1]) != os.getpid():
                continue
            if b"rag.read.worker" in Path(f"/proc/{pid}/cmdline").read_bytes() and int(pid) not in idle:
                out.append(int(pid))
        except (OSError, IndexError, ValueError):
            continue
    return out


def test_upload_is_only_checked_and_deleting_the_collection_stops_its_ingest(tmp_path, embedder):
    lib = Library(Config.load(docs_dir=tmp_path / "default", index_dir=tmp_path / "index"), embedder=embedder,
                  root=tmp_path / "collections")
    (tmp_path / "default").mkdir()
    with Server(create_app(lib)) as server, httpx.Client(base_url=server.url, timeout=60) as http:
        assert http.post("/v1/collections", json={"name": "slow"}).status_code == 201
        # refused at once, without parsing: a "PDF" without its header
        r = http.post("/v1/collections/slow/documents", files={"file": ("fake.pdf", b"just words", "application/pdf")})
        assert r.status_code == 400 and "no %PDF header" in r.json()["error"]["message"]
        # a broken PDF with a header passes the cheap check; the ingest says why it is not indexed
        r = http.post("/v1/collections/slow/documents", files={"file": ("broken.pdf", b"%PDF-1.4 junk")})
        assert r.status_code == 202
        deadline = time.monotonic() + 120
        while (st := http.get("/v1/collections/slow/ingest").json())["state"] == "running":
            assert time.monotonic() < deadline
            time.sleep(0.2)
        assert st["pending"] == [{"source": "broken.pdf", "reason": st["report"]["skipped"][0]["reason"]}]
        assert "not a readable PDF" in st["pending"][0]["reason"]
        # a file that takes ~45 s to read: the upload returns at once, the ingest reads it in the background
        t0 = time.monotonic()
        r = http.post("/v1/collections/slow/documents", files={"file": ("slow.txt", SLOW_TEXT.encode(), "text/plain")})
        assert r.status_code == 202 and time.monotonic() - t0 < 5
        while (st := http.get("/v1/collections/slow/ingest").json())["progress"] is None or \
                st["progress"]["source"] != "slow.txt":
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert {"source": "slow.txt", "reason": "waiting for the ingest that is running"} in st["pending"]
        time.sleep(1)  # the worker is busy with it now
        assert _busy_workers()
        t0 = time.monotonic()
        r = http.delete("/v1/collections/slow")
        assert r.status_code == 200 and time.monotonic() - t0 < 10, r.text
        assert http.get("/v1/collections/slow/ingest").status_code == 404
        assert not (tmp_path / "collections" / "slow").exists()
        assert not _busy_workers()  # the read was stopped, not left running
