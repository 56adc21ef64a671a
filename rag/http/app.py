"""The FastAPI app: OpenAI-compatible chat completions and models, collections, documents, ingest, search.

Handlers are thin: they parse (pydantic), call the thread-safe `Assistant` / `Library` from the
threadpool (sync endpoints), and shape the result (`rag.http.schemas`). Every error leaves as
OpenAI's JSON error shape with the status from `STATUS`; never a traceback, never a server path.
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..config import DEFAULT_COLLECTION
from ..documents import check_name, check_writable, remove_document, save_upload
from ..errors import (ConflictError, DocumentError, IndexBusyError, IndexStateError, InvalidFilterError,
                      InvalidQuestionError, LLMError, NotFoundError, RagError, ReadOnlyError, StoreUnavailableError,
                      TooLargeError, public_message)
from ..filters import Filters
from ..library import Library
from ..read import MAX_FILE_BYTES
from ..types import Notice
from . import schemas
from .auth import SameOriginOnly, authorized
from .jobs import IngestJobs

log = logging.getLogger("rag.http")
MAX_BODY_BYTES = 1 << 20  # JSON requests; uploads get UPLOAD_BYTES
UPLOAD_BYTES = MAX_FILE_BYTES + (1 << 20)  # one file at the reader's limit plus the multipart framing
CANCEL_WAIT_S = 60  # a cancelled ingest stops at its next step: a file, or a batch of passages embedded
# The upload reads its form itself (to check the collection before the body), so FastAPI cannot
# describe it: say it here, for clients and for the schema-driven fuzzer (tests/test_api_fuzz.py).
_UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "array", "items": {"type": "string", "format": "binary"}}}}}}}}

# error class -> (HTTP status, OpenAI error type); the first class in an exception's MRO wins
STATUS: dict[type, tuple[int, str]] = {
    InvalidQuestionError: (400, "invalid_request_error"),
    InvalidFilterError: (400, "invalid_request_error"),
    DocumentError: (400, "invalid_request_error"),
    ReadOnlyError: (403, "permission_error"),
    NotFoundError: (404, "not_found_error"),
    IndexBusyError: (409, "conflict_error"),
    ConflictError: (409, "conflict_error"),
    TooLargeError: (413, "request_too_large"),
    StoreUnavailableError: (503, "service_unavailable"),
    IndexStateError: (503, "service_unavailable"),
    LLMError: (502, "upstream_error"),
    RagError: (400, "invalid_request_error"),
}


def status_of(e: BaseException) -> tuple[int, str]:
    for cls in type(e).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500, "server_error"


def _error_response(status: int, message: str, type_: str, code: str | None = None, headers=None) -> JSONResponse:
    return JSONResponse(schemas.error(message, type_, code), status_code=status, headers=headers)


class _Guard:
    """Before any parsing: with keys, 401 without a valid one on /v1/; 413 for a body over the limit
    (by Content-Length when sent, else while the body streams in). Plain ASGI: no per-request task."""

    def __init__(self, app, keys: tuple[str, ...]):
        self.app, self.keys = app, keys

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])
        if self.keys and scope["path"].startswith("/v1/") and \
                not authorized(headers.get(b"authorization", b""), self.keys):
            resp = _error_response(401, "missing or wrong API key: send Authorization: Bearer <key>",
                                   "invalid_request_error", "invalid_api_key", {"WWW-Authenticate": "Bearer"})
            return await resp(scope, receive, send)
        upload = scope["method"] == "POST" and scope["path"].endswith("/documents")
        limit = UPLOAD_BYTES if upload else MAX_BODY_BYTES
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            what = _too_large(upload, limit)
            resp = _error_response(413, what,
                                   "request_too_large", "request_too_large")
            return await resp(scope, receive, send)
        seen = 0

        async def limited():
            nonlocal seen
            msg = await receive()
            seen += len(msg.get("body", b""))
            if seen > limit:
                raise TooLargeError(_too_large(upload, limit))
            return msg

        await self.app(scope, limited, send)


def create_app(library: Library | None = None, *, keys: tuple[str, ...] = ()) -> FastAPI:
    """The app, not started (tests and `serve` run it with uvicorn). keys: accepted API keys, () for none."""
    library = library or Library()
    jobs = IngestJobs(library)
    folders = library.config.server_folders  # kept out of error messages
    app = FastAPI(title="rag-offline", version="1", docs_url=None, redoc_url=None, openapi_url="/openapi.json")
    app.state.library, app.state.jobs = library, jobs

    # -- errors --------------------------------------------------------------------------------
    @app.exception_handler(RagError)
    async def _rag_error(request, e: RagError):
        status, type_ = status_of(e)
        return _error_response(status, public_message(e, folders), type_, type(e).__name__)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request, e: RequestValidationError):
        errs = e.errors()
        if any(err.get("type") == "json_invalid" for err in errs):
            return _error_response(400, "the request body is not valid JSON", "invalid_request_error", "invalid_json")
        where = "; ".join(f"{'.'.join(str(x) for x in err.get('loc', ())[1:]) or 'body'}: {err.get('msg')}"
                          for err in errs[:5])
        return _error_response(400, f"invalid request: {where}", "invalid_request_error", "invalid_request")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request, e: StarletteHTTPException):
        if isinstance(e.__cause__, RagError):  # e.g. FastAPI's "error parsing the body" over a TooLargeError
            return await _rag_error(request, e.__cause__)
        type_ = {404: "not_found_error", 405: "invalid_request_error"}.get(e.status_code, "invalid_request_error")
        return _error_response(e.status_code, str(e.detail), type_, None, getattr(e, "headers", None))

    @app.exception_handler(Exception)
    async def _crash(request, e: Exception):
        log.exception("error serving %s %s", request.method, request.url.path)
        return _error_response(500, "internal error (see the server log)", "server_error", "internal_error")

    app.add_middleware(_Guard, keys=tuple(keys))
    if not keys:  # added last, so it runs first: 403 for another site's request (the same rule as the UI's)
        app.add_middleware(SameOriginOnly)

    # -- OpenAI-compatible -----------------------------------------------------------------------
    @app.get("/health")
    def health():
        return {"status": "ok"}

    @app.get("/v1/models")
    def models():
        return {"object": "list", "data": [{"id": n, "object": "model", "created": 0, "owned_by": "rag-offline"}
                                           for n in library.names()]}

    @app.post("/v1/chat/completions")
    def chat(req: schemas.ChatRequest):
        assistant = library.get(req.model)
        question, history = req.question_and_history()
        filters = Filters.coerce(req.filters)
        if not req.stream:
            ans = assistant.ask(question, history, k=req.k, mode=req.mode, filters=filters)
            return JSONResponse(schemas.completion(req, ans))
        pieces = assistant.stream(question, history, k=req.k, mode=req.mode, filters=filters)
        first = next(pieces)  # bad questions and filters fail here, as a JSON error, not mid-stream
        return StreamingResponse(_sse(req, first, pieces, folders), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    # -- collections -----------------------------------------------------------------------------
    @app.get("/v1/collections")
    def collections():
        return {"object": "list", "data": [{"name": n, "object": "collection"} for n in library.names()]}

    @app.post("/v1/collections", status_code=201)
    def create_collection(req: schemas.CollectionRequest):
        library.create(req.name)
        return {"name": req.name, "object": "collection"}

    @app.delete("/v1/collections/{name}")
    def delete_collection(name: str):
        if name != DEFAULT_COLLECTION and not jobs.cancel(name, CANCEL_WAIT_S):  # (default: refused below)
            raise ConflictError(f"the ingest of collection {name!r} did not stop within {CANCEL_WAIT_S} s; "
                                "try again")
        library.delete(name)
        jobs.forget(name)
        return {"name": name, "deleted": True}

    @app.get("/v1/collections/{name}/documents")
    def documents(name: str):
        return {"object": "list", "data": [asdict(d) for d in library.get(name).documents()]}

    @app.post("/v1/collections/{name}/documents", status_code=202, openapi_extra=_UPLOAD_BODY)
    async def upload(name: str, request: Request, ingest: bool = True):
        await run_in_threadpool(_writable, library, name)  # before the body is read
        form = await request.form(max_files=100)
        files = [(f.filename or "", await f.read()) for _, f in form.multi_items() if hasattr(f, "read")]
        await form.close()
        if not files:
            raise DocumentError("no file in the upload: send multipart/form-data with a 'file' field")
        return await run_in_threadpool(_save_and_ingest, library, jobs, name, files, ingest)

    @app.delete("/v1/collections/{name}/documents", status_code=202)
    @app.delete("/v1/collections/{name}/documents/{source:path}", status_code=202)
    def delete_document(name: str, source: str, ingest: bool = True):  # the path, or ?source=
        docs = _writable(library, name)
        if not (docs / source).is_file():
            raise NotFoundError(f"no document {source!r} in collection {name!r}")
        remove_document(docs, source)
        return {"deleted": source, "ingest": jobs.start(name, queue=True) if ingest else jobs.status(name)}

    @app.get("/v1/collections/{name}/ingest")
    def ingest_status(name: str):
        return jobs.status(name)

    @app.post("/v1/collections/{name}/ingest", status_code=202)
    def ingest(name: str):
        return jobs.start(name)

    @app.post("/v1/collections/{name}/search")
    def search(name: str, req: schemas.SearchRequest):
        hits = library.get(name).retrieve(req.query, k=req.k, filters=Filters.coerce(req.filters))
        return {"object": "list", "data": [schemas.hit(h) for h in hits]}

    return app


def _sse(req: schemas.ChatRequest, first, pieces, folders=()):
    """OpenAI's chunk stream: role, content pieces, a closing chunk with citations, then [DONE]."""
    cid, created = schemas.completion_id(), int(time.time())

    def event(obj) -> str:
        return f"data: {json.dumps(obj, ensure_ascii=False)}\n\n"

    yield event(schemas.chunk(cid, created, req.model, {"role": "assistant", "content": ""}))
    try:
        for piece in _chain(first, pieces):  # only checked text is streamed: the pieces add up to the answer
            if isinstance(piece, str):
                yield event(schemas.chunk(cid, created, req.model, {"content": piece}))
            elif isinstance(piece, Notice):  # before the text it explains (the extractive answer follows)
                yield event(schemas.chunk(cid, created, req.model, {}) | {"notice": piece.text})
            else:
                yield event(schemas.last_chunk(cid, created, req, piece))
    except Exception as e:  # headers are sent: the error goes in the stream, in OpenAI's error shape
        status, type_ = status_of(e)
        if status == 500:
            log.exception("error while streaming")
        yield event(schemas.error(public_message(e, folders) if status != 500 else "internal error", type_,
                                  type(e).__name__))
    yield "data: [DONE]\n\n"


