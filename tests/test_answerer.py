"""The learned answerer on small corpora written for these tests (never the seed questions):
ranking, abstention, follow-ups, the pure answer function, and the training command end to end.
Real components: the packaged MiniLM (ONNX), Chroma on temp dirs, the shipped model file."""
import json
import re
import time
from dataclasses import replace

import numpy as np
import pytest

LIGHTHOUSE = """Harwick Point Lighthouse

The Harwick Point lighthouse stands on the northern cliff above the fishing village of Harwick.
It was designed by the engineer Thomas Mallory and first lit in 1874.
The tower is 31 metres tall and its lamp can be seen from 40 kilometres out at sea.
Keepers lived in the cottage beside the tower until the light was automated in 1962.
Today the cottage is a small museum about the history of the coast.
"""
EVIDENCE = "It was designed by the engineer Thomas Mallory and first lit in 1874.\n"

ORCHARD = """The Valley Orchard Cooperative

The Valley Orchard Cooperative was founded by twelve farming families after a hard winter.
Its members grow apples, pears and plums on about 300 hectares of hillside.
Each autumn the cooperative presses cider and sells it at the regional market in Brenford.
In 2019 it opened a packing house that employs 45 people all year round.
"""

TRADE = """New trade rules

The government imposed a 25% tariff on steel imported from Japan.
Cars imported from Japan face a 10% tariff under the same rules.
Officials expect the steel tariff to protect about 2,000 jobs at domestic mills.
The rules take effect in March, after a consultation with industry groups.
"""


def _assistant(tmp_path, embedder, docs: dict[str, str], name: str = "c"):
    from rag import Assistant

    folder = tmp_path / name / "docs"
    folder.mkdir(parents=True)
    for fname, text in docs.items():
        (folder / fname).write_text(text, encoding="utf-8")
    a = Assistant(docs_dir=folder, index_dir=tmp_path / name / "index", embedder=embedder)
    a.ingest(progress=False)
    return a


def _ranked(a, question: str):
    """The first ranker's order of the sentences the assistant retrieves for `question` (top 5 passages)."""
    from rag.answer import load_model, pool, rank

    _, cands, qvec = a._search(question, 5, sentences=True)
    return rank(question, pool(cands), qvec, load_model(), a._idf())


def _ahead(ranked, *first):
    """`ranked` with the sentences `first` put before the rest, in that order."""
    return [*first] + [s for s in ranked if all(s is not f for f in first)]


def _opening(ans) -> str:
    """The answer's first statement: its text up to the first run of markers."""
    return ans.text.split(" [", 1)[0]


def _opening_quotes(ans) -> list[str]:
    """The quotes the first statement cites (the run of markers after it: "[1]", or "[1][2]" for a
    sentence quoted with the one it leans on)."""
    run = re.match(r"\s*((?:\[\d+\])+)", ans.text[len(_opening(ans)):]).group(1)
    cited = {int(n) for n in re.findall(r"\d+", run)}
    return [c.quote for c in ans.citations if c.n in cited]


@pytest.fixture(scope="module")
def small(tmp_path_factory, embedder):
    return _assistant(tmp_path_factory.mktemp("small"), embedder,
                      {"lighthouse.txt": LIGHTHOUSE, "orchard.txt": ORCHARD, "trade.txt": TRADE})


def test_the_ranker_puts_the_answer_sentence_first(small):
    for question, expected in [("How tall is the lighthouse tower?", "31 metres"),
                               ("When was the lighthouse first lit?", "1874"),
                               ("How many people does the packing house employ?", "45 people")]:
        ans = small.ask(question)
        assert not ans.abstained, question
        # the first statement answers, and a quote it cites holds the fact (it may be a sentence quoted
        # with the one before it, "The lighthouse stands ... It was ... first lit in 1874. [1][2]")
        assert expected in _opening(ans) and any(expected in q for q in _opening_quotes(ans)), (question, ans.text)


