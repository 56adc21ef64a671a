"""Reports: a filing written here with reportlab (a contents page, a statement with period columns)
is read with its table rows carrying title, unit and column labels, its contents lines left out, and
a figure question is answered with the value, unit and period of the right column."""
import io

import pytest
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

from rag import Assistant
from rag.read import read_document
from rag.read.normalize import normalize
from rag.read.table import labelled, parse_header

CONTENTS = [("Item 1.", "Financial Statements", 2), ("Item 2.", "Management's Discussion and Analysis", 5),
            ("Item 3.", "Quantitative and Qualitative Disclosures About Market Risk", 9),
            ("Item 4.", "Controls and Procedures", 10), ("Item 5.", "Legal Proceedings", 11),
            ("Item 6.", "Risk Factors", 12), ("Item 7.", "Statements of Operations for the three months ended "
                                                        "March 31, 2031", 14), ("Item 8.", "Exhibits", 15)]
COLUMNS = ["March 31, 2031", "March 31, 2030", "March 31, 2031", "March 31, 2030"]
ROWS = [("Net revenue", ["$", "1,204", "$", "1,090", "$", "3,551", "$", "3,002"]),
        ("Cost of revenue", ["", "702", "", "655", "", "2,080", "", "1,874"]),
        ("Operating income", ["", "502", "", "435", "", "1,471", "", "1,128"])]
OTHER = [("Interest income", ["", "12", "", "9", "", "31", "", "22"]),
         ("Interest expense", ["", "(7)", "", "(5)", "", "(19)", "", "(14)"])]
X = [330, 400, 470, 540]  # right edges of the four value columns


def _filing() -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter)
    # page 1: a table of contents with dot leaders
    c.setFont("Helvetica-Bold", 12)
    c.drawString(72, 738, "HARBOUR CRANES FORM 10-Q FOR THE QUARTER ENDED MARCH 31, 2031")
    c.drawString(72, 720, "TABLE OF CONTENTS")
    c.setFont("Helvetica", 10)
    c.drawRightString(540, 705, "Page")
    y = 690
    for item, title, page in CONTENTS:
        c.drawString(72, y, item)
        c.drawString(120, y, title + " " + "." * 10)
        c.drawRightString(540, y, str(page))
        y -= 18
    c.showPage()
    # page 2: a statement with a two-row period header, "$" cells and a group label
    c.setFont("Helvetica-Bold", 11)
    c.drawString(72, 720, "Harbour Cranes Inc. Condensed Statements of Operations")
    c.setFont("Helvetica", 9)
    c.drawString(72, 706, "(in millions, except per share data)")
    c.drawCentredString(365, 688, "Three Months Ended")
    c.drawCentredString(505, 688, "Nine Months Ended")
    for x, label in zip(X, COLUMNS):
        c.drawRightString(x, 676, label)
    y = 660

    def row(label, cells):
        nonlocal y
        c.drawString(72, y, label)
        for i, x in enumerate(X):
            sign, value = cells[2 * i], cells[2 * i + 1]
            if sign:
                c.drawString(x - 50, y, sign)
            c.drawRightString(x, y, value)
        y -= 14

    for label, cells in ROWS:
        row(label, cells)
    c.drawString(72, y, "Other income (expense):")
    y -= 14
    for label, cells in OTHER:
        row(label, cells)
    c.setFont("Helvetica", 10)
    c.drawString(72, y - 30, "Net revenue grew because the harbour handled more container ships than a year before.")
    c.showPage()
    c.save()
    return buf.getvalue()


@pytest.fixture(scope="module")
def filing(tmp_path_factory):
    folder = tmp_path_factory.mktemp("filing")
    (folder / "harbour_10q.pdf").write_bytes(_filing())
    return folder


def _blocks(doc):
    return [(b, normalize(doc.text, b.start, b.end).text) for b in doc.blocks]


def test_contents_lines_are_not_content(filing):
    doc = read_document(filing / "harbour_10q.pdf")
    texts = [t for _, t in _blocks(doc)]
    assert "Net revenue grew because the harbour handled more container ships than a year before." in texts
    for _, title, _ in CONTENTS:
        assert not any(title in t for t in texts), title
    # nor the contents page's own title lines and column head
    assert not any(t in ("TABLE OF CONTENTS", "Page") or "FORM 10-Q FOR THE QUARTER" in t for t in texts)
    assert doc.text.count("Controls and Procedures") == 1  # still in the source text: only left out of the blocks


def test_rows_carry_title_unit_and_period_columns(filing):
    doc = read_document(filing / "harbour_10q.pdf")
    rows = {t.split(" $")[0].split(" (")[0].rstrip("0123456789,() "): b for b, t in _blocks(doc) if b.kind == "table_row"}
    head = parse_header(rows["Net revenue"].header)
    assert head.columns == ("Three Months Ended March 31, 2031", "Three Months Ended March 31, 2030",
                            "Nine Months Ended March 31, 2031", "Nine Months Ended March 31, 2030")
    assert "Condensed Statements of Operations" in head.context and "in millions" in head.context
    # a group label ("Other income (expense):") labels the rows under it, the columns stay the same
    interest = rows["Interest expense"]
    assert "Other income (expense)" in parse_header(interest.header).context
    assert parse_header(interest.header).columns == head.columns
    text = normalize(doc.text, interest.start, interest.end).text
    assert "Nine Months Ended March 31, 2030: (14)" in labelled(interest.header, text)
    # the header rows are table heads: labels, never answers
    heads = [t for b, t in _blocks(doc) if b.kind == "table_head"]
    assert any("Three Months Ended" in t for t in heads)


