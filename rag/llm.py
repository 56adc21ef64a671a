"""Optional LLM answers: backend construction, the grounded prompt, the call, and the fallback.

Backends are llama-index LLMs (`OpenAILike` for any OpenAI-compatible server, `Ollama`), imported
only when configured (extra `.[llm]`), so the default extractive mode needs no network or model.
`llm_answer` never trusts the model: it is only called when the extractive path has an answer,
its reply is checked claim by claim (`rag.verify`), and any failure (server down, timeout, nothing
verifiable) yields the extractive answer with a notice that says why.
Not here: claim verification (`rag.verify`), retrieval and follow-up resolution (`rag.retrieve`, `rag.followup`).
"""
from __future__ import annotations

import re
import string
import time
from dataclasses import replace
from functools import lru_cache
from importlib import resources
from typing import Iterator, Sequence

from .config import Config
from .errors import LLMError
from .types import Answer, Notice

UNVERIFIED = "The LLM answer could not be verified against the documents; showing the extractive answer."
# A reply whose first GIVE_UP_AFTER sentences all fail the check (no valid [n], or not supported) is
# abandoned: the model is no longer read and the extractive answer is shown in its place. Without it
# a reader waited for the whole reply before anything could be shown: with the real small model
# (eval.llm_smoke; it never writes a marker) the first streamed piece came at p50 27.2 s, later than
# the whole non-streamed answer (26.5 s). Applied the same way to a non-streamed reply, so ask() and
# stream() give the same answer for the same reply. Three, not one: a reply may open with a sentence
# that cites nothing ("Here is what the sources say.") and still cite the next ones.
GIVE_UP_AFTER = 3
HISTORY_TURNS = 3  # earlier turns shown to the model; retrieval already used them via rag.followup
HISTORY_CHARS = 400
_MARKER = re.compile(r"\s*\[\d+(?:\s*[,;]\s*\d+)*\]")
# While streaming, a new sentence can have begun only after a full stop (or a marker) and a space, or
# a line break; the reply is split into sentences (punkt) only then, not at every token: at every
# token, a 12-sentence reply cost 2.3 s of splitting, growing with the square of its length.
_MAY_BEGIN = re.compile(r"(?:[.!?\]][\"')\u201d\u2019]*\s+|\n\s*)\S")


# -- backends -------------------------------------------------------------------------------
def make_llm(config: Config):
    """The configured llama-index LLM, or None when `config.llm == "none"`. Makes no network call."""
    kind = config.llm
    if kind == "none":
        return None
    if not config.llm_model:
        raise LLMError(f"RAG_LLM={kind} needs a model name: set RAG_LLM_MODEL (e.g. llama3.1 or gpt-4o-mini)")
    try:
        if kind == "ollama":
            from llama_index.llms.ollama import Ollama
        else:
            from llama_index.llms.openai_like import OpenAILike
    except ImportError as e:
        raise LLMError(f"RAG_LLM={kind} needs the optional LLM backends: pip install -e '.[llm]' ({e})") from e
    if kind == "ollama":
        # context_window given, so llama-index does not ask the server for it at first use
        return Ollama(model=config.llm_model, base_url=config.llm_base_url or "http://localhost:11434",
                      request_timeout=config.llm_timeout, context_window=8192, temperature=0.0)
    if not config.llm_base_url:
        raise LLMError("RAG_LLM=openai needs RAG_LLM_BASE_URL, the server's /v1 URL "
                       "(e.g. http://localhost:8000/v1, or https://api.openai.com/v1 with RAG_LLM_API_KEY)")
    # max_retries=0: a down server must fall back at once, not after minutes of backoff
    return OpenAILike(model=config.llm_model, api_base=config.llm_base_url, api_key=config.llm_api_key or "none",
                      is_chat_model=True, timeout=config.llm_timeout, max_retries=0, temperature=0.0,
                      context_window=8192)


def describe(llm) -> str:
    """Where the LLM lives, for messages: its base URL if it has one, else its class name."""
    for attr in ("api_base", "base_url"):
        url = getattr(llm, attr, None)
        if isinstance(url, str) and url:
            return url
    return type(llm).__name__


# -- prompt ---------------------------------------------------------------------------------
@lru_cache(maxsize=None)
def _template(name: str = "answer.txt") -> tuple[string.Template, string.Template]:
    raw = resources.files("rag").joinpath("prompts", name).read_text(encoding="utf-8")
    lines = [ln for ln in raw.splitlines() if not ln.startswith("#")]
    text = "\n".join(lines)
    if "[system]\n" not in text or "[user]\n" not in text:
        raise LLMError(f"prompt {name} must have a [system] and a [user] part")
    system, user = text.split("[user]\n", 1)
    return string.Template(system.split("[system]\n", 1)[1].strip()), string.Template(user)


def _escape(text: str) -> str:
    """Source text cannot close or open our delimiters: angle brackets become entities."""
    return text.replace("<", "&lt;").replace(">", "&gt;")


def render_prompt(question: str, passages: Sequence[tuple[str, str]], history=()) -> list:
    """Chat messages for the grounded answer. passages: (file name, text), numbered 1..n in order."""
    from llama_index.core.llms import ChatMessage, MessageRole

    system, user = _template()
    sources = "\n".join(
        f'<source id="{i}" file="{_escape(src).replace(chr(34), "&quot;")}">\n{_escape(text.strip())}\n</source>'
        for i, (src, text) in enumerate(passages, 1))
    turns = [(q, _MARKER.sub("", a or "")) for q, a in list(history or [])[-HISTORY_TURNS:]]
    hist = ""
    if turns:
        hist = "<conversation>\n" + "\n".join(
            f"User: {_escape(q[:HISTORY_CHARS])}\nAssistant: {_escape(a[:HISTORY_CHARS])}" for q, a in turns
        ) + "\n</conversation>\n\n"
    # substitute (not safe_substitute): a missing placeholder is a bug, not a silent empty field
    return [ChatMessage(role=MessageRole.SYSTEM, content=system.substitute()),
            ChatMessage(role=MessageRole.USER,
                        content=user.substitute(history=hist, sources=sources, question=_escape(question)))]


