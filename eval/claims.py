"""Claim support threshold (rag.verify.SUPPORT_MIN) on dev data: the hand-written claims of
`eval/claims.jsonl` about the conversations documents (financebench filings, aragog papers, squad2
articles; never the seed documents), each labelled supported or not, with its kind.

    python -m eval.claims [--out eval/results/claims.json]

Per claim, as `test_support_threshold_separates_examples` scores it: the best `best_support(...)`
(dense + 0.5 * lex) over the sentences of the top 5 passages retrieved for the claim's question (the
verifier itself looks only at the passages the LLM cites, so this is its most lenient case). Also
recorded: whether the evidence quote was among those passages, and the verifier's figure and name
rules. Claims are split into halves by sha1 of the id (as eval.conversations does).
SUPPORT_MIN is chosen on `tune` as the highest threshold that accepts at least 90% of the claims the
passages support (supported, with the evidence among them), the operating point the abstainer uses
for answerable questions, and reported on `held` beside the value rag.verify has. (Balanced accuracy over
all kinds was tried first: it picked 1.22, rejecting most paraphrases, because claims with a name
swapped or a negation added score like paraphrases, medians 1.15 and 0.94, so no threshold tells
them apart; they need another check.) Uses the cached index of eval.conversations as it is and
stops, rather than re-indexing, when that index is missing or out of date.
"""
from __future__ import annotations

import argparse
import json
import math
import statistics
from pathlib import Path

from .conversations import CACHE, half, locate
from .datasets import ROOT
from .run import git_state, write

SET = ROOT / "eval" / "claims.jsonl"
OUT = ROOT / "eval" / "results" / "claims.json"
DOCS, INDEX = CACHE / "docs", CACHE / "index"


