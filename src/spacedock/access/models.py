"""API keys: only a hash of each key is stored (the key is shown once, when it is made), so a copy of
the database gives no one a working key."""
import hashlib
import secrets

from django.db import models

from .rates import validate_rate

PREFIX_LENGTH = 6  # the key's first characters, kept in the clear so an operator can tell keys apart


def new_key() -> str:
    """A fresh key: 40 hexadecimal characters, as DRF's tokens (and LL2's) are."""
    return secrets.token_hex(20)


def digest_of(key: str) -> str:
    """What is stored and looked up: SHA-256 of the key (a random 160-bit key needs no slow hash)."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


class ApiKey(models.Model):
    name = models.CharField(max_length=100, help_text="who or what uses the key (unique among active keys)")
    prefix = models.CharField(max_length=PREFIX_LENGTH, editable=False, help_text="the key's first characters")
    digest = models.CharField(max_length=64, unique=True, editable=False, help_text="SHA-256 of the key")
    rate = models.CharField(max_length=32, blank=True, validators=[validate_rate],
                            help_text="requests allowed, such as 1000/hour; blank: SPACEDOCK_KEY_RATE")
    created = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True, help_text="when set, the key is refused (401)")

    class Meta:
        verbose_name = "API key"
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["name"], condition=models.Q(revoked_at__isnull=True),
                                               name="access_apikey_active_name_unique")]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    def set_key(self, key: str) -> None:
        self.prefix, self.digest = key[:PREFIX_LENGTH], digest_of(key)

    @property
    def active(self) -> bool:
        return self.revoked_at is None
