"""The source viewer: the Chat tab's right column, which shows a cited span in its document (HTML from
`ui.shelf`); a citation click opens it, and while open it follows the latest answer's first source.
"""
from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from .context import Context


@dataclass(frozen=True)
class Viewer:
    col: gr.Column  # hidden until a citation is opened
    html: gr.HTML
    close: gr.Button


def panel() -> Viewer:
    """The column, made inside the Chat tab's row."""
    with gr.Column(scale=3, visible=False, elem_id="rag-viewer-col", min_width=320) as col:
        with gr.Row():
            gr.Markdown("#### Source")
            close = gr.Button("Close", size="sm", scale=0, elem_id="rag-viewer-close")
        view = gr.HTML(elem_id="rag-viewer")
    return Viewer(col, view, close)


def show_source(ctx: Context, token, coll):
    # Opens the viewer on a citation token. (No docstring: gradio would publish it as the `/source` API's.)
    return gr.update(visible=True), ctx.shelf(coll).view_html(token), True


def follow_latest(ctx: Context, turns, is_open, coll):
    """Keep an open viewer on the latest answer's first source."""
    if not is_open or not turns or turns[-1].get("text") is None:
        return gr.skip()
    cites = turns[-1].get("cites") or []
    if not cites:
        return '<p class="rag-note">The latest answer cites no sources.</p>'
    return ctx.shelf(coll).view_html(cites[0])
