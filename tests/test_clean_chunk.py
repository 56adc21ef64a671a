"""Cleaning and chunking on the real seed files: spans round-trip, boilerplate is never content,
appended articles are their own sections, and no chunk exceeds what MiniLM reads."""
from pathlib import Path

import pytest

from rag.chunk import LineIndex, chunk_document, split_sentences
from rag.clean import sections
from rag.embed import word_piece_tokenizer
from rag.load import SourceText

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SEED_FILES = sorted(p.name for p in SEEDS.glob("*.txt"))
BOILERPLATE = ["You May Also Like", "Subscribe to our Newsletter", "We use cookies", "Try Our AI Features",
               "No comments yet", "Ryosei Akazawa (wikimedia.org)", "6 min read", "Hashtags",
               "This article is submitted by our user", "Related Articles", "Get the latest in enterprise"]


def _doc(name: str) -> SourceText:
    return SourceText(name, (SEEDS / name).read_text(encoding="utf-8"), "sha-" + name)


@pytest.fixture(scope="module")
def chunks():
    tok = word_piece_tokenizer()
    return {name: chunk_document(_doc(name), tok, 160, 40) for name in SEED_FILES}


def test_seed_files_are_the_shared_ones():
    shared = SEEDS.parent.parent / "shared" / "seeds"
    if not shared.is_dir():
        pytest.skip("../shared not beside the checkout")
    for name in SEED_FILES:
        assert (SEEDS / name).read_bytes() == (shared / name).read_bytes()


def test_sentence_and_chunk_spans_round_trip(chunks):
    for name, cs in chunks.items():
        text = _doc(name).text
        lines = text.split("\n")
        assert cs, name
        for c in cs:
            assert c.text == " ".join(text[a:b] for a, b in c.sentences)
            assert (c.start, c.end) == (c.sentences[0][0], c.sentences[-1][1])
            # 1-based line numbers: the chunk's first sentence starts on line_start
            first = text[c.sentences[0][0]:c.sentences[0][1]]
            assert first.split("\n")[0] in lines[c.line_start - 1]
            assert c.line_start <= c.line_end


def test_no_chunk_exceeds_the_model_window(chunks):
    tok = word_piece_tokenizer()
    for cs in chunks.values():
        for c in cs:
            assert len(tok.encode(c.embed_text).ids) <= 256


def test_boilerplate_is_never_in_a_chunk(chunks):
    for cs in chunks.values():
        for c in cs:
            for phrase in BOILERPLATE:
                assert phrase not in c.text, (phrase, c.text[:80])


def test_related_articles_are_sections_of_their_own(chunks):
    cs = chunks["004_960903e5580e0182.txt"]
    softbank = [c for c in cs if "SoftBank" in c.text]
    assert softbank
    for c in softbank:
        assert c.section == "Masayoshi Son pitches $1 trillion U.S. AI hub to TSMC and Trump team"
    tariff = [c for c in cs if "Trump has imposed levies of 25%" in c.text]
    assert tariff and all(c.section == "U.S. focus on auto trade gap is sticking point for Japan deal" for c in tariff)
    nato = [c for c in cs if "NATO summit" in c.text]
    assert nato and all("Netherlands" in c.section for c in nato)
    # no chunk mixes two stories
    for c in cs:
        assert not ("SoftBank" in c.text and "Noda" in c.text)


def test_overlap_repeats_a_trailing_sentence(chunks):
    cs = [c for c in chunks["004_960903e5580e0182.txt"] if c.section.startswith("U.S. focus")]
    shared = [set(a.sentences) & set(b.sentences) for a, b in zip(cs, cs[1:])]
    assert any(shared)


@pytest.mark.parametrize("text", ["", "One.", "Ünïcödé — emoji 🎌 here. Next line!\r\nCRLF line. 終わり。",
                                  "a\n\n\n   b c d e f g h i j.  \n"])
def test_sentence_spans_are_exact_substrings(text):
    spans = split_sentences(text, 0, len(text))
    for a, b in spans:
        assert text[a:b] == text[a:b].strip() and text[a:b]
    assert all(b1 <= a2 for (_, b1), (a2, _) in zip(spans, spans[1:]))


def test_line_index():
    text = "ab\ncd\r\n\nef"
    li = LineIndex(text)
    assert [li.line(i) for i in (0, 2, 3, 7, 8)] == [1, 1, 2, 3, 4]


def test_us_abbreviation_is_not_a_sentence_break():
    text = "Exports to the U.S. fell 11% in May. Japan's surplus stood at ¥8.6 trillion."
    assert [text[a:b] for a, b in split_sentences(text, 0, len(text))] == [
        "Exports to the U.S. fell 11% in May.", "Japan's surplus stood at ¥8.6 trillion."]


def test_long_table_row_is_split_within_budget():
    row = " ".join(f"cell{i} value{i};" for i in range(400))
    doc = SourceText("t.txt", "Title line here\n\n" + row + "\n", "x")
    tok = word_piece_tokenizer()
    cs = chunk_document(doc, tok, 100, 20)
    assert len(cs) > 3
    for c in cs:
        assert len(tok.encode(c.embed_text).ids) <= 256
        for a, b in c.sentences:
            assert doc.text[a:b].strip() == doc.text[a:b]


def test_sections_keep_markdown_headings():
    text = "# Guide\n\nIntro paragraph that is long enough to count as text here.\n\n## Setup\n\nInstall the thing first, then run it.\n"
    secs = sections(text)
    assert [s.title for s in secs] == ["Guide", "Guide \u203a Setup"]
