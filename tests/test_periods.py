"""A filing's periods as its tables date them (rag.read.periods), and answers quoting a sentence that
names the asked period in words say which days it was. Real MiniLM, Chroma and relevance model over a
filing written for the test; the rest pure functions over headers written here."""
import pytest
from conftest import ingested_texts

from rag.read import periods
from rag.read.table import header_text

QUARTERLY = header_text("Statements of income (in millions)",
                        ["Three Months Ended July 1, 2031", "Three Months Ended July 2, 2030",
                         "Six Months Ended July 1, 2031", "Six Months Ended July 2, 2030"])
LAGGED = header_text("Our investee's results, reported a quarter late (in millions)",
                     ["Six Months Ended March 31, 2031", "Six Months Ended March 31, 2030"])


def test_the_periods_of_a_filing_are_read_from_its_table_rows_headers():
    found = periods.of_blocks([QUARTERLY] * 5 + [LAGGED] + ["", "Plain | header | of text"])
    assert found.split() == ["3:2030-07-02::5", "3:2031-07-01::5", "6:2030-03-31::1", "6:2030-07-02::5",
                             "6:2031-03-31::1", "6:2031-07-01::5"]


def test_a_period_the_question_names_is_dated_where_the_sentence_names_it():
    known = periods.of_blocks([QUARTERLY] * 5 + [LAGGED])
    sentence = ("The rate was 9.1% for the second quarter of 2031, compared to 8.4% for the second quarter "
                "of 2030, and 9.0% for the first six months of 2031 and 8.7% for the first six months of 2030.")
    q = "What was the rate for the first six months of 2030?"
    # the filing's own six months (five rows), not its investee's (one row) that also ended in 2030
    assert periods.glosses(q, sentence, known) == ["the first six months of 2030: six months ended July 2, 2030"]
    assert periods.glosses("What was the rate for the second quarter of 2031?", sentence, known) == \
        ["the second quarter of 2031: three months ended July 1, 2031"]
    # the question may name the same period otherwise: by its dates, or as "Q2 2031"
    for other in ("What was the rate for the three months ended July 1, 2031?", "What was the rate in Q2 2031?",
                  "What was the rate for the quarter ended July 1, 2031?"):
        assert periods.glosses(other, sentence, known) == ["the second quarter of 2031: three months ended July 1, 2031"]
    # the question names no period, or one the sentence does not name: nothing to date
    assert periods.glosses("What was the rate in 2030?", sentence, known) == []
    assert periods.glosses("What was the rate in Q3 2031?", sentence, known) == []
    assert periods.glosses("What was the rate for the first nine months of 2030?", sentence, known) == []


def test_a_period_that_fits_two_dates_alike_or_another_quarter_is_not_dated():
    """The investee's six months as often as the filing's: which is meant is not known. A "first
    quarter" whose three months close with six months (a second quarter) is no first quarter."""
    even = periods.of_blocks([QUARTERLY, LAGGED])
    sentence = "Sales fell in the first six months of 2030 and in the first quarter of 2030."
    assert periods.glosses("What were sales in the first six months of 2030?", sentence, even) == []
    known = periods.of_blocks([QUARTERLY] * 5)
    assert periods.glosses("What were sales in the first quarter of 2030?", sentence, known) == []


def test_where_the_tables_mark_fiscal_years_only_a_fiscal_year_is_dated():
    fiscal = header_text("Statements of earnings (in millions)",
                         ["Three Months Ended August 2, 2031 (fiscal 2032)", "Three Months Ended August 3, 2030 (fiscal 2031)",
                          "Six Months Ended August 2, 2031 (fiscal 2032)", "Six Months Ended August 3, 2030 (fiscal 2031)"])
    known = periods.of_blocks([fiscal])
    sentence = "Net sales rose in the second quarter of fiscal 2032, and in the second quarter of 2031."
    assert periods.glosses("What were net sales in the second quarter of fiscal 2032?", sentence, known) == \
        ["the second quarter of fiscal 2032: three months ended August 2, 2031"]
    assert periods.glosses("What were net sales in the second quarter of 2031?", sentence, known) == []


HALYARD = """Halyard Rope Works, quarterly report for the second quarter of 2031

Condensed statements of income (in millions):

| | Three Months Ended July 1, 2031 | Three Months Ended July 2, 2030 | Six Months Ended July 1, 2031 | Six Months Ended July 2, 2030 |
|---|---|---|---|---|
| Revenues | 812 | 774 | 1,590 | 1,502 |
| Cost of sales | 455 | 431 | 893 | 846 |
| Net income | 97 | 88 | 181 | 169 |

Income taxes. Halyard's effective tax rate was 17.2% for the second quarter of 2031, compared to 15.9% for
the second quarter of 2030, and was 16.8% for the first six months of 2031, compared to 15.1% for the first
six months of 2030. The lower rate of 2030 came from a credit for research on synthetic fibres.
"""


@pytest.fixture(scope="module")
def halyard(tmp_path_factory, embedder):
    return ingested_texts(tmp_path_factory, embedder, "periods", {"halyard.md": HALYARD})


def test_an_answer_quoting_the_asked_period_in_words_says_which_days_it_was(halyard):
    ans = halyard.ask("What was Halyard's effective tax rate for the first six months of 2030?")
    assert ans.citations[0].quote.startswith("Halyard's effective tax rate was 17.2%"), ans.text
    assert "15.1% for the first six months of 2030" in ans.text
    assert "(the first six months of 2030: six months ended July 2, 2030) [1]" in ans.text
    # the quote stays the sentence as printed
    assert "six months ended" not in ans.citations[0].quote
