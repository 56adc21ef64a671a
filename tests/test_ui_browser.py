"""The web UI in a real headless Chromium (Debian's /usr/bin/chromium) via Playwright.

Ask, see the streamed answer with its sources, click a citation, see the cited passage
highlighted in its document. Screenshots go to test-artifacts/ (gitignored).
"""
import os
import re
import shutil
import socket
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM) and os.environ.get("CI") != "true",
                       reason="needs Debian's chromium (apt-get install chromium); required when CI=true"),
]


@pytest.fixture(scope="module")
def url(tmp_path_factory):
    from rag import Assistant
    from ui.app import create_app, serve

    root = tmp_path_factory.mktemp("ui_browser")
    shutil.copytree(ROOT / "seeds", root / "docs")
    a = Assistant(docs_dir=root / "docs", index_dir=root / "index")
    a.ingest(progress=False)
    app = create_app(a)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    serve(app, "127.0.0.1", port, prevent_thread_lock=True)
    yield f"http://127.0.0.1:{port}/"
    app.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser, url):
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    pg = ctx.new_page()
    pg.set_default_timeout(60_000)
    pg.goto(url)
    pg.wait_for_selector("#rag-question textarea")
    yield pg
    ctx.close()


def shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def test_ask_click_citation_see_highlight(page):
    from playwright.sync_api import expect

    expect(page.locator("#rag-chat")).to_contain_text("2 files")  # start screen: what is indexed
    expect(page.locator("#rag-chat")).to_contain_text("Which party does Yoshihiko Noda lead?")  # an example
    shot(page, "1-start-screen")

    page.fill("#rag-question textarea", "What tariff rate does the U.S. apply to Japanese steel and aluminum?")
    page.keyboard.press("Enter")
    sources = page.locator("#rag-chat .rag-sources")
    expect(sources).to_be_visible()
    answer = page.locator("#rag-chat .rag-answer").last
    expect(answer).to_contain_text("50%")
    expect(answer.locator("a.rag-cite").first).to_have_text("[1]")
    first_source = sources.locator("li").first
    quote = first_source.locator("q").inner_text()
    assert quote.strip()
    expect(first_source).to_contain_text(".txt")
    shot(page, "2-answer-with-sources")

    answer.locator("a.rag-cite").first.click()
    mark = page.locator("#rag-viewer mark#rag-hit")
    expect(mark).to_be_visible()
    assert mark.inner_text() == quote  # the highlighted span is exactly the quoted passage
    page.wait_for_function(  # scrolled into view inside the document pane
        "() => { const m = document.getElementById('rag-hit'), p = m && m.closest('pre');"
        " if (!m) return false; const r = m.getBoundingClientRect(), b = p.getBoundingClientRect();"
        " return p.scrollTop > 0 && r.top >= b.top - 1 && r.bottom <= b.bottom + 1; }", timeout=10_000)
    shot(page, "3-citation-highlighted")


def test_example_question_and_decline(page):
    from playwright.sync_api import expect

    page.get_by_text("What is the population of Osaka?").first.click()
    answer = page.locator("#rag-chat .rag-answer").last
    expect(answer).to_contain_text("don't say")
    expect(page.locator("#rag-chat .rag-sources")).to_have_count(0)
    shot(page, "4-declined")
    page.click("#rag-new")
    expect(page.locator("#rag-chat .rag-answer")).to_have_count(0)
    expect(page.locator("#rag-chat")).to_contain_text("2 files")  # back to the start screen


def test_documents_tab_lists_files(page):
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Documents").click()
    expect(page.get_by_role("gridcell", name="000_b4acd3bf5adef64c.txt")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(r"004_960903e5580e0182\.txt \d+"))).to_be_visible()  # + chunks
    shot(page, "5-documents")


def test_upload_in_the_browser_then_ask(page, tmp_path):
    from playwright.sync_api import expect

    note = tmp_path / "lighthouse.md"
    note.write_text("# Lighthouse log\n\nThe Quillon Point lighthouse keeper is Marguerite Oyelaran.\n")
    page.get_by_role("tab", name="Documents").click()
    page.locator("#rag-upload input[type=file]").set_input_files(str(note))
    expect(page.get_by_role("cell", name="lighthouse.md")).to_be_visible()  # uploaded, not yet indexed
    page.get_by_role("button", name="Upload and index").click()
    expect(page.locator("#rag-doc-status")).to_contain_text("Added lighthouse.md", timeout=120_000)
    expect(page.get_by_role("gridcell", name="lighthouse.md")).to_be_visible()
    shot(page, "6-uploaded")
    page.get_by_role("tab", name="Chat").click()
    page.fill("#rag-question textarea", "Who is the keeper of the Quillon Point lighthouse?")
    page.keyboard.press("Enter")
    expect(page.locator("#rag-chat .rag-answer").last).to_contain_text("Marguerite Oyelaran")
    expect(page.locator("#rag-chat .rag-sources").last).to_contain_text("lighthouse.md")
