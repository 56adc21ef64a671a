"""Which ranked sentences an answer cites, and the answer's text: the best sentence first, further
ones when the ranker is confident and they add words, a lead-in replaced by what it announces, and
sources that disagree set side by side."""
from __future__ import annotations

import calendar
import re
from typing import TYPE_CHECKING, Mapping, Sequence

from .. import terms
from ..read import periods as dated_periods
from ..read import table
from ..types import Answer, Citation, Span
from .features import Scored, asks_for
from .lookup import asks_figure

if TYPE_CHECKING:
    from .model import Model

# Share of content words (Jaccard) a chosen sentence shares with a sentence of another file above
# which the two make the same statement: if their words differ at all (another figure, date or
# name), that version is shown too (RIVAL_OVERLAP), and above DIFFER_OVERLAP the answer says the
# sources differ. Words rather than embedding cosine: swapping one name moved the cosine of short
# sentences down to 0.65-0.88 (dev), while the shared words stay. Chosen on dev with
# `python -m eval.conflicts` (altered copies of the evidence passage; table in
# eval/results/conflicts.json, all dev questions): 0.6 shows both versions in 0.69 / 0.83 / 0.79
# of the conflicts (covid_qa / hotpotqa / pubmedqa; 0.56 / 0.44 / 0.53 without rivals), and
# flagging from 0.8 keeps false alarms on the unaltered pools at 1.0% / 1.1% / 0% (from 0.7: 5.5%
# on hotpotqa, whose articles share sentence shapes such as "X (born 1950) is an American actor").
RIVAL_OVERLAP = 0.6
DIFFER_OVERLAP = 0.8

_DATE = re.compile(r"\b(?:%s)\.?\s+(?:\d{1,2},?\s+)?(?:19|20)\d\d\b" % "|".join(calendar.month_name[1:]), re.I)
_WHEN = re.compile(r"\b(?:%s)\b|(?<![\d,.])(?:19|20)\d\d(?!\d|,\d)" % "|".join(calendar.month_name[1:]), re.I)


def select(ranked: Sequence[Scored], model: Model) -> list[Scored]:
    """The best sentence, then each further one that adds words the chosen ones lack and that the
    ranker gives at least `model.add_other_above` when it comes from a file not cited yet, else
    `model.add_above` (both chosen on dev, see answerer.md), up to `model.max_sentences`. A chosen
    sentence that another file restates with other figures or names brings that version along
    (`rival`), beyond the limit: a reader must see that the sources disagree."""
    chosen: list[Scored] = []
    covered: set[str] = set()

    def take(s: Scored) -> None:
        chosen.append(s)
        covered.update(s.terms)
        other = rival(s, ranked, chosen, model.rival_overlap)
        if other is not None:
            chosen.append(other)
            covered.update(other.terms)

    take(ranked[0])
    picked = 1  # sentences chosen on their own merit (rivals not counted)
    for s in ranked[1:]:
        if picked >= model.max_sentences:
            break
        if any(s is c for c in chosen):
            continue
        new_file = all(s.span.source != c.span.source for c in chosen)
        if s.prob < (model.add_other_above if new_file else model.add_above) or any(s.span.overlaps(c.span) for c in chosen):
            continue
        if s.terms - covered:
            take(s)
            picked += 1
    return chosen


def bridge(chosen: list[Scored], ranked: Sequence[Scored], titles: Mapping[str, str], question: str) -> list[Scored]:
    """A second hop. When the answer's first sentence names another document of the pool by its title
    and the question does not ("Folie à Deux is the fourth studio album by Fall Out Boy" for "...the
    band formed in which city?", with "Fall Out Boy" among the documents), the question is about that
    document too: its best-ranked sentence follows the first, though it shares few of the question's
    words and so scores below `add_other_above`. titles: passage id -> its document's title.
    Why a rule: the rankers score each sentence against the question alone, never against what another
    sentence says. Dev (`eval.run --split dev`, with `rag.retrieve.with_bridges` fetching the named
    documents): hotpotqa both supporting paragraphs cited 0.200 -> 0.367, facts 0.360 -> 0.372,
    citation precision 0.595 -> 0.575; squad2 facts 0.653 either way, precision 0.623 -> 0.622;
    covid_qa precision 0.414 -> 0.410, citation recall 0.511 either way; pubmedqa (200) unchanged."""
    if not chosen:
        return chosen
    asked = question.lower()
    cited = {c.span.source for c in chosen}
    for s in ranked:  # best first: the first sentence of a bridged document is its best
        if s.span.source in cited or s.span.kind in ("heading", "table_head"):
            continue
        name = _doc_name(titles.get(s.span.chunk, ""))
        if name and terms.phrases_in(chosen[0].span.text, {name}) and not terms.phrases_in(asked, {name.lower()}):
            if not s.terms - set().union(*(c.terms for c in chosen)):
                return chosen
            return chosen[:1] + [s] + chosen[1:]
    return chosen


