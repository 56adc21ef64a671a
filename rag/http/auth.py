"""API keys: `Authorization: Bearer <key>`, keys from RAG_API_KEYS (comma-separated) or
RAG_API_KEYS_FILE (one per line, '#' comments). No keys: no check, and only loopback hosts may serve.
"""
from __future__ import annotations

import hmac
import json
import os
from pathlib import Path

from ..errors import RagError

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def load_keys(env: dict | None = None) -> tuple[str, ...]:
    env = os.environ if env is None else env
    keys = [k.strip() for k in env.get("RAG_API_KEYS", "").split(",")]
    path = env.get("RAG_API_KEYS_FILE", "")
    if path:
        try:
            lines = Path(path).read_text(encoding="utf-8").splitlines()
        except OSError as e:
            raise RagError(f"cannot read RAG_API_KEYS_FILE {path}: {e.strerror or e}") from e
        keys += [line.strip() for line in lines if not line.strip().startswith("#")]
    return tuple(k for k in dict.fromkeys(keys) if k)


def check_exposure(host: str, keys: tuple[str, ...]) -> None:
    """Refuse to listen beyond this machine without keys: anyone on the network could read the documents."""
    if host not in LOCAL_HOSTS and not keys:
        raise RagError(f"refusing to serve on {host} without API keys: set RAG_API_KEYS (comma-separated) or "
                       "RAG_API_KEYS_FILE, or serve on 127.0.0.1")


def authorized(header: bytes | str | None, keys: tuple[str, ...]) -> bool:
    """header: the raw Authorization value. Bytes are compared with each key's UTF-8, so a key with
    non-ASCII characters matches (decoding the header as latin-1 and re-encoding never could)."""
    if not keys:
        return True
    raw = header.encode("utf-8") if isinstance(header, str) else (header or b"")
    scheme, _, token = raw.partition(b" ")
    if scheme.lower() != b"bearer" or not token.strip():
        return False
    token_b = token.strip()
    # compare with every key (no early exit), in constant time per key
    return any([hmac.compare_digest(token_b, k.encode()) for k in keys])


_CHANGES = (b"POST", b"PUT", b"PATCH", b"DELETE")


def _host_name(value: str) -> str:
    """"127.0.0.1:8000" -> "127.0.0.1", "[::1]:8000" -> "::1", "localhost" -> "localhost"."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def foreign_request(method: str, headers: dict[bytes, bytes]) -> str:
    """Why a keyless server (loopback only) must refuse this request, or "" to serve it.

    Without keys, any web page the user visits could otherwise talk to the server: a cross-site
    form or fetch could upload documents that then answer questions, and a page whose DNS name is
    rebound to 127.0.0.1 could read answers. So the Host must be a loopback name (a rebound page
    sends its own), and a request that changes something must not come from another origin: a
    browser sends Origin (or at least Referer) with cross-site POSTs, form posts included; clients
    such as curl or the openai library send neither and are served."""
    host = headers.get(b"host", b"").decode("latin-1")
    if _host_name(host) not in LOCAL_HOSTS:
        return (f"this server has no API keys or login, so it answers only requests addressed to localhost, "
                f"not to {host!r}")
    if method.encode() not in _CHANGES:
        return ""
    origin = headers.get(b"origin", b"").decode("latin-1")
    referer = headers.get(b"referer", b"").decode("latin-1")
    source = origin or referer
    if not source:
        return ""
    from urllib.parse import urlsplit

    parts = urlsplit(source)
    if source == "null" or parts.netloc.lower() != host.strip().lower():
        return (f"a request from another site ({source[:100]}) may not change this server's documents or ask it "
                "questions: it has no API keys or login (set RAG_API_KEYS for the API, RAG_UI_USER and "
                "RAG_UI_PASSWORD for the web UI)")
    return ""


class SameOriginOnly:
    """ASGI middleware: 403 (in the API's JSON error shape) for what `foreign_request` refuses, in front
    of the keyless API (`rag.http.app`) and of the web UI without a login (`ui.app.serve`). Gradio by
    itself only withholds CORS headers from other origins: that keeps a page from reading the reply,
    but another site's form posts and uploads still run, and it serves any Host."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        refusal = scope["type"] == "http" and foreign_request(scope["method"], dict(scope["headers"]))
        if not refusal:
            return await self.app(scope, receive, send)
        body = json.dumps({"error": {"message": refusal, "type": "invalid_request_error", "code": "forbidden"}}).encode()
        await send({"type": "http.response.start", "status": 403,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
