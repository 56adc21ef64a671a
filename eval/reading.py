"""The reading benchmark: how well `rag.read` + `rag.chunk` turn files into indexed text.

    python -m eval.reading                          # every section
    python -m eval.reading --only articles,pdf      # some of: articles, prose, pdf, aragog, ingest, starts
    python -m eval.reading --no-write               # print only

Sections (each a function named for what it measures):
1. articles  article_extraction(): main-content extraction on the article-extraction benchmark
             (its own evaluate.py), ours on .html and on the .txt dumps vs trafilatura and jusText.
2. prose     prose_retention(): share of a plain-prose file's characters that end up indexed.
3. pdf       pdf_reading(): on the aragog papers, what is indexed of the text outside running
             headers/footers/page numbers, units cut at a line break, hyphen joins, pages.
4. aragog    aragog_retrieval(): top-5 coverage of the reference answers, ours vs the llama-index
             reference recipe (eval/reference.py).
5. ingest    ingest_speed(): seconds to index seeds/ and the covid_qa documents.
6. starts    answer_starts(): on the aragog and financebench PDFs, answer units (the sentences
             rag.chunk makes, what an answer quotes) that start mid-sentence after a page, column or
             other block break, or with a stray page/figure/footnote number.

Prints the tables; writes eval/results/reading.json (sections not run keep their previous
numbers) and eval/READING.md from it.
"""
from __future__ import annotations

import argparse
import bisect
import gzip
import itertools
import importlib.util
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from datetime import datetime, timezone
from pathlib import Path

from .run import _no_nan  # NaN is not JSON: null

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "datasets"
ARTICLES = SHARED / "article_extraction"
ARAGOG = SHARED / "aragog"
PAPERS = ARAGOG / "papers"
DATA = ROOT / "eval" / ".cache" / "data"
INDEX = ROOT / "eval" / ".cache" / "index"
RESULTS = ROOT / "eval" / "results" / "reading.json"
REPORT = ROOT / "eval" / "READING.md"
FINANCE = SHARED / "financebench" / "pdfs"
SECTIONS = ("articles", "prose", "pdf", "aragog", "ingest", "starts")
PROSE_SETS = ("covid_qa", "tonic_pg", "pubmedqa", "hotpotqa")
K = 5

# The line-rule cleaner that rag.read replaced, on the same benchmark (numbers from the issue).
OLD_BASELINE = {"html": {"f1": 0.815, "precision": 0.751, "recall": 0.890},
                "txt": {"f1": 0.791, "precision": 0.684, "recall": 0.939}}
# Ingest seconds recorded before this benchmark existed (eval/results/seeds.json at 713441e, built in
# eval.run's process, model load included); covid_qa's own ingest was never timed (index cached).
PREVIOUS_INGEST = {"seeds": {"seconds": 7.863, "chunks": 42, "commit": "713441e",
                             "from": "eval/results/seeds.json"},
                   "covid_qa": None}
TARGETS = {"html_f1": 0.95, "html_recall": 0.97, "txt_f1": 0.90, "txt_recall": 0.97, "prose": 0.995,
           "pdf_indexed": 0.99, "pdf_cut": 0.02, "bad_starts": 0}

_SPACE = re.compile(r"\s+")
_NOT_DIGIT = re.compile(r"\D+")


# -- spans and counting ---------------------------------------------------------------------------
def merge(spans) -> list[tuple[int, int]]:
    """Sorted, disjoint union of [start, end) spans."""
    out: list[list[int]] = []
    for s, e in sorted(spans):
        if e <= s:
            continue
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def intersect(a, b) -> list[tuple[int, int]]:
    """Intersection of two merged span lists."""
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        s, e = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if s < e:
            out.append((s, e))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def count_chars(text: str, spans, drop: re.Pattern = _SPACE) -> int:
    """Characters of text inside `spans` that `drop` does not match (default: non-whitespace)."""
    return sum(len(drop.sub("", text[s:e])) for s, e in spans)


def indexed_spans(doc, chunks) -> list[tuple[int, int]]:
    """What gets indexed of a document: every chunk unit's source span, plus the heading blocks
    (they become the section titles chunks are embedded with)."""
    spans = [(u.start, u.end) for c in chunks for u in c.units]
    spans += [(b.start, b.end) for b in doc.blocks if b.kind == "heading"]
    return merge(spans)


def _chunker():
    from rag.chunk import chunk_document
    from rag.config import Config
    from rag.embed import word_piece_tokenizer

    cfg, tok = Config.load(), word_piece_tokenizer()
    return lambda doc: chunk_document(doc, tok, cfg.chunk_tokens, cfg.overlap_tokens)


