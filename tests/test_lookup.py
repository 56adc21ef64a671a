"""Figure look-ups (rag.answer.lookup): the table row whose label names what a question asks, in the
column its period picks, answers it first, over prose that only shares the question's words; a row
of another company's filing, or a "why" question, is left alone. Real MiniLM, Chroma and relevance
model over filings written for the test."""
from dataclasses import replace

import pytest
from conftest import ingested_texts

HARBOUR = """Harbour Group plc annual report 2031

Report of the independent auditors. We have audited the accompanying balance sheets of Harbour Group plc
as of December 31, 2031 and December 31, 2030, and the related statements of income, in accordance with
the standards of the board, and the total assets and liabilities they show are fairly presented.

Balance sheets (in millions):

| | December 31, 2031 | December 31, 2030 |
|---|---|---|
| Cash and cash equivalents | 1,204 | 1,090 |
| Total current assets | 4,317 | 3,982 |
| Total assets | 17,504 | 15,803 |
| Total liabilities | 9,871 | 9,115 |

Total assets grew as the group bought two new ferries and rebuilt the east quay.
"""

QUARRY = """Northfield Quarries annual report 2031

Balance sheets (in millions):

| | December 31, 2031 | December 31, 2030 |
|---|---|---|
| Cash and cash equivalents | 310 | 295 |
| Total assets | 2,650 | 2,411 |
| Total liabilities | 1,020 | 998 |

The quarries opened a new pit near the river in the spring.
"""

LAKESHORE = """Lakeshore Outfitters quarterly report, second quarter of fiscal 2032

Our second quarter of fiscal 2032 ended August 2, 2031; the second quarter of fiscal 2031 ended August 3, 2030.
Fiscal 2032 began on February 2, 2031, and fiscal 2031 on February 1, 2030. In fiscal 2032 we opened
12 stores and in fiscal 2031 we opened 9, and fiscal 2032 comparable sales rose as fiscal 2031's fell.

Statements of earnings (in millions):

| | Three Months Ended August 2, 2031 | Three Months Ended August 3, 2030 |
|---|---|---|
| Net sales | 2,410 | 2,318 |
| Net earnings | 131 | 117 |

Net sales rose with the new stores in the second quarter of fiscal 2032.
"""


@pytest.fixture(scope="module")
def filings(tmp_path_factory, embedder):
    return ingested_texts(tmp_path_factory, embedder, "filings",
                          {"harbour.md": HARBOUR, "quarry.md": QUARRY, "lakeshore.md": LAKESHORE})


def test_the_row_named_by_the_question_answers_first_in_the_asked_column(filings):
    ans = filings.ask("What were Harbour Group's total assets as of December 31, 2030?")
    first = ans.citations[0]
    assert first.source == "harbour.md" and first.quote.startswith("| Total assets")
    assert ans.text.startswith("Total assets: 15,803 million, as of December 31, 2030 [1]")


def test_a_row_of_another_companys_filing_is_not_moved_first(filings):
    ans = filings.ask("What were Northfield Quarries' total assets as of December 31, 2031?")
    assert ans.citations[0].source == "quarry.md"
    assert ans.text.startswith("Total assets: 2,650 million, as of December 31, 2031")


def test_a_fiscal_quarter_is_read_from_the_column_the_documents_calendar_marks(filings):
    """The filing names fiscal years one ahead of its dates, so the second quarter of fiscal 2031 is
    the column of August 3, 2030, and the answer says both."""
    ans = filings.ask("What were Lakeshore Outfitters' net sales in the second quarter of fiscal 2031?")
    assert ans.citations[0].source == "lakeshore.md"
    assert ans.text.startswith("Net sales: 2,318 million, for the three months ended August 3, 2030 (fiscal 2031)")


def test_a_line_item_asked_by_another_name_is_read_from_its_row(filings):
    """The statement says "Net sales" and "Net earnings"; the questions say "revenue" and "net income"."""
    ans = filings.ask("What was Lakeshore Outfitters' revenue in the second quarter of fiscal 2031?")
    assert ans.text.startswith("Net sales: 2,318 million, for the three months ended August 3, 2030"), ans.text
    ans = filings.ask("What was Lakeshore Outfitters' net income in the second quarter of fiscal 2032?")
    assert ans.text.startswith("Net earnings: 131 million, for the three months ended August 2, 2031"), ans.text


def test_a_change_between_two_periods_shows_both_figures_and_the_change(filings):
    ans = filings.ask("How much did Lakeshore Outfitters' net sales grow from the second quarter of fiscal 2031 "
                      "to the second quarter of fiscal 2032?")
    assert ans.citations[0].quote.startswith("| Net sales"), ans.text
    assert "2,410 million" in ans.text and "2,318 million" in ans.text
    assert "(a change of +92 million, +4.0%, from the earlier period)" in ans.text


