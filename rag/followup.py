"""Follow-up questions made standalone, from the conversation: the one place for follow-up logic.

"And Gaming?" after "What was Data Center revenue for the three months ended July 30, 2023?" is
searched for and answered as "What was Gaming revenue for the three months ended July 30, 2023?";
"And for the same quarter a year earlier?" as "... for the three months ended July 2023" → 2022;
"What drove the increase?" as "What drove the increase in Data Center revenue for ...?"; "it", "he"
take the name they stand for. Earlier turns are resolved in order, so a chain of follow-ups keeps
its topic, and a question that stands on its own is left alone, so history never drags it off topic.

Rules, not a model: deterministic, microseconds, no LLM (none ships here), and the resolved question
is shown to the user ("Searching for: ..."), so a wrong guess is visible, not silent. Where no rule
fits, the previous question is kept beside the follow-up, so retrieval still sees the topic.
A part-of-speech tagger would guess verbs better, but none ships offline in a wheel (NLTK's and
spaCy's models are downloads), so verbs are recognised by position and ending (`_topic`).
Not here: how the answer treats the previous answer's sentences (`rag.answer`).
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from typing import Sequence

from . import terms
from .directives import asked_part

History = Sequence[tuple[str, str]]  # (question, answer text), oldest first

_ANAPHOR = re.compile(r"\b(he|she|it|they|him|her|them|his|hers|its|their|theirs|this|that|these|those|there|"
                      r"the same|the other|former|latter)\b", re.IGNORECASE)
_CONTINUE = re.compile(r"^\s*(and|but|also|so|then|what about|how about|and what|why|what else)\b", re.IGNORECASE)
_MARKER = re.compile(r"\s*\[\d+\]")
_LEAD = re.compile(r"^\s*(?:(?:and|but|also|so|then|ok|okay|now)\b[,\s]*)+", re.IGNORECASE)
_ABOUT = re.compile(r"^(?:what|how)\s+about\s+(.+)$", re.IGNORECASE)
_QUESTION_START = re.compile(r"^(?:(?:for|in|on|at|by|from|to|with|since|until|during)\s+)?(?:what|who|whom|whose|when|where|why|how|which|is|are|was|were|do|does|did|can|could|"
                             r"will|would|should|has|have|had|tell|list|name|give|describe|explain|compare)\b", re.I)
_WH = re.compile(r"^(?:what|which|who|whom|whose|when|where|why|how(?:\s+(?:much|many|large|big|long|old|far|often))?)"
                 r"\b\s*", re.IGNORECASE)
_AUX = re.compile(r"^(?:is|are|was|were|do|does|did|has|have|had|will|would|can|could|should)\b\s*", re.IGNORECASE)
# "What was the main reason?": the reason for what the previous question asked; with anything after it
# ("the key drivers of growth", "... in 2023") it is a question of its own
_REASON = re.compile(r"\bthe\s+(?:(?:main|primary|key|biggest|major|chief)\s+)?(reasons?|causes?|drivers?|factors?)"
                     r"(?=\s*[?.!]*\s*$)", re.I)
_CHANGE_NOUN = {"grow": "growth", "improve": "improvement"}
_CHANGE = re.compile(r"\b(the|this|that)\s+(increase|decrease|rise|fall|drop|decline|growth|change|improvement|"
                     r"difference|gain|loss|shift|jump|reduction|slowdown)\b(?!\s+(?:in|of|to|from|for)\b)", re.I)

# -- periods ----------------------------------------------------------------------------------------
_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
_MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
_MONTHS["sept"] = 9
_MONTH = r"(?:" + "|".join(sorted((m for m in _MONTHS), key=len, reverse=True)) + r")\.?"
_DATE = re.compile(rf"\b({_MONTH})\s+(?:(\d{{1,2}}),?\s+)?((?:19|20)\d{{2}})\b", re.IGNORECASE)
_ORD = ["first", "second", "third", "fourth"]
_FISCAL_YEAR = re.compile(r"\b(?:fiscal\s+(?:year\s+)?|FY\s*'?)(?:(?:19|20)\d{2}|\d{2})\b", re.IGNORECASE)
_PERIOD = re.compile(
    rf"(?:the\s+)?(?:(?:three|six|nine|twelve|3|6|9|12)[- ]months?|(?:fiscal\s+)?quarter|(?:fiscal\s+)?year|period|"
    rf"half(?:[- ]year)?)\s+end(?:ed|ing)\s+{_MONTH}\s+(?:\d{{1,2}},?\s+)?(?:19|20)\d{{2}}"
    r"|(?:the\s+)?(?:first|second|third|fourth)\s+(?:fiscal\s+)?(?:quarter|half)\s+(?:of\s+)?(?:(?:the\s+)?(?:fiscal|FY)\s*"
    r"(?:year\s+)?)?(?:19|20)\d{2}"
    rf"|(?:the\s+)?{_MONTH}\s+(?:19|20)\d{{2}}\s+(?:quarter|half|year)\b"  # "the June 2023 quarter"
    r"|\bQ[1-4]\s*(?:FY\s*)?'?(?:(?:19|20)\d{2}|\d{2})\b"
    r"|\b(?:fiscal\s+(?:year\s+)?|FY\s*)(?:(?:19|20)\d{2}|\d{2})\b"
    r"|\b(?:19|20)\d{2}\b", re.IGNORECASE)
# what a follow-up says about the period: (pattern, operation)
_RELATIVE = [
    (r"(?:the\s+)?same\s+(?:quarter|period|time|months?)\s+(?:(?:a|one)\s+year\s+(?:earlier|ago|before|prior)|"
     r"(?:of\s+|in\s+)?(?:the\s+)?(?:prior|previous|preceding|last)\s+(?:fiscal\s+)?year|last\s+year)", ("year", -1)),
    (r"(?:(?:a|one)\s+year\s+(?:earlier|ago|before|prior)|(?:the\s+)?(?:prior|previous|preceding|last)[- ](?:fiscal[- ])?"
     r"year(?:'s)?(?:\s+(?:quarter|period))?|(?:the\s+)?year\s+before)", ("year", -1)),
    (r"(?:(?:a|one)\s+year\s+later|the\s+(?:following|next)\s+year)", ("year", 1)),
    (r"(?:the\s+)?(?:previous|prior|preceding|last|sequential)\s+quarter", ("quarter", -1)),
    (r"(?:the\s+)?(?:first\s+)?nine\s+months", ("months", 9)),
    (r"(?:the\s+)?(?:first\s+half(?:\s+of\s+the\s+year)?|(?:first\s+)?six\s+months|half[- ]year|year[- ]to[- ]date)",
     ("months", 6)),
    (r"(?:the\s+)?(?:full|whole|entire)\s+(?:fiscal\s+)?year", ("months", 12)),
    (r"(?:the\s+)?(?:quarter|three\s+months)", ("months", 3)),
]
_RELATIVE = [(re.compile(rf"\b(?:{p})\b", re.IGNORECASE), op) for p, op in _RELATIVE]


@dataclass(frozen=True)
class Resolved:
    """A question read in its conversation. `standalone` is what is searched for and answered."""

    question: str  # as asked
    standalone: str  # the question with what it leans on filled in; == question when it stands alone
    previous_answer: str = ""  # the previous answer's text, markers removed ("" for a standalone question)

    @property
    def follow_up(self) -> bool:
        return self.standalone != self.question

    @property
    def resolved(self) -> str:
        """The standalone question when it differs from the one asked, else ""."""
        return self.standalone if self.follow_up else ""

    @property
    def own_terms(self) -> frozenset:
        """What the follow-up names itself ("Gaming" in "And Gaming?"): sentences about it go first."""
        return frozenset(terms.content_terms(self.question)) if self.follow_up else frozenset()


def is_follow_up(question: str) -> bool:
    return bool(_CONTINUE.match(question) or _ANAPHOR.search(question) or _CHANGE.search(question)
                or _REASON.search(question) or len(terms.content_terms(question)) < 2)


def resolve(question: str, history: History | None) -> Resolved:
    """`question` made standalone from `history` (earlier (question, answer) pairs, oldest first)."""
    history = list(history or [])
    asked_as, question = question, asked_part(question)  # less instructions on how to answer
    if not history or not is_follow_up(question):
        return Resolved(asked_as, question)
    asked: list[str] = []  # the earlier turns' standalone questions, each read in its own context
    for q, _ in history:
        asked.append(_resolve_turn(q, asked) if asked else q)
    prev_answer = _MARKER.sub("", history[-1][1] or "")
    if prev_answer.startswith("The documents don't say"):
        prev_answer = ""
    return Resolved(asked_as, _resolve_turn(question, asked, prev_answer), prev_answer)


# a noun phrase with a participle after it: the part something plays in what was asked
_INVOLVED = re.compile(r"(?:the|a|an)\s+.+?\s+(?:involved|responsible|used|required|needed|concerned)", re.IGNORECASE)
_EXPLAINS = re.compile(r"^(?:why\b|how\s+(?:is|are|was|were|do|does|did)\b)|" + terms.ASKS_CAUSE.pattern, re.IGNORECASE)


def _fragment(body: str) -> str:
    """The words of an ellipsis ("Gaming" in "And Gaming?", "X" in "What about X?"), given the question
    less its lead words ("and", "so"); "" if it is none."""
    about = _ABOUT.match(body)
    return (about.group(1) if about else body).rstrip(" ?.!") \
        if about or (body and not _QUESTION_START.match(body)) else ""


def _resolve_turn(question: str, asked: list[str], prev_answer: str = "") -> str:
    if not asked or not is_follow_up(question):
        return question
    body = _LEAD.sub("", question).strip()
    fragment = _fragment(body)
    if fragment:  # an ellipsis: "And Gaming?", "What about X?"
        # it continues the last question that asked for a fact: "And Gaming?" after "What drove the
        # increase?" asks for Gaming's figure, not for what drove it
        base = next((q for q in reversed(asked) if not _EXPLAINS.search(q)), asked[-1])
        if _INVOLVED.fullmatch(fragment):
            # "And the co-receptor involved?": the part a thing plays in what was just asked, not a thing
            # to take the place of its subject (it had given "What do co-receptor involved destroy?")
            return f"What is {fragment}? ({asked[-1].rstrip(' ?')})"
        if base is asked[-1] and len(asked) >= 2 and _year_back(asked[-2], asked[-1]) \
                and not _PERIOD.search(fragment):
            # "And a year earlier?" glanced back at the same figure; "And the average daily rate?" then asks
            # in the period the conversation is about, not the comparison's (conversations tune: both such
            # turns, fin-bby-3 and fin-mgm-4; a span asked instead, "And for the full year?", moves it on)
            return _ellipsis(fragment, asked[-2])
        now, then = _PERIOD.search(asked[-1]), _PERIOD.search(base)
        if base is not asked[-1] and now and then and _no_years(now.group(0)) == _no_years(then.group(0)):
            # ... in the period the conversation got to: after "And a year earlier?" and "What drove the
            # decrease?" (read as the later year's), "What about the first six months?" is of that year.
            # Conversations tune half: fact first 0.545 -> 0.557
            base = base[:then.start()] + now.group(0) + base[then.end():]
        return _ellipsis(fragment, base)
    previous = asked[-1]
    if len(asked) >= 2 and (_CHANGE.search(body) or _REASON.search(body) or _EXPLAINS.search(body)) \
            and _PERIOD.sub("", asked[-1]) == _PERIOD.sub("", asked[-2]) != asked[-1]:
        # the last two turns asked one figure for two periods ("... in 2023?", "And a year earlier?"):
        # "What drove the decrease?" asks about the change, which happened in the later of the two
        previous = max(asked[-2:][::-1], key=_latest_year)
    moved = _period_moved(body, previous)
    if moved is not None:  # "What was it in the previous quarter?"
        body, previous = moved
    return _references(body, previous, prev_answer)


def _period_moved(body: str, previous: str) -> tuple[str, str] | None:
    """A follow-up that points back to the previous figure and names a period relative to its period
    ("What was it in the previous quarter?", "And what was that a year earlier?"): the follow-up less
    that phrase, and the previous question with its period moved so. None otherwise, and for a
    question about a change, a cause or a comparison ("What drove the increase over the prior year?"
    compares two periods; it moves none). Written from the issue's cases, not the set's: no turn of the
    conversations tune half asks so (none changed)."""
    if not re.search(r"\b(?:it|that|this|they)\b", body, re.I) or _CHANGE.search(body) or _REASON.search(body) \
            or _EXPLAINS.search(body) or re.search(r"\b(?:compar\w*|than|versus|vs)\b", body, re.I):
        return None
    for rx, op in _RELATIVE:
        m = rx.search(body)
        if m:
            shifted = _shift_period(previous, op)
            if shifted is None:
                return None
            before = re.sub(r"\s*\b(?:in|for|during|over|of)\s*$", "", body[:m.start()], flags=re.I).rstrip()
            return before + body[m.end():], shifted
    return None


def _latest_year(question: str) -> int:
    """The latest year a question names; 0 if none."""
    return max(map(int, re.findall(r"(?:19|20)\d{2}", question)), default=0)


def _year_back(earlier: str, later: str) -> bool:
    """Whether `later` asks what `earlier` asked, a year before ("... in the fourth quarter of 2021?"
    after "... in the fourth quarter of 2022?")."""
    year = _latest_year(earlier)
    return _PERIOD.sub("", earlier) == _PERIOD.sub("", later) and year > 0 and _latest_year(later) == year - 1


def _no_years(period: str) -> str:
    return re.sub(r"(?:19|20)\d{2}", "", period.lower())


def _ellipsis(fragment: str, previous: str) -> str:
    """The previous question with the fragment put in place of what it replaces."""
    out, rest = previous, fragment
    fiscal, p = _FISCAL_YEAR.search(rest), _PERIOD.search(out)
    fiscal = fiscal if fiscal and p and _DATE.search(p.group(0)) else None
    if fiscal:
        # "What about the first six months of fiscal 2024?" after "... ended July 29, 2023": a fiscal year
        # is not a calendar one (Best Buy's fiscal 2024 began in February 2023), so the period is asked
        # in the follow-up's own words, not computed from the date ("six months ended July 2024")
        rel = next((m for m in (rx.search(rest[:fiscal.start()]) for rx, _ in _RELATIVE) if m
                    and re.fullmatch(r"\s*(?:of|in|for|during)?\s*", rest[m.end():fiscal.start()], re.I)), None)
        start = rel.start() if rel else fiscal.start()
        out = out[:p.start()] + rest[start:fiscal.end()] + out[p.end():]
        rest = rest[:start] + rest[fiscal.end():]
    moved = set()  # one shift of the date and one of the span: "the first six months of the prior year"
    for rx, op in (() if fiscal else _RELATIVE):
        kind = op[0] == "months"
        m = None if kind in moved else rx.search(rest)
        if m:
            moved.add(kind)
            shifted = _shift_period(out, op)
            if shifted is not None:
                out, rest = shifted, (rest[:m.start()] + rest[m.end():])
    m = None if fiscal else _PERIOD.search(rest)
    if m:  # an explicit period ("And in 2022?", "For fiscal 2023?") takes the previous one's place
        p = _PERIOD.search(out)
        year, old = re.search(r"(?:19|20)\d{2}", m.group(0)), p and re.search(r"(?:19|20)\d{2}", p.group(0))
        if p and year and old and re.fullmatch(r"(?:(?:in|for)\s+)?(?:fiscal\s+(?:year\s+)?|FY\s*)?(?:19|20)\d{2}",
                                                m.group(0), re.IGNORECASE):
            # "And in 2022?" after "the second quarter of 2023": the same quarter, in 2022
            out = out[:p.start()] + _years(p.group(0), int(year.group(0)) - int(old.group(0))) + out[p.end():]
        elif p:
            out = out[:p.start()] + m.group(0) + out[p.end():]
        if p:
            rest = rest[:m.start()] + rest[m.end():]
    prep = re.match(r"^(?:for|in|on|at|of|during|with|from|to)\s+", rest.strip(" ,?"), re.IGNORECASE)
    rest = re.sub(r"^(?:for|in|on|at|of|during|with|from|to)\s+|\s+(?:for|in|on|at|of|during)$", "",
                  rest.strip(" ,?"), flags=re.IGNORECASE).strip(" ,?")
    if not rest or not terms.content_terms(rest):
        return out if out != previous else f"{previous.rstrip(' ?')}, {fragment}?"
    swapped = _swap(out, rest, after_preposition=prep.group(0).strip() if prep else "")
    return swapped if swapped is not None else f"{out.rstrip(' ?')}, {rest}?"


def _chunks(question: str) -> list[tuple[int, int]]:
    """Spans of runs of content words (names, noun phrases) outside any period expression and the
    question's opening words."""
    head = _WH.match(question)
    start = head.end() if head else 0
    aux = _AUX.match(question[start:])
    start += aux.end() if aux else 0
    if not aux and head and head.group(0).strip().lower() in ("who", "whom"):
        # "Who introduced RMSNorm?": after "who" with no auxiliary comes its verb, not a noun phrase
        # ("And the positional embeddings?" had given "Who positional embeddings?")
        verb = re.match(r"\S+\s*", question[start:])
        start += verb.end() if verb else 0
    periods = [m.span() for m in _PERIOD.finditer(question)]
    spans, cur = [], None
    words = list(re.finditer(r"[^\W_]+(?:['’.-][^\W_]+)*(?:['’]s)?", question[start:]))
    for i, m in enumerate(words):
        a, b = m.start() + start, m.end() + start
        w = m.group(0).lower()
        inside = any(p0 <= a < p1 for p0, p1 in periods)
        # "of" between two common nouns is inside one noun phrase: "cost of sales" is one line item
        of = w == "of" and cur and i + 1 < len(words) and question[cur[0]:cur[1]].split()[-1].islower() \
            and words[i + 1].group(0).islower() and words[i + 1].group(0) not in terms.STOP and not inside
        if of:
            cur = (cur[0], b)
        elif (w in terms.STOP and not m.group(0).isupper()) or inside:  # "Type I", "IT": not the pronoun
            if cur:
                spans.append(cur)
            cur = None
        else:
            cur = (cur[0], b) if cur else (a, b)
    if cur:
        spans.append(cur)
    if aux and aux.group(0).strip().lower() in ("do", "does", "did") and len(spans) == 1:
        # "What do natural killer cells destroy?": the last word is the verb, not part of the noun phrase
        # (one run of words to the end; in "What does X score on MMLU in the 5-shot setting?" the verb
        # came earlier)
        a, b = spans[-1]
        last = re.search(r"\s+\S+$", question[a:b])
        tail = question[b:].strip(" ?.!")  # nothing after it, or only the period it asks about
        period_only = not tail or re.fullmatch(rf"(?:(?:in|for|during|over|of)\s+)?(?:{_PERIOD.pattern})", tail,
                                               re.IGNORECASE)
        if last and period_only and not question[a + last.start():b].strip()[:1].isupper():
            spans[-1] = (a, a + last.start())
    return spans


