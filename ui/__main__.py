"""`python -m ui [--docs DIR] [--index DIR] [--host H] [--port P]`: the web UI (what `make run` starts).

Its own entry point, so `rag` never imports `ui`: the web UI and the HTTP API (`python -m rag serve`)
are sibling front-ends over `rag`.
"""
import argparse
import os
import sys


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m ui", description="Chat with your documents in the browser.")
    p.add_argument("--docs", default=None, help="documents folder (default: seeds/ or RAG_DOCS_DIR)")
    p.add_argument("--index", default=None, help="index folder (default: ./.rag-index/<docs>-<hash>, or RAG_INDEX_DIR)")
    p.add_argument("--host", default=None, help="default 127.0.0.1 (or RAG_UI_HOST)")
    p.add_argument("--port", type=int, default=None, help="default 7860 (or RAG_UI_PORT)")
    args = p.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from rag.errors import RagError

    from .app import main as serve_ui

    try:
        return serve_ui(docs_dir=args.docs, index_dir=args.index, host=args.host, port=args.port) or 0
    except RagError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