def test_the_change_is_computed_from_the_cells_as_printed():
    from rag.read.table import _change, _number

    assert [_number(c) for c in ("$ 9,583", "(1,234)", "15.6%", "-7", "n/a", "(5")] == [9583, -1234, 15.6, -7, None, None]
    assert _change(((2022, 7, 30), "$ 10,329"), ((2023, 7, 29), "$ 9,583"), "million") == \
        " (a change of -$746 million, -7.2%, from the earlier period)"
    assert _change(((2021, 0, 0), "21.4%"), ((2022, 0, 0), "15.6%"), "") == \
        " (a change of -5.8 percentage points from the earlier period)"
    assert _change(((2022, 0, 0), "12"), ((2022, 0, 0), "14"), "") == ""  # periods not told apart


def test_line_items_keep_items_that_contain_another_items_name():
    from rag.answer.lookup import line_items

    assert line_items("Total net sales") == "revenue" and line_items("Net earnings") == "net income"
    for own in ("Cost of sales", "Gross profit", "Comparable sales", "Sales and marketing"):
        assert line_items(own).lower().startswith(own.lower().split()[0])  # not turned into "revenue ..."


def test_a_why_question_is_not_answered_with_a_row(filings):
    ans = filings.ask("Why did Harbour Group's total assets grow in 2031?")
    assert not ans.text.startswith("Total assets:")


def _row(source: str, text: str, header: str, chunk: str, logit: float):
    import numpy as np

    from rag.answer import Scored
    from rag.store import Record

    meta = {"source": source, "start": 0, "end": len(text), "kind": "table_row", "header": header, "chunk": chunk}
    return Scored(Record(f"{source}:{text}", text, meta), np.zeros(1), logit, frozenset())


def test_row_matches_keep_only_rows_of_the_filing_the_question_names():
    from rag.answer import row_matches
    from rag.read.table import header_text

    sheet = header_text("Balance sheets (in millions)", ["December 31, 2031", "December 31, 2030"])
    harbour = _row("a.md", "Total assets 17,504 15,803", sheet, "c1", 2.0)
    quarry = _row("b.md", "Total assets 2,650 2,411", sheet, "c2", 1.0)
    titles = {"c1": "Harbour Group plc annual report", "c2": "Northfield Quarries annual report"}
    q = "What were Northfield Quarries' total assets as of December 31, 2031?"
    assert [m.scored for m in row_matches(q, [harbour, quarry], None, titles)] == [quarry]
    # the name may be the file's: "Northfield" in "NORTHFIELD_10K.pdf"
    quarry_file = _row("NORTHFIELD_QUARRIES_10K.pdf", "Total assets 2,650 2,411", sheet, "c3", 1.0)
    assert [m.scored for m in row_matches(q, [harbour, quarry_file], None, {})] == [quarry_file]
    # a label holding figures is a row whose cells were not told apart
    misread = _row("b.md", "Total assets 2,650 2,411 1,980", sheet, "c2", 3.0)
    assert row_matches(q, [misread], None, titles) == []


def test_the_documents_own_name_is_not_a_rows_label():
    """"Harbour Group's net earnings": the name picks the document, so a stock-chart row labelled with
    the company's name does not answer, while the net earnings row does."""
    from rag.answer import row_matches
    from rag.read.table import header_text

    chart = header_text("Cumulative total return", ["2031", "2030"])
    stock = _row("a.md", "Harbour Group plc 165.74 152.59", chart, "c1", 2.0)
    income = header_text("Statements of income (in millions)", ["2031", "2030"])
    earnings = _row("a.md", "Net earnings 1,419 1,798", income, "c2", 1.0)
    titles = {"c1": "Harbour Group plc annual report", "c2": "Harbour Group plc annual report"}
    q = "What were Harbour Group's net earnings in 2031?"
    assert [m.scored for m in row_matches(q, [stock, earnings], None, titles)] == [earnings]


def test_the_row_search_brings_the_row_of_the_named_filing(filings):
    """rag.retrieve.with_figure_rows: a figure look-up searches the row labels of the filing it names
    and brings the passage of the row that answers, one the ranked search may have missed, marked to
    compete; a passage already retrieved is marked, not added again; nothing for a why question."""
    from rag.retrieve import with_figure_rows

    manifest, lexical = filings._ensure_ready()
    def rows(q, have=()):
        return with_figure_rows(filings.store, lexical, manifest, q, filings._titles, list(have), filings._idf())

    q = "What were Harbour Group's total liabilities as of December 31, 2030?"
    found = rows(q)
    assert found and all(c.row_match and c.record.meta["source"] == "harbour.md" for c in found)
    assert any(s.text.startswith("| Total liabilities | 9,871") for c in found for s in c.sentences)
    assert all(c.record.meta["source"] == "quarry.md"
               for c in rows("What were Northfield Quarries' total liabilities as of December 31, 2030?"))
    assert rows("Why did Harbour Group's total liabilities grow in 2031?") == []
    plain = [replace(c, row_match=False) for c in found]
    assert [c.record.id for c in rows(q, plain)] == [c.record.id for c in found]
    assert all(c.row_match for c in rows(q, plain))


