"""The learned boilerplate classifier (rag.read.boilerplate) on small texts written here.

A made-up web page saved as text must lose its menus and share buttons and keep its article;
ordinary documents (an essay, a notes file of short lines) must keep every block. Blocks are
one per line here, as the text reader makes them for a web dump.
"""
import subprocess
import sys
import time

import pytest

from rag.read import boilerplate as bp

MENU = ["Home", "World", "Politics", "Business", "Tech", "Science", "Health", "Sports", "Opinion",
        "Sign in", "Subscribe", "Search", "Menu"]
SHARE = ["Share on Facebook", "Share on Twitter", "Email", "Print"]
ARTICLE = [
    "The river town of Millbrook voted on Tuesday to rebuild its old stone bridge, ending a debate "
    "that had divided residents for more than a decade.",
    "The council approved the plan by seven votes to two after a meeting that ran late into the "
    "evening, with dozens of people waiting outside the hall to hear the result.",
    "Engineers say the bridge, which was built in 1870, can no longer carry buses or delivery "
    "trucks, and that repairs would only delay a full replacement by a few years.",
    "Opponents argued that the money would be better spent on the town's schools, but the mayor "
    "said the bridge was the only route to the hospital for many families on the east bank.",
    "Work is expected to begin next spring and to take about two years, during which a temporary "
    "crossing will be built a short distance downstream.",
]
PAGE = (
    ["Millbrook votes to rebuild its stone bridge | The Valley Gazette"] + MENU
    + ["Advertisement", "Local News", "Millbrook votes to rebuild its stone bridge", "By Jane Porter",
       "March 4, 2024", "5 min read"] + SHARE + ARTICLE[:3]
    + ["The old bridge seen from the east bank. Photo: Valley Gazette"] + ARTICLE[3:]
    + SHARE + ["Related stories", "School budget vote set for May", "New bus routes start Monday",
               "Weather: storms expected this weekend", "About us", "Contact", "Careers",
               "Privacy Policy", "Terms of Use", "\u00a9 2024 The Valley Gazette. All rights reserved."]
)

ESSAY = [
    "On Keeping a Garden Journal",
    "For years I planted the same vegetables in the same beds and wondered why some summers were "
    "generous and others were not. The answer, it turned out, was in details I had never written down.",
    "A journal does not need to be elaborate. A date, the weather, what was sown and where, and a "
    "line about anything unusual is enough to make next year's decisions much easier.",
    "The first thing my notes showed was that the tomatoes did poorly every time they followed "
    "potatoes. Rotating the beds fixed that within a season.",
    "Methods",
    "I kept one page per week from March to October, and a summary page at the end of each month.",
    "Results",
    "Yields rose in the second year, and I wasted far fewer seeds because I knew what had failed before.",
    "Conclusion",
    "Write things down. The garden remembers everything; the gardener, unfortunately, does not.",
]

NOTES = [
    "Q3 planning notes",
    "Revenue 2024: $5M",
    "Costs 2024: $3.2M",
    "Headcount: 12",
    "Goals",
    "Hire two engineers",
    "Ship the beta by March",
    "Open the Berlin office",
    "Risks",
    "Supplier delays",
    "Next meeting: June 3",
]


def test_web_page_keeps_the_article_and_drops_most_furniture():
    keep = bp.body_mask(PAGE)
    assert len(keep) == len(PAGE)
    kept = {b for b, k in zip(PAGE, keep) if k}
    assert all(p in kept for p in ARTICLE), [p[:40] for p in ARTICLE if p not in kept]
    furniture = MENU + SHARE + ["Privacy Policy", "Terms of Use", "About us", "Contact", "Careers"]
    dropped = sum(1 for b, k in zip(PAGE, keep) if not k and b in furniture)
    assert dropped >= 0.8 * sum(1 for b in PAGE if b in furniture)
    # Most of the characters kept are the article's.
    assert sum(map(len, ARTICLE)) >= 0.8 * sum(len(b) for b, k in zip(PAGE, keep) if k)


def test_probabilities_rank_article_above_menu():
    probs = bp.body_probabilities(PAGE)
    assert len(probs) == len(PAGE) and all(0.0 <= p <= 1.0 for p in probs)
    art = [p for b, p in zip(PAGE, probs) if b in ARTICLE]
    menu = [p for b, p in zip(PAGE, probs) if b in MENU]
    assert min(art) > max(menu)


@pytest.mark.parametrize("doc", [ESSAY, NOTES], ids=["essay", "notes"])
def test_ordinary_documents_keep_all_their_text(doc):
    assert bp.body_mask(doc) == [True] * len(doc)


def test_short_lines_inside_prose_are_kept():
    doc = ESSAY[:4] + ["Revenue 2024: $5M", "Costs 2024: $3.2M"] + ESSAY[4:]
    assert bp.body_mask(doc) == [True] * len(doc)


def test_empty_and_tiny_inputs():
    assert bp.body_probabilities([]) == [] and bp.body_mask([]) == []
    assert bp.body_mask(["Just one line"]) == [True]


def test_model_loads_fast_and_needs_only_numpy():
    times = []
    for _ in range(3):
        bp.load_model.cache_clear()
        t = time.perf_counter()
        bp.load_model()
        times.append(time.perf_counter() - t)
    assert min(times) < 0.005, f"model load took {min(times) * 1000:.1f} ms"
    code = ("import sys, rag.read.boilerplate as b; b.body_mask(['Home', 'News', 'A sentence that says something.']); "
            "print(sorted(m for m in ('sklearn', 'lightgbm') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