def _owner(text: str) -> int:
    """Length of a leading possessive owner ("Best Buy's ") in a chunk, 0 if none."""
    m = re.match(r"^(?:[A-Z][\w&.-]*\s+)*[A-Z][\w&.-]*['’]s\s+", text)
    return m.end() if m else 0


# A noun that is a measure of another one: "And the margin?" after "What was adjusted EBIT of the
# Rigid Packaging segment?" asks for the adjusted EBIT margin of the segment (it had taken the segment's
# place). Conversations tune half: fact first 0.523 -> 0.545.
_OF_MEASURE = re.compile(r"(?:margin|rate|ratio|growth|share|percentage|yield)s?", re.I)


def _swap(previous: str, fragment: str, after_preposition: str = "") -> str | None:
    """Put `fragment` in place of the part of `previous` it stands beside: the chunk with the same
    head word ("Gaming revenue" for "Data Center revenue"), a name for a name ("Krakow" for "Warsaw"),
    after a preposition the last object of one ("on cheese" for "to Danish butter": "Danish cheese"),
    else the first noun phrase ("diluted EPS" for "net income"). None if `previous` has no place."""
    as_said, fragment = fragment, re.sub(r"^(?:the|a|an)\s+", "", fragment, flags=re.IGNORECASE)
    spans = _chunks(previous)
    if not spans:
        return None
    objects = [(a, b) for a, b in spans if re.search(r"\b(?:for|in|on|at|of|during|with|from|to)\s+(?:the\s+)?$",
                                                      previous[:a], re.IGNORECASE)]
    if after_preposition:  # "And from C4?" after "... comes from CommonCrawl?": the same preposition's object
        prep = after_preposition.lower()
        same = [(a, b) for a, b in objects if re.search(rf"\b{prep}\s+(?:the\s+)?$", previous[:a], re.IGNORECASE)]
        if same:
            a, b = same[-1]
            if as_said == fragment and fragment[:1].isupper():  # "in Europe" for "in the USA", not "the Europe"
                a = len(re.sub(r"\bthe\s+$", "", previous[:a], flags=re.IGNORECASE))
            return previous[:a] + fragment + previous[b:]
    if after_preposition and not objects and not fragment[:1].isupper():
        # "And on a smartphone?" after "How much faster is DistilBERT than BERT?": a new condition on
        # what was asked, not a thing to take the place of (it had replaced "faster")
        return f"{previous.rstrip(' ?')} {after_preposition} {as_said}?"
    if after_preposition and objects and not fragment[:1].isupper():
        a, b = objects[-1]
        # a common noun replaces the common-noun end and keeps the name before it ("Danish butter")
        names = re.match(r"(.*?\s)??[a-z][\w-]*(?:\s+[a-z][\w-]*)*$", previous[a:b])
        a += len(names.group(1) or "") if names else 0
        return previous[:a] + fragment + previous[b:]
    if _OF_MEASURE.fullmatch(fragment):  # "And the margin?": the margin of what was asked, not a new topic
        a, b = spans[0]
        return previous[:b] + " " + fragment + previous[b:]
    frag_terms = terms.content_terms(fragment)
    head = frag_terms[-1] if frag_terms else ""
    for a, b in spans:  # same head word: "Gaming revenue" replaces "Data Center revenue"
        chunk_terms = terms.content_terms(previous[a:b])
        if chunk_terms and chunk_terms[-1] == head:
            a += _owner(previous[a:b]) if not re.search(r"['’]s\b", fragment) else 0
            return previous[:a] + fragment + previous[b:]
    proper = fragment[:1].isupper()
    # a name replaces a name of its own shape: "Rigid Packaging" takes the place of "Flexibles", not of
    # the acronym "EBIT" before it ("adjusted EBIT for Amcor's Flexibles segment"); "EBITDA" the acronym's.
    # Conversations tune half: resolved questions holding every word of the hand-written one 18 -> 21 of
    # 88 (word overlap 0.534 -> 0.556); fact in the first sentence unchanged (0.443).
    acronym = bool(re.search(r"\b[A-Z]{2,}\b", fragment))
    spans = sorted(spans, key=lambda s: acronym != bool(
        re.search(r"\b[A-Z]{2,}\b", previous[s[0] + _owner(previous[s[0]:s[1]]):s[1]])))  # "MGM's" owns
    for a, b in spans if proper else ():
        chunk = previous[a:b]
        own = _owner(chunk)
        words = list(re.finditer(r"\S+", chunk[own:]))
        caps = [w for w in words if w.group(0)[:1].isupper()]
        if caps:  # a name for a name: "Gaming" for "Data Center" in "Data Center revenue"
            run = [caps[-1]]  # the last run of capitalised words: "England" in "Normans under William invade England"
            for w in reversed(caps[:-1]):
                if chunk[own:][w.end():run[0].start()].strip():
                    break
                run.insert(0, w)
            return previous[:a + own + run[0].start()] + fragment + previous[a + own + run[-1].end():]
    for a, b in spans if proper else ():  # no name to take the place of: before an owned noun
        own = _owner(previous[a:b])
        if own:  # "Best Buy's revenues" + "Domestic" -> "Best Buy's Domestic revenues"
            return previous[:a + own] + fragment + " " + previous[a + own:]
    if proper:  # the previous question names nothing like it: the name goes before the first noun phrase
        a = spans[0][0] + _owner(previous[spans[0][0]:spans[0][1]])
        return previous[:a] + fragment + " " + previous[a:]
    for a, b in spans:  # a common noun phrase for the first common noun phrase
        chunk = previous[a:b]
        own = _owner(chunk)
        if not chunk[own:][:1].isupper():
            return previous[:a + own] + fragment + previous[b:]
    a, b = spans[0]  # only named phrases ("Harbour revenue"): the fragment takes the first one's place
    return previous[:a + _owner(previous[a:b])] + fragment + previous[b:]


