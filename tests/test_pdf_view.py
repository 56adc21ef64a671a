"""ui.pdf_view on PDFs written here with reportlab: the page renders, and the cited span's boxes
lie on the lines where the text was drawn, across hyphenation and line breaks."""
import io
from pathlib import Path

import pytest
from PIL import Image
from reportlab.lib.pagesizes import letter
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from ui.pdf_view import SCALE, locate, page_view, squash

FONT, SIZE, LEADING, X, TOP = "Helvetica", 12, 16, 72, 700
PAGE_H = letter[1]

TELESCOPE = ["The Varnholt observatory operates a reflecting tele-",
             "scope whose primary mirror is exactly 3.7 metres wide",
             "and was ground in Jena in 1987."]


def write_pdf(path: Path, pages: list[list[str]], title: str = "") -> dict:
    """A PDF with one drawn line per string (Helvetica 12 at x=72, from y=700 down by 16 points) and a
    running header. Returns {(page, line): (left, baseline, width)} in PDF points."""
    where = {}
    c = canvas.Canvas(str(path), pagesize=letter)
    if title:
        c.setTitle(title)
    for p, lines in enumerate(pages, 1):
        c.setFont(FONT, 9)
        c.drawString(X, 760, "Varnholt Observatory Annual Report")
        c.setFont(FONT, SIZE)
        for i, line in enumerate(lines):
            y = TOP - i * LEADING
            c.drawString(X, y, line)
            where[(p, i)] = (X, y, stringWidth(line, FONT, SIZE))
        c.setFont(FONT, 9)
        c.drawString(300, 40, str(p))
        c.showPage()
    c.save()
    return where


def text_area(where: dict, page: int, lines: range, scale: float = SCALE):
    """(left, top, right, bottom) in image pixels around the drawn lines (a little slack for ascenders)."""
    boxes = [where[(page, i)] for i in lines]
    left = min(x for x, _, _ in boxes) - 1
    right = max(x + w for x, _, w in boxes) + 1
    top = max(y for _, y, _ in boxes) + SIZE
    bottom = min(y for _, y, _ in boxes) - SIZE * 0.3
    return left * scale, (PAGE_H - top) * scale, right * scale, (PAGE_H - bottom) * scale


def test_squash_keeps_letters_and_digits_with_their_positions():
    s, where = squash("Tele-\nscope, 3.7 m\ufb01ne")  # a hyphenated break and an "fi" ligature
    assert s == "telescope37mfine"
    assert where[:3] == [0, 1, 2] and where[5] == 7 and where[-3] == where[-4]  # "fi" both point at the ligature


def test_locate_matches_across_hyphenation_and_prefers_whole_quote():
    page = "Header\r\nThe tele-\r\nscope mirror is 3.7 metres wide.\r\nNext line."
    first, last = locate(page, "The telescope mirror is 3.7 metres wide.")
    assert page[first:last + 1] == "The tele-\r\nscope mirror is 3.7 metres wide"
    first, last = locate(page, "3.7 metres wide. Next line. And the next page goes on here")  # runs on
    assert page[first:last + 1] == "3.7 metres wide.\r\nNext line"
    assert locate(page, "nothing like this at all anywhere") is None
    assert locate(page, "") is None


def test_page_renders_and_boxes_cover_the_cited_lines(tmp_path):
    pdf = tmp_path / "observatory.pdf"
    where = write_pdf(pdf, [["Introduction to the observatory."], TELESCOPE, ["Visiting hours are 9 to 5."]])
    quote = ("The Varnholt observatory operates a reflecting tele-\n"
             "scope whose primary mirror is exactly 3.7 metres wide")
    view = page_view(pdf, 2, quote)
    img = Image.open(io.BytesIO(view.png))
    assert img.size == (view.width, view.height) == (round(letter[0] * SCALE), round(letter[1] * SCALE))
    assert view.data_uri().startswith("data:image/png;base64,")
    assert len(view.boxes) == 2  # one rectangle per line of the quote
    left, top, right, bottom = text_area(where, 2, range(0, 2))
    for b in view.boxes:
        assert left <= b.left and b.left + b.width <= right, b
        assert top <= b.top and b.top + b.height <= bottom, b
        assert b.width > 50 and b.height > 5
    assert view.boxes[0].top < view.boxes[1].top  # in reading order
    # the second box ends where "wide" ends, not at the end of the drawn line ("... 3.7 metres wide" is all of it)
    x, _, w = where[(2, 1)]
    assert abs((view.boxes[1].left + view.boxes[1].width) - (x + w) * SCALE) < 3


def test_unknown_quote_gives_no_boxes_and_bad_page_is_refused(tmp_path):
    pdf = tmp_path / "one.pdf"
    write_pdf(pdf, [["Only one page here."]])
    assert page_view(pdf, 1, "a sentence that is not on the page at all").boxes == ()
    with pytest.raises(ValueError, match="page 2"):
        page_view(pdf, 2, "x")
