"""rag.read.pdf on PDFs written here with reportlab: paragraphs reflowed across line and column breaks,
running headers and page numbers left out of the blocks, table rows with their header, errors for bad files."""
import hashlib
import io
import re
import time
from pathlib import Path

import pytest
from reportlab.lib.pagesizes import letter  # the dev extra installs it: missing is a failure, not a skip
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from rag.errors import DocumentError
from rag.read import read_document
from rag.read.normalize import normalize
from rag.read.pdf import PAGE_SEP, _read, read_pdf
from rag.read.table import cells, labelled, parse_header

HEADER = "Acme Research Report - Confidential"
PARAGRAPH = [  # page 1: a hyphenated line break and a ligature (U+FB01)
    "The widget model learns a dense represen-",
    "tation of every input and supports \ufb01ne-tuning",
    "on small data sets without any change to the",
    "architecture. It was trained for three weeks",
    "on eight machines.",
]
PARAGRAPH_JOINED = ("The widget model learns a dense representation of every input and supports fine-tuning on small "
                    "data sets without any change to the architecture. It was trained for three weeks on eight "
                    "machines.")
LEFT = [  # page 2, left column: two paragraphs, the second runs on into the right column
    ("Our first study looked at how widgets age when they are kept in a cold and dry store for a whole year.",),
    ("A second study measured the same widgets after a year in a warm and humid store, and the results were "
     "consistent with",),
]
RIGHT = [
    ("the earlier measurements, which means that storage has little effect on the widgets we tested.",),
    ("Finally we asked the engineers who build the widgets what they expected, and most of them were not surprised "
     "by these results at all.",),
]
TABLE = [("Inventories", "4,454", "2,605"), ("Accounts receivable", "1,203", "987"),
         ("Total current assets", "12,345", "11,002")]