# -- periods ----------------------------------------------------------------------------------------
def _shift_period(question: str, op: tuple[str, int]) -> str | None:
    """`question` with its period moved (("year", -1): a year earlier; ("quarter", -1); ("months", 6):
    the six months to the same date). None if it names no period."""
    m = _PERIOD.search(question)
    if not m:
        return None
    span, kind, n = m.group(0), op[0], op[1]
    if kind == "year":
        new = _DATE.sub(lambda d: _date(d, years=n), span) if _DATE.search(span) else _years(span, n)
    elif kind == "quarter":
        new = _prev_quarter(span)
    else:
        new = _months(span, n)
    return None if new is None else question[:m.start()] + new + question[m.end():]


def _date(d: re.Match, years: int = 0, months: int = 0) -> str:
    """A date moved by whole years/months. The day is kept only at a month's end (calendar quarters
    end there every year); a retail 52-week year ends on another day each year, so the month and
    year are what a reader can rely on ("July 2022"), not a guessed day."""
    month, day, year = _MONTHS[d.group(1).lower().rstrip(".")], d.group(2), int(d.group(3))
    total = year * 12 + (month - 1) + months + 12 * years
    y, mo = divmod(total, 12)
    name = calendar.month_name[mo + 1]
    if day and int(day) == calendar.monthrange(year, month)[1]:
        return f"{name} {calendar.monthrange(y, mo + 1)[1]}, {y}"
    return f"{name} {y}"