def test_of_two_rows_named_alike_the_one_whose_column_fits_the_period_comes_first():
    from rag.answer import row_matches
    from rag.read.table import header_text

    year = header_text("Statements of income (in thousands)", ["52 Weeks Ended January 29, 2030", "52 Weeks Ended January 30, 2029"])
    quarter = header_text("Statements of income (in thousands)", ["13 Weeks Ended January 29, 2030", "13 Weeks Ended January 30, 2029"])
    annual = _row("a.md", "Net sales 8,630,889 6,152,036", year, "c1", 2.0)
    fourth = _row("a.md", "Net sales 2,729,388 2,196,838", quarter, "c2", 1.0)
    q = "What were net sales in the fourth quarter ended January 29, 2030?"
    assert [m.scored for m in row_matches(q, [annual, fourth], None, {})] == [fourth, annual]


def test_of_two_rows_named_alike_the_one_whose_table_is_titled_by_what_is_asked_comes_first():
    """A 10-K prints the same "Net earnings" row in its statements of earnings, where the figure is
    stated, and at the top of its cash flow statement, where it is the starting input: a question for
    net earnings reads the statement of earnings whichever the rankers put first."""
    from rag.answer import row_matches
    from rag.read.table import header_text

    columns = ["January 28, 2032", "January 29, 2031"]
    flows = _row("a.md", "Net earnings 1,419 2,454", header_text("Statements of cash flows (in millions)", columns),
                 "c1", 2.0)
    stated = _row("a.md", "Net earnings 1,419 2,454", header_text("Statements of earnings (in millions)", columns),
                  "c1", 1.0)
    q = "What were net earnings in the fiscal year ended January 29, 2031?"
    assert [m.scored for m in row_matches(q, [flows, stated], None, {})] == [stated, flows]
    assert [m.scored for m in row_matches(q, [stated, flows], None, {})] == [stated, flows]


def test_of_two_rows_named_alike_the_audited_statements_row_comes_first():
    """An earnings release marks its statements "(Unaudited)"; the 10-K's of the same rows are audited
    and answer first, whichever the rankers put first."""
    from rag.answer import row_matches
    from rag.read.table import header_text

    cols = ["June 30, 2032", "June 30, 2031"]
    release = _row("release.md", "Net sales 14,694 14,544",
                   header_text("Condensed Consolidated Statements of Income (Unaudited) ($ million)", cols), "c1", 2.0)
    annual = _row("annual.md", "Net sales 14,694 14,544",
                  header_text("Consolidated Statements of Income ($ in millions)", cols), "c2", 1.0)
    q = "What were net sales for the year ended June 30, 2032?"
    assert [m.scored for m in row_matches(q, [release, annual], None, {})] == [annual, release]


def test_a_row_of_a_table_by_period_answers_for_its_period():
    """A store count by quarter (rows are quarters, columns what is counted): the row of the quarter
    asked answers, another quarter's does not."""
    from rag.answer import row_matches
    from rag.read.table import header_text

    store = header_text("Store update", ["Fiscal 2032", "Total stores open at beginning of the quarter",
                                         "Total stores open at end of the quarter"])
    rows = [_row("a.md", text, store, "c1", 1.0) for text in ("1st Quarter 1,308 1,318", "3rd Quarter 1,325 1,343")]
    q = "How many stores did Harbour Group have open at the end of the third quarter of fiscal 2032?"
    assert [m.scored for m in row_matches(q, rows, None, {"c1": "Harbour Group quarterly results"})] == rows[1:]


def test_total_in_a_label_is_not_a_word_the_question_leaves_out():
    """"Total Digital Media revenue" of a table of the segment's revenue by offering is the segment's
    revenue; the "Digital Media" row of a table of subscription revenue by segment is part of it. The
    total's "Total" does not count against it."""
    from rag.answer import row_matches
    from rag.read.table import header_text

    cols = ["2032", "2031"]
    part = _row("a.md", "Digital Media $ 12,385 $ 11,048",
                header_text("Subscription revenue by segment (in millions)", cols), "c1", 2.0)
    total = _row("a.md", "Total Digital Media revenue $ 12,842 $ 11,520",
                 header_text("Revenue by offering in our Digital Media segment (in millions)", cols), "c1", 1.0)
    q = "What revenue did the Digital Media segment generate in 2032?"
    assert row_matches(q, [part, total], None, {})[0].scored is total


