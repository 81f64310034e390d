"""Where `spacedock import` reads from: a file or standard input (`-`), plain or gzip-compressed (known
by its magic bytes, whatever the name), holding one JSON document or JSON Lines (one document per line).

Nothing is read beyond `SPACEDOCK_IMPORT_MAX_BYTES`: a file's size is checked before it is opened, and
standard input and gzip's decompressed output are read at most one byte past the limit, so a 2 GB file
is refused without being read into memory.
"""
from __future__ import annotations

import gzip
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path

import orjson
from django.conf import settings

STDIN = "-"
STDIN_LABEL = "<stdin>"
GZIP_MAGIC = b"\x1f\x8b"
JSON_LINES_SUFFIXES = (".jsonl", ".ndjson")


class SourceError(Exception):
    """One line for the user, naming the source (and the line of JSON Lines)."""


def label(name) -> str:
    """How errors name a source: its path, or `<stdin>`."""
    return STDIN_LABEL if str(name) == STDIN else str(name)


def max_bytes() -> int:
    return settings.SPACEDOCK_IMPORT_MAX_BYTES


def _size(count: int) -> str:
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if count >= scale:
            return f"{count / scale:.3g} {unit}"
    return f"{count} bytes"


def _too_big(where: str, what: str, limit: int) -> SourceError:
    return SourceError(f"{where}: {what} the import limit of {_size(limit)} ({limit} bytes); "
                       f"raise SPACEDOCK_IMPORT_MAX_BYTES to import it")


def read_bytes(name) -> tuple[bytes, bool]:
    """The bytes of a file or of standard input, decompressed when they are gzip; and whether they were.

    Refuses, before reading them, files larger than the limit; stops reading standard input and gzip
    output one byte past it."""
    where, limit = label(name), max_bytes()
    try:
        if str(name) == STDIN:
            stream = getattr(sys.stdin, "buffer", None)
            if stream is None:
                raise SourceError(f"{where}: cannot read: there is no standard input")
        else:
            path = Path(name)
            size = path.stat().st_size
            if size > limit:
                raise _too_big(where, f"the file is {_size(size)}, more than", limit)
            stream = path.open("rb")
    except OSError as exc:
        raise SourceError(f"{where}: cannot read: {exc.strerror or exc}") from None
    try:
        head = stream.read(2)
        if head == GZIP_MAGIC:
            try:
                with gzip.GzipFile(fileobj=_Prefixed(head, stream), mode="rb") as unzipped:
                    data = unzipped.read(limit + 1)
            except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
                raise SourceError(f"{where}: not a complete gzip file: {exc}") from None
            if len(data) > limit:
                raise _too_big(where, "it decompresses to more than", limit)
            return data, True
        data = head + stream.read(limit + 1 - len(head))
        if len(data) > limit:
            raise _too_big(where, "it holds more than", limit)
        return data, False
    except OSError as exc:
        raise SourceError(f"{where}: cannot read: {exc.strerror or exc}") from None
    finally:
        if stream is not getattr(sys.stdin, "buffer", None):
            stream.close()


class _Prefixed:
    """A binary stream with bytes already read from it put back in front (standard input cannot seek)."""

    def __init__(self, head: bytes, stream):
        self.head, self.stream = head, stream

    def read(self, size=-1):
        if not self.head:
            return self.stream.read(size)
        if size is None or size < 0:
            out, self.head = self.head + self.stream.read(), b""
            return out
        out, self.head = self.head[:size], self.head[size:]
        return out + (self.stream.read(size - len(out)) if size > len(out) else b"")


def _not_json(where: str, data: bytes, error) -> SourceError:
    if not data.strip():
        return SourceError(f"{where}: not valid JSON: the input is empty")
    head = data[:64]
    if b"\x00" in head or _undecodable(head):
        shown = " ".join(f"{byte:02X}" for byte in data[:8])
        return SourceError(f"{where}: not valid JSON: binary data (it starts with the bytes {shown})")
    return SourceError(f"{where}: not valid JSON: {error}")


def _undecodable(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start < len(head) - 3  # not merely a character cut at the end of the sample
    return False


def is_json_lines_name(name) -> bool:
    path = str(name).lower()
    path = path[:-3] if path.endswith(".gz") else path
    return path.endswith(JSON_LINES_SUFFIXES)


def documents(name) -> Iterator[tuple[str, object]]:
    """The JSON documents of one source, each with how errors should name it: `(origin, document)`.

    JSON Lines (by the name `.jsonl`/`.ndjson`, optionally `.gz`, or because the whole does not parse
    while its first line does) yields one document per non-blank line, named `PATH: line N`."""
    where = label(name)
    data, _ = read_bytes(name)
    if not is_json_lines_name(name):
        try:
            yield where, orjson.loads(data)
            return
        except orjson.JSONDecodeError as exc:
            if not _looks_like_json_lines(data):
                raise _not_json(where, data, exc) from None
    if not data.strip():
        raise _not_json(where, data, None)
    for number, line in enumerate(_lines(data), start=1):
        if not line.strip():
            continue
        origin = f"{where}: line {number}"
        try:
            yield origin, orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise _not_json(origin, line, exc) from None


def _lines(data: bytes):
    """The lines of `data` one at a time (no second copy of it all in memory at once)."""
    start = 0
    while start < len(data):
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end
        yield data[start:end]
        start = end + 1


def _looks_like_json_lines(data: bytes) -> bool:
    """More than one non-blank line, and the first one is a whole JSON object or list by itself."""
    lines = [line for line in data.split(b"\n", 2) if line.strip()]
    if len(lines) < 2 or lines[0].lstrip()[:1] not in (b"{", b"["):
        return False
    try:
        orjson.loads(lines[0])
    except orjson.JSONDecodeError:
        return False
    return True
