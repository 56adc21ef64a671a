"""Figure look-ups: "What were Best Buy's total revenues for the six months ended July 30, 2022?" is
answered by a table row, the one whose label (and table title) names what is asked, in the column
the question's period picks.

Why a rule and not the learned rankers: both were fitted on prose QA sets (covid_qa, hotpotqa,
pubmedqa, squad2) with almost no tables, so a bare row of figures gets a low score (the gold row of
a figure look-up was first in 11 of 42 tune questions and in the pool for 29) while a prose sentence
that shares the question's words ("...consolidated balance sheets ... as of January 29, 2022") wins.
The rule reads what a row's header already says (`rag.read.table`): a row is the answer when its
label's words are the question's and a column holds the asked period. It reorders the pool, and such
a row is answered even where the abstainer would decline (`answering_row`): the abstainer was fitted
on prose and read "How large was the operating loss of Amazon's International segment in 2017?" as
unanswerable with the row first (figures tune half, declined 0.048 -> 0.024, figure in the answer
0.738 -> 0.762; a row must hold every name the question states, so another company's filing never
answers). Prose answers are unchanged: 560 answers over cached dev pools of the four prose sets are
identical with and without it.
Tried and left out: a dense search over table rows alone, adding the passages of its top 3, 5 or 8
rows to the pool, found no further gold row (tune figures in the answer: 0.643 at 3 and 5, 0.619 at 8).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
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

# Words that say how to compare figures, not which row holds them: "How much did net sales grow from
# 2016 to 2017?" is answered by the net sales row over both years, and a label's own "Net increase
# (decrease) in cash" names the cash row. Left out of both the question's words and a label's, like
# the period words; a fiscal year written "FY2017" is a period too.
_CHANGE_WORDS = frozenset(terms.content_terms(
    "change changes changed increase increases increased decrease decreases decreased decline declined "
    "grow grew grown growth rise rose fall fell difference between compared versus vs year-over-year yoy "
    # and a word that asks for a count: "the number of stores" is what "How many stores" asks; or for
    # an expense: "How much did it spend on research and development?" asks for that expense row
    "number spend spent"))
_FISCAL_YEAR = re.compile(r"fy\d{2,4}")
_ATTRIBUTED = re.compile(r"\battributable\s+to\s+(.+)$", re.I)
_YEAR = re.compile(r"(?:19|20)\d\d")

_FIGURE = re.compile(r"(?<![\w/-])\(?[$€£]?\d[\d,.]*\)?%?(?![\w/-])(?<!\b(?:19|20)\d\d)")  # not a year


# "Why did EPS fall in 2023?", "How did sales change?": a row of figures says what, never why or how.
# "What drove the decrease?", "What was the main reason ...?" ask for a cause too (with the change
# words no longer counted as a row's words, such questions read as figure look-ups: conversations
# tune, fact first 0.477 -> 0.455 until they were left to the rankers).
_EXPLAIN = re.compile(r"^\W*(?:why|how(?!\s+(?:much|many|large|big|high|low))|explain|describe)\b|"
                      + terms.ASKS_CAUSE.pattern, re.I)


@lru_cache(maxsize=16384)  # documents' titles and file names, read for every figure look-up
def _squash(text: str) -> str:
    return re.sub(r"[\W_]+", "", terms.normalize(text))


# the figures a label states for each column in turn ("... of $21 and $25, respectively")
_RESPECTIVELY = re.compile(r"\bof\s+[^;]*?\brespectively\b", re.I)


def _misread(label: str) -> bool:
    """A label holding several figures, or one printed as an amount ("Casino revenue $ 145"), is a
    row whose cells were not told apart; "Level 3 assets" and "Notes due 2028" are labels, and so is
    one that ends in a footnote mark, or one that states its allowance in words ("Trade receivables,
    net of allowance for credit losses of $21 and $25, respectively": a balance sheet's own wording)."""
    label = _RESPECTIVELY.sub(" ", table.NOTE_MARK.sub("", label))
    figures = _FIGURE.findall(label)
    return len(figures) >= 2 or any(re.search(r"[$€£,()]", f) for f in figures) or bool(re.search(r"[$€£]\s?\d", label))


def holds(text: str, name: str) -> bool:
    """Whether `text` names `name`: as written (spaces and case aside: "Best Buy" in "BESTBUY_10Q.pdf"),
    or an acronym as the initials of words in a row ("EPS": "earnings per share", "R&D": "research
    and development")."""
    key = _squash(name)
    if not key or key in _squash(text):
        return True
    if not (name.replace("&", "").isupper() and 2 <= len(key) <= 5):
        return False
    return key in _initials(text)[0] or key in _initials(text)[1]


@lru_cache(maxsize=16384)
def _initials(text: str) -> tuple[str, str]:
    """The initials of `text`'s words, and of its words less stop words."""
    words = terms.words(text)
    return "".join(w[0] for w in words), "".join(w[0] for w in words if w not in terms.STOP)


@dataclass(frozen=True)
class RowMatch:
    """How well a table row answers a figure look-up: the idf mass of the question's words its label
    holds (`label`), of those only its table's title holds (`context`), of its label's words the
    question lacks (`extra`), and the share of the question's words (period words aside) it covers."""

    scored: Scored | None
    label: float
    context: float
    extra: float
    coverage: float
    fit: int = 0  # how well its best column fits the asked period (`table.column_fits`)
    part: bool = False  # its table is a part's ("... for the Domestic segment") and the question names none
    titled: float = 0.0  # the idf mass of the question's words its table's own title holds
    audited: bool = True  # its table is not marked "(Unaudited)"

    @property
    def order(self) -> tuple[float, int, bool, float, bool]:
        """How rows as well named rank, best highest (`row_matches`): the score, then how well the
        column fits the period, then the whole's table before a part's, then the table whose title
        names what is asked: the same "Net earnings" row opens the cash-flow statement, where it is
        an input, and closes the "Statements of Earnings", which state it; then an audited statement
        (a 10-K's) before the unaudited one of an earnings release that prints the same rows."""
        return self.score, self.fit, not self.part, self.titled, self.audited

    @property
    def score(self) -> float:
        # a word in the label counts more than one only the table's title holds: "Non-GAAP diluted
        # EPS" over "Diluted EPS" in a table titled "...non-GAAP diluted EPS..." (conversations tune:
        # fact anywhere 0.466 -> 0.477 against weighing both alike)
        return self.label + self.context / 2 - self.extra


# A ratio asked ("gross profit rate", "adjusted EBIT margin", "average daily rate") is not the amount it
# is a ratio of: a row that names no ratio, in its label or its table's title, and holds no percentage
# states another figure ("Gross profit: $2,220 million" answered "Best Buy's gross profit rate"; with
# this, a "Gross profit as a % of revenue" row; figures tune half: no answer changed).
_RATIOS = frozenset(terms.content_terms("rate rates margin margins ratio ratios percentage percentages"))

# A table of changes states no amount: "AWS 70 55 43" under "Year-over-year Percentage Growth ...: Net
# Sales:" are growth rates, and answered "What were AWS sales in 2016?" with 55 (the net sales table's
# "AWS 7,880 12,219 17,459" came second; seen once the relevance model read 8 sentences, and in the
# figures tune half reworded, `eval.reports --synonyms`). Only a question asking for a change or a rate
# reads it. Tune halves as asked, conversations and dev: no answer changed.
_CHANGES_TABLE = re.compile(r"\b(?:percent(?:age)?\s+(?:growth|change|increase|decrease)|growth\s+rates?|"
                            r"year[-\s]over[-\s]year)\b|%\s*change\b", re.I)

# A statement its filer marks as not audited (an earnings release's, a 10-Q's).
_UNAUDITED = re.compile(r"\bunaudited\b", re.I)

# The label of a table's total row: it states the figure for what the table's title names.
_TOTAL = frozenset(terms.content_terms("total totals"))

# A table of a segment's figures ("Selected financial data for the Domestic segment"), not the company's
# ("... and Subsidiaries Consolidated Statements of Operations" names no part).
_PARTS = frozenset(terms.content_terms("segment segments division divisions"))

# A group of the company's subsidiaries that guarantee its debt, whose statements a filing prints beside
# the company's own ("Deed of Cross Guarantee Consolidated Balance Sheets"): a part, whatever rows its
# group labels ("Current liabilities") share with the question, unless the question asks about guarantors.
_GROUPS = frozenset(terms.content_terms("guarantor guarantors guarantee guarantees obligor obligors"))

# Words that say what kind of part a name is ("the Rigid Packaging segment"), not what is measured.
_KINDS = frozenset(terms.content_terms("segment segments division divisions subsidiary subsidiaries region "
                                       "regions business unit units"))


@lru_cache(maxsize=4096)
def _own_terms(title_and_file: str) -> frozenset[str]:
    """The content words of a document's title and file name ("PFIZER_2023Q2_10Q.pdf": pfizer)."""
    return frozenset(terms.content_terms(re.sub(r"[_\W\d]+", " ", title_and_file)))


@lru_cache(maxsize=64)
def figure_names(question: str) -> frozenset[str]:
    return frozenset(n for n in terms.names(question) if not set(terms.content_terms(n)) <= _PERIOD_WORDS)  # not "July"


# One line item, several names: financial statements say "Total net sales" or "Revenues", "Net
# earnings" or "Net income", and a question may use either. Both the question and a row's label are
# read with each name replaced by the first of its group, so "revenue" matches "Total net sales" by
# its words. Standard statement wording (US GAAP and IFRS), not taken from any question; phrases
# inside another item are left alone ("cost of sales", "gross profit", "sales and marketing" are items
# of their own).
# Measured on eval/figures.jsonl's tune half with each question's line item named by another of its
# names (`eval.reports --synonyms`, 11 questions): figure in the answer 0.091 -> 0.636, with unit and
# period 0 -> 0.545; the questions as written and the conversations tune half: unchanged. The row
# search adds the other names only when the question's own words find no row (`rag.retrieve`).
_SPELLED = {"r&d": "research and development", "sg&a": "selling, general and administrative"}
_LINE_ITEMS = (
    ("cost of sales", ("cost of goods sold", "cost of revenues", "cost of revenue")),
    ("revenue", ("total net sales", "net sales", "total net revenues", "total net revenue", "net revenues",
                 "net revenue", "total revenues", "total revenue", "revenues", "sales", "turnover")),
    ("net income", ("net earnings", "net profit")),
    ("operating income", ("operating profit", "income from operations", "operating earnings")),
    # a cash flow statement's name for what a question calls capital expenditures (added after the four
    # above: Adobe's capex was answered with Best Buy's footnote on "capital expenditures")
    ("capital expenditures", (
        "purchases of property and equipment", "purchase of property and equipment",
        "purchases of property, plant and equipment", "purchase of property, plant and equipment",
        "payments for property, plant and equipment", "property, plant and equipment additions",
        "property and equipment additions", "additions to property and equipment",
        "additions to property, plant and equipment", "capex")),
    # abbreviations filings print for two expense lines, which a question may spell either way
    *((full, (short,)) for short, full in _SPELLED.items()),
)
_ABBREVIATION = re.compile(r"(?<![\w&])(%s)(?![\w&])" % "|".join(re.escape(a) for a in _SPELLED), re.I)
_ITEM_NAMES = tuple(
    (canon, re.compile(r"(?<![\w-])(?<!cost of )(?<!comparable )(?:" + "|".join(re.escape(n) for n in names)
                       + r")(?![\w-])(?!\s+(?:and|tax|taxes|returns?|commissions?)\b)", re.I))  # "Sales and marketing"
    for canon, names in _LINE_ITEMS)


@lru_cache(maxsize=4096)
def line_items(text: str) -> str:
    """`text` with each line item's other names replaced by its first ("Total net sales" -> "revenue")."""
    for canon, pattern in _ITEM_NAMES:
        text = pattern.sub(canon, text)
    return text


@lru_cache(maxsize=64)
def _asked_terms(question: str) -> frozenset[str]:
    """The question's content words less period words and numbers (dates, identifiers), line items
    read by their first name (`line_items`)."""
    return frozenset(t for t in terms.content_terms(line_items(question))
                     if not t[0].isdigit() and not _FISCAL_YEAR.fullmatch(t)
                     and not set(t.split("-")) <= _PERIOD_WORDS) - _PERIOD_WORDS - _CHANGE_WORDS  # "full-year"


# A phrase that says on which basis a figure is stated ("on a continuing-operations basis", "as recast
# for continuing operations", "excluding Consumer Health", a parenthesis): its words rank a row that
# prints them above one that does not, but a row that lacks them may still answer, as a filing states
# the whole table on that basis in its title or its prose, not in each row's label. Figures tune half,
# with "R&D" spelled out and "spend" read as asking for the expense: figure in the answer 0.810 -> 0.857,
# with unit and period 0.667 -> 0.714 (a recast 8-K's R&D expense and U.S. sales), no answer lost.
_BASIS = re.compile(r"\bon\s+an?\s+(?:[\w&-]+\s+){0,3}?basis\b|\bas\s+(?:recast|restated|reported|adjusted)\b"
                    r"(?:\s+(?:for|to\s+reflect|under)\b[^,;:()?]*)?|\bexcluding\b[^,;:()?]*|\([^()]*\)", re.I)


@lru_cache(maxsize=64)
def _basis_terms(question: str) -> frozenset[str]:
    """The asked words (`_asked_terms`) that only say on which basis the figure is stated (`_BASIS`)."""
    said = " ".join(m.group(0) for m in _BASIS.finditer(question))
    return _asked_terms(question) & frozenset(terms.content_terms(line_items(said)))


def explains(question: str) -> bool:
    """Whether a question asks why or how (`_EXPLAIN`): a row of figures says neither."""
    return bool(_EXPLAIN.search(question))


def asks_figure(question: str) -> bool:
    """Whether a question asks for a figure for a period: it names a period (a year, a month, "six
    months ended ...") and is not a why/how question."""
    p = table.period_terms(question)
    return not _EXPLAIN.search(question) and bool(p["years"] or p["months"] or p["spans"])


def period_words(question: str) -> list[str]:
    """The words of a question that say when, in order: "between FY2023 and FY2022" -> FY2023, FY2022;
    [] when it names no year nor month ("each year", "2%" name no period)."""
    p = table.period_terms(question)
    if not (p["years"] or p["months"]):
        return []
    words = re.findall(r"\w[\w'-]*", question)
    return [w for i, w in enumerate(words) if _YEAR.fullmatch(w) or _FISCAL_YEAR.fullmatch(w.lower())
            or set(terms.content_terms(w)) & _PERIOD_WORDS
            or re.fullmatch(r"\d{1,2}", w) and i + 1 < len(words)  # a day, "13 weeks"
            and (_YEAR.fullmatch(words[i + 1]) or set(terms.content_terms(words[i + 1])) & _PERIOD_WORDS)]


def match_row(question: str, span, idf=None, title: str = "", any_period: bool = False) -> RowMatch | None:
    """How well the table row `span` answers a figure look-up (`RowMatch` without its Scored), or None
    when it cannot: not a row with a header, cells not told apart, no column for the question's
    period, a name the question states missing from the row, its table's title, its section, its
    document's `title` and file name, or no word of the question in its label. any_period: a question
    that names no period is answered by the row in all its columns (a ratio's line items, "historically")."""
    if span.kind != "table_row" or not span.header:
        return None
    names = figure_names(question)
    # The question's numbers are dates or identifiers, and the names its document holds ("Best Buy")
    # pick the document: neither says which row ("Best Buy Co., Inc. $ 100.00 $ 84.25" of a stock
    # chart answered "Best Buy's net earnings in fiscal 2021"). Figures tune half, figure in the
    # answer: 0.643 counting the document's names, 0.690 without.
    doc_names = {n for n in names if holds(f"{title} {span.source}", n)}
    doc = {t for n in doc_names for t in terms.content_terms(n)}
    q_terms = _asked_terms(question) - doc
    if not q_terms:
        return None
    read = table.cells(span.header, span.text)
    read = table.by_period(question, read) if read else None  # (a row of a period: its named column's figure)
    picked = table.best_columns(question, read[0]) if read else []
    if read is None or not read[1] or _misread(read[1]) or not (
            picked or any_period and not table.column_fits(question, read[0])):
        return None
    own_title = table.parse_header(span.header).context  # the table's own title and unit line
    asked_years = table.question_periods(question)["years"]
    if picked and table.undated(read[0]) and asked_years and not asked_years & table.period_terms(
            f"{own_title} {span.section} {title} {span.source}")["years"]:
        return None  # a table by category states its document's period: another year asked is not there
    # the table's title, its section and the asked column's label, which may name a segment ("Twelve
    # Months Ended June 30, 2023 Rigid Packaging": a row left without figures under the others' labels
    # keeps only the columns it fills, `rag.read.pdf.tables`)
    context_text = f"{own_title} {span.section} {' '.join(read[0][i] for i in picked)}"
    if not all(holds(f"{span.text} {context_text} {title} {span.source}", n) for n in names):
        return None
    label_terms = {t for t in terms.content_terms(line_items(read[1])) if not t[0].isdigit()} - _PERIOD_WORDS \
        - _CHANGE_WORDS
    in_label = q_terms & label_terms
    context_terms = set(terms.content_terms(line_items(context_text)))
    if not in_label and label_terms and label_terms <= _TOTAL:
        # a table's total row is the figure for what its title names ("How many Domestic segment stores"
        # of stores by banner, under "Domestic segment stores open at ... were as follows:")
        in_label = q_terms & context_terms
    if not in_label:
        return None
    weight = idf or (lambda t: 1.0)
    in_context = (q_terms & context_terms) - in_label
    # what is measured ("net sales" of "net sales of the Rigid Packaging segment") is in the label or
    # the table's title: a row labelled with the segment's name alone, in a table of depreciation by
    # segment, states another measure (it answered once the row search kept segments' names; figures
    # tune half, with both: figure in the answer 0.714 -> 0.738, no answer lost)
    measure = q_terms - {t for n in names for t in terms.content_terms(n)} - _KINDS
    if measure and not measure & (in_label | in_context):
        return None
    ratio = q_terms & _RATIOS
    if ratio and not ratio & (in_label | in_context) and "%" not in span.text:
        return None
    if _CHANGES_TABLE.search(own_title) and not ratio and not table.asks_change(question) and "%" not in question:
        return None
    # nor is an amount answered with a per-share figure, or the other way round: "Net income attributable
    # to common shareholders" is a statement's row and, under "Earnings per common share––basic:", the
    # same words for $1.77 a share (conversations tune: both once read under the statement's columns)
    if table.per_share(question) != table.per_share(f"{read[1]} {context_text}"):
        return None
    label = sum(weight(t) for t in in_label)
    context = sum(weight(t) for t in in_context)
    # the document's own name in a label ("Net income attributable to Pfizer Inc. common shareholders")
    # says nothing about which item the row is, so it is not an unasked word ("Income attributable to
    # shareholders" of an investee's table had won). Tune halves: figures, figure in the answer 0.690 ->
    # 0.714; conversations, fact first 0.489 -> 0.511; no answer lost
    own = _own_terms(f"{title} {span.source}")
    # (nor a name the question states, nor "total": "Total Digital Media revenue" is the segment's
    # revenue, which a table of its subscription revenue by segment prints as "Digital Media". Figures
    # tune half: figure in the answer 0.905 -> 0.929; conversations tune: fact first the same, evidence
    # cited 0.602 -> 0.591, one answer stating the same figure from another table than the gold one)
    unasked = label_terms - q_terms - doc - own - _TOTAL
    credit = 0.0
    attributed = _ATTRIBUTED.search(read[1])
    if attributed and doc & set(terms.content_terms(attributed.group(1))):
        # "Amcor's net income" is the income attributable to Amcor's shareholders: the statement's own
        # "Net income" row above it includes what belongs to non-controlling interests. A question that
        # names the company reads "Net income attributable to Amcor plc" as what it asks, and first.
        # Conversations tune half: fact first 0.750 -> 0.761, evidence cited 0.591 -> 0.602; figures
        # tune half: one answer changed (the same diluted EPS, from the row "... attributable to Amcor")
        unasked -= set(terms.content_terms(attributed.group(0)))
        credit = sum(weight(t) for t in doc & label_terms)
    if any(re.match(rf"{re.escape(n)}\b", read[1], re.I) for n in names if n not in doc_names):
        # a row led by a name the question asks for ("Vyndaqel family ATTR-CM and polyneuropathy 782 ...",
        # a product table with a column that describes each product): what follows the name describes it
        unasked = set()
    extra = sum(weight(t) for t in unasked) - credit
    fit = max(table.column_fits(question, read[0]), default=0)
    # (a basis the row does not print is no word it misses: `_BASIS`)
    asked = sum(weight(t) for t in q_terms - (_basis_terms(question) - in_label - in_context))
    # (the table's own title: the section it stands in may name segments it sums)
    titled = set(terms.content_terms(own_title))
    part = bool(titled & _PARTS) and not q_terms & titled and not q_terms & _KINDS \
        or bool(titled & _GROUPS) and not q_terms & _GROUPS
    # the question's words as it words them too: "net earnings" is read as the line item "net income",
    # and its statement is titled "Statements of Earnings"
    echoed = (q_terms | (set(terms.content_terms(question)) - _PERIOD_WORDS - _CHANGE_WORDS - doc)) & titled
    return RowMatch(None, label, context, extra, (label + context) / asked if asked else 0.0, fit, part,
                    sum(weight(t) for t in echoed), not _UNAUDITED.search(f"{span.header} {span.section}"))


def row_matches(question: str, ranked: Sequence[Scored], idf, titles: Mapping[str, str] | None = None,
                any_period: bool = False) -> list[RowMatch]:
    """The table rows of `ranked` that can state a figure for the period `question` names (a column
    fits it) and that hold every name the question states (in the row, its table's title, its section,
    its document's title or file name: "Pfizer's long-term debt" is not Amcor's), each with how well
    its label matches (`match_row`); best first, ties in ranked order. titles: passage id -> its
    document's title."""
    out = []
    for s in ranked:
        m = match_row(question, s.span, idf, (titles or {}).get(s.span.chunk, ""), any_period)
        if m is not None:
            out.append(replace(m, scored=s))
    # Among rows as well named, the one whose column fits the period best: "net sales in the fourth
    # quarter" from the 13-week table, not the 52-week one beside it (a tune question answered so); then
    # the whole's over a part's: a question that names no segment asks for the company's figure, not
    # that of the segment whose table prints the same row first (conversations tune, with a label's footnote
    # mark no longer read as a figure: fact first 0.682 -> 0.693, Best Buy's "gross profit rate" had been
    # read from the Domestic segment's table; the figures tune half unchanged)
    return sorted(out, key=lambda m: m.order, reverse=True)  # stable: ties keep the rankers' order


# Chosen on the tune half of eval/figures.jsonl (`python -m eval.reports --half tune`). First, gold row
# first: 11 of 42 with the rankers alone; a row moved first from coverage 0.2, 0.3 or 0.4: 18 (none
# lost); 0.5: 15; 0.6 and 0.7: 14; 0.8: 12. Chosen again once the question's numbers and its document's
# own names no longer counted among its words (coverage reads higher) and the row search
# (`rag.retrieve.with_figure_rows`) came in: figure in the answer 0.690 from 0.3 to 0.6, 0.667 at 0.7.
# The highest of the plateau, so that fewer rows pass on questions that only share a word with them.
MIN_COVERAGE = 0.6


def answering_row(question: str, ranked: list[Scored], idf=None, titles: Mapping[str, str] | None = None
                  ) -> Scored | None:
    """The table row that best answers a figure look-up (`row_matches`), when its label and table
    title cover at least MIN_COVERAGE of the question's words and its label has fewer unasked words
    than asked ones; None otherwise, and for a why/how question."""
    if _EXPLAIN.search(question):
        return None
    matches = row_matches(question, ranked, idf, titles)
    if not matches or matches[0].coverage < MIN_COVERAGE or matches[0].score <= 0:
        return None
    return matches[0].scored


def label_query(question: str, other_names: bool = False, titles: Mapping[str, str] | None = None) -> str:
    """What a figure look-up asks about, as words to search row labels with: the question less its
    period words, numbers and the names its documents hold ("What was Adobe's net income in fiscal
    2020?" -> "net income"; "MGM China's net revenues" -> "China net revenues": a segment's name is
    a row's label). other_names: with the other names of a line item it names (`line_items`).
    titles: source -> title of the documents searched; None: every name is left out."""
    held = [n for n in figure_names(question)
            if titles is None or any(holds(f"{t} {s}", n) for s, t in titles.items())]
    names = {w.lower() for n in held for w in terms.words(n)}
    # (an abbreviation spelled out, as a word search splits "R&D" into letters; and no basis, `_BASIS`:
    # its words are the prose's, "recast for continuing operations", and pull it ahead of the rows)
    spelled = _ABBREVIATION.sub(lambda m: _SPELLED[m.group(1).lower()], _BASIS.sub(" ", question))
    bare = (re.sub(r"['’]s$", "", w) for w in terms.words(spelled))
    query = " ".join(w for w in bare if w not in names and not w[0].isdigit()
                     and not set(c for t in terms.content_terms(w) for c in t.split("-")) <= _PERIOD_WORDS)
    if not other_names:
        return query
    # a line item's other names too: the row may say "Total net sales" for the question's "revenue"
    read = line_items(query)
    others = [n for canon, group in _LINE_ITEMS if re.search(rf"(?<![\w-]){canon}(?![\w-])", read) for n in group]
    return " ".join(dict.fromkeys(" ".join([query, *others]).split())) if others else query


def named_sources(question: str, titles: Mapping[str, str]) -> frozenset[str] | None:
    """The documents a figure look-up names: those whose title or file name holds the most of the
    names the question states (at least one: "Amcor" of "Amcor's Rigid Packaging segment"); None
    when the question names none of them. titles: source -> its document's title."""
    names = figure_names(question)
    held = {s: sum(holds(f"{t} {s}", n) for n in names) for s, t in titles.items()}
    most = max(held.values(), default=0)
    return frozenset(s for s, n in held.items() if n == most) if most else None