def _years(span: str, n: int) -> str:
    def shift(m: re.Match) -> str:
        y = m.group(0)
        return str(int(y) + n) if len(y) == 4 else f"{(int(y) + n) % 100:02d}"

    return re.sub(r"(?<!\d)(?:(?:19|20)\d{2}|(?<=FY)\d{2}|(?<=FY )\d{2}|(?<=')\d{2})(?!\d)", shift, span)


def _prev_quarter(span: str) -> str | None:
    if _DATE.search(span):
        return _DATE.sub(lambda d: _date(d, months=-3), span)
    m = re.search(r"\b(first|second|third|fourth)\b", span, re.IGNORECASE)
    if m:
        i = _ORD.index(m.group(1).lower())
        new = span[:m.start()] + _ORD[i - 1] + span[m.end():]
        return _years(new, -1) if i == 0 else new
    q = re.search(r"Q([1-4])", span, re.IGNORECASE)
    if q:
        i = int(q.group(1))
        new = span[:q.start()] + f"Q{4 if i == 1 else i - 1}" + span[q.end():]
        return _years(new, -1) if i == 1 else new
    return None


def _months(span: str, n: int) -> str | None:
    word = {3: "three", 6: "six", 9: "nine", 12: "twelve"}[n]
    date = _DATE.search(span)
    if date:  # "the three months ended July 30, 2023" -> "the six months ended July 30, 2023"
        return f"the {word} months ended {date.group(0)}" if n != 12 else f"the year ended {date.group(0)}"
    m = re.search(r"(first|second|third|fourth)\s+(fiscal\s+)?(?:quarter|half)\s+(?:of\s+)?(.*)$", span, re.I)
    if m:
        year = m.group(3)
        if n == 6:
            return f"the first half of {year}"
        if n == 12:
            return year
        if n == 9:
            return f"the first nine months of {year}"
    return None


