"""What the web UI keeps in the browser's localStorage: saved chats only, within a bound, across restarts.

Gradio's run history used to record every event's inputs and outputs there (all saved chats on each
answer, the source viewer's HTML on each citation click), under a new key per server start, until the
quota was full and saving a chat failed. The browser test drives a real Chromium with a persistent
profile that such a history had filled, and closes and relaunches it twice.

RAG_STORAGE_QUESTIONS=50 runs the browser test at the issue's size (50 questions, 50 citation
clicks; a few minutes) and prints what is stored.
"""
import os

import pytest

from test_ui_browser import ARGS, CHROMIUM, MIRROR, STEEL, ask, browser, served, url  # noqa: F401 (fixtures)
from conftest import CHAIR, CONTAINERS, MEMBERS, RETREAT

QUESTIONS = [CONTAINERS[0], CHAIR[0], RETREAT[0], MEMBERS[0], MIRROR, STEEL]  # each answered with sources
PER_CHAT = 2  # questions per chat: several chats to list and reopen
MB = 1_000_000
# localStorage characters: Chromium counts two bytes each against its quota (about 5 M characters)
STORED = ("() => Object.keys(localStorage).reduce((n, k) => n + k.length + localStorage.getItem(k).length, 0)")
KEYS = "() => Object.keys(localStorage)"
PER_QUESTION, PER_CLICK = 6_000, 100  # characters; measured at most 2,328 and 0


def test_saved_chats_stay_within_their_budget():
    from ui import chats

    turn = lambda q, n=2_000: {"q": q, "text": "t", "html": "x" * n, "cites": []}  # noqa: E731
    store, ids = chats.empty(), []
    for i in range(40):  # 40 chats of 5 long turns: about 400 K characters before trimming
        store, cid = chats.save(store, None, [turn(f"q{i}-{j}") for j in range(5)])
        ids.append(cid)
        assert chats.size(store) <= chats.MAX_CHARS
    kept = [i for _, i in chats.choices(store)]
    assert kept == ids[::-1][:len(kept)] and 20 < len(kept) < 40  # the oldest went first, the rest whole
    assert all(len(chats.find(store, i)["turns"]) == 5 for i in kept)
    store, cid = chats.save(store, None, [turn(f"long {j}", 20_000) for j in range(20)])  # one chat over it alone
    assert chats.size(store) <= chats.MAX_CHARS
    assert [i for _, i in chats.choices(store)] == [cid]
    assert [t["q"] for t in chats.find(store, cid)["turns"]] == [f"long {j}" for j in range(6, 20)]  # its latest


def _launch(browser, profile):  # noqa: F811
    """A Chromium on `profile` (a user data dir kept between launches, as a person's browser keeps it)."""
    return browser.browser_type.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, args=ARGS, headless=True, viewport={"width": 1400, "height": 900})


def _open(ctx, url):  # noqa: F811
    pg = ctx.pages[0] if ctx.pages else ctx.new_page()
    pg.set_default_timeout(60_000)
    pg.goto(url)
    pg.wait_for_selector("#rag-question textarea")
    pg.wait_for_function("() => !!document.getElementById('rag-style')")  # page script installed
    return pg


def _ask_and_click(pg, question, grown):
    """Ask, then click the answer's first citation; records the characters stored by each in `grown`."""
    before = pg.evaluate(STORED)
    ask(pg, question)
    pg.wait_for_function(f"(n) => ({STORED})() > n", arg=before)  # the chat is saved with its new turn
    pg.wait_for_timeout(300)
    after = pg.evaluate(STORED)
    grown["question"].append(after - before)
    pg.locator("#rag-chat .rag-answer").last.locator("a.rag-cite").first.click()
    pg.locator("#rag-viewer mark#rag-hit, #rag-viewer img#rag-page-img").first.wait_for()
    pg.wait_for_timeout(500)  # (a recorder would write once the event completes)
    grown["click"].append(pg.evaluate(STORED) - after)


def _new_chat(pg):
    from playwright.sync_api import expect

    pg.click("#rag-new")
    expect(pg.locator("#rag-chat .rag-answer")).to_have_count(0)


def _answers(pg):
    return [a.inner_text() for a in pg.locator("#rag-chat .rag-answer").all()]


