"""eval.finetune_encoder end to end on a tiny fixture: rows from cached-style candidates, two training
steps of the packaged MiniLM, a saved model that loads and embeds, the dev ranking metrics."""
from __future__ import annotations

import random

import numpy as np

from eval import finetune_encoder as F
from rag.retrieve import Candidate
from rag.store import Record

DOCS = {
    "flu.txt": ["Influenza is caused by influenza viruses.", "The study recruited adults in Texas.",
                "Rhinovirus was the most common cause of illness.", "Samples were tested by PCR."],
    "cov.txt": ["Coronaviruses infect birds and mammals.", "SARS emerged in 2002 in China.",
                "MERS was first reported in Saudi Arabia."],
}
QUESTIONS = [  # (question, evidence file, evidence sentence index, answer, split)
    ("What was the most common cause of illness?", "flu.txt", 2, "Rhinovirus", "train"),
    ("Where was MERS first reported?", "cov.txt", 2, "Saudi Arabia", "train"),
    ("When did SARS emerge?", "cov.txt", 1, "2002", "train"),
    ("How were samples tested?", "flu.txt", 3, "by PCR", "dev"),
]


def _records(source: str) -> list[Record]:
    rng = np.random.default_rng(len(source))
    out, pos = [], 0
    for text in DOCS[source]:
        v = rng.normal(size=384)
        out.append(Record(f"{source}:{pos}", text, {"source": source, "start": pos, "end": pos + len(text)},
                          vector=(v / np.linalg.norm(v)).astype(np.float16)))
        pos += len(text) + 1
    return out


def _questions() -> tuple[list[dict], dict[str, str]]:
    recs = {s: _records(s) for s in DOCS}
    qs, answers = [], {}
    for i, (text, src, k, ans, split) in enumerate(QUESTIONS):
        gold = {src: [(recs[src][k].meta["start"], recs[src][k].meta["end"])]}
        other = next(s for s in DOCS if s != src)
        cands = [Candidate(Record(f"c{src}", " ".join(DOCS[src]), {"source": src}), 1.0, 0.5, 0, 0, tuple(recs[src])),
                 Candidate(Record(f"c{other}", " ".join(DOCS[other]), {"source": other}), 0.5, 0.3, 1, 1,
                           tuple(recs[other]))]
        qv = np.random.default_rng(i).normal(size=384)
        qs.append({"id": str(i), "split": split, "question": text, "qvec": qv / np.linalg.norm(qv), "gold": gold,
                   "cands": cands})
        answers[str(i)] = ans
    return qs, answers


def test_embed_text_matches_the_index():
    r = Record("x", "12 | 3.4", {"source": "t.csv", "header": "year | rate"})
    assert F.embed_text(r) == "year | rate | 12 | 3.4"
    assert F.embed_text(Record("y", "Plain.", {"source": "t.txt"})) == "Plain."


def test_rows_train_and_measure(tmp_path):
    qs, answers = _questions()
    rows = F.build_triples(qs, answers, n_neg=2, dataset="toy")
    assert {r["id"] for r in rows} == {"0", "1", "2"}  # train questions only, never the dev one
    for r in rows:
        src = next(q for q in qs if q["id"] == r["id"])["gold"]
        doc = DOCS[next(iter(src))]
        assert r["positive"] in doc
        assert r["positive"] not in r["negatives"] and len(r["negatives"]) == 2
        assert all(n in doc for n in r["negatives"])  # the same document first (it has enough sentences)
        assert r["same_doc_negatives"] == 2
        assert not any(answers[r["id"]].lower() in n.lower() for n in r["negatives"])
    for b in F.batches(rows + rows, 4, random.Random(0)):  # a question never twice in one batch
        assert len({r["id"] for r in b}) == len(b)

    from rag.embed import model_path

    done = F.train(rows, model_path(), tmp_path / "m", epochs=2, batch_size=3, max_steps=2, log=lambda m: None)
    assert done["steps"] == 2
    from sentence_transformers import SentenceTransformer

    m = SentenceTransformer(str(tmp_path / "m"), device="cpu")
    assert m.max_seq_length == 256  # the training cut is not saved
    v = m.encode(["Where was MERS first reported?"], normalize_embeddings=True)
    assert v.shape == (1, 384) and abs(float(np.linalg.norm(v[0])) - 1) < 1e-4

    pools = {"toy": F.dev_pools(qs)}
    assert len(pools["toy"]) == 1 and pools["toy"][0]["y"].sum() == 1
    got = F.measure(tmp_path / "m", pools)["toy"]
    assert 0 <= got["hit@1"] <= got["hit@5"] <= 1 and 0 < got["mrr"] <= 1
    perfect = F.rank_metrics(pools["toy"], [p["y"].astype(float) for p in pools["toy"]])
    assert perfect == {"hit@1": 1.0, "hit@5": 1.0, "mrr": 1.0}
