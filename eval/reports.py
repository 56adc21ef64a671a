"""Figures from financial reports: evidence page found, the figure (with unit and period) in the
answer, declined, and table-of-contents lines cited, for us and the llama-index reference.

    python -m eval.reports [--half tune|held|all] [--no-reference] [--out eval/results/reports.json]

Data (both dev data: settings are chosen on the `tune` half, numbers are reported on `held`):
  financebench  the 40 questions of `../shared/datasets/financebench` whose filing ships as a PDF
                (gold: the evidence page; their answers are mostly computed or prose, so only the
                page, declines and contents lines are scored);
  figures       `eval/figures.jsonl`, figure look-ups written by hand from the same 15
                filings: value as printed, unit, period, page, verbatim quote.
A question's half is fixed by a hash of its id. The 15 PDFs are copied into eval/.cache/reports/docs.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import sys
import time
from pathlib import Path

from .datasets import CACHE, ROOT, SHARED

FINANCEBENCH = SHARED / "datasets" / "financebench"
FIGURES = ROOT / "eval" / "figures.jsonl"
WORK = CACHE / "reports"
K = 5
# A contents page, told apart without our reader's rules (the metric must be able to disagree with
# them): many lines that end in a page number after words, e.g. "Item 7. Management's Discussion 23".
# Statement rows end in numbers too; contents lines carry no other figure, and their page numbers climb.
_TOC_LINE = re.compile(r"^(?=(?:.*[A-Za-z]{3}){2})([^$%\d]*(?:\d{1,2}[A-Z]?\.?\s)?[^$%\d]*?)[\s.·…]+(\d{1,3})\s*$")
_NUMBER = re.compile(r"\(?-?\$?\s?\d[\d,]*(?:\.\d+)?\)?%?")
_UNIT_WORDS = {"usd millions": ("million",), "usd billions": ("billion",), "usd thousands": ("thousand",),
               "percent": ("%", "percent"), "usd per share": ("per share", "$")}


def half_of(qid: str) -> str:
    return "tune" if int(hashlib.sha1(qid.encode()).hexdigest(), 16) % 2 == 0 else "held"


def docs_folder() -> Path:
    docs = WORK / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    for pdf in sorted((FINANCEBENCH / "pdfs").glob("*.pdf")):
        if not (docs / pdf.name).exists():
            shutil.copyfile(pdf, docs / pdf.name)
    return docs


def page_texts(docs: Path) -> dict[str, list[str]]:
    """Each PDF's pages as pdfium reads them (the same library the hand-written quotes were checked with)."""
    import pypdfium2 as pdfium

    out = {}
    for pdf in sorted(docs.glob("*.pdf")):
        doc = pdfium.PdfDocument(str(pdf))
        out[pdf.name] = [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
        doc.close()
    return out


def contents_pages(pages: dict[str, list[str]]) -> set[tuple[str, int]]:
    """(file, 1-based page) of pages that are mostly lines ending in a page number."""
    out = set()
    for name, texts in pages.items():
        for i, t in enumerate(texts, 1):
            lines = [x.strip() for x in re.split(r"[\r\n]+", t) if x.strip()]
            nums = [int(m.group(2)) for m in map(_TOC_LINE.match, lines) if m]
            climbing = sum(b >= a for a, b in zip(nums, nums[1:]))
            if len(nums) >= 8 and len(nums) >= 0.3 * len(lines) and climbing >= 0.7 * (len(nums) - 1):
                out.add((name, i))
    return out


def questions(pages: dict[str, list[str]]) -> list[dict]:
    items = []
    for line in (FINANCEBENCH / "financebench_open_source.jsonl").read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        name = r["doc_name"] + ".pdf"
        if name not in pages:
            continue
        # evidence_page_num is 0-based (checked: the evidence text is on that page of the PDF)
        gold = sorted({e["evidence_page_num"] + 1 for e in r["evidence"]})
        items.append({"id": r["financebench_id"], "set": "financebench", "doc": name, "question": r["question"],
                      "pages": gold})
    if FIGURES.exists():
        for line in FIGURES.read_text(encoding="utf-8").splitlines():
            if line.strip():
                r = json.loads(line)
                items.append({**r, "set": "figures", "pages": [r["page"]]})
    for it in items:
        it["half"] = half_of(it["id"])
    return items


def _squash(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip().lower()


def value_in(answer: str, value: str) -> bool:
    """The printed figure, as a whole number in the answer: "9,583" matches "$9,583 million", not "19,583"."""
    v = re.escape(value.strip().strip("()$%").replace(" ", ""))
    return re.search(rf"(?<![\d.,]){v}(?![\d]|[.,]\d)", answer.replace("$ ", "$")) is not None


_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9}


def scaled_in(answer: str, value: str, unit: str) -> bool:
    """The figure stated at another scale: "$2,729,388 thousand" for 2,729.4 (USD millions), within the
    rounding of the printed figure (a rounded "$9.6 billion" is not the printed 9,583 million)."""
    scale = next((v for k, v in _SCALES.items() if k in unit.lower()), None)
    num = value.strip().strip("()$%").replace(",", "").replace(" ", "")
    if scale is None or not re.fullmatch(r"\d+(?:\.\d+)?", num):
        return False
    decimals = len(num.partition(".")[2])
    gold, tol = float(num) * scale, 0.5 * 10 ** -decimals * scale
    for m in re.finditer(r"(?<![\d.,])(\d[\d,]*(?:\.\d+)?)\s*(thousand|million|billion)s?\b", answer, re.I):
        if _SCALES[m.group(2).lower()] != scale and \
                abs(float(m.group(1).replace(",", "")) * _SCALES[m.group(2).lower()] - gold) <= tol:
            return True
    return False


def unit_in(answer: str, unit: str) -> bool:
    words = _UNIT_WORDS.get(unit.strip().lower())
    return True if not words else any(w in answer.lower() for w in words)


def period_in(answer: str, period: str) -> bool:
    """The period's year, and its month and day where it names them, and its length where it says one
    ("three months", "six months", "fiscal year")."""
    a, p = _squash(answer), _squash(period)
    need = re.findall(r"\b(?:19|20)\d\d\b", p)
    need += re.findall(r"\b(?:january|february|march|april|may|june|july|august|september|october|november|"
                       r"december)\b", p)
    need += re.findall(r"\b(?:three|six|nine|twelve) months\b", p)
    return bool(need) and all(n in a for n in need)


def contents_cited(cites, toc: set[tuple[str, int]]) -> int:
    return sum(1 for src, page in cites if (src, page) in toc)


class Ours:
    name = "ours"

    def __init__(self, docs: Path):
        from rag import Assistant

        self.a = Assistant(docs_dir=docs, index_dir=WORK / "index" / "ours")

    def ingest(self) -> float:
        t = time.perf_counter()
        self.a.ingest(progress=False)
        return time.perf_counter() - t

    def ask(self, q: str):
        ans = self.a.ask(q, k=K)
        return (ans.text, ans.abstained, [(h.source, h.page) for h in ans.hits[:K]],
                [(c.source, c.page) for c in ans.citations])


class Reference:
    name = "reference"

    def __init__(self, docs: Path):
        from .reference import Reference as Ref

        self.r = Ref(docs, WORK / "index" / "reference")

    def ingest(self) -> float:
        return self.r.ingest()["seconds"]

    def ask(self, q: str):
        hits = self.r.retrieve(q, k=K)
        pages = [(h.source, h.page) for h in hits]
        return (hits[0].text if hits else ""), not hits, pages, pages[:1]


# --synonyms: a figure question asked by another name of its line item, as a user may word it for a
# filing that says the other ("revenue" of a statement that says "Total net sales"). The first name
# found (longest first) is swapped; questions naming none are left out.
_PARAPHRASE = (("total net sales", "revenue"), ("net sales", "revenue"), ("total revenues", "net sales"),
               ("revenues", "net sales"), ("revenue", "net sales"), ("net earnings", "net income"),
               ("net income", "net earnings"))


def paraphrased(items: list[dict]) -> list[dict]:
    out = []
    for it in items:
        if it["set"] != "figures":
            continue
        for name, other in _PARAPHRASE:
            m = re.search(rf"\b{name}\b", it["question"], re.I)
            if m:
                q = it["question"][:m.start()] + other + it["question"][m.end():]
                out.append({**it, "question": q, "id": it["id"] + "-syn"})
                break
    return out


# --instructions: a figure question with a sentence on how to answer it after it, as people type them
# to a chat assistant (written here, one per question in turn); an extractive answer cannot follow
# them, and they must not change which figure is found (`rag.directives`).
_INSTRUCTIONS = ("Please keep the answer short.", "Answer in one sentence and cite the page.",
                 "If the filing does not report it, say so.", "Use only the financial statements.",
                 "Show the figure with its unit.", "Explain your reasoning.")


def instructed(items: list[dict]) -> list[dict]:
    figs = [it for it in items if it["set"] == "figures"]
    return [{**it, "question": f"{it['question']} {_INSTRUCTIONS[i % len(_INSTRUCTIONS)]}", "id": it["id"] + "-ins"}
            for i, it in enumerate(figs)]


def score(system, items: list[dict], toc: set[tuple[str, int]]) -> tuple[dict, list[dict]]:
    ingest_s = system.ingest()
    recs = []
    for it in items:
        t = time.perf_counter()
        text, declined, hits, cites = system.ask(it["question"])
        ms = (time.perf_counter() - t) * 1000
        rec = {"id": it["id"], "set": it["set"], "half": it["half"], "declined": declined, "ms": round(ms, 1),
               "page_at_5": any(src == it["doc"] and p in it["pages"] for src, p in hits),
               "contents_cited": contents_cited(cites, toc), "answer": text[:400]}
        if it["set"] == "figures":
            scaled = scaled_in(text, it["value"], it["unit"])
            rec["value"] = value_in(text, it["value"]) or scaled
            rec["value_unit_period"] = rec["value"] and (unit_in(text, it["unit"]) or scaled) \
                and period_in(text, it["period"])
        recs.append(rec)
    return {"ingest_s": round(ingest_s, 1)}, recs


def summary(recs: list[dict]) -> dict:
    out = {}
    for name in ("financebench", "figures", "all"):
        rs = [r for r in recs if name in ("all", r["set"])]
        if not rs:
            continue
        m = {"n": len(rs), "page@5": sum(r["page_at_5"] for r in rs) / len(rs),
             "declined": sum(r["declined"] for r in rs) / len(rs),
             "contents_lines_cited": sum(r["contents_cited"] for r in rs)}
        figs = [r for r in rs if "value" in r]
        if figs:
            m["figure_in_answer"] = sum(r["value"] for r in figs) / len(figs)
            m["value_unit_period"] = sum(r["value_unit_period"] for r in figs) / len(figs)
        out[name] = m
    return out


def table(result: dict) -> str:
    keys = ["n", "page@5", "figure_in_answer", "value_unit_period", "declined", "contents_lines_cited"]
    lines = ["| set | system | " + " | ".join(keys) + " |", "|---|---|" + "---|" * len(keys)]
    for sysname, res in result["systems"].items():
        for setname, m in res["summary"].items():
            cells = [f"{m[k]:.3f}" if isinstance(m.get(k), float) else str(m.get(k, "—")) for k in keys]
            lines.append(f"| {setname} | {sysname} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


TARGETS = [  # issue #18, on the held half: (name, metric, met(ours, reference), target as written)
    ("evidence page in our top 5", "page@5", lambda v, r: v >= 0.85 and v >= r.get("page@5", 0), "≥ 0.85 and ≥ reference"),
    ("figure look-ups: value, unit and period in the answer", "value_unit_period", lambda v, r: v >= 0.70, "≥ 0.70"),
    ("declined, on answerable questions", "declined", lambda v, r: v <= 0.15, "≤ 0.15"),
    ("table-of-contents lines cited", "contents_lines_cited", lambda v, r: v == 0, "0"),
]


def markdown(result: dict, base: dict | None = None) -> str:
    """eval/REPORTS.md: the table of this run, the targets, and the commit before this work beside it."""
    lines = ["# Figures from financial reports (`python -m eval.reports`)", "",
             f"Half: **{result['half']}** (settings were chosen on the other half). Commit {result.get('git', {}).get('commit', '?')}"
             f"{' (dirty)' if result.get('git', {}).get('dirty') else ''}. Contents pages found by the metric: "
             f"{len(result['contents_pages'])}.", "", table(result), ""]
    if base:
        lines += [f"Before this work (commit {base.get('git', {}).get('commit', '?')}, same questions):", "", table(base), ""]
    ours = result["systems"]["ours"]["summary"]["all"]
    ref = result["systems"].get("reference", {}).get("summary", {}).get("all", {})
    lines += ["| target (all questions of the half) | ours | target | met |", "|---|---|---|---|"]
    for name, k, ok, goal in TARGETS:  # value_unit_period exists for the figure look-ups only
        v = ours.get(k) if k != "value_unit_period" else result["systems"]["ours"]["summary"].get("figures", {}).get(k)
        lines.append(f"| {name} | {v if isinstance(v, int) else f'{v:.3f}'} | {goal} | {'met' if ok(v, ref) else 'missed'} |")
    return "\n".join(lines) + "\n"


def _cut(result: dict, half: str) -> dict:
    """A run's numbers for one half of its questions (the records carry their half)."""
    if half == "all":
        return result
    out = {**result, "half": half, "systems": {}}
    for name, res in result["systems"].items():
        recs = [r for r in res["records"] if r["half"] == half]
        out["systems"][name] = {**res, "summary": summary(recs), "records": recs}
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.reports", description=__doc__.split("\n\n")[0])
    p.add_argument("--half", choices=["tune", "held", "all"], default="held")
    p.add_argument("--no-reference", action="store_true")
    p.add_argument("--out", help="write the numbers and per-question records as JSON here")
    p.add_argument("--md", help="also write this markdown page (e.g. eval/REPORTS.md)")
    p.add_argument("--before", help="a results JSON of an earlier commit, shown beside this run in --md")
    p.add_argument("--synonyms", action="store_true",
                   help="ask the figure questions that name a line item by another of its names (e.g. "
                        "'revenue' for 'net sales'); a dev check of reading line items by meaning")
    p.add_argument("--instructions", action="store_true",
                   help="ask the figure questions with a sentence on how to answer after each (e.g. 'Please "
                        "keep the answer short.'); a dev check that instructions do not change what is found")
    p.add_argument("--render", metavar="JSON", help="write --md from a results JSON of an earlier run "
                                                    "(its records cut to --half), running nothing")
    args = p.parse_args(argv)
    if args.render:
        result = _cut(json.loads(Path(args.render).read_text()), args.half)
        base = _cut(json.loads(Path(args.before).read_text()), args.half) if args.before else None
        print(table(result))
        if args.md:
            Path(args.md).write_text(markdown(result, base), encoding="utf-8")
        return 0
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    docs = docs_folder()
    pages = page_texts(docs)
    toc = contents_pages(pages)
    items = [it for it in questions(pages) if args.half in ("all", it["half"])]
    if args.synonyms:
        items = paraphrased(items)
    if args.instructions:
        items = instructed(items)
    print(f"{len(items)} questions ({args.half}); contents pages: {len(toc)}", file=sys.stderr)
    systems = [Ours(docs)] + ([] if args.no_reference else [Reference(docs)])
    result = {"half": args.half, "contents_pages": sorted(toc), "systems": {}}
    for s in systems:
        info, recs = score(s, items, toc)
        result["systems"][s.name] = {**info, "summary": summary(recs), "records": recs}
    print(table(result))
    from .run import git_state

    result["git"] = git_state()
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    if args.md:
        base = json.loads(Path(args.before).read_text()) if args.before else None
        Path(args.md).write_text(markdown(result, base), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
