"""Words for lexical matching: lower-cased, stop words removed, Porter/Snowball-stemmed (PyStemmer).

Small and dependency-light on purpose: used on every question and on a few dozen candidate
sentences per answer, so it must cost microseconds. Not here: BM25 (`rag.lexical`).
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

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


MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
          "october", "november", "december")  # lower case, in order: the one list of them


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace("\u2019", "'").lower()


def words(text: str) -> list[str]:
    return _WORD.findall(normalize(text))


# Irregular past forms the stemmer does not join to their verb, so "fell" matches "fall", "driven"
# matches "drove" and "drive": the 491 of LemmInflect's lemma table (`eval/build_irregular.py` writes
# the file, rag/models/irregular_verbs.md is its card; nouns too are left out, "crew" and "crews"
# alike). The first 60, written by hand, were measured on dev (eval.run --split dev, indexes rebuilt
# without them): hotpotqa facts 0.372 with them, 0.360 without, citation recall 0.901 / 0.890; squad2
# facts 0.653 / 0.651, answerable declined 0.064 / 0.072; covid_qa the same. With the table's (dev,
# lexical counts rebuilt): squad2 3 answers changed, citation precision 0.603 -> 0.604, the rest the
# same; covid_qa and hotpotqa no answer changed; the tune halves of the reports and conversations
# sets, no score changed (3 answers did). Leaving out its 24 nouns (but the 10 the hand list held)
# changed no answer of these.
IRREGULAR_PATH = Path(__file__).resolve().parent / "models" / "irregular_verbs.txt"


@lru_cache(maxsize=1)
def irregular() -> dict[str, str]:
    """Irregular past form -> its verb ("driven" -> "drive")."""
    lines = IRREGULAR_PATH.read_text().splitlines()
    return dict(line.split(":", 1) for line in lines if line and not line.startswith("#"))


# Bump when content_terms reads words otherwise: the word counts kept beside the BM25 index
# (`rag.lexical`) are rebuilt when they were counted under other rules.
RULES = 2


@lru_cache(maxsize=1)
def version() -> str:
    """What content_terms' output depends on besides the stemmer: RULES and the irregular forms' file."""
    import hashlib

    return f"{RULES}-{hashlib.sha1(IRREGULAR_PATH.read_bytes()).hexdigest()[:12]}"


def past_form(word: str) -> bool:
    """Whether `word` is an irregular past form ("built", "held"): a verb without -ed."""
    return word in irregular()


def content_terms(text: str) -> list[str]:
    """Stemmed content words, in order, duplicates kept."""
    base = irregular()
    ws = [base.get(w, w) for w in words(text) if w not in STOP and (len(w) > 1 or w.isdigit())]
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
EDGE = ".,;:!?\"'“”‘’()[]"  # punctuation around a name in running text


def title_name(title: str) -> str:
    """How running text names a document by its title: without a disambiguation in brackets ("Claire
    Fraser (character)" -> "Claire Fraser"); "" unless it reads as a name (a capital letter, four
    characters or more, at most TITLE_WORDS words)."""
    t = title.strip()
    if t.endswith(")") and "(" in t:
        t = t[:t.rindex("(")].strip()
    t = t.strip(EDGE)
    return t if len(t) >= 4 and any(ch.isupper() for ch in t) and len(t.split()) <= TITLE_WORDS else ""


def phrases_in(text: str, wanted) -> list[str]:
    """The phrases of `wanted` (a set or mapping of phrases, as written) that `text` holds as whole
    words, case and all, in order of appearance (looked up by word n-grams, so it costs microseconds)."""
    words = text.split()
    out: list[str] = []
    for i in range(len(words)):
        for n in range(1, min(TITLE_WORDS, len(words) - i) + 1):
            phrase = " ".join(words[i:i + n]).strip(EDGE)
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
