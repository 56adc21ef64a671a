"""The Gradio web UI: chat with streamed, cited answers; a source viewer; saved chats; document management.

`create_app(assistant)` (or `create_app(library)`, with a collection picker) builds the Blocks
without launching (tests drive it in-process); `main()` ingests the documents folder and serves
the UI over a `rag.Library`. Everything goes through the public `rag.Assistant` / `rag.Library`
API. Per-session state is the current chat's turns and collection (`gr.State`); saved chats live
in the browser (`ui.chats`). Assistants are thread-safe, so sessions ask concurrently.
Not here: HTML (`ui.render`), page scripts and styles (`ui.page`), PDF pages (`ui.pdf_view`),
a collection's listing and viewer (`ui.shelf`), the Documents tab's wording (`ui.documents`).
"""
from __future__ import annotations

import html
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import gradio as gr
from gradio.utils import get_upload_folder

from rag import Assistant, Notice, RagError
from rag.config import SUPPORTED_SUFFIXES
from rag.documents import remove_document, save_upload
from rag.errors import public_message
from rag.followup import resolve

from . import chats, documents
from .page import SCROLL_JS, install_js
from .render import answer_html, cite_token, partial_html, question_html, start_screen
from .shelf import Shelf

if TYPE_CHECKING:
    from rag import Library

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 7860
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
K_HELP = ("How many passages are searched for each answer: more can find facts spread over several "
          "documents, fewer keeps answers focused and quicker.")


def _example_text(evt: gr.SelectData) -> str:
    return evt.value["text"]


def _mode_control(llm: str) -> gr.Radio:
    """The answer mode, saying what each does; without an LLM, says so and how to configure one."""
    extractive = ("Extractive: quotes sentences from the documents", "extractive")
    if llm == "none":
        return gr.Radio([extractive], value="extractive", label="Answer mode", elem_id="rag-mode",
                        info="No LLM is configured, so answers quote the documents. To use one, start the UI with "
                             "RAG_LLM=ollama RAG_LLM_MODEL=llama3.1 (or RAG_LLM=openai and RAG_LLM_BASE_URL).")
    return gr.Radio([(f"LLM ({llm}): writes the answer, kept only if its citations check out", "llm"), extractive],
                    value="llm", label="Answer mode", elem_id="rag-mode",
                    info="The LLM's answer is checked against the documents; when it fails the check you get "
                         "the extractive answer and a note why.")


