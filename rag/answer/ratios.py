"""Figures that must be computed: "Has Amcor's quick ratio improved between FY2023 and FY2022?" is
answered by the statement rows the ratio is computed from (cash, receivables, current liabilities)
when the filing states no such ratio, rather than declined (issue #18: "the answer shows the rows the
computation needs"). The answer shows the rows; it does not divide them: a statement's rows carry
signs, subtotals and restatements that a reader should see before trusting a quotient.

Why a table of definitions: which line items a ratio is computed from is standard analyst practice
(textbook definitions over US GAAP statement wording), not something the documents say; none of it is
taken from a question. Each item lists the names statements use for it, tried in turn.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Mapping, Sequence

from .. import terms
from ..read import table
from .features import Scored
from .lookup import MIN_COVERAGE, explains, figure_names, line_items, period_words, row_matches

_CASH = ("cash and cash equivalents",)
# a balance sheet prints "Accounts receivable, net"; a cash flow statement's "Trade receivables" row is
# the year's change in them
_RECEIVABLES = ("accounts receivable, net", "trade receivables, net", "receivables, net", "accounts receivable",
                "trade receivables", "receivables")
_SHORT_INVESTMENTS = ("short-term investments", "marketable securities")
_CURRENT_ASSETS = ("total current assets",)
_CURRENT_LIABILITIES = ("total current liabilities",)
_REVENUE = ("revenue",)  # its other names ("Total net sales") are `lookup.line_items`'s
_COST_OF_SALES = ("cost of sales",)
_GROSS_PROFIT = ("gross profit",)
_OPERATING_INCOME = ("operating income",)
_NET_INCOME = ("net income",)
_OPERATING_CASH = ("net cash provided by operating activities", "cash provided by operating activities",
                   "net cash from operating activities")
_CAPEX = ("capital expenditures", "purchases of property and equipment",
          "purchase of property, plant and equipment", "payments for property, plant and equipment",
          "additions to property and equipment")
_PPE = ("property and equipment, net", "property, plant and equipment, net", "property and equipment",
        "property, plant and equipment")
_INVENTORIES = ("inventories", "merchandise inventories", "inventory")
_TOTAL_ASSETS = ("total assets",)
_EQUITY = ("total shareholders' equity", "total stockholders' equity", "total equity")
_DEBT = ("long-term debt", "total debt")
_PAYABLES = ("accounts payable", "trade payables")
_DEPRECIATION = ("depreciation and amortization",)
_INTEREST = ("interest expense",)
_DIVIDENDS = ("dividends paid", "cash dividends")

# Balances at a date: a cash flow statement's row of the same name ("Inventory (37)" under "Changes in
# operating assets and liabilities") is the year's change in them, not the balance
_BALANCES = (_CASH, _RECEIVABLES, _SHORT_INVESTMENTS, _CURRENT_ASSETS, _CURRENT_LIABILITIES, _PPE, _INVENTORIES,
             _TOTAL_ASSETS, _EQUITY, _DEBT, _PAYABLES)
_CASH_FLOWS = re.compile(r"\bcash\s+flows?\b|\bchanges?\s+in\b", re.I)

# (what the question says, the line items it is computed from); the longer names first, so that
# "fixed asset turnover" is not read as "asset turnover"
RATIOS: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...] = (
    (r"quick ratio|acid[\s-]test(?: ratio)?", (_CASH, _SHORT_INVESTMENTS, _RECEIVABLES, _CURRENT_LIABILITIES)),
    (r"cash ratio", (_CASH, _CURRENT_LIABILITIES)),
    (r"current ratio|working capital", (_CURRENT_ASSETS, _CURRENT_LIABILITIES)),
    (r"gross (?:profit )?margins?", (_GROSS_PROFIT, _REVENUE, _COST_OF_SALES)),
    (r"ebitda margins?", (_OPERATING_INCOME, _DEPRECIATION, _REVENUE)),
    (r"operating (?:profit |income )?margins?", (_OPERATING_INCOME, _REVENUE)),
    (r"(?:net (?:profit |income )?|profit )margins?", (_NET_INCOME, _REVENUE)),
    (r"free cash ?flow conversion|cash conversion(?! cycle)", (_OPERATING_CASH, _CAPEX, _NET_INCOME)),
    (r"free cash ?flows?", (_OPERATING_CASH, _CAPEX)),
    (r"(?:capex|capital expenditures?)(?: to (?:revenue|sales))? ratio|capex intensity", (_CAPEX, _REVENUE)),
    (r"fixed assets? turnover", (_REVENUE, _PPE)),
    (r"(?:total )?assets? turnover", (_REVENUE, _TOTAL_ASSETS)),
    (r"inventory turnover|days (?:of |in )?inventory(?: outstanding)?", (_COST_OF_SALES, _INVENTORIES)),
    (r"days (?:of )?sales outstanding|receivables? turnover", (_REVENUE, _RECEIVABLES)),
    (r"days (?:of )?payables? outstanding|payables? turnover", (_COST_OF_SALES, _PAYABLES)),
    (r"return on (?:total )?assets|\broa\b", (_NET_INCOME, _TOTAL_ASSETS)),
    (r"return on (?:(?:shareholders|stockholders)['’]? )?equity|\broe\b", (_NET_INCOME, _EQUITY)),
    (r"debt[\s-]to[\s-](?:equity|capital)|leverage ratio", (_DEBT, _EQUITY)),
    (r"interest coverage(?: ratio)?|times interest earned", (_OPERATING_INCOME, _INTEREST)),
    (r"(?:dividend )?payout ratio", (_DIVIDENDS, _NET_INCOME)),
)
_PATTERNS = tuple((re.compile(rf"(?<![\w-])(?:{p})(?![\w-])", re.I), items) for p, items in RATIOS)


@lru_cache(maxsize=256)
def ratio_in(question: str) -> tuple[str, tuple[tuple[str, ...], ...]] | None:
    """The ratio a question names, as written, with the line items it is computed from; None if none."""
    for pattern, items in _PATTERNS:
        if m := pattern.search(question):
            return m.group(0), items
    return None


def asks_ratio(question: str) -> bool:
    """Whether a question asks for a ratio's value ("What was the quick ratio ...", "Has the gross margin
    improved ..."), not why or how it moved (`lookup.explains`): rows of figures say neither."""
    found = ratio_in(question)
    if found is None:
        return False
    # the sentence that names it: "..., then state that and explain why." after it is an instruction
    said = next((s for s in re.split(r"(?<=[.?!])\s+", question) if found[0] in s), question)
    return not explains(said)


