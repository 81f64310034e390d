"""`spacedock sync`: fill and refresh the catalogue from a live LL2 2.3.0 server, page by page, resumably.

Each endpoint's listing is walked with `limit=100&mode=detailed`, following `next`, parents first. Each
page is applied by the importer (`import_documents`) inside a transaction that also records where the
walk stands (`models.SyncEndpoint`), so data and position never disagree: an interrupted sync resumes
at the first page not yet applied. LL2's limits are respected (429 -> `Retry-After` or `/api-throttle/`),
transient failures retried with exponential backoff, and a listing that shrinks while it is walked
(offset pagination shifts records left) is stepped back so no record is skipped.
"""
from __future__ import annotations

import datetime as dt
import email.utils
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import orjson
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from spacedock.catalog import figures
from spacedock.catalog import models as m

from .errors import ImportFailed
from .importer import import_documents
from .models import SyncEndpoint, SyncRun, SyncSeen

DEFAULT_BASE_URL = "https://ll.thespacedevs.com/2.3.0/"

# The endpoints walked, parents first (a configuration's agency and families exist before it, a
# flight's spacecraft before the flight, a station before the events docked at it and its expeditions),
# each with the catalogue model `--prune` deletes from.
ENDPOINTS = {
    "agencies": m.Agency,
    "spacecraft_configuration_families": m.SpacecraftConfigFamily,
    "spacecraft_configurations": m.SpacecraftConfiguration,
    "spacecraft": m.Spacecraft,
    "space_stations": m.SpaceStation,
    "spacecraft_flights": m.SpacecraftFlight,
    "docking_events": m.DockingEvent,
    "expeditions": m.Expedition,
}


class SyncFailed(Exception):
    """One line for the user; the database keeps every page applied before it and where to resume."""


class BadPage(ValueError):
    """A response that is not an LL2 page (truncated, not JSON, wrong shape): worth fetching again."""


@dataclass
class Options:
    """How patient a sync is. The defaults suit LL2; tests make them small."""

    page_size: int = 100  # LL2's maximum `limit`
    timeout: float = 30.0  # seconds per request (connect, read, write, pool)
    tries: int = 5  # per page, for timeouts, connection errors, 5xx and invalid pages
    backoff: float = 2.0  # seconds before the second try, doubled for each further one ...
    max_backoff: float = 60.0  # ... up to this
    max_wait: float = 3600.0  # the longest rate-limit wait accepted; LL2 asking more stops the sync
    throttled_tries: int = 10  # 429s in a row for one URL before giving up
    prune: bool = False  # delete what a complete walk of an endpoint did not see
    restart: bool = False  # discard an unfinished sync instead of resuming it


class Report:
    """What a sync tells its user; silent here. The command prints progress bars or log lines."""

    def start(self, run: SyncRun, resumed: bool) -> None: ...
    def walk_started(self, walk: SyncEndpoint) -> None: ...
    def page_applied(self, walk: SyncEndpoint, url: str, records: int) -> None: ...
    def note(self, text: str) -> None: ...
    def walk_done(self, walk: SyncEndpoint) -> None: ...
    def close(self) -> None: ...


@dataclass
class Result:
    run: SyncRun
    resumed: bool
    requests: int = 0  # HTTP requests this time, retries and throttle queries included
    pages: int = 0  # pages applied this time
    records: int = 0  # records applied this time
    pruned: dict = field(default_factory=dict)  # endpoint -> (deleted, kept because still referenced)

    def __str__(self):
        walked = ", ".join(f"{w.endpoint} {w.count}" for w in self.run.walks.all())
        text = (f"sync {'resumed and ' if self.resumed else ''}finished: {self.pages} pages, {self.records} records, "
                f"{self.requests} requests this time; LL2 counts {walked}")
        for endpoint, (deleted, kept) in self.pruned.items():
            text += f"\npruned {endpoint}: {deleted} deleted"
            if kept:
                shown = ", ".join(map(str, kept[:10])) + (" …" if len(kept) > 10 else "")
                text += f", {len(kept)} kept (still referenced: ids {shown})"
        return text


def choose_endpoints(only: str | None) -> list[str]:
    """The endpoints to walk, parents first; `only` is a comma-separated subset (ValueError names a bad one)."""
    if only is None:
        return list(ENDPOINTS)
    names = [name.strip() for name in only.split(",") if name.strip()]
    unknown = [name for name in names if name not in ENDPOINTS]
    if unknown or not names:
        raise ValueError(f"--only: unknown endpoint {', '.join(map(repr, unknown)) or repr(only)} "
                         f"(choose from {', '.join(ENDPOINTS)})")
    return [name for name in ENDPOINTS if name in names]