def _font() -> str:
    """A TrueType font with the "fi" ligature glyph: the system's DejaVu Sans, else matplotlib's copy."""
    cands = [Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")]
    try:
        import matplotlib

        cands.append(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf")
    except ImportError:
        pass
    for p in cands:
        if p.exists():
            pdfmetrics.registerFont(TTFont("DejaVu", str(p)))
            return "DejaVu"
    pytest.skip("no TrueType font with the fi ligature (DejaVu Sans)")


def _justified(c, lines, x, y, width, font, size, leading, indent=0.0, last_full=False):
    """Draw `lines` as a justified paragraph (the last line ragged unless `last_full`); return the y below it."""
    for i, line in enumerate(lines):
        t = c.beginText(x + (indent if i == 0 else 0), y)
        t.setFont(font, size)
        gaps = line.count(" ")
        room = width - (indent if i == 0 else 0) - pdfmetrics.stringWidth(line, font, size)
        if (i < len(lines) - 1 or last_full) and gaps:
            t.setWordSpace(room / gaps)
        t.textLine(line)
        c.drawText(t)
        y -= leading
    return y


def _wrap(text, font, size, width, indent=0.0):
    lines, cur = [], ""
    for w in text.split():
        room = width - (indent if not lines else 0)
        if cur and pdfmetrics.stringWidth(cur + " " + w, font, size) > room:
            lines.append(cur)
            cur = w
        else:
            cur = (cur + " " + w).strip()
    return lines + [cur]


def _header_footer(c, page):
    c.setFont("Helvetica", 9)
    c.drawString(72, 760, HEADER)
    c.drawCentredString(306, 30, str(page))


def build_report() -> bytes:
    """Three pages: a title, a heading and two paragraphs; two columns; a table. Running header and page number."""
    font = _font()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter)
    return _draw_all(c, font, buf)


def _draw_all(c, font, buf) -> bytes:
    # page 1
    _header_footer(c, 1)
    c.setFont("Helvetica-Bold", 18)
    c.drawString(72, 715, "Annual Report on Widgets")
    c.setFont("Helvetica-Bold", 12)
    c.drawString(72, 680, "1 Introduction")
    y = _justified(c, PARAGRAPH, 72, 660, 260, font, 11, 14)
    second = _wrap("We describe the widgets in the next section and the two studies after it. The last section "
                   "sums up what we learned and what we plan to do next year.", font, 11, 260, indent=18)
    _justified(c, second, 72, y, 260, font, 11, 14, indent=18)
    c.showPage()
    # page 2: two columns of justified Times 10/12; the left column's last line is full and unfinished
    _header_footer(c, 2)
    y = _justified(c, _wrap(LEFT[0][0], "Times-Roman", 10, 220, indent=12), 72, 715, 220, "Times-Roman", 10, 12,
                   indent=12)
    cont = _wrap(LEFT[1][0] + " " + RIGHT[0][0], "Times-Roman", 10, 220, indent=12)
    split = next(i for i, ln in enumerate(cont) if "consistent" in ln) + 1  # column break after "consistent ..."
    left, right = cont[:split], cont[split:]
    y = _justified(c, left, 72, y, 220, "Times-Roman", 10, 12, indent=12, last_full=True)
    # the sentence goes on at the top of the right column
    y2 = _justified(c, right, 330, 715, 220, "Times-Roman", 10, 12)
    _justified(c, _wrap(RIGHT[1][0], "Times-Roman", 10, 220, indent=12), 330, y2, 220, "Times-Roman", 10, 12,
               indent=12)
    c.showPage()
    # page 3: a caption, a table, a closing paragraph
    _header_footer(c, 3)
    c.setFont("Helvetica", 10)
    c.drawString(72, 715, "Table 1: Balance sheet items (in millions).")
    y = 690
    c.drawString(72, y, "Item")
    c.drawRightString(330, y, "Q3 2023")
    c.drawRightString(450, y, "Q3 2022")
    for label, a, b in TABLE:
        y -= 16
        c.drawString(72, y, label)
        c.drawRightString(330, y, a)
        c.drawRightString(450, y, b)
    _justified(c, _wrap("Inventories grew by almost two thirds over the year while receivables went up by a "
                        "fifth, so current assets rose to a new high.", "Times-Roman", 10, 380), 72, y - 40, 380,
               "Times-Roman", 10, 12)
    c.showPage()
    c.save()
    return buf.getvalue()


@pytest.fixture(scope="module")
def report():
    data = build_report()
    return data, read_pdf(data, "report.pdf", hashlib.sha256(data).hexdigest())


def blocks(doc):
    return [(b, normalize(doc.text, b.start, b.end).text) for b in doc.blocks]


def test_source_text_and_pages(report):
    data, doc = report
    assert doc.format == "pdf" and doc.source == "report.pdf" and doc.sha == hashlib.sha256(data).hexdigest()
    assert doc.metadata.pages == 3 and len(doc.pages) == 3
    assert doc.metadata.title == "Annual Report on Widgets"  # reportlab's "untitled" is not a title
    assert "\r" not in doc.text and "\ufffe" not in doc.text
    for i, (s, e) in enumerate(doc.pages):
        assert "\f" not in doc.text[s:e]
        if i:
            assert doc.text[doc.pages[i - 1][1]:s] == PAGE_SEP
    assert doc.text.count("\f") == 2
    assert HEADER in doc.text  # kept in the source text, left out of the blocks


def test_hyphenated_paragraph_with_a_ligature_is_one_block(report):
    _, doc = report
    paras = [t for b, t in blocks(doc) if b.kind == "paragraph" and "widget model" in t]
    assert paras == [PARAGRAPH_JOINED]
    b = next(b for b, t in blocks(doc) if t == PARAGRAPH_JOINED)
    assert b.page == 1
    src = doc.text[b.start:b.end]
    assert "represen-\ntation" in src  # the citation quotes the page as printed
    assert "\ufb01ne-tuning" in src or "fine-tuning" in src
    # the next paragraph (indented first line) is a block of its own
    assert any(t.startswith("We describe the widgets") and t.endswith("next year.") for _, t in blocks(doc))


def test_heading_and_title(report):
    _, doc = report
    heads = [(b.level, t) for b, t in blocks(doc) if b.kind == "heading"]
    assert (1, "Annual Report on Widgets") in heads
    assert (2, "1 Introduction") in heads


def test_headers_and_page_numbers_are_not_in_blocks(report):
    _, doc = report
    texts = [t for _, t in blocks(doc)]
    assert not any("Confidential" in t for t in texts)
    assert not any(t.strip() in {"1", "2", "3"} for t in texts)
    # ... and everything else is: every non-whitespace character outside them lies in a block
    covered = bytearray(len(doc.text))
    for b in doc.blocks:
        covered[b.start:b.end] = b"\x01" * (b.end - b.start)
    left_out = "".join(c for i, c in enumerate(doc.text) if not covered[i] and not c.isspace())
    assert sorted(left_out) == sorted(HEADER.replace(" ", "") * 3 + "123")


def test_every_block_is_on_its_page(report):
    _, doc = report
    assert doc.blocks
    for b in doc.blocks:
        s, e = doc.pages[b.page - 1]
        assert s <= b.start < b.end <= e
        assert doc.page_at(b.start) == b.page
        assert "\f" not in doc.text[b.start:b.end]
    assert [b.start for b in doc.blocks] == sorted(b.start for b in doc.blocks)


def test_two_columns_read_in_order_and_a_sentence_goes_on_across_the_column_break(report):
    _, doc = report
    page2 = [t for b, t in blocks(doc) if b.page == 2]
    assert page2[0] == LEFT[0][0]
    assert page2[1] == LEFT[1][0] + " " + RIGHT[0][0]  # one block across the column break
    assert page2[2] == RIGHT[1][0]
    assert len(page2) == 3


def test_table_rows_with_their_header(report):
    _, doc = report
    rows = [(b, t) for b, t in blocks(doc) if b.kind == "table_row"]
    texts = [t for _, t in rows]
    for label, a, b in TABLE:
        assert f"{label} {a} {b}" in texts
    for b, t in rows:
        assert b.page == 3
        if t.startswith(("Inventories", "Accounts", "Total")):
            head = parse_header(b.header)
            assert head.columns == ("Q3 2023", "Q3 2022")
            assert head.context.startswith("Table 1: Balance sheet items (in millions).")  # the caption says what they are
            assert "Q3 2022: 987" in labelled(b.header, t) or not t.startswith("Accounts")
    caption = [t for b, t in blocks(doc) if t.startswith("Table 1")]
    assert caption == ["Table 1: Balance sheet items (in millions)."]
    assert any(t.startswith("Inventories grew") and t.endswith("new high.") for b, t in blocks(doc)
               if b.kind == "paragraph")


def test_read_document_dispatches_pdf(tmp_path, report):
    data, doc = report
    p = tmp_path / "r.pdf"
    p.write_bytes(data)
    d = read_document(p)
    assert d.format == "pdf" and d.text == doc.text and d.blocks == doc.blocks


def test_pypdf_fallback_reflows_without_geometry(report):
    data, _ = report
    doc, _ = _read(data, "report.pdf", "x", extractor="pypdf")
    assert doc.metadata.pages == 3
    texts = [normalize(doc.text, b.start, b.end).text for b in doc.blocks]
    assert any("dense representation of every input" in t for t in texts)
    for b in doc.blocks:
        s, e = doc.pages[b.page - 1]
        assert s <= b.start < b.end <= e


def _pdf(draw) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter)
    draw(c)
    c.showPage()
    c.save()
    return buf.getvalue()


def test_metadata_title_author_and_date():
    def draw(c):
        c.setTitle("Quarterly Widget Review")
        c.setAuthor("Jane Doe")
        c.setFont("Helvetica", 11)
        c.drawString(72, 700, "A short note on widgets.")

    doc = read_pdf(_pdf(draw), "note.pdf", "x")
    assert doc.metadata.title == "Quarterly Widget Review"
    assert doc.metadata.author == "Jane Doe"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", doc.metadata.date)
    assert doc.metadata.pages == 1
    assert [doc.text[b.start:b.end] for b in doc.blocks] == ["A short note on widgets."]


