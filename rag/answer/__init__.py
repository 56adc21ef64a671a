"""The default answerer: extractive, grounded, cited. No LLM, no I/O.

`answer(question, candidates, qvec, history, model, relevance)` is a pure function of what retrieval
hands it (`rag.retrieve.with_sentences`: passages with their sentences and vectors) and the models:
  features.py    each sentence's named features (similarity to the question, alone and with its
                 neighbours; rarity-weighted coverage of the question's words; the retrieval ranks
                 of its passage; whether it holds the kind of thing asked for; position, length);
  model.py       the fitted models of `rag/models/answerer.json` (see `answerer.md`): a first ranker
                 and abstainer fitted on train splits, and the relevance stage's stacker and
                 abstainer fitted on dev (logistic or boosted trees, `rag.trees`);
  rerank.py      the relevance stage: the cross-encoder (`rag.relevance`) reorders the first
                 ranker's best sentences and decides whether the documents answer at all;
  lookup.py      figure look-ups: the table row whose label names what is asked goes first;
  identifiers.py a sentence about "Type I" goes after the others for a question on "Type II";
  compose.py     which sentences are cited, and the answer's text with its [n] markers;
  extractive.py  `answer()`, the steps above end to end.
Not here: retrieval (`rag.retrieve`), reading follow-ups in their conversation (`rag.followup`).
"""
from .compose import DIFFER_OVERLAP, RIVAL_OVERLAP, citation, compose, lead_ins, select
from .extractive import DECLINE, NEVER_ANSWER, answer
from .features import (ABSTAIN_FEATURES, FEATURES, N_CHUNKS, RELEVANCE_ABSTAIN_FEATURES, RERANK_FEATURES,
                       SENTENCE_PEEK, Scored, abstain_features, asks_for, coverage, features, pool, pool_idf, rank,
                       relevance_abstain_features, rerank_features)
from .lookup import MIN_COVERAGE, answering_row, row_matches
from .model import MODEL_PATH, Model, Rerank, load_model
from .rerank import TABLE_SIBLINGS, rerank

__all__ = [
    "answer", "DECLINE", "NEVER_ANSWER", "Model", "Rerank", "load_model", "MODEL_PATH", "FEATURES", "ABSTAIN_FEATURES",
    "RERANK_FEATURES", "RELEVANCE_ABSTAIN_FEATURES", "SENTENCE_PEEK", "N_CHUNKS", "TABLE_SIBLINGS", "RIVAL_OVERLAP",
    "DIFFER_OVERLAP", "Scored", "features", "rank", "pool", "asks_for", "abstain_features", "rerank_features",
    "relevance_abstain_features", "rerank", "select", "answering_row", "row_matches", "MIN_COVERAGE", "lead_ins", "compose", "citation", "coverage", "pool_idf",
]