# A month or a day of the week is how dates are written, so a document titled "September (2007 film)"
# is not named by "(born September 17, 1942)". Dev, hotpotqa: 4 answers quoted that film's title line
# after a birth date (citation precision 0.548 -> 0.560, nothing else changed).
_CALENDAR = frozenset(m.lower() for m in (*calendar.month_name[1:], *calendar.day_name))


def _doc_name(title: str) -> str:
    """How running text names a document (`terms.title_name`), "" for a month's or a day's name."""
    name = terms.title_name(title)
    return "" if name.lower() in _CALENDAR else name


def each_named(chosen: list[Scored], ranked: Sequence[Scored], titles: Mapping[str, str],
               question: str) -> list[Scored]:
    """A question that names two or more documents of the pool by their titles ("Were Scott Derrickson
    and Ed Wood of the same nationality?", "Which opened first, the Halden Cut or the Marrow Canal?")
    asks about each: the best-ranked sentence of each named document the answer does not quote yet
    follows its first sentence, though it may score below `add_other_above` (the rankers score each
    sentence against the whole question, and one about only one of the two shares half its words).
    titles: passage id -> its document's title.
    Dev (`eval.run --split dev`): hotpotqa facts 0.372 -> 0.384, both supporting paragraphs cited 0.400
    -> 0.467, citation precision 0.567 -> 0.548; squad2 and covid_qa: no answer changed."""
    if not chosen:
        return chosen
    asked = question.lower()
    best: dict[str, Scored] = {}
    name_of: dict[str, str] = {}
    for s in ranked:  # best first
        title = titles.get(s.span.chunk, "")
        # (a line that only repeats its document's title, "Fatima Mansions (housing)", says nothing)
        if s.span.kind not in ("heading", "table_head") and s.span.text.strip() != title.strip():
            best.setdefault(s.span.source, s)
            name_of.setdefault(s.span.source, _doc_name(title).lower())
    named = {src: n for src, n in name_of.items() if n and terms.phrases_in(asked, {n})}
    # a name within a longer one the question names is no name of its own ("pit bull" in "American Pit
    # Bull Terrier"), and a name two documents share names neither ("Imran Khan", actor and singer)
    names = [n for n in named.values() if not any(n != m and n in m for m in named.values())]
    named = {src: n for src, n in named.items() if names.count(n) == 1}
    if len(named) < 2:
        return chosen
    cited = {c.span.source for c in chosen}
    extra = [best[src] for src in named if src not in cited]
    return chosen[:1] + extra + chosen[1:]


LEAD_IN_REACH = 6  # units after a lead-in that may hold what it announces (a table's first rows, a list)
LEAD_IN_CHARS = 2000  # ... within this distance of it in the source text


def lead_ins(chosen: list[Scored], ranked: Sequence[Scored]) -> list[Scored]:
    """A chosen sentence that announces what follows ("Cash and cash equivalents were as follows ($ in
    millions):") states nothing itself: it gives its place to the best-ranked of the table rows or
    list items right after it in the same file, when one is among the candidates."""
    out: list[Scored] = []
    for s in chosen:
        m = s.span
        if m.text.rstrip().endswith(":"):
            after = sorted((r for r in ranked if r.span.source == m.source
                            and 0 <= r.span.start - m.end <= LEAD_IN_CHARS
                            and r.span.kind in ("table_row", "list_item")),
                           key=lambda r: r.span.start)[:LEAD_IN_REACH]
            best = max(after, key=lambda r: r.logit, default=None)
            if best is not None and not any(best is c for c in chosen + out):
                s = best
        out.append(s)
    return out


def rival(s: Scored, ranked: Sequence[Scored], chosen: Sequence[Scored], min_overlap: float) -> Scored | None:
    """The best-ranked sentence of another file, not chosen yet, that restates `s` with some content
    words changed -- another figure, date or name for the same statement -- or None."""
    src = s.span.source
    return next((r for r in ranked if r.span.source != src and not any(r is c for c in chosen)
                 and _restates(s, r, min_overlap)), None)


def _restates(a: Scored, b: Scored, min_overlap: float) -> bool:
    """The same statement with different content words: Jaccard of their words >= min_overlap, < 1."""
    union = len(a.terms | b.terms)
    return bool(union) and min_overlap <= len(a.terms & b.terms) / union < 1.0


def _conflicting(a: Scored, b: Scored, q_terms: set[str], min_overlap: float, number_question: bool) -> bool:
    """Two files disagree: one sentence nearly restates the other with other content words, or
    (for a question asking how many/much) both carry figures, none in common, and they share at
    least two of the question's words (so they talk about the same quantity)."""
    if a.span.source == b.span.source:
        return False
    if _restates(a, b, min_overlap):
        return True
    # (a date is no quantity: "On August 19, 2022, ... announced" does not state another vote count
    # than a tally's row)
    na, nb = terms.numbers(_DATE.sub(" ", a.span.text)), terms.numbers(_DATE.sub(" ", b.span.text))
    return number_question and bool(na and nb and not (na & nb)) \
        and len(a.terms & b.terms & q_terms) >= 2


