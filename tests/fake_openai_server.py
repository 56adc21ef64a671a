"""A scripted OpenAI-compatible chat server for tests: a real HTTP process speaking the real protocol.

    python tests/fake_openai_server.py SCRIPT.json LOG.jsonl   # prints "PORT <n>" once listening

POST /v1/chat/completions answers with SCRIPT.json, re-read on every request so a test can change
it between calls: {"reply": "...", "delay": seconds before answering, "status": HTTP status}.
"stream": true in the request gets server-sent events (one chunk per word), else one JSON body.
In the reply, "{{src:TEXT}}" becomes the id of the prompt's <source> whose text contains TEXT
("0" if none), so a test can cite the right passage without knowing the retrieval order.
Every request body is appended to LOG.jsonl as one JSON line.
"""
from __future__ import annotations

import json
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SCRIPT: Path
LOG: Path
_log_lock = threading.Lock()
_SOURCE = re.compile(r'<source id="(\d+)"[^>]*>(.*?)</source>', re.DOTALL)


def _resolve(reply: str, messages: list[dict]) -> str:
    prompt = "\n".join(str(m.get("content", "")) for m in messages)
    sources = _SOURCE.findall(prompt)

    def find(m: re.Match) -> str:
        return next((sid for sid, text in sources if m.group(1) in text), "0")

    return re.sub(r"\{\{src:(.*?)\}\}", find, reply)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        with _log_lock, LOG.open("a", encoding="utf-8") as f:
            f.write(json.dumps({"path": self.path, "body": body}) + "\n")
        if not self.path.rstrip("/").endswith("/chat/completions"):
            return self._json(404, {"error": {"message": f"no route {self.path}"}})
        script = json.loads(SCRIPT.read_text(encoding="utf-8"))
        time.sleep(float(script.get("delay", 0)))
        status = int(script.get("status", 200))
        if status != 200:
            return self._json(status, {"error": {"message": "scripted failure", "type": "server_error"}})
        reply = _resolve(script.get("reply", ""), body.get("messages", []))
        model = body.get("model", "fake")
        if body.get("stream"):
            return self._stream(reply, model)
        self._json(200, {
            "id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": reply}}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        })

    def _json(self, status: int, obj: dict) -> None:
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, reply: str, model: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()

        def event(delta: dict, finish=None) -> None:
            chunk = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time()),
                     "model": model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()

        event({"role": "assistant", "content": ""})
        for piece in re.findall(r"\S+\s*|\s+", reply):
            event({"content": piece})
        event({}, "stop")
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()
        self.close_connection = True


def main() -> None:
    global SCRIPT, LOG
    SCRIPT, LOG = Path(sys.argv[1]), Path(sys.argv[2])
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(f"PORT {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