def test_removing_the_evidence_sentence_turns_the_answer_into_a_decline(small, tmp_path, embedder):
    question = "When was the lighthouse first lit?"
    assert not small.ask(question).abstained
    without = _assistant(tmp_path, embedder, {"lighthouse.txt": LIGHTHOUSE.replace(EVIDENCE, ""),
                                              "orchard.txt": ORCHARD, "trade.txt": TRADE}, "without")
    ans = without.ask(question)
    assert ans.abstained, ans.text
    assert ans.citations == () and "don't say" in ans.text


def test_a_follow_up_keeps_the_sentence_that_answers_it(small):
    first = small.ask("What tariff applies to Japanese steel?")
    assert "25%" in first.citations[0].quote
    follow = small.ask("And on cars?", history=[("What tariff applies to Japanese steel?", first.text)])
    assert not follow.abstained
    assert "10%" in follow.citations[0].quote, follow.text
    assert all("25%" not in c.quote for c in follow.citations)  # not the last answer again


def test_the_answerer_is_a_pure_function_of_its_candidates(small):
    """Retrieval hands over sentences with vectors; answer() needs nothing else (no store)."""
    from rag.answer import answer, load_model

    question = "How tall is the lighthouse tower?"
    _, cands, qvec = small._search(question, 5, sentences=True)
    assert all(c.sentences and all(s.vector is not None for s in c.sentences) for c in cands)
    a1 = answer(question, cands, qvec, model=load_model())
    a2 = answer(question, cands, qvec, model=load_model())
    assert a1 == a2 and "31 metres" in a1.citations[0].quote
    assert answer(question, [], qvec).abstained  # nothing retrieved: decline


def test_the_model_file_loads_fast_and_names_its_features():
    from rag.answer import ABSTAIN_FEATURES, FEATURES, MODEL_PATH, load_model

    spec = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    assert spec["ranker"]["features"] == list(FEATURES)
    assert spec["abstainer"]["features"] == list(ABSTAIN_FEATURES)
    assert "seeds" not in spec["trained_on"]["datasets"]
    load_model.cache_clear()
    t = time.perf_counter()
    load_model()
    assert time.perf_counter() - t < 0.05  # budget 5 ms; generous here for a loaded shared machine


def test_the_training_command_runs_end_to_end_on_a_tiny_fixture(tmp_path):
    from eval.train_answerer import main
    from rag.answer import Model

    docs = tmp_path / "docs"
    docs.mkdir()
    files = {"lighthouse.txt": LIGHTHOUSE, "orchard.txt": ORCHARD, "trade.txt": TRADE}
    for name, text in files.items():
        (docs / name).write_text(text, encoding="utf-8")
    qa = [
        ("train", "Who designed the Harwick Point lighthouse?", "lighthouse.txt",
         "designed by the engineer Thomas Mallory"),
        ("train", "How tall is the tower?", "lighthouse.txt", "The tower is 31 metres tall"),
        ("train", "What fruit do the cooperative's members grow?", "orchard.txt", "grow apples, pears and plums"),
        ("train", "What tariff applies to steel from Japan?", "trade.txt", "25% tariff on steel"),
        ("train", "When do the rules take effect?", "trade.txt", "The rules take effect in March"),
        ("dev", "When was the light automated?", "lighthouse.txt", "automated in 1962"),
        ("dev", "Where is the cider sold?", "orchard.txt", "sells it at the regional market in Brenford"),
    ]
    path = tmp_path / "qa.jsonl"
    path.write_text("".join(json.dumps({"id": f"q{i}", "split": s, "question": q, "answerable": True, "facts": [],
                                        "evidence": [{"source": src, "quote": quote}]}) + "\n"
                            for i, (s, q, src, quote) in enumerate(qa)), encoding="utf-8")
    out = tmp_path / "model"
    assert main(["--qa", str(path), "--docs", str(docs), "--work", str(tmp_path / "work"), "--out", str(out)]) == 0
    spec = json.loads((out / "answerer.json").read_text(encoding="utf-8"))
    model = Model.from_dict(spec)
    assert model.logits(np.zeros((3, len(model.features)))).shape == (3,) and 0.0 <= model.answer_above <= 1.0
    assert spec["trained_on"]["train_questions"] == {"qa": 5}


