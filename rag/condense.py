"""Turn a follow-up question into a standalone retrieval query using the conversation.

No LLM: a question that leans on earlier turns ("And on cars?", "what did he say…") is joined
with the previous question and the start of its answer, which carries the names the pronouns
refer to. A question that stands on its own is left alone, so history never drags retrieval
off topic. Not here: history formatting for LLM prompts (`rag.llm`).
"""
from __future__ import annotations

import re
from typing import Sequence

from . import terms

History = Sequence[tuple[str, str]]  # (question, answer text), oldest first

_ANAPHOR = re.compile(r"\b(he|she|it|they|him|her|them|his|hers|its|their|theirs|this|that|these|those|there|"
                      r"the same|the other|former|latter)\b", re.IGNORECASE)
_CONTINUE = re.compile(r"^\s*(and|but|also|so|then|what about|how about|and what|why|what else)\b", re.IGNORECASE)
_MARKER = re.compile(r"\s*\[\d+\]")


def is_follow_up(question: str) -> bool:
    return bool(_CONTINUE.match(question) or _ANAPHOR.search(question) or len(terms.content_terms(question)) < 2)


def condense(question: str, history: History | None) -> tuple[str, str]:
    """(retrieval query, context text): the context is what the earlier turns add, "" if nothing."""
    if not history or not is_follow_up(question):
        return question, ""
    prev_q, prev_a = history[-1]
    prev_a = _MARKER.sub("", prev_a or "")
    if prev_a.startswith("The documents don't say"):
        prev_a = ""
    # The question first: the embedding model reads 256 word pieces, so a long answer is cut, not the question.
    return f"{question} {prev_q} {prev_a[:300]}".strip(), f"{prev_q} {prev_a}".strip()


def normalize_history(history) -> list[tuple[str, str]]:
    """Accept [(q, a)], [q] (questions only) or gradio-style [{'role', 'content'}] messages."""
    out: list[tuple[str, str]] = []
    pending_q = None
    for item in history or []:
        if isinstance(item, str):
            out.append((item, ""))
        elif isinstance(item, dict):
            role, content = item.get("role"), item.get("content")
            content = content if isinstance(content, str) else str(content or "")
            if role == "user":
                if pending_q is not None:
                    out.append((pending_q, ""))
                pending_q = content
            elif role == "assistant" and pending_q is not None:
                out.append((pending_q, content))
                pending_q = None
        else:
            q, a = item
            out.append((str(q or ""), str(a or "")))
    if pending_q is not None:
        out.append((pending_q, ""))
    return out
