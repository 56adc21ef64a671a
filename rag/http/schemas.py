"""Request models (pydantic) and the JSON shapes of responses, in OpenAI's format where one exists.

Requests accept OpenAI's other fields (temperature, max_tokens, ...) and ignore them, so existing
clients work unchanged. Responses are built as plain dicts here, in one place, from our frozen
result types. Not here: routes (`rag.http.app`).
"""
from __future__ import annotations

import time
import uuid
from dataclasses import asdict
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..errors import InvalidQuestionError
from ..types import Answer, Citation, Hit, IngestProgress, IngestReport


class Message(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str
    content: str | list[dict] | None = None

    def text(self) -> str:
        """The text of a message; content parts other than text (images...) are ignored."""
        if isinstance(self.content, list):
            texts = [p.get("text", "") for p in self.content if p.get("type") == "text"]
            if not all(isinstance(t, str) for t in texts):
                raise InvalidQuestionError("a content part of type 'text' must hold its text as a string")
            return " ".join(texts)
        return self.content or ""


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")
    model: str = "default"  # the collection
    messages: list[Message] = Field(min_length=1)
    stream: bool = False
    k: int | None = Field(None, ge=1, le=50)
    mode: Literal["llm", "extractive"] | None = None
    filters: dict | None = None

    def question_and_history(self) -> tuple[str, list[tuple[str, str]]]:
        """The last user message is the question; earlier user/assistant turns are the history
        (system and tool messages carry nothing the extractive answerer could use)."""
        turns = [m for m in self.messages if m.role in ("user", "assistant")]
        if not turns or turns[-1].role != "user":
            raise InvalidQuestionError("the last message must be the user's question")
        history, pending = [], None
        for m in turns[:-1]:
            if m.role == "user":
                if pending is not None:
                    history.append((pending, ""))
                pending = m.text()
            elif pending is not None:
                history.append((pending, m.text()))
                pending = None
        if pending is not None:
            history.append((pending, ""))
        return turns[-1].text(), history


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    query: str
    k: int | None = Field(None, ge=1, le=50)
    filters: dict | None = None


class CollectionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str


# -- responses -------------------------------------------------------------------------------
def error(message: str, type_: str, code: str | None = None) -> dict:
    return {"error": {"message": message, "type": type_, "code": code}}


def citation(c: Citation) -> dict:
    return {"n": c.n, "source": c.source, "start": c.start, "end": c.end, "line_start": c.line_start,
            "line_end": c.line_end, "page": c.page, "quote": c.quote, "score": c.score, "section": c.section,
            "location": c.location, "context": c.context}


def hit(h: Hit) -> dict:
    return {"source": h.source, "start": h.start, "end": h.end, "line_start": h.line_start, "line_end": h.line_end,
            "page": h.page, "section": h.section, "text": h.text, "score": h.score, "chunk_id": h.chunk_id}


def words(text: str) -> int:
    # usage counts whitespace-separated words: there is no generative model whose tokens to count
    return len(text.split())


def usage(req: ChatRequest, answer_text: str) -> dict:
    prompt = sum(words(m.text()) for m in req.messages)
    completion = words(answer_text)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def completion_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex[:24]}"


def _answer_fields(ans: Answer) -> dict:
    out = {"citations": [citation(c) for c in ans.citations], "abstained": ans.abstained, "mode": ans.mode}
    if ans.notice:
        out["notice"] = ans.notice
    if ans.resolved:  # a follow-up, as it was searched for and answered
        out["resolved_question"] = ans.resolved
    return out


def completion(req: ChatRequest, ans: Answer) -> dict:
    return {"id": completion_id(), "object": "chat.completion", "created": int(time.time()), "model": req.model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": ans.text},
                         "finish_reason": "stop", "logprobs": None}],
            "usage": usage(req, ans.text), **_answer_fields(ans)}


def chunk(cid: str, created: int, model: str, delta: dict, finish: str | None = None) -> dict:
    return {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}]}


def last_chunk(cid: str, created: int, req: ChatRequest, ans: Answer) -> dict:
    """The closing chunk: finish_reason, citations, abstained and usage (the content chunks before
    it add up to the answer's text)."""
    return chunk(cid, created, req.model, {}, "stop") | {"usage": usage(req, ans.text), **_answer_fields(ans)}


def progress(p: IngestProgress | None) -> dict | None:
    return None if p is None else asdict(p)


def report(r: IngestReport | None) -> dict | None:
    if r is None:
        return None
    return {"added": list(r.added), "updated": list(r.updated), "removed": list(r.removed),
            "unchanged": len(r.unchanged), "skipped": [{"source": s, "reason": why} for s, why in r.skipped],
            "chunks": r.chunks, "seconds": round(r.seconds, 3)}
