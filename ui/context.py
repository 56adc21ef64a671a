"""What the tabs share: the collections and settings behind the UI (`Context`), one browser's state
(`Session`), and a collection's listing wherever the page shows it (`refresh`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MethodType
from typing import TYPE_CHECKING

import gradio as gr
from gradio.utils import get_upload_folder

from rag import RagError

from . import chats, documents
from .render import start_screen
from .shelf import Shelf

if TYPE_CHECKING:
    from rag import Assistant, Config, Library

DEFAULT = "default"  # the collection of a single Assistant, and a Library's first
SEED_EXAMPLES = [
    "What tariff rate does the U.S. apply to Japanese steel and aluminum?",
    "Who is Japan's chief trade negotiator in the tariff talks?",
    "Which party does Yoshihiko Noda lead?",
    "What is the population of Osaka?",  # shows how the assistant declines
]
SEED_FILES = {"000_b4acd3bf5adef64c.txt", "004_960903e5580e0182.txt"}
# BrowserState sends its key to the page anyway (it obfuscates, it does not protect); a fixed one
# keeps saved chats readable after the server restarts, which a random per-start key would not.
CHATS_KEY, CHATS_SECRET = "rag-offline-chats", "rag-offline-chats-v1"


@dataclass(frozen=True)
class Context:
    """One app's server side, shared by every session: its source (a `rag.Assistant`, or a `rag.Library`
    of collections), the start screen's examples, and a `Shelf` per collection."""
    source: Assistant | Library
    collections: bool  # a Library: the page gets a collection picker
    config: Config  # the default collection's: top k, LLM, server folders
    examples: list[str] | None  # None: the seeds' questions when the seed documents are indexed
    upload_dir: str  # where gradio keeps its copies of uploads
    shelves: dict[str, Shelf] = field(default_factory=dict)

    @classmethod
    def over(cls, source: Assistant | Library, examples: list[str] | None = None) -> Context:
        collections = hasattr(source, "names") and hasattr(source, "get")  # a Library (duck-typed: no import)
        config = (source.get(DEFAULT) if collections else source).config
        return cls(source, collections, config, examples, get_upload_folder())

    @property
    def folders(self):
        return self.config.server_folders  # kept out of what the page shows

    @property
    def modes(self) -> list[str]:
        return ["extractive"] + (["llm"] if self.config.llm != "none" else [])

    def get(self, name: str = DEFAULT):
        return self.source.get(name) if self.collections else self.source

    def names(self) -> list[str]:
        return self.source.names() if self.collections else [DEFAULT]

    def shelf(self, name) -> Shelf:
        """The collection `name` (the default one when unknown, e.g. deleted meanwhile)."""
        try:
            a = self.get(name or DEFAULT)
        except RagError:
            name, a = DEFAULT, self.get(DEFAULT)
        s = self.shelves.get(name)
        if s is None or s.assistant is not a:
            s = self.shelves[name] = Shelf(a)
        return s


def bind(fn, ctx: Context):
    """`fn(ctx, ...)` as an event handler that takes the event's inputs only. A bound method keeps what
    gradio reads off a handler: its name, the parameters after `ctx` (API names, a gr.Progress default),
    their type hints, and whether it is a generator. Gradio limits concurrency per function object, so
    events that share a limit must share one bound handler."""
    return MethodType(fn, ctx)


@dataclass(frozen=True)
class Session:
    """One browser's state: its saved chats (`ui.chats`, kept in the browser) and the chat on screen."""
    store: gr.BrowserState
    turns: gr.State  # the chat's turns (`ui.chats` describes one)
    chat_id: gr.State  # its id among the saved chats, once it has one
    viewer_open: gr.State
    coll: gr.State  # the collection it asks

    @classmethod
    def create(cls) -> Session:
        """The states, made inside the app's gr.Blocks."""
        return cls(gr.BrowserState(chats.empty(), storage_key=CHATS_KEY, secret=CHATS_SECRET),
                   gr.State([]), gr.State(None), gr.State(False), gr.State(DEFAULT))


def refresh(ctx: Context, coll):
    """Collection `coll`'s listing, re-read: the values for the chat's start screen, the Documents
    table and the remove picker (the outputs `listing` in `ui.app.create_app`)."""
    s = ctx.shelf(coll)
    docs = s.documents(fresh=True)
    found = {d.source for d in docs}
    questions = ctx.examples if ctx.examples is not None else (SEED_EXAMPLES if SEED_FILES <= found else [])
    start = gr.update(placeholder=start_screen(docs, s.indexed_at()),
                      examples=[{"text": q} for q in questions] or None)
    pending = s.pending()
    return (start, documents.rows(docs) + documents.pending_rows(pending, s.docs_dir),
            gr.update(choices=documents.choices(docs, pending), value=None))