def test_scanned_pdf_without_text_is_refused():
    def draw(c):
        c.rect(72, 72, 400, 600, fill=1)
        c.circle(300, 400, 50)

    with pytest.raises(DocumentError, match=r"no text layer \(scanned\?\)"):
        read_pdf(_pdf(draw), "scan.pdf", "x")


def test_encrypted_pdf_is_refused():
    from reportlab.lib import pdfencrypt

    buf = io.BytesIO()
    c = canvas.Canvas(buf, encrypt=pdfencrypt.StandardEncryption("secret"))
    c.drawString(72, 700, "Hidden text")
    c.showPage()
    c.save()
    with pytest.raises(DocumentError, match="encrypted"):
        read_pdf(buf.getvalue(), "locked.pdf", "x")


@pytest.mark.parametrize("data", [
    b"%PDF-1.7\n" + bytes(range(256)) * 16,  # a header and garbage
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF",  # no pages
    b"<html><body>not a pdf</body></html>",
    b"",
])
def test_corrupt_files_raise_document_error(data):
    with pytest.raises(DocumentError):
        read_pdf(data, "bad.pdf", "x")


def test_damaged_copies_give_a_document_or_document_error(report):
    data, _ = report
    for cut in (len(data) // 4, len(data) // 2, len(data) - 200):
        damaged = [data[:cut], data[:cut] + data[cut + 100:], data[:cut] + b"\x00" * 64 + data[cut + 64:]]
        for d in damaged:
            try:
                doc = read_pdf(d, "damaged.pdf", "x")
            except DocumentError:
                continue
            for b in doc.blocks:
                assert 0 <= b.start < b.end <= len(doc.text)


def test_seventy_page_filing_is_fast_and_drops_its_running_header():
    from eval.pdf_extractors import synthetic_filing

    data = synthetic_filing(70)
    t = time.perf_counter()
    doc = read_pdf(data, "10q.pdf", "x")
    secs = time.perf_counter() - t
    assert doc.metadata.pages == 70
    assert secs < 8.0  # ~0.5 s on two shared cores; generous for slow CI machines
    texts = [normalize(doc.text, b.start, b.end).text for b in doc.blocks]
    assert not any("Form 10-Q" in t for t in texts)
    rows = [b for b in doc.blocks if b.kind == "table_row"]
    assert len(rows) >= 70 * 14
    assert all(parse_header(b.header).columns == ("June 24, 2023", "September 24, 2022") for b in rows
               if normalize(doc.text, b.start, b.end).text.startswith("Line item"))


# -- sentences across page breaks, footnote numbers, run-on "headings", loose page numbers (issue 19) ---------------
RUNNING = "Journal of Widget Studies"
BEFORE_BREAK = ("Validators take turns to propose blocks, and each proposal is checked by the others before it is "
                "added to the ledger. The analysts expect that the global block-")
AFTER_BREAK = ("chain market size is expected to grow by a third next year, as more firms settle payments on it. "
               "The committee publishes its figures every spring.")
SPANNING = ("The analysts expect that the global blockchain market size is expected to grow by a third next year, "
            "as more firms settle payments on it.")


def _page_break_pdf() -> bytes:
    """Three pages with a running header and a page number; page 1 ends on a full line in the middle of a word
    ("block-"), with a footnote in a smaller size below it; page 2 goes on ("chain market size ...")."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter)
    width = 300
    for page in (1, 2, 3):
        c.setFont("Helvetica", 9)
        c.drawString(72, 760, RUNNING)
        c.drawCentredString(306, 30, str(page))
        if page == 1:
            _justified(c, _wrap("An opening paragraph that ends here. " * 4, "Times-Roman", 11, width), 72, 700, width,
                       "Times-Roman", 11, 14)
            lines = _wrap(BEFORE_BREAK, "Times-Roman", 11, width)
            _justified(c, lines, 72, 120 + 14 * (len(lines) - 1), width, "Times-Roman", 11, 14, last_full=True)
            c.setFont("Times-Roman", 7)
            c.drawString(72, 60, "A footnote that explains something else.")
        elif page == 2:
            _justified(c, _wrap(AFTER_BREAK, "Times-Roman", 11, width), 72, 720, width, "Times-Roman", 11, 14)
        else:
            c.setFont("Times-Roman", 11)
            c.drawString(72, 720, "A closing paragraph that says nothing more.")
        c.showPage()
    c.save()
    return buf.getvalue()


def test_a_sentence_running_across_a_page_break_is_one_unit():
    from rag.chunk import chunk_document
    from rag.embed import word_piece_tokenizer

    doc = read_pdf(_page_break_pdf(), "break.pdf", "x")
    first = next(b for b in doc.blocks if doc.text[b.start:b.end].startswith("Validators"))
    second = next(b for b in doc.blocks if doc.text[b.start:b.end].startswith("chain market"))
    assert (first.page, second.page) == (1, 2) and second.cont == first.start
    assert "\f" not in doc.text[second.start:second.end]  # blocks stay on their page
    units = [u for c in chunk_document(doc, word_piece_tokenizer(), 160, 40) for u in c.units]
    spanning = [u for u in units if "market size" in u.text]
    assert [u.text for u in spanning] == [SPANNING]  # "block-" + "chain" joined, header and page number left out
    u = spanning[0]
    assert u.page == 1 and u.skip and RUNNING in doc.text[u.start:u.end]  # the quote is the verbatim span
    assert "A footnote that explains something else." in [x.text for x in units]  # the footnote: a unit of its own
    assert not [x.text for x in units if x.text[0].islower()]
    assert "The committee publishes its figures every spring." in [x.text for x in units]


def test_a_footnote_number_stays_out_of_its_sentence():
    def draw(c):
        c.setFont("Times-Roman", 11)
        c.drawString(72, 700, "The members vote on the proposal before the end of the meeting.")
        c.setFont("Times-Roman", 6)
        c.drawString(72, 103, "12")  # raised and smaller: a footnote's number, glued to its text by PDFium
        c.setFont("Times-Roman", 9)
        c.drawString(79, 100, "The leader will receive the votes of every member by noon.")
        c.drawString(72, 80, "104 The cover page is an exhibit of the report.")  # on the line: content

    doc = read_pdf(_pdf(draw), "note.pdf", "x")
    texts = [doc.text[b.start:b.end] for b in doc.blocks]
    assert "The leader will receive the votes of every member by noon." in texts
    assert "104 The cover page is an exhibit of the report." in texts
    assert not any(t.startswith("12") for t in texts)


def test_a_bold_phrase_inside_a_paragraph_is_not_a_heading():
    text = ("In our experiments we find that removing the second training objective from the pretraining data "
            "improves the scores on all of the downstream tasks, which we explain in the next section.")
    lines = _wrap(text, "Helvetica", 10, 300)

    def draw(c):  # the second line in bold, at the body size: a bold phrase, no heading
        y = 700
        for i, line in enumerate(lines):
            _justified(c, [line], 72, y, 300, "Helvetica-Bold" if i == 1 else "Helvetica", 10, 12,
                       last_full=i < len(lines) - 1)
            y -= 12

    doc = read_pdf(_pdf(draw), "bold.pdf", "x")
    assert len(lines) >= 3
    assert [(b.kind, normalize(doc.text, b.start, b.end).text) for b in doc.blocks] == [("paragraph", text)]


def test_a_page_number_set_right_below_the_text_is_left_out():
    body = ["Widgets are sold in three sizes.", "The small one is the most popular.",
            "Prices rose by a tenth last year.", "Shipping takes two days on average."]
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter)
    for page, sentence in enumerate(body, 1):
        c.setFont("Times-Roman", 10)
        c.drawString(72, 700, sentence)
        c.drawCentredString(306, 30 if page < 4 else 660, str(page + 10))  # printed numbers run 11, 12, ...
        c.showPage()
    c.save()
    doc = read_pdf(buf.getvalue(), "numbers.pdf", "x")
    assert [doc.text[b.start:b.end].strip() for b in doc.blocks] == body  # "14", just below the text: left out
    assert "14" in doc.text  # still in the source text


def _figure_rows(c, y, cols, rows):
    """Table rows under column labels: the label at the left margin, each figure right-aligned at its column."""
    for label, *vals in rows:
        c.drawString(72, y, label)
        for x, v in zip(cols, vals):
            c.drawRightString(x, y, v)
        y -= 14


def _two_line_dates(c, y, cols):
    """Dates set in two lines over their columns and drawn cell by cell ("July 2," over "2031")."""
    for x, (day, year) in zip(cols, (("July 2,", "2031"), ("July 3,", "2030"), ("July 2,", "2031"), ("July 3,", "2030"))):
        c.drawRightString(x, y, day)
        c.drawRightString(x, y - 10, year)


# A 10-Q's columns: a quarter and a half year, each this year and last, and the labels they read as
QUARTER_AND_HALF = (360, 420, 500, 560)
QUARTER_AND_HALF_LABELS = ["Three Months Ended July 2, 2031", "Three Months Ended July 3, 2030",
                           "Six Months Ended July 2, 2031", "Six Months Ended July 3, 2030"]


def _periods(c, y):
    """"Three Months Ended" and "Six Months Ended" over the QUARTER_AND_HALF columns at height y."""
    c.drawString(326, y, "Three Months Ended")
    c.drawString(466, y, "Six Months Ended")


def _quarter_and_half_header(c, y):
    """The periods at height y over their dates in two lines (`_two_line_dates`), 12 points below."""
    _periods(c, y)
    _two_line_dates(c, y - 12, QUARTER_AND_HALF)


def _three_years(c, y, rows):
    """"Year Ended December 31," in small type centred over three columns at height y, the years 2029,
    2030 and 2031 right-aligned under it, then `rows` (`_figure_rows`) from 16 points further down."""
    cols = (360, 450, 540)
    c.setFont("Helvetica", 7.5)
    c.drawCentredString(445, y, "Year Ended December 31,")
    for x, year in zip(cols, ("2029", "2030", "2031")):
        c.drawRightString(x, y - 10, year)
    c.setFont("Helvetica", 9)
    _figure_rows(c, y - 26, cols, rows)


def _table_rows(doc) -> dict:
    return {doc.text[b.start:b.end]: b for b in doc.blocks if b.kind == "table_row"}


def test_column_labels_written_cell_by_cell_in_two_lines_label_their_columns():
    """Dates set in two lines over each column ("July 2," over "2031") and drawn cell by cell, as filings
    do: PDFium gives "July 2," then "2031" then "July 3," ..., one line at a time. They are one header
    row, and each column is labelled with its whole date under its period."""
    def draw(c):
        c.setFont("Helvetica", 9)
        c.drawString(72, 720, "Revenues by segment (in millions)")
        _quarter_and_half_header(c, 700)
        # figures wider than the year under each date: a column's centre lies left of "2031"
        _figure_rows(c, 662, QUARTER_AND_HALF, [("Ferries", "1,204,310", "1,090,220", "2,310,870", "2,101,400"),
                                    ("Cargo handling", "3,551,020", "3,002,310", "6,870,120", "5,990,030"),
                                    ("Total revenues", "4,755,330", "4,092,530", "9,180,990", "8,091,430")])

    rows = _table_rows(_read(_pdf(draw), "segments.pdf", "x")[0])
    total = rows["Total revenues 4,755,330 4,092,530 9,180,990 8,091,430"]
    columns = [" ".join(c.split()) for c in parse_header(total.header).columns]
    assert columns == QUARTER_AND_HALF_LABELS


def test_a_unit_line_in_small_type_beside_the_column_labels_does_not_cut_them_from_their_periods():
    """"(MILLIONS, EXCEPT PER SHARE DATA)" in smaller type just over the dates' first line, under
    "Three Months Ended  Six Months Ended": the periods still label their columns (a quarter and a half
    year ending on the same date are told apart), and the unit line is the table's context."""
    def draw(c):
        c.setFont("Helvetica", 9)
        c.drawString(72, 720, "CONSOLIDATED STATEMENTS OF INCOME")
        _periods(c, 704)
        c.setFont("Helvetica", 7)
        c.drawString(72, 697, "(MILLIONS, EXCEPT PER SHARE DATA)")  # its own line, just over "July 2,"
        c.setFont("Helvetica", 9)
        _two_line_dates(c, 690, QUARTER_AND_HALF)
        _figure_rows(c, 664, QUARTER_AND_HALF, [("Revenues", "12,734", "27,742", "31,015", "53,402"),
                                    ("Cost of sales", "3,237", "8,648", "8,122", "18,632"),
                                    ("Net income", "2,327", "9,906", "7,870", "17,769")])

    rows = _table_rows(_read(_pdf(draw), "income.pdf", "x")[0])
    header = parse_header(rows["Net income 2,327 9,906 7,870 17,769"].header)
    assert [" ".join(c.split()) for c in header.columns] == QUARTER_AND_HALF_LABELS
    assert "MILLIONS" in header.context


def test_a_statements_title_and_unit_line_set_apart_above_its_columns_name_its_rows():
    """"CONSOLIDATED STATEMENTS OF OPERATIONS" over "(in millions, except per share data)", a gap, then
    the column labels in smaller type: the rows still carry the title and the unit."""
    def draw(c):
        c.setFont("Helvetica", 9)
        c.drawString(72, 740, "Our results for the year are set out below in the usual form of the statements.")
        c.drawString(250, 712, "CONSOLIDATED STATEMENTS OF OPERATIONS")
        c.drawString(262, 700, "(in millions, except per share data)")
        _three_years(c, 664, [("Net product sales", "79,268", "94,665", "118,573"),
                              ("Net service sales", "27,738", "41,322", "59,293"),
                              ("Total net sales", "107,006", "135,987", "177,866")])

    rows = _table_rows(_read(_pdf(draw), "statements.pdf", "x")[0])
    header = parse_header(rows["Total net sales 107,006 135,987 177,866"].header)
    assert "in millions" in header.context and "STATEMENTS OF OPERATIONS" in header.context
    assert "usual form" not in header.context  # the sentence above is not the table's title
    assert [" ".join(c.split()) for c in header.columns][-1].endswith("2031")


def test_a_title_set_in_several_heading_lines_names_each_of_two_tables_of_the_same_rows():
    """Two tables list the same segments, one under "SUPPLEMENTAL DATA – NET REVENUES" and one under
    "SUPPLEMENTAL DATA – OPERATING INCOME", each title over "(In thousands)" and "(Unaudited)": every
    row carries its own table's whole title, so "Ferries" of the one is not read as the other's. A
    rate set with a space before its sign ("91 %") is a row of figures, not a header line."""
    def table(c, y, title, rows):
        c.setFont("Helvetica-Bold", 9)
        for line in ("HARBOUR GROUP PLC AND SUBSIDIARIES", title, "(In thousands)", "(Unaudited)"):
            c.drawString(200, y, line)
            y -= 11
        c.setFont("Helvetica", 9)
        y -= 8
        cols = (400, 480)
        for x, year in zip(cols, ("2031", "2030")):
            c.drawRightString(x, y, year)
        _figure_rows(c, y - 16, cols, rows)

    def draw(c):
        table(c, 720, "SUPPLEMENTAL DATA – NET REVENUES", [("Ferries", "2,297,282", "1,806,686"),
                                                          ("Cranes", "991,452", "899,607")])
        table(c, 560, "SUPPLEMENTAL DATA – OPERATING INCOME", [("Occupancy", "91 %", "86 %"),
                                                              ("Ferries", "877,052", "698,739"),
                                                              ("Cranes", "319,517", "309,250")])

    rows = _table_rows(_read(_pdf(draw), "supplement.pdf", "x")[0])
    revenues = parse_header(rows["Ferries 2,297,282 1,806,686"].header).context
    income = parse_header(rows["Ferries 877,052 698,739"].header).context
    assert "NET REVENUES" in revenues and "(In thousands)" in revenues and "OPERATING INCOME" not in revenues
    assert "OPERATING INCOME" in income and "NET REVENUES" not in income
    assert "Occupancy 91 % 86 %" in rows and "Occupancy" not in income


def _units(doc) -> list[str]:
    from rag.chunk import chunk_document
    from rag.embed import word_piece_tokenizer

    return sorted({u.text for c in chunk_document(doc, word_piece_tokenizer(), 160, 40) for u in c.units})


def test_a_drop_capital_does_not_cut_its_paragraph():
    first = "n November 2020, the company elected to contribute shares to its pension fund, and a fiduciary was"
    second = "retained to manage and sell the stock over time at its own discretion."

    def draw(c):
        c.setFont("Times-Bold", 14)
        c.drawString(72, 700, "I")  # the paragraph's first letter set larger
        c.setFont("Times-Roman", 9)
        c.drawString(72 + pdfmetrics.stringWidth("I", "Times-Bold", 14), 700, first)
        c.drawString(72, 689, second)

    doc = read_pdf(_pdf(draw), "dropcap.pdf", "x")
    assert [normalize(doc.text, b.start, b.end).text for b in doc.blocks] == [f"I{first} {second}"]


def test_a_footnote_run_on_into_the_next_column_is_read_as_one_sentence():
    """Left column: text, then a footnote in a smaller size that stops mid-sentence at the column's foot; right
    column: text, a numbered heading, text, then the footnote's second half at its foot."""
    col = 230

    def para(c, text, x, y):
        return _justified(c, _wrap(text, "Times-Roman", 10, col), x, y, col, "Times-Roman", 10, 12)

    def draw(c):
        para(c, "Our models were trained on the public data sets only, and we report the mean of five runs for "
                "every task in the table above.", 72, 700)
        c.setFont("Times-Roman", 8)
        c.drawString(72, 90, "While we only use the provided training data, our")
        y = para(c, "The second setting submits the ensemble to the public leaderboard, where it reaches the best "
                    "score on four of the nine tasks.", 72 + col + 20, 700)
        c.setFont("Times-Bold", 11)
        c.drawString(72 + col + 20, y - 10, "5.2 Question Answering Results")
        para(c, "We adopt a much simpler approach for question answering than the earlier work and train on the "
                "provided data alone.", 72 + col + 20, y - 30)
        c.setFont("Times-Roman", 8)
        c.drawString(72 + col + 20, 90, "results could improve with more pronoun data.")

    doc = read_pdf(_pdf(draw), "footnote.pdf", "x")
    units = _units(doc)
    assert "While we only use the provided training data, our results could improve with more pronoun data." in units
    assert not [u for u in units if u[0].islower()]


def test_an_entry_whose_last_cell_wraps_below_the_table_row_reads_as_one_text():
    """An officers' list set as a table (name | age | position) whose position cell runs on under itself."""
    entries = [("Jane Q. Smith", "54", "Senior Vice President and President, Widget International since January "
                "2023. Ms. Smith", "previously served as President of Widget Europe from 2019 to 2023."),
               ("John R. Roe", "61", "Executive Vice President, Government Operations since October 2021. Prior to",
                "joining the company, Mr. Roe led the public affairs office of a large carmaker.")]

    def draw(c):
        c.setFont("Times-Roman", 9)
        y = 700
        for head, x in (("Name", 40), ("Age", 190), ("Principal Occupation", 215)):
            c.drawString(x, y, head)
        for name, age, cell, more in entries:
            y -= 14
            c.drawString(40, y, name)
            c.drawString(190, y, age)
            c.drawString(215, y, cell)
            y -= 11
            c.drawString(215, y, more)

    doc = read_pdf(_pdf(draw), "officers.pdf", "x")
    units = _units(doc)
    assert "Ms. Smith previously served as President of Widget Europe from 2019 to 2023." in units
    assert any(u.endswith("Prior to joining the company, Mr. Roe led the public affairs office of a large carmaker.")
               for u in units)
    assert not [u for u in units if u[0].islower()]


def test_a_table_of_text_read_column_by_column_goes_on_in_its_own_column_over_the_page():
    """Three pages of a comparison set as a table (issue | law A | law B; the issues' cells left out here), its
    column headers repeated atop each page; on page 1 the middle column's sentence runs on to the top of page 2's
    middle column, while the right column's text ends finished."""
    x_mid, x_right, w = 200, 390, 175
    head = ("Corporate law issue", "Delaware law", "Jersey law")
    running = ("Under Delaware law a merger needs the approval of the board and of a majority of the shares "
               "outstanding, unless the board of directors approves either the business")
    going_on = "combination or the transaction before the person became an interested shareholder."
    pages = [
        (running, "The Jersey law requires a special resolution of the shareholders for a merger."),
        (going_on + " This encourages a buyer to negotiate with the board.",
         "Jersey law has no such rule."),
        ("Shareholders may call a meeting only where the charter allows it.",
         "Shareholders holding a tenth of the votes may call a meeting."),
    ]

    def lines(text):
        return _wrap(text, "Times-Roman", 10, w)

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter)
    for k, (mid, right) in enumerate(pages):
        mid_lines = lines(mid)
        top = 700 if mid is not running else 60 + 12 * (len(mid_lines) - 1)  # page 1: down to the page's foot
        c.setFont("Times-Roman", 8)
        for text, x in zip(head, (20, x_mid, x_right)):  # right above the text, at another height on each page
            c.drawString(x, top + 14 + 5 * k, text)
        _justified(c, mid_lines, x_mid, top, w, "Times-Roman", 10, 12, last_full=mid is running)
        _justified(c, lines(right), x_right, top, w, "Times-Roman", 10, 12)
        c.showPage()
    c.save()
    doc = read_pdf(buf.getvalue(), "comparison.pdf", "x")
    units = _units(doc)
    assert f"{running} {going_on}" in units
    assert not [u for u in units if u[0].islower()]


