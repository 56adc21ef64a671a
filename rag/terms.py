"""Words for lexical matching: lower-cased, stop words removed, Porter/Snowball-stemmed (PyStemmer).

Small and dependency-light on purpose: used on every question and on a few dozen candidate
sentences per answer, so it must cost microseconds. Not here: BM25 (`rag.lexical`).
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_WORD = re.compile(r"[^\W_]+(?:[.'’-][^\W_]+)*", re.UNICODE)
STOP = frozenset("""
a an the and or but if then else of to in on at by for from with without about into onto over under
as is are was were be been being am do does did done doing have has had having can could will would
shall should might must it its it's this that these those there here which who whom whose what
when where why how i me my we our you your he him his she her they them their not no nor so than too
very just also any some each every all both more most other such only own same s t don't may much many
""".split())  # function words only: no word was added or removed for particular questions
_NUMBER_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())}
_ORDINALS = {w: i + 1 for i, w in enumerate(
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth".split())}


@lru_cache(maxsize=1)
def stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace("\u2019", "'").lower()


def words(text: str) -> list[str]:
    return _WORD.findall(normalize(text))


# Irregular past forms the stemmer leaves alone, so "fell" matches "fall" and "won" matches "win".
# Measured on dev (eval.run --split dev, indexes rebuilt without it): hotpotqa facts 0.372 with it,
# 0.360 without, citation recall 0.901 / 0.890; squad2 facts 0.653 / 0.651, answerable declined
# 0.064 / 0.072; covid_qa the same either way.
_IRREGULAR = dict(pair.split(":") for pair in """
fell:fall fallen:fall rose:rise risen:rise won:win grew:grow grown:grow paid:pay made:make took:take taken:take
gave:give began:begin begun:begin came:come went:go gone:go left:leave lost:lose led:lead met:meet sold:sell
bought:buy brought:bring built:build held:hold kept:keep knew:know known:know saw:see seen:see spent:spend
stood:stand thought:think told:tell wrote:write written:write chose:choose chosen:choose drove:drive
found:find got:get hit:hit cut:cut set:set put:put ran:run shut:shut struck:strike sought:seek taught:teach
fought:fight felt:feel meant:mean sent:send lent:lend bore:bear borne:bear drew:draw drawn:draw flew:fly
""".split())
PAST_FORMS = frozenset(_IRREGULAR)  # "built", "held": past forms without -ed, for telling verbs apart


def content_terms(text: str) -> list[str]:
    """Stemmed content words, in order, duplicates kept."""
    ws = [_IRREGULAR.get(w, w) for w in words(text) if w not in STOP and (len(w) > 1 or w.isdigit())]
    return stemmer().stemWords(ws)


# Words that ask for a cause ("What drove the decrease?", "the main reason for ..."): such a question
# is answered by a sentence that explains, never by a figure, and is not continued by "And X?".
ASKS_CAUSE = re.compile(r"\b(?:drove|drive[sn]?|drivers?|caused?|causes|reasons?|factors?|explains?|led\s+to|"
                        r"due\s+to|because)\b", re.IGNORECASE)


# A capitalised word that does not start the sentence, or an acronym: a name, roughly.
NAME = re.compile(r"(?<=[\w,;:] )[A-Z][\w'’-]*[a-z]\w*|\b[A-Z]{2,}\b")


def names(text: str) -> list[str]:
    """The names in `text` (NAME), without a possessive 's ("Albania's" -> "Albania")."""
    return [re.sub(r"['’]s$", "", n) for n in NAME.findall(text)]


TITLE_WORDS = 6  # longest document title looked for in running text, in words
_EDGE = ".,;:!?\"'“”‘’()[]"  # punctuation around a name in running text


def title_name(title: str) -> str:
    """How running text names a document by its title: without a disambiguation in brackets ("Claire
    Fraser (character)" -> "Claire Fraser"); "" unless it reads as a name (a capital letter, four
    characters or more, at most TITLE_WORDS words)."""
    t = title.strip()
    if t.endswith(")") and "(" in t:
        t = t[:t.rindex("(")].strip()
    t = t.strip(_EDGE)
    return t if len(t) >= 4 and any(ch.isupper() for ch in t) and len(t.split()) <= TITLE_WORDS else ""


def phrases_in(text: str, wanted) -> list[str]:
    """The phrases of `wanted` (a set or mapping of phrases, as written) that `text` holds as whole
    words, case and all, in order of appearance (looked up by word n-grams, so it costs microseconds)."""
    words = text.split()
    out: list[str] = []
    for i in range(len(words)):
        for n in range(1, min(TITLE_WORDS, len(words) - i) + 1):
            phrase = " ".join(words[i:i + n]).strip(_EDGE)
            if phrase in wanted and phrase not in out:
                out.append(phrase)
    return out


def numbers(text: str, small_words: bool = True) -> set[str]:
    """Quantities mentioned: digits ('24%', '8.6') and number words ('six', 'fifth' -> '6', '5').
    small_words=False leaves out 'one', 'two', 'first', 'second', which are mostly not quantities
    ("the two nations", "first quarter"). The answerer's has-a-number feature reads it so; dev
    (eval.run --split dev) with them counted: hotpotqa facts 0.372 -> 0.360, squad2 answerable
    declined 0.064 -> 0.067, covid_qa citation precision 0.410 -> 0.411."""
    out = set(re.findall(r"\d+(?:[.,]\d+)*", text))
    for w in words(text):
        n = _NUMBER_WORDS.get(w, _ORDINALS.get(w))
        if n is not None and (small_words or n > 2):
            out.add(str(n))
    return out
