"""Whose document: an answer to a question that names the company or subject a document is about
("What were Best Buy's diluted earnings per share ...?") quotes that document, not another company's
filing in the same collection that shares its words. The first sentence is the rankers' choice; a
further sentence from a document the question does not name, and that the named documents' own
sentences do not name either, is left out ("Diluted earnings per share of $0.69 in the current quarter"
of MGM's earnings release had followed Best Buy's figure).

A document's names are read from its title and its file name: a filing's title opens with its filer
("Amcor Plc, Form 10-K, ..."; "Plc", "Inc." and the like dropped), an article's title is its subject
("Warsaw"), and a file name's words before its first number often say whose it is
("BESTBUY_2024Q2_10Q.pdf", "llama.pdf"). A name of the question must be one of them whole, as its
words run together ("Best Buy" is "BESTBUY"): "French" does not name "French and Indian War", nor
"Wars" "Warsaw". A document the named ones name in turn is the second step of a two-step question
("... the band that recorded it": the band's article, which the album's names), and stays.

Measured on dev: the figures and conversations tune halves keep every score, and three answers lose
a further sentence of another company's filing (MGM's EPS and Pfizer's tax rate after Best Buy's,
Foot Locker's votes after PepsiCo's); squad2 and covid_qa dev: no answer changed; hotpotqa dev: 10 answers changed, facts
0.395 both, citation precision 0.562 -> 0.595, both paragraphs cited 0.467 -> 0.433 (a second
article the first names only by a paraphrase, "Pashto cinema" as "the Pashto language film industry",
is left out with the unrelated ones).

Tried and left out: moving the named documents' sentences first, before the relevance model reads
its top ones. The figures and conversations tune halves kept their scores, but hotpotqa dev, whose
two-step questions name one article and are answered from another, lost (hit@1 0.934 -> 0.923, facts
0.395 -> 0.384, both paragraphs cited 0.467 -> 0.400).
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import PurePath
from typing import Mapping, Sequence

from .. import terms
from .features import Scored

# Words a company's name carries that a question leaves out ("Amcor" for "Amcor Plc").
_LEGAL = re.compile(r"[,.]?\s+(?:plc|inc|incorporated|corp|corporation|company|co|ltd|limited|llc|lp|"
                    r"holdings|group|n\.?v|s\.?a|ag|se)\b\.?", re.I)


def _squash(text: str) -> str:
    return re.sub(r"[\W_]+", "", text).lower()


@lru_cache(maxsize=4096)
def doc_names(title: str, source: str) -> frozenset[str]:
    """The names a document goes by, squashed (`_squash`): its title's first part less a company's
    legal form, its whole title when it reads as a name (`terms.title_name`), and its file name's
    words before the first number."""
    first = _filer(title.split(",")[0].strip())
    stem = re.split(r"[_\W]*\d", PurePath(source).stem, maxsplit=1)[0]
    found = {first if len(first.split()) <= terms.TITLE_WORDS else "", terms.title_name(title), stem}
    return frozenset(n for n in map(_squash, found) if len(n) >= 3)


def asked_names(question: str) -> frozenset[str]:
    """What the question may name a document by, squashed: each run of up to four words that opens
    with a capital letter or a digit ("Best Buy's" -> "bestbuy" and "bestbuys", "Johnson & Johnson" ->
    "johnsonjohnson", "432 Park Avenue"), with a company's legal form left out."""
    words = [w.strip(terms.EDGE) for w in question.split()]
    out = set()
    for i, w in enumerate(words):
        if w[:1].isupper() or w[:1].isdigit():
            for j in range(i + 1, min(i + 4, len(words)) + 1):
                run = " ".join(words[i:j])
                for text in (run, re.sub(r"['’]s?$", "", run)):  # "Fazoli's" is a name, "Best Buy's" one's
                    out.add(_squash(_LEGAL.sub("", text + " ")))
    return frozenset(n for n in out if len(n) >= 3)


def own_documents(question: str, chosen: list[Scored], ranked: Sequence[Scored], titles: Mapping[str, str]
                  ) -> list[Scored]:
    """`chosen` (the answer's sentences, best first) less its further sentences from documents the
    question does not name, when it names the first one's (see the module's note). ranked: the pool,
    whose sentences of the named documents may name further documents. titles: passage id -> its
    document's title."""
    asked = asked_names(question)
    if len(chosen) < 2 or not asked:
        return chosen
    title_of: dict[str, str] = {}
    for s in (*chosen, *ranked):
        title_of.setdefault(s.span.source, titles.get(s.span.chunk, ""))
    named = {src for src, title in title_of.items() if asked & doc_names(title, src)}
    if chosen[0].span.source not in named:
        return chosen
    # (in any case: "a Roman praetorian prefect" names the article "Praetorian prefect")
    said = " ".join([question, *(s.span.text for s in ranked if s.span.source in named)]).lower()
    keep = named | {src for src, title in title_of.items()
                    if terms.phrases_in(said, {n.lower() for n in _called(title)})}
    return [s for s in chosen if s.span.source in keep]


def _called(title: str) -> set[str]:
    """How running text names a document: its title as a name (`terms.title_name`) and its title's
    first part, with and without a company's legal form ("The Boeing Company", "Boeing")."""
    first = title.split(",")[0].strip()
    return {n for n in (terms.title_name(title), first, _filer(first)) if len(n) >= 3}


def _filer(first: str) -> str:
    """A title's first part as a company's name runs in text: "The Boeing Company" -> "Boeing"."""
    return _LEGAL.sub("", re.sub(r"^the\s+", "", first, flags=re.I) + " ").strip()
