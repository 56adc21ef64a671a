"""The Documents tab: the listing, upload, re-index, remove (with a confirmation) and the collections;
its wording and housekeeping are in `ui.documents`.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import gradio as gr

from rag import RagError
from rag.config import SUPPORTED_SUFFIXES
from rag.documents import remove_document, save_upload
from rag.errors import public_message

from . import chats, documents
from .chat_list import SHOWN, show_chat
from .context import DEFAULT, Context, Session, bind, refresh


@dataclass(frozen=True)
class DocumentsTab:
    folder: gr.Markdown
    table: gr.Dataframe
    files_in: gr.File
    add: gr.Button
    again: gr.Button  # re-index
    pick: gr.Dropdown  # the document to remove
    rm: gr.Button
    confirm: gr.Group  # "remove it?"
    confirm_text: gr.Markdown
    yes: gr.Button
    no: gr.Button
    status: gr.Markdown
    new_coll: gr.Textbox
    make_coll: gr.Button
    drop_coll: gr.Button
    coll_confirm: gr.Group  # "delete the collection?"
    coll_confirm_text: gr.Markdown
    coll_yes: gr.Button
    coll_no: gr.Button


def layout(ctx: Context) -> DocumentsTab:
    """The tab's contents, made inside its gr.Tab."""
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
    with gr.Row(visible=ctx.collections):
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
    return DocumentsTab(folder, table, files_in, add, again, pick, rm, confirm, confirm_text, yes, no, status,
                        new_coll, make_coll, drop_coll, coll_confirm, coll_confirm_text, coll_yes, coll_no)


# -- collections --------------------------------------------------------------------------------
def create_collection(ctx: Context, name, store):
    try:
        ctx.source.create((name or "").strip())
    except RagError as e:
        return (gr.skip(),) * (SHOWN + 1) + (f"Could not create the collection: {public_message(e, ctx.folders)}",
                                             gr.skip())
    store = chats.select(store, None)
    return (*show_chat(ctx, store, None, name.strip()), store,
            f"Collection **{name.strip()}** created: add documents to it below.", "")


def ask_delete_collection(ctx: Context, coll):
    if coll == DEFAULT or not ctx.collections:
        what = "the demo documents" if ctx.shelf(coll).assistant.config.read_only else "your documents folder"
        return gr.update(visible=False), "", f"The default collection is {what}: it cannot be deleted here."
    n = len(ctx.shelf(coll).documents())
    return (gr.update(visible=True), f"Delete the collection **{coll}** and its {n} document"
            f"{'' if n == 1 else 's'}? Its folder and its index are deleted; this cannot be undone.", "")


def delete_collection(ctx: Context, coll, store):
    hide = gr.update(visible=False)
    try:
        ctx.source.delete(coll)
    except RagError as e:
        return (gr.skip(),) * (SHOWN + 1) + (
            f"Could not delete the collection {coll}: {public_message(e, ctx.folders)}", hide)
    ctx.shelves.pop(coll, None)
    store = chats.select(store, None)
    return (*show_chat(ctx, store, None, DEFAULT), store, f"Collection **{coll}** deleted.", hide)


# -- documents ----------------------------------------------------------------------------------
def run_ingest(a, progress):
    def on_progress(p):
        progress(p.fraction, desc=documents.progress_text(p))
    progress(0, desc="Looking for new and changed files")
    return a.ingest(progress=False, on_progress=on_progress)


def upload(ctx: Context, paths, coll, progress=gr.Progress()):
    s = ctx.shelf(coll)
    if s.assistant.config.read_only:  # the bundled demo set: nothing is written there
        documents.drop_upload_copies(ctx.upload_dir, (), paths or ())
        return (documents.read_only_note(ctx.collections), None, *refresh(ctx, coll))
    notes, saved = [], []
    for p in paths or []:
        name = Path(p).name
        try:
            save_upload(s.docs_dir, name, Path(p).read_bytes())
            saved.append(name)
        except (RagError, OSError) as e:
            notes.append(documents.refusal(name, s.message(e)))
    documents.drop_upload_copies(ctx.upload_dir, (), paths or ())  # the documents folder has the file now
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
    return ("\n\n".join(notes), None, *refresh(ctx, coll))


def ask_remove(ctx: Context, name, coll):
    if ctx.shelf(coll).assistant.config.read_only:
        return gr.update(visible=False), "", documents.read_only_note(ctx.collections)
    if not name:
        return gr.update(visible=False), "", "Pick a document to remove first."
    title = ctx.shelf(coll).titles().get(name, name)
    what = f"**{title}** (`{name}`)" if title != name else f"`{name}`"
    return (gr.update(visible=True),
            f"Remove {what}? The file is deleted from the documents folder and from the index.", "")


def remove(ctx: Context, name, coll, progress=gr.Progress()):
    hide = gr.update(visible=False)
    if not name:
        return ("Pick a document to remove first.", hide, *refresh(ctx, coll))
    s = ctx.shelf(coll)
    title = s.titles().get(name, name)
    try:
        remove_document(s.docs_dir, name)
    except RagError as e:
        return (f"Could not remove {name}: {s.message(e)}", hide, *refresh(ctx, coll))
    documents.drop_upload_copies(ctx.upload_dir, [Path(name).name])
    s.forget()
    run_ingest(s.assistant, progress)
    label = f"**{title}** (`{name}`)" if title != name else f"**{name}**"
    return (f"Removed {label} from the documents folder and the index.", hide, *refresh(ctx, coll))


def reindex(ctx: Context, coll, progress=gr.Progress()):
    s = ctx.shelf(coll)
    s.forget()
    report = run_ingest(s.assistant, progress)
    return ("\n\n".join(documents.ingest_result(report, s.documents(fresh=True))), *refresh(ctx, coll))


def wire(ctx: Context, state: Session, tab: DocumentsTab, listing: list, shown: list) -> None:
    """The tab's events. listing: what `refresh` fills; shown: what `chat_list.show_chat` fills
    (both span the tabs: see `ui.app.create_app`)."""
    t, store, coll = tab, state.store, state.coll
    private = {"api_visibility": "private"}
    one = {"show_progress_on": [t.status]}  # one progress indicator, on the status line
    t.add.click(bind(upload, ctx), [t.files_in, coll], [t.status, t.files_in, *listing], api_name="upload", **one)
    t.rm.click(bind(ask_remove, ctx), [t.pick, coll], [t.confirm, t.confirm_text, t.status], **private)
    t.no.click(lambda: gr.update(visible=False), None, t.confirm, **private)
    t.yes.click(bind(remove, ctx), [t.pick, coll], [t.status, t.confirm, *listing], api_name="remove", **one)
    t.again.click(bind(reindex, ctx), coll, [t.status, *listing], api_name="reindex", **one)
    t.make_coll.click(bind(create_collection, ctx), [t.new_coll, store], [*shown, store, t.status, t.new_coll],
                      **private)
    t.drop_coll.click(bind(ask_delete_collection, ctx), coll, [t.coll_confirm, t.coll_confirm_text, t.status],
                      **private)
    t.coll_no.click(lambda: gr.update(visible=False), None, t.coll_confirm, **private)
    t.coll_yes.click(bind(delete_collection, ctx), [coll, store], [*shown, store, t.status, t.coll_confirm],
                     **private)