# -- calling --------------------------------------------------------------------------------
def _as_llm_error(e: Exception, llm, timeout: float) -> LLMError:
    names = " ".join(c.__name__ for c in type(e).__mro__)
    where = describe(llm)
    if isinstance(e, TimeoutError) or "Timeout" in names:
        return LLMError(f"The LLM at {where} did not answer within {timeout:g} s")
    if isinstance(e, ConnectionError) or "Connect" in names:
        return LLMError(f"The LLM at {where} could not be reached")
    return LLMError(f"The LLM at {where} failed ({type(e).__name__}: {str(e)[:200]})")


def generate(llm, messages: list, *, timeout: float, stream: bool) -> Iterator[str]:
    """The reply's text, in pieces when streaming. Raises LLMError; `timeout` also bounds the whole stream."""
    deadline = time.monotonic() + timeout
    try:
        if not stream:
            yield llm.chat(messages).message.content or ""  # bounded by the client's own timeout
            return
        for part in llm.stream_chat(messages):
            if time.monotonic() > deadline:  # a server that trickles tokens forever
                raise TimeoutError
            if part.delta:
                yield part.delta
    except LLMError:
        raise
    except Exception as e:  # any backend's transport or protocol error becomes one clear message
        raise _as_llm_error(e, llm, timeout) from e


def llm_answer(llm, question: str, history, candidates: list, store, embedder, extractive: Answer, *,
               timeout: float, n_chunks: int = 5, stream: bool = False) -> Iterator[str | Notice | Answer]:
    """Yield the answer's text in pieces (if streaming), then the final Answer: the LLM's claims that
    hold against the passages they cite, or the extractive answer.

    Nothing unverified is ever yielded: while streaming, the model's text is held until a sentence
    is complete (the next one has begun, or the reply ended), that sentence is checked with its
    [n] markers (`rag.verify.Verifier`), and only a sentence that holds is passed on, renumbered;
    one that fails is dropped. The pieces therefore concatenate to the final Answer's text. If no
    sentence holds, the first GIVE_UP_AFTER fail (the model is then no longer read), or the model
    fails before one held, a `Notice` saying why comes first and the extractive answer is streamed in
    its place. `extractive` is the extractive path's answer for the
    same retrieval: when it declines the LLM is not called (nothing to ground an answer in).
    """
    from .verify import Verifier, split_claims

    if extractive.abstained:
        yield from _extractive(extractive, None, stream)
        return
    # the passages the extractive answer cites first (`extractive.hits` lists them so): the rows a
    # figure's row search or a ratio's definition found join the candidates last, past the top n_chunks
    order = {h.chunk_id: i for i, h in enumerate(extractive.hits)}
    passages = sorted(candidates, key=lambda c: order.get(c.record.id, len(order)))[:n_chunks]
    messages = render_prompt(question, [(c.record.span.source, c.record.text) for c in passages], history)
    checker = Verifier(passages, store, embedder)
    buffer, done, sent = "", 0, []  # model text so far, claims of it already checked, pieces passed on
    failed = 0  # claims that did not hold

    def hopeless() -> bool:
        return not sent and failed >= GIVE_UP_AFTER

    def checked(claims) -> Iterator[str]:
        nonlocal failed
        for claim, nums in claims:
            if hopeless():
                return
            part = checker.check(claim, nums)
            if part is None:
                failed += 1
                continue
            piece = part if not sent else " " + part
            sent.append(piece)
            yield piece

    reply = generate(llm, messages, timeout=timeout, stream=stream)
    try:
        for piece in reply:
            buffer += piece
            # looked for in the new piece and the few characters before it, where its full stop may be
            if stream and _MAY_BEGIN.search(buffer, max(0, len(buffer) - len(piece) - 16)):
                claims = split_claims(buffer)
                # all but the last claim are complete: a later one has begun, so no marker of theirs is still to come
                ready = claims[done:max(done, len(claims) - 1)]
                done += len(ready)
                yield from checked(ready)
                if hopeless():
                    break
        else:
            yield from checked(split_claims(buffer)[done:])
    except LLMError as e:
        if not sent:
            yield from _extractive(extractive, f"{e}; showing the extractive answer.", stream)
            return
        result = checker.result()
        yield Answer(question, "".join(sent), result.citations, False, extractive.hits, mode="llm",
                     notice=f"{e}; the answer stops at its last checked sentence.")
        return
    finally:
        reply.close()  # stops reading a reply given up on (and its HTTP stream)
    result = checker.result()
    if result is None:
        yield from _extractive(extractive, UNVERIFIED, stream)
        return
    yield Answer(question, result.text, result.citations, False, extractive.hits, mode="llm")


def _extractive(ans: Answer, notice: str | None, stream: bool) -> Iterator[str | Notice | Answer]:
    """The extractive answer in place of the LLM's: the notice first, then its words, then the Answer."""
    if notice:
        ans = replace(ans, notice=notice)
        if stream:
            yield Notice(notice)
    if stream:
        yield from re.findall(r"\S+\s*", ans.text)
    yield ans
