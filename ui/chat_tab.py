"""The Chat tab: the saved chats' column (`ui.chat_list`), the chat with streamed, cited answers and its
settings, and the source viewer (`ui.viewer`); `wire` connects them.
"""
from __future__ import annotations

import html
from dataclasses import dataclass

import gradio as gr

from rag import Notice, RagError
from rag.followup import resolve

from . import chat_list, chats, viewer
from .chat_list import ChatList
from .context import Context, Session, bind
from .page import SCROLL_JS
from .render import answer_html, cite_token, messages, partial_html

K_HELP = ("How many passages are searched for each answer: more can find facts spread over several "
          "documents, fewer keeps answers focused and quicker.")


@dataclass(frozen=True)
class ChatTab:
    side: ChatList
    chatbot: gr.Chatbot
    box: gr.Textbox  # the question
    send: gr.Button
    api_ask: gr.Button  # carries the `/ask` API endpoint only
    k: gr.Slider
    mode: gr.Radio
    viewer: viewer.Viewer
    cite_box: gr.Textbox  # the page's citation click (`ui.page`) puts the token here and clicks cite_btn
    cite_btn: gr.Button


def layout(ctx: Context) -> ChatTab:
    """The tab's contents, made inside its gr.Tab."""
    with gr.Row(equal_height=False, elem_id="rag-chat-row"):
        side = chat_list.panel(ctx)
        with gr.Column(scale=4, min_width=320, elem_id="rag-main-col"):
            # no label and no clear icon: they float over the messages (New chat clears)
            chatbot = gr.Chatbot(elem_id="rag-chat", height="62vh", label="Chat", show_label=False,
                                 buttons=["copy"], feedback_options=None, autoscroll=True)
            with gr.Row(elem_id="rag-ask-row"):
                box = gr.Textbox(placeholder="Ask a question about the documents\u2026", show_label=False,
                                 scale=6, autofocus=True, max_lines=6, elem_id="rag-question", min_width=200)
                send = gr.Button("Ask", variant="primary", scale=1, elem_id="rag-ask", min_width=80)
                api_ask = gr.Button(visible=False)
            with gr.Accordion("Settings", open=False, elem_id="rag-settings"):
                k = gr.Slider(1, 20, value=ctx.config.top_k, step=1, label="Passages retrieved (k)",
                              info=K_HELP, elem_id="rag-k")
                mode = _mode_control(ctx.config.llm)
        view = viewer.panel()
    cite_box = gr.Textbox(visible="hidden", elem_id="rag-cite-token")
    cite_btn = gr.Button("open citation", visible="hidden", elem_id="rag-cite-btn")
    return ChatTab(side, chatbot, box, send, api_ask, k, mode, view, cite_box, cite_btn)


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


def _example_text(evt: gr.SelectData) -> str:
    return evt.value["text"]


def respond(ctx: Context, question, turns, k, mode, coll, store, chat_id):
    """What the page runs: `answer_turn`, with the chat saved in the same update that shows the
    final answer (so a click on the chat list right after an answer never races a separate save).
    Yields (textbox, chatbot, turns, store, chat_id, saved chats, title)."""
    keep = (gr.skip(),) * 4
    for box_v, chat_v, turns_v, done in answer_turn(ctx, question, turns, k, mode, coll):
        yield box_v, chat_v, turns_v, *(chat_list.persist(store, chat_id, turns_v, coll) if done else keep)


def ask_api(ctx: Context, question, turns, k, mode, coll):
    """The `/ask` API endpoint (gradio_client): one answer, nothing saved in a browser."""
    for box_v, chat_v, turns_v, _ in answer_turn(ctx, question, turns, k, mode, coll):
        yield box_v, chat_v, turns_v


def answer_turn(ctx: Context, question, turns, k, mode, coll):
    """Stream one answer into the chat. Yields (textbox, chatbot, turns, final)."""
    question = (question or "").strip()
    if not question:
        yield "", messages(turns), turns, False
        return
    s = ctx.shelf(coll)
    history = [(t["q"], t["text"]) for t in turns if t.get("text") is not None]
    turn = {"q": question, "text": None, "html": partial_html(""), "cites": []}
    turns = turns + [turn]
    yield "", messages(turns), turns, False
    kwargs = {"k": int(k) if k else None}
    if mode in ctx.modes:  # explicit, so "extractive" wins even when an LLM is configured
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


def wire(ctx: Context, state: Session, tab: ChatTab, shown: list) -> None:
    """The tab's events. shown: what `chat_list.show_chat` fills (see `ui.app.create_app`)."""
    side, v = tab.side, tab.viewer
    store, turns, chat_id, coll = state.store, state.turns, state.chat_id, state.coll
    # gradio limits concurrency per function object: the three ways of asking share one respond
    # (and its limit of 8), and the viewer's updates after them one follow_latest.
    answer, follow = bind(respond, ctx), bind(viewer.follow_latest, ctx)
    ask_io = {"inputs": [tab.box, turns, tab.k, tab.mode, coll, store, chat_id],
              "outputs": [tab.box, tab.chatbot, turns, store, chat_id, side.saved, side.title_box],
              "concurrency_limit": 8}
    private = {"api_visibility": "private"}

    def after_answer(event):
        event.then(follow, [turns, state.viewer_open, coll], v.html, api_visibility="private", show_progress="hidden")

    after_answer(tab.box.submit(answer, **private, **ask_io))
    tab.api_ask.click(bind(ask_api, ctx), [tab.box, turns, tab.k, tab.mode, coll], [tab.box, tab.chatbot, turns],
                      api_name="ask", concurrency_limit=8)
    after_answer(tab.send.click(answer, **private, **ask_io))
    after_answer(tab.chatbot.example_select(_example_text, None, tab.box, **private).then(answer, **private, **ask_io))
    side.new.click(lambda: ("", [], [], None, gr.update(visible=False), False, gr.update(value=None), ""), None,
                   [tab.box, tab.chatbot, turns, chat_id, v.col, state.viewer_open, side.saved, side.title_box],
                   api_name="new_chat").then(
        lambda s: chats.select(s, None), store, store, api_visibility="private", show_progress="hidden")

    side.saved.input(bind(chat_list.open_chat, ctx), [side.saved, store], [*shown, store], **private)
    side.coll_pick.input(bind(chat_list.switch_collection, ctx), [side.coll_pick, store], [*shown, store], **private)
    side.rename_btn.click(chat_list.rename_chat, [store, chat_id, side.title_box], [store, side.saved], **private)
    side.title_box.submit(chat_list.rename_chat, [store, chat_id, side.title_box], [store, side.saved], **private)
    side.delete_btn.click(bind(chat_list.delete_chat, ctx), [store, chat_id, coll], [*shown, store], **private)
    tab.cite_btn.click(bind(viewer.show_source, ctx), [tab.cite_box, coll], [v.col, v.html, state.viewer_open],
                       js="(t, c) => [window.__ragCite || t, c]", api_name="source",
                       concurrency_limit=8).then(None, js=SCROLL_JS)
    v.close.click(lambda: (gr.update(visible=False), False), None, [v.col, state.viewer_open], **private)
