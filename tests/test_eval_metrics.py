"""The evaluation metrics (eval/metrics.py) on hand-made cases: no model, no index."""
import math

from eval import metrics as M


def test_overlap_is_half_open():
    assert M.overlaps(0, 10, 9, 12)
    assert not M.overlaps(0, 10, 10, 12)  # touching ends share no character
    assert not M.overlaps(5, 5, 0, 10)  # empty span
    assert M.overlaps(2, 3, 0, 10) and M.overlaps(0, 10, 2, 3)  # containment both ways


def test_span_must_match_source():
    gold = {"a.txt": [(100, 120)]}
    assert M.span_hits_gold(("a.txt", 110, 200), gold)
    assert not M.span_hits_gold(("b.txt", 110, 200), gold)
    assert not M.span_hits_gold(("a.txt", 120, 200), gold)


def test_locate_and_evidence_spans():
    text = "abc Foo bar. Foo bar again."
    assert M.locate(text, "Foo bar") == [(4, 11), (13, 20)]
    assert M.locate(text, " Foo bar ") == [(4, 11), (13, 20)]  # quotes are stripped
    assert M.locate(text, "") == [] and M.locate(text, "missing") == []
    gold = M.evidence_spans([{"source": "x", "quote": "again"}, {"source": "y", "quote": "nope"}],
                            lambda s: text if s == "x" else "other")
    assert gold == {"x": [(21, 26)]}


def test_normalisation_and_alternatives():
    assert M.fact_present("Japan\u2019s top negotiator", "japan's")
    assert M.fact_present("\uff15\uff10\uff05 tariff", "50%")  # NFKC full-width digits
    assert M.fact_present("STRASSE", "straße")  # casefold
    assert M.fact_present("a  \n b", "a b")
    assert M.fact_present("six rounds", ["6", "six"])
    assert not M.fact_present("five rounds", ["6", "six"])
    assert M.fact_correct("24% and 86 billion", ["24%", ["86 billion", "$86bn"]]) is True
    assert M.fact_correct("24% only", ["24%", ["86 billion", "$86bn"]]) is False
    assert M.fact_correct("anything", []) is None
    assert M.facts_found("24% only", ["24%", ["86 billion", "$86bn"]]) == 1
    assert M.facts_found("24% and $86bn", ["24%", ["86 billion", "$86bn"]]) == 2


def test_citation_precision_and_recall():
    gold = {"a": [(0, 10)], "b": [(50, 60)]}
    cites = [("a", 5, 15), ("a", 20, 30), ("b", 55, 56)]
    assert M.citation_precision(cites, gold) == (2, 3)
    assert M.citation_recall(cites, gold)
    assert not M.citation_recall([("a", 10, 20)], gold)
    assert M.citation_precision([], gold) == (0, 0)


def test_retrieval_ranks():
    gold = {"a": [(0, 10)]}
    hits = [("b", 0, 10), ("a", 50, 60), ("a", 8, 20)]
    assert M.first_relevant_rank(hits, gold) == 3
    assert M.first_relevant_rank(hits[:2], gold) is None
    ranks = [1, 3, None, 2]
    assert M.hit_at(ranks, 1) == 0.25 and M.hit_at(ranks, 3) == 0.75 and M.hit_at(ranks, 5) == 0.75
    assert math.isclose(M.mrr(ranks), (1 + 1 / 3 + 0 + 1 / 2) / 4)
    assert math.isnan(M.hit_at([], 5))


def test_per_source_hits():
    gold = {"p1": [(0, 5)], "p2": [(10, 20)]}
    assert M.per_source_hits([("p1", 0, 3), ("p2", 0, 10)], gold) == {"p1": True, "p2": False}


def test_abstention_and_percentile_and_ratio():
    r = M.abstention_rates([True, False, True, False], [False, False, True, True])
    assert r["unanswerable_declined"] == 0.5 and r["answerable_declined"] == 0.5 and r["answerable_declined_n"] == 1
    assert math.isnan(M.abstention_rates([False], [True])["unanswerable_declined"])
    assert M.percentile([3, 1, 2], 50) == 2 and M.percentile([0, 10], 95) == 9.5
    assert math.isnan(M.percentile([], 50))
    assert M.ratio(2, 1) == 2 and math.isnan(M.ratio(1, 0)) and math.isnan(M.ratio(None, 1))


def test_a_figure_counts_when_stated_at_another_scale_within_its_printed_rounding():
    from eval.reports import scaled_in, value_in

    assert value_in("Revenue: $9,583 million", "9,583") and not value_in("Revenue: $19,583 million", "9,583")
    assert scaled_in("Net sales: $2,729,388 thousand", "2,729.4", "USD millions")
    assert scaled_in("sales of 9,583 million", "9.6", "USD billions")
    assert not scaled_in("revenue of $9.6 billion", "9,583", "USD millions")  # rounded: not the printed figure
    assert not scaled_in("Net sales: $2,729,388 thousand", "2,729.4", "percent")
    assert not scaled_in("Net sales: $2,729 million", "2,729.4", "USD millions")  # same scale: value_in's job