# -- pronouns and references ----------------------------------------------------------------------
def _topic(question: str) -> str:
    """What a question is about, as a noun phrase: "the steam engine" in "When was the steam engine
    invented?" and "Who invented the steam engine?"; "Data Center revenue for the three months ended
    July 30, 2023" in "What was Data Center revenue for ...?"."""
    q = re.sub(r"\s*\([^()]*\)", "", question).strip().rstrip("?. ")  # a topic put beside it earlier
    head = _WH.match(q)
    rest = q[head.end():] if head else q
    # "How much power did the reactor produce": the question's own noun comes before its verb
    aux = re.match(r"^(?:\S+\s+){0,6}?(is|are|was|were|do|does|did|has|have|had|will|would|can|could|should)\b\s*",
                   rest, re.IGNORECASE)
    if aux:
        rest = rest[aux.end():]
    elif head:  # "Who invented X": the word after the question word is the verb
        rest = re.sub(r"^\S+\s*", "", rest)
    # a comparison is about its subject: "How much faster is DistilBERT than BERT" is about DistilBERT
    # (what "Searching for:" shows reads right; conversations tune: two wrong answers changed, none gained)
    rest = re.sub(r"\s+than\s.*$", "", rest, flags=re.IGNORECASE)
    # the period it ends with stays at its end: "How much did X decrease in the second quarter of 2023"
    # is about "X in the second quarter of 2023", its verb is the word before the period
    period = re.search(rf"\s+(?:(?:in|for|during|over|of)\s+)?(?:{_PERIOD.pattern})$", rest, re.IGNORECASE)
    tail = rest[period.start():] if period and period.start() > 0 else ""
    rest = rest[:len(rest) - len(tail)]
    rest = re.sub(r"\s+(?:for|to|from|with|about|of|on|in|by|at)$", "", rest, flags=re.IGNORECASE)
    words = rest.split()
    if aux and aux.group(1).lower() in ("do", "does", "did") and len(words) > 1:
        words = words[:-1]  # "What does BERT stand for": after do/does/did the last word is the verb
    else:  # "When was the lighthouse first built": a participle (and its adverb) ends it
        if len(words) > 3 and words[-2] == "to" and _participle(words[-3]):
            words = words[:-2]  # "How long was the uprising planned to last": its verb is "planned to last"
        while len(words) > 1 and (_participle(words[-1]) or words[-1] in _ADVERBS):
            words = words[:-1]
    return " ".join(words) + tail


