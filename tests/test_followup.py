"""Follow-up questions read in their conversation (`rag.followup.resolve`): pure string rules, on
questions and figures written for these tests; and end to end, the resolved question in the
answer, on a small filing-like corpus with the real MiniLM and Chroma."""
import pytest
from conftest import ingested_texts

from rag.followup import resolve

REVENUE = "What was Harbour revenue for the three months ended June 30, 2024?"


def standalone(question, *previous, answer=""):
    return resolve(question, [(q, answer) for q in previous]).standalone


def test_a_question_that_stands_alone_is_left_alone():
    r = resolve("What is the tallest tower in Lisbon?", [(REVENUE, "Harbour revenue was $12 million [1].")])
    assert r.standalone == r.question and r.resolved == "" and not r.follow_up


@pytest.mark.parametrize("follow_up, expected", [
    ("And Ferries?", "What was Ferries revenue for the three months ended June 30, 2024?"),
    ("What about Ferries revenue?", "What was Ferries revenue for the three months ended June 30, 2024?"),
    ("How about the operating income?", "What was operating income for the three months ended June 30, 2024?"),
])
def test_an_ellipsis_takes_the_place_of_what_it_stands_beside(follow_up, expected):
    assert standalone(follow_up, REVENUE) == expected


def test_a_name_takes_the_place_of_a_name_of_its_own_shape():
    """A segment's name replaces the segment's, not the acronym of the measure before it; an acronym
    replaces the acronym."""
    ebit = "What was adjusted EBIT for Harbour's Ferries segment in 2031?"
    assert standalone("What about Cargo Handling?", ebit) == "What was adjusted EBIT for Harbour's Cargo Handling segment in 2031?"
    assert standalone("And EBITDA?", ebit) == "What was adjusted EBITDA for Harbour's Ferries segment in 2031?"
    rate = "What was the Adjusted Property EBITDAR of NHG's Lakeside Resorts in 2031?"
    assert standalone("And Mountain Lodges?", rate) == "What was the Adjusted Property EBITDAR of NHG's Mountain Lodges in 2031?"


def test_a_prepositional_ellipsis_adds_a_condition_where_nothing_stands_beside_it():
    """"And on a tablet?" after a question with no object of a preposition narrows what was asked; a
    name after the preposition of an object the previous question has takes that object's place."""
    faster = "How much faster is Kelmore-Small than Kelmore-Large?"
    assert standalone("And on a tablet?", faster) == "How much faster is Kelmore-Small than Kelmore-Large on a tablet?"
    assert standalone("And in Lisbon?", "What is the usual ferry fare in the Azores?") == \
        "What is the usual ferry fare in Lisbon?"
    assert standalone("And for Ferries?", "What was Harbour revenue?") == "What was Ferries revenue?"


def test_after_who_the_next_word_is_its_verb():
    """"Who designed X?": an ellipsis takes X's place, never the verb's."""
    assert standalone("And the bell tower?", "Who designed Kelmore?") == "Who designed bell tower?"


def test_a_noun_with_a_participle_after_it_asks_its_part_in_what_was_asked():
    """"And the enzyme involved?" asks what part a thing plays in the last question, whatever that
    question asked, and keeps it beside; it is no subject to swap into an earlier question."""
    out = standalone("And the enzyme involved?", "What do harbour seals eat?", "How do they digest it?")
    assert out.startswith("What is the enzyme involved?") and "digest" in out and "seals eat" not in out


@pytest.mark.parametrize("follow_up, period", [
    # a quarter that ends on a month's end ends there every year: the day is kept
    ("And for the same quarter a year earlier?", "the three months ended June 30, 2023"),
    ("And a year ago?", "the three months ended June 30, 2023"),
    ("And for the first half?", "the six months ended June 30, 2024"),
    ("And the previous quarter?", "the three months ended March 31, 2024"),
    ("And in 2022?", "the three months ended June 30, 2022"),
])
def test_relative_periods_move_the_period_of_the_question(follow_up, period):
    assert standalone(follow_up, REVENUE) == f"What was Harbour revenue for {period}?"


