"""The Gradio web UI: chat with streamed, cited answers; a source viewer; saved chats; document management.

`create_app(assistant)` (or `create_app(library)`, with a collection picker) builds the Blocks
without launching (tests drive it in-process); `main()` ingests the documents folder and serves
the UI over a `rag.Library`. Everything goes through the public `rag.Assistant` / `rag.Library`
API. Per-session state is the current chat's turns and collection (`gr.State`); saved chats live
in the browser (`ui.chats`). Assistants are thread-safe, so sessions ask concurrently.
`create_app` composes the page from the tabs, `ui.chat_tab` (with its panels `ui.chat_list` and
`ui.viewer`) and `ui.documents_tab`, which share `ui.context`. Not here: HTML (`ui.render`), page
scripts and styles (`ui.page`), PDF pages (`ui.pdf_view`), a collection's listing and viewer
(`ui.shelf`), the Documents tab's wording (`ui.documents`).
"""
from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

import gradio as gr

from . import chat_list, chat_tab, documents_tab
from .context import DEFAULT, Context, Session, bind
from .page import install_js

if TYPE_CHECKING:
    from rag import Assistant, Library

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 7860


def create_app(source: Assistant | Library, examples: list[str] | None = None) -> gr.Blocks:
    """The UI over `source`: one `rag.Assistant`, or a `rag.Library` of collections (then with a picker).

    examples: questions for the start screen (default: the seeds' questions when the seed
    documents are indexed, else none).
    """
    ctx = Context.over(source, examples)
    with gr.Blocks(title="Chat with your documents", fill_height=True) as app:
        state = Session.create()
        with gr.Tab("Chat"):
            chat = chat_tab.layout(ctx)
        with gr.Tab("Documents"):
            docs = documents_tab.layout(ctx)
        # Events of either tab update the other: a collection's listing shows in both, and switching
        # chat or collection (`chat_list.show_chat`) changes the whole page.
        listing = [chat.chatbot, docs.table, docs.pick]  # what `context.refresh` fills
        shown = [*listing, state.turns, state.chat_id, chat.side.saved, chat.side.title_box, state.coll,
                 chat.side.coll_pick, chat.viewer.col, state.viewer_open, docs.folder]
        assert len(shown) == chat_list.SHOWN
        chat_tab.wire(ctx, state, chat, shown)
        documents_tab.wire(ctx, state, docs, listing, shown)
        app.load(bind(chat_list.restore, ctx), state.store, shown, api_visibility="private").then(
            None, js=install_js())
    app.queue(default_concurrency_limit=2)
    return app


def serve(app: gr.Blocks, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, auth=None,
          prevent_thread_lock: bool = False):
    """Launch `app` (blocks unless prevent_thread_lock). Gradio's own banner and hints stay quiet.

    Without a login on loopback, the UI answers only requests addressed to localhost, and changes
    nothing for another site (403): the same rule as the keyless HTTP API (`rag.http.auth`), since any
    web page the user visits could otherwise upload documents or ask through it."""
    from starlette.middleware import Middleware

    from rag.http.auth import LOCAL_HOSTS, SameOriginOnly

    keyless = auth is None and host in LOCAL_HOSTS
    # run_history off: Gradio would record every event's inputs and outputs (all saved chats, each
    # source view's page image) in localStorage, under a new key per server start, until the browser's
    # quota was full and saving a chat failed. Saved chats (`ui.chats`) are the history we keep.
    return app.launch(server_name=host, server_port=port, auth=auth, prevent_thread_lock=prevent_thread_lock,
                      show_error=True, inbrowser=False, quiet=True, run_history=False,
                      app_kwargs={"middleware": [Middleware(SameOriginOnly)]} if keyless else None)


def main(docs_dir=None, index_dir=None, host=None, port=None) -> int:
    """`python -m ui`: index the documents folder, then serve the UI over all collections
    (`rag.Library`: the documents folder is "default"; others live under RAG_COLLECTIONS_DIR).

    Bound to 127.0.0.1:7860 unless told otherwise (arguments, or RAG_UI_HOST / RAG_UI_PORT).
    RAG_UI_USER and RAG_UI_PASSWORD turn on a login; serving beyond localhost without one warns.
    Prints where to open it and warnings a user can act on, nothing else.
    """
    from rag import Config, Library

    host = host or os.environ.get("RAG_UI_HOST") or DEFAULT_HOST
    port = int(port or os.environ.get("RAG_UI_PORT") or DEFAULT_PORT)
    user, password = os.environ.get("RAG_UI_USER"), os.environ.get("RAG_UI_PASSWORD")
    auth = (user, password) if user and password else None
    if host not in ("127.0.0.1", "localhost", "::1") and auth is None:
        print(f"warning: serving on {host} without a login; set RAG_UI_USER and RAG_UI_PASSWORD to require one",
              file=sys.stderr)
    library = Library(Config.load(docs_dir=docs_dir, index_dir=index_dir))
    a = library.get(DEFAULT)
    print(f"Indexing {a.config.docs_dir} ...")
    report = a.ingest(progress=sys.stderr.isatty())  # a progress bar only where it can redraw in place
    for name, why in report.skipped:
        print(f"warning: {name} was not indexed: {why}", file=sys.stderr)
    app = create_app(library)
    serve(app, host, port, auth, prevent_thread_lock=True)
    print(f"Open http://{host}:{port} (Ctrl-C to stop)", flush=True)
    try:
        app.block_thread()
    except KeyboardInterrupt:
        app.close()
    return 0