def test_column_labels_of_different_line_counts_set_on_a_common_bottom_line_label_their_columns():
    """Labels of three lines beside labels of two, bottom-aligned and drawn cell by cell ("Total Stores
    at" / "Beginning of" / "Quarter", then "Stores" / "Opened" on the lower two lines), under a row that
    names each group's year: each column gets its whole label under its year."""
    def draw(c):
        c.setFont("Helvetica", 9)
        c.drawString(72, 740, "Stores open at the beginning and end of the quarter were as follows:")
        cols = (250, 295, 340, 385, 445, 490, 535, 580)
        c.drawString(290, 720, "Fiscal 2031")
        c.drawString(485, 720, "Fiscal 2030")
        c.setFont("Helvetica", 7)
        # the first label wider than the figures under it, centred left of them
        labels = ((("Total Stores at",), ("Start of the", "Quarter")), ((), ("Stores", "Opened")),
                  ((), ("Stores", "Closed")), (("Stores at",), ("End of", "Quarter")))
        for i, x in enumerate(cols):
            top, (mid, low) = labels[i % 4]
            for line in top:
                c.drawRightString(x, 706, line)
            c.drawRightString(x, 697, mid)
            c.drawRightString(x, 688, low)
        c.setFont("Helvetica", 9)
        _figure_rows(c, 672, cols, [("Ferry terminals", "908", "1", "(1)", "907", "931", "1", "(2)", "930")])
        c.drawString(72, 658, "Depots")  # a dash set a hair right of the figures above it is in their column
        for x, v in zip(cols, ("20", "-", "(1)", "20", "16", "2", "-", "18")):
            c.drawString(x - 1.5, 658, v) if v == "-" else c.drawRightString(x, 658, v)
        _figure_rows(c, 644, cols, [("Total", "928", "1", "(2)", "927", "947", "3", "(2)", "948")])

    rows = _table_rows(_read(_pdf(draw), "stores.pdf", "x")[0])
    total = rows["Total 928 1 (2) 927 947 3 (2) 948"]
    columns = [" ".join(c.split()) for c in parse_header(total.header).columns]
    assert columns == [f"Fiscal {y} {label}" for y in (2031, 2030) for label in
                       ("Total Stores at Start of the Quarter", "Stores Opened", "Stores Closed",
                        "Stores at End of Quarter")]