# -- 1. article extraction ------------------------------------------------------------------------
def _article_metric():
    """The benchmark's own evaluate.py, imported from the dataset folder (not copied)."""
    spec = importlib.util.spec_from_file_location("article_extraction_evaluate", ARTICLES / "evaluate.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def kept_text(doc, article_only: bool = False) -> str:
    """The prediction for a page: the text of the blocks the reader kept, one per line.
    article_only leaves out what the benchmark's articleBody never holds but the reader keeps on
    purpose (answers cite them): the leading title heading and the byline/date ("meta") blocks."""
    blocks = doc.blocks
    if article_only:
        blocks = [b for i, b in enumerate(blocks) if b.kind != "meta" and not (i == 0 and b.kind == "heading")]
    return "\n".join(doc.text[b.start:b.end] for b in blocks)


def article_predictions(ids: list[str]) -> dict[str, dict[str, str]]:
    """{system: {page id: predicted article text}} for every compared extractor."""
    import justext
    import trafilatura

    from rag.errors import DocumentError
    from rag.read import read_document

    def read(path: Path):
        try:
            return read_document(path)
        except DocumentError:
            return None

    stop = justext.get_stoplist("English")
    preds: dict[str, dict[str, str]] = {k: {} for k in ("ours_html", "ours_txt", "ours_html_article",
                                                         "ours_txt_article", "trafilatura", "justext")}
    with tempfile.TemporaryDirectory() as tmp:
        for pid in ids:
            raw = gzip.decompress((ARTICLES / "html" / f"{pid}.html.gz").read_bytes())
            page = Path(tmp) / f"{pid}.html"
            page.write_bytes(raw)
            for fmt, doc in (("html", read(page)), ("txt", read(ARTICLES / "txt" / f"{pid}.txt"))):
                preds[f"ours_{fmt}"][pid] = kept_text(doc) if doc else ""
                preds[f"ours_{fmt}_article"][pid] = kept_text(doc, article_only=True) if doc else ""
            preds["trafilatura"][pid] = trafilatura.extract(raw) or ""
            preds["justext"][pid] = "\n".join(p.text for p in justext.justext(raw, stop) if not p.is_boilerplate)
    return preds


def article_extraction() -> dict:
    """F1/precision/recall of the extracted article text (shingle metric of the benchmark)."""
    import trafilatura

    metric = _article_metric()
    gt = json.loads((ARTICLES / "ground-truth.json").read_text(encoding="utf-8"))
    ids = sorted(gt)
    try:
        from eval.train_boilerplate import article_split
    except ImportError:
        article_split = None
    dev = [i for i in ids if article_split and article_split(i) == "dev"]
    n_train = len(ids) - len(dev) if article_split else None
    preds = article_predictions(ids)

    def score(system: str, subset: list[str]) -> dict:
        m = metric.evaluate({i: gt[i] for i in subset}, {i: {"articleBody": preds[system][i]} for i in subset}, 0)
        return {k: round(m[k], 4) for k in ("f1", "precision", "recall")}

    html_fit, txt_fit = "only via the classifier fallback", "yes: the .txt classifier was fitted on them"
    systems = [("ours_html", "ours (rag.read, .html)", "html", html_fit),
               ("ours_txt", "ours (rag.read, .txt dump)", "txt", txt_fit),
               ("ours_html_article", "ours, without title/byline blocks (.html)", "html", html_fit),
               ("ours_txt_article", "ours, without title/byline blocks (.txt)", "txt", txt_fit),
               ("trafilatura", f"trafilatura {trafilatura.__version__} extract()", "html", "no"),
               ("justext", "jusText (English stoplist)", "html", "no")]
    rows = []
    for key, name, inp, fitted in systems:
        rows.append({"system": name, "input": inp, "pages": "all", "n": len(ids), "train_pages_included": fitted,
                     "targeted": key in ("ours_html", "ours_txt"), **score(key, ids)})
    for inp, m in OLD_BASELINE.items():
        rows.append({"system": "old line rules (from the issue)", "input": inp, "pages": "all", "n": len(ids),
                     "train_pages_included": "no", **m})
    if dev:
        for key, name, inp, _ in systems:
            rows.append({"system": name, "input": inp, "pages": "dev", "n": len(dev), "train_pages_included": "no",
                         "targeted": key in ("ours_html", "ours_txt"), **score(key, dev)})
    note = (f"dev = pages with eval.train_boilerplate.article_split(id) == 'dev' ({len(dev)} of {len(ids)}; "
            f"the .txt classifier was fitted on the other {n_train})" if article_split else
            "eval.train_boilerplate.article_split not importable: dev-only rows skipped")
    return {"rows": rows, "note": note}


# -- 2. prose retention ---------------------------------------------------------------------------
def retention(doc, chunks) -> tuple[int, int]:
    """(indexed, total) non-whitespace characters of the document's text."""
    return count_chars(doc.text, indexed_spans(doc, chunks)), count_chars(doc.text, [(0, len(doc.text))])


def prose_retention(sets=PROSE_SETS) -> dict:
    """Per corpus: share of non-whitespace characters that lie in an indexed span, overall and the
    worst file. An unreadable file counts as nothing kept."""
    from rag.errors import DocumentError
    from rag.read import read_document

    chunk = _chunker()
    rows = []
    for name in sets:
        docs = DATA / name / "docs"
        if not docs.is_dir():
            continue
        files = sorted(p for p in docs.rglob("*") if p.is_file())
        kept = total = failed = 0
        worst = (math.nan, "")  # (share, file) of the file keeping the least
        t0 = time.perf_counter()
        for path in files:
            try:
                doc = read_document(path)
                k, n = retention(doc, chunk(doc))
            except DocumentError:
                k, n, failed = 0, max(1, count_chars(path.read_text(errors="replace"), [(0, 1 << 40)])), failed + 1
            kept, total = kept + k, total + n
            if n and (math.isnan(worst[0]) or k / n < worst[0]):
                worst = (k / n, str(path.relative_to(docs)))
        rows.append({"corpus": name, "files": len(files), "unreadable": failed,
                     "retained": kept / total if total else math.nan, "worst": worst[0], "worst_file": worst[1],
                     "seconds": round(time.perf_counter() - t0, 1)})
    return {"rows": rows}


# -- 3. PDF ---------------------------------------------------------------------------------------
# A line that is only a page number: "12", "- 12 -", "iv", "Page 3", "3 of 10", "3/10".
_PAGE_NUMBER = re.compile(r"^[\s\-\u2013\u2014]*(?:page\s+)?(?:\d{1,4}|[ivxlcdm]{1,6})"
                          r"(?:\s*(?:/|of)\s*\d{1,4})?[\s\-\u2013\u2014]*$", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?\u2026][\"'\u201d\u2019)\]]*$")


def furniture_lines(doc) -> list[tuple[int, int]]:
    """Lines of doc.text that count as page furniture, not content: a line (split at \\n and \\f)
    that overlaps no block AND either is a bare page number or repeats on another page (compared
    with whitespace collapsed, case folded and every digit run as '#', so "Page 3" and "Page 4" or
    a running title with its page number are one line). Everything else of doc.text is content."""
    blocks = merge((b.start, b.end) for b in doc.blocks)
    lines = [(m.start(), m.end()) for m in re.finditer(r"[^\n\f]+", doc.text) if doc.text[m.start():m.end()].strip()]
    uncovered = [(s, e) for s, e in lines if not intersect([(s, e)], blocks)]

    def key(s, e):
        return re.sub(r"\d+", "#", " ".join(doc.text[s:e].split())).casefold()

    pages_of: dict[str, set[int]] = {}
    for s, e in uncovered:
        pages_of.setdefault(key(s, e), set()).add(doc.page_at(s))
    return [(s, e) for s, e in uncovered
            if _PAGE_NUMBER.match(doc.text[s:e]) or len(pages_of[key(s, e)]) > 1]


def content_spans(doc) -> list[tuple[int, int]]:
    """doc.text minus its furniture lines (see furniture_lines)."""
    out, pos = [], 0
    for s, e in furniture_lines(doc):
        out.append((pos, s))
        pos = e
    out.append((pos, len(doc.text)))
    return merge(out)


def cut_at_line_break(text: str, start: int, end: int, kind: str, block_end: int) -> bool:
    """A unit is cut at a line break when the sentence visibly goes on past it: the unit is prose
    (kind paragraph or list_item), its source span ends at a line break (only spaces/tabs between
    its end and a newline), its last character is not sentence-final punctuation (. ! ? or an
    ellipsis, optionally followed by closing quotes/brackets), and the next non-space character
    after it within the same block is lowercase."""
    if kind not in ("paragraph", "list_item") or end <= start:
        return False
    rest = text[end:block_end]
    if not rest.lstrip(" \t").startswith(("\n", "\r", "\f")):
        return False
    if _SENTENCE_END.search(text[start:end]):
        return False
    after = rest.lstrip()
    return bool(after) and after[0].islower()


def split_mid_sentence(text: str, a, b) -> bool:
    """Two consecutive prose blocks that are one paragraph cut in two (a column or page break the
    reader did not bridge): the first does not end with sentence-final punctuation and the second
    starts with a lowercase letter. What cut_at_line_break cannot see, as it stays inside a block."""
    prose = ("paragraph", "list_item")
    if a.kind not in prose or b.kind not in prose:
        return False
    first, second = text[a.start:a.end].rstrip(), text[b.start:b.end].lstrip()
    return bool(first and second) and not _SENTENCE_END.search(first) and second[0].islower()


def hyphen_joins(doc) -> int:
    """Line-end hyphens between lowercase letters inside the blocks: the joins rag.read.normalize
    makes ("represen-\\ntation" -> "representation"), counted with its own pattern."""
    from rag.read.normalize import _HYPHEN_BREAK

    return sum(len(_HYPHEN_BREAK.findall(doc.text[b.start:b.end])) for b in doc.blocks)


def pdf_stats(doc, chunks) -> dict:
    """The PDF numbers of one document (see pdf_reading)."""
    import bisect

    content = content_spans(doc)
    indexed = intersect(content, indexed_spans(doc, chunks))
    units = {(u.start, u.end): u for c in chunks for u in c.units}  # overlapping chunks repeat units
    starts = [b.start for b in doc.blocks]

    def block_end(u):
        i = bisect.bisect_right(starts, u.start) - 1
        return doc.blocks[i].end if i >= 0 else u.end

    prose = [u for u in units.values() if u.kind in ("paragraph", "list_item")]
    cut = [u for u in prose if cut_at_line_break(doc.text, u.start, u.end, u.kind, block_end(u))]
    spanned = [doc.page_at(max(u.start, u.end - 1)) - doc.page_at(u.start) + 1 for u in units.values()]
    return {
        "pages": len(doc.pages), "units": len(units), "prose_units": len(prose),
        "chars": count_chars(doc.text, content), "chars_indexed": count_chars(doc.text, indexed),
        "digits": count_chars(doc.text, content, _NOT_DIGIT), "digits_indexed": count_chars(doc.text, indexed, _NOT_DIGIT),
        "furniture_lines": len(furniture_lines(doc)), "cut": len(cut), "hyphen_joins": hyphen_joins(doc),
        "block_splits": sum(split_mid_sentence(doc.text, a, b) for a, b in zip(doc.blocks, doc.blocks[1:])),
        "units_with_page": sum(1 for u in units.values() if u.page > 0), "unit_pages": sum(spanned),
        "cut_examples": [doc.text[max(u.start, u.end - 60):u.end] + " / " + doc.text[u.end:u.end + 30].strip()
                         for u in cut[:3]],
    }


def _pdf_rates(s: dict) -> dict:
    def share(a, b):
        return s[a] / s[b] if s[b] else math.nan

    return {"indexed": share("chars_indexed", "chars"), "digits_indexed": share("digits_indexed", "digits"),
            "cut_share": share("cut", "prose_units"), "with_page": share("units_with_page", "units"),
            "pages_per_unit": share("unit_pages", "units")}


def pdf_reading() -> dict:
    """Per aragog paper and in total: indexed share of the content text (non-whitespace and
    digits), units cut at a line break, hyphen joins, units with a page, pages spanned per unit."""
    from rag.read import read_document

    chunk = _chunker()
    rows, total = [], {}
    for path in sorted(PAPERS.glob("*.pdf")):
        t0 = time.perf_counter()
        doc = read_document(path)
        s = pdf_stats(doc, chunk(doc))
        s["seconds"] = round(time.perf_counter() - t0, 2)
        for k, v in s.items():
            if isinstance(v, (int, float)):
                total[k] = total.get(k, 0) + v
        rows.append({"paper": path.stem, **s, **_pdf_rates(s)})
    rows.append({"paper": "total", **total, **_pdf_rates(total)})
    return {"rows": rows}


# -- 4. aragog retrieval --------------------------------------------------------------------------
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+")


def _stop_words() -> frozenset:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return ENGLISH_STOP_WORDS


def tokens(text: str) -> list[str]:
    """NFKC-folded, lowercased words and numbers ("3.3", "1,000" are one token each)."""
    return _TOKEN.findall(unicodedata.normalize("NFKC", text).lower())


def key_content(answer: str) -> set[str]:
    """The reference answer's content words: lowercase tokens that are not stop words (scikit-learn's
    English list) and have at least 3 characters; numbers are kept at any length."""
    stop = _stop_words()
    return {t for t in tokens(answer) if t[0].isdigit() or (len(t) >= 3 and t not in stop)}


def coverage(answer: str, passages: list[str]) -> float:
    """Share of the answer's key content words present (as whole tokens) in the concatenated
    passages; NaN when the answer has no content word."""
    key = key_content(answer)
    if not key:
        return math.nan
    present = set(tokens(" ".join(passages)))
    return len(key & present) / len(key)


def score_retrieval(retrieve, items, has_paper, tok) -> dict:
    """Coverage and hit rate of `retrieve(question) -> passages` over (question, answer) items, on the
    questions with their paper and on all; plus the mean passage size in the model's word pieces."""
    covs, sizes = [], []
    for q, gt in items:
        passages = retrieve(q)
        covs.append(coverage(gt, passages))
        sizes += [len(tok.encode(p, add_special_tokens=False).ids) for p in passages]

    def summary(mask):
        vals = [c for c, m in zip(covs, mask) if m and not math.isnan(c)]
        return {"coverage": statistics.mean(vals), "hit_rate": sum(v >= 0.5 for v in vals) / len(vals), "n": len(vals)}

    return {"with_paper": summary(has_paper), "all": summary([True] * len(items)),
            "passage_word_pieces": statistics.mean(sizes) if sizes else math.nan,
            "per_question": [round(c, 3) for c in covs]}


def aragog_retrieval() -> dict:
    """Top-5 coverage and hit rate (coverage >= 0.5) on the aragog questions, ours vs the reference
    recipe, with each one's ingest seconds. Our index is rebuilt every run (the reader changes);
    the reference's is built once and reused (its recipe does not change), its build time kept.
    Two more rows at matched text budgets, as our passages are much shorter: ours with as many
    passages as make the reference's top-5 word pieces, and the reference's top-1."""
    from rag import Assistant
    from rag.embed import word_piece_tokenizer

    from .reference import Reference

    bench = json.loads((ARAGOG / "benchmark.json").read_text(encoding="utf-8"))
    items = list(zip(bench["questions"], bench["ground_truths"]))
    has_paper = [("glm" not in q.lower()) for q, _ in items]  # glm_130b.pdf is not in the dataset copy

    ours_dir = INDEX / "aragog" / "ours"
    shutil.rmtree(ours_dir, ignore_errors=True)
    a = Assistant(docs_dir=PAPERS, index_dir=ours_dir)
    r = a.ingest(progress=False)
    ref = Reference(PAPERS, INDEX / "aragog" / "reference")
    ref_ingest = ref.ingest()
    tok = word_piece_tokenizer()

    def ours(k):
        return lambda q: [h.text for h in a.retrieve(q, k=k)]

    def reference(k):
        return lambda q: [h.text for h in ref.retrieve(q, k=k)]

    systems = {
        "ours": {"k": K, **score_retrieval(ours(K), items, has_paper, tok),
                 "ingest_s": r.seconds, "ingest_cached": False, "chunks": r.chunks},
        "reference": {"k": K, **score_retrieval(reference(K), items, has_paper, tok), "ingest_s": ref_ingest["seconds"],
                      "ingest_cached": ref_ingest.get("cached", False), "chunks": ref_ingest["chunks"]},
    }
    ratio = systems["reference"]["passage_word_pieces"] / systems["ours"]["passage_word_pieces"]
    k_same = max(K, round(K * ratio))
    systems["ours, reference's text budget"] = {"k": k_same, **score_retrieval(ours(k_same), items, has_paper, tok)}
    systems["reference top-1"] = {"k": 1, **score_retrieval(reference(1), items, has_paper, tok)}
    return {"n": len(items), "n_with_paper": sum(has_paper), "systems": systems}


# -- 5. ingest speed ------------------------------------------------------------------------------
_INGEST_CODE = ("import json, sys; from rag import Assistant; "
                "r = Assistant(docs_dir=sys.argv[1], index_dir=sys.argv[2]).ingest(progress=False); "
                "print(json.dumps({'seconds': r.seconds, 'chunks': r.chunks, 'files': len(r.added), "
                "'skipped': len(r.skipped)}))")


def ingest_once(docs: Path) -> dict:
    """One ingest of `docs` into a fresh temporary index, in a fresh process (as `rag ingest` runs):
    the seconds Assistant.ingest reports (reading, chunking, embedding, Chroma and BM25 writes,
    loading the embedding model; not the interpreter's start-up imports of `rag`)."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
    with tempfile.TemporaryDirectory() as tmp:
        p = subprocess.run([sys.executable, "-c", _INGEST_CODE, str(docs), str(Path(tmp) / "index")],
                           cwd=ROOT, env=env, capture_output=True, text=True)
    if p.returncode:
        raise RuntimeError(f"ingest of {docs} failed:\n{p.stderr[-2000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def ingest_speed(runs: int = 2) -> dict:
    """Median seconds of `runs` ingests of seeds/ and of the covid_qa documents. There is no
    embedding-vector cache in the pipeline (rag/embed.py, rag/onnx_embed.py): every run embeds
    every chunk and sentence; only the one-time int8 ONNX export is cached on disk."""
    rows = []
    for name, docs in (("seeds", ROOT / "seeds"), ("covid_qa", DATA / "covid_qa" / "docs")):
        if not docs.is_dir():
            continue
        results = [ingest_once(docs) for _ in range(runs)]
        secs = [r["seconds"] for r in results]
        rows.append({"corpus": name, "files": results[0]["files"], "skipped": results[0]["skipped"],
                     "chunks": results[0]["chunks"], "seconds": statistics.median(secs), "runs": secs,
                     "previous": PREVIOUS_INGEST.get(name)})
    return {"rows": rows}


# -- 6. answer starts -----------------------------------------------------------------------------
# Text rules only (no geometry, no reader internals), so they can disagree with the reader's own.
_LOWER_START = re.compile(r"^[a-z][a-z'\u2019\-]*(?=[\s,.;:)]|$)")  # a lowercase word ("arXiv:", "iPhone" are not)
_LETTER_MARKER = re.compile(r"^[a-z][.)]\s")  # "a) then ...", "e. FastText": a list item's letter
_ALPHA_WORD = re.compile(r"^[(\[\u201c\"'\u2018]?[^\W\d_](?:[^\W\d_]|['\u2019\-.])*[)\]\u201d\"'\u2019,.;:]*$")
_OPEN_END = frozenset(",-;)\"'\u2019\u201d\u00ad")  # a prose line may stop on these mid-sentence
_STRAY = re.compile(r"^(\d{1,3})\s*([A-Z][a-z]*)\b\s*(.*)$", re.S)  # "12 The", "12The"
PROSE = ("paragraph", "list_item")


def prose_like(text: str, min_words: int = 3) -> bool:
    """Running words, not a formula, code, figure label or URL: at least `min_words` words, three
    quarters of them plain words (letters, inner hyphens/apostrophes/full stops, surrounding punctuation)."""
    words = text.split()
    return len(words) >= min_words and sum(bool(_ALPHA_WORD.match(w)) for w in words) >= 0.75 * len(words)


def starts_mid_sentence(text: str, before: str) -> bool:
    """A unit that goes on with a sentence `before` left unfinished: it starts with a lowercase word (not a
    list item's letter, a URL or an e-mail address) and reads as prose, or is a short tail that ends a
    sentence ("tions.", "data."); `before` is prose that stops without sentence-final punctuation, on a
    letter, digit, comma, hyphen, semicolon or closing bracket/quote."""
    if not _LOWER_START.match(text) or _LETTER_MARKER.match(text):
        return False
    first = text.split(None, 1)[0]
    if "://" in first or "@" in first or first.startswith("www."):
        return False
    if not (prose_like(text) or (len(text.split()) <= 2 and _SENTENCE_END.search(text))):
        return False
    before = before.rstrip()
    return (prose_like(before, 4) and not _SENTENCE_END.search(before)
            and (before[-1].isalnum() or before[-1] in _OPEN_END))


def stray_number_start(text: str, page: int) -> bool:
    """A unit that starts with a bare number set before a sentence: "12 The leader will receive ...",
    "7 For example, ...". The word after the number is a capitalised function word (scikit-learn's
    English stop words: The, For, In, See, ...) that starts a sentence, so the number is no part of it
    (a quantity reads "12 leaders", a name "737 Program", a year "2019 was"); the number is below 100
    (a footnote or figure number) or the unit's page; two words or more follow (not a formula's "1 To")."""
    m = _STRAY.match(text)
    if not m or m.group(2).lower() not in _stop_words():
        return False
    n = int(m.group(1))
    return (n < 100 or n == page) and len(m.group(3).split()) >= 2


def _sentences(doc) -> list[tuple[int, int]]:
    """The (start, end) of each sentence rag.chunk splits `doc` into, before it cuts the long ones to the model's
    window, sorted. A unit that starts inside one is a long cut, also where the sentence runs on past a float
    (a paragraph with `cont`) and the cut falls right after it."""
    from rag.chunk import sentence_units

    return sorted((u.start, u.end) for u in sentence_units(doc))


def _inside(sentences: list[tuple[int, int]], reach: list[int], at: int) -> bool:
    """Whether offset `at` lies inside one of `sentences` (sorted; `reach`: the furthest end among each prefix;
    a sentence run on past a float holds the float's own sentences)."""
    i = bisect.bisect_left(sentences, (at, -1)) - 1
    return i >= 0 and reach[i] > at


def start_stats(doc, chunks, examples: int = 3) -> dict:
    """The answer-start counts of one document (see answer_starts): each prose unit against the nearest
    prose unit before it that reads as prose (formulas, figure labels, footnote URLs in between are
    skipped: the sentence they interrupt is what the reader sees)."""
    units = sorted({(u.start, u.end): u for c in chunks for u in c.units}.values(), key=lambda u: (u.start, u.end))
    sentences = _sentences(doc)
    reach = list(itertools.accumulate((e for _, e in sentences), max))
    out = {"units": 0, "page_break": 0, "same_page": 0, "stray_number": 0, "long_cut": 0,
           "examples": {"page_break": [], "same_page": [], "stray_number": [], "long_cut": []}}
    prev = None
    for u in units:
        if u.kind not in PROSE:
            continue
        out["units"] += 1
        kind = ""
        if stray_number_start(u.text, u.page):
            kind = "stray_number"
        elif prev is not None and starts_mid_sentence(u.text, prev.text):
            if _inside(sentences, reach, u.start):
                kind = "long_cut"  # inside one sentence of rag.chunk's: the chunker cut it to the model's window
            elif doc.page_at(prev.end - 1) != doc.page_at(u.start):
                kind = "page_break"
            else:
                kind = "same_page"
        if kind:
            out[kind] += 1
            if len(out["examples"][kind]) < examples:
                show = u.text[:70] if kind == "stray_number" else f"{prev.text[-45:]} / {u.text[:45]}"
                out["examples"][kind].append(f"p{u.page}: {show}")
        if prose_like(u.text, 2):
            prev = u
    return out


def answer_starts() -> dict:
    """Per collection (aragog papers, financebench filings): prose units that start mid-sentence after a
    page break or another block break on the same page (a column break, a float, a line the reader took
    for a heading), or with a stray number; units of one long sentence cut by the chunker (a unit inside a
    block, right after the one before) are counted apart: not a reading error. The first four examples of
    each kind per collection."""
    from rag.read import read_document

    chunk = _chunker()
    rows = []
    for name, folder in (("aragog", PAPERS), ("financebench", FINANCE)):
        tot = {"collection": name, "files": 0, "units": 0, "page_break": 0, "same_page": 0, "stray_number": 0,
               "long_cut": 0}
        examples = []
        t0 = time.perf_counter()
        for path in sorted(folder.glob("*.pdf")):
            doc = read_document(path)
            s = start_stats(doc, chunk(doc))
            tot["files"] += 1
            for k in ("units", "page_break", "same_page", "stray_number", "long_cut"):
                tot[k] += s[k]
            for kind, ex in s["examples"].items():  # the first few of each kind, one file after another
                room = 4 - sum(e.startswith(f"[{kind}]") for e in examples)
                examples += [f"[{kind}] {path.name} {e}" for e in ex[:max(0, room)]]
        tot["bad_starts"] = tot["page_break"] + tot["same_page"] + tot["stray_number"]
        tot["seconds"] = round(time.perf_counter() - t0, 1)
        rows.append({**tot, "examples": examples})
    return {"rows": rows}


# -- results and report ---------------------------------------------------------------------------
def git_state() -> dict:
    def git(*args):
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    return {"commit": git("rev-parse", "--short", "HEAD"),
            "dirty": bool(git("status", "--porcelain", "--", "rag", "eval/reading.py"))}


def _f(v, pct=False) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if pct:
        return f"{100 * v:.2f}%"
    if isinstance(v, int):
        return str(v)
    return f"{v:.3f}" if abs(v) < 10 else f"{v:.1f}"


def _table(head: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def _ok(cond: bool) -> str:
    return "yes" if cond else "**no**"


def render_articles(sec: dict) -> str:
    t = TARGETS
    rows = []
    for r in sec["rows"]:
        target = ""
        if r.get("targeted"):
            f1, rec = (t["html_f1"], t["html_recall"]) if r["input"] == "html" else (t["txt_f1"], t["txt_recall"])
            target = _ok(r["f1"] >= f1 and r["recall"] >= rec)
        rows.append([r["system"], r["input"], f"{r['pages']} ({r['n']})", _f(r["f1"]), _f(r["precision"]),
                     _f(r["recall"]), r["train_pages_included"], target])
    return ("## 1. Article extraction (article_extraction benchmark, its own evaluate.py)\n\n"
            "F1/P/R: the benchmark's 4-gram shingle overlap between the extracted text (ours: the kept "
            "blocks joined by newlines) and the hand-checked article body, averaged per page. "
            f"Targets: html F1 >= {t['html_f1']} and R >= {t['html_recall']}; txt F1 >= {t['txt_f1']} and "
            f"R >= {t['txt_recall']}. The 'without title/byline' rows leave out the leading title heading and "
            "the byline/date blocks, which the reader keeps on purpose but the benchmark's article body never has.\n\n"
            + _table(["system", "input", "pages (n)", "F1", "P", "R", "includes training pages", "meets target"], rows)
            + f"\n\n{sec['note']}.\n")


def render_prose(sec: dict) -> str:
    rows = [[r["corpus"], r["files"], r["unreadable"], _f(r["retained"], True), _f(r["worst"], True),
             r["worst_file"], _ok(r["retained"] >= TARGETS["prose"])] for r in sec["rows"]]
    return ("## 2. Prose retention\n\n"
            "Retained: share of the non-whitespace characters of each corpus's files that lie in an indexed "
            "span (chunk units + heading blocks); worst: the file with the lowest share. "
            f"Target >= {100 * TARGETS['prose']:.1f}%.\n\n"
            + _table(["corpus", "files", "unreadable", "retained", "worst file", "(name)", "meets target"], rows) + "\n")


def render_pdf(sec: dict) -> str:
    rows = []
    for r in sec["rows"]:
        rows.append([r["paper"], r["pages"], r["units"], _f(r["indexed"], True), _f(r["digits_indexed"], True),
                     f"{_f(r['cut_share'], True)} ({r['cut']})", r["hyphen_joins"], _f(r["with_page"], True),
                     _f(r["pages_per_unit"]), r["furniture_lines"], r["block_splits"]])
    tot = sec["rows"][-1]
    ok = (tot["indexed"] >= TARGETS["pdf_indexed"] and tot["digits_indexed"] >= TARGETS["pdf_indexed"]
          and tot["cut_share"] <= TARGETS["pdf_cut"] and tot["with_page"] == 1.0)
    return ("## 3. PDF (the 15 aragog papers)\n\n"
            "Indexed / digits: share of the non-whitespace (digit) characters of the content text that lie in "
            "an indexed span; content text = `doc.text` minus furniture lines (lines overlapping no block that "
            "are a bare page number or repeat on another page, digits masked). Cut: share of paragraph/list-item "
            "units whose span ends at a line break without sentence-final punctuation while the block goes on "
            "in lowercase. Hyphen joins: line-end hyphens between lowercase letters that normalize() joins. "
            "With page: units that carry a page. Pages/unit: pages a unit spans, mean. Block splits (count, "
            "no target): consecutive prose blocks where the first ends without sentence-final punctuation and "
            "the second starts lowercase -- a paragraph cut in two at a column or page break (an upper bound: figure "
            "labels, e-mail lines and formula pieces match too). "
            f"Targets: indexed >= {100 * TARGETS['pdf_indexed']:.0f}% incl. digits; cut <= "
            f"{100 * TARGETS['pdf_cut']:.0f}%; every unit has a page. Total meets them: {_ok(ok)}.\n\n"
            + _table(["paper", "pages", "units", "indexed", "digits", "cut", "hyphen joins", "with page",
                      "pages/unit", "furniture lines", "block splits"], rows) + "\n")


def render_aragog(sec: dict) -> str:
    rows = []
    for name, s in sec["systems"].items():
        ingest = _f(s["ingest_s"]) + (" (cached build)" if s["ingest_cached"] else "") if "ingest_s" in s else ""
        rows.append([name, s["k"], _f(s["with_paper"]["coverage"]), _f(s["with_paper"]["hit_rate"]),
                     _f(s["all"]["coverage"]), _f(s["all"]["hit_rate"]), s.get("chunks", ""),
                     _f(s["passage_word_pieces"]), ingest])
    o, r = sec["systems"]["ours"]["with_paper"], sec["systems"]["reference"]["with_paper"]
    return ("## 4. aragog retrieval\n\n"
            "Coverage: share of the reference answer's content words (lowercase, not a stop word, >= 3 "
            "characters; numbers always) found in the k retrieved passages together; hit rate: questions with "
            f"coverage >= 0.5. 'with paper': the {sec['n_with_paper']} questions whose paper is in the set (the 9 "
            f"GLM-130B questions have none); 'all': all {sec['n']}. Target: ours >= reference at top-5. "
            f"Met: {_ok(o['coverage'] >= r['coverage'] and o['hit_rate'] >= r['hit_rate'])}. The last two rows "
            "compare at a matched amount of text (word pieces shown): our top-k with the reference's top-5 "
            "budget, and the reference's top-1 against our top-5.\n\n"
            + _table(["system", "k", "coverage (with paper)", "hit rate (with paper)", "coverage (all)",
                      "hit rate (all)", "chunks", "word pieces / passage", "ingest s"], rows) + "\n")


def render_ingest(sec: dict) -> str:
    rows = []
    for r in sec["rows"]:
        prev = r.get("previous")
        rows.append([r["corpus"], r["files"], r["chunks"], _f(r["seconds"]), ", ".join(_f(x) for x in r["runs"]),
                     f"{_f(prev['seconds'])} ({prev['chunks']} chunks, {prev['commit']})" if prev else "not recorded"])
    return ("## 5. Ingest speed\n\n"
            "Seconds: median of 2 ingests, each in a fresh process into a fresh temporary index "
            "(Assistant.ingest's own timing: read, chunk, embed chunks and sentences, store; model load "
            "included). No vector cache exists in the pipeline, so every run embeds everything. Shared 2-core "
            "machine: runs of the same ingest differ by up to ~1.7x with the other load on it.\n\n"
            + _table(["corpus", "files", "chunks", "seconds (median)", "runs", "previous"], rows) + "\n")

def render_starts(sec: dict) -> str:
    rows = [[r["collection"], r["files"], r["units"], r["page_break"], r["same_page"], r["stray_number"],
             r["bad_starts"], _ok(r["bad_starts"] <= TARGETS["bad_starts"]), r["long_cut"]] for r in sec["rows"]]
    examples = "\n".join(f"- {e}" for r in sec["rows"] for e in r["examples"])
    return ("## 6. Answer starts (aragog and financebench PDFs)\n\n"
            "Prose units (the sentences rag.chunk makes from rag.read, what an answer quotes) that start badly, by "
            "text rules alone. Mid-sentence: the unit starts with a lowercase word and reads as prose, and the "
            "nearest prose unit before it stops without sentence-final punctuation (counted by whether a page "
            "break lies between). Stray number: the unit starts with a number below 100 (or its page's) and a "
            "capitalised function word (\"12 The leader ...\", \"7 For example ...\"). Long cuts (no target): "
            "a unit that starts inside one of rag.chunk's sentences (also one run on past a float), a sentence "
            "longer than the model's window that the chunker cut. "
            f"Target: bad starts <= {TARGETS['bad_starts']}.\n\n"
            + _table(["collection", "files", "prose units", "mid-sentence after a page break",
                      "mid-sentence, same page", "stray number", "bad starts", "meets target", "long cuts"], rows)
            + ("\n\nExamples (the unit before / the unit):\n\n" + examples if examples else "") + "\n")



RENDER = {"articles": render_articles, "prose": render_prose, "pdf": render_pdf, "aragog": render_aragog,
          "ingest": render_ingest, "starts": render_starts}
MEASURE = {"articles": article_extraction, "prose": prose_retention, "pdf": pdf_reading,
           "aragog": aragog_retrieval, "ingest": ingest_speed, "starts": answer_starts}


def render(results: dict) -> str:
    parts = ["# Reading benchmark (`python -m eval.reading`)\n",
             "Each section records the commit (short; `dirty`: uncommitted changes under rag/ or in eval/reading.py) and the date it ran "
             "at; numbers in eval/results/reading.json. Machine: shared 2-core CPU.\n"]
    for name in SECTIONS:
        sec = results.get(name)
        if sec:
            parts.append(RENDER[name](sec) + f"\n_Run at {sec['commit']}{' (dirty)' if sec['dirty'] else ''}, "
                                             f"{sec['created']}, {sec['seconds']:.0f} s._\n")
    return "\n".join(parts)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.reading", description=__doc__.split("\n\n")[0])
    p.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated sections: {','.join(SECTIONS)}")
    p.add_argument("--no-write", action="store_true", help="print only; leave the result files alone")
    args = p.parse_args(argv)
    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(chosen) - set(SECTIONS)
    if unknown:
        p.error(f"unknown section(s) {', '.join(sorted(unknown))}; choose from {', '.join(SECTIONS)}")
    for k, v in (("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_OFFLINE", "1"), ("ANONYMIZED_TELEMETRY", "False")):
        os.environ.setdefault(k, v)
    results = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    for name in SECTIONS:
        if name not in chosen:
            continue
        print(f"{name} ...", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        sec = MEASURE[name]()
        sec.update(git_state(), created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                   seconds=time.perf_counter() - t0)
        results[name] = _no_nan(sec)
        print(RENDER[name](results[name]), flush=True)
        if not args.no_write:
            RESULTS.parent.mkdir(parents=True, exist_ok=True)
            RESULTS.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
            REPORT.write_text(render(results), encoding="utf-8")
    if not args.no_write:
        print(f"wrote {RESULTS.relative_to(ROOT)} and {REPORT.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