def test_a_table_by_category_answers_for_its_documents_period_only():
    """A vote tally names no period in its columns: it answers for the year its document is dated,
    not for another year asked."""
    from rag.answer import row_matches
    from rag.read.table import header_text

    votes = header_text("Votes at the annual meeting: Name", ["Votes For", "Votes Against", "Abstentions"])
    row = _row("a.md", "Mary Lee 54,484,293 16,105,005 77,685", votes, "c1", 1.0)
    titles = {"c1": "Harbour Group plc, Form 8-K, dated May 20, 2032"}
    assert row_matches("How many votes were cast against Mary Lee in 2032?", [row], None, titles)
    assert not row_matches("How many votes were cast against Mary Lee in 2030?", [row], None, titles)


def test_the_documents_own_name_in_a_label_is_not_an_unasked_word():
    """"Net income attributable to Harbour Group plc common shareholders" answers a question that asks
    for net income attributable to common shareholders, over a shorter row that leaves words of the
    question out; the company's name in its label does not count against it."""
    from rag.answer import row_matches
    from rag.read.table import header_text

    income = header_text("Statements of income (in millions)", ["2031", "2030"])
    short = _row("a.md", "Income attributable to shareholders 468 412", income, "c1", 2.0)
    full = _row("a.md", "Net income attributable to Harbour Group plc common shareholders 9,906 8,110", income, "c1", 1.0)
    titles = {"c1": "Harbour Group plc annual report"}
    q = "What was Harbour Group's net income attributable to common shareholders in 2031?"
    assert [m.scored for m in row_matches(q, [short, full], None, titles)] == [full, short]
    # a word the document's name does not hold still counts against a label
    other = _row("a.md", "Net income attributable to noncontrolling interests and common shareholders 51 40",
                 income, "c1", 1.0)
    assert [m.scored for m in row_matches(q, [other, full], None, titles)] == [full, other]


def test_a_companys_net_income_is_the_income_attributable_to_it():
    """"Harbour Group's net income" is the row "Net income attributable to Harbour Group plc", not the
    statement's "Net income" above it, which includes what belongs to non-controlling interests; a
    question that names no company is not read so, and the non-controlling interests' row never answers."""
    from rag.answer import row_matches
    from rag.read.table import header_text

    income = header_text("Statements of income (in millions)", ["2031", "2030"])
    rows = [_row("a.md", label, income, "c1", 3.0 - i) for i, label in enumerate((
        "Net income 1,058 815", "Net income attributable to non-controlling interests (10) (10)",
        "Net income attributable to Harbour Group plc 1,048 805"))]
    titles = {"c1": "Harbour Group plc annual report"}
    best = row_matches("What was Harbour Group's net income in 2031?", rows, None, titles)
    assert best[0].scored is rows[2] and best[-1].scored is rows[1]
    assert row_matches("What was net income in 2031?", rows, None, titles)[0].scored is rows[0]


def test_a_figure_question_with_instructions_is_answered_as_without_them(filings):
    """Sentences on how to answer ("Round ...", "If ..., then state that") are not searched for, so
    the row still answers; the answer shows what was searched for."""
    q = "What were Harbour Group's total assets as of December 31, 2030?"
    plain = filings.ask(q)
    ans = filings.ask(f"{q[:-1]} (in units of millions, rounded to one decimal place)? Calculate what was asked "
                      "by using the line items shown in the statement. If it is not reported, then state that.")
    assert ans.resolved == q
    assert ans.text == plain.text and ans.text.startswith("Total assets: 15,803 million, as of December 31, 2030 [1]")
    assert [c.quote for c in ans.citations] == [c.quote for c in plain.citations]


def test_a_segments_name_is_a_rows_label_when_the_table_title_says_what_is_measured():
    """"MGM-like" supplements list segments as rows under a title naming the measure: "Ferries" under
    "NET REVENUES" answers Ferries' net revenues, "Ferries" under "Depreciation by segment" does not
    (it states another measure), and the row search keeps the segment's name among its words."""
    from rag.answer import row_matches
    from rag.answer.lookup import label_query
    from rag.read.table import header_text

    cols = ["Twelve months ended December 31, 2031", "Twelve months ended December 31, 2030"]
    revenues = _row("a.md", "Ferries 673,593 1,210,761", header_text("SUPPLEMENTAL DATA – NET REVENUES (In thousands)", cols), "c1", 1.0)
    depreciation = _row("a.md", "Ferries 125 120", header_text("Depreciation and amortization by segment ($ in millions)", cols), "c1", 2.0)
    titles = {"c1": "Harbour Group plc annual report"}
    q = "What were Harbour Group's Ferries segment net revenues for full-year 2031?"
    assert [m.scored for m in row_matches(q, [depreciation, revenues], None, titles)] == [revenues]
    assert label_query(q, titles={"a.md": "Harbour Group plc annual report"}) == "ferries segment net revenues"
    assert label_query(q) == "segment net revenues"  # no documents known: every name is left out


