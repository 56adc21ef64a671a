"""The reading benchmark's metric rules (eval/reading.py) on hand-made strings: no model, no index."""
import math

from eval import reading as R
from rag.read.document import Block, Document


def test_cut_at_line_break_only_when_the_sentence_goes_on_in_lowercase():
    text = "The model is trained on\nlarge corpora. It works.\nNext line"
    end = text.index("\n")  # unit "The model is trained on" ends at a line break
    assert R.cut_at_line_break(text, 0, end, "paragraph", len(text))
    assert R.cut_at_line_break(text, 0, end, "list_item", len(text))
    assert not R.cut_at_line_break(text, 0, end, "table_row", len(text))  # only prose units count
    assert not R.cut_at_line_break(text, 0, end, "paragraph", end)  # the block ends there: nothing follows
    s2 = text.index("It")
    e2 = text.index("\nNext")
    assert not R.cut_at_line_break(text, s2, e2, "paragraph", len(text))  # "works." is sentence-final
    assert not R.cut_at_line_break(text, 0, text.index(" is"), "paragraph", len(text))  # not at a line break


def test_cut_needs_lowercase_next_and_accepts_closing_quotes():
    upper = "He said so\nThen left."
    assert not R.cut_at_line_break(upper, 0, upper.index("\n"), "paragraph", len(upper))
    quoted = 'He said "stop."\nand left.'
    assert not R.cut_at_line_break(quoted, 0, quoted.index("\n"), "paragraph", len(quoted))
    hyphen = "a represen-  \ntation of text"
    assert R.cut_at_line_break(hyphen, 0, hyphen.index("  \n"), "paragraph", len(hyphen))  # spaces before \n


def test_split_mid_sentence_between_blocks():
    text = "the loss is computed over\nall tokens. Done.\nNew para"
    a = Block("paragraph", 0, text.index("\n"))
    b = Block("paragraph", text.index("all"), text.index("\nNew"))
    c = Block("paragraph", text.index("New"), len(text))
    assert R.split_mid_sentence(text, a, b)
    assert not R.split_mid_sentence(text, b, c)  # ends with "." and next starts uppercase
    assert not R.split_mid_sentence(text, Block("heading", a.start, a.end), b)


def test_coverage_counts_content_words_and_numbers():
    answer = "BERT-large has 340M parameters and 24 layers."
    # content words: bert, large, 340, parameters, 24, layers ("has", "and" are stop words; "m" too short)
    assert R.key_content(answer) == {"bert", "large", "340", "parameters", "24", "layers"}
    assert R.coverage(answer, ["BERT large: 24 layers", "340M parameters in total"]) == 1.0
    assert R.coverage(answer, ["bert has twelve layers"]) == 2 / 6
    assert R.coverage(answer, ["bertlarge"]) == 0.0  # whole tokens, not substrings
    assert R.coverage("the 3.5 of", ["it is 3.5 now"]) == 1.0  # decimals are one token, kept though short
    assert math.isnan(R.coverage("it is so", ["anything"]))  # no content word: undefined


def test_spans_and_counting():
    assert R.merge([(5, 8), (0, 2), (1, 3), (8, 9), (4, 4)]) == [(0, 3), (5, 9)]
    assert R.intersect([(0, 5), (10, 20)], [(3, 12), (15, 30)]) == [(3, 5), (10, 12), (15, 20)]
    assert R.count_chars("ab c\nd 12", [(0, 9)]) == 6
    assert R.count_chars("ab c\nd 12", [(0, 4)]) == 3
    assert R.count_chars("ab c\nd 12", [(0, 9)], R._NOT_DIGIT) == 2


