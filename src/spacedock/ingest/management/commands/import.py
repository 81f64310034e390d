"""`spacedock import PATH...`: LL2 2.3.0 JSON (pages, lists or single objects; plain or gzip; JSON or JSON
Lines; files or `-` for standard input) into the catalogue."""
from django.core.management.base import BaseCommand, CommandError

from spacedock.ingest.errors import ImportFailed
from spacedock.ingest.importer import import_each, import_paths
from spacedock.ingest.ll2_shapes import KINDS
from spacedock.ops.database import ensure_migrated

from ._options import as_of_moment


class Command(BaseCommand):
    help = ("Import LL2 JSON files (or standard input) into the catalogue. "
            "LL2 2.3.0 JSON (a page with count/next/results, a bare list, or one object) of spacecraft, "
            "spacecraft flights, docking events, spacecraft configurations, families, agencies or space stations, "
            "or a `spacedock export`, is read (older LL2 versions too). Files may be gzip-compressed and JSON Lines; "
            "`-` reads standard input. "
            "All files are one transaction: a bad record anywhere changes nothing (see --each).")

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH",
                            help="a file, or - for standard input (at least one; no default)")
        parser.add_argument("--kind", choices=sorted(KINDS),
                            help="what the records are, when their url does not say (default: guessed per record)")
        parser.add_argument("--as-of", metavar="MOMENT",
                            help="when LL2 rendered the files (ISO 8601, e.g. 2026-07-24T01:13:35Z); dates the figures "
                                 "they report (default: an export's header, else the newest moment each file proves, "
                                 "else now)")
        parser.add_argument("--each", action="store_true",
                            help="import each file in its own transaction: a bad file is reported and writes nothing, "
                                 "the others are imported; exits 1 if any file failed (default: off, all files in "
                                 "one transaction)")

    def handle(self, *args, paths, kind=None, as_of=None, each=False, **options):
        as_of = as_of_moment(as_of)
        ensure_migrated()
        if each:
            return self.import_each(paths, kind, as_of)
        try:
            summary = import_paths(paths, kind, as_of)
        except ImportFailed as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(str(summary))

    def import_each(self, paths, kind, as_of):
        """One line per file (a summary on stdout, or the error on stderr); exit status 1 if any failed."""
        failed = 0
        try:
            for where, outcome in import_each(paths, kind, as_of):
                if isinstance(outcome, ImportFailed):
                    failed += 1
                    self.stderr.write(f"failed: {outcome}")
                else:
                    self.stdout.write(f"{where}: {outcome}")
        except ImportFailed as exc:
            raise CommandError(str(exc)) from None
        if failed:
            raise CommandError(f"{failed} of {len(paths)} file(s) failed and wrote nothing; the others were imported")