def test_a_year_asked_alone_reads_the_full_years_column():
    from rag.read.table import header_text, figure

    both = header_text("NET REVENUES (In thousands)", ["Three months ended December 31, 2031", "Three months ended December 31, 2030",
                                                       "Twelve months ended December 31, 2031", "Twelve months ended December 31, 2030"])
    row = "Ferries 174,720 314,717 673,593 1,210,761"
    assert figure("What were Ferries net revenues in 2031?", both, row).startswith(
        "Ferries: 673,593 thousand (about 674 million), for the twelve months")
    assert figure("What were Ferries net revenues in the fourth quarter of 2031?", both, row).startswith(
        "Ferries: 174,720 thousand (about 175 million), for the three months")


def test_a_row_that_answers_the_figure_asked_is_not_declined_by_the_abstainer(filings):
    """With an abstainer set to decline everything, the row whose label, names and period answer a
    figure look-up still answers; a prose question is declined, as is a figure question no row holds."""
    from rag.answer import answer, load_model

    model = load_model()
    strict = replace(model, answer_above=1.01, rerank=replace(model.rerank, answer_above=1.01) if model.rerank else None)

    def ask(q):
        _, cands, qvec = filings._search(q, 5, 2, sentences=True)
        return answer(q, cands, qvec, model=strict, idf=filings._idf(), relevance=filings.relevance)

    got = ask("What were Harbour Group's total liabilities as of December 31, 2030?")
    assert not got.abstained and got.text.startswith("Total liabilities: 9,115 million, as of December 31, 2030")
    assert ask("Why did Harbour Group's total assets grow in 2031?").abstained
    assert ask("What was Harbour Group's dividend per share in 2031?").abstained


def test_a_ratio_asked_is_not_answered_with_the_amount_it_is_a_ratio_of():
    """"Gross profit rate": the "Gross profit" row states dollars, the row "as a % of revenue" the rate; a
    row named for the rate ("Gross margin") answers too, and the amount still answers "gross profit"."""
    from rag.answer import row_matches
    from rag.read.table import header_text

    head = header_text("Consolidated results ($ in millions)", ["Three months ended June 30, 2031",
                                                                 "Three months ended June 30, 2030"])
    amount = _row("a.md", "Gross profit 2,220 2,314", head, "c1", 2.0)
    share = _row("a.md", "Gross profit as a % of revenue 23.2 % 22.1 %", head, "c1", 1.0)
    titles = {"c1": "Harbour Group plc quarterly report"}
    q = "What was Harbour Group's gross profit rate for the three months ended June 30, 2031?"
    assert [m.scored for m in row_matches(q, [amount, share], None, titles)] == [share]
    named = _row("a.md", "Gross profit rate 23.2 22.1", head, "c1", 1.0)
    assert [m.scored for m in row_matches(q, [amount, named], None, titles)] == [named]
    q_amount = "What was Harbour Group's gross profit for the three months ended June 30, 2031?"
    assert row_matches(q_amount, [amount, share], None, titles)[0].scored is amount


def test_a_tables_total_row_answers_for_what_its_title_names():
    """"How many harbour depots" of a table of depots by operator whose title says "Harbour depots": the
    "Total" row, whose label names nothing asked; a row labelled "Other" is not a total."""
    from rag.answer import row_matches
    from rag.read.table import header_text

    head = header_text("Harbour depots open at the end of the quarter were as follows:",
                       ["Fiscal 2031 Depots at End of Second Quarter", "Fiscal 2030 Depots at End of Second Quarter"])
    titles = {"c1": "Harbour Group plc quarterly report"}
    operator = _row("a.md", "Harbour Group 127 121", head, "c1", 3.0)
    other = _row("a.md", "Other 12 10", head, "c1", 2.0)
    total = _row("a.md", "Total 139 131", head, "c1", 1.0)
    q = "How many harbour depots did Harbour Group have open at the end of the second quarter of fiscal 2031?"
    assert [m.scored for m in row_matches(q, [operator, other, total], None, titles)] == [total]


def test_a_row_led_by_the_name_asked_is_not_penalised_for_the_words_that_describe_it():
    """A product table with a column that describes each product ("Tidewater family Harbour dredging
    and silt control 782 552"): the product asked for answers, though its description's words are
    not asked; a product not asked for does not."""
    from rag.answer import answering_row, row_matches
    from rag.read.table import header_text

    head = header_text("Revenues of our major products (in millions) PRODUCT PRIMARY USE",
                       ["Three Months Ended July 2, 2031", "Three Months Ended July 3, 2030"])
    titles = {"c1": "Harbour Group plc quarterly report"}
    asked = _row("a.md", "Tidewater family Harbour dredging and silt control in estuaries 782 552", head, "c1", 1.0)
    other = _row("a.md", "Quayline Berth scheduling 410 390", head, "c1", 2.0)
    q = "What were Harbour Group's Tidewater revenues in the three months ended July 2, 2031?"
    assert [m.scored for m in row_matches(q, [other, asked], None, titles)][:1] == [asked]
    assert answering_row(q, [other, asked], None, titles) is asked


