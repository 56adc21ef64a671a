"""The Gradio web UI: chat with streamed, cited answers; a source viewer; document management.

`create_app(assistant)` builds the Blocks without launching (tests drive it in-process);
`main()` builds an Assistant, ingests and serves it. Everything goes through the public
`rag.Assistant` API. Per-browser-session state is one `gr.State` list of turns; the Assistant is
thread-safe, so sessions run their questions concurrently.
"""
from __future__ import annotations

import os
import sys
import time
from datetime import datetime
from pathlib import Path

import gradio as gr

from rag import Assistant, RagError
from rag.config import SUPPORTED_SUFFIXES
from rag.documents import remove_document, save_upload
from rag.types import location

from .render import answer_html, parse_cite_token, partial_html, source_view_html, start_screen

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 7860
SEED_EXAMPLES = [
    "What tariff rate does the U.S. apply to Japanese steel and aluminum?",
    "Who is Japan's chief trade negotiator in the tariff talks?",
    "Which party does Yoshihiko Noda lead?",
    "What is the population of Osaka?",  # shows how the assistant declines
]
SEED_FILES = {"000_b4acd3bf5adef64c.txt", "004_960903e5580e0182.txt"}

# Installed once per page: a click on a citation link asks the (hidden) viewer button to open it.
_CLICK_JS = """() => {
  if (window.__ragCiteInstalled) return;
  window.__ragCiteInstalled = true;
  document.addEventListener('click', (ev) => {
    const a = ev.target.closest ? ev.target.closest('a[href^="#rag-cite="]') : null;
    if (!a) return;
    ev.preventDefault(); ev.stopPropagation();
    window.__ragCite = a.getAttribute('href');
    const b = document.getElementById('rag-cite-btn');
    (b && b.tagName === 'BUTTON' ? b : b.querySelector('button')).click();
  }, true);
}"""
_SCROLL_JS = """() => {  // the viewer may render a moment after the event: retry briefly
  let tries = 0;
  const go = () => {
    const m = document.getElementById('rag-hit');
    if (m) m.scrollIntoView({block: 'center', behavior: 'instant'});
    else if (tries++ < 40) setTimeout(go, 50);
  };
  setTimeout(go, 30);
}"""


def _indexed_at(index_dir: Path) -> str:
    """When the index was last written (newest file under it), for the start screen."""
    newest = 0.0
    for root, _, names in os.walk(index_dir):
        for n in names:
            try:
                newest = max(newest, os.stat(os.path.join(root, n)).st_mtime)
            except OSError:
                pass
    return datetime.fromtimestamp(newest).strftime("%Y-%m-%d %H:%M") if newest else ""


def _example_text(evt: gr.SelectData) -> str:
    return evt.value["text"]


def _ingest_message(report) -> str:
    lines = [f"Index updated: {report}".split("\n")[0]]
    lines += [f"- **{name}** was not indexed: {why}" for name, why in report.skipped]
    return "\n".join(lines)


