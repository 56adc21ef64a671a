"""PDF text extractors compared on the aragog papers, and what `rag.read.pdf` makes of PDFium's text.

    python -m eval.pdf_extractors                       # 15 papers, three extractors (~2 min on 2 cores)
    python -m eval.pdf_extractors --extractors pypdfium2 pypdf

Per extractor (pypdfium2, pypdf, pdfminer.six), over ../shared/datasets/aragog/papers/*.pdf:
  seconds per file; files it fails to open; answer words / word pairs: the share of the benchmark's reference-answer
  words (and adjacent word pairs) found in the paper's extracted text, raw and after `rag.read.normalize` (which
  joins "-\n" hyphenation and folds ligatures) -- questions are matched to their paper by the name they mention
  (90 of 107; the GLM-130B paper is not in the set); number tokens the same way; hyphens left at line ends ("-\n"
  between lowercase letters, and PDFium's U+FFFE marks); "x- y" splits inside a line; ligature characters
  (U+FB00-FB06); odd words: normalised words of 3+ letters that no other extractor produced for the same paper, per
  1000 words (words cut in two, run together or mangled); reading order: on each two-column page (from PDFium's line
  boxes: 8+ body lines wholly left and 8+ wholly right of the middle), whether the left column's first line comes
  before its last line and that before the right column's first line in the extractor's text (lines found by their
  first 30 letters and digits).
Per paper, rag.read.pdf: pages, blocks by kind, share of the text (non-whitespace characters, running headers and
page numbers left out) that lies in blocks, the same for digits, header/footer rows left out, seconds, "cut":
paragraphs that end without . ! ? : while the next paragraph on the page starts lowercase (sentences cut by a block
break), and the answer word pairs found in the blocks' normalised text. Plus a synthetic 70-page filing made with
reportlab (running header, page numbers, a table on every page) for speed, and (`--thresholds-only` prints just
these) the measurements the constants in rag/read/pdf/constants.py are set from.
Writes eval/results/pdf_extractors.json.
"""
from __future__ import annotations

import argparse
import io
import json
import re
import statistics
import sys
import time
import unicodedata
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
ARAGOG = SHARED / "datasets" / "aragog"
OUT = ROOT / "eval" / "results" / "pdf_extractors.json"
EXTRACTORS = ("pypdfium2", "pypdf", "pdfminer.six")

# which paper a question is about: the first name it mentions, in this order (DistilBERT and RoBERTa before BERT)
PAPER_NAMES = (("distilbert", r"distilbert"), ("roberta", r"roberta"), ("bert", r"\bbert"), ("llama", r"llama"),
               ("MMLU_measure", r"mmlu|massive multitask"), ("hellaswag", r"hellaswag"), ("superglue", r"superglue"),
               ("DetectGPT", r"detectgpt"), ("PAL", r"\bpal\b|program-aided"), ("codenet", r"codenet"),
               ("megatron", r"megatron"), ("task2vec", r"task2vec"), ("red_teaming", r"red.team|chatgpt"),
               ("llm_long_tail", r"long.tail"), ("meaning_of_prompt", r"prompt"))


# ----------------------------------------------------------------------------- extractors: bytes -> page texts
def _pypdfium2(data: bytes) -> list[str]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        out = []
        for i in range(len(pdf)):
            page = pdf[i]
            tp = page.get_textpage()
            out.append(tp.get_text_range())
            tp.close()
            page.close()
        return out
    finally:
        pdf.close()


def _pypdf(data: bytes) -> list[str]:
    from pypdf import PdfReader

    return [p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages]


def _pdfminer(data: bytes) -> list[str]:
    from pdfminer.high_level import extract_text

    pages = extract_text(io.BytesIO(data)).split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


FUNCS = {"pypdfium2": _pypdfium2, "pypdf": _pypdf, "pdfminer.six": _pdfminer}


# ----------------------------------------------------------------------------- measures
def _tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", unicodedata.normalize("NFKC", text).lower())


def _answer_tokens(answer: str) -> list[str]:
    return [t for t in _tokens(answer) if len(t) >= 3 or any(c.isdigit() for c in t)]


