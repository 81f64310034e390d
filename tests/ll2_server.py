"""A local LL2 2.3.0 server for `spacedock sync`: the recorded pages of tests/recorded/, served over real HTTP
as LL2 serves its listings, misbehaving on cue.

Each tests/recorded/<endpoint>.json is LL2's page of that endpoint (see tests/recorded/build.py). The
server re-paginates its records for any `limit` (default 10, at most 100) and `offset` with DRF's
LimitOffsetPagination envelope: `count`, absolute `next`/`previous` on the request's host with sorted
query keys, `offset` dropped when 0. `/2.3.0/api-throttle/` answers as LL2 does. LL2's `Date` header says
when it rendered a page; the recorded pages were rendered at various moments, so none is sent unless
`date` is set (then every answer carries it). Every request is
logged (`requests`), and `cue()` makes chosen requests fail: a status (429 with `Retry-After`, 503),
a sleep past the client's timeout, a truncated body, another body (invalid JSON, a wrong shape), or a
change to the records before answering (a listing that shifts between pages).

Run it alone to try `spacedock sync` without the internet:

    python -m tests.ll2_server --port 8001
    spacedock sync --base-url http://127.0.0.1:8001/2.3.0/
"""
from __future__ import annotations

import argparse
import copy
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import orjson

RECORDED = Path(__file__).resolve().parent / "recorded"
ENDPOINTS = ("agencies", "spacecraft_configuration_families", "spacecraft_configurations", "spacecraft",
             "space_stations", "spacecraft_flights", "docking_events", "expeditions")


def load_recorded(directory: Path = RECORDED) -> dict[str, list]:
    """Each endpoint's records, in LL2's order (by id)."""
    return {name: orjson.loads((directory / f"{name}.json").read_bytes())["results"] for name in ENDPOINTS}


@dataclass
class Request:
    endpoint: str  # "agencies", ..., "api-throttle", or the path when unknown
    offset: int
    limit: int
    url: str
    authorization: str | None


@dataclass
class Cue:
    """What to do instead of (or before) answering matching requests, `times` times (None: always)."""

    endpoint: str | None
    offset: int | None
    times: int | None
    status: int = 200
    headers: dict = field(default_factory=dict)
    body: bytes | None = None
    sleep: float = 0.0
    truncate: bool = False
    before: object = None  # a callable(server) run before answering normally

    def matches(self, endpoint, offset):
        return ((self.endpoint is None or self.endpoint == endpoint) and (self.offset is None or self.offset == offset)
                and (self.times is None or self.times > 0))


class RecordedLL2(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int = 0, records: dict[str, list] | None = None):
        super().__init__(("127.0.0.1", port), Handler)
        self.records = copy.deepcopy(records) if records is not None else load_recorded()
        self.requests: list[Request] = []
        self.cues: list[Cue] = []
        self.throttle = {"your_request_limit": 15, "limit_frequency_secs": 3600, "current_use": 0, "next_use_secs": 0,
                         "ident": "127.0.0.1"}
        self.date: str | None = None  # the `Date` header of every answer, e.g. "Fri, 24 Jul 2026 01:13:36 GMT"
        self.lock = threading.Lock()
        self.stopping = threading.Event()  # ends cued sleeps
        self.thread = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/2.3.0/"

    def start(self) -> RecordedLL2:
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()

    def cue(self, endpoint=None, offset=None, times: int | None = 1, **action) -> Cue:
        """Misbehave on the next `times` requests of `endpoint` (at `offset`); see Cue for the actions."""
        cue = Cue(endpoint, offset, times, **action)
        with self.lock:
            self.cues.append(cue)
        return cue

    def clear_cues(self) -> None:
        with self.lock:
            self.cues.clear()

    def take_cue(self, endpoint, offset) -> Cue | None:
        with self.lock:
            for cue in self.cues:
                if cue.matches(endpoint, offset):
                    if cue.times is not None:
                        cue.times -= 1
                    return cue
        return None

    def fetched(self, endpoint=None) -> list[Request]:
        """The logged requests (of one endpoint)."""
        with self.lock:
            return [r for r in self.requests if endpoint is None or r.endpoint == endpoint]

    def page(self, endpoint: str, query: dict, host: str) -> dict:
        """DRF's LimitOffsetPagination over the endpoint's records, as LL2 writes it."""
        limit = _whole(query.get("limit"), 10, minimum=1)
        limit = min(limit, 100)
        offset = _whole(query.get("offset"), 0, minimum=0)
        records = self.records[endpoint]
        count = len(records)

        def link(at):
            params = {k: v for k, v in query.items() if k not in ("limit", "offset")}
            params["limit"] = str(limit)
            if at > 0:
                params["offset"] = str(at)
            return f"http://{host}/2.3.0/{endpoint}/?{urlencode(sorted(params.items()))}"

        return {
            "count": count,
            "next": link(offset + limit) if offset + limit < count else None,
            "previous": link(max(0, offset - limit)) if offset > 0 else None,
            "results": records[offset:offset + limit],
        }


def _whole(text, default, minimum):
    try:
        value = int(text)
    except (TypeError, ValueError):
        return default
    return value if value >= minimum else default


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: RecordedLL2

    def log_message(self, format, *args):  # quiet: the server keeps its own log
        pass

    def send_response(self, code, message=None):
        """As BaseHTTPRequestHandler's, with the server's `date` for `Date` (none when unset)."""
        self.send_response_only(code, message)
        self.send_header("Server", "ll2-recorded")
        if self.server.date:
            self.send_header("Date", self.server.date)

    def do_GET(self):
        parts = urlsplit(self.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        segments = [s for s in parts.path.split("/") if s]
        endpoint = segments[1] if len(segments) == 2 and segments[0] == "2.3.0" else parts.path
        offset = _whole(query.get("offset"), 0, minimum=0)
        limit = min(_whole(query.get("limit"), 10, minimum=1), 100)
        with self.server.lock:
            self.server.requests.append(Request(endpoint, offset, limit, self.path, self.headers.get("Authorization")))
        cue = self.server.take_cue(endpoint, offset)
        if cue is not None:
            if cue.before is not None:
                cue.before(self.server)
            if cue.sleep:
                self.server.stopping.wait(cue.sleep)
            if cue.status != 200 or cue.body is not None:
                body = cue.body if cue.body is not None else orjson.dumps({"detail": f"Cued {cue.status}."})
                return self.answer(cue.status, body, cue.headers)
        if endpoint == "api-throttle":
            return self.answer(200, orjson.dumps(self.server.throttle))
        if endpoint not in self.server.records:
            return self.answer(404, b'{"detail":"Not found."}')
        host = self.headers.get("Host") or f"127.0.0.1:{self.server.server_address[1]}"
        body = orjson.dumps(self.server.page(endpoint, query, host))
        self.answer(200, body, truncate=cue is not None and cue.truncate)

    def answer(self, status, body: bytes, headers=None, truncate=False):
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Allow", "GET")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body[:len(body) // 2] if truncate else body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout on cue)
        if truncate:
            self.close_connection = True


def main(argv=None):
    parser = argparse.ArgumentParser(description="Serve tests/recorded/ as an LL2 2.3.0 server on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args(argv)
    server = RecordedLL2(args.port)
    print(f"serving the recorded LL2 pages on {server.base_url} (Ctrl-C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
