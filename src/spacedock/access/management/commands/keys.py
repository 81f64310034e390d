"""`spacedock keys`: make, list and revoke API keys (docs/keys-and-limits.md)."""
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction
from django.utils import timezone

from spacedock.access.models import ApiKey, new_key
from spacedock.access.rates import parse_rate
from spacedock.ops.database import ensure_migrated


class Command(BaseCommand):
    help = ("Make, list and revoke API keys, sent by clients as 'Authorization: Token KEY'. "
            "`keys create NAME [--rate 1000/hour]` prints the new key (only then: just its hash is kept); "
            "`keys list`; `keys revoke ID|NAME`.")

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="create|list|revoke",
                                        help="what to do (no default: one is needed)")
        create = actions.add_parser("create", help="make a key and print it on standard output")
        create.add_argument("name", help="who or what uses the key (unique among active keys)")
        create.add_argument("--rate", default="", metavar="N/PERIOD",
                            help="its limit, such as 1000/hour (default: SPACEDOCK_KEY_RATE, unset: no limit)")
        actions.add_parser("list", help="every key: id, name, first characters, rate, created, revoked")
        revoke = actions.add_parser("revoke", help="refuse a key from now on, in every process")
        revoke.add_argument("key", metavar="ID|NAME", help="the key's id, or the name of an active key")

    def handle(self, *args, action, **options):
        ensure_migrated()
        return getattr(self, action)(**options)

    def create(self, name, rate, **options):
        name, rate = name.strip(), rate.strip()
        if not name or len(name) > ApiKey._meta.get_field("name").max_length:
            raise CommandError("NAME must be 1 to 100 characters")
        try:
            parse_rate(rate)
        except ValueError as exc:
            raise CommandError(f"--rate {exc}") from None
        key = new_key()
        record = ApiKey(name=name, rate=rate)
        record.set_key(key)
        try:
            with transaction.atomic():
                record.save()
        except IntegrityError:
            raise CommandError(f"an active key is already named {name!r}: revoke it first, or choose another "
                               f"name") from None
        sys.stderr.write(f"key {record.pk} {name!r} made, rate {self.rate_text(rate)}; the key is shown only now:\n")
        self.stdout.write(key)

    def list(self, **options):
        rows = [("id", "name", "key", "rate", "created", "revoked")]
        for record in ApiKey.objects.order_by("id"):
            rows.append((str(record.pk), record.name, f"{record.prefix}…", self.rate_text(record.rate),
                         record.created.strftime("%Y-%m-%d %H:%M:%SZ"),
                         record.revoked_at.strftime("%Y-%m-%d %H:%M:%SZ") if record.revoked_at else "-"))
        if len(rows) == 1:
            self.stdout.write("no keys yet: `spacedock keys create NAME` makes one")
            return
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            self.stdout.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())

    def revoke(self, key, **options):
        found = ApiKey.objects.filter(pk=int(key)) if key.isdigit() else \
            ApiKey.objects.filter(name=key, revoked_at__isnull=True)
        record = found.first()
        if record is None:
            raise CommandError(f"no {'key with id' if key.isdigit() else 'active key named'} {key!r}: "
                               f"`spacedock keys list` shows them")
        if record.revoked_at is not None:
            when = f"{record.revoked_at:%Y-%m-%d %H:%M:%SZ}"
            self.stdout.write(f"key {record.pk} {record.name!r} was already revoked at {when}")
            return
        ApiKey.objects.filter(pk=record.pk).update(revoked_at=timezone.now())
        self.stdout.write(f"key {record.pk} {record.name!r} revoked: every process refuses it from its next request")

    @staticmethod
    def rate_text(rate: str) -> str:
        if rate:
            return str(parse_rate(rate))
        default = parse_rate(settings.SPACEDOCK_KEY_RATE)
        return f"default ({default})" if default else "default (no limit)"