def test_an_amount_is_not_answered_with_a_per_share_figure_of_the_same_name():
    """A statement names "Net income attributable to common shareholders" twice: its amount, and under
    "Earnings per common share––diluted:" the same words for the figure a share. Each answers the
    question that asks for it; the unit line's "except per share data" names neither."""
    from rag.answer import row_matches
    from rag.read.table import header_text

    cols = ["Three months ended June 30, 2031", "Three months ended June 30, 2030"]
    amount = _row("a.md", "Net income attributable to common shareholders 2,327 9,906",
                  header_text("Statements of income (in millions, except per share data)", cols), "c1", 1.0)
    a_share = _row("a.md", "Net income attributable to common shareholders 0.41 1.73",
                   header_text("Statements of income (in millions, except per share data) Earnings per common "
                               "share––diluted", cols), "c1", 2.0)
    titles = {"c1": "Harbour Group plc quarterly report"}
    q = ("What was Harbour Group's net income attributable to common shareholders in the three months ended "
         "June 30, 2031?")
    assert [m.scored for m in row_matches(q, [a_share, amount], None, titles)] == [amount]
    q_eps = ("What was Harbour Group's diluted EPS attributable to common shareholders in the three months "
             "ended June 30, 2031?")
    assert [m.scored for m in row_matches(q_eps, [a_share, amount], None, titles)] == [a_share]


def test_a_figure_stated_with_no_date_says_when_by_its_documents_dated_title():
    """A vote tally ("For 250,838,697") names no date: the answer adds its document's title when that
    title is dated ("..., Form 8-K, dated May 3, 2031"). A statement with a year, a question that
    names no period, or an undated title add nothing."""
    from rag.answer import compose

    def said(q, text, title):
        span = _row("a.md", text, "", "c1", 1.0)
        span = replace(span, record=replace(span.record, meta={**span.record.meta, "kind": "sentence"}))
        return compose(q, [span], (), titles={"c1": title}).text

    dated = "Harbour Group plc, Form 8-K, dated May 3, 2031"
    q = "How many votes were cast for the dredging proposal at Harbour Group's 2031 annual meeting?"
    tally = "The dredging proposal was defeated: For 250,838,697"
    assert said(q, tally, dated) == f"{tally} ({dated}) [1]"
    assert said(q, "In 2031 the dredging proposal was defeated: For 250,838,697", dated).endswith("For 250,838,697 [1]")
    assert said(q, "In fiscal 2031, the proposal was defeated: For 250,838,697", dated).endswith("For 250,838,697 [1]")
    assert said("How many votes were cast for the dredging proposal?", tally, dated) == f"{tally} [1]"
    assert said(q, tally, "Harbour Group plc annual meeting results") == f"{tally} [1]"


def test_a_row_whose_period_names_no_day_says_when_by_its_documents_dated_title():
    """A table row's period is rendered from its column labels ("in Fiscal 2032 ... Second Quarter"),
    which may name the fiscal year but not the day the quarter ended: the answer adds its document's
    dated title. A row whose column gives the full date, and a sentence with a year, add nothing."""
    from rag.answer import compose
    from rag.read.table import header_text

    dated = "Lakeshore Outfitters, Form 10-Q, quarter ended August 2, 2031"

    def said(q, cols):
        span = _row("a.md", "Total stores 412 398", header_text("Stores by segment", cols), "c1", 1.0)
        return compose(q, [span], (), titles={"c1": dated}).text

    bare = said("How many stores did Lakeshore have at the end of the second quarter of fiscal 2032?",
                ["Fiscal 2032 End of Second Quarter", "Fiscal 2031 End of Second Quarter"])
    assert bare.startswith("Total stores: 412") and "2032" in bare and bare.endswith(f"({dated}) [1]")
    full = said("How many stores did Lakeshore have on August 2, 2031?", ["As of August 2, 2031", "As of August 3, 2030"])
    assert full.startswith("Total stores: 412") and "August 2, 2031" in full and dated not in full


def test_the_number_of_a_thing_asked_is_read_from_the_row_that_counts_it():
    """"the number of stores" asks what "How many stores" asks, and "between" two periods is a change
    (`lookup` reads both as saying how to answer, not which row)."""
    from rag.answer import answering_row
    from rag.read.table import header_text

    sheet = header_text("Store count", ["Fiscal 2032 End of Second Quarter", "Fiscal 2031 End of Second Quarter"])
    row = _row("a.md", "Stores 412 398", sheet, "c1", 1.0)
    titles = {"c1": "Lakeshore Outfitters quarterly report"}
    q = "Was there any change in the number of Lakeshore stores between Q2 of fiscal 2032 and fiscal 2031?"
    assert answering_row(q, [row], None, titles) is row
    assert answering_row("What was the number of Lakeshore employees in fiscal 2032?", [row], None, titles) is None


