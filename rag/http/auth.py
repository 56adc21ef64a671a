"""API keys: `Authorization: Bearer <key>`, keys from RAG_API_KEYS (comma-separated) or
RAG_API_KEYS_FILE (one per line, '#' comments). No keys: no check, and only loopback hosts may serve.
"""
from __future__ import annotations

import hmac
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
