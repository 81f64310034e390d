"""`spacedock export [--format jsonl|ll2] PATH|-`: every record, in a form `spacedock import` reads back."""
import gzip
import os
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from spacedock.ingest.export import DEFAULT_BASE, FORMATS, export
from spacedock.ingest.sources import STDIN, is_json_lines_name
from spacedock.ops.database import ensure_migrated

from ._options import as_of_moment


class Command(BaseCommand):
    help = ("Export every record of the catalogue to a file or standard output, for `spacedock import`. "
            "It is LL2 2.3.0 JSON: `jsonl` "
            "(a header line, then one record per line) or `ll2` (one JSON object of LL2 pages, one per endpoint). "
            "PATH ending in .gz is gzip-compressed; - writes to standard output.")

    def add_arguments(self, parser):
        parser.add_argument("path", metavar="PATH",
                            help="the file to write (.gz: compressed), or - for standard output (required: no default)")
        parser.add_argument("--format", choices=FORMATS, dest="fmt",
                            help="jsonl or ll2 (default: ll2 for a PATH ending in .json or .json.gz, else jsonl)")
        parser.add_argument("--as-of", metavar="MOMENT",
                            help="the moment the figures are rendered at (default: now, or SPACEDOCK_NOW)")
        parser.add_argument("--base-url", default=DEFAULT_BASE,
                            help=f"the scheme and host of the records' urls (default: {DEFAULT_BASE})")

    def handle(self, *args, path, fmt=None, as_of=None, base_url=DEFAULT_BASE, **options):
        as_of = as_of_moment(as_of)
        ensure_migrated()
        if fmt is None:
            name = path.lower().removesuffix(".gz")
            fmt = "ll2" if name.endswith(".json") and not is_json_lines_name(path) else "jsonl"
        if path == STDIN:
            try:
                summary = export(sys.stdout.buffer, fmt, base_url, as_of)
                sys.stdout.buffer.flush()
            except BrokenPipeError:  # `spacedock export - | head`: the reader went away
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
                raise CommandError("standard output was closed before the export was complete") from None
            self.stderr.write(str(summary))
            return
        target = Path(path)
        partial = target.with_name(f".{target.name}.partial")  # renamed into place only when complete
        try:
            with (gzip.open(partial, "wb") if path.endswith(".gz") else partial.open("wb")) as out:
                summary = export(out, fmt, base_url, as_of)
            os.replace(partial, target)
        except OSError as exc:
            raise CommandError(f"{path}: cannot write: {exc.strerror or exc}") from None
        finally:
            partial.unlink(missing_ok=True)
        self.stdout.write(f"{summary} to {path} ({fmt})")