def _too_large(upload: bool, limit: int) -> str:
    if upload:  # say the per-file limit the README states, not the framing allowance
        return (f"the upload is over {limit // 2**20} MB: files may be up to {MAX_FILE_BYTES // 2**20} MB each, "
                "so send larger sets in several requests")
    return f"the request body is over the {limit // 2**20} MB limit"


def _chain(first, rest):
    yield first
    yield from rest


def _writable(library: Library, name: str) -> Path:
    """The documents folder of collection `name`; 404 for an unknown one, 403 for the bundled demo set."""
    return check_writable(library.get(name).config.docs_dir)


def _save_and_ingest(library: Library, jobs: IngestJobs, name: str, files: list[tuple[str, bytes]],
                     ingest: bool) -> dict:
    """Save every file or none (an earlier file of a failed upload is rolled back), then ingest."""
    docs = _writable(library, name)
    names = [check_name(filename) for filename, _ in files]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:  # the second would silently overwrite the first
        raise DocumentError(f"the upload names {', '.join(twice)} more than once")
    for filename, data in files:
        if len(data) > MAX_FILE_BYTES:
            raise TooLargeError(f"{filename}: the file is over the {MAX_FILE_BYTES // 2**20} MB limit")
    saved: list[tuple[Path, bytes | None]] = []  # (path, previous content or None if new)
    try:
        for filename, data in files:
            target = docs / check_name(filename)
            before = target.read_bytes() if target.is_file() and not target.is_symlink() else None
            save_upload(docs, filename, data)
            saved.append((target, before))
    except BaseException:
        for path, before in reversed(saved):
            if before is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(before)
        raise
    names = [p.name for p, _ in saved]
    return {"saved": names, "ingest": jobs.start(name, queue=True) if ingest else jobs.status(name)}
