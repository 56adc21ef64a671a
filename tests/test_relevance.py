"""The relevance model (cross-encoder) as shipped: size, card, no torch at question time, the same
score for the same pair, and what it is for, on sentences written for this test."""
import hashlib
import json
import re
import subprocess
import sys

import numpy as np
import pytest

from conftest import CHAIR, CONTAINERS, ROOT

MODELS = ROOT / "rag" / "models"


@pytest.fixture(scope="module")
def model():
    from rag.relevance import Relevance

    return Relevance()


def test_shipped_small_with_a_card_that_names_it():
    onnx = MODELS / "relevance.onnx"
    assert onnx.is_file() and onnx.stat().st_size <= 30 * 2**20
    card = (MODELS / "relevance.md").read_text(encoding="utf-8")
    assert hashlib.sha256(onnx.read_bytes()).hexdigest() in card  # the card describes this very file
    assert "python -m eval.train_relevance" in card and "CC BY-SA" in card
    spec = json.loads((MODELS / "answerer.json").read_text(encoding="utf-8"))
    assert spec["rerank"]["relevance_sha256"] == hashlib.sha256(onnx.read_bytes()).hexdigest()  # stacked on this model


def test_scores_without_torch():
    code = ("import sys; from rag.relevance import Relevance; "
            "z = Relevance().logits('Who runs the port?', ['The harbour master is Ingrid Solberg.']); "
            "print(len(z), any(m.split('.')[0] in ('torch', 'sklearn', 'transformers') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["1", "False"]


def test_same_pair_same_score_whatever_its_company(model):
    q = "When did the new berth open?"
    texts = ["The berth opened in March 2023 and can take ships carrying up to 18,000 containers.",
             "Ferry traffic fell slightly, to 1.1 million passengers.",
             "The board approved a plan to electrify the cranes of the western quay by 2026, at a cost of 64 "
             "million euros, half of it paid by the national transport fund. " * 3]
    together = model.logits(q, texts)
    alone = np.asarray([model.logits(q, [t])[0] for t in texts])
    np.testing.assert_array_equal(together, alone)
    np.testing.assert_array_equal(model.logits(q, texts[::-1])[::-1], together)
    assert model.logits(q, []).shape == (0,)
    from rag.relevance import Relevance  # pairs scored side by side or one after another: the same

    np.testing.assert_array_equal(Relevance(workers=1).logits(q, texts), Relevance(workers=3).logits(q, texts))


@pytest.mark.parametrize("question, answer, distractor", [
    # a paraphrase: the question says "runs the harbour", the text "harbour master"
    ("Who runs the harbour?", "The harbour master, Ingrid Solberg, credited the growth to the new berth.",
     "The port employs 2,300 people directly and supports about 9,000 further jobs."),
    # on-topic, same words, but only one of them answers "when"
    ("When did the new berth open?", "The berth opened in March 2023 and can take the largest ships.",
     "The new berth on the eastern quay can take ships carrying up to 18,000 containers."),
    # a category in the question ("which grain"), the name in the text
    ("Which bread of the cooperative won a prize?", "Its dark rye loaf won the regional bread prize in 2022.",
     "The cooperative buys its grain from farms within fifty kilometres of the mill."),
])
def test_the_answering_sentence_outscores_an_on_topic_one(model, question, answer, distractor):
    a, d = model.logits(question, [answer, distractor])
    assert a > d, (a, d)


def test_ask_uses_it_and_still_declines_what_the_documents_do_not_say(corpus_assistant):
    assert corpus_assistant.relevance is not None
    for question, fact in (CONTAINERS, CHAIR):
        ans = corpus_assistant.ask(question)
        assert not ans.abstained and fact in ans.text, ans.text
    # A question about something the documents never mention is declined. (An on-topic one such as
    # "What is the population of Lund Ferry?", a town the corpus names, is still answered with the
    # sentence naming it: the limit rag/models/relevance.md reports, 14% of squad2's declined on dev.)
    ans = corpus_assistant.ask("Which team won the national basketball league last season?")
    assert ans.abstained and not ans.citations, ans.text
    assert re.search(r"don't say", ans.text)