def test_a_larger_name_set_beside_a_sentences_last_line_does_not_cut_the_sentence():
    """A signature page: "... signed on its" / "behalf by the undersigned, ..." with the registrant's name
    set a little larger at the right of that second line, which PDFium gives as one line with it. The
    name's size is not the line's: the sentence reads as one paragraph."""
    def draw(c):
        c.setFont("Helvetica-Bold", 11)
        c.drawString(260, 740, "SIGNATURES")
        c.setFont("Helvetica", 9)
        c.drawString(40, 720, "Pursuant to the requirements of the Exchange Act, the registrant has duly caused "
                              "this report to be signed on its")
        c.drawString(40, 709, "behalf by the undersigned, thereunto duly authorized, as of February 1, 2032.")
        c.setFont("Helvetica", 9.7)
        c.drawString(380, 709, "HARBOUR GROUP PLC")
        c.setFont("Helvetica", 9)
        c.drawString(380, 680, "By: /s/ Jane Doe")

    doc = _read(_pdf(draw), "signatures.pdf", "x")[0]
    paragraphs = [doc.text[b.start:b.end] for b in doc.blocks if b.kind == "paragraph"]
    assert any("signed on its\nbehalf by the undersigned" in p for p in paragraphs)


def test_rows_after_a_break_in_a_statement_keep_the_columns_of_the_rows_above():
    """An income statement whose per-share rows follow a gap and a group label ("Earnings per share––
    diluted:", a line of its own): their figures stand in the columns labelled at the top, so they
    are read under those labels, not as a table of their own without any."""
    def draw(c):
        c.setFont("Helvetica", 9)
        c.drawString(72, 740, "Statements of income (in millions, except per share data)")
        _quarter_and_half_header(c, 720)
        _figure_rows(c, 682, QUARTER_AND_HALF, [("Revenues", "12,734", "27,742", "31,015", "53,402"),
                                                ("Net income", "2,327", "9,906", "7,870", "17,769")])
        c.drawString(72, 620, "Earnings per share––diluted:")
        c.drawString(72, 606, "Income from continuing operations attributable to")
        _figure_rows(c, 594, QUARTER_AND_HALF, [("shareholders", "0.41", "1.73", "1.38", "3.09"),
                                                ("Net income", "0.41", "1.73", "1.38", "3.10")])

    doc = _read(_pdf(draw), "statement.pdf", "x")[0]
    eps = [b for b in doc.blocks if b.kind == "table_row" and doc.text[b.start:b.end].endswith("3.10")]
    assert len(eps) == 1
    columns = [" ".join(c.split()) for c in parse_header(eps[0].header).columns]
    assert columns == QUARTER_AND_HALF_LABELS
    assert "Earnings per share––diluted" in parse_header(eps[0].header).context