def test_a_retail_quarter_a_year_earlier_keeps_month_and_year_not_a_guessed_day():
    q = "What were net sales for the three months ended August 3, 2024?"
    assert standalone("And a year earlier?", q) == "What were net sales for the three months ended August 2023?"


def test_a_span_and_a_year_named_together_both_move():
    assert standalone("And the first half of the prior year?", REVENUE) == \
        "What was Harbour revenue for the six months ended June 30, 2023?"


def test_a_fiscal_year_after_a_dated_period_is_asked_in_the_follow_ups_words():
    """A fiscal year is not a calendar year (a retailer's fiscal 2032 may end in January 2032 or 2033),
    so it is not computed from the date before it."""
    q = "What were net sales for the three months ended August 2, 2031?"
    assert standalone("What about the first six months of fiscal 2032?", q) == \
        "What were net sales for the first six months of fiscal 2032?"
    assert standalone("And for fiscal 2031?", q) == "What were net sales for fiscal 2031?"


def test_a_month_named_quarter_is_a_period():
    q = "What were Tidewater's net sales for fiscal 2031?"
    assert standalone("And in the March 2031 quarter?", q) == "What were Tidewater's net sales for the March 2031 quarter?"


def test_the_reason_asked_without_its_object_gets_what_changed():
    q = "How much did Tidewater's freight costs increase in the third quarter of 2031?"
    assert standalone("What was the main reason?", q) == \
        "What was the main reason for the increase in Tidewater's freight costs in the third quarter of 2031?"


def test_a_do_questions_verb_stays_when_its_subject_is_replaced():
    assert standalone("And barn owls?", "What do tawny owls hunt?") == "What do barn owls hunt?"


def test_a_name_replaces_a_name_before_it_is_set_beside_an_owned_noun():
    q = "What share of Gull's training data comes from Wikipedia?"
    assert standalone("What about GitHub?", q) == "What share of Gull's training data comes from GitHub?"


def test_a_change_after_two_periods_is_asked_of_the_later_one():
    q = "What were Tidewater's net sales in the second quarter of 2031?"
    assert standalone("What drove the decrease?", q, "And for the same quarter a year earlier?") == \
        "What drove the decrease in Tidewater's net sales in the second quarter of 2031?"
    # the same year twice: the period asked last
    assert standalone("Why was it lower?", "What were Tidewater's net sales for fiscal 2031?",
                      "And in the June 2031 quarter?") == "Why was Tidewater's net sales for the June 2031 quarter lower?"


def test_an_adverb_before_the_participle_is_no_part_of_the_topic():
    assert standalone("How did it work?", "What was the tide mill mostly used for?") == "How did the tide mill work?"


def test_named_quarters_and_fiscal_years_shift_too():
    q = "What was diluted EPS in the second quarter of fiscal 2024?"
    assert standalone("And the prior quarter?", q) == "What was diluted EPS in the first quarter of fiscal 2024?"
    assert standalone("And the first half?", q) == "What was diluted EPS in the first half of fiscal 2024?"
    assert standalone("And in fiscal 2023?", q) == "What was diluted EPS in the second quarter of fiscal 2023?"


def test_the_change_gets_what_changed():
    assert (standalone("What drove the increase?", REVENUE)
            == "What drove the increase in Harbour revenue for the three months ended June 30, 2024?")


def test_pronouns_take_what_they_stand_for():
    assert standalone("When was it rebuilt?", "Who designed the Kelmore lighthouse?") == \
        "When was the Kelmore lighthouse rebuilt?"
    assert standalone("How tall is it?", "When was the Kelmore lighthouse first built?") == \
        "How tall is the Kelmore lighthouse?"
    assert standalone("When was he born?", "Who designed the Kelmore lighthouse?",
                      answer="Edith Marrow designed it in 1871 [1].") == "When was Edith Marrow born?"


