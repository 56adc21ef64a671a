"""Whose document (rag.answer.owners): an answer to a question that names one company's filing quotes
no further sentence from another company's. Names first (pure), then the filter on sentences written
for the test, then end to end over two filings written for the test (real MiniLM, Chroma and
relevance model)."""
import numpy as np
import pytest
from conftest import ingested_texts

from rag.answer import Scored
from rag.answer.owners import asked_names, doc_names, own_documents
from rag.store import Record


def test_a_document_is_named_by_its_filer_its_subject_or_its_file_name_whole():
    assert "amcor" in doc_names("Amcor Plc, Form 10-K, fiscal year ended June 30, 2023", "AMCOR_2023_10K.pdf")
    assert "boeing" in doc_names("The Boeing Company, Form 10-K, fiscal year ended December 31, 2022", "x.pdf")
    assert "bestbuy" in doc_names("Best Buy Co., Inc., Form 10-Q, quarter ended July 29, 2023", "report.pdf")
    assert "bestbuy" in asked_names("What were Best Buy's revenues?")
    assert "johnsonjohnson" in asked_names("What were Johnson & Johnson's sales?")
    # a part of a name names nothing: "French" is not "French and Indian War", "Wars" not "Warsaw"
    assert not asked_names("When did the first French bible appear?") & \
        doc_names("French and Indian War", "French_and_Indian_War.txt")
    assert not asked_names("When were the Wars of Religion fought?") & doc_names("Warsaw", "Warsaw.txt")


def _sentence(source: str, text: str, chunk: str) -> Scored:
    meta = {"source": source, "start": 0, "end": len(text), "kind": "paragraph", "chunk": chunk}
    return Scored(Record(f"{source}:{text}", text, meta), np.zeros(1), 0.0, frozenset())


TITLES = {"h": "Halden Marine Inc., Form 10-Q", "c": "Corvo Foods Inc., Form 10-Q", "k": "Kvalsund Yards"}


def test_a_further_sentence_of_a_document_the_question_does_not_name_is_left_out():
    halden = _sentence("halden.pdf", "Diluted earnings per share were $2.41.", "h")
    corvo = _sentence("corvo.pdf", "Diluted earnings per share were $0.87.", "c")
    asked = "What were Halden Marine's diluted earnings per share?"
    assert own_documents(asked, [halden, corvo], [halden, corvo], TITLES) == [halden]
    # a question that names neither, or an answer that opens with an unnamed one, is left as it is
    assert own_documents("What were diluted earnings per share?", [halden, corvo], [halden, corvo],
                         TITLES) == [halden, corvo]
    assert own_documents(asked, [corvo, halden], [corvo, halden], TITLES) == [corvo, halden]


def test_a_document_the_named_one_names_is_the_second_step_and_stays():
    halden = _sentence("halden.pdf", "Its ferries are repaired at Kvalsund Yards.", "h")
    yards = _sentence("kvalsund.txt", "Kvalsund Yards employs 300 welders.", "k")
    asked = "How many welders work at the yard that repairs Halden Marine's ferries?"
    assert own_documents(asked, [halden, yards], [halden, yards], TITLES) == [halden, yards]


HALDEN = """# Halden Marine Inc. quarterly report, fourth quarter of 2031

Halden Marine builds and services ferries for coastal routes in the north.

Diluted earnings per share were $2.41 in the fourth quarter of 2031, as ferry orders grew.

The company opened a second repair yard at Kvalsund during the quarter.
"""

CORVO = """# Corvo Foods Inc. quarterly report, fourth quarter of 2031

Corvo Foods makes frozen meals sold in grocery stores across the south.

Highlights of the quarter:

- Diluted earnings per share of $0.87 in the current quarter compared to $0.95 in the prior year quarter;
- Net revenues of $412 million in the current quarter.

The company closed its oldest bakery at Tarrant during the quarter.
"""


@pytest.fixture(scope="module")
def two_filings(tmp_path_factory, embedder):
    return ingested_texts(tmp_path_factory, embedder, "owners",
                          {"halden_2031_10q.md": HALDEN, "corvo_2031_10q.md": CORVO})


def test_the_answer_quotes_only_the_named_companys_filing(two_filings):
    # without the filter, Corvo's "$0.87 in the current quarter" followed Halden's figure
    ans = two_filings.ask("What were Halden Marine's diluted earnings per share in the current quarter?")
    assert "$2.41" in ans.text and "$0.87" not in ans.text
    assert {c.source for c in ans.citations} == {"halden_2031_10q.md"}
