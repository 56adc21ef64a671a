"""Write rag/models/irregular_verbs.txt: the irregular past forms of English verbs whose Snowball stem
is not their base form's ("drove", "driven" -> "drive"; "fell" -> "fall"), so rag.terms reads them as
the verb they are a form of. From LemmInflect's lemma table (MIT licence, github.com/bjascob/LemmInflect):
each lower-case, alphabetic word its table gives as a verb form, kept when its verb's inflections list
it as a past tense or past participle (VBD, VBN) and stemming does not already join the two. A form
that is also a noun is left out ("crew", "ground", "shot"): read as the verb, the singular would part
from its plural, which stems as the noun ("crew" -> "crow", "crews" -> "crew"); kept are the ones the
hand-written list of 60 that this replaced held, measured on dev with it ("fell", "drove", "saw").

    pip install lemminflect && python -m eval.build_irregular
"""
from __future__ import annotations

import gzip
import os
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "rag" / "models" / "irregular_verbs.txt"
# the forms of the hand-written list this replaced that are nouns too (measured on dev with it: rag.terms)
MEASURED_NOUNS = frozenset("fell fallen rose drove saw bore left thought felt known".split())


def build() -> dict[str, str]:
    import lemminflect
    import Stemmer
    from lemminflect import getAllInflections, getAllLemmas

    stem = Stemmer.Stemmer("english").stemWord
    table = os.path.join(os.path.dirname(lemminflect.__file__), "resources", "lemma_lu.csv.gz")
    forms: dict[str, str] = {}
    with gzip.open(table, "rt") as f:
        for line in f:
            word, pos, lemma = line.rstrip("\n").split(",", 2)
            lemma = lemma.split("/")[0]
            if pos != "verb" or not (word.isalpha() and word.islower() and lemma.isalpha()) or word in forms:
                continue
            infl = getAllInflections(lemma, upos="VERB")
            if word in set(infl.get("VBD", ())) | set(infl.get("VBN", ())) and stem(word) != stem(lemma) \
                    and ("NOUN" not in getAllLemmas(word) or word in MEASURED_NOUNS):
                forms[word] = lemma
    return dict(sorted(forms.items()))


def main() -> None:
    forms = build()
    head = ("# Irregular past forms of English verbs -> the verb (form:base, one per line), from LemmInflect's\n"
            "# lemma table (MIT licence). Rebuild: pip install lemminflect && python -m eval.build_irregular\n")
    OUT.write_text(head + "".join(f"{w}:{b}\n" for w, b in forms.items()))
    print(f"wrote {len(forms)} forms to {OUT}")


if __name__ == "__main__":
    main()