def test_a_copy_stating_another_figure_is_shown_beside_the_original(tmp_path, embedder):
    # Two files make the same statement with different figures: both versions are cited and the
    # answer says the sources differ; with the copy agreeing, only the one statement comes back.
    stale = LIGHTHOUSE.replace("31 metres tall", "27 metres tall")
    a = _assistant(tmp_path, embedder, {"lighthouse.txt": LIGHTHOUSE, "lighthouse-old.txt": stale,
                                        "orchard.txt": ORCHARD})
    ans = a.ask("How tall is the lighthouse tower?")
    quotes = {c.source: c.quote for c in ans.citations}
    assert "31 metres" in quotes.get("lighthouse.txt", "") and "27 metres" in quotes.get("lighthouse-old.txt", "")
    assert ans.text.startswith("The sources differ")

    same = _assistant(tmp_path, embedder, {"lighthouse.txt": LIGHTHOUSE, "lighthouse-copy.txt": LIGHTHOUSE,
                                           "orchard.txt": ORCHARD}, name="same")
    ans = same.ask("How tall is the lighthouse tower?")
    assert "31 metres" in ans.text and not ans.text.startswith("The sources differ")
    assert sum("31 metres" in c.quote for c in ans.citations) == 1


def test_a_date_is_not_a_figure_that_makes_the_sources_differ():
    """"How many votes ...?": a tally's row and another file's sentence that only dates an event share
    the question's names but state no two counts of one thing; a second count does differ."""
    import numpy as np

    from rag import terms
    from rag.answer.compose import compose
    from rag.answer.features import Scored
    from rag.store import Record

    def said(source, text):
        meta = {"source": source, "start": 0, "end": len(text), "kind": "sentence", "chunk": source}
        return Scored(Record(f"{source}:0", text, meta), np.zeros(1), 1.0, frozenset(terms.content_terms(text)))

    q = "How many votes were cast against Mary Lee in 2032?"
    tally = said("may.txt", "Mary Lee received 16,105,005 votes against her election.")
    dated = said("aug.txt", "On August 19, 2032, the company announced that Mary Lee will step down on September 1, 2032.")
    assert not compose(q, [tally, dated], ()).text.startswith("The sources differ")
    other = said("aug.txt", "Mary Lee received 15,990,120 votes against her election.")
    assert compose(q, [tally, other], ()).text.startswith("The sources differ")


ALBUM = """Harbor Lights

Harbor Lights is the second album by the folk band Tidewater Collective.
It was recorded in a converted boathouse during the winter of 2014.
The record was released on a small independent label and sold out its first pressing.
"""

BAND = """Tidewater Collective

Tidewater Collective is a group of five musicians who play traditional sea songs.
The band was formed in the coastal town of Port Alder in 2009.
Its members met while working on fishing boats.
"""


def test_a_document_the_answer_names_is_searched_and_cited_next(tmp_path, embedder):
    # A two-step question: the album's page names the band, whose own page says where it is from but
    # shares no word with the question. The band's document is fetched by its title and cited second.
    a = _assistant(tmp_path, embedder, {"harbor_lights.txt": ALBUM, "tidewater.txt": BAND,
                                        "lighthouse.txt": LIGHTHOUSE, "orchard.txt": ORCHARD})
    question = "Where does the group behind the record Harbor Lights come from?"
    _, cands, _ = a._search(question, 1, sentences=True)
    assert [c.record.meta["source"] for c in cands if c.bridged] == ["tidewater.txt"]
    assert cands[0].record.meta["source"] == "harbor_lights.txt"
    ans = a.ask(question)
    assert not ans.abstained, ans.text
    # the band's document is the next one cited after the album's (whose opening may quote two sentences)
    assert list(dict.fromkeys(c.source for c in ans.citations))[:2] == ["harbor_lights.txt", "tidewater.txt"], ans.text
    # a question that names the band itself needs no second step: nothing is fetched for it
    _, cands, _ = a._search("Which album did Tidewater Collective record in a boathouse?", 1, sentences=True)
    assert not any(c.bridged for c in cands)