def normalise_base_url(url: str) -> str:
    """An absolute http(s) URL ending in `/` (ValueError otherwise)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"--base-url: {url!r} is not an http(s) URL such as {DEFAULT_BASE_URL}")
    return url.strip() if url.strip().endswith("/") else url.strip() + "/"


def first_url(base_url: str, endpoint: str, page_size: int) -> str:
    return f"{base_url}{endpoint}/?" + urlencode({"limit": page_size, "mode": "detailed"})


def offset_of(url: str) -> int:
    try:
        return max(0, int(dict(parse_qsl(urlsplit(url).query)).get("offset", 0)))
    except ValueError:
        return 0


def with_offset(url: str, offset: int) -> str:
    """`url` with its `offset` replaced (dropped at 0, as LL2 writes its links)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "offset"]
    if offset > 0:
        query.append(("offset", str(offset)))
    return urlunsplit(parts._replace(query=urlencode(sorted(query))))


def check_page(document) -> dict:
    """The LL2 page envelope, checked; the importer checks the records themselves."""
    if not isinstance(document, dict):
        raise BadPage(f"expected an LL2 page (count, next, previous, results), got a JSON {type(document).__name__}")
    missing = [key for key in ("count", "next", "results") if key not in document]
    if missing:
        raise BadPage(f"not an LL2 page: it has no {', '.join(missing)}")
    count, following, results = document["count"], document["next"], document["results"]
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise BadPage(f"not an LL2 page: count is {count!r}")
    if following is not None and not (isinstance(following, str) and urlsplit(following).scheme in ("http", "https")):
        raise BadPage(f"not an LL2 page: next is {following!r}")
    if not isinstance(results, list) or not all(isinstance(r, dict) and "id" in r for r in results):
        raise BadPage("not an LL2 page: results is not a list of records with ids")
    return document


