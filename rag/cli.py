"""Command line: `python -m rag [--collection NAME] ingest [DIR] | ask "question" | chat | serve`.

User mistakes (empty question, missing folder, busy index) print one line and exit 2; no traceback.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from dataclasses import replace
from pathlib import Path

from .errors import RagError
from .followup import normalize_history, resolve
from .types import Notice


def _assistant(args):
    from .assistant import Assistant
    from .config import Config

    # --llm overrides RAG_LLM for this run; the other RAG_LLM_* settings still come from the environment
    cfg = Config.load(docs_dir=getattr(args, "docs", None), index_dir=args.index, llm=getattr(args, "llm", None),
                      collection=args.collection)
    if cfg.collection != "default" and getattr(args, "docs", None) is None and not Path(cfg.docs_dir).is_dir():
        raise RagError(f"no collection named {cfg.collection!r} (create it with `python -m rag collections create "
                       f"{cfg.collection}` or the HTTP API)")
    return Assistant(config=cfg)


def _ask(a, question: str, history, mode, out=sys.stdout):
    """Print the answer; in LLM mode its checked sentences are shown as they come (a notice first
    when the extractive answer stands in for the model's), then the sources."""
    resolved = resolve(question, normalize_history(history)).resolved
    if resolved:  # a follow-up: say what is searched for before the answer
        print(f"(Searching for: {resolved})", file=out)
    if mode == "extractive" or (mode is None and a.llm is None):
        ans = a.ask(question, history=history, mode=mode)
        _print_answer(ans, out)
        return ans
    streamed = False
    for piece in a.stream(question, history=history, mode=mode):
        if isinstance(piece, Notice):
            print(f"({piece.text})", file=out)
        elif isinstance(piece, str):
            streamed = True
            print(piece, end="", flush=True, file=out)
        else:
            ans = piece
    if streamed:
        print("\n", file=out)
    _print_answer(replace(ans, text="", notice=""), out)  # the text (and any notice) is on screen already
    return ans


def _print_answer(ans, out=sys.stdout) -> None:
    if ans.text:
        print(ans.text, file=out)
    if ans.notice:
        print(f"({ans.notice})", file=out)
    if ans.citations:
        print("\nSources:", file=out)
        for c in ans.citations:
            print(f"  {c}", file=out)


def cmd_ingest(args) -> int:
    a = _assistant(args)
    report = a.ingest(progress=not args.quiet)
    print(report)
    return 0


def cmd_ask(args) -> int:
    a = _assistant(args)
    _ask(a, " ".join(args.question), None, args.mode)
    return 0


def cmd_chat(args) -> int:
    a = _assistant(args)
    print(f"Chatting with the documents in {a.config.docs_dir}. Empty line or Ctrl-D to quit; /new starts over.")
    history: list[tuple[str, str]] = []
    while True:
        try:
            q = input("\nyou> ").strip()
        except EOFError:
            print()
            return 0
        if not q:
            return 0
        if q == "/new":
            history.clear()
            print("(new conversation)")
            continue
        try:
            print()
            ans = _ask(a, q, history, args.mode)
        except RagError as e:
            print(f"error: {e}")
            continue
        history.append((q, ans.text))


def cmd_serve(args) -> int:
    from .config import Config
    from .http import serve
    from .library import Library

    cfg = Config.load(docs_dir=args.docs, index_dir=args.index, collections_dir=args.collections_dir)
    serve(host=args.host, port=args.port, library=Library(cfg))
    return 0


def cmd_collections(args) -> int:
    from .config import Config
    from .library import Library

    lib = Library(Config.load(index_dir=args.index, collections_dir=args.collections_dir))
    if args.action == "create":
        lib.create(args.name)
    elif args.action == "delete":
        lib.delete(args.name)
    else:
        print("\n".join(lib.names()))
    return 0


def _llm_options(s) -> None:
    s.add_argument("--llm", choices=("none", "openai", "ollama"), default=None,
                   help="LLM backend (default: RAG_LLM, else none); see RAG_LLM_BASE_URL, RAG_LLM_MODEL")
    s.add_argument("--mode", choices=("llm", "extractive"), default=None,
                   help="answer with the LLM or extract sentences (default: llm if one is configured)")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="rag", description="Ask questions about your documents, offline, with citations.")
    p.add_argument("--index", default=None, help="index folder (default: ./.rag-index/<docs>-<hash>, or RAG_INDEX_DIR)")
    p.add_argument("--collection", default=None,
                   help="named document set (default: RAG_COLLECTION, else 'default' = the docs folder)")
    p.add_argument("-v", "--verbose", action="store_true")
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("ingest", help="index (or re-index) a documents folder")
    s.add_argument("docs", nargs="?", default=None, help="documents folder (default: seeds/ or RAG_DOCS_DIR)")
    s.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    s.set_defaults(fn=cmd_ingest)
    s = sub.add_parser("ask", help="answer one question")
    s.add_argument("question", nargs="+")
    s.add_argument("--docs", default=None)
    _llm_options(s)
    s.set_defaults(fn=cmd_ask)
    s = sub.add_parser("chat", help="interactive chat in the terminal")
    s.add_argument("--docs", default=None)
    _llm_options(s)
    s.set_defaults(fn=cmd_chat)
    s = sub.add_parser("serve", help="the HTTP API (OpenAI-compatible chat completions, collections)")
    s.add_argument("--docs", default=None, help="documents folder of the default collection")
    s.add_argument("--collections-dir", default=None, help="where other collections live (RAG_COLLECTIONS_DIR)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.set_defaults(fn=cmd_serve)
    s = sub.add_parser("collections", help="list, create or delete named collections")
    s.add_argument("action", nargs="?", choices=("list", "create", "delete"), default="list")
    s.add_argument("name", nargs="?", default=None)
    s.add_argument("--collections-dir", default=None)
    s.set_defaults(fn=cmd_collections)
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    level = logging.INFO if args.verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s: %(message)s")
    for handler in logging.getLogger().handlers:  # also for libraries that set their loggers to DEBUG (bm25s)
        handler.setLevel(level)
    try:
        return args.fn(args)
    except RagError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