def test_capital_expenditures_are_read_from_the_cash_flow_statements_purchases_row():
    """A question says "capital expenditures" or "capex"; a cash flow statement prints "Purchases of
    property and equipment" (or "... plant and equipment", "additions to ..."): one line item."""
    from rag.answer import answering_row
    from rag.answer.lookup import line_items
    from rag.read.table import header_text

    assert line_items("Purchases of property and equipment") == "capital expenditures"
    assert line_items("What was the capex in 2031?") == "What was the capital expenditures in 2031?"
    flows = header_text("Statements of cash flows (in millions)", ["Year ended December 31, 2031",
                                                                     "Year ended December 31, 2030"])
    buy = _row("a.md", "Purchases of property and equipment (442) (348)", flows, "c1", 1.0)
    sell = _row("a.md", "Proceeds from sales of investments 1,210 980", flows, "c1", 2.0)
    titles = {"c1": "Harbour Group plc annual report"}
    assert answering_row("What were Harbour Group's capital expenditures in 2031?", [sell, buy], None, titles) is buy


def test_a_basis_the_row_does_not_print_does_not_keep_it_from_answering():
    """"... on a continuing-operations basis", "as recast for continuing operations", "(excluding ...)": a
    release states the whole table on that basis in its prose, not in each row's label, so the row still
    answers; and "R&D" is the row's "Research and development", what the company spent on it its expense."""
    from rag.answer import answering_row
    from rag.answer.lookup import label_query
    from rag.read.table import header_text

    sheet = header_text("Condensed statement of earnings (in millions)", ["Full Year 2031", "Full Year 2030"])
    rnd = _row("a.md", "Research and development expense 3,485 3,210", sheet, "c1", 1.0)
    sales = _row("a.md", "Sales to customers 20,894 19,840", sheet, "c1", 2.0)
    titles = {"c1": "Harbour Group plc, Form 8-K"}
    for q in ("How much did Harbour Group spend on R&D in 2031 on a continuing-operations basis?",
              "What was Harbour Group's research and development expense in 2031, as recast for continuing operations?",
              "What was Harbour Group's R&D expense in 2031 (continuing operations, excluding the ferry business)?"):
        assert answering_row(q, [sales, rnd], None, titles) is rnd, q
    # the basis's words are not searched for among the rows' labels; the abbreviation is, spelled out
    assert label_query("How much did Harbour spend on R&D in 2031 on a continuing-operations basis?", titles={}) \
        == "harbour spend research development"
    # without the basis, an unasked word still counts against a row: "travel" is no word of this label
    assert answering_row("What was Harbour Group's travel expense in 2031?", [rnd], None, titles) is None


def test_a_label_that_ends_in_a_footnote_mark_still_answers():
    """"Gross profit as a % of revenue (1) 23.2 % 22.1 %": the "(1)" is the label's footnote mark, not a
    figure of a row whose cells were run together, so the row answers "gross profit rate"; a label that
    holds a figure besides ("Revenue 12 (3)") is still taken for a misread row."""
    from rag.answer import answering_row
    from rag.read.table import header_text

    sheet = header_text("Selected consolidated financial data", ["Three Months Ended July 29, 2032",
                                                                  "Three Months Ended July 30, 2031"])
    rate = _row("a.md", "Gross profit as a % of revenue (1) 23.2 % 22.1 %", sheet, "c1", 1.0)
    titles = {"c1": "Lakeshore Outfitters quarterly report"}
    q = "What was Lakeshore's gross profit rate in the three months ended July 29, 2032?"
    assert answering_row(q, [rate], None, titles) is rate
    misread = _row("a.md", "Gross profit rate 12 (3) 23.2 % 22.1 %", sheet, "c1", 1.0)
    assert answering_row(q, [misread], None, titles) is None


def test_a_question_that_names_no_segment_reads_the_companys_table_before_a_segments():
    """A 10-Q prints "Gross profit as a % of revenue" in its consolidated table and in each segment's
    ("Selected financial data for the Domestic segment"): a question that names no segment is answered
    from the consolidated one whichever comes first, and one that names the segment from that segment's."""
    from rag.answer import answering_row
    from rag.read.table import header_text

    columns = ["Three Months Ended July 29, 2032", "Three Months Ended July 30, 2031"]
    domestic = _row("a.md", "Gross profit as a % of revenue 23.1 % 22.0 %",
                    header_text("Selected financial data for the Domestic segment", columns), "c1", 1.0)
    whole = _row("a.md", "Gross profit as a % of revenue 23.2 % 22.1 %",
                 header_text("Selected consolidated financial data", columns), "c1", 2.0)
    titles = {"c1": "Lakeshore Outfitters quarterly report"}
    q = "What was Lakeshore's gross profit rate in the three months ended July 29, 2032?"
    assert answering_row(q, [domestic, whole], None, titles) is whole
    assert answering_row(q.replace("Lakeshore's", "Lakeshore's Domestic segment"), [whole, domestic], None, titles) is domestic
    assert answering_row(q.replace("Lakeshore's", "Lakeshore's Domestic"), [whole, domestic], None, titles) is domestic


