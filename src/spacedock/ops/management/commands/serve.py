"""`spacedock serve`: migrate, load the bundled data into an empty database, and serve with granian.

Granian (HTTP and connections in Rust, only the WSGI call in Python) was chosen by measurement, serving
this app with 2 workers on 2 cores, 100,000 spacecraft, wrk -c4 (req/s, two runs each): one URL in full
7,553/5,789 against gunicorn sync's 3,787/2,089 and gthread's 2,611; revalidated (304) 12,211/12,660
against 3,399/2,191 and 4,953; pages every URL new on a par (1,251/1,354 against 1,463/609). And it is
not starved: behind 200 idle and 20 slowloris connections its answers took 20 ms at worst, where
gunicorn's sync and gthread workers sat on those connections and a request timed out. One Python thread
per worker ran best (2 threads: 304s 9,1xx; 4: new pages 684), and keeps the per-process render stores
free of concurrent use. Granian's access log halved the 304 rate (12,323 -> 6,988), so it is off unless
asked for. A worker that dies (killed, out of memory, a crash in native code) is started again after a few
seconds while the others go on answering; without that, granian stops the whole server when one worker
exits.
"""
import errno
import os
import socket
import sys

from django.core.management.base import BaseCommand, CommandError

from spacedock.ops.bundled import load_if_empty
from spacedock.ops.database import ensure_migrated

APPLICATION = "spacedock.wsgi:application"
# On SIGTERM granian waits for its open connections, an idle one up to its 30 s header timeout: workers
# still busy after this many seconds are killed, so that a stop is prompt (and within a 10 s `docker stop`).
STOP_SECONDS = 5


def server_command(host: str, port: int, workers: int, threads: int, access_log: bool = False) -> list[str]:
    """The granian command line `spacedock serve` execs (bench/run.py starts its ceiling the same way)."""
    return [
        sys.executable, "-m", "granian", "--interface", "wsgi", "--host", host, "--port", str(port),
        "--workers", str(workers), "--blocking-threads", str(threads), "--http", "1", "--no-ws",
        "--workers-kill-timeout", str(STOP_SECONDS), "--respawn-failed-workers",
        "--access-log" if access_log else "--no-access-log", APPLICATION,
    ]


def check_can_listen(host: str, port: int) -> None:
    """A one-line CommandError unless host:port can be listened on now (a port in use, an address not of
    this machine), rather than granian failing after `serving ...` was printed. SO_REUSEADDR, as granian
    binds: a port whose last connections are in TIME_WAIT is free."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                             flags=socket.AI_PASSIVE)[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as exc:
        reason = "already in use" if exc.errno == errno.EADDRINUSE else (exc.strerror or str(exc)).lower()
        raise CommandError(f"cannot listen on {host}:{port}: {reason}") from None


class Command(BaseCommand):
    help = "Set up the database and serve the API with granian (a production WSGI server)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
        parser.add_argument("--port", type=int, default=8000, help="port to listen on (default: %(default)s)")
        parser.add_argument("--workers", type=int, default=2,
                            help="worker processes (default: %(default)s, one per core)")
        parser.add_argument("--threads", type=int, default=1,
                            help="Python threads per worker running the app; connections are held in Rust, not "
                                 "by these, so one is enough to serve past idle and slow clients, and more only "
                                 "contend for the GIL (default: %(default)s)")
        parser.add_argument("--access-log", action="store_true", help="log every request (default: off)")
        parser.add_argument("--no-load", action="store_true",
                            help="do not load the bundled data into an empty database (default: off, an empty "
                                 "database gets the bundled data)")

    def handle(self, *args, host, port, workers, threads, access_log, no_load, **options):
        if workers < 1 or threads < 1 or not 0 < port < 65536:
            raise CommandError("--workers and --threads must be 1 or more and --port between 1 and 65535")
        check_can_listen(host, port)
        ensure_migrated()
        if not no_load:
            try:
                summary = load_if_empty()
            except FileNotFoundError as exc:
                raise CommandError(f"{exc}; set SPACEDOCK_DATA_DIR or pass --no-load") from None
            if summary:
                self.stdout.write(f"bundled data: {summary}")
        self.stdout.write(f"serving http://{host}:{port}/2.3.0/spacecraft/ with {workers} worker(s), granian")
        self.stdout.write(f"front page http://{host}:{port}/, API docs http://{host}:{port}/docs/, "
                          f"admin http://{host}:{port}/admin/")
        sys.stdout.flush()
        # A page's buffers (200 KB normal, 1 MB detailed) reused from glibc's heap rather than mapped from
        # and returned to the OS on every request: at glibc's 128 KB threshold each detailed page cost
        # 256 fresh page faults, a third of its CPU time. Above 4 MB (none of the API's pages) buffers
        # are still mapped, and free heap above 16 MB is still returned, so memory stays bounded.
        os.environ.setdefault("MALLOC_MMAP_THRESHOLD_", str(4 << 20))
        os.environ.setdefault("MALLOC_TRIM_THRESHOLD_", str(16 << 20))
        # Prometheus multiprocess mode (ops.metrics): the workers write their metrics into one folder,
        # emptied at each start so that counters begin at zero, and /metrics sums them.
        from django.conf import settings

        metrics_dir = settings.VAR_DIR / "prometheus"
        metrics_dir.mkdir(parents=True, exist_ok=True)
        for stale in metrics_dir.glob("*.db"):
            stale.unlink()
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
        command = server_command(host, port, workers, threads, access_log)
        os.execvp(command[0], command)