def test_a_preposition_object_is_replaced_by_the_follow_ups():
    assert standalone("And on cars?", "What tariff applies to Korean steel?") == "What tariff applies to Korean cars?"


def test_a_noun_phrase_with_of_is_replaced_whole():
    """"Cost of sales" is one line item: "And harbour dues?" takes its whole place, and the verb after it
    stays, though a period follows the verb."""
    q = "How much did Harbour Group's cost of sales decrease in the second quarter of 2031?"
    assert standalone("And harbour dues?", q) == \
        "How much did Harbour Group's harbour dues decrease in the second quarter of 2031?"


def test_a_chain_of_follow_ups_keeps_its_topic():
    history = [(REVENUE, "..."), ("And Ferries?", "...")]
    assert resolve("And a year earlier?", history).standalone == \
        "What was Ferries revenue for the three months ended June 30, 2023?"


def test_without_a_rule_the_previous_question_stays_beside_the_follow_up():
    out = standalone("Why?", REVENUE)
    assert "Harbour revenue" in out and out.startswith("Why")


def test_that_standing_for_what_was_said_gets_the_topic_and_that_before_a_noun_does_not():
    """"How was that measured?": "that" is what the last answer said, so its topic goes beside it;
    "on that quay": the follow-up names what it asks about and is searched by its own words."""
    previous = "How much faster is the Kelmore crane than the old one?"
    for pointing in ("How was that measured?", "What did that make possible?", "Is that true?",
                     "Why wasn't that enough?"):
        assert "Kelmore crane" in standalone(pointing, previous), pointing
    for naming in ("How long does unloading a ship at that quay take?", "What causes those delays?"):
        assert standalone(naming, previous) == naming
    # a comparison is about its subject, not what it is compared with
    assert standalone("How big is it?", previous) == "How big is the Kelmore crane?"


# -- end to end ---------------------------------------------------------------------------------
FILING = """Harbour Group quarterly report

Segment revenue (in millions):
| Segment | Three months ended June 30, 2024 | Three months ended June 30, 2023 |
|---|---|---|
| Harbour | $412 | $377 |
| Ferries | $96 | $118 |

Harbour revenue rose because container volumes at the east quay grew by 14 percent after the new cranes opened.
Ferries revenue fell as the island route was closed for three weeks of repairs in May.
"""


@pytest.fixture(scope="module")
def harbour(tmp_path_factory, embedder):
    return ingested_texts(tmp_path_factory, embedder, "harbour", {"report.md": FILING})


def test_ask_answers_the_resolved_follow_up_and_says_what_it_searched_for(harbour):
    first = harbour.ask("What was Harbour segment revenue for the three months ended June 30, 2024?")
    follow = harbour.ask("And Ferries?", history=[(first.question, first.text)])
    assert follow.question == "And Ferries?"
    assert follow.resolved == "What was Ferries segment revenue for the three months ended June 30, 2024?"
    assert "96" in follow.text.split("[1]")[0], follow.text
    again = harbour.ask("And a year earlier?", history=[(first.question, first.text), ("And Ferries?", follow.text)])
    assert "118" in again.text.split("[1]")[0], again.text
    assert harbour.ask(first.question).resolved == ""  # asked alone: nothing to resolve