def test_a_segment_named_by_its_column_answers_for_that_segment():
    """A release's segment table labels its columns "Twelve Months Ended June 30, 2032 Ferries", "...
    Cargo Handling": "adjusted EBIT of the Cargo Handling segment" is that row, read in that column,
    though the segment's name is in no row label nor the table's title."""
    from rag.answer import answering_row
    from rag.read.table import figure, header_text

    columns = [f"Twelve Months Ended June 30, {y} {s}" for y in (2031, 2032) for s in ("Ferries", "Cargo Handling", "Total")]
    sheet = header_text("Reconciliation of adjusted EBIT ($ million)", columns)
    ebit = _row("a.md", "Adjusted EBIT 1,517 289 1,806 1,429 265 1,694", sheet, "c1", 1.0)
    tax = _row("a.md", "Tax expense 300 41 341 193 38 231", sheet, "c1", 2.0)
    titles = {"c1": "Harbour Group fourth quarter results"}
    q = "What was adjusted EBIT for Harbour Group's Cargo Handling segment in fiscal 2032, the year ended June 30, 2032?"
    assert answering_row(q, [tax, ebit], None, titles) is ebit
    assert figure(q, ebit.span.header, ebit.span.text).startswith("Adjusted EBIT: 265 million")
    # a segment the table does not have is not answered from it
    assert answering_row(q.replace("Cargo Handling", "Shipyards"), [tax, ebit], None, titles) is None


def test_a_table_of_growth_rates_answers_a_change_not_an_amount():
    """"Ferries 9 4" under "Year-over-year percentage growth: Net sales:" are growth rates: they answer how
    much the segment's sales grew, not what they were, which the net sales table's row states."""
    from rag.answer import answering_row
    from rag.read.table import header_text

    growth = _row("a.md", "Ferries 9 4", header_text("Year-over-year percentage growth: Net sales:", ["2031", "2030"]),
                  "c1", 2.0)
    sales = _row("a.md", "Ferries 1,200 1,101", header_text("Net sales by segment (in millions):", ["2031", "2030"]),
                 "c2", 1.0)
    titles = {"c1": "Harbour Group annual report 2031", "c2": "Harbour Group annual report 2031"}
    assert answering_row("What were Harbour Group's Ferries net sales in 2031?", [growth, sales], None, titles) is sales
    assert answering_row("By what percentage did Harbour Group's Ferries net sales grow in 2031?", [growth, sales],
                         None, titles) is growth


def test_a_segment_asked_with_no_company_named_is_searched_for_by_its_name(tmp_path_factory, embedder):
    """The row search looks for a figure's row by its label words. With no document named, the
    segment's name ("Ferries", which no document's title holds) stays in the search: among more
    passages about revenue than the search reads, the segment's row is found by it."""
    from rag.retrieve import with_figure_rows
    notes = {f"note{i:02d}.md": f"Operating note {i}\n\nRevenue and net sales rose in district {i}; net sales of "
                                  f"tolls, sales of passes and revenue from fares grew, and sales per trip held at {i} "
                                  f"cents.\n" for i in range(90)}
    segments = ("Harbour Group annual report 2031\n\nNet sales by segment (in millions):\n\n"
                "| | 2031 | 2030 |\n|---|---|---|\n| Ferries | 1,200 | 1,101 |\n| Freight | 845 | 790 |\n")
    a = ingested_texts(tmp_path_factory, embedder, "segments", {**notes, "harbour.md": segments})
    q = "What was Ferries revenue in 2031?"
    manifest, lexical = a._ensure_ready()
    found = with_figure_rows(a.store, lexical, manifest, q, a._titles, [], a._idf())
    assert [c.record.span.source for c in found if c.row_match] == ["harbour.md"]
    assert a.ask(q).text.startswith("Ferries: 1,200 million")


def test_a_unit_line_that_excepts_share_counts_and_per_share_data_names_no_per_share_figure():
    """"($ in millions, except share and per share data)" heads a balance sheet whose every row is an
    amount (or a count of shares): its "Cash" row answers the cash asked, as under "except per share data"."""
    from rag.answer import row_matches
    from rag.read.table import header_text, per_share

    cols = ["As of June 30, 2031", "As of June 30, 2030"]
    titles = {"c1": "Harbour Group plc annual report"}
    q = "What were Harbour Group's cash and cash equivalents as of June 30, 2031?"
    for unit in ("except share and per share data", "except number of shares and per share amounts",
                 "except per share data"):
        cash = _row("a.md", "Cash and cash equivalents $ 689 $ 775",
                    header_text(f"Consolidated balance sheets ($ in millions, {unit})", cols), "c1", 1.0)
        assert [m.scored for m in row_matches(q, [cash], None, titles)] == [cash], unit
    assert per_share("Diluted earnings per share (in millions, except share and per share data)")
