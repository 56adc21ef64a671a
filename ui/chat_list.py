"""The Chat tab's left column: the collection picker, New chat, the saved chats (`ui.chats`) and renaming
or deleting one; `show_chat` puts a chat, or a new one in a collection, on every part of the page.
"""
from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from . import chats, documents
from .context import DEFAULT, Context, refresh
from .render import messages

# How many values `show_chat` returns: one for each of `ui.app.create_app`'s `shown` components.
SHOWN = 12


@dataclass(frozen=True)
class ChatList:
    coll_pick: gr.Dropdown
    new: gr.Button
    saved: gr.Radio
    title_box: gr.Textbox
    rename_btn: gr.Button
    delete_btn: gr.Button


def panel(ctx: Context) -> ChatList:
    """The column, made inside the Chat tab's row."""
    with gr.Column(scale=1, min_width=200, elem_id="rag-chats-col"):
        coll_pick = gr.Dropdown(ctx.names(), value=DEFAULT, label="Collection", visible=ctx.collections,
                                info="The document set to ask", elem_id="rag-collection")
        new = gr.Button("New chat", elem_id="rag-new")
        saved = gr.Radio([], label="Your chats", info="Kept in this browser only", elem_id="rag-chat-list")
        with gr.Accordion("Rename or delete this chat", open=False, elem_id="rag-chat-manage"):
            title_box = gr.Textbox(label="Title", max_lines=1, elem_id="rag-chat-title")
            with gr.Row():
                rename_btn = gr.Button("Rename", size="sm", elem_id="rag-chat-rename")
                delete_btn = gr.Button("Delete chat", size="sm", variant="stop", elem_id="rag-chat-delete")
    return ChatList(coll_pick, new, saved, title_box, rename_btn, delete_btn)


def chat_list(store, current):
    return gr.update(choices=chats.choices(store), value=current)


def show_chat(ctx: Context, store, chat, coll=None):
    """Everything the page shows for `chat` (None: a new chat in `coll`), in the order of `shown`:
    chatbot, table, pick, turns, chat_id, saved, title_box, coll, coll_pick, viewer column, viewer_open, folder."""
    turns = chat["turns"] if chat else []
    known = ctx.names()
    coll = chat.get("coll", DEFAULT) if chat else (coll or DEFAULT)
    coll = coll if coll in known else DEFAULT  # (a chat may outlive its collection)
    start, rows, pick = refresh(ctx, coll)
    s = ctx.shelf(coll)
    note = documents.folder_note(coll if ctx.collections else "", s.docs_dir, s.assistant.config.read_only)
    return (gr.update(value=messages(turns), placeholder=start["placeholder"], examples=start["examples"]),
            rows, pick, turns, chat["id"] if chat else None, chat_list(store, chat and chat["id"]),
            chat["title"] if chat else "", coll, gr.update(choices=known, value=coll),
            gr.update(visible=False), False, note)


def restore(ctx: Context, store):
    """The page as it loads: the chat that was open last in this browser."""
    store = chats.load(store)
    return show_chat(ctx, store, chats.find(store, store["current"]))


def open_chat(ctx: Context, chosen, store):
    chat = chats.find(store, chosen)
    if chat is None:
        return (gr.skip(),) * (SHOWN + 1)
    store = chats.select(store, chat["id"])
    return (*show_chat(ctx, store, chat), store)


def switch_collection(ctx: Context, coll, store):
    """A new chat over the chosen collection."""
    store = chats.select(store, None)
    return (*show_chat(ctx, store, None, coll), store)


def persist(store, chat_id, turns, coll):
    """Save the chat. Returns (store, chat_id, saved chats, title)."""
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


def delete_chat(ctx: Context, store, chat_id, coll):
    store = chats.delete(store, chat_id)
    return (*show_chat(ctx, store, None, coll), store)
