"""The question inside a request that also says how to answer it.

People paste questions with instructions around them: "What is Amazon's year-over-year change in
revenue from FY2016 to FY2017 (in units of percents and round to one decimal place)? Calculate what
was asked by utilizing the line items clearly shown in the statement of income." An extractive
answer cannot follow "round to one decimal place", and the instruction's words ("line items",
"statement", "calculate") are searched as if they were the topic, so the row that answers lost to
prose sharing those words and the question was declined. `asked_part` keeps what is asked: the
sentences that are not instructions, with a format note in brackets left out. What is searched is
shown to the user ("Searching for: ..."), as for a follow-up, and an LLM backend still gets the
request as written.

Only instructions are dropped, never context: in "I am looking at the 2023 report. What was revenue?"
the first sentence says which year, so a sentence goes only when it reads as an instruction to the
answerer (it starts with an imperative such as "Answer", "Round", "Calculate", "Please", or says who
the answerer should be, or is a condition on the answer's form: "If X is not meaningful, state that")
and names nothing: "Use the 2023 report." and "Answer for Best Buy only." stay.
Rules, not a model: no instruction-tuned model ships offline here. Measured on the tune half of
`eval.reports --instructions` (each figure question followed by one of six instructions written for
it): figure in the answer 0.429 as asked, 0.619 with them left out (0.714 without instructions; "Show
the figure with its unit." is not recognised and stays); the prose sets' questions (squad2, covid_qa,
hotpotqa, pubmedqa, tonic_pg: 8,930) and the conversations are unchanged, none being left out.
"""
from __future__ import annotations

import re

# An instruction sentence: an imperative about the answer, a role to play, or a request framing the
# question ("We need to calculate ...", "Here's the question:").
_INSTRUCTION = re.compile(
    r"^(?:please\s+|kindly\s+)?(?:answer|respond|reply|round|calculate|compute|express|use|utilize|base|address|"
    r"approach|format|keep|limit|show\s+your|assume|pretend|imagine|act\s+as|do\s+not|don't|only\s+use|make\s+sure|"
    r"be\s+(?:brief|concise|precise)|(?:give|provide|write)\s+(?:a|an|your|the)\s+(?:response|answer|solution|reply))\b"
    r"|^(?:show|explain|cite|list|give|include|check)\s+(?:your|the\s+(?:sources?|pages?|reasoning|working|steps))\b"
    r"|^(?:please|kindly)\b"
    r"|^(?:you\s+are|as\s+an?\s+\w+|we\s+(?:need|want)\s+to|i\s+(?:need|want)\s+you\s+to|here(?:'s|\s+is)\s+the\s+question)\b"
    r"|^if\s+[^.?!]*?,?\s*(?:then\s+)?(?:please\s+)?(?:state|say|explain|answer|return|write|respond|reply|note)\b",
    re.IGNORECASE)
# A note in brackets on the answer's form: "(in units of percents and round to one decimal place)",
# "(answer in USD millions)"; "(ROA)" or "(in millions)" of a figure's own name stay.
_FORMAT_NOTE = re.compile(r"\s*\((?:[^()]*\b(?:round|decimal|units?\s+of|answer\s+in|express(?:ed)?\s+in|format)\b"
                          r"[^()]*)\)", re.IGNORECASE)
# "... answer the following question ...: what is X?" -> "what is X?"
_LEAD_IN = re.compile(r"^.*\b(?:(?:following|this)\s+question|the\s+question\s+is|here(?:'s|\s+is)\s+the\s+question)"
                      r"[^:?]*:\s*", re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.?!])\s+(?=[A-Z\"'“(])")


def _names_something(sentence: str) -> bool:
    """A number or a name past its first word: "Use the 2023 report." or "Answer for Best Buy only."
    says which document or year, so it stays ("USD", "P&L" and other short codes are no names)."""
    words = sentence.split()[1:]
    return bool(re.search(r"\d{2,}", sentence)) or any(  # (not "state 0" or "2 decimal places")
        w[:1].isupper() and not re.fullmatch(r"[A-Z&]{2,4}[,.;:]?", w) for w in words)


def asked_part(request: str) -> str:
    """`request` without the sentences that instruct how to answer (and bracketed notes on the
    answer's form), when it asks something besides them; else `request` as it is."""
    text = " ".join(request.split())
    sentences = _SENTENCE.split(text)
    kept = []
    for s in sentences:
        lead = _LEAD_IN.match(s)
        if lead and s[lead.end():].rstrip().endswith("?"):  # "Answer the following question ...: what is X?"
            s = s[lead.end():]
            s = s[0].upper() + s[1:]
        elif (lead or _INSTRUCTION.match(s)) and not _names_something(s):  # ("... to answer the following
            continue                                                        # question is: the balance sheet.")
        kept.append(s)
    if not kept or not any(k.rstrip().endswith("?") for k in kept):  # nothing asked besides the instructions
        return request
    core = _FORMAT_NOTE.sub("", " ".join(kept)).strip()
    if core == text:  # nothing to leave out: the request as written, spacing and all
        return request
    return re.sub(r"\s+([?.!,])", r"\1", core) or request