# adverbs that stand between a question's subject and its participle ("What was it mostly used for?")
_ADVERBS = frozenset("first last originally initially finally mostly mainly primarily largely chiefly usually "
                     "often commonly typically generally widely frequently also still already ever never "
                     "eventually later subsequently officially formally actually".split())


def _person(text: str) -> str:
    m = re.search(r"\b([A-Z][a-z]+(?:\s+(?:[A-Z]\.|[A-Z][a-z]+|de|van|von|da))*\s+[A-Z][a-z]+)\b", text)
    return m.group(1) if m else ""


def _references(body: str, previous: str, prev_answer: str) -> str:
    """Pronouns get what they stand for; "the increase" gets what increased."""
    topic = _topic(previous)
    out = body[:1].upper() + body[1:]
    change = _CHANGE.search(out)
    if change and topic:
        out = out[:change.end()] + f" in {_strip_article(topic)}" + out[change.end():]
    elif topic and (reason := _REASON.search(out)):  # "What was the main reason?" for what the question asked
        verb = re.search(r"\b(?:do|does|did)\b.*?\b(increase|decrease|rise|fall|decline|grow|drop|change|improve)\b",
                         previous, re.IGNORECASE)
        what = f"the {_CHANGE_NOUN.get(verb.group(1).lower(), verb.group(1).lower())} in " if verb else ""
        out = out[:reason.end()] + f" for {what}{_strip_article(topic)}" + out[reason.end():]
        change = reason
    person = _person(prev_answer.split(". ")[0]) or _person(previous[1:])
    plural = _plural(previous) or topic

    def sub(m: re.Match) -> str:
        w, noun = m.group(1).lower(), m.group(2)
        if w in ("he", "she", "him") and person:
            return person + (noun or "")
        if w in ("his", "her") and person:
            return f"{person}'s{noun or ''}"
        if w in ("it", "they", "them") and topic:
            return (topic if w == "it" else plural) + (noun or "")
        if w in ("its", "their") and topic:  # "What drove its growth?": the growth of the topic
            if not noun:
                return f"{topic}'s"
            rest = ""
            if len(noun.split()) > 1 and re.search(r"\b(?:do|does|did)\b", m.string[:m.start()], re.I) \
                    and not m.string[m.end():].strip(" ?.!"):
                # "How did its share price react?": after do/does/did the last word is the verb
                noun, rest = noun.rsplit(" ", 1)
                rest = " " + rest
            return f"the{noun} of {_strip_article(topic if w == 'its' else plural)}{rest}"
        return m.group(0)

    if not change:
        # a pronoun and the noun phrase after it, up to three words ("What are its main parts?" had read
        # "What are the main of ... parts?"; conversations tune half: no turn changed)
        out = re.sub(rf"\b(he|she|him|his|her|it|its|they|them|their)\b((?:\s+(?!{_NOT_NOUN}\b)[a-z][\w-]*){{1,3}})?",
                     sub, out, count=1, flags=re.I)
        if out == body[:1].upper() + body[1:] and re.search(r"\b(?:this|that|these|those)\b", out, re.I):
            if not _points_back(out):
                return out  # "on that dataset", "those symptoms": the question names what it asks about
            if topic:
                out = f"{out.rstrip(' ?')} ({topic})?"  # "Why did that happen?": the topic beside it
    if out.rstrip(" ?") == (body[:1].upper() + body[1:]).rstrip(" ?"):  # no rule fits: the topic beside it
        return f"{out.rstrip(' ?')}? ({previous.rstrip(' ?')})"
    return out