def _squash(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", text).lower() if c.isalnum())


def questions_by_paper() -> dict[str, list[str]]:
    bench = json.loads((ARAGOG / "benchmark.json").read_text())
    out: dict[str, list[str]] = {}
    for q, a in zip(bench["questions"], bench["ground_truths"]):
        for paper, pat in PAPER_NAMES:
            if re.search(pat, q.lower()):
                out.setdefault(paper, []).append(a)
                break
    return out


def _recall(answers: list[str], text: str) -> tuple[int, int, int, int, int, int]:
    """Answer words found, of all; number tokens found, of all; answer word pairs (bigrams) found, of all."""
    toks = _tokens(text)
    have, pairs = set(toks), set(zip(toks, toks[1:]))
    words = [t for a in answers for t in _answer_tokens(a)]
    nums = [t for t in words if t.isdigit()]
    bigrams = [bg for a in answers for bg in zip(_tokens(a), _tokens(a)[1:])]
    return (sum(t in have for t in words), len(words), sum(t in have for t in nums), len(nums),
            sum(bg in pairs for bg in bigrams), len(bigrams))


def _probes(data: bytes) -> list[tuple[str, str, str]]:
    """(left column first line, left column last line, right column first line) of each two-column page."""
    import rag.read.pdf as P

    got = P._extract_pdfium(data)
    if got is None:
        return []
    _, pages, _ = got
    body = P._body_size(pages)
    out = []
    for lines in pages:
        ls = [ln for ln in lines if ln.geo and not ln.vertical and abs(ln.size - body) <= 0.6 and len(ln.text) >= 30]
        if not ls:
            out.append(None)
            continue
        mid = (min(ln.x0 for ln in ls) + max(ln.x1 for ln in ls)) / 2
        left = [ln for ln in ls if ln.x1 < mid]
        right = [ln for ln in ls if ln.x0 > mid]
        if len(left) < 8 or len(right) < 8:
            out.append(None)
            continue
        lf, ll = min(left, key=lambda ln: ln.base), max(left, key=lambda ln: ln.base)
        rf = min(right, key=lambda ln: ln.base)
        out.append(tuple(_squash(ln.text)[:30] for ln in (lf, ll, rf)))
    return out


def _order(probes, pages: list[str]) -> tuple[int, int, int]:
    """(two-column pages, in order, probes not found)."""
    n = ok = missing = 0
    for i, pr in enumerate(probes):
        if pr is None:
            continue
        n += 1
        page = _squash(pages[i]) if i < len(pages) else ""
        pos = [page.find(p) for p in pr]
        if min(pos) < 0:
            missing += 1
        elif pos[0] < pos[1] < pos[2]:
            ok += 1
    return n, ok, missing


def compare(papers: list[Path], names: list[str], answers: dict[str, list[str]]) -> dict:
    from rag.read.normalize import normalize

    probes = {p.stem: _probes(p.read_bytes()) for p in papers}
    res: dict = {}
    vocab: dict[str, dict[str, Counter]] = {}  # extractor -> paper -> normalised word counts
    for name in names:
        fn = FUNCS[name]
        fn(papers[0].read_bytes())  # warm-up: imports
        row = Counter()
        per = {}
        failures = []
        for p in papers:
            data = p.read_bytes()
            t = time.perf_counter()
            try:
                pages = fn(data)
            except Exception as e:  # noqa: BLE001 - a failure to open is what we count
                failures.append(f"{p.name}: {e.__class__.__name__}: {str(e)[:80]}")
                continue
            secs = time.perf_counter() - t
            text = "\n".join(pages)
            ntext = normalize(text).text
            raw = _recall(answers.get(p.stem, []), text)
            norm = _recall(answers.get(p.stem, []), ntext)
            vocab.setdefault(name, {})[p.stem] = Counter(t for t in _tokens(ntext) if len(t) >= 3 and t.isalpha())
            plain = len(re.findall(r"[a-z]-[ \t]*\r?\n[ \t]*[a-z]", text))
            marked = text.count("\ufffe")
            hyph = plain + marked
            split = len(re.findall(r"[a-z]- [a-z]", text))
            lig = sum(text.count(chr(c)) for c in range(0xFB00, 0xFB07))
            order = _order(probes[p.stem], pages)
            per[p.stem] = {"seconds": round(secs, 3), "pages": len(pages), "chars": len(text),
                           "answer_words_raw": raw[0] / max(1, raw[1]), "answer_words": norm[0] / max(1, norm[1]),
                           "answer_pairs_raw": raw[4] / max(1, raw[5]), "answer_pairs": norm[4] / max(1, norm[5]),
                           "hyphens_left": hyph, "hyphens_marked": marked, "hyphen_space_splits": split,
                           "ligatures": lig,
                           "two_column_pages": order[0], "order_ok": order[1]}
            row.update({"seconds": secs, "files": 1, "w_raw": raw[0], "w_norm": norm[0], "w_all": raw[1],
                        "n_raw": raw[2], "n_norm": norm[2], "n_all": raw[3], "hyph": hyph, "split": split,
                        "b_raw": raw[4], "b_norm": norm[4], "b_all": raw[5], "marked": marked,
                        "lig": lig, "cols": order[0], "cols_ok": order[1], "cols_missing": order[2]})
        f = max(1, row["files"])
        res[name] = {
            "files": row["files"], "failed": failures, "seconds_per_file": round(row["seconds"] / f, 3),
            "answer_words_raw": round(row["w_raw"] / max(1, row["w_all"]), 4),
            "answer_words": round(row["w_norm"] / max(1, row["w_all"]), 4),
            "answer_numbers_raw": round(row["n_raw"] / max(1, row["n_all"]), 4),
            "answer_numbers": round(row["n_norm"] / max(1, row["n_all"]), 4),
            "answer_pairs_raw": round(row["b_raw"] / max(1, row["b_all"]), 4),
            "answer_pairs": round(row["b_norm"] / max(1, row["b_all"]), 4),
            "hyphens_left": row["hyph"], "hyphens_marked": row["marked"], "hyphen_space_splits": row["split"],
            "ligatures": row["lig"],
            "two_column_pages": row["cols"], "order_ok": row["cols_ok"], "order_lines_not_found": row["cols_missing"],
            "answer_words_total": row["w_all"], "answer_numbers_total": row["n_all"], "per_file": per,
        }
    # words only this extractor produced (no other extractor has them in the same paper): words cut in two
    # ("comprehe nsive"), run together, or mangled; counted on the normalised text (hyphens joined, ligatures folded)
    if len(vocab) >= 2:
        for name in vocab:
            odd, total = Counter(), 0
            for paper, words in vocab[name].items():
                others = [vocab[o][paper] for o in vocab if o != name and paper in vocab[o]]
                if not others:
                    continue
                total += sum(words.values())
                for w, n in words.items():
                    if all(w not in o for o in others):
                        odd[w] += n
            res[name]["odd_words_per_1k"] = round(1000 * sum(odd.values()) / max(1, total), 2)
            res[name]["odd_words_examples"] = [w for w, _ in odd.most_common(12)]
    return res


def _cut(doc) -> int:
    from rag.read.normalize import normalize

    n = 0
    for a, b in zip(doc.blocks, doc.blocks[1:]):
        if a.kind in ("paragraph", "list_item") and b.kind == "paragraph" and a.page == b.page:
            ta, tb = normalize(doc.text, a.start, a.end).text, normalize(doc.text, b.start, b.end).text
            if len(ta) > 30 and not re.search(r"[.!?:][\"'”’)\]]*$", ta) and tb[:1].islower():
                n += 1
    return n


def reader_stats(data: bytes, source: str, answers: list[str] | None = None) -> dict:
    import rag.read.pdf as P
    from rag.read.normalize import normalize

    t = time.perf_counter()
    doc, rows = P._read(data, source, "")
    secs = time.perf_counter() - t
    text = doc.text
    edge = bytearray(len(text))
    inb = bytearray(len(text))
    n_edge = 0
    for page in rows:
        for r in page:
            if r.edge:
                n_edge += 1
                edge[r.start:r.end] = b"\x01" * (r.end - r.start)
    for b in doc.blocks:
        inb[b.start:b.end] = b"\x01" * (b.end - b.start)
    tot = cov = dig = dcov = 0
    for i, c in enumerate(text):
        if c.isspace() or edge[i]:
            continue
        tot += 1
        cov += inb[i]
        if c.isdigit():
            dig += 1
            dcov += inb[i]
    kinds = Counter(b.kind for b in doc.blocks)
    rows_t = [b for b in doc.blocks if b.kind == "table_row"]
    out = {"pages": doc.metadata.pages, "blocks": len(doc.blocks), "kinds": dict(kinds),
           "text_in_blocks": round(cov / max(1, tot), 4), "digits_in_blocks": round(dcov / max(1, dig), 4),
           "header_footer_rows": n_edge, "seconds": round(secs, 3), "cut": _cut(doc),
           "table_rows_with_header": round(sum(bool(b.header) for b in rows_t) / max(1, len(rows_t)), 3),
           "title": doc.metadata.title}
    if answers:
        blocks_text = "\n".join(normalize(text, b.start, b.end).text for b in doc.blocks)
        w = _recall(answers, blocks_text)
        out["answer_words_in_blocks"] = round(w[0] / max(1, w[1]), 4)
        out["answer_pairs_in_blocks"] = round(w[4] / max(1, w[5]), 4)
    return out


def _bins(values: list[float], edges: list[float]) -> dict[str, int]:
    out = {}
    lo = None
    for e in edges + [None]:
        name = (f"<{e}" if lo is None else f"{lo}-{e}" if e is not None else f">={lo}")
        out[name] = sum(1 for v in values if (lo is None or v >= lo) and (e is None or v < e))
        lo = e
    return out


def measure_thresholds(papers: list[Path]) -> dict:
    """The distributions the constants in rag/read/pdf/constants.py are set from (PDFium lines of every paper)."""
    import rag.read.pdf as P

    ratio, dx, short_cont, sizes = [], [], [], Counter()
    gaps_para, gaps_table, head_ratio, edge_gap, band_gap = [], [], [], [], []
    for p in papers:
        doc, pages_rows = P._read(p.read_bytes(), p.name, "")
        _, pages, _ = P._extract_pdfium(p.read_bytes())
        pitch = P._pitches(pages)
        body = P._body_size(pages)
        kind_at = {}
        for b in doc.blocks:
            kind_at[b.start] = b.kind
        for lines in pages:
            for ln in lines:
                if ln.geo and not ln.vertical:
                    sizes[round(ln.size, 1)] += len(ln.text)
        for rows in pages_rows:
            block_of = {}
            for r in rows:
                for b in doc.blocks:
                    if b.start <= r.start < b.end or b.start == r.start:
                        block_of[id(r)] = b
                        break
            for a, b in zip(rows, rows[1:]):
                if not (a.geo and b.geo) or a.edge or b.edge or abs(a.size - b.size) > P.SIZE_TOL:
                    continue
                if min(a.x1, b.x1) - max(a.x0, b.x0) <= 0 or b.base <= a.base:
                    continue
                pt = pitch.get(round(a.size * 2) / 2, 1.2 * a.size)
                rt = (b.base - a.base) / pt
                ratio.append(rt)
                if rt > P.PITCH_GAP or abs(a.size - body) > 0.6:
                    continue
                d = (b.x0 - a.x0) / a.size
                dx.append(d)
                ba = block_of.get(id(a))
                if ba is not None and ba.kind == "paragraph":
                    right = max(a.x1, b.x1)
                    if abs(d) <= 0.1:
                        short_cont.append((right - a.x1) / a.size)
            for r in rows:
                bk = block_of.get(id(r))
                if bk is None or not r.geo:
                    continue
                g = [x for ln in r.lines for x in ln.gaps]
                if bk.kind == "paragraph" and abs(r.size - body) <= 0.6:
                    gaps_para += g
                elif bk.kind == "table_row":
                    gaps_table += g
                if bk.kind == "heading" and re.match(r"^\d+(\.\d+)*\.? [A-Z]", r.text):
                    head_ratio.append(r.size / body)
            top, bottom, _, _ = P._edge_bands(rows)
            for bands in (top, bottom):
                for i in range(len(bands) - 1):
                    g = abs(bands[i + 1][0].base - bands[i][0].base) / max(r.size for r in bands[i] + bands[i + 1])
                    if all(r.edge for r in bands[i]) and not any(r.edge for r in bands[i + 1]):
                        edge_gap.append(g)
                    elif not any(r.edge for r in bands[i] + bands[i + 1]):
                        band_gap.append(g)

    def pct(v, q):
        v = sorted(v)
        return round(v[min(len(v) - 1, int(q * len(v)))], 3) if v else None

    return {
        "pitch_ratio (baseline gap / pitch, same size and column)": _bins(ratio, [0.9, 1.05, 1.2, 1.25, 1.3, 1.5, 2.0]),
        "indent (left edge step / size, body lines)": _bins(dx, [-0.8, -0.3, -0.1, 0.1, 0.3, 0.5, 0.8, 1.5, 2.5]),
        "short (right-edge shortfall / size) of paragraph lines followed by an aligned line": _bins(
            short_cont, [0.2, 0.5, 1.0, 1.5, 3.0]),
        "word gaps / size in paragraphs": {"n": len(gaps_para), "p50": pct(gaps_para, 0.5), "p99": pct(gaps_para, 0.99),
                                           "share>=CELL_GAP": round(sum(g >= P.CELL_GAP for g in gaps_para)
                                                                    / max(1, len(gaps_para)), 4)},
        "word gaps / size in table rows": {"n": len(gaps_table), "p50": pct(gaps_table, 0.5),
                                           "share>=CELL_GAP": round(sum(g >= P.CELL_GAP for g in gaps_table)
                                                                    / max(1, len(gaps_table)), 4)},
        "font sizes (chars), top 10": {str(k): v for k, v in sizes.most_common(10)},
        "numbered heading size / body size": {str(k): v for k, v in
                                              sorted(Counter(round(x, 2) for x in head_ratio).items())},
        "running header/footer to body gap / size": {"n": len(edge_gap), "min": pct(edge_gap, 0),
                                                     "p5": pct(edge_gap, 0.05), "median": pct(edge_gap, 0.5)},
        "gaps between other rows near the page edges / size": {
            "n": len(band_gap), "median": pct(band_gap, 0.5),
            "share>=EDGE_GAP": round(sum(g >= P.EDGE_GAP for g in band_gap) / max(1, len(band_gap)), 3)},
    }


def synthetic_filing(pages: int = 70) -> bytes:
    """A 10-Q-like PDF: running header, page number, two paragraphs and a 14-row table on each page."""
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter)
    words = ("revenue net sales increased compared with the prior year period primarily due to higher "
             "services and products segment operating income gross margin foreign currency").split()
    for p in range(1, pages + 1):
        c.setFont("Helvetica", 8)
        c.drawString(72, 750, f"Acme Inc. | Q3 2023 Form 10-Q | {p}")
        c.setFont("Times-Roman", 10)
        y = 720
        for para in range(2):
            for ln in range(6):
                line = " ".join(words[(p * 7 + para * 5 + ln * 3 + k) % len(words)] for k in range(14))
                c.drawString(72, y, line.capitalize() + ("." if ln == 5 else ""))
                y -= 12
            y -= 10
        c.drawString(300, y, "June 24, 2023")
        c.drawString(420, y, "September 24, 2022")
        y -= 14
        for r in range(14):
            c.drawString(72, y, f"Line item {r + 1}")
            c.drawRightString(360, y, f"{(p * 131 + r * 977) % 90000:,}")
            c.drawRightString(500, y, f"{(p * 17 + r * 4331) % 90000:,}")
            y -= 13
        c.setFont("Times-Roman", 9)
        c.drawCentredString(306, 40, str(p))
        c.showPage()
    c.save()
    return buf.getvalue()