def load() -> list[dict]:
    claims = [json.loads(line) for line in SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    from rag import read_document

    texts = {}
    for c in claims:  # evidence must be the document's text, as read, verbatim
        if c["source"] not in texts:
            texts[c["source"]] = read_document(DOCS / c["source"]).text
        if c["evidence"] not in texts[c["source"]]:
            raise SystemExit(f"{c['id']}: evidence is not a substring of {c['source']} as read")
    return claims


def fresh(a) -> str | None:
    """Why the cached index cannot be used as it is (None: it can). Checked first so that opening it
    never triggers an ingest or a lexical rebuild (Assistant does either on a stale index)."""
    from rag.ingest import file_sha, scan
    from rag.lexical import LexicalIndex

    if a.store.state() != "ok":
        return f"index state {a.store.state()!r}"
    manifest = a.store.manifest()
    files, _ = scan(DOCS)
    stale = [f.source for f in files if f.source not in manifest or manifest[f.source].sha != file_sha(f.path)]
    if stale or set(manifest) - {f.source for f in files}:
        return f"index out of date: {stale or sorted(set(manifest) - {f.source for f in files})}"
    lex = LexicalIndex.load(INDEX / "lexical")
    if lex is None or lex.generation != a.store.generation(fast=True):
        return "lexical index out of date"
    return None


def score(claims: list[dict]) -> list[dict]:
    from rag import Assistant
    from rag.verify import best_support, figures_cited, names_cited, passage_sentences

    a = Assistant(docs_dir=DOCS, index_dir=INDEX)
    why = fresh(a)
    if why:
        raise SystemExit(f"{why}: run `python -m eval.conversations` to rebuild it first")
    vecs = a.embedder.embed([c["claim"] for c in claims])
    texts = {src: a.source_text(src) for src in {c["source"] for c in claims}}
    rows = []
    for c, vec in zip(claims, vecs):
        _, cands, _ = a._search(c["question"], 5)
        sents = [passage_sentences(x, a.store) for x in cands]
        best, where = max(((s, x) for s, x in ((best_support(c["claim"], vec, ss), x) for ss, x in zip(sents, cands)) if s),
                          key=lambda sx: sx[0].score)
        # was the evidence among the passages at all? (a low score then is retrieval's doing, not the threshold's)
        ev = locate(texts[c["source"]], c["evidence"])

        def on_evidence(r) -> bool:
            m = r.span
            return m.source == c["source"] and any(m.start < hi and lo < m.end for lo, hi in ev)
        # the verifier's other rule: every figure of the claim must be in the supporting sentence
        figures_ok = figures_cited(c["claim"], [best.record])
        rows.append({"id": c["id"], "half": half(c["id"]), "kind": c["kind"], "supported": c["supported"],
                     "source": c["source"], "score": round(best.score, 4), "dense": round(best.dense, 4),
                     "lex": round(best.lex, 4), "figures_ok": figures_ok, "names_ok": names_cited(c["claim"], [where]),
                     "evidence_retrieved": any(on_evidence(r) for ss in sents for r in ss), "best_on_evidence": on_evidence(best.record),
                     "best_source": best.record.meta.get("source"), "best_sentence": best.record.text})
    return rows


MAX_REJECTED = 0.10  # of the claims the passages support: the abstainer's operating point (rag/models/relevance.md)


def holds(r: dict) -> bool:
    """The claim is supported and its evidence was among the passages: the verifier should accept it.
    A supported claim whose evidence was not retrieved has no support there, and rejecting it is right."""
    return r["supported"] and r["evidence_retrieved"]


def accepts(r: dict, t: float, dense_min: float) -> bool:
    """As `rag.verify` decides: score, dense floor, every figure of the claim in the sentence, and every
    name of it in the passage."""
    return r["score"] >= t and r["dense"] >= dense_min and r["figures_ok"] and r["names_ok"]


def rates(rows: list[dict], t: float, dense_min: float) -> dict:
    good = [r for r in rows if holds(r)]
    bad = [r for r in rows if not holds(r)]
    kinds = {}
    for r in bad:  # what each kind of claim the passages do not support gets: share rejected
        kinds.setdefault(r["kind"] if not r["supported"] else "supported, evidence not retrieved", []).append(
            not accepts(r, t, dense_min))
    return {"threshold": round(t, 4), "n_holds": len(good), "holds_accepted": round(sum(accepts(r, t, dense_min) for r in good) / len(good), 3),
            "n_other": len(bad), "others_rejected": round(sum(not accepts(r, t, dense_min) for r in bad) / len(bad), 3),
            "rejected_by_kind": {k: {"n": len(v), "rejected": round(sum(v) / len(v), 3)} for k, v in sorted(kinds.items())}}


def choose(rows: list[dict], dense_min: float) -> float:
    """The highest threshold that still accepts >= 1 - MAX_REJECTED of the claims that hold: halfway
    between that claim's score and the next lower score, so the threshold sits in a gap."""
    good = sorted(r["score"] for r in rows if holds(r) and r["dense"] >= dense_min and r["figures_ok"] and r["names_ok"])
    n = sum(holds(r) for r in rows)
    k = n - math.ceil((1 - MAX_REJECTED) * n) - (n - len(good))  # more that may be rejected (the rest fail anyway)
    if not good:
        return 0.0
    top = good[min(max(k, 0), len(good) - 1)]  # the lowest score still accepted
    below = max((r["score"] for r in rows if r["score"] < top), default=top - 0.02)
    return (top + below) / 2


def spread(rows: list[dict]) -> dict:
    s = [r["score"] for r in rows]
    return {"n": len(s), "min": round(min(s), 3), "median": round(statistics.median(s), 3), "max": round(max(s), 3)} if s else {}


def table(res: dict) -> str:
    ch, cur = res["held"]["chosen"], res["held"]["current"]
    lines = [f"SUPPORT_MIN chosen on the tune half ({res['tune_n']} claims): {res['chosen']}, the highest accepting "
             f"≥ {1 - MAX_REJECTED:.0%} of its claims the passages support; held half ({res['held_n']} claims), "
             f"DENSE_MIN {res['dense_min']}, the figure and name rules as in rag.verify", "",
             f"| held | n | chosen {ch['threshold']} | rag.verify's {cur['threshold']} |", "|---|---|---|---|",
             f"| supported, evidence retrieved: accepted | {ch['n_holds']} | {ch['holds_accepted']} | {cur['holds_accepted']} |",
             f"| all others: rejected | {ch['n_other']} | {ch['others_rejected']} | {cur['others_rejected']} |"]
    for k, v in ch["rejected_by_kind"].items():
        lines.append(f"| {k}: rejected | {v['n']} | {v['rejected']} | {cur['rejected_by_kind'][k]['rejected']} |")
    lines += ["", "scores (all claims, min/median/max): " + "; ".join(f"{k} {v['min']}/{v['median']}/{v['max']} (n {v['n']})"
                                                                    for k, v in res["scores"].items() if v),
              f"evidence among the top-5 passages for {res['evidence_retrieved']} of {res['claims']} claims"]
    return "\n".join(lines)


def run(out: Path | None) -> dict:
    from rag.verify import DENSE_MIN, SUPPORT_MIN

    rows = score(load())
    tune = [r for r in rows if r["half"] == "tune"]
    held = [r for r in rows if r["half"] == "held"]
    t = choose(tune, DENSE_MIN)
    res = {"claims": len(rows), "tune_n": len(tune), "held_n": len(held), "dense_min": DENSE_MIN,
           "max_rejected": MAX_REJECTED, "current": SUPPORT_MIN, "chosen": round(t, 3),
           "tune": {"chosen": rates(tune, t, DENSE_MIN), "current": rates(tune, SUPPORT_MIN, DENSE_MIN)},
           "held": {"chosen": rates(held, t, DENSE_MIN), "current": rates(held, SUPPORT_MIN, DENSE_MIN)},
           "scores": {"supported, evidence retrieved": spread([r for r in rows if holds(r)]),
                      "supported, evidence not retrieved": spread([r for r in rows if r["supported"] and not holds(r)]),
                      **{k: spread([r for r in rows if r["kind"] == k]) for k in sorted({r["kind"] for r in rows})}},
           "evidence_retrieved": sum(r["evidence_retrieved"] for r in rows),
           "git": git_state()}
    print(table(res))
    if out:
        write({**res, "rows": rows}, out)
    return res


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.claims", description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default=str(OUT.relative_to(ROOT)), help="write the numbers as JSON")
    args = p.parse_args(argv)
    run(Path(args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