def http_date(value: str | None) -> dt.datetime | None:
    """An HTTP date (`Fri, 24 Jul 2026 01:13:36 GMT`) as an aware UTC datetime; None when absent or unreadable."""
    if not value:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """`Retry-After` in seconds: a number of seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        pass
    moment = http_date(value)
    return None if moment is None else max(0.0, (moment - (now or timezone.now())).total_seconds())


class Sync:
    """One invocation of `spacedock sync`: opens or resumes the run, walks its endpoints, finishes it."""

    def __init__(self, base_url=DEFAULT_BASE_URL, api_key=None, only=None, options: Options | None = None,
                 report: Report | None = None, sleep=time.sleep, transport: httpx.BaseTransport | None = None):
        self.base_url = normalise_base_url(base_url)
        self.transport = transport  # None: the network; an httpx transport (a WSGI app in-process) otherwise
        self.endpoints = choose_endpoints(only)
        self.options = options or Options()
        if not 1 <= self.options.page_size <= 100:
            raise ValueError(f"--page-size: {self.options.page_size} is not between 1 and 100 (LL2's maximum)")
        self.api_key = api_key
        self.report = report or Report()
        self.sleep = sleep
        self.client = None

    # the run ------------------------------------------------------------------------------------
    def run(self) -> Result:
        run, resumed = self.open_run()
        result = Result(run=run, resumed=resumed)
        self.result = result
        self.report.start(run, resumed)
        headers = {"Accept": "application/json", "User-Agent": "spacedock-sync"}
        with httpx.Client(timeout=self.options.timeout, headers=headers, follow_redirects=True,
                          transport=self.transport) as self.client:
            try:
                for walk in run.walks.all():
                    if not walk.done:
                        self.walk(walk)
            except SyncFailed as exc:
                raise SyncFailed(f"{exc}; the pages applied before are kept: "
                                 f"run the same command again to resume") from None
            finally:
                self.report.close()
        self.finish(run, result)
        return result

    def open_run(self) -> tuple[SyncRun, bool]:
        """The unfinished run to resume, or a fresh one (a finished run's state is then discarded)."""
        endpoints = ",".join(self.endpoints)
        run = SyncRun.objects.filter(finished_at__isnull=True).order_by("-pk").first()
        if run is not None and self.options.restart:
            run.delete()
            run = None
        if run is not None:
            if run.base_url != self.base_url or run.endpoints != endpoints:
                raise SyncFailed(
                    f"an unfinished sync of {run.endpoints} from {run.base_url} "
                    f"(started {run.started_at:%Y-%m-%d %H:%M:%S} UTC) is waiting: run it again with the same "
                    f"--base-url and --only to resume it, or add --restart to discard it")
            return run, True
        with transaction.atomic():
            SyncRun.objects.all().delete()
            run = SyncRun.objects.create(base_url=self.base_url, endpoints=endpoints, started_at=timezone.now())
            SyncEndpoint.objects.bulk_create(
                SyncEndpoint(run=run, position=i, endpoint=name,
                             next_url=first_url(self.base_url, name, self.options.page_size))
                for i, name in enumerate(self.endpoints))
        return run, False

    def finish(self, run: SyncRun, result: Result) -> None:
        """Every endpoint walked: prune if asked, and close the run (the next sync starts afresh)."""
        with transaction.atomic():
            if self.options.prune:
                result.pruned = prune(run)
            run.finished_at = timezone.now()
            run.save(update_fields=["finished_at"])

    # one endpoint -------------------------------------------------------------------------------
    def walk(self, walk: SyncEndpoint) -> None:
        self.report.walk_started(walk)
        while walk.next_url:
            url = walk.next_url
            page, rendered = self.fetch_page(url)
            if page["next"] == url:
                raise SyncFailed(f"{url}: LL2's next page is the page itself")
            dropped = (walk.count or 0) - page["count"]
            if walk.count is not None and dropped > 0 and offset_of(url) > 0:
                # Records before this offset may have gone: the listing moved left by up to `dropped`,
                # so the first records of this page may have slid onto the page already applied.
                back = with_offset(url, max(0, offset_of(url) - dropped))
                self.report.note(f"{walk.endpoint}: LL2's count fell from {walk.count} to {page['count']} during "
                                 f"the walk; fetching again from offset {offset_of(back)} so that no record is skipped")
                with transaction.atomic():
                    walk.count, walk.next_url = page["count"], back
                    walk.save(update_fields=["count", "next_url"])
                continue
            self.apply(walk, url, page, rendered)
        self.report.walk_done(walk)

    def apply(self, walk: SyncEndpoint, url: str, page: dict, rendered: dt.datetime | None = None) -> None:
        """The page's records and the walk's new position, in one transaction. The spacecraft figures LL2
        reports are dated `rendered` (the response's `Date`), else as the importer dates a file's."""
        results = page["results"]
        with transaction.atomic():
            if results:
                try:
                    import_documents([(url, page)], kind=walk.endpoint, as_of=rendered)
                except ImportFailed as exc:  # names the page's URL, the record and the field
                    message = str(exc)
                    raise SyncFailed(message if message.startswith(url) else f"{url}: {message}") from None
                seen = dict.fromkeys(record["id"] for record in results)
                SyncSeen.objects.bulk_create([SyncSeen(walk=walk, record_id=pk) for pk in seen], ignore_conflicts=True)
            now = timezone.now()
            walk.started_at = walk.started_at or now
            walk.next_url = page["next"]
            walk.done = page["next"] is None
            walk.finished_at = now if walk.done else None
            walk.count = page["count"]
            walk.offset = min(offset_of(url) + len(results), page["count"])
            walk.pages += 1
            walk.records += len(results)
            walk.save()
        self.result.pages += 1
        self.result.records += len(results)
        self.report.page_applied(walk, url, len(results))

    # HTTP ---------------------------------------------------------------------------------------
    def headers_for(self, url: str) -> dict:
        """The API key goes only to the host of the base URL (a `next` link elsewhere does not get it)."""
        if self.api_key and urlsplit(url).netloc == urlsplit(self.base_url).netloc:
            return {"Authorization": f"Token {self.api_key}"}
        return {}

    def get(self, url: str) -> httpx.Response:
        self.result.requests += 1
        return self.client.get(url, headers=self.headers_for(url))

    def fetch_page(self, url: str) -> tuple[dict, dt.datetime | None]:
        """GET one page and the moment LL2 rendered it (its `Date`): waits out 429s, retries transient
        failures with backoff, raises SyncFailed."""
        failures = throttled = 0
        while True:
            try:
                response = self.get(url)
            except httpx.TimeoutException:
                problem = f"no answer within {self.options.timeout:g} s"
            except httpx.RequestError as exc:
                problem = f"{type(exc).__name__}: {str(exc) or 'connection failed'}"
            else:
                if response.status_code == 429:
                    throttled += 1
                    if throttled > self.options.throttled_tries:
                        raise SyncFailed(f"{url}: still rate limited (HTTP 429) after {throttled - 1} waits")
                    self.wait_for_throttle(url, response)
                    continue
                throttled = 0
                if response.status_code >= 500:
                    problem = f"HTTP {response.status_code}"
                elif response.status_code != 200:
                    raise SyncFailed(f"{url}: HTTP {response.status_code}{_detail(response)}")
                else:
                    try:
                        return check_page(orjson.loads(response.content)), http_date(response.headers.get("Date"))
                    except orjson.JSONDecodeError as exc:
                        problem = f"not valid JSON ({exc})"
                    except BadPage as exc:
                        problem = str(exc)
            failures += 1
            if failures >= self.options.tries:
                raise SyncFailed(f"{url}: {problem} (gave up after {failures} tries)")
            delay = min(self.options.backoff * 2 ** (failures - 1), self.options.max_backoff)
            self.report.note(f"{url}: {problem}; trying again in {delay:g} s")
            self.sleep(delay)

    def wait_for_throttle(self, url: str, response: httpx.Response) -> None:
        """LL2 says how long in `Retry-After`; without it, `/api-throttle/` does (`next_use_secs`)."""
        wait = retry_after(response.headers.get("Retry-After"))
        source = "Retry-After"
        if wait is None:
            wait, source = self.ask_throttle(), "api-throttle"
        if wait is None:
            wait, source = self.options.backoff, "no hint"
        if wait > self.options.max_wait:
            raise SyncFailed(f"{url}: LL2 asks to wait {wait:.0f} s (more than --max-wait {self.options.max_wait:g}); "
                             f"run the same command later to resume")
        self.report.note(f"rate limited by LL2: waiting {wait:g} s ({source})")
        self.sleep(wait)

    def ask_throttle(self) -> float | None:
        """`next_use_secs` from `/api-throttle/` (an object, or a list of one as LL2's schema says)."""
        try:
            response = self.get(f"{self.base_url}api-throttle/")
            body = orjson.loads(response.content) if response.status_code == 200 else None
        except (httpx.RequestError, orjson.JSONDecodeError):
            return None
        if isinstance(body, list) and len(body) == 1:
            body = body[0]
        value = body.get("next_use_secs") if isinstance(body, dict) else None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            return None
        return float(value)


def _detail(response: httpx.Response) -> str:
    """`: <detail>` from a DRF error body, when there is one."""
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return ""
    detail = body.get("detail") if isinstance(body, dict) else None
    return f": {detail}" if isinstance(detail, str) else ""


def prune(run: SyncRun) -> dict:
    """Delete, per endpoint the run walked completely, the records its listing never showed.

    Children first (docking events, flights, spacecraft, configurations, families, agencies). A record
    still referenced by a kept record through a protected reference (a configuration a spacecraft
    uses) is kept and reported. Deleting a spacecraft deletes its flights and their docking events, as
    the catalogue's references say. The figures of spacecraft that lost flights or dockings are
    recomputed and the data version is bumped. Call inside a transaction.
    """
    walks = {walk.endpoint: walk for walk in run.walks.filter(done=True)}
    pruned, owners = {}, set()
    for endpoint in reversed(ENDPOINTS):
        walk = walks.get(endpoint)
        if walk is None:
            continue
        model = ENDPOINTS[endpoint]
        gone = model.objects.exclude(pk__in=SyncSeen.objects.filter(walk=walk).values("record_id"))
        if model is m.SpacecraftFlight:
            owners |= set(gone.values_list("spacecraft_id", flat=True))
        elif model is m.DockingEvent:
            chasers = gone.exclude(flight_vehicle_chaser=None)
            owners |= set(chasers.values_list("flight_vehicle_chaser__spacecraft_id", flat=True))
        deleted, kept = 0, []
        for pk in gone.order_by("pk").values_list("pk", flat=True):
            try:
                model.objects.filter(pk=pk).delete()
            except ProtectedError:
                kept.append(pk)
            else:
                deleted += 1
        pruned[endpoint] = (deleted, kept)
    if any(deleted for deleted, _ in pruned.values()):
        figures.refresh(owners)  # deleted spacecraft are simply not found
    return pruned


def sync(base_url=DEFAULT_BASE_URL, api_key=None, only=None, options: Options | None = None,
         report: Report | None = None, sleep=time.sleep, transport: httpx.BaseTransport | None = None) -> Result:
    """Run (or resume) a sync; raises SyncFailed, or ValueError for bad arguments."""
    return Sync(base_url, api_key, only, options, report, sleep, transport).run()
