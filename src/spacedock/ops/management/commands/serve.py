"""`spacedock serve`: migrate, load the bundled data into an empty database, and serve with gunicorn."""
import os
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from spacedock.ops.bundled import load_if_empty


class Command(BaseCommand):
    help = "Set up the database and serve the API with gunicorn (a production WSGI server)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2: one per core)")
        parser.add_argument("--no-load", action="store_true", help="do not load the bundled data into an empty database")

    def handle(self, *args, host, port, workers, no_load, **options):
        if workers < 1 or not 0 < port < 65536:
            raise CommandError("--workers must be 1 or more and --port between 1 and 65535")
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        if not no_load:
            try:
                summary = load_if_empty()
            except FileNotFoundError as exc:
                raise CommandError(f"{exc}; set SPACEDOCK_DATA_DIR or pass --no-load") from None
            if summary:
                self.stdout.write(f"bundled data: {summary}")
        self.stdout.write(f"serving http://{host}:{port}/2.3.0/spacecraft/ with {workers} worker(s)")
        sys.stdout.flush()
        # A page's buffers (200 KB normal, 1 MB detailed) reused from glibc's heap rather than mapped from
        # and returned to the OS on every request: at glibc's 128 KB threshold each detailed page cost
        # 256 fresh page faults, a third of its CPU time. Above 4 MB (none of the API's pages) buffers
        # are still mapped, and free heap above 16 MB is still returned, so memory stays bounded.
        os.environ.setdefault("MALLOC_MMAP_THRESHOLD_", str(4 << 20))
        os.environ.setdefault("MALLOC_TRIM_THRESHOLD_", str(16 << 20))
        os.execvp(sys.executable, [
            sys.executable, "-m", "gunicorn", "spacedock.wsgi:application",
            "--bind", f"{host}:{port}", "--workers", str(workers), "--access-logfile", "-",
        ])