def test_a_lead_in_that_gives_the_unit_names_the_table_set_a_little_below_it():
    """A paragraph ends "... Net sales information is as follows (in millions):" and the column labels
    start 3.3 font sizes below it, in smaller type, as in a 10-K's MD&A: the rows carry the lead-in's
    unit, and of the paragraph's last line only its last sentence, the one that names the table."""
    def draw(c):
        c.setFont("Helvetica", 9)
        c.drawString(72, 740, "Product sales include shipping fees. Service sales include seller fees and")
        c.drawString(72, 729, "subscriptions. Net sales information is as follows (in millions):")
        _three_years(c, 699, [("North region", "63,708", "79,785", "106,110"),  # 30 points under the lead-in
                              ("South region", "35,418", "43,983", "54,297"),
                              ("Consolidated", "99,126", "123,768", "160,407")])

    rows = _table_rows(_read(_pdf(draw), "md_and_a.pdf", "x")[0])
    header = parse_header(rows["South region 35,418 43,983 54,297"].header)
    assert header.context.startswith("Net sales information is as follows (in millions):"), header.context
    assert "subscriptions" not in header.context
    assert [" ".join(c.split()) for c in header.columns] == [f"Year Ended December 31, {y}" for y in (2029, 2030, 2031)]


def test_a_date_set_left_of_right_aligned_figures_labels_their_column():
    """"June 30, 2022" set on the unit line's row and ending inside its column of right-aligned figures,
    its centre left of them (an earnings release's net debt table): it labels that column, not the
    table, and the next column keeps its own date."""
    def draw(c):
        c.setFont("Helvetica-Bold", 10)
        c.drawString(41, 700, "Reconciliation of net debt")
        c.setFont("Helvetica", 9)
        c.drawString(41, 684, "($ million)")
        c.drawString(412, 684, "June 30, 2031")
        c.drawString(495, 684, "June 30, 2032")
        y = 668
        for label, a, b in [("Cash and cash equivalents", "(775)", "(689)"), ("Short-term debt", "136", "80"),
                            ("Long-term debt excluding current portion", "6,340", "6,653"), ("Net debt", "5,715", "6,057")]:
            c.drawString(41, y, label)
            c.drawRightString(474, y, a)
            c.drawRightString(557, y, b)
            y -= 14

    rows = _table_rows(_read(_pdf(draw), "netdebt.pdf", "x")[0])
    header = parse_header(rows["Long-term debt excluding current portion 6,340 6,653"].header)
    assert [" ".join(c.split()) for c in header.columns] == ["June 30, 2031", "June 30, 2032"], header
    assert "net debt" in header.context and "2031" not in header.context