def test_furniture_lines_are_uncovered_page_numbers_and_repeats():
    pages = ["Journal of Things 2024\nBody text one.\n1\n", "Journal of Things 2024\nBody text two.\nii\n",
             "Unread line\n"]
    text, spans, pos = "", [], 0
    for p in pages:
        spans.append((pos, pos + len(p)))
        text += p + "\f"
        pos = len(text)
    blocks = tuple(Block("paragraph", text.index(t), text.index(t) + len(t)) for t in ("Body text one.", "Body text two."))
    doc = Document("x.pdf", text, "0", "pdf", blocks, tuple(spans))
    furniture = [text[s:e] for s, e in R.furniture_lines(doc)]
    assert furniture == ["Journal of Things 2024", "1", "Journal of Things 2024", "ii"]
    # "Unread line" is not furniture (it appears once): it stays in the content text, not indexed
    content = R.content_spans(doc)
    assert R.count_chars(text, content) == len("Bodytextone.Bodytexttwo.Unreadline")


def test_starts_mid_sentence_needs_lowercase_prose_after_an_unfinished_sentence():
    before = "The analysts expect that the global block-"
    assert R.starts_mid_sentence("chain market size is expected to grow.", before)
    assert R.starts_mid_sentence("tions.", "a batch size of 512 for 300k itera-")  # a short tail ends it
    assert not R.starts_mid_sentence("chain market size is expected to grow.", "The market grew.")  # ended
    assert not R.starts_mid_sentence("The market size is expected to grow.", before)  # a capital
    assert not R.starts_mid_sentence("a) then switches off the light.", before)  # a list item's letter
    assert not R.starts_mid_sentence("https://example.com/page is the source.", before)
    assert not R.starts_mid_sentence("where F is the Fisher matrix.", "KL(p, q) = δw · F δw")  # after a formula
    assert not R.starts_mid_sentence("arXiv:2301.11305v2 [cs.CL] 23 Jul 2023", before)  # not a lowercase word


def test_stray_number_start_is_a_number_before_a_capitalised_function_word():
    assert R.stray_number_start("12 The leader will receive the votes.", 3)
    assert R.stray_number_start("7For example, the model trains fast.", 5)  # glued to its text
    assert not R.stray_number_start("2019 was a record year for us.", 3)  # a year, lowercase after it
    assert not R.stray_number_start("1. Introduction to the topic here", 1)  # a list number
    assert not R.stray_number_start("737 Program The accounting quantity rose.", 33)  # a name
    assert not R.stray_number_start("104 The cover page of the report.", 25)  # an exhibit number, not the page
    assert R.stray_number_start("104 The cover page of the report.", 104)  # ... unless it is the page's
    assert not R.stray_number_start("1 To", 15)  # a formula's pieces


def test_start_stats_counts_by_break_and_leaves_length_cuts_apart():
    from rag.chunk import Unit

    pages = ["Intro text. The analysts expect that the global block-",
             "chain market size is expected to grow by a third next year."]
    text = "\n\f\n".join(pages)
    spans = ((0, len(pages[0])), (len(pages[0]) + 3, len(text)))
    b1 = Block("paragraph", 0, len(pages[0]), page=1)
    b2 = Block("paragraph", spans[1][0], len(text), page=2)
    doc = Document("x.pdf", text, "0", "pdf", (b1, b2), spans)

    class Chunk:
        def __init__(self, units):
            self.units = units

    def unit(a, b, page):
        return Unit(a, b, text[a:b], "paragraph", page)

    s1, cut = text.index("The analysts"), text.index("by a third")
    head = [unit(0, s1 - 1, 1), unit(s1, b1.end, 1)]
    s = R.start_stats(doc, [Chunk(head + [unit(b2.start, b2.end, 2)])])
    assert (s["units"], s["page_break"], s["same_page"], s["stray_number"], s["long_cut"]) == (3, 1, 0, 0, 0)
    assert s["examples"]["page_break"] == [
        "p2: The analysts expect that the global block- / chain market size is expected to grow by a th"]
    # the second half cut once more inside its block (a sentence longer than the model reads): a length cut
    s = R.start_stats(doc, [Chunk(head + [unit(b2.start, cut - 1, 2), unit(cut, b2.end, 2)])])
    assert (s["page_break"], s["long_cut"]) == (1, 1)
    assert R.start_stats(doc, [Chunk([unit(0, s1 - 1, 1), unit(s1, b2.end, 1)])])["page_break"] == 0  # joined
