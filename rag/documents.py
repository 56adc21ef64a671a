"""Adding and removing files in the documents folder (what the web UI's upload and remove buttons do).

Names come from users (browser uploads), so they are checked before any path is built: a name
is one plain file name -- no folders, no '..', not absolute, not hidden -- with a supported
suffix. An upload is checked without parsing it (`rag.read.check_upload`: blank or binary text, a
PDF's header, a .docx's zip directory), written to a hidden temporary file and renamed into place,
so a refused upload changes nothing. Reading it whole is the ingest's job, in a worker that a
pathological file cannot stall (`rag.read.worker`): a web request never parses a document. The
bundled demo documents are read-only: users' files belong in a collection of their own. Re-indexing
is the caller's job (`Assistant.ingest`). Not here: reading documents (`rag.read`), indexing (`rag.ingest`).
"""
from __future__ import annotations

import fcntl
import os
import tempfile
import time
import unicodedata
from pathlib import Path

from .config import SUPPORTED_SUFFIXES, is_bundled
from .errors import DocumentError, ReadOnlyError
from .read import MAX_FILE_BYTES, check_upload

MAX_NAME_CHARS = 200
MAX_NAME_BYTES = 240  # below ext4's 255, leaving room for the ".upload-" prefix of the temporary copy
UPLOAD_PREFIX = ".upload-"  # the temporary copy (hidden: ingest skips it)
READ_ONLY = ("the default collection is the demo documents that come with rag-offline, and they are read-only: "
             "create a collection of your own (or choose another one) for your documents")


def check_writable(docs_dir: str | Path) -> Path:
    """docs_dir, or ReadOnlyError when it is the bundled demo set (inside the source tree)."""
    if is_bundled(docs_dir):
        raise ReadOnlyError(READ_ONLY)
    return Path(docs_dir)


def check_name(filename: str) -> str:
    """`filename` as a safe, plain file name for the documents folder, or DocumentError saying why not."""
    if not isinstance(filename, str):
        raise DocumentError("file name must be a string")
    name = unicodedata.normalize("NFC", filename.strip())
    if not name:
        raise DocumentError("file name is empty")
    if "/" in name or "\\" in name or name in (".", ".."):
        raise DocumentError(f"{filename!r}: give a plain file name, without folders")
    if any(unicodedata.category(ch).startswith("C") for ch in name):  # control and format characters
        raise DocumentError(f"{filename!r}: the file name contains control characters")
    if name.startswith("."):
        raise DocumentError(f"{filename!r}: hidden files (names starting with '.') are not indexed")
    if len(name) > MAX_NAME_CHARS:
        raise DocumentError(f"file name is longer than {MAX_NAME_CHARS} characters")
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:  # what the file system counts (ext4: 255 bytes)
        raise DocumentError(f"file name is longer than {MAX_NAME_BYTES} bytes in UTF-8 "
                            f"({len(name.encode('utf-8'))}); shorten it")
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise DocumentError(f"{name}: unsupported file type {suffix or '(none)'}; "
                            f"supported: {' '.join(SUPPORTED_SUFFIXES)}")
    return name


def _inside(docs_dir: Path, name: str) -> Path:
    """docs_dir/name, refusing anything that resolves outside docs_dir (e.g. through a symlink)."""
    docs = Path(docs_dir).resolve()
    path = docs / name
    if docs not in path.resolve().parents:
        raise DocumentError(f"{name!r} is not inside the documents folder")
    return path


def save_upload(docs_dir: str | Path, filename: str, data: bytes) -> Path:
    """Write an uploaded file into docs_dir (replacing a file of that name) and return its path.

    Raises DocumentError, leaving the folder as it was, when the name or type is not allowed or the
    content is empty, too large or plainly not of its type (`rag.read.check_upload`); whether it can be
    read whole, the ingest says.
    """
    docs = check_writable(docs_dir)
    name = check_name(filename)
    if not docs.is_dir():
        raise DocumentError(f"documents folder not found: {docs}")
    if not data:
        raise DocumentError(f"{name}: the file is empty")
    if len(data) > MAX_FILE_BYTES:
        raise DocumentError(f"{name}: the file is over the {MAX_FILE_BYTES // 2**20} MB limit")
    target = _inside(docs, name)
    if target.is_symlink() or (target.exists() and not target.is_file()):
        raise DocumentError(f"{name}: a folder or link of that name is already in the documents folder")
    try:
        check_upload(data, Path(name).suffix)
    except DocumentError as e:
        raise DocumentError(f"{name}: {e}") from e
    fd, tmp = tempfile.mkstemp(prefix=UPLOAD_PREFIX, suffix=Path(name).suffix, dir=docs)
    try:
        with os.fdopen(fd, "wb") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)  # held until renamed: `clean_uploads` leaves a live upload alone
            fh.write(data)
            fh.flush()
            os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def clean_uploads(docs_dir: str | Path, fresh_s: float = 1.0) -> list[str]:
    """Delete the temporary files (`.upload-*`) of uploads that were cut short (the process was killed
    while writing one) and return their names. A file an upload is still writing is locked by it, and
    one younger than `fresh_s` may not be locked yet: both are left alone. Never in the demo set."""
    docs = Path(docs_dir)
    if is_bundled(docs) or not docs.is_dir():
        return []
    removed = []
    for path in sorted(docs.glob(UPLOAD_PREFIX + "*")):
        try:
            with open(path, "rb") as fh:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                if time.time() - os.fstat(fh.fileno()).st_mtime < fresh_s or not path.is_file():
                    continue
                path.unlink()
            removed.append(path.name)
        except OSError:  # locked by a live upload (BlockingIOError), or gone meanwhile
            continue
    return removed


def remove_document(docs_dir: str | Path, name: str) -> Path:
    """Delete the document `name` (a path relative to docs_dir, as `Assistant.files()` lists it)."""
    check_writable(docs_dir)
    if not isinstance(name, str) or not name.strip():
        raise DocumentError("no document named")
    rel = Path(name)
    if rel.is_absolute() or any(p in ("..", "") or p.startswith(".") for p in rel.parts):
        raise DocumentError(f"{name!r} is not a document in the documents folder")
    path = _inside(Path(docs_dir), rel.as_posix())
    if path.is_symlink() or not path.is_file():
        raise DocumentError(f"{name!r} is not a document in the documents folder")
    path.unlink()
    return path