def compose(question: str, chosen: list[Scored], hits, differ_overlap: float = DIFFER_OVERLAP,
            titles: Mapping[str, str] | None = None, opening: int = 1, periods: Mapping[str, str] | None = None
            ) -> Answer:
    """Answer text with a [n] marker after each sentence; sources that disagree are set side by side.
    titles: passage id -> its document's title (a 10-K's says when its fiscal year ends).
    periods: passage id -> the periods its document's tables date (`rag.read.periods.of_blocks`).
    opening: how many of the first sentences read as one statement (`continuation.lead_passage`):
    their markers follow the last of them ("... to develop. These reactions are ... [1][2]")."""
    sources = {c.span.source for c in chosen}
    q_terms = set(terms.content_terms(question))
    number_question = asks_for(question) == "number"
    conflict = len(sources) > 1 and any(_conflicting(a, b, q_terms, differ_overlap, number_question)
                                        for a in chosen for b in chosen)
    opening = max(1, min(opening, len(chosen)))
    if len(sources) == 1:
        # one source: the best sentence first (the answer's first sentence answers the question), the
        # others after it in document order
        chosen = chosen[:opening] + sorted(chosen[opening:], key=lambda c: c.span.start)
    cites = [citation(n, s.span, s.prob) for n, s in enumerate(chosen, 1)]
    currency = _currencies(hits)
    said = [_statement(question, s.span, table.year_end_of((titles or {}).get(s.span.chunk, "")),
                       currency.get(s.span.source, "")) for s in chosen]
    said = _dates_said(question, chosen, said, periods or {})
    when = _dated(chosen[0].span) if chosen else _WHEN
    if said and not conflict and asks_figure(question) and not when.search(" ".join(said[:opening])):
        # a figure stated with no date nor year ("For 250,838,697" of a vote tally, a product's sales) says
        # when by its document's dated title ("PepsiCo, Inc., Form 8-K, dated May 3, 2023")
        title = (titles or {}).get(chosen[0].span.chunk, "")
        if _DATE.search(title):
            said[opening - 1] = f"{said[opening - 1]} ({title})"
    if conflict:
        text = "The sources differ. " + " ".join(f"{_title(c)}: {t} [{c.n}]" for c, t in zip(cites, said))
    else:
        first = " ".join(said[:opening]) + " " + "".join(f"[{c.n}]" for c in cites[:opening])
        text = " ".join([first] + [f"{t} [{c.n}]" for c, t in zip(cites[opening:], said[opening:])])
    return Answer(question, text, tuple(cites), False, hits)


def _dates_said(question: str, chosen: list[Scored], said: list[str], periods: Mapping[str, str]) -> list[str]:
    """A sentence that names the period asked in words ("13.4% for the first six months of 2022") says
    which days its filing means, the first time: "... (the first six months of 2022: six months ended
    July 3, 2022)". A table row's statement is dated from its columns already."""
    out, done = [], set()
    for s, text in zip(chosen, said):
        if s.span.kind not in ("table_row", "table_head"):
            new = [g for g in dated_periods.glosses(question, s.span.text, periods.get(s.span.chunk, ""))
                   if g not in done]
            done.update(new)
            text = f"{text} ({'; '.join(new)})" if new else text
        out.append(text)
    return out


def _dated(span: Span) -> re.Pattern:
    """What a statement must name to need no dated title: a year for a sentence, as written; a full
    date for a table row, whose period we render from its column labels ("in Fiscal 2024 ... End of
    Second Quarter", "for the 2022 fiscal year": which day the quarter or the meeting was is the
    filing's, "quarter ended July 29, 2023"). A sentence keeps the looser test: with a full date
    required of it too, "13.4% for the first six months of 2022" carried its 10-Q's other date."""
    return _DATE if span.kind == "table_row" and span.header else _WHEN


def citation(n: int, span: Span, score: float) -> Citation:
    """Citation [n] of a stored sentence: the verbatim source span, the text as read, and for a table
    row what its figures are."""
    return Citation.of(n, span, score, table.readable(span.header))


def _currencies(hits) -> dict[str, str]:
    """Source -> the one currency sign its retrieved passages print before amounts ("$190 million");
    a source whose passages print none, or several, is left out."""
    signs: dict[str, set[str]] = {}
    for h in hits:
        signs.setdefault(h.source, set()).update(_SIGNED.findall(h.text))
    return {src: next(iter(found)) for src, found in signs.items() if len(found) == 1}


_SIGNED = re.compile(r"([$€£])\s?\d")


def _statement(question: str, span: Span, year_end: str = "", currency: str = "") -> str:
    """What the answer says for a citation: the sentence itself; for a table row, the figure in the
    column the question's period picks, with its unit and period, else every figure beside its
    column's label (a bare row of numbers says nothing)."""
    if not span.header or span.kind != "table_row":
        return span.text
    return table.figure(question, span.header, span.text, year_end, currency) or table.labelled(span.header, span.text)


def _title(c: Citation) -> str:
    """How to name a source in running text: its (top-level) title, else its file name."""
    title = c.section.split(" \u203a ")[0].strip() if c.section else ""
    return f"\u201c{title}\u201d ({c.source})" if title else c.source

