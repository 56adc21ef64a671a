"""Figures that must be computed (rag.answer.ratios): a ratio the filing does not state is answered
with the statement rows it is computed from, each cited, in the column the question's period picks,
and the answer says that the ratio itself is not stated; a ratio the filing states is answered by the
sentence that states it. Real MiniLM, Chroma and relevance model over filings written for the test."""
import pytest
from conftest import ingested_texts

MARINA = """Marina Ropeworks Inc. annual report 2031

Marina Ropeworks makes mooring lines and nets for harbours along the northern coast.

Consolidated balance sheets (in millions):

| | December 31, 2031 | December 31, 2030 |
|---|---|---|
| Cash and cash equivalents | 310 | 280 |
| Accounts receivable, net | 145 | 150 |
| Inventories | 220 | 205 |
| Total current assets | 675 | 635 |
| Property and equipment, net | 940 | 910 |
| Total assets | 1,615 | 1,545 |
| Accounts payable | 160 | 150 |
| Total current liabilities | 450 | 430 |
| Total liabilities | 890 | 860 |

Consolidated statements of income (in millions):

| | Year ended December 31, 2031 | Year ended December 31, 2030 | Change |
|---|---|---|---|
| Net sales | 1,200 | 1,100 | 9 % |
| Cost of sales | 780 | 726 | 7 % |
| Gross profit | 420 | 374 | 12 % |
| Operating income | 150 | 121 | 24 % |
| Net income | 96 | 80 | 20 % |

Consolidated statements of cash flows (in millions):

| | Year ended December 31, 2031 | Year ended December 31, 2030 |
|---|---|---|
| Net income | 96 | 80 |
| Inventories | (15) | (12) |
| Net cash provided by operating activities | 171 | 140 |

The company opened a second rope walk in the spring of 2031 and hired forty new rope makers.
"""

KESTREL = """Kestrel Freight annual report 2031

Kestrel Freight runs barges on the inland canals.

Our gross margin was 31.5% in 2031, up from 29.0% in 2030, as fuel costs fell.

Statements of income (in millions):

| | Year ended December 31, 2031 | Year ended December 31, 2030 |
|---|---|---|
| Revenue | 800 | 760 |
| Gross profit | 252 | 220 |
"""


@pytest.fixture(scope="module")
def filings(tmp_path_factory, embedder):
    return ingested_texts(tmp_path_factory, embedder, "ratio_filings", {"marina.md": MARINA, "kestrel.md": KESTREL})


def test_a_ratio_not_stated_is_answered_with_the_rows_it_is_computed_from(filings):
    ans = filings.ask("What was Marina Ropeworks' current ratio at December 31, 2031?")
    assert ans.text.startswith("The documents do not state the current ratio; it is computed from these figures:")
    assert "Total current assets: 675 million, as of December 31, 2031" in ans.text
    assert "Total current liabilities: 450 million, as of December 31, 2031" in ans.text
    quotes = [c.quote for c in ans.citations]
    assert any(q.startswith("| Total current assets") for q in quotes)
    assert any(q.startswith("| Total current liabilities") for q in quotes)
    assert not ans.abstained


def test_the_rows_come_from_the_statements_the_ratio_needs_in_the_asked_column(filings):
    ans = filings.ask("Has Marina Ropeworks' gross margin improved in 2031?")
    assert ans.text.startswith("The documents do not state the gross margin")
    assert "Gross profit: 420 million" in ans.text and "Net sales: 1,200 million" in ans.text
    assert "Cost of sales: 780 million" in ans.text
    assert "Gross profit: 374" not in ans.text  # 2030's column is not the one asked
    # an amount with its change beside it ("Net sales 1,200 1,100 9 %") is the amount asked; a balance
    # (inventories) is the balance sheet's, not the cash flow statement's change in it
    ans = filings.ask("What was Marina Ropeworks' inventory turnover in 2031?")
    assert ans.text.startswith("The documents do not state the inventory turnover"), ans.text
    assert "Cost of sales: 780 million" in ans.text and "Inventories: 220 million" in ans.text
    assert "(15)" not in ans.text
    ans = filings.ask("What was Marina Ropeworks' operating margin in 2031?")
    assert "Operating income: 150 million" in ans.text and "Net sales: 1,200 million" in ans.text, ans.text


def test_a_ratio_the_filing_states_is_answered_by_the_sentence_that_states_it(filings):
    ans = filings.ask("What was Kestrel Freight's gross margin in 2031?")
    assert ans.text.startswith("Our gross margin was 31.5% in 2031"), ans.text
    assert "do not state" not in ans.text


def test_components_questions_keep_the_company_and_the_period():
    from rag.answer.ratios import component_questions, ratio_in

    q = "Has Marina Ropeworks' quick ratio improved between FY2031 and FY2030?"
    assert ratio_in(q)[0] == "quick ratio"
    items = component_questions(q)
    assert len(items) == 4
    assert items[0] == ("What was the cash and cash equivalents of Marina Ropeworks for FY2031 FY2030?",)
    assert all(all("Marina Ropeworks" in a and "FY2031 FY2030" in a for a in alts) for alts in items)
    assert ratio_in("What was the fixed asset turnover in 2031?")[0] == "fixed asset turnover"
    assert component_questions("What were Marina Ropeworks' net sales in 2031?") == ()