def _check_chats(pg, saved):
    """Every chat in `saved` ((title, answers), oldest first) is listed, newest first, and reopens with
    the same answers; the newest one's citation still opens its source."""
    from playwright.sync_api import expect

    labels = pg.locator("#rag-chat-list label")
    expect(labels).to_have_count(len(saved))
    assert [x.strip() for x in labels.all_inner_texts()] == [t for t, _ in reversed(saved)]
    for i, (_, answers) in enumerate(reversed(saved)):
        labels.nth(i).click()
        shown = pg.locator("#rag-chat .rag-answer")
        expect(shown).to_have_count(len(answers))
        expect(shown.first).to_have_text(answers[0])  # (the chats before it had as many answers)
        assert _answers(pg) == answers
    labels.first.click()
    # wait for the newest chat itself, not its count: each chat here has as many answers, so the count is
    # met before the switch lands, and the switch would then close the viewer that the click opened
    expect(pg.locator("#rag-chat .rag-answer").first).to_have_text(saved[-1][1][0])
    assert _answers(pg) == saved[-1][1]
    pg.locator("#rag-chat .rag-answer").last.locator("a.rag-cite").first.click()
    expect(pg.locator("#rag-viewer mark#rag-hit, #rag-viewer img#rag-page-img").first).to_be_visible()


@pytest.mark.browser
@pytest.mark.skipif(not os.path.exists(CHROMIUM) and os.environ.get("CI") != "true",
                    reason="needs Debian's chromium (apt-get install chromium); required when CI=true")
def test_chats_survive_browser_restarts_and_storage_stays_small(browser, url, tmp_path):  # noqa: F811
    from ui.chats import title_of

    n = int(os.environ.get("RAG_STORAGE_QUESTIONS") or 6)
    profile = tmp_path / "profile"
    ctx = _launch(browser, profile)
    pg = _open(ctx, url)
    # what run history from earlier server starts left: the storage filled to Chromium's quota, so a
    # chat saved on top of it would be lost (as the issue saw) unless the page clears it
    stale = pg.evaluate("""() => { let n = 0, i = 0;
      for (let size = 600000; size >= 500; ) {
        try { localStorage.setItem('gradio:run-history:v2:' + (1000 + i), 'r'.repeat(size)); n += size; i++; }
        catch (e) { size = Math.floor(size / 2); } }
      return n; }""")
    assert stale >= 5 * MB, stale
    pg = _open(ctx, url)  # a reload: the page clears it
    assert not [k for k in pg.evaluate(KEYS) if k.startswith("gradio:")]
    base = pg.evaluate(STORED)

    grown, saved = {"question": [], "click": []}, []
    for i in range(n):
        if i % PER_CHAT == 0 and i:
            saved.append((title, _answers(pg)))
            _new_chat(pg)
        if i % PER_CHAT == 0:
            title = title_of([{"q": QUESTIONS[i % len(QUESTIONS)]}])
        _ask_and_click(pg, QUESTIONS[i % len(QUESTIONS)], grown)
    saved.append((title, _answers(pg)))
    total = pg.evaluate(STORED)
    keys = pg.evaluate(KEYS)
    print(f"\n{n} questions, {n} citation clicks: {total:,} characters stored ({2 * total / MB:.2f} MB as UTF-16),"
          f" keys {keys}; per question max {max(grown['question']):,}, per click max {max(grown['click']):,}")
    assert not [k for k in keys if k.startswith("gradio:run-history:")]  # Gradio records nothing
    assert max(grown["click"]) <= PER_CLICK, grown  # a citation click stores nothing
    assert max(grown["question"]) <= PER_QUESTION, grown  # a question stores its turn
    assert 2 * (base + 50 * PER_QUESTION + 50 * PER_CLICK) < MB  # so 50 questions and 50 clicks stay < 1 MB
    assert 2 * total < MB
    ctx.close()

    for restart in range(2):  # close the browser and open it again on the same profile, twice
        ctx = _launch(browser, profile)
        pg = _open(ctx, url)
        _check_chats(pg, saved)
        if restart == 0:  # and a chat asked after a restart is kept through the next one
            _new_chat(pg)
            _ask_and_click(pg, CHAIR[0], grown)
            saved.append((title_of([{"q": CHAIR[0]}]), _answers(pg)))
        ctx.close()
