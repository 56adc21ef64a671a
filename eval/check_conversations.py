"""Check the hand-written conversation dev set, eval/conversations.jsonl.

    python -m eval.check_conversations                      # reads the documents with rag.read_document
    python -m eval.check_conversations --cache /tmp/convtexts   # ... and keeps their text there as <name>.txt

Verifies: valid JSON, required fields, known kinds, a "resolved" question on every non-first turn
(equal to "q" on a switch), each evidence quote a substring of its document's text (verbatim, line breaks
included, as eval.conversations locates it; a quote found only after collapsing whitespace is reported
as such) and each fact
alternative inside its quote (both after collapsing whitespace; a fact with digits must match whole
numbers, ignoring "$", thousands commas and a space before "%"; "9.6 billion" also matches "9,583").
Prints counts per kind and per document group; exits 1 on any error.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "datasets"
DOC_DIRS = {"financebench": SHARED / "financebench" / "pdfs", "aragog": SHARED / "aragog" / "papers",
            "squad2": ROOT / "eval" / ".cache" / "data" / "squad2" / "docs"}
KINDS = ("standalone", "pronoun", "ellipsis", "period", "reference", "switch")


def norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def numform(s: str) -> str:
    """Lower-case, without "$", thousands commas or a space before "%": "$ 1,015 %" -> "1015%"."""
    s = re.sub(r"(?<=\d),(?=\d{3})", "", norm(s).lower().replace("$", ""))
    return norm(re.sub(r"\s+%", "%", s))


def fact_in(fact: str, quote: str) -> bool:
    """Prose: a case-insensitive substring. With digits: a whole number ("2.3" is not in "22.3"), or
    "X billion" where the quote has the amount in millions ("9.6 billion" for "$ 9,583")."""
    if not re.search(r"\d", fact):
        return norm(fact).lower() in norm(quote).lower()
    if re.search(r"(?<![\w.])" + re.escape(numform(fact)) + r"(?!\w)", numform(quote)):
        return True
    bn = re.fullmatch(r"\$?(\d+)\.(\d) billion", fact.strip())
    millions = [int(m.replace(",", "")) for m in re.findall(r"(?<![\d.])(\d{1,3}(?:,\d{3})+)(?![\d.])", quote)]
    return bool(bn) and any(f"{m / 1000:.1f}" == f"{bn[1]}.{bn[2]}" for m in millions)


def group_of(name: str) -> str:
    for group, folder in DOC_DIRS.items():
        if (folder / name).exists():
            return group
    raise SystemExit(f"document not found in {', '.join(map(str, DOC_DIRS.values()))}: {name}")


def doc_text(name: str, cache: Path | None) -> str:
    cached = cache / f"{name}.txt" if cache else None
    if cached and cached.exists():
        return cached.read_text(encoding="utf-8")
    from rag import read_document

    text = read_document(DOC_DIRS[group_of(name)] / name).text
    if cached:
        cache.mkdir(parents=True, exist_ok=True)
        cached.write_text(text, encoding="utf-8")
    return text


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--file", type=Path, default=ROOT / "eval" / "conversations.jsonl")
    ap.add_argument("--cache", type=Path, help="folder for the documents' text (<name>.txt), read or written")
    args = ap.parse_args(argv)

    errors: list[str] = []
    convs = []
    for n, line in enumerate(args.file.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            convs.append((n, json.loads(line)))
        except json.JSONDecodeError as e:
            errors.append(f"line {n}: invalid JSON ({e})")

    texts: dict[str, str] = {}
    flat: dict[str, str] = {}
    kinds, groups, ids = Counter(), Counter(), Counter()
    by_group: dict[str, Counter] = {}
    for n, c in convs:
        where = f"line {n} ({c.get('id', '?')})"
        if not isinstance(c.get("id"), str) or not c.get("docs") or not c.get("turns"):
            errors.append(f"{where}: needs id, docs and turns")
            continue
        ids[c["id"]] += 1
        for i, t in enumerate(c["turns"]):
            at = f"{where} turn {i + 1}"
            kind, ev, facts = t.get("kind"), t.get("evidence") or {}, t.get("fact")
            if kind not in KINDS:
                errors.append(f"{at}: unknown kind {kind!r}")
            if i == 0 and kind != "standalone":
                errors.append(f"{at}: the first turn must be standalone")
            if not isinstance(t.get("q"), str) or not t["q"].strip():
                errors.append(f"{at}: no q")
            if i > 0 and not (t.get("resolved") or "").strip():
                errors.append(f"{at}: a follow-up needs 'resolved'")
            if kind == "switch" and t.get("resolved") != t.get("q"):
                errors.append(f"{at}: a switch's resolved must equal q")
            kinds[kind] += 1
            if not isinstance(facts, list) or not facts or not all(isinstance(f, str) and f.strip() for f in facts):
                errors.append(f"{at}: fact must be a non-empty list of strings")
                facts = []
            src, quote = ev.get("source"), ev.get("quote")
            if not src or not isinstance(quote, str) or not quote.strip():
                errors.append(f"{at}: evidence needs source and quote")
                continue
            if src not in c["docs"]:
                errors.append(f"{at}: evidence source {src} not in docs")
            if len(quote) > 300:
                errors.append(f"{at}: quote longer than 300 characters")
            if src not in texts:
                texts[src] = doc_text(src, args.cache)
                flat[src] = norm(texts[src])
            if quote.strip() not in texts[src]:
                found = norm(quote) in flat[src]
                errors.append(f"{at}: quote {'only matches after collapsing whitespace' if found else 'not found'} "
                              f"in {src}: {norm(quote)[:80]!r}")
            for f in facts:
                if not fact_in(f, quote):
                    errors.append(f"{at}: fact {f!r} not in its quote")
            by_group.setdefault(group_of(src), Counter())[kind] += 1
        groups["+".join(sorted({group_of(d) for d in c["docs"]}))] += 1
    errors += [f"duplicate id {i}" for i, k in ids.items() if k > 1]

    follow = sum(kinds.values()) - len(convs)
    print(f"{len(convs)} conversations, {sum(kinds.values())} turns, {follow} follow-up turns")
    print("turns per kind:  " + ", ".join(f"{k} {kinds[k]}" for k in KINDS))
    print("conversations per document group: " + ", ".join(f"{g} {v}" for g, v in sorted(groups.items())))
    for g, k in sorted(by_group.items()):
        print(f"turns with evidence in {g}: {sum(k.values())} (" + ", ".join(f"{x} {k[x]}" for x in KINDS) + ")")
    for e in errors:
        print("ERROR", e)
    print("OK" if not errors else f"{len(errors)} errors")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