NOTES = {  # prose that shares the question's words and outranks the statement in the fused search
    f"board_note_{i}.md": f"Marina Ropeworks board note {i}\n\nThe board of Marina Ropeworks reviewed the current "
                          f"ratio policy at its meeting {i} of December 2031, and asked the treasurer to report on "
                          f"liquidity, the current ratio and covenants at each meeting in 2031.\n"
    for i in range(1, 8)}


@pytest.fixture(scope="module")
def llm_env(tmp_path_factory, embedder):
    pytest.importorskip("llama_index.llms.openai_like")
    from test_llm import FakeServer

    a = ingested_texts(tmp_path_factory, embedder, "ratio_llm", {"marina.md": MARINA, **NOTES})
    server = FakeServer(tmp_path_factory.mktemp("ratio_llm_server"))
    yield a, server
    server.stop()


def test_the_llm_is_given_the_rows_the_ratio_is_computed_from(llm_env):
    """The extractive answer finds the rows by their own search (they join the candidates last); the
    LLM prompt carries the passages that answer cites, so the model sees the figures to compute from."""
    from rag import Assistant, Config

    base, server = llm_env
    cfg = Config.load(docs_dir=base.config.docs_dir, index_dir=base.config.index_dir, llm="openai",
                      llm_base_url=server.url, llm_model="fake-model", llm_timeout=20.0)
    a = Assistant(config=cfg, embedder=base.embedder)
    q = "What was Marina Ropeworks' current ratio at December 31, 2031?"
    extractive = a.ask(q, mode="extractive")
    assert extractive.text.startswith("The documents do not state the current ratio")
    server.clear()
    server.set("The current ratio was 1.5 [1].")
    a.ask(q)
    (req,) = server.requests()
    user = req["messages"][-1]["content"]
    assert "Total current assets" in user and "Total current liabilities" in user


def test_a_ratio_is_never_computed_from_rows_of_two_filings():
    """Two filings each print one of the line items: no answer mixes them."""
    from rag.answer.ratios import ratio_rows
    from rag.read.table import header_text
    from test_lookup import _row

    cols = ["December 31, 2031", "December 31, 2030"]
    assets = _row("a.md", "Total current assets 675 635", header_text("Balance sheets (in millions)", cols), "c1", 1.0)
    debts = _row("b.md", "Total current liabilities 450 430", header_text("Balance sheets (in millions)", cols), "c2", 1.0)
    q = "What was the current ratio at December 31, 2031?"
    assert ratio_rows(q, [assets, debts], None, {"c1": "One report", "c2": "Another report"}) == []
    same = _row("a.md", "Total current liabilities 450 430", header_text("Balance sheets (in millions)", cols), "c1", 1.0)
    assert ratio_rows(q, [assets, same], None, {"c1": "One report"}) == [assets, same]


def test_a_ratio_is_computed_from_the_audited_statement_when_a_release_prints_the_same_rows():
    """A company's 10-K and its earnings release print the same balance sheet rows; the release's is
    marked "(Unaudited)": the rows come from the 10-K's, whichever the rankers put first."""
    from rag.answer.ratios import ratio_rows
    from rag.read.table import header_text
    from test_lookup import _row

    cols = ["June 30, 2032", "June 30, 2031"]
    release = header_text("Condensed Consolidated Balance Sheets (Unaudited) ($ million)", cols)
    annual = header_text("Consolidated Balance Sheets ($ in millions)", cols)
    rows = [_row("release.md", "Total current assets 675 635", release, "c1", 2.0),
            _row("release.md", "Total current liabilities 450 430", release, "c1", 2.0),
            _row("annual.md", "Total current assets 675 635", annual, "c2", 1.0),
            _row("annual.md", "Total current liabilities 450 430", annual, "c2", 1.0)]
    titles = {"c1": "Harbour Group earnings release", "c2": "Harbour Group annual report"}
    q = "What was Harbour Group's current ratio at June 30, 2032?"
    assert ratio_rows(q, rows, None, titles) == rows[2:]


