"""The visible seed questions through the public API: mechanisms only (verbatim citations that match
their markers, declines without sources, nothing cited outside the document's body).

The seed questions are report-only: their quality (facts, citation precision, abstention) is measured
by `python -m eval.run --dataset seeds`, not asserted here, and nothing is fitted to them."""
import json

import pytest

from conftest import SEEDS, SHARED

QA = SHARED / "eval" / "seed_qa.jsonl"


@pytest.fixture(scope="module")
def results(seed_assistant):
    if not QA.exists():
        pytest.skip("../shared/eval/seed_qa.jsonl not beside the checkout")
    items = [json.loads(line) for line in QA.open(encoding="utf-8")]
    out = []
    for item in items:
        history = []
        for q in item.get("history", []):
            history.append((q, seed_assistant.ask(q, history=list(history)).text))
        out.append((item, seed_assistant.ask(item["question"], history=history or None)))
    return out


def test_declined_answers_carry_no_sources(results):
    for item, ans in results:
        if ans.abstained:
            assert ans.citations == ()
            assert "don't say" in ans.text
        else:
            assert ans.citations, item["id"]


def test_citations_are_verbatim_and_match_markers(results):
    for item, ans in results:
        if ans.abstained:
            continue
        for c in ans.citations:
            text = (SEEDS / c.source).read_text(encoding="utf-8")
            assert c.quote == text[c.start:c.end]
            assert c.line_start == text.count("\n", 0, c.start) + 1
            assert c.line_end == text.count("\n", 0, c.end - 1) + 1
            assert f"[{c.n}]" in ans.text
        assert [c.n for c in ans.citations] == list(range(1, len(ans.citations) + 1))


def test_only_the_body_is_cited(results):
    # What the reader left out of the body (page furniture) can never be cited: each citation lies
    # inside one of the document's body spans.
    from rag import read_document

    bodies = {}
    for _, ans in results:
        for c in ans.citations:
            spans = bodies.setdefault(c.source, read_document(SEEDS / c.source, c.source).body_spans)
            assert any(a <= c.start and c.end <= b for a, b in spans), (c.source, c.start, c.end)
