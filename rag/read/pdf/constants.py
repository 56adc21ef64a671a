"""The measured thresholds of the PDF reader, and the text patterns that several of its steps share.

Only constants: each step's own patterns live in its module (extract, furniture, tables, classify).
"""
from __future__ import annotations

import re

# -- thresholds. Each was set from a measurement on the 15 aragog papers (304 pages; PDFium's lines; the numbers come
# from `python -m eval.pdf_extractors --thresholds-only`). Sizes are in points, distances in font sizes unless said.
#
# Baseline distance between consecutive same-size lines of one column, over the document's usual distance (pitch)
# for that size: 14.5k of 17.6k pairs lie at 0.9-1.05, 738 at 1.05-1.2 (lines made taller by inline math, up to
# 1.21), 72 at 1.2-1.3, 2.2k above 1.3 (space before headings, spaced paragraphs, floats). Above PITCH_GAP x the
# pitch the paragraph ends.
PITCH_GAP = 1.3
# Step of a line's left edge from the line above (body lines): 10.1k of 11.6k within +-0.1, 81 at 0.1-0.3, 27 at
# 0.3-0.8, first-line indents at 0.8-2.5 (755). A step over INDENT starts a paragraph (or is a hanging indent).
INDENT = 0.5
# How far a paragraph line stops short of the column's right edge when the next line goes on at the same margin:
# 8662 of 8903 within 0.2, 32 in 0.5-1.5. A line SHORT or more before the edge that ends a sentence (or is followed
# by a capital) ends its paragraph.
SHORT = 1.5
# Word gaps inside paragraph lines: median 0.32, 99th percentile 0.75, 0.34% at 1.0 or more; in table rows 46% are
# 1.0 or more. A gap of CELL_GAP separates table cells (evidence for a table, never enough alone).
CELL_GAP = 1.0
# Two cells of one PDFium line whose baselines are this many font sizes apart or more are set on different lines
# (stacked column labels centred on each other step by half a line; a superscript mark has no cell gap before it).
STEP_EMS = 0.4
# Line sizes (largest of three sampled characters) cluster at 9.0-9.1, 9.9-10.1, 10.8-11.0, 12.0: clusters at least
# 0.7 apart, sizes within a cluster 0.2. Sizes within SIZE_TOL are one style.
SIZE_TOL = 0.45
# Numbered section headings over the body size: 0.99-1.01 (125, bold), 1.09-1.10 (38), 1.20 (64). A bold line, or a
# numbered one, at HEAD_RATIO x the body size or more is a heading.
HEAD_RATIO = 1.08
# Paper titles are 1.30-2.48 x the body size; other text at the top of page 1 (authors, affiliations) at most 1.20.
# A line neither bold nor numbered is a heading from TITLE_RATIO x the body size.
TITLE_RATIO = 1.25
# Running headers/footers and page numbers: the text (digits folded) of one of the outer EDGE_ROWS rows of a page,
# apart from the body by EDGE_GAP or more, at one height (+-EDGE_TOL points) on EDGE_PAGES pages or more. Measured:
# the 260 header/footer rows found sit 1.6-6 from the body (5th percentile 1.9, median 3.0); other rows near the
# page edges are a median 1.2 apart (17% at 2.0 or more, which the same-text-same-height rule then has to match).
EDGE_ROWS = 3
EDGE_GAP = 2.0
EDGE_TOL = 2.0
EDGE_PAGES = 3

# text patterns used by more than one step
_NUMBERED_HEAD = re.compile(r"^(?:(?:\d{1,2}|[A-Z])(?:\.\d{1,2}){0,3}\.?)\s+\S")
_TERMINAL = re.compile(r"[.!?:][\"'”’)\]]*$")
_CAPTION = re.compile(r"^(?:table|figure|fig\.|algorithm|listing)\s*[\dA-Z]", re.I)
