"""The visible seed questions through the public API: facts, grounded citations, abstention."""
import json
import unicodedata

import pytest

from conftest import SEEDS, SHARED

QA = SHARED / "eval" / "seed_qa.jsonl"


def _norm(s: str) -> str:
    return unicodedata.normalize("NFKC", s).casefold().replace("\u2019", "'")


def _has_fact(text: str, fact) -> bool:
    alts = [fact] if isinstance(fact, str) else fact
    return any(_norm(a) in _norm(text) for a in alts)


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


def _evidence_spans(item):
    spans = []
    for ev in item["evidence"]:
        text = (SEEDS / ev["source"]).read_text(encoding="utf-8")
        i = text.find(ev["quote"])
        assert i >= 0, ev
        spans.append((ev["source"], i, i + len(ev["quote"])))
    return spans


def test_fact_accuracy(results):
    answerable = [(i, a) for i, a in results if i["answerable"]]
    right = [i["id"] for i, a in answerable if all(_has_fact(a.text, f) for f in i["facts"])]
    wrong = [(i["id"], a.text[:120]) for i, a in answerable if i["id"] not in right]
    # Regression floor at the measured level (24/29 on 2026-11-23); the product target is 90%+.
    assert len(right) / len(answerable) >= 0.82, wrong


def test_every_unanswerable_question_is_declined(results):
    for item, ans in results:
        if not item["answerable"]:
            assert ans.abstained, (item["id"], ans.text)
            assert ans.citations == ()
            assert "don't say" in ans.text


def test_answerable_questions_are_answered_with_grounded_citations(results):
    declined = [i["id"] for i, a in results if i["answerable"] and a.abstained]
    assert len(declined) <= 1, declined
    grounded = 0
    answered = [(i, a) for i, a in results if i["answerable"] and not a.abstained]
    for item, ans in answered:
        spans = _evidence_spans(item)
        if any(c.source == s and c.start < e and b < c.end for c in ans.citations for s, b, e in spans):
            grounded += 1
    # Measured 23/28 on 2026-11-23 (v03/v28 cite the other article's equally true "50%" sentence,
    # which the gold evidence does not list); a floor, so a regression fails.
    assert grounded / len(answered) >= 0.8


def test_citations_are_verbatim_and_match_markers(results):
    for item, ans in results:
        if ans.abstained:
            continue
        assert ans.citations
        for c in ans.citations:
            text = (SEEDS / c.source).read_text(encoding="utf-8")
            assert c.quote == text[c.start:c.end]
            assert c.line_start == text.count("\n", 0, c.start) + 1
            assert c.line_end == text.count("\n", 0, c.end - 1) + 1
            assert f"[{c.n}]" in ans.text
        assert [c.n for c in ans.citations] == list(range(1, len(ans.citations) + 1))


def test_boilerplate_is_never_cited(results):
    for _, ans in results:
        for c in ans.citations:
            for junk in ("cookies", "Newsletter", "You May Also Like", "wikimedia.org", "Related Articles"):
                assert junk not in c.quote


def test_softbank_answer_cites_the_softbank_story(seed_assistant):
    ans = seed_assistant.ask("What is SoftBank's Arizona project codenamed?")
    assert not ans.abstained
    assert "Crystal Land" in ans.text
    assert all(c.section.startswith("Masayoshi Son pitches") for c in ans.citations)


def test_follow_up_uses_history(seed_assistant):
    first = seed_assistant.ask("What tariffs does Japan face on steel?")
    assert "50%" in first.text
    follow = seed_assistant.ask("And on cars?", history=[("What tariffs does Japan face on steel?", first.text)])
    assert not follow.abstained
    assert "steel" not in follow.text  # not the last answer again
    assert any(w in follow.text for w in ("car", "auto"))
    alone = seed_assistant.ask("And on cars?")
    assert alone.text != follow.text


def test_sources_that_disagree_are_shown_side_by_side(seed_assistant):
    ans = seed_assistant.ask("How many rounds of talks have the U.S. and Japan held in Washington?")
    assert ans.text.startswith("The sources differ")
    assert {c.source for c in ans.citations} == {"000_b4acd3bf5adef64c.txt", "004_960903e5580e0182.txt"}
    assert "six rounds" in ans.text and "fifth round" in ans.text


def test_multi_part_question_gets_a_sentence_per_part(seed_assistant):
    ans = seed_assistant.ask("What tariff has Trump imposed on cars, and how many people does the auto sector employ?")
    assert "25%" in ans.text and "5.6 million" in ans.text
