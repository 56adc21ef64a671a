"""Figure look-ups: "What were Best Buy's total revenues for the six months ended July 30, 2022?" is
answered by a table row, the one whose label (and table title) names what is asked, in the column
the question's period picks.

Why a rule and not the learned rankers: both were fitted on prose QA sets (covid_qa, hotpotqa,
pubmedqa, squad2) with almost no tables, so a bare row of figures gets a low score (the gold row of
a figure look-up was first in 11 of 42 tune questions and in the pool for 29) while a prose sentence
that shares the question's words ("...consolidated balance sheets ... as of January 29, 2022") wins.
The rule reads what a row's header already says (`rag.read.table`): a row is the answer when its
label's words are the question's and a column holds the asked period. It reorders the pool and never
decides whether to answer (the abstainer does). Prose answers are unchanged: 560 answers over cached
dev pools of the four prose sets are identical with and without it.
Tried and left out: a dense search over table rows alone, adding the passages of its top 3, 5 or 8
rows to the pool, found no further gold row (tune figures in the answer: 0.643 at 3 and 5, 0.619 at 8).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping, Sequence

from .. import terms
from ..read import table
from .features import Scored

# Words that say when, not what: they pick the column, so they neither support nor count against a
# row's label ("Revenue" answers "revenues for the six months ended July 30, 2022" fully).
_PERIOD_WORDS = frozenset(terms.content_terms(
    "month months year years yearly quarter quarters quarterly fiscal fy ended ending end week weeks "
    "half full first second third fourth three six nine twelve thirteen period periods date "
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec q1 q2 q3 q4"))

_FIGURE = re.compile(r"(?<![\w/-])\(?[$€£]?\d[\d,.]*\)?%?(?![\w/-])(?<!\b(?:19|20)\d\d)")  # not a year


# "Why did EPS fall in 2023?", "How did sales change?": a row of figures says what, never why or how.
_EXPLAIN = re.compile(r"^\W*(?:why|how(?!\s+(?:much|many|large|big|high|low))|explain|describe)\b", re.I)


def _squash(text: str) -> str:
    return re.sub(r"[\W_]+", "", terms.normalize(text))


def _misread(label: str) -> bool:
    """A label holding several figures, or one printed as an amount ("Casino revenue $ 145"), is a
    row whose cells were not told apart; "Level 3 assets" and "Notes due 2028" are labels."""
    figures = _FIGURE.findall(label)
    return len(figures) >= 2 or any(re.search(r"[$€£,()]", f) for f in figures) or bool(re.search(r"[$€£]\s?\d", label))


def _holds(text: str, name: str) -> bool:
    """Whether `text` names `name`: as written (spaces and case aside: "Best Buy" in "BESTBUY_10Q.pdf"),
    or an acronym as the initials of words in a row ("EPS": "earnings per share", "R&D": "research
    and development")."""
    key = _squash(name)
    if not key or key in _squash(text):
        return True
    if not (name.replace("&", "").isupper() and 2 <= len(key) <= 5):
        return False
    words = terms.words(text)
    return key in "".join(w[0] for w in words) or key in "".join(w[0] for w in words if w not in terms.STOP)


@dataclass(frozen=True)
class RowMatch:
    """How well a table row answers a figure look-up: the idf mass of the question's words its label
    holds (`label`), of those only its table's title holds (`context`), of its label's words the
    question lacks (`extra`), and the share of the question's words (period words aside) it covers."""

    scored: Scored
    label: float
    context: float
    extra: float
    coverage: float

    @property
    def score(self) -> float:
        # a word in the label counts more than one only the table's title holds: "Non-GAAP diluted
        # EPS" over "Diluted EPS" in a table titled "...non-GAAP diluted EPS..." (conversations tune:
        # fact anywhere 0.466 -> 0.477 against weighing both alike)
        return self.label + self.context / 2 - self.extra


def row_matches(question: str, ranked: Sequence[Scored], idf, titles: Mapping[str, str] | None = None
                ) -> list[RowMatch]:
    """The table rows of `ranked` that can state a figure for the period `question` names (a column
    fits it) and that hold every name the question states (in the row, its table's title, its section,
    its document's title or file name: "Pfizer's long-term debt" is not Amcor's), each with how well
    its label matches; best first, ties in ranked order. titles: passage id -> its document's title."""
    q_terms = set(terms.content_terms(question)) - _PERIOD_WORDS
    if not q_terms:
        return []
    names = {n for n in terms.names(question) if not set(terms.content_terms(n)) <= _PERIOD_WORDS}  # not "July"
    weight = idf or (lambda t: 1.0)
    q_total = sum(weight(t) for t in q_terms)
    out = []
    for s in ranked:
        span = s.span
        if span.kind != "table_row" or not span.header:
            continue
        read = table.cells(span.header, span.text)
        if read is None or not read[1] or _misread(read[1]) or not table.best_columns(question, read[0]):
            continue
        context_text = f"{table.parse_header(span.header).context} {span.section}"
        if not all(_holds(f"{span.text} {context_text} {(titles or {}).get(span.chunk, '')} {span.source}", n)
                   for n in names):
            continue
        label_terms = {t for t in terms.content_terms(read[1]) if not t[0].isdigit()} - _PERIOD_WORDS
        in_label = q_terms & label_terms
        if not in_label:
            continue
        in_context = (q_terms & set(terms.content_terms(context_text))) - in_label
        label = sum(weight(t) for t in in_label)
        context = sum(weight(t) for t in in_context)
        extra = sum(weight(t) for t in label_terms - q_terms)
        out.append(RowMatch(s, label, context, extra, (label + context) / q_total))
    return sorted(out, key=lambda m: -m.score)  # stable: ties keep the rankers' order


# Chosen on the tune half of eval/figures.jsonl (`python -m eval.reports --half tune`), gold row first:
# 11 of 42 with the rankers alone; a row moved first from coverage 0.2, 0.3 or 0.4: 18 (none lost);
# 0.5: 15; 0.6 and 0.7: 14; 0.8: 12. The highest of the plateau, so that fewer rows pass on questions
# that only share a word with them.
MIN_COVERAGE = 0.4


def figure_first(question: str, ranked: list[Scored], idf=None, titles: Mapping[str, str] | None = None
                 ) -> list[Scored]:
    """`ranked` with the table row that best answers a figure look-up first (`row_matches`), when its
    label and table title cover at least MIN_COVERAGE of the question's words and its label has fewer
    unasked words than asked ones; otherwise `ranked` as it is."""
    if _EXPLAIN.match(question):
        return ranked
    matches = row_matches(question, ranked, idf, titles)
    if not matches or matches[0].coverage < MIN_COVERAGE or matches[0].score <= 0:
        return ranked
    best = matches[0].scored
    return [best] + [s for s in ranked if s is not best]