SALES = """Harbor Bakery annual review

Net sales at Harbor Bakery were 6% lower in 2031 than in 2030.
The decline was mainly due to the closure of the waterfront shop for repairs during the summer.
The bakery employs 40 people and bakes about 2,000 loaves a day.
"""


def test_a_why_question_is_answered_with_the_sentence_that_gives_the_cause(tmp_path, embedder):
    from rag.answer import causes

    a = _assistant(tmp_path, embedder, {"bakery.txt": SALES, "orchard.txt": ORCHARD, "lighthouse.txt": LIGHTHOUSE})
    ans = a.ask("Why were Harbor Bakery's net sales lower in 2031?")
    assert not ans.abstained and "due to the closure" in ans.citations[0].quote, ans.text
    assert causes.asks_cause("What drove the decline?") and not causes.asks_cause("What were net sales in 2031?")


def test_the_passages_the_answer_quotes_come_first_among_the_hits(small):
    """ask()'s hits (the sources shown beside the answer) begin with the passages it quotes, in its
    order, then the rest as retrieved: none is dropped or repeated, even where the search ranked the
    quoted passage last (a row found by the figure row search joins the candidates last)."""
    from rag.answer import answer, load_model

    question = "How tall is the lighthouse tower?"
    _, cands, qvec = small._search(question, 5, sentences=True)
    for order in (cands, cands[::-1]):
        ans = answer(question, order, qvec, model=load_model())
        assert not ans.abstained and ans.citations
        quoted = {c.quote for c in ans.citations}
        first = ans.hits[0]
        assert any(q in first.text for q in quoted), (first.text, quoted)
        assert sorted(h.chunk_id for h in ans.hits) == sorted(c.record.id for c in cands)
        rest = [h.chunk_id for h in ans.hits if not any(q in h.text for q in quoted)]
        assert rest == [c.record.id for c in order if c.record.id in rest]  # the others in search order
    # a sentence names the first passage that holds it: where that passage was not retrieved, an
    # overlapping one that holds the sentence too is the quoted one
    ans = answer(question, cands, qvec, model=load_model())
    own = ans.hits[0].chunk_id
    other = [replace(c, record=replace(c.record, id=f"{own}-overlap")) for c in cands if c.record.id == own]
    rest = [c for c in cands if c.record.id != own]
    again = answer(question, rest + other, qvec, model=load_model())
    assert again.citations[0].quote == ans.citations[0].quote
    assert again.hits[0].chunk_id == f"{own}-overlap"


VERDEN = """Verden reactions

Verden reactions are sorted into three classes by how fast they appear on the leaves of an orchard.
Class A reactions appear within minutes of exposure and fade within an hour.
Class B reactions usually take between two and three days to develop. These reactions are triggered by copper ions in the soil.
Class C reactions last for several weeks and leave a dark mark on the bark.
"""


def test_a_sentence_that_leans_on_the_one_before_opens_the_answer_with_it(tmp_path, embedder):
    """"These reactions are triggered by copper ions" holds what is asked but not what it is about;
    "Class B reactions ..." before it says which reactions. The answer opens with the two as one
    statement, each cited ([1][2]); a question the second sentence adds nothing to gets the first alone."""
    a = _assistant(tmp_path, embedder, {"verden.txt": VERDEN, "orchard.txt": ORCHARD, "lighthouse.txt": LIGHTHOUSE})
    ans = a.ask("What triggers Class B reactions?")
    assert not ans.abstained, ans.text
    first = _opening(ans)
    assert "copper ions" in first and "Class B reactions usually take" in first, ans.text
    assert ans.text.startswith(first + " [1][2]"), ans.text
    one, two = ans.citations[0], ans.citations[1]
    assert one.quote.startswith("Class B") and two.quote.startswith("These reactions") and two.start == one.end + 1

    ans = a.ask("How many days do Class B reactions take to develop?")
    assert not ans.abstained and "two and three days" in _opening(ans) and "copper" not in _opening(ans), ans.text


