"""The web UI in a real headless Chromium (Debian's /usr/bin/chromium) via Playwright.

Ask, see the streamed answer with its sources, point at a citation (hover card), click it (the
cited passage highlighted in its document; a PDF's page drawn with the span boxed), reload and
reopen saved chats, upload with one advancing progress indicator, remove after confirming, and
the layout in dark mode and at phone width. Assertions are on texts and element boxes;
screenshots go to test-artifacts/ (gitignored) for a person to look at.
"""
import os
import random
import re
import shutil
import socket
import uuid
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from test_pdf_view import LEADING, PAGE_H, SIZE, TELESCOPE, write_pdf  # noqa: E402
from conftest import CONTAINERS, CORPUS  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]
STEEL = "What tariff rate does the U.S. apply to Japanese steel and aluminum?"  # any answer with sources will do
MIRROR = "How wide is the primary mirror of the Varnholt observatory telescope?"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM) and os.environ.get("CI") != "true",
                       reason="needs Debian's chromium (apt-get install chromium); required when CI=true"),
]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """(assistant, url, pdf line positions): seeds/, the test corpus and a 3-page PDF, ingested once."""
    from rag import Assistant
    from ui.app import create_app, serve

    root = tmp_path_factory.mktemp("ui_browser")
    shutil.copytree(ROOT / "seeds", root / "docs")
    for p in CORPUS.iterdir():
        shutil.copy(p, root / "docs" / p.name)
    where = write_pdf(root / "docs" / "observatory.pdf",
                      [["Introduction to the observatory and its history."], TELESCOPE,
                       ["Visiting hours are from nine to five on weekdays."]], title="Varnholt Observatory Guide")
    a = Assistant(docs_dir=root / "docs", index_dir=root / "index")
    a.ingest(progress=False)
    app = create_app(a)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    serve(app, "127.0.0.1", port, prevent_thread_lock=True)
    yield a, f"http://127.0.0.1:{port}/", where
    app.close()


@pytest.fixture(scope="module")
def url(served):
    return served[1]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import expect, sync_playwright

    # expect() waits 5 s by default; a loaded 2-core CI machine can take longer to run a Gradio event
    expect.set_options(timeout=20_000)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


def open_page(browser, url, width=1400, height=900, query=""):
    ctx = browser.new_context(viewport={"width": width, "height": height})
    pg = ctx.new_page()
    pg.set_default_timeout(60_000)
    pg.goto(url + query)
    pg.wait_for_selector("#rag-question textarea")
    pg.wait_for_function("() => !!document.getElementById('rag-style')")  # page script installed
    return ctx, pg


@pytest.fixture
def page(browser, url):
    ctx, pg = open_page(browser, url)
    yield pg
    ctx.close()


def shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def ask(page, question):
    from playwright.sync_api import expect

    n = page.locator("#rag-chat .rag-answer, #rag-chat .rag-question").count()
    page.fill("#rag-question textarea", question)
    page.keyboard.press("Enter")
    expect(page.locator("#rag-chat .rag-sources, #rag-chat .rag-answer")).not_to_have_count(0)
    page.wait_for_function(  # the answer is complete when its streaming cursor is gone
        "(n) => { const a = document.querySelectorAll('#rag-chat .rag-answer, #rag-chat .rag-question');"
        " return a.length >= n + 2 && !document.querySelector('#rag-chat').innerText.includes('\u258c'); }", arg=n)
    return page.locator("#rag-chat .rag-answer").last


def box(page, selector):
    b = page.locator(selector).first.bounding_box()
    assert b, f"{selector} is not laid out"
    return b


def overlaps(a, b, slack=1.0):
    return (a["x"] + slack < b["x"] + b["width"] and b["x"] + slack < a["x"] + a["width"]
            and a["y"] + slack < b["y"] + b["height"] and b["y"] + slack < a["y"] + a["height"])


def assert_no_overlaps(page, selectors):
    boxes = {s: box(page, s) for s in selectors}
    for i, s in enumerate(selectors):
        for t in selectors[i + 1:]:
            assert not overlaps(boxes[s], boxes[t]), f"{s} {boxes[s]} overlaps {t} {boxes[t]}"
    return boxes