def test_two_line_column_labels_centred_on_one_line_labels_beside_them_label_their_columns():
    """"Cargo" over "Handling" centred on the line of "Ferries" and "Total", as an earnings release sets its
    segment columns, drawn left to right in one text object: PDFium gives "($ million) Ferries Cargo",
    "Handling Total Ferries Cargo", "Handling Total", lines that step from one baseline to another. Each
    cell is read on its own line, so each column gets its whole label under its period."""
    def draw(c):
        c.setFont("Helvetica-Bold", 10)
        c.drawString(41, 720, "Net sales by segment")
        c.setFont("Helvetica", 8)
        c.drawString(220, 700, "Three Months Ended June 30")
        c.drawString(400, 700, "Twelve Months Ended June 30")
        t = c.beginText()
        t.setFont("Helvetica", 8)
        for x, dy, label in [(41, -6, "($ million)"), (186, 0, "Ferries"), (250, 4, "Cargo"), (240, -4, "Handling"),
                             (310, 0, "Total"), (366, 0, "Ferries"), (433, 4, "Cargo"), (423, -4, "Handling"),
                             (493, 0, "Total")]:
            t.setTextOrigin(x, 680 + dy)
            t.textOut(label)
        c.drawText(t)
        _figure_rows(c, 660, (225, 286, 346, 409, 469, 529),
                     [("Net sales 2032", "2,777", "897", "3,673", "11,154", "3,540", "14,694"),
                      ("Net sales 2031", "2,967", "942", "3,909", "11,151", "3,393", "14,544")])

    rows = _table_rows(_read(_pdf(draw), "segments.pdf", "x")[0])
    header = parse_header(rows["Net sales 2031 2,967 942 3,909 11,151 3,393 14,544"].header)
    assert [" ".join(c.split()) for c in header.columns] == [
        f"{period} Months Ended June 30 {segment}" for period in ("Three", "Twelve")
        for segment in ("Ferries", "Cargo Handling", "Total")]