def create_app(source: Assistant | Library, examples: list[str] | None = None) -> gr.Blocks:
    """The UI over `source`: one `rag.Assistant`, or a `rag.Library` of collections (then with a picker).

    examples: questions for the start screen (default: the seeds' questions when the seed
    documents are indexed, else none).
    """
    collections = hasattr(source, "names") and hasattr(source, "get")  # a Library (duck-typed: no import)
    get = source.get if collections else (lambda name=DEFAULT: source)
    names = source.names if collections else (lambda: [DEFAULT])
    config = get(DEFAULT).config
    folders = config.server_folders  # kept out of what the page shows
    modes = ["extractive"] + (["llm"] if config.llm != "none" else [])
    upload_dir = get_upload_folder()  # where gradio keeps its copies of uploads
    shelves: dict[str, Shelf] = {}

    def shelf(name) -> Shelf:
        """The collection `name` (the default one when unknown, e.g. deleted meanwhile)."""
        try:
            a = get(name or DEFAULT)
        except RagError:
            name, a = DEFAULT, get(DEFAULT)
        s = shelves.get(name)
        if s is None or s.assistant is not a:
            s = shelves[name] = Shelf(a)
        return s

    def refresh(coll):
        s = shelf(coll)
        docs = s.documents(fresh=True)
        found = {d.source for d in docs}
        questions = examples if examples is not None else (SEED_EXAMPLES if SEED_FILES <= found else [])
        start = gr.update(placeholder=start_screen(docs, s.indexed_at()),
                          examples=[{"text": q} for q in questions] or None)
        pending = s.pending()
        return (start, documents.rows(docs) + documents.pending_rows(pending, s.docs_dir),
                gr.update(choices=documents.choices(docs, pending), value=None))

    def messages(turns):
        out = []
        for t in turns:
            out += [{"role": "user", "content": question_html(t["q"])}, {"role": "assistant", "content": t["html"]}]
        return out

    def respond(question, turns, k, mode, coll, store, chat_id):
        """What the page runs: `answer_turn`, with the chat saved in the same update that shows the
        final answer (so a click on the chat list right after an answer never races a separate save).
        Yields (textbox, chatbot, turns, store, chat_id, saved chats, title)."""
        keep = (gr.skip(),) * 4
        for box_v, chat_v, turns_v, done in answer_turn(question, turns, k, mode, coll):
            yield box_v, chat_v, turns_v, *(persist(store, chat_id, turns_v, coll) if done else keep)

    def ask_api(question, turns, k, mode, coll):
        """The `/ask` API endpoint (gradio_client): one answer, nothing saved in a browser."""
        for box_v, chat_v, turns_v, _ in answer_turn(question, turns, k, mode, coll):
            yield box_v, chat_v, turns_v

    def answer_turn(question, turns, k, mode, coll):
        """Stream one answer into the chat. Yields (textbox, chatbot, turns, final)."""
        question = (question or "").strip()
        if not question:
            yield "", messages(turns), turns, False
            return
        s = shelf(coll)
        history = [(t["q"], t["text"]) for t in turns if t.get("text") is not None]
        turn = {"q": question, "text": None, "html": partial_html(""), "cites": []}
        turns = turns + [turn]
        yield "", messages(turns), turns, False
        kwargs = {"k": int(k) if k else None}
        if mode in modes:  # explicit, so "extractive" wins even when an LLM is configured
            kwargs["mode"] = mode
        text, notice = "", ""
        resolved = resolve(question, history).resolved  # shown while the answer streams in
        try:
            for piece in s.assistant.stream(question, history, **kwargs):
                if isinstance(piece, (str, Notice)):
                    if isinstance(piece, Notice):
                        notice = piece.text
                    else:
                        text += piece
                    turn["html"] = partial_html(text, notice, resolved)
                    yield gr.skip(), messages(turns), turns, False
                else:  # the final Answer
                    turn["text"], turn["html"] = piece.text, answer_html(piece, s.titles())
                    turn["cites"] = [] if piece.abstained else [cite_token(c.source, c.start, c.end)
                                                                for c in piece.citations]
                    yield gr.skip(), messages(turns), turns, True
        except RagError as e:  # shown in the chat, kept out of the history passed to follow-ups
            turn["html"] = f"\u26a0\ufe0f {html.escape(s.message(e), quote=False)}"
            yield gr.skip(), messages(turns), turns, True

    def show_source(token, coll):
        return gr.update(visible=True), shelf(coll).view_html(token), True

    def follow_latest(turns, is_open, coll):
        """Keep an open viewer on the latest answer's first source."""
        if not is_open or not turns or turns[-1].get("text") is None:
            return gr.skip()
        cites = turns[-1].get("cites") or []
        if not cites:
            return '<p class="rag-note">The latest answer cites no sources.</p>'
        return shelf(coll).view_html(cites[0])

    # -- saved chats and collections ----------------------------------------------------------
    def chat_list(store, current):
        return gr.update(choices=chats.choices(store), value=current)

    def show_chat(store, chat, coll=None):
        """Everything the chat column shows for `chat` (None: a new chat in `coll`)."""
        turns = chat["turns"] if chat else []
        known = names()
        coll = chat.get("coll", DEFAULT) if chat else (coll or DEFAULT)
        coll = coll if coll in known else DEFAULT  # (a chat may outlive its collection)
        start, rows, pick = refresh(coll)
        s = shelf(coll)
        note = documents.folder_note(coll if collections else "", s.docs_dir, s.assistant.config.read_only)
        return (gr.update(value=messages(turns), placeholder=start["placeholder"], examples=start["examples"]),
                rows, pick, turns, chat["id"] if chat else None, chat_list(store, chat and chat["id"]),
                chat["title"] if chat else "", coll, gr.update(choices=known, value=coll),
                gr.update(visible=False), False, note)

    def restore(store):
        store = chats.load(store)
        return show_chat(store, chats.find(store, store["current"]))

    def open_chat(chosen, store):
        chat = chats.find(store, chosen)
        if chat is None:
            return (gr.skip(),) * (len(shown) + 1)
        store = chats.select(store, chat["id"])
        return (*show_chat(store, chat), store)

    def switch_collection(coll, store):
        """A new chat over the chosen collection."""
        store = chats.select(store, None)
        return (*show_chat(store, None, coll), store)

    def persist(store, chat_id, turns, coll):
        if not turns:  # an empty question changes nothing
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        store, chat_id = chats.save(store, chat_id, turns, coll)
        return store, chat_id, chat_list(store, chat_id), chats.find(store, chat_id)["title"]

    def rename_chat(store, chat_id, title):
        if not chat_id:
            gr.Info("Ask something first: a chat is saved once it has an answer.")
        if not chat_id or not (title or "").strip():
            return gr.skip(), gr.skip()
        store = chats.rename(store, chat_id, title)
        return store, chat_list(store, chat_id)

    def delete_chat(store, chat_id, coll):
        store = chats.delete(store, chat_id)
        return (*show_chat(store, None, coll), store)

    def create_collection(name, store):
        try:
            source.create((name or "").strip())
        except RagError as e:
            return (gr.skip(),) * (len(shown) + 1) + (f"Could not create the collection: {public_message(e, folders)}",
                                                      gr.skip())
        store = chats.select(store, None)
        return (*show_chat(store, None, name.strip()), store,
                f"Collection **{name.strip()}** created: add documents to it below.", "")

    def ask_delete_collection(coll):
        if coll == DEFAULT or not collections:
            what = "the demo documents" if shelf(coll).assistant.config.read_only else "your documents folder"
            return gr.update(visible=False), "", f"The default collection is {what}: it cannot be deleted here."
        n = len(shelf(coll).documents())
        return (gr.update(visible=True), f"Delete the collection **{coll}** and its {n} document"
                f"{'' if n == 1 else 's'}? Its folder and its index are deleted; this cannot be undone.", "")

    def delete_collection(coll, store):
        hide = gr.update(visible=False)
        try:
            source.delete(coll)
        except RagError as e:
            return (gr.skip(),) * (len(shown) + 1) + (
                f"Could not delete the collection {coll}: {public_message(e, folders)}", hide)
        shelves.pop(coll, None)
        store = chats.select(store, None)
        return (*show_chat(store, None, DEFAULT), store, f"Collection **{coll}** deleted.", hide)

    # -- documents --------------------------------------------------------------------------
    def run_ingest(a, progress):
        def on_progress(p):
            progress(p.fraction, desc=documents.progress_text(p))
        progress(0, desc="Looking for new and changed files")
        return a.ingest(progress=False, on_progress=on_progress)

    def upload(paths, coll, progress=gr.Progress()):
        s = shelf(coll)
        if s.assistant.config.read_only:  # the bundled demo set: nothing is written there
            documents.drop_upload_copies(upload_dir, (), paths or ())
            return (documents.read_only_note(collections), None, *refresh(coll))
        notes, saved = [], []
        for p in paths or []:
            name = Path(p).name
            try:
                save_upload(s.docs_dir, name, Path(p).read_bytes())
                saved.append(name)
            except (RagError, OSError) as e:
                notes.append(documents.refusal(name, s.message(e)))
        documents.drop_upload_copies(upload_dir, (), paths or ())  # the documents folder has the file now
        if saved:
            s.forget()
            report = run_ingest(s.assistant, progress)
            refused = [(n, why) for n, why in report.skipped if n in saved]
            for name, why in refused:  # readable but nothing to index: take it out again
                remove_document(s.docs_dir, name)
                saved.remove(name)
                notes.append(documents.refusal(name, why))
            if refused:
                s.assistant.ingest(progress=False)
            report = replace(report, skipped=tuple(x for x in report.skipped if x not in refused))
            notes = documents.ingest_result(report, s.documents(fresh=True)) + notes
        elif not notes:
            notes.append("Choose one or more files to upload first.")
        return ("\n\n".join(notes), None, *refresh(coll))

    def ask_remove(name, coll):
        if shelf(coll).assistant.config.read_only:
            return gr.update(visible=False), "", documents.read_only_note(collections)
        if not name:
            return gr.update(visible=False), "", "Pick a document to remove first."
        title = shelf(coll).titles().get(name, name)
        what = f"**{title}** (`{name}`)" if title != name else f"`{name}`"
        return (gr.update(visible=True),
                f"Remove {what}? The file is deleted from the documents folder and from the index.", "")

    def remove(name, coll, progress=gr.Progress()):
        hide = gr.update(visible=False)
        if not name:
            return ("Pick a document to remove first.", hide, *refresh(coll))
        s = shelf(coll)
        title = s.titles().get(name, name)
        try:
            remove_document(s.docs_dir, name)
        except RagError as e:
            return (f"Could not remove {name}: {s.message(e)}", hide, *refresh(coll))
        documents.drop_upload_copies(upload_dir, [Path(name).name])
        s.forget()
        run_ingest(s.assistant, progress)
        label = f"**{title}** (`{name}`)" if title != name else f"**{name}**"
        return (f"Removed {label} from the documents folder and the index.", hide, *refresh(coll))

    def reindex(coll, progress=gr.Progress()):
        s = shelf(coll)
        s.forget()
        report = run_ingest(s.assistant, progress)
        return ("\n\n".join(documents.ingest_result(report, s.documents(fresh=True))), *refresh(coll))

    with gr.Blocks(title="Chat with your documents", fill_height=True) as app:
        store = gr.BrowserState(chats.empty(), storage_key=CHATS_KEY, secret=CHATS_SECRET)
        turns, chat_id, viewer_open, coll = gr.State([]), gr.State(None), gr.State(False), gr.State(DEFAULT)
        with gr.Tab("Chat"):
            with gr.Row(equal_height=False, elem_id="rag-chat-row"):
                with gr.Column(scale=1, min_width=200, elem_id="rag-chats-col"):
                    coll_pick = gr.Dropdown(names(), value=DEFAULT, label="Collection", visible=collections,
                                            info="The document set to ask", elem_id="rag-collection")
                    new = gr.Button("New chat", elem_id="rag-new")
                    saved = gr.Radio([], label="Your chats", info="Kept in this browser only", elem_id="rag-chat-list")
                    with gr.Accordion("Rename or delete this chat", open=False, elem_id="rag-chat-manage"):
                        title_box = gr.Textbox(label="Title", max_lines=1, elem_id="rag-chat-title")
                        with gr.Row():
                            rename_btn = gr.Button("Rename", size="sm", elem_id="rag-chat-rename")
                            delete_btn = gr.Button("Delete chat", size="sm", variant="stop", elem_id="rag-chat-delete")
                with gr.Column(scale=4, min_width=320, elem_id="rag-main-col"):
                    # no label and no clear icon: they float over the messages (New chat clears)
                    chatbot = gr.Chatbot(elem_id="rag-chat", height="62vh", label="Chat", show_label=False,
                                         buttons=["copy"], feedback_options=None, autoscroll=True)
                    with gr.Row(elem_id="rag-ask-row"):
                        box = gr.Textbox(placeholder="Ask a question about the documents\u2026", show_label=False,
                                         scale=6, autofocus=True, max_lines=6, elem_id="rag-question", min_width=200)
                        send = gr.Button("Ask", variant="primary", scale=1, elem_id="rag-ask", min_width=80)
                        api_ask = gr.Button(visible=False)  # carries the `/ask` API endpoint only
                    with gr.Accordion("Settings", open=False, elem_id="rag-settings"):
                        k = gr.Slider(1, 20, value=config.top_k, step=1, label="Passages retrieved (k)",
                                      info=K_HELP, elem_id="rag-k")
                        mode = _mode_control(config.llm)
                with gr.Column(scale=3, visible=False, elem_id="rag-viewer-col", min_width=320) as viewer_col:
                    with gr.Row():
                        gr.Markdown("#### Source")
                        close = gr.Button("Close", size="sm", scale=0, elem_id="rag-viewer-close")
                    viewer = gr.HTML(elem_id="rag-viewer")
            cite_box = gr.Textbox(visible="hidden", elem_id="rag-cite-token")
            cite_btn = gr.Button("open citation", visible="hidden", elem_id="rag-cite-btn")
        with gr.Tab("Documents"):
            folder = gr.Markdown(elem_id="rag-folder")
            table = gr.Dataframe(headers=documents.HEADERS, datatype=["str", "str", "str", "str", "number", "number"],
                                 interactive=False, label="Documents", elem_id="rag-docs")
            files_in = gr.File(file_count="multiple", type="filepath", elem_id="rag-upload",
                               label=f"Add documents ({' '.join(SUPPORTED_SUFFIXES)})")
            with gr.Row():
                add = gr.Button("Upload and index", variant="primary", elem_id="rag-add")
                again = gr.Button("Re-index folder", elem_id="rag-reindex")
            with gr.Row():
                pick = gr.Dropdown([], label="Remove a document", scale=3, elem_id="rag-pick")
                rm = gr.Button("Remove\u2026", variant="stop", scale=1, elem_id="rag-remove")
            with gr.Group(visible=False, elem_id="rag-confirm") as confirm:
                confirm_text = gr.Markdown(elem_id="rag-confirm-text")
                with gr.Row():
                    yes = gr.Button("Yes, remove it", variant="stop", elem_id="rag-remove-yes")
                    no = gr.Button("Cancel", elem_id="rag-remove-no")
            status = gr.Markdown(elem_id="rag-doc-status")
            with gr.Row(visible=collections):
                new_coll = gr.Textbox(label="New collection", placeholder="letters, digits, - and _",
                                      max_lines=1, scale=3, elem_id="rag-new-collection")
                make_coll = gr.Button("Create collection", scale=1, elem_id="rag-create-collection")
                drop_coll = gr.Button("Delete this collection\u2026", variant="stop", scale=1,
                                      elem_id="rag-delete-collection")
            with gr.Group(visible=False) as coll_confirm:
                coll_confirm_text = gr.Markdown(elem_id="rag-coll-confirm-text")
                with gr.Row():
                    coll_yes = gr.Button("Yes, delete it", variant="stop", elem_id="rag-delete-collection-yes")
                    coll_no = gr.Button("Cancel", elem_id="rag-delete-collection-no")

        ask_io = dict(inputs=[box, turns, k, mode, coll, store, chat_id],
                      outputs=[box, chatbot, turns, store, chat_id, saved, title_box], concurrency_limit=8)

        def after_answer(event):
            event.then(follow_latest, [turns, viewer_open, coll], viewer, api_visibility="private",
                       show_progress="hidden")

        after_answer(box.submit(respond, api_visibility="private", **ask_io))
        api_ask.click(ask_api, [box, turns, k, mode, coll], [box, chatbot, turns], api_name="ask", concurrency_limit=8)
        after_answer(send.click(respond, api_visibility="private", **ask_io))
        after_answer(chatbot.example_select(_example_text, None, box, api_visibility="private").then(
            respond, api_visibility="private", **ask_io))
        new.click(lambda: ("", [], [], None, gr.update(visible=False), False, gr.update(value=None), ""), None,
                  [box, chatbot, turns, chat_id, viewer_col, viewer_open, saved, title_box], api_name="new_chat").then(
            lambda s: chats.select(s, None), store, store, api_visibility="private", show_progress="hidden")

        lib_out = [chatbot, table, pick]
        shown = [*lib_out, turns, chat_id, saved, title_box, coll, coll_pick, viewer_col, viewer_open, folder]
        private = dict(api_visibility="private")
        saved.input(open_chat, [saved, store], [*shown, store], **private)
        coll_pick.input(switch_collection, [coll_pick, store], [*shown, store], **private)
        rename_btn.click(rename_chat, [store, chat_id, title_box], [store, saved], **private)
        title_box.submit(rename_chat, [store, chat_id, title_box], [store, saved], **private)
        delete_btn.click(delete_chat, [store, chat_id, coll], [*shown, store], **private)
        cite_btn.click(show_source, [cite_box, coll], [viewer_col, viewer, viewer_open],
                       js="(t, c) => [window.__ragCite || t, c]", api_name="source",
                       concurrency_limit=8).then(None, js=SCROLL_JS)
        close.click(lambda: (gr.update(visible=False), False), None, [viewer_col, viewer_open], **private)

        one = dict(show_progress_on=[status])  # one progress indicator, on the status line
        add.click(upload, [files_in, coll], [status, files_in, *lib_out], api_name="upload", **one)
        rm.click(ask_remove, [pick, coll], [confirm, confirm_text, status], **private)
        no.click(lambda: gr.update(visible=False), None, confirm, **private)
        yes.click(remove, [pick, coll], [status, confirm, *lib_out], api_name="remove", **one)
        again.click(reindex, coll, [status, *lib_out], api_name="reindex", **one)
        make_coll.click(create_collection, [new_coll, store], [*shown, store, status, new_coll], **private)
        drop_coll.click(ask_delete_collection, coll, [coll_confirm, coll_confirm_text, status], **private)
        coll_no.click(lambda: gr.update(visible=False), None, coll_confirm, **private)
        coll_yes.click(delete_collection, [coll, store], [*shown, store, status, coll_confirm], **private)
        app.load(restore, store, shown, **private).then(None, js=install_js())
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
