"""Reading and chunking on documents written for these tests: spans round-trip into the source
text, blocks and sections follow the document's structure, reflowed text is split into sentences
(never at a bare line break), table rows keep their headers, and no chunk exceeds what MiniLM reads."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from rag import read_document
from rag.chunk import LineIndex, chunk_document, split_sentences
from rag.embed import word_piece_tokenizer
from rag.errors import DocumentError
from rag.read.normalize import normalize
from rag.read.table import parse_header

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

WRAPPED = """\
A Short Report on River Levels

The river rose steadily through the spring, and by the end of April the gauge
at the old bridge read four metres, the highest level recorded since the
station opened. Engineers attribute the rise to snow melt in the upper valley
and to three weeks of rain. The town council has asked for a new levee.

Residents were advised to move vehicles away from the embankment road, which
flooded twice in May. No injuries were reported.
"""

MARKDOWN = """\
# Field Guide

Intro paragraph that is long enough to count as text here,
and it continues on a second line.

## Setup

- Install the thing first.
- Then run it with the default settings.

| Item | 2023 | 2024 |
|------|------|------|
| Revenue | 4,454 | 5,010 |
| Inventories | 2,605 | 2,880 |

```
code block stays whole
```
"""


@pytest.fixture(scope="module")
def tok():
    return word_piece_tokenizer()


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_seed_files_are_the_shared_ones():
    shared = SEEDS.parent.parent / "shared" / "seeds"
    if not shared.is_dir():
        pytest.skip("../shared not beside the checkout")
    for p in SEEDS.glob("*.txt"):
        assert p.read_bytes() == (shared / p.name).read_bytes()


def test_hard_wrapped_paragraphs_are_one_block_and_sentences_cross_line_breaks(tmp_path, tok):
    doc = read_document(_write(tmp_path, "report.txt", WRAPPED))
    assert doc.metadata.title == "A Short Report on River Levels"
    paras = [b for b in doc.blocks if b.kind == "paragraph"]
    assert len(paras) == 2
    units = [u for c in chunk_document(doc, tok, 160, 40) for u in c.units]
    texts = [u.text for u in units]
    # the sentence that runs over three lines is one unit, read without its line breaks
    assert ("The river rose steadily through the spring, and by the end of April the gauge at the old bridge "
            "read four metres, the highest level recorded since the station opened.") in texts
    for u in units:
        assert normalize(doc.text, u.start, u.end).text == u.text  # the span reads as the unit
        assert u.text[-1] in ".!?" or u.kind != "paragraph"


def test_every_character_of_plain_prose_is_indexed(tmp_path, tok):
    doc = read_document(_write(tmp_path, "report.txt", WRAPPED))
    covered = set()
    for c in chunk_document(doc, tok, 160, 40):
        for a, b in c.sentences:
            covered.update(range(a, b))
    for b in doc.blocks:
        if b.kind == "heading":
            covered.update(range(b.start, b.end))
    missing = [i for i, ch in enumerate(doc.text) if not ch.isspace() and i not in covered]
    assert missing == []


def test_markdown_structure(tmp_path, tok):
    doc = read_document(_write(tmp_path, "guide.md", MARKDOWN))
    kinds = [b.kind for b in doc.blocks]
    assert kinds == ["heading", "paragraph", "heading", "list_item", "list_item", "table_head", "table_row",
                     "table_row", "code"]
    rows = [b for b in doc.blocks if b.kind == "table_row"]
    assert rows[0].header == rows[1].header
    assert parse_header(rows[0].header).columns == ("2023", "2024")
    chunks = chunk_document(doc, tok, 160, 40)
    assert {c.section for c in chunks} == {"Field Guide", "Field Guide \u203a Setup"}
    row = next(u for c in chunks for u in c.units if "Inventories" in u.text)
    assert row.kind == "table_row" and "2023: 2,605" in row.embed_text  # each figure beside its column


def test_html_keeps_the_article_and_its_metadata(tmp_path):
    para = ("The committee met on Tuesday to review the budget, and after a long debate it approved "
            "the new spending plan for schools by a vote of seven to two. ")
    html = f"""<html><head><title>Budget approved | Town News</title>
    <meta name="author" content="Dana Reyes"><meta property="article:published_time" content="2024-03-05"></head>
    <body><nav><a href="/">Home</a> <a href="/sports">Sports</a> <a href="/login">Sign in</a></nav>
    <article><h1>Budget approved</h1><p>{para * 2}</p><p>Members said the plan would add <b>twelve</b> teachers.
    {para}</p></article>
    <footer>Copyright 2024 Town News. All rights reserved. <a href="/privacy">Privacy</a></footer></body></html>"""
    doc = read_document(_write(tmp_path, "budget.html", html))
    body = "\n".join(doc.text[b.start:b.end] for b in doc.blocks)
    assert "add twelve teachers" in body
    assert "Sign in" not in body and "All rights reserved" not in body
    assert doc.metadata.author == "Dana Reyes" and doc.metadata.date.startswith("2024-03-05")
    assert all(doc.text[b.start:b.end].strip() == doc.text[b.start:b.end] for b in doc.blocks)


def test_docx_headings_lists_and_tables(tmp_path, tok):
    import docx  # python-docx is a dependency of the reader: missing is a failure, not a skip
    d = docx.Document()
    d.add_heading("Quarterly Review", 0)
    d.add_paragraph("Revenue grew in the quarter. Costs fell slightly.")
    d.add_heading("Balance sheet", 1)
    d.add_paragraph("Cash on hand", style="List Bullet")
    t = d.add_table(rows=2, cols=3)
    for i, v in enumerate(["Item", "2023", "2024"]):
        t.cell(0, i).text = v
    for i, v in enumerate(["Inventories", "4,454", "2,605"]):
        t.cell(1, i).text = v
    buf = io.BytesIO()
    d.save(buf)
    path = tmp_path / "review.docx"
    path.write_bytes(buf.getvalue())
    doc = read_document(path)
    assert [b.kind for b in doc.blocks] == ["heading", "paragraph", "heading", "list_item", "table_head", "table_row"]
    assert doc.metadata.title == "Quarterly Review"
    assert doc.blocks[-1].header == "Item | 2023 | 2024"
    chunks = chunk_document(doc, tok, 160, 40)
    row = next(u for c in chunks for u in c.units if u.text == "Inventories | 4,454 | 2,605")
    assert row.embed_text == "Inventories | 2023: 4,454 | 2024: 2,605"


def test_unsupported_and_empty_files_are_refused(tmp_path):
    with pytest.raises(DocumentError, match="unsupported"):
        read_document(_write(tmp_path, "notes.exe", "x"))
    with pytest.raises(DocumentError, match="no text"):
        read_document(_write(tmp_path, "empty.txt", "  \n\n"))
    bad = tmp_path / "broken.docx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(DocumentError, match="DOCX"):
        read_document(bad)


def test_normalize_joins_hyphenation_and_folds_ligatures():
    src = "the repre-\nsentation of \ufb01ne-tuning, COVID-\n19 and\nGPT-\n3"
    n = normalize(src)
    assert n.text == "the representation of fine-tuning, COVID-19 and GPT-3"
    a = n.text.index("representation")
    s, e = n.span(a, a + len("representation"))
    assert src[s:e] == "repre-\nsentation"
    a = n.text.index("fine")
    s, e = n.span(a, a + len("fine-tuning"))
    assert src[s:e] == "\ufb01ne-tuning"


def test_chunks_stay_in_the_model_window_and_round_trip(tmp_path, tok):
    row = " ".join(f"cell{i} value{i};" for i in range(400))
    doc = read_document(_write(tmp_path, "t.md", "# Title line here\n\n" + row + "\n\n" + WRAPPED))
    cs = chunk_document(doc, tok, 100, 20)
    assert len(cs) > 3
    for c in cs:
        assert len(tok.encode(c.embed_text).ids) <= 256
        assert (c.start, c.end) == (c.sentences[0][0], c.sentences[-1][1])
        for u in c.units:
            assert doc.text[u.start:u.end].strip() == doc.text[u.start:u.end]
            assert normalize(doc.text, u.start, u.end).text == u.text


def test_overlap_repeats_a_trailing_sentence(tmp_path, tok):
    text = "# Notes\n\n" + " ".join(f"Sentence number {i} talks about topic {i} at some length here." for i in range(60))
    doc = read_document(_write(tmp_path, "n.md", text))
    cs = chunk_document(doc, tok, 100, 30)
    assert len(cs) > 2
    assert all(set(a.sentences) & set(b.sentences) for a, b in zip(cs, cs[1:]))


@pytest.mark.parametrize("text", ["", "One.", "Ünïcödé — emoji 🎌 here. Next line! CRLF line. 終わり。"])
def test_sentence_spans_are_exact_substrings(text):
    spans = split_sentences(text)
    for a, b in spans:
        assert text[a:b] == text[a:b].strip() and text[a:b]
    assert all(b1 <= a2 for (_, b1), (a2, _) in zip(spans, spans[1:]))


def test_line_index():
    li = LineIndex("ab\ncd\r\n\nef")
    assert [li.line(i) for i in (0, 2, 3, 7, 8)] == [1, 1, 2, 3, 4]


def test_us_abbreviation_is_not_a_sentence_break():
    text = "Exports to the U.S. fell 11% in May. Japan's surplus stood at ¥8.6 trillion."
    assert [text[a:b] for a, b in split_sentences(text)] == [
        "Exports to the U.S. fell 11% in May.", "Japan's surplus stood at ¥8.6 trillion."]


def test_a_footnote_number_after_a_full_stop_belongs_to_neither_sentence():
    text = "The members vote at noon. 12 The leader will receive the result. It costs 12 dollars. 3M agreed."
    assert [text[a:b] for a, b in split_sentences(text)] == [
        "The members vote at noon.", "The leader will receive the result.", "It costs 12 dollars.", "3M agreed."]


def test_normalize_reads_a_skipped_span_as_a_line_break():
    src = "the global block-\nJournal of Widgets 12\n\f\nchain market grew"
    gap = (src.index("\nJournal"), src.index("chain"))
    n = normalize(src, skip=(gap,))
    assert n.text == "the global blockchain market grew"  # "block-" + "chain" still joins; the header is gone
    a = n.text.index("blockchain")
    s, e = n.span(a, a + len("blockchain"))
    assert src[s:e].startswith("block-") and src[s:e].endswith("chain")  # offsets are the source's


def test_a_paragraph_that_goes_on_after_a_page_break_is_read_with_the_one_it_continues(tok):
    from rag.read.document import Block, Document

    pages = ["Intro. The leader is chosen by\nFootnote 3 text here.\n7", "a vote of all members. Then it ends."]
    text = "\n\f\n".join(pages)
    spans = [(0, len(pages[0])), (len(pages[0]) + 3, len(text))]
    a = Block("paragraph", 0, text.index("\nFootnote"), page=1)
    foot = Block("paragraph", text.index("Footnote"), text.index("\n7"), page=1)
    b = Block("paragraph", text.index("a vote"), len(text), page=2, cont=a.start)
    doc = Document("x.pdf", text, "0", "pdf", (a, foot, b), tuple(spans))
    units = [u for c in chunk_document(doc, tok, 100, 0) for u in c.units]
    assert [(u.text, u.page) for u in units] == [
        ("Intro.", 1), ("The leader is chosen by a vote of all members.", 1), ("Footnote 3 text here.", 1),
        ("Then it ends.", 2)]
    assert units[1].skip == ((a.end, b.start),) and "Footnote" in text[units[1].start:units[1].end]
    # without `cont` the two halves are two units, the second starting mid-sentence
    plain = Document("x.pdf", text, "0", "pdf", (a, foot, Block("paragraph", b.start, b.end, page=2)), tuple(spans))
    assert "a vote of all members." in [u.text for c in chunk_document(plain, tok, 100, 0) for u in c.units]


def test_docx_bombs_are_refused_fast_with_the_limit_named(tmp_path):
    """A 40 KB file holding a million empty paragraphs, and one that expands past the size limit."""
    import io
    import time
    import zipfile

    from rag import DocumentError, read_document

    def docx(body: bytes) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
            z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                       'package/2006/content-types"/>')
            z.writestr("word/document.xml", b'<w:document xmlns:w="x"><w:body>' + body + b"</w:body></w:document>")
        return buf.getvalue()

    paragraphs = docx(b"<w:p/>" * 1_000_000)
    assert len(paragraphs) < 60_000
    big = docx(b"<w:p><w:r><w:t>" + b"a" * (210 * 2**20) + b"</w:t></w:r></w:p>")
    for data, limit in ((paragraphs, "times its packed size"), (big, "MB")):
        path = tmp_path / "bomb.docx"
        path.write_bytes(data)
        t = time.perf_counter()
        with pytest.raises(DocumentError, match=limit):
            read_document(path)
        assert time.perf_counter() - t < 2.0


def test_a_sentence_goes_on_in_lowercase_after_a_question_mark_or_a_closing_quote():
    from rag.chunk import split_sentences

    text = ('Based on the passage, is it true that "{hypo}"? with select targets from each category. '
            'See Can a suit of armor conduct electricity? a new dataset for open book question answering. '
            'Ask your child to " be a helper. " all people are more motivated when asked. What now? Nothing.')
    assert [text[a:b] for a, b in split_sentences(text)] == [
        'Based on the passage, is it true that "{hypo}"? with select targets from each category.',
        "See Can a suit of armor conduct electricity? a new dataset for open book question answering.",
        'Ask your child to " be a helper. " all people are more motivated when asked.', "What now?", "Nothing."]
