"""rag.documents: upload names can't escape the documents folder; bad uploads change nothing."""
import os

import pytest

from rag import DocumentError
from rag.documents import check_name, remove_document, save_upload


@pytest.fixture
def docs(tmp_path):
    d = tmp_path / "docs"
    d.mkdir()
    (d / "keep.txt").write_text("An existing document.\n")
    return d


def listing(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


def test_saves_a_plain_upload(docs):
    path = save_upload(docs, "notes.md", b"# Notes\n\nThe meeting is on Tuesday.\n")
    assert path == docs / "notes.md"
    assert path.read_bytes() == b"# Notes\n\nThe meeting is on Tuesday.\n"
    assert listing(docs) == ["keep.txt", "notes.md"]  # no temp file left behind


def test_replaces_a_file_of_the_same_name(docs):
    save_upload(docs, "keep.txt", b"New text.\n")
    assert (docs / "keep.txt").read_text() == "New text.\n"


@pytest.mark.parametrize("name", [
    "../../etc/passwd", "../evil.txt", "sub/../../evil.txt", "a/b.txt", "..\\evil.txt",
    "/etc/passwd.txt", "/tmp/evil.txt", "..", ".", "",
])
def test_names_with_folders_or_absolute_paths_are_refused(docs, tmp_path, name):
    before = listing(tmp_path)
    with pytest.raises(DocumentError):
        save_upload(docs, name, b"text\n")
    assert listing(tmp_path) == before


@pytest.mark.parametrize("name", [".hidden.txt", ".env", ".upload-x.txt"])
def test_hidden_names_are_refused(docs, name):
    with pytest.raises(DocumentError, match="hidden"):
        save_upload(docs, name, b"text\n")
    assert listing(docs) == ["keep.txt"]


@pytest.mark.parametrize("name", ["run.exe", "script.py", "README", "archive.tar.gz", "photo.png"])
def test_unsupported_suffixes_are_refused(docs, name):
    with pytest.raises(DocumentError, match="unsupported file type"):
        save_upload(docs, name, b"text\n")
    assert listing(docs) == ["keep.txt"]


def test_control_characters_are_refused(docs):
    with pytest.raises(DocumentError):
        save_upload(docs, "a\x00b.txt", b"text\n")
    with pytest.raises(DocumentError):
        save_upload(docs, "a\nb.txt", b"text\n")


@pytest.mark.parametrize("data", [b"", b"   \n\t\n", b"\x00\x01\x02\xff" * 200])
def test_empty_or_unreadable_content_changes_nothing(docs, data):
    (docs / "keep.txt").write_text("Original.\n")
    with pytest.raises(DocumentError):
        save_upload(docs, "keep.txt", data)
    assert (docs / "keep.txt").read_text() == "Original.\n"  # not overwritten
    assert listing(docs) == ["keep.txt"]


def test_an_upload_is_checked_without_being_parsed(docs):
    """What can be told without parsing is refused at once; a broken file with the right signature is
    saved, and the ingest (in its worker) says why it is not indexed (tests/test_bounded_reading.py)."""
    with pytest.raises(DocumentError, match="no %PDF header"):
        save_upload(docs, "paper.pdf", b"this is not a pdf at all")
    with pytest.raises(DocumentError, match="cannot parse DOCX"):
        save_upload(docs, "memo.docx", b"PK but not a zip")
    assert listing(docs) == ["keep.txt"]
    save_upload(docs, "paper.pdf", b"%PDF-1.4 this is not really a pdf")
    assert listing(docs) == ["keep.txt", "paper.pdf"]


def test_a_docx_bomb_is_refused_from_its_zip_directory(docs):
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"<w:p/>" * 2_000_000)  # 12 MB that pack to a few KB
    with pytest.raises(DocumentError, match="over the limit of 100"):
        save_upload(docs, "bomb.docx", buf.getvalue())
    assert listing(docs) == ["keep.txt"]


def test_temporary_files_of_cut_short_uploads_are_cleaned_but_not_a_live_one(docs):
    import fcntl
    import time

    from rag.documents import clean_uploads

    old = time.time() - 60
    dead, live = docs / ".upload-dead.txt", docs / ".upload-live.txt"
    for p in (dead, live):
        p.write_text("half")
        os.utime(p, (old, old))
    (docs / ".upload-new.txt").write_text("just created")  # its upload may not hold its lock yet
    with open(live, "rb") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)  # what save_upload holds while it writes
        assert clean_uploads(docs) == [".upload-dead.txt"]
    assert sorted(p.name for p in docs.glob(".upload-*")) == [".upload-live.txt", ".upload-new.txt"]
    assert clean_uploads(docs, fresh_s=0) == [".upload-live.txt", ".upload-new.txt"]
    assert listing(docs) == ["keep.txt"]


def test_symlink_out_of_the_folder_is_not_written_through(docs, tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("secret\n")
    os.symlink(outside, docs / "link.txt")
    with pytest.raises(DocumentError):
        save_upload(docs, "link.txt", b"overwrite\n")
    assert outside.read_text() == "secret\n"


def test_check_name_keeps_ordinary_names():
    assert check_name("  Q3 report (final).PDF ") == "Q3 report (final).PDF"
    assert check_name("résumé.docx") == "résumé.docx"


def test_remove_document(docs):
    (docs / "sub").mkdir()
    (docs / "sub" / "a.txt").write_text("x\n")
    remove_document(docs, "sub/a.txt")
    remove_document(docs, "keep.txt")
    assert listing(docs) == ["sub"]


@pytest.mark.parametrize("name", ["../outside.txt", "/etc/passwd", "missing.txt", "sub", ".", "", ".git/config"])
def test_remove_refuses_what_is_not_a_document(docs, tmp_path, name):
    (tmp_path / "outside.txt").write_text("x\n")
    (docs / "sub").mkdir()
    before = listing(tmp_path)
    with pytest.raises(DocumentError):
        remove_document(docs, name)
    assert listing(tmp_path) == before


def test_the_bundled_demo_set_is_read_only(tmp_path):
    """Uploads and removals never touch the source tree's seeds/ (however the folder is spelled)."""
    from rag import Config, ReadOnlyError
    from rag.config import BUNDLED_DOCS
    from rag.errors import public_message

    before = listing(BUNDLED_DOCS)
    for spelled in (BUNDLED_DOCS, BUNDLED_DOCS / "." / ".." / "seeds"):
        with pytest.raises(ReadOnlyError, match="read-only: create a collection of your own"):
            save_upload(spelled, "mine.txt", b"My own notes.\n")
        with pytest.raises(ReadOnlyError):
            remove_document(spelled, before[0])
    assert listing(BUNDLED_DOCS) == before
    assert Config.load(index_dir=tmp_path / "i").read_only  # the default collection out of the box
    assert not Config.load(docs_dir=tmp_path, index_dir=tmp_path / "i").read_only  # a folder of one's own
    cfg = Config.load(docs_dir=tmp_path / "docs", index_dir=tmp_path / "i", collections_dir=tmp_path / "cols")
    missing = cfg.docs_dir / "gone.pdf"
    msg = public_message(FileNotFoundError(2, "No such file or directory", str(missing)), cfg.server_folders)
    assert msg == "[Errno 2] No such file or directory: 'gone.pdf'" and str(tmp_path) not in msg
    busy = public_message(RuntimeError(f"another ingest is running on {cfg.index_dir}"), cfg.server_folders)
    assert busy == "another ingest is running on i"
