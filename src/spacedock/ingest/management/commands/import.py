"""`spacedock import PATH...`: LL2 2.3.0 JSON files (pages, lists or single objects) into the catalogue."""
from django.core.management.base import BaseCommand, CommandError

from spacedock.catalog.clock import parse_moment

from spacedock.ingest.importer import ImportFailed, import_paths
from spacedock.ingest.ll2_shapes import KINDS


class Command(BaseCommand):
    help = ("Import LL2 2.3.0 JSON (a page with count/next/results, a bare list, or one object) of spacecraft, "
            "spacecraft flights, docking events, spacecraft configurations, families, agencies or space stations. "
            "All files are one transaction: a bad record anywhere changes nothing.")

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument("--kind", choices=sorted(KINDS),
                            help="what the records are, when their url does not say (default: guessed per record)")
        parser.add_argument("--as-of", metavar="MOMENT",
                            help="when LL2 rendered the files (ISO 8601, e.g. 2026-07-24T01:13:35Z); dates the figures "
                                 "they report (default: the newest moment each file proves, else now)")

    def handle(self, *args, paths, kind=None, as_of=None, **options):
        if as_of is not None:
            try:
                as_of = parse_moment(as_of)
            except ValueError:
                raise CommandError(f"--as-of: {as_of!r} is not an ISO 8601 date-time such as 2026-07-24T01:13:35Z") from None
        try:
            summary = import_paths(paths, kind, as_of)
        except ImportFailed as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(str(summary))
