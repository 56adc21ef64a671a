"""Numbered and lettered names (rag.answer.identifiers): a question about "Grade II" is not answered
by the sentence about "Grade I". Pure pairs first, then end to end over a corpus written for the test
(real MiniLM, Chroma and relevance model)."""
import pytest
from conftest import ingested_texts

from rag.answer.identifiers import contradicts, pairs


def test_pairs_read_numerals_letters_and_codes_and_not_dates_or_figures():
    assert pairs("World War II, Type IV, class B and Model-65B") == \
        {("war", "2"), ("type", "4"), ("class", "B"), ("model", "65B")}
    assert pairs("Figure 3.2 was drawn on June 22 in the year 1999") == set()


def test_a_sentence_naming_only_another_identifier_contradicts():
    asked = pairs("What causes Grade II sprains?")
    assert contradicts(asked, "Grade I sprains are caused by overstretching the ligament.")
    assert not contradicts(asked, "Grade II sprains are caused by a partial tear.")
    assert not contradicts(asked, "Grade I and Grade II sprains both heal with rest.")  # names both
    assert not contradicts(pairs("Which battles of World War 2?"), "In World War II the fleet sailed.")
    # a question naming two after the same word is answered by a sentence naming either
    assert not contradicts(pairs("How do valve A and valve B differ?"), "Valve A opens before the pump starts.")


GUIDE = """Ankle sprain guide

Grade I ankle sprains are caused by stretching the ankle ligament too far, and rest heals them in a week.
The clinic sees many runners each spring, most of them after long races on uneven trails.
Grade II ankle sprains come from a partial tear of the ligament and need a brace for three weeks.
Swimming keeps the muscles strong while the joint recovers.
"""


@pytest.fixture(scope="module")
def guide(tmp_path_factory, embedder):
    return ingested_texts(tmp_path_factory, embedder, "sprains", {"guide.md": GUIDE})


def test_the_answer_opens_with_the_asked_identifier(guide):
    ans = guide.ask("What causes Grade II ankle sprains?")
    assert ans.citations[0].text.startswith("Grade II ankle sprains")
