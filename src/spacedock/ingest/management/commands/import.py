"""`spacedock import PATH...`: LL2 2.3.0 JSON files (pages, lists or single objects) into the catalogue."""
from django.core.management.base import BaseCommand, CommandError

from spacedock.ingest.importer import ImportFailed, import_paths
from spacedock.ingest.ll2_shapes import KINDS


class Command(BaseCommand):
    help = ("Import LL2 2.3.0 JSON (a page with count/next/results, a bare list, or one object) of spacecraft, "
            "spacecraft configurations, families, agencies or space stations. All files are one transaction: "
            "a bad record anywhere changes nothing.")

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument("--kind", choices=sorted(KINDS),
                            help="what the records are, when their url does not say (default: guessed per record)")

    def handle(self, *args, paths, kind=None, **options):
        try:
            summary = import_paths(paths, kind)
        except ImportFailed as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(str(summary))