CANALS = """Canals of the Vell valley

In 1761 the Marrow family dug the Halden Cut from the coal pits to the river wharf at Ostby.
This was the first canal in the valley built without a natural stream to follow.
The Halden Cut carried coal barges until the railway reached Ostby in 1840.
"""


def test_a_which_question_answered_by_this_was_opens_with_what_this_points_back_to(tmp_path, embedder):
    """"This was the first canal ..." holds every word of "Which was the first canal ...?" but not the
    answer: what "This" points back to, the Halden Cut, is named in the sentence before. The answer opens
    with both; a question the sentence answers by itself ("When ...?") gets no sentence before it."""
    a = _assistant(tmp_path, embedder, {"canals.txt": CANALS, "orchard.txt": ORCHARD, "lighthouse.txt": LIGHTHOUSE})
    ans = a.ask("Which was the first canal in the valley built without a natural stream to follow?")
    assert not ans.abstained, ans.text
    first = _opening(ans)
    assert "Halden Cut" in first and "This was the first canal" in first, ans.text
    assert ans.text.startswith(first + " [1][2]"), ans.text

    ans = a.ask("Until when did the Halden Cut carry coal barges?")
    assert not ans.abstained and "1840" in _opening(ans) and "1761" not in _opening(ans), ans.text


KEEPERS = """Keepers of the Ostby light

Agnes Rill kept the Ostby light for thirty years after her father retired.
As the last keeper before the lamp was electrified, she wrote a logbook of every storm from 1901 to 1931.
The logbook is kept in the harbour museum.
"""


def test_a_who_question_answered_by_she_opens_with_who_she_is(tmp_path, embedder):
    """"..., she wrote a logbook of every storm" answers "Who wrote a logbook of every storm?" but does
    not say who: the sentence before names her, and the answer opens with both."""
    a = _assistant(tmp_path, embedder, {"keepers.txt": KEEPERS, "orchard.txt": ORCHARD, "lighthouse.txt": LIGHTHOUSE})
    ans = a.ask("Who wrote a logbook of every storm from 1901 to 1931?")
    assert not ans.abstained, ans.text
    assert "Agnes Rill" in _opening(ans) and "logbook" in _opening(ans), ans.text


GRAIN = """Grain exports

The Tarrow cooperative ships wheat, barley and oats from its river port at Brenford.
Wheat makes up 62% of the cooperative's exports by weight.
The cooperative first shipped wheat to Brenford in 1998, after the new quay opened.
"""


def test_a_question_asking_for_a_share_gets_first_the_sentence_that_states_one(tmp_path, embedder):
    """Among the best sentences, the one with a percentage answers "What share ...?", though a sentence
    that names the asked thing and a year ranks above it; other questions keep the rankers' order."""
    from rag.answer.shares import REACH, asks_share, shares_first

    a = _assistant(tmp_path, embedder, {"grain.txt": GRAIN, "orchard.txt": ORCHARD})
    question = "What share of the Tarrow cooperative's exports is wheat?"
    ranked = _ranked(a, question)
    share = next(s for s in ranked if "62%" in s.span.text)
    year = next(s for s in ranked if "1998" in s.span.text)
    order = _ahead(ranked, year, share)
    assert shares_first(question, order)[0] is share
    assert shares_first("When did the cooperative first ship wheat to Brenford?", order) == order
    far = order[:1] + order[2:REACH + 1] + [share]
    assert shares_first(question, far)[0] is year  # only the best REACH are looked at
    assert asks_share("What percentage of patients recovered?") and not asks_share("What was the share price?")
    assert a.ask(question).citations[0].quote.startswith("Wheat makes up 62%")