def test_the_cli_chat_says_what_a_follow_up_searched_for(harbour):
    import os
    import subprocess
    import sys

    docs, index = harbour.config.docs_dir, harbour.config.index_dir  # ingested by the fixture
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "RAG_LLM": "none"}
    out = subprocess.run([sys.executable, "-m", "rag", "--index", str(index), "chat", "--docs", str(docs)],
                         input="What was Harbour segment revenue for the three months ended June 30, 2024?\n"
                               "And Ferries?\n\n", env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("(Searching for:") == 1  # the first question stands alone
    assert "(Searching for: What was Ferries segment revenue for the three months ended June 30, 2024?)" in out.stdout


@pytest.mark.parametrize("request_, asked", [
    ("What was Harbour revenue in 2024 (in units of millions, rounded to one decimal place)? Calculate it from "
     "the statement of income. If it is not reported, then please state that.", "What was Harbour revenue in 2024?"),
    ("You are a careful analyst. Answer the following question using the balance sheet: what were Harbour's "
     "total assets in 2024? Explain your reasoning.", "What were Harbour's total assets in 2024?"),
])
def test_instructions_on_how_to_answer_are_left_out_of_what_is_searched(request_, asked):
    r = resolve(request_, None)
    assert r.standalone == asked and r.question == request_ and r.resolved == asked


@pytest.mark.parametrize("request_", [
    "I am reading the 2024 report. What was Harbour revenue?",  # context, not an instruction
    "Give me Harbour revenue for 2024. What about its costs?",  # an imperative that asks
    "Please tell me Harbour revenue for 2024.",  # nothing asked besides it
    "What was Harbour revenue (in millions) in 2024?",  # a figure's unit, not a note on the answer
    "What was Harbour  revenue in 2024 ?",  # spacing as typed
    "Use the 2024 report. What was Harbour revenue?",  # an instruction that says which year
    "Answer for Harbour Group only. What were revenues in 2024?",  # ... or which company
])
def test_a_request_without_instructions_is_searched_as_written(request_):
    assert resolve(request_, None).standalone == request_


def test_a_follow_up_with_an_instruction_is_resolved_without_it():
    r = resolve("And Ferries? Keep it short.", [(REVENUE, "")])
    assert r.standalone == "What was Ferries revenue for the three months ended June 30, 2024?"


def test_a_measure_of_the_measure_asked_joins_it_and_keeps_the_segment():
    q = "What was adjusted EBIT of Harbour's Ferries segment in fiscal 2024?"
    assert standalone("And the margin?", q) == "What was adjusted EBIT margin of Harbour's Ferries segment in fiscal 2024?"
    assert standalone("And Cranes?", q) == "What was adjusted EBIT of Harbour's Cranes segment in fiscal 2024?"


def test_an_ellipsis_after_a_why_question_is_asked_in_the_period_the_conversation_got_to():
    """A year earlier, then what drove the decrease (read as the later year's): the six months asked
    next are the later year's, not the year-earlier question's."""
    turns = [("What were Harbour's revenues in the second quarter of 2024?", ""),
             ("And a year earlier?", ""), ("What drove the decrease?", "")]
    r = resolve("What about the first six months?", turns)
    assert "2024" in r.standalone and "2023" not in r.standalone and "revenues" in r.standalone, r.standalone


def test_a_new_item_after_a_glance_a_year_back_is_asked_in_the_conversations_period():
    """"And a year earlier?" compares the same figure; the next item asked ("And the operating
    income?") is of the period the conversation is about. A span asked instead moves it on, and a
    period the item names is its own."""
    first = "What was Harbour revenue for the three months ended June 30, 2024?"
    assert standalone("And the operating income?", first, "And a year earlier?") == \
        "What was operating income for the three months ended June 30, 2024?"
    assert "2023" in standalone("And the operating income in 2023?", first, "And a year earlier?")
    six = standalone("And the operating income?", first, "And for the first six months?")
    assert "operating income" in six and "six months" in six, six


def test_it_stands_for_the_subject_not_the_verb_after_it():
    """In "How long was the Harbour strike planned to last?" the subject is "the Harbour strike":
    "planned to last" is its verb, so "it" in the next question takes the subject alone."""
    r = resolve("Why was it called before the vote?", [("How long was the Harbour strike planned to last?", "")])
    assert r.standalone == "Why was the Harbour strike called before the vote?"


FERRIES = """Northwind Ferries annual report

Ticket revenue reached $48 million in 2024, an increase of 12% compared to the prior year. The year benefited from the opening of the new harbour terminal in March. Fuel costs were flat.

Cost of sales as a percentage of revenue decreased in 2024, driven by lower fuel prices and by the increase in ticket revenue.

Operating profit of the freight segment was $9 million in 2024, lower than in the prior year, reflecting fewer sailings to the northern islands and higher port fees.

The freight segment carried 210,000 tonnes of cargo in 2024.
"""


@pytest.fixture(scope="module")
def ferries(tmp_path_factory, embedder):
    return ingested_texts(tmp_path_factory, embedder, "ferries", {"annual.md": FERRIES})


def first_sentence(ans) -> str:
    return ans.text.split("[1]")[0].strip()


def test_a_why_follow_up_is_answered_by_the_cause_after_the_sentence_the_answer_quoted(ferries):
    first = ferries.ask("What was Northwind's ticket revenue in 2024?")
    assert first_sentence(first).startswith("Ticket revenue reached $48 million"), first.text
    why = ferries.ask("What drove the increase?", history=[(first.question, first.text)])
    assert first_sentence(why) == "The year benefited from the opening of the new harbour terminal in March.", why.text


def test_a_cause_the_quoted_sentence_states_itself_is_said_again_when_asked_for(ferries):
    first = ferries.ask("What was the operating profit of the freight segment in 2024?")
    assert first_sentence(first).startswith("Operating profit of the freight segment was $9 million"), first.text
    why = ferries.ask("What caused the decline?", history=[(first.question, first.text)])
    assert not why.abstained and "fewer sailings to the northern islands" in first_sentence(why), why.text


def test_a_pronoun_with_a_relative_period_asks_the_previous_figure_in_that_period():
    assert standalone("What was it in the previous quarter?", REVENUE) == \
        "What was Harbour revenue for the three months ended March 31, 2024?"
    assert standalone("What was it for the first half?", REVENUE) == \
        "What was Harbour revenue for the six months ended June 30, 2024?"
    # a comparison with the prior year moves no period
    assert "June 30, 2024" in standalone("What drove the increase over the prior year?", REVENUE)


def test_its_takes_the_whole_noun_phrase_after_it():
    previous = "Who invented the Kelmore steam pump?"
    assert standalone("What are its main parts?", previous) == "What are the main parts of Kelmore steam pump?"
    assert standalone("How did its sales grow?", previous) == "How did the sales of Kelmore steam pump grow?"
    assert standalone("What drove its growth?", previous) == "What drove the growth of Kelmore steam pump?"


def test_this_figure_points_back_to_the_last_answer():
    assert "Harbour revenue" in standalone("Is this figure adjusted?", REVENUE)


RELEASE = """Harbour Group fourth quarter 2031 results

Adjusted EBIT by segment ($ million):

| | Twelve Months Ended June 30, 2031 | Twelve Months Ended June 30, 2032 |
|---|---|---|
| Ferries adjusted EBIT | 1,517 | 1,429 |
| Cargo Handling adjusted EBIT | 289 | 265 |
| Other adjusted EBIT | (105) | (86) |

Ferries. The Ferries segment carried 4.2 million passengers in fiscal 2032. Adjusted EBIT of $1,429 million
was 1% higher than in the prior year, driven by higher fares.

Cargo Handling. The segment handled 210,000 containers at the east quay. Adjusted EBIT of $265 million was
lower than the prior year, reflecting lower volumes and unfavorable mix trends.
"""


@pytest.fixture(scope="module")
def release(tmp_path_factory, embedder):
    return ingested_texts(tmp_path_factory, embedder, "release", {"release.md": RELEASE})


def test_a_why_follow_up_after_a_figure_read_from_a_table_is_answered_by_the_prose_that_explains_it(release):
    """The figure came from a table row, which states no cause: the follow-up "What caused the decline?" is
    answered by the sentence that states that figure and a cause, not by the table's rows, nor declined."""
    first = release.ask("What was Cargo Handling adjusted EBIT in the twelve months ended June 30, 2032?")
    assert "265" in first_sentence(first) and first.citations[0].quote.startswith("| Cargo Handling"), first.text
    why = release.ask("What caused the decline?", history=[(first.question, first.text)])
    assert not why.abstained, why.text
    assert first_sentence(why).startswith("Adjusted EBIT of $265 million was lower than the prior year, reflecting"), why.text