@lru_cache(maxsize=256)
def component_questions(question: str) -> tuple[tuple[str, ...], ...]:
    """For a question naming a ratio, one look-up per line item it is computed from, each in the
    names statements use: "Has AMCOR's quick ratio improved between FY2023 and FY2022?" ->
    (("What was the cash and cash equivalents of AMCOR for FY2023 FY2022?",), ...). The question's
    names (less those inside the ratio's own words: "Free" of "Free cashflow") and its period words
    are kept, so the row look-up reads the same filing and the same columns. () when no ratio is named."""
    found = ratio_in(question)
    if found is None:
        return ()
    phrase, items = found
    own = {w.lower() for w in terms.words(phrase)}
    names = [n for n in sorted(figure_names(question), key=question.find)
             if not {w.lower() for w in terms.words(n)} & own]
    of = f" of {' '.join(names)}" if names else ""  # ("Marina Ropeworks" is read as two names)
    period = period_words(question)
    when = f" for {' '.join(period)}" if period else ""
    return tuple(tuple(f"What was the {name}{of}{when}?" for name in item) for item in items)


def ratio_rows(question: str, ranked: Sequence[Scored], idf=None, titles: Mapping[str, str] | None = None
               ) -> list[Scored]:
    """The table rows of `ranked` that state the line items a ratio the question names is computed
    from, in the order of the definition, all from one table where one holds them; [] when fewer than
    two are found (one row computes no ratio). A row states an item when its label holds every word of
    one of the item's names ("Trade receivables, net of allowance ..." states "trade receivables, net";
    "Total current assets" does not state "total current liabilities", nor does a row under "Adjustments
    to reconcile net income ..." state net income), its look-up matches (`lookup.row_matches` for the
    item's `component_questions`: the filing the question names, a column for its period), it is an
    amount (`_amount`), and a balance is not read from a cash flow statement (`_BALANCES`).
    The table is the one that states the most items, then the company's own before a part's (a
    guarantor group's balance sheet prints the same rows, and its cash is not the company's), then the
    one whose columns fit the asked period best (an acquired company's quarter ended March 31 is not the
    second quarter asked), then an audited one; each item's row there is the one of its first name
    that has one, best named. An item that table lacks is read from its document, never another."""
    found = ratio_in(question) if asks_ratio(question) else None
    if found is None:
        return []
    per_item: list[list] = []  # per line item, (name's rank, RowMatch) of every row that states it
    labels = {s.record.id: _label_terms(s.span) for s in ranked if s.span.kind == "table_row" and s.span.header}
    for item, names in zip(found[1], component_questions(question)):
        rows = []
        for k, (name, asked) in enumerate(zip(item, names)):
            # (the rows whose label states the item, then their look-up: `row_matches` reads every row)
            wanted = set(terms.content_terms(line_items(name)))
            stating = [s for s in ranked if s.record.id in labels and wanted <= labels[s.record.id]]
            rows += [(k, m) for m in row_matches(asked, stating, idf, titles, any_period=True)
                     if m.coverage >= MIN_COVERAGE and _amount(m.scored.span, asked)
                     and not (item in _BALANCES and _in_cash_flows(m.scored.span))]
        if rows:
            per_item.append(rows)
    if len(per_item) < 2:
        return []

    def standing(t: tuple[str, str]) -> tuple[int, bool, int, bool]:
        own = [m for rows in per_item for _, m in rows if _table(m.scored) == t]
        held = [max((m.fit for _, m in rows if _table(m.scored) == t), default=None) for rows in per_item]
        return sum(h is not None for h in held), not any(m.part for m in own), \
            sum(h for h in held if h is not None), all(m.audited for m in own)

    tables = list(dict.fromkeys(_table(m.scored) for rows in per_item for _, m in rows))
    best = max(tables, key=standing)  # (max keeps the first of equals: the earliest found)
    out: list[Scored] = []
    for rows in per_item:
        mine = [(k, m) for k, m in rows if _table(m.scored) == best] or \
            [(k, m) for k, m in rows if m.scored.span.source == best[0]]
        if not mine:
            continue
        row = min(mine, key=lambda km: (km[0], -km[1].score))[1].scored
        if all(row is not r for r in out):
            out.append(row)
    return out if len(out) >= 2 else []