def test_ask_hover_card_click_citation_see_highlight(page):
    from playwright.sync_api import expect

    expect(page.locator("#rag-chat")).to_contain_text("6 files")  # start screen: what is indexed
    expect(page.locator("#rag-chat")).to_contain_text("Which party does Yoshihiko Noda lead?")  # an example
    shot(page, "01-start-screen")
    page.locator("#rag-settings").get_by_text("Settings").click()  # the controls explain themselves
    expect(page.locator("#rag-k")).to_contain_text("How many passages are searched for each answer")
    expect(page.locator("#rag-mode")).to_contain_text("No LLM is configured")
    expect(page.locator("#rag-mode")).to_contain_text("RAG_LLM=")
    shot(page, "01b-settings-help")
    page.locator("#rag-settings").get_by_text("Settings").click()

    answer = ask(page, CONTAINERS[0])
    sources = page.locator("#rag-chat .rag-sources").last
    expect(answer).to_contain_text(CONTAINERS[1])
    marker = answer.locator("a.rag-cite").first
    expect(marker).to_have_text("[1]")
    first_source = sources.locator("li").first
    quote = first_source.locator("q").inner_text()
    assert quote.strip()
    expect(first_source.locator(".rag-src-where")).to_have_text(re.compile(r"lines? \d+"))
    shot(page, "02-answer-with-sources")

    marker.hover()  # the card shows the quote, the title and where it is
    card = page.locator("#rag-card")
    expect(card).to_be_visible()
    assert card.locator(".rag-card-quote").inner_text() == quote
    assert card.locator(".rag-card-title").inner_text() == first_source.locator(".rag-src-title").inner_text()
    expect(card.locator(".rag-card-where")).to_contain_text(re.compile(r"\.txt \u00b7 lines? \d+"))
    c, m = card.bounding_box(), marker.bounding_box()
    assert c["y"] >= m["y"] + m["height"] - 1 or c["y"] + c["height"] <= m["y"] + 1  # beside, not over, the marker
    shot(page, "03-hover-card")
    page.mouse.move(5, 5)
    expect(card).to_be_hidden()
    marker.focus()  # keyboard users get the card too
    expect(card).to_be_visible()

    marker.click()
    mark = page.locator("#rag-viewer mark#rag-hit")
    expect(mark).to_be_visible()
    assert " ".join(mark.inner_text().split()) == quote  # the highlighted span is exactly the quoted passage
    page.wait_for_function(  # scrolled into view inside the document pane
        "() => { const m = document.getElementById('rag-hit'), p = m && m.closest('pre');"
        " if (!m) return false; const r = m.getBoundingClientRect(), b = p.getBoundingClientRect();"
        " const below = m.offsetTop + m.offsetHeight > p.clientHeight;"  # did the pane have to scroll?
        " return (!below || p.scrollTop > 0) && r.top >= b.top - 1 && r.bottom <= b.bottom + 1; }", timeout=10_000)
    shot(page, "04-citation-highlighted")

    # the viewer follows the latest answer: a declined one leaves nothing old on show
    ask(page, "What is the population of Osaka?")
    expect(page.locator("#rag-viewer")).to_contain_text("cites no sources")
    expect(page.locator("#rag-viewer mark#rag-hit")).to_have_count(0)


