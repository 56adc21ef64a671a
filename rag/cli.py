"""Command line: `python -m rag ingest [DIR] | ask "question" | chat | ui`.

User mistakes (empty question, missing folder, busy index) print one line and exit 2; no traceback.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys

from .errors import RagError


def _assistant(args):
    from .assistant import Assistant

    return Assistant(docs_dir=getattr(args, "docs", None), index_dir=args.index)


def _print_answer(ans, out=sys.stdout) -> None:
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
    _print_answer(a.ask(" ".join(args.question)))
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
            ans = a.ask(q, history=history)
        except RagError as e:
            print(f"error: {e}")
            continue
        print()
        _print_answer(ans)
        history.append((q, ans.text))


def cmd_ui(args) -> int:
    from ui.app import main as ui_main

    return ui_main(docs_dir=args.docs, index_dir=args.index, host=args.host, port=args.port) or 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="rag", description="Ask questions about your documents, offline, with citations.")
    p.add_argument("--index", default=None, help="index folder (default: ./.rag-index/<docs>-<hash>, or RAG_INDEX_DIR)")
    p.add_argument("-v", "--verbose", action="store_true")
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("ingest", help="index (or re-index) a documents folder")
    s.add_argument("docs", nargs="?", default=None, help="documents folder (default: seeds/ or RAG_DOCS_DIR)")
    s.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    s.set_defaults(fn=cmd_ingest)
    s = sub.add_parser("ask", help="answer one question")
    s.add_argument("question", nargs="+")
    s.add_argument("--docs", default=None)
    s.set_defaults(fn=cmd_ask)
    s = sub.add_parser("chat", help="interactive chat in the terminal")
    s.add_argument("--docs", default=None)
    s.set_defaults(fn=cmd_chat)
    s = sub.add_parser("ui", help="the web UI")
    s.add_argument("--docs", default=None)
    s.add_argument("--host", default=None)
    s.add_argument("--port", type=int, default=None)
    s.set_defaults(fn=cmd_ui)
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s: %(message)s")
    try:
        return args.fn(args)
    except RagError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