# Words that end the noun phrase after a pronoun.
_NOT_NOUN = r"(?:the|a|an|to|in|on|of|for|with|at|by|from|during|over|since|than|and|or|compared|versus|vs)"


def _points_back(question: str) -> bool:
    """Whether "this", "that", "these" or "those" stands for something said before ("How was that
    measured?", "What did that make possible?", "Why wasn't that enough?", "Is that true?") rather than
    pick out a thing the question names itself ("How long does training on that dataset take?", "What
    causes those symptoms?"): a named thing is searched by its own words, and the earlier topic beside
    it pulled the previous answer's sentence first (conversations tune half: fact first 0.636 -> 0.648)."""
    words = re.findall(r"[\w'-]+", question.lower())
    for i, w in enumerate(words):
        if w not in ("this", "that", "these", "those"):
            continue
        before, after = words[i - 1] if i else "", words[i + 1] if i + 1 < len(words) else ""
        if not after or after in _SAID or after in _POINTING or _participle(after) and after not in terms.STOP \
                or before in _DO_MODAL or before in _COPULA and i + 2 == len(words):
            return True
    return False


# Nouns that name something said, not a thing of their own: "Is this figure adjusted?" asks about the
# figure the last answer gave. (Conversations tune half: no turn changed.)
_SAID = frozenset("figure figures number numbers amount amounts value values result results estimate estimates "
                  "finding findings claim statement data one ones".split())