def drawn_in(page, selector) -> set[str]:
    """The font families Chromium drew the text of `selector` (every match, children included) in."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    nodes = cdp.send("DOM.querySelectorAll", {"nodeId": root, "selector": selector})["nodeIds"]
    assert nodes, f"nothing matches {selector}"
    return {f["familyName"] for n in nodes for f in cdp.send("CSS.getPlatformFontsForNode", {"nodeId": n})["fonts"]}


def test_titles_and_text_are_drawn_in_one_font(page):
    """Bold titles used to come out in a fallback font with the odd capital in Source Sans (Gradio's
    bundled semibold file holds a few glyphs only): every title and text is drawn in one family."""
    from playwright.sync_api import expect

    css = "el => getComputedStyle(el).fontFamily"
    title = page.locator("#rag-chat h3").first  # the start screen's "Chat with your documents"
    expect(title).to_be_visible()
    page.wait_for_function("() => document.fonts.check('600 16px \"RAG Sans\"')")
    families, drawn = {title.evaluate(css)}, drawn_in(page, "#rag-chat h3")
    answer = ask(page, CONTAINERS[0])
    marker = answer.locator("a.rag-cite").first
    marker.hover()
    expect(page.locator("#rag-card")).to_be_visible()
    card = drawn_in(page, "#rag-card")
    marker.click()
    expect(page.locator("#rag-viewer .rag-viewer-title")).to_be_visible()
    selectors = ["#rag-chat .rag-answer", "#rag-chat .rag-sources strong", "#rag-chat .rag-src-title",
                 "#rag-chat .rag-sources q", "#rag-chat .rag-question", "#rag-viewer .rag-viewer-title",
                 "#rag-ask", "button[role=tab]"]
    for sel in selectors:
        families.add(page.locator(sel).first.evaluate(css))
        drawn |= drawn_in(page, sel)
    assert len(families) == 1, families  # one font stack for the chat, the answer, the sources and the titles
    assert drawn == card == {"Source Sans 3"}, (drawn, card)  # and every glyph drawn in it (the files' name)
    weights = {page.locator(s).first.evaluate("el => getComputedStyle(el).fontWeight")
               for s in ("#rag-chat .rag-sources strong", "#rag-viewer .rag-viewer-title", "#rag-chat .rag-answer")}
    assert {"400", "700"} <= weights  # titles are bold, text is not: one family, two weights
    shot(page, "16-fonts")


def test_pdf_citation_shows_the_page_with_the_span_boxed(page, served):
    from playwright.sync_api import expect

    _, _, where = served
    answer = ask(page, MIRROR)
    expect(answer).to_contain_text("3.7 metres")
    li = page.locator("#rag-chat .rag-sources").last.locator("li").filter(has_text="Varnholt Observatory Guide").first
    expect(li.locator(".rag-src-where")).to_have_text("p. 2")  # a PDF is cited by page, under its title
    quote = li.locator("q").inner_text()
    assert "\n" not in quote and "telescope whose" in quote  # hyphenation joined, no hard line breaks
    n = li.locator("a.rag-src-link").inner_text().split("]")[0] + "]"
    marker = answer.locator("a.rag-cite", has_text=n).first
    marker.hover()
    assert page.locator("#rag-card .rag-card-quote").inner_text() == quote
    expect(page.locator("#rag-card .rag-card-where")).to_contain_text("observatory.pdf \u00b7 p. 2")
    marker.click()

    img = page.locator("#rag-viewer img#rag-page-img")
    expect(img).to_be_visible()
    page.wait_for_function("() => { const i = document.getElementById('rag-page-img'); return i && i.complete"
                           " && i.naturalWidth > 0; }")
    expect(page.locator("#rag-viewer .rag-viewer-head")).to_contain_text("Varnholt Observatory Guide")
    expect(page.locator("#rag-viewer .rag-viewer-head")).to_contain_text("p. 2")
    boxes = page.locator("#rag-viewer .rag-box")
    expect(boxes).to_have_count(3)  # the sentence's three drawn lines
    ib = img.bounding_box()
    k = ib["width"] / 612  # displayed pixels per PDF point (letter is 612 x 792)
    lines = [where[(2, i)] for i in range(3)]
    left = ib["x"] + (min(x for x, _, _ in lines) - 2) * k
    right = ib["x"] + (max(x + w for x, _, w in lines) + 2) * k
    top = ib["y"] + (PAGE_H - (lines[0][1] + SIZE)) * k
    bottom = ib["y"] + (PAGE_H - (lines[-1][1] - SIZE * 0.4)) * k
    tops = []
    for i in range(3):
        b = boxes.nth(i).bounding_box()
        assert left <= b["x"] and b["x"] + b["width"] <= right, (b, left, right)
        assert top <= b["y"] and b["y"] + b["height"] <= bottom, (b, top, bottom)
        assert b["width"] > 40 * k and SIZE * 0.5 * k < b["height"] < LEADING * k
        tops.append(b["y"])
    assert tops == sorted(tops)
    shot(page, "05-pdf-page-highlighted")
    page.locator("#rag-viewer summary").click()  # and the page's text, with the span marked
    expect(page.locator("#rag-viewer mark#rag-hit")).to_contain_text("3.7 metres")

    answer = ask(page, STEEL)  # the open viewer follows the latest answer to its first source
    quote = page.locator("#rag-chat .rag-sources").last.locator("li q").first.inner_text()
    expect(page.locator("#rag-viewer img#rag-page-img")).to_have_count(0)
    expect(page.locator("#rag-viewer mark#rag-hit")).to_have_text(quote)


def test_question_markup_is_shown_as_text(page):
    from playwright.sync_api import expect

    evil = '<img src=x onerror="window.__pwned=1"><b>bold?</b>'
    ask(page, evil)
    bubble = page.locator("#rag-chat .rag-question").last
    expect(bubble).to_have_text(evil)
    assert bubble.locator("img, b").count() == 0
    assert page.evaluate("() => window.__pwned === undefined")
    shot(page, "06-markup-question-as-text")


def test_chat_survives_reload_and_reopens_from_the_list(page):
    from playwright.sync_api import expect

    ask(page, "Which party does Yoshihiko Noda lead?")
    chats = page.locator("#rag-chat-list label")
    expect(chats.filter(has_text="Which party does Yoshihiko Noda lead?")).to_have_count(1)
    page.reload()
    page.wait_for_selector("#rag-question textarea")
    expect(page.locator("#rag-chat .rag-answer").last).to_contain_text("Constitutional Democratic")  # still there
    expect(page.locator("#rag-chat .rag-question").first).to_have_text("Which party does Yoshihiko Noda lead?")

    page.click("#rag-new")
    expect(page.locator("#rag-chat .rag-answer")).to_have_count(0)
    expect(page.locator("#rag-chat")).to_contain_text("6 files")  # back to the start screen
    ask(page, "Who is Japan's chief trade negotiator in the tariff talks?")
    expect(chats).to_have_count(2)
    shot(page, "07-saved-chats")

    chats.filter(has_text="Which party").click()  # reopen the first one
    expect(page.locator("#rag-chat .rag-answer")).to_have_count(1)
    expect(page.locator("#rag-chat .rag-answer").last).to_contain_text("Constitutional Democratic")

    page.locator("#rag-chat-manage").get_by_text("Rename or delete this chat").click()
    title = page.locator("#rag-chat-title input")
    expect(title).to_have_value("Which party does Yoshihiko Noda lead?")  # the reopened chat's title
    title.fill("")
    title.press_sequentially("Noda's party", delay=20)  # typed as a user types (fill + an instant click can
    page.click("#rag-chat-rename")                     # beat the textbox's own update of its value)
    expect(chats.filter(has_text="Noda's party")).to_have_count(1)

    ctx2 = page.context.browser.new_context(viewport={"width": 1400, "height": 900})  # another browser profile
    other = ctx2.new_page()
    other.goto(page.url)
    other.wait_for_selector("#rag-question textarea")
    expect(other.locator("#rag-chat-list label")).to_have_count(0)  # chats stay in their own browser
    ctx2.close()
    second = page.context.new_page()  # a second tab of the same browser has them
    second.goto(page.url)
    expect(second.locator("#rag-chat-list label").filter(has_text="Noda's party")).to_have_count(1)
    second.close()

    page.click("#rag-chat-delete")
    expect(chats).to_have_count(1)
    expect(chats.filter(has_text="Noda's party")).to_have_count(0)
    expect(page.locator("#rag-chat .rag-answer")).to_have_count(0)


def big_pdf(path, pages=20, lines=44):
    """A long report of distinct sentences, enough passages for several embedding batches."""
    rnd = random.Random(7)
    words = ("quarterly harbour freight ledger tonnage berth crane dredging pilot tug manifest "
             "warehouse container schedule vessel draught ballast mooring gantry reefer terminal throughput").split()
    text = []
    for p in range(pages):
        body = []
        for i in range(lines):
            body.append(f"Line {p}-{i}: the " + " ".join(rnd.choice(words) for _ in range(9)) + ".")
        text.append(body)
    write_pdf(path, text, title="Harbour Freight Report")


def test_upload_shows_one_advancing_progress_then_plain_result(page, served, tmp_path):
    from playwright.sync_api import expect

    a, _, _ = served
    report = tmp_path / "harbour report.pdf"
    big_pdf(report)
    bad = tmp_path / "notes.exe"
    bad.write_bytes(b"MZ\x90\x00")
    page.get_by_role("tab", name="Documents").click()
    expect(page.get_by_role("gridcell", name="Varnholt Observatory Guide")).to_be_visible()  # listed by title
    expect(page.get_by_role("row", name=re.compile(r"observatory\.pdf PDF [\d.]+ KB 3 \d+"))).to_be_visible()
    assert str(a.config.docs_dir) not in page.locator("body").inner_text()  # no server paths on show
    shot(page, "08-documents")

    page.evaluate("""() => {  // record every progress line and how many indicators show at once
      window.__seen = []; window.__most = 0;
      const look = () => {
        const shown = [...document.querySelectorAll('.progress-text, .eta-bar, .progress-level')]
          .filter(e => e.getClientRects().length && !e.closest('#rag-doc-status'));
        const here = document.querySelector('#rag-doc-status .progress-level, #rag-doc-status .progress-text');
        window.__elsewhere = Math.max(window.__elsewhere || 0, shown.length);
        const t = here ? document.querySelector('#rag-doc-status').innerText.trim() : '';
        if (t && window.__seen[window.__seen.length - 1] !== t) window.__seen.push(t);
      };
      new MutationObserver(look).observe(document.body, {subtree: true, childList: true, characterData: true,
                                                          attributes: true});
    }""")
    page.locator("#rag-upload input[type=file]").set_input_files([str(report), str(bad)])
    page.get_by_role("button", name="Upload and index").click()
    status = page.locator("#rag-doc-status")
    expect(status).to_contain_text(re.compile(r"Embedding \d+ of \d+ passages"), timeout=60_000)
    bar = page.locator("#rag-doc-status .progress-level").first  # a bar a person can see
    expect(bar).to_be_visible()
    assert bar.bounding_box()["height"] >= 10 and bar.bounding_box()["width"] >= 200
    shot(page, "09-upload-progress")
    expect(status).to_contain_text(re.compile(r"harbour report\.pdf added: 20 pages, \d+ passages"), timeout=180_000)
    expect(status).to_contain_text("notes.exe was not added: unsupported file type .exe")
    shot(page, "10-uploaded")
    seen = page.evaluate("window.__seen")
    fractions = [float(m.group(1)) for t in seen for m in [re.search(r"(\d+(?:\.\d+)?)%", t)] if m]
    assert len(set(fractions)) >= 3 and fractions == sorted(fractions), seen  # it advanced as the work was done
    assert any(0 < f < 100 for f in fractions) and any(re.match(r"Embedding \d+ of \d+ passages", t) for t in
                                                       (x.split("\n")[-1] for x in seen)), seen
    assert any("left" in t for t in seen), seen  # with an estimate of the time left
    assert page.evaluate("window.__elsewhere") == 0  # one indicator only, on the status line
    assert (Path(a.config.docs_dir) / "harbour report.pdf").exists()
    assert not (Path(a.config.docs_dir) / "notes.exe").exists()


def test_remove_asks_first_and_leaves_no_temp_copies(page, served, tmp_path):
    from gradio.utils import get_upload_folder
    from playwright.sync_api import expect

    a, _, _ = served
    note = tmp_path / "lighthouse.md"
    note.write_text("# Lighthouse log\n\nThe Quillon Point lighthouse keeper is Marguerite Oyelaran.\n\n"
                    f"Log {uuid.uuid4().hex}.\n")  # new content, so gradio's copy gets a new folder
    copies = lambda: set(Path(get_upload_folder()).glob("*/lighthouse.md"))  # noqa: E731
    before = copies()  # (other runs' leftovers, if any)
    page.get_by_role("tab", name="Documents").click()
    page.locator("#rag-upload input[type=file]").set_input_files(str(note))
    page.get_by_role("button", name="Upload and index").click()
    expect(page.locator("#rag-doc-status")).to_contain_text("lighthouse.md added", timeout=120_000)
    expect(page.get_by_role("gridcell", name="lighthouse.md").first).to_be_visible()
    page.get_by_role("tab", name="Chat").click()
    answer = ask(page, "Who is the keeper of the Quillon Point lighthouse?")
    expect(answer).to_contain_text("Marguerite Oyelaran")

    page.get_by_role("tab", name="Documents").click()
    page.locator("#rag-pick input").click()
    page.get_by_role("option", name=re.compile("lighthouse.md")).click()
    page.click("#rag-remove")
    confirm = page.locator("#rag-confirm-text")
    expect(confirm).to_be_visible()
    expect(page.locator("#rag-remove-yes")).to_be_visible()
    expect(confirm).to_contain_text("lighthouse.md")
    assert (Path(a.config.docs_dir) / "lighthouse.md").exists()  # nothing removed yet
    shot(page, "11-confirm-remove")
    page.click("#rag-remove-no")
    expect(confirm).to_be_hidden()
    assert (Path(a.config.docs_dir) / "lighthouse.md").exists()

    page.click("#rag-remove")
    page.click("#rag-remove-yes")
    expect(page.locator("#rag-doc-status")).to_contain_text("Removed", timeout=120_000)
    expect(page.get_by_role("gridcell", name="lighthouse.md")).to_have_count(0)
    assert not (Path(a.config.docs_dir) / "lighthouse.md").exists()
    assert "lighthouse.md" not in a.files()
    assert copies() <= before  # no temporary copies left


def test_dark_mode_highlight_is_readable_and_controls_do_not_overlap(browser, url):
    from playwright.sync_api import expect

    ctx, page = open_page(browser, url, query="?__theme=dark")
    try:
        assert page.evaluate("() => document.body.classList.contains('dark') || "
                             "!!document.querySelector('.dark')")
        answer = ask(page, STEEL)
        answer.locator("a.rag-cite").first.click()
        mark = page.locator("#rag-viewer mark#rag-hit")
        expect(mark).to_be_visible()
        fg, bg = mark.evaluate("m => [getComputedStyle(m).color, getComputedStyle(m).backgroundColor]")
        assert contrast(fg, bg) >= 4.5, (fg, bg)
        assert_no_overlaps(page, ["#rag-chats-col", "#rag-chat", "#rag-question", "#rag-ask", "#rag-viewer-col"])
        shot(page, "12-dark-mode")
    finally:
        ctx.close()


def test_phone_width_has_no_overlapping_controls(browser, url):
    from playwright.sync_api import expect

    ctx, page = open_page(browser, url, width=390, height=844)
    try:
        answer = ask(page, STEEL)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390  # nothing sticks out sideways
        boxes = assert_no_overlaps(page, ["#rag-chat", "#rag-question", "#rag-ask", "#rag-settings",
                                          "#rag-new", "#rag-chat-list"])
        for b in boxes.values():
            assert b["x"] >= 0 and b["x"] + b["width"] <= 390 + 1
        icons = page.locator("#rag-chat button, #rag-chat [data-testid=block-label]")
        msgs = page.locator("#rag-chat .rag-answer, #rag-chat .rag-question")
        for _ in range(2):  # the chat's icons and labels stay clear of the messages, at both ends of the scroll
            for i in range(icons.count()):
                icon = icons.nth(i)
                if icon.is_visible():
                    for j in range(msgs.count()):
                        assert not overlaps(icon.bounding_box(), msgs.nth(j).bounding_box(), slack=2), \
                            icon.get_attribute("aria-label") or icon.inner_text()
            page.evaluate("() => { const c = document.querySelector('#rag-chat .bubble-wrap') ||"
                          " document.querySelector('#rag-chat'); c.scrollTop = 0; }")
        shot(page, "13-phone-chat")
        answer.locator("a.rag-cite").first.click()
        viewer = page.locator("#rag-viewer-col")
        expect(page.locator("#rag-viewer mark#rag-hit")).to_be_visible()
        vb = viewer.bounding_box()  # the source opens as a sheet over the chat, not far below it
        assert vb["y"] <= 1 and vb["width"] >= 380
        close = page.locator("#rag-viewer-close")
        cb = close.bounding_box()
        assert 0 <= cb["y"] and cb["y"] + cb["height"] <= 844
        shot(page, "14-phone-source")
        close.click()
        expect(viewer).to_be_hidden()
    finally:
        ctx.close()


def _luminance(css: str) -> float:
    r, g, b = (int(x) / 255 for x in re.findall(r"\d+", css)[:3])
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(fg: str, bg: str) -> float:
    hi, lo = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.fixture(scope="module")
def library_url(tmp_path_factory):
    """The UI over a `rag.Library` (seeds/ as "default"), with its collection picker."""
    import rag
    from ui.app import create_app, serve

    if not hasattr(rag, "Library"):
        pytest.skip("rag.Library (collections) is not in this checkout")
    root = tmp_path_factory.mktemp("ui_library")
    shutil.copytree(ROOT / "seeds", root / "docs")
    cfg = rag.Config.load(docs_dir=root / "docs", index_dir=root / "index", collections_dir=root / "collections")
    lib = rag.Library(cfg)
    lib.get("default").ingest(progress=False)
    app = create_app(lib)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    serve(app, "127.0.0.1", port, prevent_thread_lock=True)
    yield lib, f"http://127.0.0.1:{port}/"
    app.close()


def test_collection_picker_keeps_each_collection_apart(browser, library_url, tmp_path):
    from playwright.sync_api import expect

    lib, url = library_url
    ctx, page = open_page(browser, url)
    try:
        picker = page.locator("#rag-collection input")
        expect(picker).to_have_value("default")
        page.get_by_role("tab", name="Documents").click()
        page.fill("#rag-new-collection input", "team-a")
        page.click("#rag-create-collection")
        expect(page.locator("#rag-doc-status")).to_contain_text("Collection team-a created")
        assert lib.names() == ["default", "team-a"]
        expect(picker).to_have_value("team-a")
        expect(page.locator("#rag-folder")).to_contain_text("Collection team-a")
        expect(page.locator("#rag-docs")).not_to_contain_text("000_b4acd3bf5adef64c.txt")  # its own, empty list
        note = tmp_path / "lighthouse.md"
        note.write_text("# Lighthouse log\n\nThe Quillon Point lighthouse keeper is Marguerite Oyelaran.\n")
        page.locator("#rag-upload input[type=file]").set_input_files(str(note))
        page.get_by_role("button", name="Upload and index").click()
        expect(page.locator("#rag-doc-status")).to_contain_text("lighthouse.md added", timeout=120_000)
        assert (Path(lib.get("team-a").config.docs_dir) / "lighthouse.md").exists()
        assert not (Path(lib.get("default").config.docs_dir) / "lighthouse.md").exists()

        page.get_by_role("tab", name="Chat").click()
        answer = ask(page, "Who is the keeper of the Quillon Point lighthouse?")
        expect(answer).to_contain_text("Marguerite Oyelaran")
        answer.locator("a.rag-cite").first.click()  # the viewer reads the source from this collection
        expect(page.locator("#rag-viewer mark#rag-hit")).to_contain_text("Marguerite Oyelaran")
        shot(page, "15-collection-team-a")

        picker.click()
        page.get_by_role("option", name="default").click()
        expect(page.locator("#rag-chat .rag-answer")).to_have_count(0)  # a new chat over the other collection
        expect(page.locator("#rag-chat")).to_contain_text("2 files")
        other = ask(page, "Who keeps the Quillon Point lighthouse?")
        expect(other).not_to_contain_text("Marguerite Oyelaran")

        page.locator("#rag-chat-list label").filter(has_text="Who is the keeper").click()  # reopening a chat
        expect(page.locator("#rag-chat .rag-answer").first).to_contain_text("Marguerite Oyelaran")
        expect(picker).to_have_value("team-a")  # brings its collection back

        page.get_by_role("tab", name="Documents").click()  # deleting a collection asks first
        page.click("#rag-delete-collection")
        expect(page.locator("#rag-coll-confirm-text")).to_contain_text(
            "Delete the collection team-a and its 1 document")
        assert lib.names() == ["default", "team-a"]
        page.click("#rag-delete-collection-yes")
        expect(page.locator("#rag-doc-status")).to_contain_text("Collection team-a deleted")
        assert lib.names() == ["default"]
        expect(picker).to_have_value("default")
        page.click("#rag-delete-collection")  # the documents folder itself is never deleted from here
        expect(page.locator("#rag-doc-status")).to_contain_text("cannot be deleted")
    finally:
        ctx.close()