def test_column_labels_set_further_above_an_openly_spaced_table_still_label_it():
    """A release's tables of one layout, one under the other, some with their labels 3.3 font sizes over
    the first figures where the rows below step 1.4 to 2 font sizes: the labels are the table's header, as
    in the tables set closer, and the title that names the quarter is its context."""
    def draw(c):
        c.setFont("Helvetica", 7.2)
        y = 740
        for quarter, gap in (("THIRD QUARTER", 18.2), ("FOURTH QUARTER", 23.6)):
            c.drawString(50, y, f"(Dollars in Millions) {quarter}")
            c.drawString(381, y - 11, "Percent Change")
            for x, label in ((260, "2032"), (310, "2031"), (360, "Total"), (419, "Operations"), (466, "Currency")):
                c.drawRightString(x, y - 22, label)
            c.drawString(50, y - 32, "Sales to customers by region")
            row_y = y - 32 - gap
            for i, (label, *vals) in enumerate([("North", "10,794", "10,338", "4.4", "4.4", "—"),
                                                ("South", "4,844", "4,833", "0.2", "16.1", "(15.9)"),
                                                ("Worldwide", "19,996", "19,526", "2.4", "8.7", "(6.3)")]):
                c.drawString(50, row_y, label)
                for x, v in zip((270, 320, 370, 420, 470), vals):
                    c.drawRightString(x, row_y, v)
                row_y -= 14.8 if i != 1 else 10.2
            y = row_y - 30

    doc = _read(_pdf(draw), "sales.pdf", "x")[0]
    headers = [parse_header(b.header) for b in doc.blocks if b.kind == "table_row"
               and doc.text[b.start:b.end].startswith("Worldwide")]
    assert len(headers) == 2
    for h, quarter in zip(headers, ("THIRD QUARTER", "FOURTH QUARTER")):
        assert quarter in h.context and "Sales to customers by region" in h.context, h
        assert [" ".join(c.split()) for c in h.columns[:2]] == ["2032", "2031"], h


def test_a_row_that_leaves_a_column_empty_reads_its_figures_under_their_own_labels():
    """"Adjusted EBIT / sales %" prints nothing under "Other": its six figures stand under six of eight
    labels, each in its column, and read so (not as no figures at all, nor shifted one column left)."""
    def draw(c):
        c.setFont("Helvetica", 9)
        c.drawString(41, 720, "Adjusted EBIT by segment ($ million)")
        cols = (250, 300, 350, 400, 460, 510, 560, 610)
        for x, label in zip(cols, ("Ferries", "Cargo", "Other", "Total") * 2):
            c.drawRightString(x, 700, label)
        _figure_rows(c, 684, cols, [("Adjusted EBIT", "1,517", "289", "(105)", "1,701", "1,429", "265", "(86)", "1,608"),
                                    ("Adjusted EBIT / sales %", "13.6", "8.5", "", "12.8", "12.9", "7.5", "", "10.9")])

    rows = _table_rows(_read(_pdf(draw), "segments.pdf", "x")[0])
    full = rows["Adjusted EBIT 1,517 289 (105) 1,701 1,429 265 (86) 1,608"]
    part = rows["Adjusted EBIT / sales % 13.6 8.5 12.8 12.9 7.5 10.9"]
    assert len(parse_header(full.header).columns) == 8
    columns, label, values = cells(part.header, "Adjusted EBIT / sales % 13.6 8.5 12.8 12.9 7.5 10.9")
    assert label == "Adjusted EBIT / sales %"
    assert list(zip(columns, values)) == [("Ferries", "13.6"), ("Cargo", "8.5"), ("Total", "12.8"),
                                          ("Ferries", "12.9"), ("Cargo", "7.5"), ("Total", "10.9")]
