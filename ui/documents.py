"""The Documents tab's words and housekeeping: the listing, plain-language results of uploads and
ingests, the progress line, and dropping the temporary copies Gradio keeps of uploads.

No gradio here (only its upload folder's location, passed in); `ui.documents_tab` wires these up.
"""
from __future__ import annotations

from pathlib import Path

from rag.config import SUPPORTED_SUFFIXES


HEADERS = ["Title", "File", "Type", "Size", "Pages", "Passages"]


def folder_note(collection: str, docs_dir, read_only: bool = False) -> str:
    """The Documents tab's first line: which folder (its name only: no server paths), what it takes."""
    if read_only:
        return read_only_note(bool(collection))
    where = f"Collection **{collection}**, folder" if collection else "Documents folder"
    return f"{where} `{Path(docs_dir).name}`. Supported: {' '.join(SUPPORTED_SUFFIXES)} (up to 20 MB each)."


def read_only_note(collections: bool) -> str:
    """Why documents cannot be added or removed here, and where they can."""
    where = ("Create a collection of your own below (or choose another one in the Chat tab) and add your "
             "documents there." if collections else
             "To use your own, start the UI with `--docs FOLDER` (or `RAG_DOCS_DIR`).")
    return f"These are the demo documents that come with rag-offline: they are read-only. {where}"


def rows(docs) -> list[list]:
    """Table rows for `rag.DocumentInfo`s: paths stay relative to the documents folder."""
    return [[d.title, d.source, d.format.upper(), size_text(d.size), d.pages or "", d.passages] for d in docs]


def pending_rows(pending, docs_dir) -> list[list]:
    """Table rows for the files in the folder that are not in the index (`Assistant.pending`): the
    reason stands in the title column, so the listing shows every file and what became of it."""
    out = []
    for source, why in pending:
        try:
            size = size_text((Path(docs_dir) / source).stat().st_size)
        except OSError:
            size = ""
        out.append([f"Not indexed: {why}", source, Path(source).suffix.lstrip(".").upper(), size, "", 0])
    return out


def choices(docs, pending=()) -> list[tuple[str, str]]:
    """(label, source) for the remove picker: the title, and the file when it says something more;
    then the files that are not indexed, which can be removed too."""
    return [(d.title if d.title == d.source else f"{d.title} ({d.source})", d.source) for d in docs] + \
        [(f"{source} (not indexed)", source) for source, _ in pending]


def size_text(n: int) -> str:
    """1234 -> '1.2 KB': bytes under 1 KB, one decimal under 10 of a unit."""
    if n < 1024:
        return f"{n} bytes"
    for unit in ("KB", "MB", "GB"):
        n /= 1024
        if n < 1024 or unit == "GB":
            return f"{n:.1f} {unit}" if n < 10 else f"{n:.0f} {unit}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def describe(d) -> str:
    """'16 pages, 168 passages' for a DocumentInfo."""
    return ", ".join(x for x in (_plural(d.pages, "page") if d.pages else "", _plural(d.passages, "passage")) if x)


def refusal(name: str, reason: str) -> str:
    """'**notes.exe** was not added: unsupported file type .exe; …' (the reason without the name repeated)."""
    reason = str(reason)
    for prefix in (f"{name}: ", f"{name!r}: "):
        if reason.startswith(prefix):
            reason = reason[len(prefix):]
    return f"**{name}** was not added: {reason}"


def ingest_result(report, docs) -> list[str]:
    """Plain-language lines for an `IngestReport`: what was added, updated, removed or skipped, and why."""
    info = {d.source: d for d in docs}
    lines = []
    for verb, names in (("added", report.added), ("updated", report.updated)):
        for name in names:
            d = info.get(name)
            lines.append(f"**{name}** {verb}" + (f": {describe(d)}" if d else ""))
    lines += [f"**{name}** removed from the index" for name in report.removed]
    lines += [f"**{name}** was not indexed: {why}" for name, why in report.skipped]
    if not lines:
        lines.append(f"Nothing changed: {_plural(len(docs), 'document')} indexed, all up to date.")
    return lines


def progress_text(p) -> str:
    """One line for an `rag.IngestProgress`: what is happening to which file, and the time left."""
    files = f" (file {min(p.files_done + 1, p.files_total)} of {p.files_total})" if p.files_total > 1 else ""
    if p.stage == "scan":
        what = "Looking for new and changed files"
    elif p.stage == "read":
        what = f"Reading {p.source}{files}"
    elif p.stage in ("embed", "store"):
        verb = "Embedding" if p.stage == "embed" else "Storing"
        # counted for the file(s) being written now ("642 done" across files read as one file's count)
        of = f"{p.source_chunks_done} of {p.source_chunks_total} " if p.stage == "embed" and p.source_chunks_total else \
            (f"{p.source_chunks_total} " if p.source_chunks_total else "")
        what = f"{verb} {of}passages" + (f" of {p.source}" if p.source else "") + files
    elif p.stage == "done":
        what = "Done"
    else:
        what = str(p)
    eta = p.eta_s
    if eta is not None and p.stage != "done":
        what += f" \u2014 about {eta:.0f} s left" if eta < 90 else f" \u2014 about {eta / 60:.0f} min left"
    return what


def drop_upload_copies(upload_dir: str | Path, names, paths=()) -> int:
    """Delete Gradio's temporary copies of uploads: `paths` themselves and any `<upload_dir>/*/<name>`
    for each name, with their folders when left empty. Never touches anything outside upload_dir."""
    root = Path(upload_dir).resolve()
    found = {Path(p) for p in paths}
    if root.is_dir():
        for name in names:
            if name and "/" not in name and not name.startswith("."):
                found.update(root.glob(f"*/{name}"))
    dropped = 0
    for p in found:
        try:
            p = p.resolve()
            if root not in p.parents or not p.is_file():
                continue
            p.unlink()
            dropped += 1
            if p.parent != root and not any(p.parent.iterdir()):
                p.parent.rmdir()
        except OSError:
            pass  # already gone, or in use by another session's upload
    return dropped