def test_a_ratio_is_computed_from_the_companys_own_statement_not_a_guarantor_groups():
    """A 10-K prints the company's balance sheet and, in a note, the balance sheet of the subsidiaries
    that guarantee its debt, with the same labels. The guarantor group's rows name the items better
    ("Receivables, net" against "Trade receivables, net of allowance for credit losses of $21 and $25,
    respectively"); the quick ratio is still the company's, every row from its own statement."""
    from rag.answer.ratios import ratio_rows
    from rag.read.table import header_text
    from test_lookup import _row

    cols = ["As of June 30, 2032", "As of June 30, 2031"]
    group = header_text("Deed of Cross Guarantee Consolidated Balance Sheets ($ in millions) Current assets", cols)
    own = header_text("Harbour Group plc Consolidated Balance Sheets ($ in millions, except share and per share "
                      "data) Current assets", cols)
    rows = [_row("annual.md", "Cash and cash equivalents $ 54 $ 68", group, "c1", 3.0),
            _row("annual.md", "Receivables, net 342 662", group, "c1", 3.0),
            _row("annual.md", "Total current liabilities 1,145 1,275", group, "c1", 3.0),
            _row("annual.md", "Cash and cash equivalents $ 689 $ 775", own, "c2", 1.0),
            _row("annual.md", "Trade receivables, net of allowance for credit losses of $21 and $25, respectively "
                              "1,875 1,935", own, "c2", 1.0),
            _row("annual.md", "Total current liabilities 4,476 5,103", own, "c2", 1.0)]
    titles = {"c1": "Harbour Group annual report", "c2": "Harbour Group annual report"}
    q = "Has Harbour Group's quick ratio improved between FY2032 and FY2031?"
    assert ratio_rows(q, rows, None, titles) == rows[3:]


def test_a_row_under_a_group_label_that_names_an_item_does_not_state_it():
    """A cash flow statement's adjustments sit under "Adjustments to reconcile net income to net cash
    provided by operating activities:": "Deferred income taxes" there is not net income."""
    from rag.answer.ratios import ratio_rows
    from rag.read.table import header_text
    from test_lookup import _row

    cols = ["Year ended December 31, 2031", "Year ended December 31, 2030"]
    flows = header_text("Consolidated statements of cash flows (in millions) Adjustments to reconcile net income to "
                        "net cash provided by operating activities:", cols)
    plain = header_text("Consolidated statements of cash flows (in millions)", cols)
    # (the statement's rows below the adjustments read under their group label as one table; its own
    # "Net income" row, above them, does not)
    deferred = _row("a.md", "Deferred income taxes 328 112", flows, "c1", 3.0)
    operating = _row("a.md", "Net cash provided by operating activities 7,838 7,230", flows, "c1", 1.0)
    capex = _row("a.md", "Purchases of property and equipment (442) (348)", flows, "c1", 1.0)
    income = _row("a.md", "Net income 4,756 4,822", plain, "c1", 1.0)
    q = "What was Harbour Group's free cash flow conversion in 2031?"
    got = ratio_rows(q, [deferred, operating, capex, income], None, {"c1": "Harbour Group annual report"})
    assert got == [operating, capex, income]


def test_a_ratio_asked_for_no_period_is_answered_with_its_rows_in_every_column(filings):
    ans = filings.ask("Has Marina Ropeworks' current ratio been stable over the years?")
    assert ans.text.startswith("The documents do not state the current ratio"), ans.text
    for figure in ("675", "635", "450", "430"):  # both years of both rows
        assert figure in ans.text


def test_why_a_ratio_moved_is_not_answered_with_rows(filings):
    """Rows say what, never why; an instruction after the question ("... and explain why") is no why."""
    from rag.answer.ratios import asks_ratio

    ans = filings.ask("Why did Marina Ropeworks' gross margin improve in 2031?")
    assert not ans.text.startswith("The documents do not state"), ans.text
    assert asks_ratio("Is the gross margin consistent? If it is not a useful metric, say so and explain why.")
    assert not asks_ratio("Why did the gross margin fall in 2031?")


def test_period_words_keep_what_says_when_and_only_that():
    from rag.answer.lookup import period_words

    assert period_words("What was the margin in the three months ended July 30, 2031?") == \
        ["three", "months", "ended", "July", "30", "2031"]
    assert period_words("Has it improved between FY2031 and FY2030?") == ["FY2031", "FY2030"]
    assert period_words("Did it move more than 2% each year?") == []  # no year nor month: no period


def test_the_pages_of_a_ratios_rows_join_the_candidates_whole(tmp_path, embedder):
    """A ratio's rows are found one line item at a time, often in another statement that prints the same
    label; the other rows of the statement are on its page, so every passage of the page a row was found
    on competes (`rag.retrieve._statement_pages`, over a real store of a PDF written here)."""
    import io

    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    from rag import Assistant
    from rag.retrieve import Candidate, _statement_pages

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter)
    for page in range(1, 4):
        for line in range(12):
            c.drawString(72, 720 - 40 * line, f"Page {page} line {line}: the harbour office filed report {page}-{line} "
                                               f"on mooring fees, tide tables and the ferry timetable.")
        c.showPage()
    c.save()
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "harbour.pdf").write_bytes(buf.getvalue())
    a = Assistant(docs_dir=tmp_path / "docs", index_dir=tmp_path / "index", embedder=embedder)
    a.ingest(progress=False)
    manifest, _ = a._ensure_ready()
    chunks = list(a.store.iter_records("chunks"))
    on_two = {r.id for r in chunks if r.meta.get("page") == 2}
    assert len(on_two) >= 2 and len(on_two) < len(chunks)
    row = next(r for r in chunks if r.meta.get("page") == 2)
    ids, new = _statement_pages(a.store, manifest, [Candidate(row, 0.0, 0.0, 0)], {row.id: None}, 10)
    assert ids == on_two
    assert set(new) == on_two - {row.id} and all(c.row_match for c in new.values())