def _label_terms(span) -> set[str]:
    """The content words of a table row's label, each line item read by its first name
    (`lookup.line_items`: "Total net sales" holds "revenue"); a row states an item when they hold
    every word of one of its names."""
    read = table.cells(span.header, span.text)
    return set(terms.content_terms(line_items(read[1] if read else span.text)))


def _amount(span, question: str) -> bool:
    """Whether a row states an amount in the column the question asks: not "Revenue % change", nor
    "Percentage of total revenue" (a row of amounts with a percentage change beside them is one)."""
    read = table.cells(span.header, span.text)
    if read is None or re.search(r"%|\bpercent", read[1], re.I):
        return False
    if not table.column_fits(question, read[0]):  # no period asked: the row is read in all its columns
        return not all(v.endswith("%") for v in read[2])
    picked = table.best_columns(question, read[0])
    return bool(picked) and not any(read[2][i].endswith("%") for i in picked)


def _in_cash_flows(span) -> bool:
    return _CASH_FLOWS.search(table.parse_header(span.header).context) is not None


def _table(s: Scored) -> tuple[str, str]:
    return s.span.source, s.span.header


def preface(question: str) -> str:
    """How an answer of computation rows opens: it says that the ratio itself is not stated."""
    found = ratio_in(question)
    if found is None:
        return ""
    name = found[0] if found[0].isupper() else found[0].lower()  # "ROE" as written, "Free cashflow" not
    return f"The documents do not state the {name}; it is computed from these figures:"


def states_ratio(sentence: Scored, question: str) -> bool:
    """Whether a sentence names the ratio the question asks for and states a figure ("Our gross margin
    was 21.4% in fiscal 2023"): then it answers, and the rows it is computed from need not."""
    found = ratio_in(question)
    return found is not None and set(terms.content_terms(found[0])) <= sentence.terms \
        and _RATIO_FIGURE.search(sentence.span.text) is not None


# how a ratio is printed: "21.4%", "1.5x", "0.69 times", "1.52" (a year or a count is not one)
_RATIO_FIGURE = re.compile(r"\d(?:[\d,]*\d)?(?:\.\d+)?\s*(?:%|x\b|times\b)|\b\d+\.\d+\b")


def names_ratio(row: Scored, question: str) -> bool:
    """Whether a table row can state the ratio the question names: its label or its table's title
    holds the ratio's words, or it holds a percentage in the asked column ("Gross profit as a % of
    revenue" for a gross margin). "Net sales" (a turnover, in British usage), asked an inventory
    turnover, cannot."""
    found = ratio_in(question)
    if found is None:
        return True
    read = table.cells(row.span.header, row.span.text)
    if read is not None and any(read[2][i].endswith("%") for i in table.best_columns(question, read[0])):
        return True
    words = set(terms.content_terms(f"{row.span.text} {table.parse_header(row.span.header).context}"))
    return set(terms.content_terms(found[0])) <= words