def create_app(assistant: Assistant, examples: list[str] | None = None) -> gr.Blocks:
    """The UI over `assistant`. examples: questions for the start screen (default: the seeds' questions
    when the seed documents are indexed, else none)."""
    a = assistant
    modes = ["extractive"] + (["llm"] if a.config.llm != "none" else [])

    def library():
        files = a.files()
        shown = examples if examples is not None else (SEED_EXAMPLES if SEED_FILES <= set(files) else [])
        screen = start_screen(files, _indexed_at(Path(a.config.index_dir)))
        return files, shown, screen

    def refresh():
        files, shown, screen = library()
        rows = [[name, n] for name, n in sorted(files.items())]
        return (gr.update(placeholder=screen, examples=[{"text": q} for q in shown] or None),
                rows, gr.update(choices=sorted(files), value=None))

    def messages(turns):
        out = []
        for t in turns:
            out += [{"role": "user", "content": t["q"]}, {"role": "assistant", "content": t["html"]}]
        return out

    def respond(question, turns, k, mode):
        """Stream one answer into the chat. Yields (textbox, chatbot, turns)."""
        question = (question or "").strip()
        if not question:
            yield "", messages(turns), turns
            return
        history = [(t["q"], t["text"]) for t in turns if t["text"] is not None]
        turn = {"q": question, "text": None, "html": partial_html("")}
        turns = turns + [turn]
        yield "", messages(turns), turns
        kwargs = {"k": int(k) if k else None}
        if mode in modes:  # explicit, so "extractive" wins even when an LLM is configured
            kwargs["mode"] = mode
        text = ""
        try:
            for piece in a.stream(question, history, **kwargs):
                if isinstance(piece, str):
                    text += piece
                    turn["html"] = partial_html(text)
                else:  # the final Answer
                    turn["text"], turn["html"] = piece.text, answer_html(piece)
                yield gr.skip(), messages(turns), turns
        except RagError as e:  # shown in the chat, kept out of the history passed to follow-ups
            turn["html"] = f"\u26a0\ufe0f {e}"
            yield gr.skip(), messages(turns), turns

    def show_source(token):
        """Open the viewer on a citation: the document with the cited span highlighted."""
        try:
            source, start, end = parse_cite_token(token)
            doc = a.document(source)
            text = doc.text
            where = location(doc.page_at(start), text.count("\n", 0, start) + 1,
                             text.count("\n", 0, max(start, end - 1)) + 1)
            view = source_view_html(source, text, start, end, where)
        except (ValueError, RagError, OSError) as e:
            view = f"<p>Cannot show this source: {e}</p>"
        return gr.update(visible=True), view

    def run_ingest(progress):
        def on_progress(p):
            progress(p.fraction, desc=str(p))
        progress(0, desc="Scanning the documents folder")
        return a.ingest(progress=False, on_progress=on_progress)

    def upload(paths, progress=gr.Progress()):
        notes, saved = [], []
        for p in paths or []:
            p = Path(p)
            try:
                save_upload(a.config.docs_dir, p.name, p.read_bytes())
                saved.append(p.name)
            except RagError as e:
                notes.append(f"- **{p.name}** was not added: {e}")
        if saved:
            report = run_ingest(progress)
            for name, why in report.skipped:
                if name in saved:  # readable but nothing to index: take it out again
                    remove_document(a.config.docs_dir, name)
                    saved.remove(name)
                notes.append(f"- **{name}** was not indexed: {why}")
            if report.skipped:
                a.ingest(progress=False)
            notes.insert(0, f"Added {', '.join(saved) or 'nothing'}. {str(report).splitlines()[0]}")
        elif not notes:
            notes.append("Choose one or more files to upload first.")
        return ("\n".join(notes), None, *refresh())

    def remove(name, progress=gr.Progress()):
        if not name:
            return ("Pick a file to remove first.", *refresh())
        try:
            remove_document(a.config.docs_dir, name)
        except RagError as e:
            return (f"Could not remove {name}: {e}", *refresh())
        report = run_ingest(progress)
        return (f"Removed **{name}**. {str(report).splitlines()[0]}", *refresh())

    def reindex(progress=gr.Progress()):
        return (_ingest_message(run_ingest(progress)), *refresh())

    with gr.Blocks(title="Chat with your documents", fill_height=True) as app:
        turns = gr.State([])
        with gr.Tab("Chat"):
            with gr.Row(equal_height=False):
                with gr.Column(scale=3):
                    chatbot = gr.Chatbot(elem_id="rag-chat", height="62vh", label="Chat", buttons=["copy"],
                                         feedback_options=None, autoscroll=True)
                    with gr.Row():
                        box = gr.Textbox(placeholder="Ask a question about the documents\u2026", show_label=False,
                                         scale=6, autofocus=True, max_lines=6, elem_id="rag-question")
                        send = gr.Button("Ask", variant="primary", scale=1, elem_id="rag-ask")
                        new = gr.Button("New chat", scale=1, elem_id="rag-new")
                    with gr.Accordion("Settings", open=False):
                        k = gr.Slider(1, 20, value=a.config.top_k, step=1, label="Passages retrieved (k)")
                        mode = gr.Dropdown(modes, value=modes[-1], label="Answer mode",
                                           interactive=len(modes) > 1)
                with gr.Column(scale=2, visible=False, elem_id="rag-viewer-col") as viewer_col:
                    with gr.Row():
                        gr.Markdown("#### Source")
                        close = gr.Button("Close", size="sm", scale=0)
                    viewer = gr.HTML(elem_id="rag-viewer")
            cite_box = gr.Textbox(visible="hidden", elem_id="rag-cite-token")
            cite_btn = gr.Button("open citation", visible="hidden", elem_id="rag-cite-btn")
        with gr.Tab("Documents"):
            gr.Markdown(f"Documents folder: `{a.config.docs_dir}`. Supported: {' '.join(SUPPORTED_SUFFIXES)}")
            table = gr.Dataframe(headers=["file", "chunks"], datatype=["str", "number"], interactive=False,
                                 label="Indexed files")
            files_in = gr.File(file_count="multiple", type="filepath", label="Add documents", elem_id="rag-upload",
                               file_types=list(SUPPORTED_SUFFIXES))
            with gr.Row():
                add = gr.Button("Upload and index", variant="primary")
                pick = gr.Dropdown([], label="Remove a file", scale=2)
                rm = gr.Button("Remove", variant="stop")
                again = gr.Button("Re-index folder")
            status = gr.Markdown(elem_id="rag-doc-status")

        ask_io = dict(inputs=[box, turns, k, mode], outputs=[box, chatbot, turns], concurrency_limit=8)
        box.submit(respond, api_name="ask", **ask_io)
        send.click(respond, api_visibility="private", **ask_io)
        chatbot.example_select(_example_text, None, box, api_visibility="private").then(
            respond, api_visibility="private", **ask_io)
        new.click(lambda: ("", [], [], gr.update(visible=False)), None, [box, chatbot, turns, viewer_col],
                  api_name="new_chat")
        chatbot.clear(lambda: ([], gr.update(visible=False)), None, [turns, viewer_col], api_visibility="private")
        cite_btn.click(show_source, cite_box, [viewer_col, viewer], js="(t) => [window.__ragCite || t]",
                       api_name="source", concurrency_limit=8).then(None, js=_SCROLL_JS)
        close.click(lambda: gr.update(visible=False), None, viewer_col, api_visibility="private")

        lib_out = [chatbot, table, pick]
        add.click(upload, files_in, [status, files_in, *lib_out], api_name="upload")
        rm.click(remove, pick, [status, *lib_out], api_name="remove")
        again.click(reindex, None, [status, *lib_out], api_name="reindex")
        app.load(refresh, None, lib_out, api_visibility="private").then(None, js=_CLICK_JS)
    app.queue(default_concurrency_limit=2)
    return app


