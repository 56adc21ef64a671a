"""Saved conversations, kept in the user's browser (a `gr.BrowserState`), never on the server.

The stored value is one JSON object: {"chats": [{"id", "title", "turns", "at", "named", "coll"}], "current": id}.
A turn is {"q": question, "text": answer text or None, "html": the rendered answer, "cites": tokens}.
Pure functions that return a new value: the browser keeps what the last event returned.
"""
from __future__ import annotations

import json
import time
import uuid

MAX_CHATS = 50  # oldest dropped beyond this: localStorage holds a few MB per site
# The stored value's JSON stays under this many characters (the oldest chats go first, then a long
# chat's oldest turns): BrowserState encrypts it to about 4/3 of that in base64, so the saved chats
# stay under 0.5 M characters (1 MB even as UTF-16), and a write never meets a full quota.
MAX_CHARS = 300_000
TITLE_CHARS = 60


def empty() -> dict:
    return {"chats": [], "current": None}


def load(store) -> dict:
    """The store as read from the browser, tolerating anything (an old format, hand edits)."""
    if not isinstance(store, dict) or not isinstance(store.get("chats"), list):
        return empty()
    chats = [c for c in store["chats"] if isinstance(c, dict) and c.get("id") and isinstance(c.get("turns"), list)]
    return {"chats": chats, "current": store.get("current")}


def find(store, chat_id) -> dict | None:
    return next((c for c in load(store)["chats"] if c["id"] == chat_id), None)


def title_of(turns) -> str:
    q = " ".join((turns[0]["q"] if turns else "New chat").split())
    return q if len(q) <= TITLE_CHARS else q[:TITLE_CHARS - 1].rstrip() + "\u2026"


def choices(store) -> list[tuple[str, str]]:
    """(title, id) for the side list, most recently used first."""
    chats = sorted(load(store)["chats"], key=lambda c: c.get("at", 0), reverse=True)
    return [(c.get("title") or "Untitled", c["id"]) for c in chats]


def save(store, chat_id: str | None, turns: list, coll: str = "default") -> tuple[dict, str | None]:
    """(store with `turns` as chat `chat_id`'s, the chat's id). A chat gets its id on its first turn.
    coll: the collection it asks (its citations point into that collection's documents)."""
    store = load(store)
    if not turns:
        return store, chat_id
    chat_id = chat_id or uuid.uuid4().hex[:12]
    chat = find(store, chat_id)
    others = [c for c in store["chats"] if c["id"] != chat_id]
    named = bool(chat and chat.get("named"))
    chat = {"id": chat_id, "title": chat["title"] if named else title_of(turns), "turns": turns,
            "at": time.time(), "named": named, "coll": coll or "default"}
    others = sorted(others, key=lambda c: c.get("at", 0), reverse=True)[:MAX_CHATS - 1]
    return _fit({"chats": [chat] + others, "current": chat_id}), chat_id


def size(value) -> int:
    """Characters of `value`'s JSON (a store's is what `MAX_CHARS` bounds)."""
    return len(json.dumps(value, separators=(",", ":")))


def _fit(store: dict) -> dict:
    """`store` (its first chat the one just saved) within MAX_CHARS: older chats dropped, oldest first,
    then the saved chat's oldest turns (its latest one is always kept)."""
    chat, older = store["chats"][0], store["chats"][1:]
    over = size(store) - MAX_CHARS
    while over > 0 and older:
        over -= size(older.pop()) + 1  # (and its comma)
    turns = chat["turns"]
    while over > 0 and len(turns) > 1:
        over -= size(turns[0]) + 1
        turns = turns[1:]
    return {**store, "chats": [{**chat, "turns": turns}] + older}


def rename(store, chat_id: str | None, title: str) -> dict:
    store = load(store)
    title = " ".join((title or "").split())[:TITLE_CHARS * 2]
    for c in store["chats"]:
        if c["id"] == chat_id and title:
            c["title"], c["named"] = title, True
    return store


def delete(store, chat_id: str | None) -> dict:
    store = load(store)
    chats = [c for c in store["chats"] if c["id"] != chat_id]
    return {"chats": chats, "current": None if store["current"] == chat_id else store["current"]}


def select(store, chat_id: str | None) -> dict:
    store = load(store)
    return {**store, "current": chat_id if find(store, chat_id) else None}