def test_figure_question_gets_value_unit_and_period_of_its_column(filing, tmp_path):
    a = Assistant(docs_dir=filing, index_dir=tmp_path / "index")
    a.ingest(progress=False)
    ans = a.ask("What was Harbour Cranes' net revenue for the nine months ended March 31, 2030?")
    assert not ans.abstained
    first = ans.text.split("[1]")[0]
    assert "$3,002 million" in first and "nine months ended March 31, 2030" in first
    c = ans.citations[0]
    assert c.page == 2 and c.quote.startswith("Net revenue")
    assert "Nine Months Ended March 31, 2030" in c.context
    ans = a.ask("What were the statements of operations for the three months ended March 31, 2031?")
    assert all(c.page != 1 for c in ans.citations)  # a contents line is never the answer


COVER = """UNITED STATES
SECURITIES AND EXCHANGE COMMISSION
Washington, D.C. 20549
FORM 10-Q
QUARTERLY REPORT PURSUANT TO SECTION 13 OR 15(d) OF THE SECURITIES EXCHANGE ACT OF 1934
For the quarterly period ended March 31, 2031
Commission File Number: 1-0000
HARBOUR CRANES INC.
(Exact name of registrant as specified in its charter)
Delaware
"""


def test_a_filing_is_titled_by_company_form_and_period(tmp_path):
    from rag.read.filing import filing_title

    assert filing_title(COVER) == "Harbour Cranes Inc., Form 10-Q, quarter ended March 31, 2031"
    event = COVER.replace("FORM 10-Q", "FORM 8-K").replace(
        "For the quarterly period ended March 31, 2031", "Date of Report (Date of earliest event reported): May 3, 2031")
    assert filing_title(event) == "Harbour Cranes Inc., Form 8-K, dated May 3, 2031"
    assert filing_title("FORM 10-Q is mentioned in this essay, but nothing here is a cover page.") == ""
    (tmp_path / "cover.txt").write_text(COVER + "\nThe company builds cranes for harbours.\n", encoding="utf-8")
    assert read_document(tmp_path / "cover.txt").metadata.title.startswith("Harbour Cranes Inc., Form 10-Q")


FEES = """# Northgate Harbour Annual Review

## Fees

The harbour's fees were as follows (in thousands):

| Fee | 2029 | 2028 |
|-----|------|------|
| Mooring | 310 | 295 |
| Pilotage | 120 | 118 |
| Crane hire | 84 | 90 |

The board kept the crane hire rate unchanged for the coming season.
"""


def test_a_lead_in_gives_its_place_to_the_row_and_a_change_shows_both_years(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "northgate.md").write_text(FEES, encoding="utf-8")
    a = Assistant(docs_dir=tmp_path / "docs", index_dir=tmp_path / "index")
    a.ingest(progress=False)
    ans = a.ask("How much did Northgate Harbour earn from pilotage fees in 2028?")
    assert not ans.abstained
    # the row states the figure, not the lead-in ("...were as follows (in thousands):"), which gives its unit
    assert "Pilotage: 118 thousand, in 2028 [1]" in ans.text
    assert ans.citations[0].quote == "| Pilotage | 120 | 118 |" and "2029 | 2028" in ans.citations[0].context
    ans = a.ask("How did mooring fees change from 2028 to 2029?")
    assert "Mooring: 310 thousand, in 2029; 295 thousand, in 2028" in ans.text


PAGE = b"""<html><head><title>Port fees</title></head><body><article><h1>Port fees</h1>
<p>Our fees are listed below, per year, for every vessel that calls at the harbour. They are set by the board.</p>
<table><caption>Harbour fees (in thousands)</caption>
<thead><tr><th>Fee</th><th>2029</th><th>2028</th></tr></thead>
<tr><td>Mooring</td><td>310</td><td>295</td></tr><tr><td>Pilotage <b>(day)</b></td><td>120</td><td>118</td></tr></table>
<p>Fees rose in every category except crane hire, which the board kept the same this year.</p></article></body></html>"""


def test_an_html_table_keeps_its_cells_caption_and_header(tmp_path):
    (tmp_path / "fees.html").write_bytes(PAGE)
    doc = read_document(tmp_path / "fees.html")
    blocks = {doc.text[b.start:b.end]: b for b in doc.blocks}
    assert blocks["Fee | 2029 | 2028"].kind == "table_head"
    row = blocks["Pilotage (day) | 120 | 118"]
    assert row.kind == "table_row"
    assert labelled(row.header, "Pilotage (day) | 120 | 118") == \
        "Harbour fees (in thousands) | Pilotage (day) | 2029: 120 | 2028: 118"
    assert any(t.startswith("Fees rose in every category") for t in blocks)