def test_a_sentence_that_states_the_share_asked_of_the_name_asked_answers_it(tmp_path, embedder):
    """"What share of the Tarrow cooperative's exports is Barley?": a sentence among the best that states
    a share and names "barley" answers it (`stated_share`: it is not left to the abstainer), while one
    that states a share of something else does not, and no such sentence is picked for a question that
    asks no share or names nothing beyond its document's own name."""
    from rag.answer.shares import stated_share

    a = _assistant(tmp_path, embedder, {"grain.txt": GRAIN, "orchard.txt": ORCHARD})
    question = "What share of the Tarrow cooperative's exports is Wheat?"
    ranked = _ranked(a, question)
    share = next(s for s in ranked if "62%" in s.span.text)
    titles = {s.span.chunk: "Tarrow cooperative: grain exports" for s in ranked}  # the document names Tarrow
    assert stated_share(question, _ahead(ranked, share), titles) is share
    assert stated_share("What share of the Tarrow cooperative's exports is Barley?", ranked, titles) is None
    assert stated_share("When did the Tarrow cooperative first ship Wheat?", ranked, titles) is None
    assert stated_share("What share of the exports is wheat?", ranked, titles) is None  # names nothing


FERRY_RESULTS = """Harbour ferries, fourth quarter

North routes: Adjusted EBITDA of $320 million in the current quarter compared to $309 million a year ago.
North routes: Adjusted EBITDA margin of 32.2% in the current quarter compared to 34.4% a year ago.
South routes: Adjusted EBITDA loss of $203 million in the current year.
"""


def test_a_margin_asked_gets_first_the_sentence_that_states_one_as_a_percentage(tmp_path, embedder):
    """A margin is a percentage: "What was the adjusted EBITDA margin ...?" opens with the sentence that
    names a margin and states one, though a sentence stating the amount beside it ranks above it."""
    from rag.answer.shares import shares_first

    a = _assistant(tmp_path, embedder, {"ferries.txt": FERRY_RESULTS, "orchard.txt": ORCHARD})
    question = "What was the adjusted EBITDA margin of the north routes in the fourth quarter?"
    ranked = _ranked(a, question)
    margin = next(s for s in ranked if "32.2%" in s.span.text)
    amount = next(s for s in ranked if "$320 million" in s.span.text)
    order = _ahead(ranked, amount, margin)
    assert shares_first(question, order)[0] is margin
    assert shares_first("What was the adjusted EBITDA of the north routes?", order) == order


HALDEN = """Halden Cut

The Halden Cut is a narrow canal dug by the Marrow family to carry coal from the pits to Ostby.
It opened to barges in 1761 and was closed to traffic in 1840.
"""
BRENFORD = """Brenford Navigation

The Brenford Navigation is a river canal built by a company of wool merchants.
Its locks were finished and the first boats passed through them in 1794.
"""


def test_a_question_naming_two_documents_quotes_each(tmp_path, embedder):
    """"Which opened first, the Halden Cut or the Brenford Navigation?" is about both documents it
    names by their titles: the answer quotes each, though a sentence about one shares only half the
    question's words. A question naming one is answered from that one."""
    a = _assistant(tmp_path, embedder, {"halden.txt": HALDEN, "brenford.txt": BRENFORD,
                                        "orchard.txt": ORCHARD, "lighthouse.txt": LIGHTHOUSE})
    ans = a.ask("Which opened first, the Halden Cut or the Brenford Navigation?")
    assert not ans.abstained, ans.text
    assert {c.source for c in ans.citations} >= {"halden.txt", "brenford.txt"}, ans.text
    ans = a.ask("When did the Halden Cut open to barges?")
    assert {c.source for c in ans.citations} == {"halden.txt"}, ans.text


MARROW = """Edith Marrow

Edith Marrow (born 17 September 1942) is an engineer who designed the lock gates of the Halden Cut.
She later taught hydraulics at the college in Ostby.
"""
SEPTEMBER = """September

September is a film about a harvest festival in a river town, shot over one autumn.
"""


def test_a_date_does_not_name_a_document_titled_with_its_month(tmp_path, embedder):
    """"(born 17 September 1942)" names no document titled "September": the answer does not go on
    to a film about a harvest festival (`compose.bridge` adds a document the first sentence names)."""
    a = _assistant(tmp_path, embedder, {"marrow.txt": MARROW, "september.txt": SEPTEMBER, "orchard.txt": ORCHARD})
    ans = a.ask("What did Edith Marrow design?")
    assert not ans.abstained and "lock gates" in ans.text, ans.text
    assert {c.source for c in ans.citations} == {"marrow.txt"}, ans.text
