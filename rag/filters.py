"""Metadata filters for search and ask: which documents a question may be answered from.

A `Filters` is tested against each document's metadata (`matches`), giving the set of allowed
sources; that set goes to Chroma as a `where` clause (`where_sources`) for both the chunk and the
sentence search, and BM25 keeps only chunks of those sources, so every half of the hybrid search
sees the same documents. Why a source set rather than pushing each field down: sentence records
carry no document metadata, and Chroma's `where` cannot express globs, substrings or string ranges.
Not here: building the per-document metadata table (`Assistant`), searching (`rag.retrieve`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, fields
from fnmatch import fnmatchcase
from functools import lru_cache
from typing import Iterable

from .errors import InvalidFilterError

FORMATS = ("txt", "md", "html", "pdf", "docx")
_ALIASES = {"htm": "html", "markdown": "md", "text": "txt"}
_MAGIC = re.compile(r"[*?\[]")  # what makes a glob more than a name (fnmatch)
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")  # 2024, 2024-03 or 2024-03-05


def _real_date(value: str) -> bool:
    """A date that exists: 2023-02-30 and 2023-13 have the right shape but are no day or month."""
    import datetime

    parts = [int(p) for p in value.split("-")] + [1, 1]
    try:
        datetime.date(parts[0], parts[1], parts[2])
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Filters:
    """All given conditions must hold (an empty Filters lets every document through).

    source: glob(s) on the path relative to the documents folder, e.g. "reports/*.pdf" (`*` also
        crosses folders; case-sensitive); a document passes if any glob matches.
    format: file type(s): txt, md, html, pdf, docx.
    title, author: case-insensitive substring of the document's title / author.
    date_from, date_to: ISO dates (YYYY, YYYY-MM or YYYY-MM-DD), inclusive, compared as strings with
        the document's `date` cut to the bound's length; documents without a date fail a date bound.
    """

    source: tuple[str, ...] = ()
    format: tuple[str, ...] = ()
    title: str = ""
    author: str = ""
    date_from: str = ""
    date_to: str = ""

    @classmethod
    def from_dict(cls, d: dict | None) -> "Filters":
        """From JSON-like input ({"source": "*.md", "format": ["pdf"], "date_from": "2024"}), checked."""
        if d is None:
            return cls()
        if not isinstance(d, dict):
            raise InvalidFilterError("filters must be an object like {\"format\": \"pdf\", \"source\": \"*.md\"}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise InvalidFilterError(f"unknown filter(s): {', '.join(map(str, unknown))}; "
                                     f"known: {', '.join(sorted(known))}")
        fmt = tuple(_ALIASES.get(f, f) for f in (x.lower().lstrip(".") for x in _strings(d, "format")))
        bad = [f for f in fmt if f not in FORMATS]
        if bad:
            raise InvalidFilterError(f"unknown format(s) {', '.join(bad)}; known: {', '.join(FORMATS)}")
        dates = {}
        for key in ("date_from", "date_to"):
            value = _string(d, key)
            if value and not (_DATE.match(value) and _real_date(value)):
                raise InvalidFilterError(f"{key} must be an ISO date like 2024, 2024-03 or 2024-03-05, not {value!r}")
            dates[key] = value
        n = min(len(dates["date_from"]), len(dates["date_to"]))
        if n and dates["date_from"][:n] > dates["date_to"][:n]:
            raise InvalidFilterError("date_from is after date_to")
        return cls(_strings(d, "source"), fmt, _string(d, "title"), _string(d, "author"), **dates)

    @classmethod
    def coerce(cls, value: "Filters | dict | None") -> "Filters | None":
        """None when nothing is filtered (the fast path), else a Filters."""
        if value is None:
            return None
        f = value if isinstance(value, Filters) else cls.from_dict(value)
        return None if f == cls() else f

    def matches(self, meta: dict) -> bool:
        """Whether a document (its chunk metadata: source, format, title, author, date) passes."""
        if self.source and not _any_glob(meta.get("source", ""), self.source):
            return False
        if self.format and (meta.get("format") or "") not in self.format:
            return False
        if self.title and self.title.lower() not in (meta.get("title") or "").lower():
            return False
        if self.author and self.author.lower() not in (meta.get("author") or "").lower():
            return False
        date = meta.get("date") or ""
        if self.date_from and (not date or date[:len(self.date_from)] < self.date_from):
            return False
        if self.date_to and (not date or date[:len(self.date_to)] > self.date_to):
            return False
        return True

    def allowed(self, docs: dict[str, dict]) -> frozenset[str]:
        """The sources (of source -> metadata) that pass."""
        return frozenset(s for s, m in docs.items() if self.matches(m))

    def to_where(self, docs: dict[str, dict]) -> dict:
        """The Chroma `where` for this filter over the documents `docs` (source -> metadata)."""
        return where_sources(self.allowed(docs))

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}


def where_sources(sources: Iterable[str]) -> dict:
    """The Chroma `where` keeping only records of `sources`: chunks and sentences both carry `source`."""
    return {"source": {"$in": sorted(sources)}}


def _string(d: dict, key: str) -> str:
    value = d.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidFilterError(f"filter {key} must be a string")
    return value.strip()


@lru_cache(maxsize=8)
def _split_globs(globs: tuple[str, ...]) -> tuple[frozenset[str], tuple[str, ...]]:
    """(plain names, patterns): a list of files picked one by one (hundreds of names, tested against
    every document) is then a set lookup, not a pattern match per name and document."""
    plain = frozenset(g for g in globs if not _MAGIC.search(g))
    return plain, tuple(g for g in globs if g not in plain)


def _any_glob(source: str, globs: tuple[str, ...]) -> bool:
    plain, patterns = _split_globs(globs)
    return source in plain or any(fnmatchcase(source, g) for g in patterns)


def _strings(d: dict, key: str) -> tuple[str, ...]:
    value = d.get(key)
    if value is None:
        return ()
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, (list, tuple)) or not values or not all(isinstance(v, str) and v.strip() for v in values):
        raise InvalidFilterError(f"filter {key} must be a non-empty string or a list of them")
    return tuple(v.strip() for v in values)
