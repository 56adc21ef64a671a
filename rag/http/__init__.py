"""Serve the assistant to other programs over HTTP: an OpenAI-compatible chat API whose answers carry
verified citations, plus collections, documents, ingest and search. fastapi and uvicorn are
imported here only, so `import rag` stays light.

    from rag.http import create_app, serve
    serve(host="127.0.0.1", port=8000)          # python -m rag serve
"""
from __future__ import annotations


def create_app(library=None, *, keys: tuple[str, ...] = ()):
    """The FastAPI app over a `rag.Library` (default: Library()), not started."""
    from .app import create_app as _create

    return _create(library, keys=keys)


def serve(host: str = "127.0.0.1", port: int = 8000, library=None, keys: tuple[str, ...] | None = None,
          warm: bool = True) -> None:
    """Run the API with uvicorn until interrupted. keys None: from RAG_API_KEYS / RAG_API_KEYS_FILE.
    Refuses a host beyond loopback without keys (RagError). Every collection is ingested in the background
    as it starts (`IngestJobs.recover`): what a killed server left unindexed is indexed then."""
    import uvicorn

    from ..library import Library
    from .auth import check_exposure, load_keys

    keys = load_keys() if keys is None else tuple(keys)
    check_exposure(host, keys)
    library = library or Library()
    if warm:  # load the model, the index and BM25 now rather than on the first request
        library.get().retrieve("warm up")
    app = create_app(library, keys=keys)
    app.state.jobs.recover()
    uvicorn.run(app, host=host, port=port, log_level="info")