def _table(res: dict) -> str:
    head = (f"{'extractor':13} {'s/file':>7} {'failed':>6} {'ans.words':>9} {'(norm.)':>8} {'numbers':>8} "
            f"{'ans.pairs':>9} {'(norm.)':>8} {'hyph.left (marked)':>18} {'x- y':>5} {'lig.':>5} {'odd/1k':>6} "
            f"{'2-col order':>11}")
    lines = [head]
    for name, r in res.items():
        lines.append(f"{name:13} {r['seconds_per_file']:7.3f} {len(r['failed']):6d} {r['answer_words_raw']:9.3f} "
                     f"{r['answer_words']:8.3f} {r['answer_numbers']:8.3f} {r['answer_pairs_raw']:9.3f} "
                     f"{r['answer_pairs']:8.3f} {r['hyphens_left']:9d} ({r['hyphens_marked']:5d}) "
                     f"{r['hyphen_space_splits']:5d} {r['ligatures']:5d} "
                     f"{r.get('odd_words_per_1k', float('nan')):6.2f} "
                     f"{r['order_ok']:>4d}/{r['two_column_pages']:<3d}"
                     + (f" ({r['order_lines_not_found']} n/f)" if r["order_lines_not_found"] else ""))
    return "\n".join(lines)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--extractors", nargs="+", default=list(EXTRACTORS), choices=EXTRACTORS)
    ap.add_argument("--papers", type=Path, default=ARAGOG / "papers")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--thresholds-only", action="store_true", help="print the threshold measurements and stop")
    args = ap.parse_args(argv)
    import logging

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its warnings about odd fonts are noise here
    papers = sorted(args.papers.glob("*.pdf"))
    if not papers:
        raise SystemExit(f"no PDFs in {args.papers}")
    if args.thresholds_only:
        for k, v in measure_thresholds(papers).items():
            print(f"{k}: {v}")
        return
    answers = questions_by_paper()
    print(f"{len(papers)} papers; {sum(len(v) for v in answers.values())} questions matched to a paper", flush=True)
    res = compare(papers, args.extractors, answers)
    print(_table(res), flush=True)
    print("\nrag.read.pdf per paper (text/digits in blocks: non-whitespace characters, running headers and page "
          "numbers left out)")
    print(f"{'paper':18} {'pages':>5} {'blocks':>6} {'para':>5} {'head':>5} {'list':>5} {'table':>5} {'text%':>7} "
          f"{'digit%':>7} {'hdr/ftr':>7} {'cut':>4} {'ans.p':>6} {'s':>6}")
    stats = {}
    for p in papers:
        st = reader_stats(p.read_bytes(), p.name, answers.get(p.stem, []))
        stats[p.stem] = st
        k = st["kinds"]
        print(f"{p.stem[:18]:18} {st['pages']:5d} {st['blocks']:6d} {k.get('paragraph', 0):5d} "
              f"{k.get('heading', 0):5d} "
              f"{k.get('list_item', 0):5d} {k.get('table_row', 0):5d} {100 * st['text_in_blocks']:6.2f}% "
              f"{100 * st['digits_in_blocks']:6.2f}% {st['header_footer_rows']:7d} {st['cut']:4d} "
              f"{st.get('answer_pairs_in_blocks', float('nan')):6.3f} {st['seconds']:6.2f}")
    tot_pages = sum(s["pages"] for s in stats.values())
    tot_secs = sum(s["seconds"] for s in stats.values())
    print(f"{'all':18} {tot_pages:5d} {sum(s['blocks'] for s in stats.values()):6d}  "
          f"text in blocks min {min(s['text_in_blocks'] for s in stats.values()):.4f}, "
          f"digits min {min(s['digits_in_blocks'] for s in stats.values()):.4f}; "
          f"{tot_secs / tot_pages * 1000:.0f} ms/page")
    synth = None
    try:
        data = synthetic_filing()
        synth = reader_stats(data, "synthetic-10q.pdf")
        print(f"\nsynthetic 70-page filing (reportlab): {synth['blocks']} blocks {synth['kinds']}, "
              f"{synth['header_footer_rows']} header/footer rows left out, "
              f"text in blocks {synth['text_in_blocks']:.4f}, "
              f"{synth['seconds']:.2f} s")
    except ImportError:
        print("reportlab not installed: no synthetic filing")
    print("\nmeasurements behind the thresholds in rag/read/pdf/constants.py:")
    thresholds = measure_thresholds(papers)
    for k, v in thresholds.items():
        print(f"  {k}: {v}")
    if not args.no_write:
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text(json.dumps({
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "papers": [p.name for p in papers], "questions_matched": {k: len(v) for k, v in answers.items()},
            "python": sys.version.split()[0], "versions": _versions(), "extractors": res, "reader": stats,
            "synthetic_filing": synth, "thresholds": thresholds,
            "reader_seconds_per_page_median": round(statistics.median(
                s["seconds"] / max(1, s["pages"]) for s in stats.values()), 4),
        }, indent=1, ensure_ascii=False))
        print(f"wrote {OUT.relative_to(ROOT)}")


def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for pkg in ("pypdfium2", "pypdf", "pdfminer.six", "reportlab"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = None
    return out


if __name__ == "__main__":
    main()