_POINTING = frozenset("the a an enough so too much all".split())  # "Was that the reason?", "Why wasn't that enough?"
_DO_MODAL = frozenset("do does did don't doesn't didn't will would can could should might may".split())
_COPULA = frozenset("is are was were isn't aren't wasn't weren't".split())


def _participle(w: str) -> bool:
    return bool(re.fullmatch(r"[a-z]+(?:ed|en)", w)) or terms.past_form(w)


def _plural(question: str) -> str:
    """The first plural common noun phrase of a question ("steam turbines"): what "they" stands for."""
    for a, b in _chunks(question):
        chunk = question[a:b]
        if re.search(r"[a-z]s$", chunk) and not chunk[:1].isupper() and not chunk.endswith("'s"):
            return chunk
    return ""


def _strip_article(text: str) -> str:
    return re.sub(r"^(?:the|a|an)\s+", "", text, flags=re.IGNORECASE)


def normalize_history(history) -> list[tuple[str, str]]:
    """Accept [(q, a)], [q] (questions only) or gradio-style [{'role', 'content'}] messages."""
    out: list[tuple[str, str]] = []
    pending_q = None
    for item in history or []:
        if isinstance(item, str):
            out.append((item, ""))
        elif isinstance(item, dict):
            role, content = item.get("role"), item.get("content")
            content = content if isinstance(content, str) else str(content or "")
            if role == "user":
                if pending_q is not None:
                    out.append((pending_q, ""))
                pending_q = content
            elif role == "assistant" and pending_q is not None:
                out.append((pending_q, content))
                pending_q = None
        else:
            q, a = item
            out.append((str(q or ""), str(a or "")))
    if pending_q is not None:
        out.append((pending_q, ""))
    return out
