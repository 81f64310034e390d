"""`spacedock sync`: fill and refresh the catalogue from a live LL2 2.3.0 server (see ingest/sync.py)."""
import math
import os

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeRemainingColumn
from rich.text import Text

from spacedock.ingest.locks import SyncRunning, one_sync
from spacedock.ingest.sync import DEFAULT_BASE_URL, ENDPOINTS, Options, Report, Sync, SyncFailed
from spacedock.ops.database import ensure_migrated

DEFAULTS = Options()


class LineReport(Report):
    """One plain line per page (and per retry, wait or step back): for logs, cron and pipes."""

    def __init__(self, out):
        self.out = out

    def start(self, run, resumed):
        verb = "resuming the sync" if resumed else "syncing"
        self.out.write(f"{verb} {run.endpoints.replace(',', ', ')} from {run.base_url}\n")
        self.out.flush()

    def page_applied(self, walk, url, records):
        self.out.write(f"{walk.endpoint}: page {walk.pages}, {records} records, {walk.offset}/{walk.count} ({url})\n")
        self.out.flush()

    def note(self, text):
        self.out.write(f"{text}\n")
        self.out.flush()

    def walk_done(self, walk):
        self.out.write(f"{walk.endpoint}: done, {walk.count} in LL2's listing, {walk.records} records applied\n")
        self.out.flush()


class RateColumn(ProgressColumn):
    """Records per second."""

    def render(self, task):
        return Text(f"{task.speed:.1f}/s" if task.speed else "–/s", style="progress.data.speed")


class RichReport(Report):
    """A progress bar per endpoint (records of LL2's count, rate, ETA) on a terminal."""

    def __init__(self, console: Console):
        self.progress = Progress(TextColumn("{task.description:<34}"), BarColumn(), MofNCompleteColumn(),
                                 RateColumn(), TimeRemainingColumn(), console=console)
        self.tasks = {}

    def start(self, run, resumed):
        self.progress.start()
        verb = "Resuming the sync" if resumed else "Syncing"
        self.progress.console.print(f"{verb} from {run.base_url}")
        for walk in run.walks.all():
            self.tasks[walk.endpoint] = self.progress.add_task(walk.endpoint, total=walk.count, completed=walk.offset,
                                                               start=walk.pages > 0)

    def walk_started(self, walk):
        self.progress.start_task(self.tasks[walk.endpoint])

    def page_applied(self, walk, url, records):
        self.progress.update(self.tasks[walk.endpoint], total=walk.count, completed=walk.offset)

    def note(self, text):
        self.progress.console.print(text, markup=False, highlight=False)

    def walk_done(self, walk):
        self.progress.update(self.tasks[walk.endpoint], total=walk.count, completed=walk.count)

    def close(self):
        self.progress.stop()


class Command(BaseCommand):
    help = ("Fill and refresh the catalogue from a live LL2 2.3.0 server. It walks agencies, configuration families, "
            "configurations, spacecraft, spacecraft flights and docking events (limit=100, mode=detailed, following "
            "next), each page in its own transaction. An interrupted sync resumes where it stopped.")

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default=DEFAULT_BASE_URL, metavar="URL",
                            help="the LL2 2.3.0 root (default: %(default)s)")
        parser.add_argument("--api-key", metavar="KEY",
                            help="sent as 'Authorization: Token KEY' (default: $SPACEDOCK_LL2_API_KEY, else none)")
        parser.add_argument("--only", metavar="ENDPOINT,...",
                            help=f"walk only these endpoints (of {', '.join(ENDPOINTS)}; default: all of them)")
        parser.add_argument("--prune", action="store_true",
                            help="after a complete walk, delete the records of each walked endpoint that LL2 "
                                 "no longer lists (default: off, nothing is deleted)")
        parser.add_argument("--restart", action="store_true",
                            help="discard an unfinished sync instead of resuming it (default: off, resume)")
        parser.add_argument("--page-size", type=int, default=DEFAULTS.page_size, metavar="N",
                            help="records per request, 1 to 100 (default: %(default)s)")
        parser.add_argument("--timeout", type=float, default=DEFAULTS.timeout, metavar="SECONDS",
                            help="per request (default: %(default)g)")
        parser.add_argument("--tries", type=int, default=DEFAULTS.tries, metavar="N",
                            help="per page, against timeouts, lost connections, 5xx and invalid pages "
                                 "(default: %(default)s)")
        parser.add_argument("--backoff", type=float, default=DEFAULTS.backoff, metavar="SECONDS",
                            help=f"the first wait between tries, doubled each time up to {DEFAULTS.max_backoff:g} s "
                                 "(default: %(default)g)")
        parser.add_argument("--max-wait", type=float, default=DEFAULTS.max_wait, metavar="SECONDS",
                            help="the longest rate-limit wait accepted; longer stops the sync, to be resumed later "
                                 "(default: %(default)g)")

    def handle(self, *args, base_url, api_key, only, prune, restart, page_size, timeout, tries, backoff, max_wait,
               **options):
        finite = math.isfinite
        for name, value, ok, what in (("--timeout", timeout, finite(timeout) and timeout > 0,
                                       "a number of seconds > 0"),
                                      ("--backoff", backoff, finite(backoff) and backoff >= 0,
                                       "a number of seconds ≥ 0"),
                                      ("--max-wait", max_wait, finite(max_wait) and max_wait >= 0,
                                       "a number of seconds ≥ 0"),
                                      ("--tries", tries, tries >= 1, "a whole number ≥ 1")):
            if not ok:
                raise CommandError(f"{name}: {value} is not {what}")
        settings = Options(page_size=page_size, timeout=timeout, tries=tries, backoff=backoff,
                           max_backoff=max(backoff, DEFAULTS.max_backoff), max_wait=max_wait, prune=prune,
                           restart=restart)
        ensure_migrated()
        out = self.stdout._out
        report = RichReport(Console(file=out)) if self.stdout.isatty() else LineReport(out)
        try:
            job = Sync(base_url, api_key or os.environ.get("SPACEDOCK_LL2_API_KEY") or None, only, settings, report)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        try:
            with one_sync():  # a second sync on the same database stops here, naming the first (ingest/locks.py)
                result = job.run()
        except SyncRunning as exc:
            raise CommandError(str(exc)) from None
        except SyncFailed as exc:
            raise CommandError(str(exc)) from None
        except KeyboardInterrupt:
            raise CommandError("interrupted; the pages applied before are kept: run the same command again to resume",
                               returncode=130) from None
        self.stdout.write(str(result))
