"""Word rules shared by the rankers, the figure look-up and follow-ups (rag.terms), and the BM25 word
counts kept under them (rag.lexical)."""
import json

from rag import terms
from rag.lexical import LexicalIndex
from rag.store import Record


def test_irregular_past_forms_are_read_as_their_verb():
    """"driven" and "drove" are "drive" ("What drove the decrease?" against "... was driven by ..."),
    "fell" is "fall"; a regular form stems as before, and a noun is left alone."""
    assert terms.content_terms("driven drove drives") == ["drive"] * 3
    assert terms.content_terms("fell falls") == ["fall", "fall"]
    assert terms.content_terms("increased revenues") == terms.content_terms("increase revenue")
    assert terms.content_terms("data") == ["data"]
    assert terms.past_form("built") and not terms.past_form("build")
    # a form that is also a noun stays apart, so its singular and plural match ("crew", "crews")
    assert terms.content_terms("crew crews") == ["crew", "crew"]


def test_word_counts_made_under_other_rules_are_not_loaded(tmp_path):
    """The counts beside the BM25 index hold stemmed words; counted under other word rules, they are
    not loaded (and so built again), or "driven" would be counted apart from "drive"."""
    records = [Record("a", "Revenue fell, driven by lower volumes.", {}),
               Record("b", "The ferry drove along the quay.", {})]
    built = LexicalIndex.build(records, tmp_path, generation=1)
    assert built.idf("drive") == LexicalIndex.load(tmp_path).idf("drive") < built.idf("nothing")
    info = json.loads((tmp_path / "bm25.json").read_text())
    stats_path = tmp_path / info["dir"] / "df.json"
    stats = json.loads(stats_path.read_text())
    assert stats["df"]["drive"] == 2
    stats_path.write_text(json.dumps({**stats, "terms": "1-older"}))
    assert LexicalIndex.load(tmp_path) is None
