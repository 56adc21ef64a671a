"""A scripted chat server for tests: a real HTTP process speaking two real protocols.

    python tests/fake_openai_server.py SCRIPT.json LOG.jsonl   # prints "PORT <n>" once listening

POST /v1/chat/completions (OpenAI-compatible) and POST /api/chat (Ollama, what the `ollama` client
behind llama-index's `Ollama` calls) answer with SCRIPT.json, re-read on every request so a test
can change it between calls: {"reply": "...", "delay": seconds before answering, "status": HTTP status,
"stall": {"at": TEXT, "seconds": s}: when streaming, a pause before the first piece holding TEXT, as a
slow model's would be}.
"stream": true in the request gets one piece per word (OpenAI: server-sent events; Ollama: one
JSON object per line), else one JSON body. Both protocols split the reply the same way, so a test
can compare the backends on identical model output.
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


def _pieces(reply: str, stall: dict | None = None):
    """How both protocols stream a reply: word by word, as a model's tokens arrive (pausing once if
    the script stalls)."""
    for piece in re.findall(r"\S+\s*|\s+", reply):
        if stall and stall["at"] in piece:
            time.sleep(float(stall["seconds"]))
            stall = None
        yield piece


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        with _log_lock, LOG.open("a", encoding="utf-8") as f:
            f.write(json.dumps({"path": self.path, "body": body}) + "\n")
        path = self.path.rstrip("/")
        ollama = path == "/api/chat"
        if not (ollama or path.endswith("/chat/completions")):
            return self._json(404, {"error": {"message": f"no route {self.path}"}})
        script = json.loads(SCRIPT.read_text(encoding="utf-8"))
        time.sleep(float(script.get("delay", 0)))
        status = int(script.get("status", 200))
        if status != 200:  # each protocol's error body: Ollama's client reads a plain "error" string
            return self._json(status, {"error": "scripted failure"} if ollama else
                              {"error": {"message": "scripted failure", "type": "server_error"}})
        reply = _resolve(script.get("reply", ""), body.get("messages", []))
        model = body.get("model", "fake")
        stall = script.get("stall")
        if ollama:
            return self._ollama(reply, model, bool(body.get("stream")), stall)
        if body.get("stream"):
            return self._stream(reply, model, stall)
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

    def _stream(self, reply: str, model: str, stall: dict | None = None) -> None:
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
        for piece in _pieces(reply, stall):
            event({"content": piece})
        event({}, "stop")
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()
        self.close_connection = True

    def _ollama(self, reply: str, model: str, stream: bool, stall: dict | None = None) -> None:
        """Ollama's /api/chat: one JSON body, or NDJSON with one message per piece and a final "done"."""
        def part(content: str, done: bool) -> dict:
            out = {"model": model, "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                   "message": {"role": "assistant", "content": content}, "done": done}
            if done:
                out.update(done_reason="stop", total_duration=1, prompt_eval_count=1, eval_count=1)
            return out

        if not stream:
            return self._json(200, part(reply, True))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Connection", "close")
        self.end_headers()
        for p in _pieces(reply, stall):
            self.wfile.write((json.dumps(part(p, False)) + "\n").encode())
            self.wfile.flush()
        self.wfile.write((json.dumps(part("", True)) + "\n").encode())
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