def serve(app: gr.Blocks, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, auth=None,
          prevent_thread_lock: bool = False):
    """Launch `app` (blocks unless prevent_thread_lock)."""
    return app.launch(server_name=host, server_port=port, auth=auth, prevent_thread_lock=prevent_thread_lock,
                      show_error=True, inbrowser=False, quiet=prevent_thread_lock)


def main(docs_dir=None, index_dir=None, host=None, port=None) -> int:
    """`python -m rag ui`: index the documents folder (progress printed), then serve the UI.

    Bound to 127.0.0.1:7860 unless told otherwise (arguments, or RAG_UI_HOST / RAG_UI_PORT).
    RAG_UI_USER and RAG_UI_PASSWORD turn on a login; serving beyond localhost without one warns.
    """
    host = host or os.environ.get("RAG_UI_HOST") or DEFAULT_HOST
    port = int(port or os.environ.get("RAG_UI_PORT") or DEFAULT_PORT)
    user, password = os.environ.get("RAG_UI_USER"), os.environ.get("RAG_UI_PASSWORD")
    auth = (user, password) if user and password else None
    if host not in ("127.0.0.1", "localhost", "::1") and auth is None:
        print(f"warning: serving on {host} without a login; set RAG_UI_USER and RAG_UI_PASSWORD to require one",
              file=sys.stderr)
    a = Assistant(docs_dir=docs_dir, index_dir=index_dir)
    print(f"Indexing {a.config.docs_dir} ...")
    t0 = time.perf_counter()
    print(a.ingest(progress=True))
    print(f"ready in {time.perf_counter() - t0:.1f}s; open http://{host}:{port}")
    serve(create_app(a), host, port, auth)
    return 0
