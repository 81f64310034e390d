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
        # Big response buffers straight from and back to the OS, so a worker's memory does not creep up
        # with the pages it has served (glibc would otherwise keep them in its heap, fragmented).
        os.environ.setdefault("MALLOC_MMAP_THRESHOLD_", "131072")
        os.environ.setdefault("MALLOC_TRIM_THRESHOLD_", "262144")
        os.execvp(sys.executable, [
            sys.executable, "-m", "gunicorn", "spacedock.wsgi:application",
            "--bind", f"{host}:{port}", "--workers", str(workers), "--access-logfile", "-",
        ])
