"""API keys: `spacedock keys create|list|revoke` as a user runs it, only a hash stored, names unique among
active keys, and the admin (when `django.contrib.admin` is installed)."""
import re
import sqlite3

import pytest
from django.apps import apps
from django.db import IntegrityError, transaction

from spacedock import wsgi
from spacedock.access.models import ApiKey, digest_of, new_key

from .helpers import call_wsgi

KEY = re.compile(r"[0-9a-f]{40}")


def test_create_list_revoke(cli):
    run, database = cli
    made = run("keys", "create", "mobile app", "--rate", "1000/hour")
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip()
    assert KEY.fullmatch(key), made.stdout  # the key alone on standard output: KEY=$(spacedock keys create ...)
    assert made.stderr == "key 1 'mobile app' made, rate 1000/hour; the key is shown only now:\n"
    other = run("keys", "create", "dashboard")
    assert other.returncode == 0 and KEY.fullmatch(other.stdout.strip())

    # Only a hash is stored: the key is nowhere in the database.
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT name, prefix, digest, rate, revoked_at FROM access_apikey ORDER BY id").fetchall()
    assert rows[0] == ("mobile app", key[:6], digest_of(key), "1000/hour", None)
    assert key.encode() not in database.read_bytes()

    listed = run("keys", "list").stdout.splitlines()
    assert listed[0].split() == ["id", "name", "key", "rate", "created", "revoked"]
    assert re.match(rf"1\s+mobile app\s+{key[:6]}…\s+1000/hour\s+\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\dZ\s+-$", listed[1])
    assert "default (no limit)" in listed[2]

    again = run("keys", "create", "dashboard")
    assert (again.returncode, again.stderr) == (1, "CommandError: an active key is already named 'dashboard': "
                                                   "revoke it first, or choose another name\n")
    revoked = run("keys", "revoke", "dashboard")
    assert revoked.stdout == "key 2 'dashboard' revoked: every process refuses it from its next request\n"
    assert run("keys", "revoke", "2").stdout.startswith("key 2 'dashboard' was already revoked at ")
    assert run("keys", "create", "dashboard").returncode == 0  # the name is free again
    assert re.search(r"^2\s+dashboard.*\d\dZ$", run("keys", "list").stdout, re.M)


@pytest.mark.parametrize("args, message", [
    (("revoke", "nobody"), "CommandError: no active key named 'nobody': `spacedock keys list` shows them\n"),
    (("revoke", "999"), "CommandError: no key with id '999': `spacedock keys list` shows them\n"),
    (("create", "x", "--rate", "5/fortnight"), "CommandError: --rate '5/fortnight' is not a rate: use a number of "
                                               "requests per second, minute, hour or day, such as 15/hour\n"),
    (("create", " "), "CommandError: NAME must be 1 to 100 characters\n"),
])
def test_expected_failures_are_one_line(cli, args, message):
    run, _ = cli
    done = run("keys", *args)
    assert (done.returncode, done.stderr) == (1, message)


def test_keys_is_listed_in_help(cli):
    run, _ = cli
    assert re.search(r"^  keys\s+Make, list and revoke API keys", run("--help").stdout, re.M)


def test_hash_and_active_names(db):
    key = new_key()
    assert KEY.fullmatch(key) and new_key() != key
    first = ApiKey(name="a")
    first.set_key(key)
    first.save()
    assert (first.prefix, first.digest) == (key[:6], digest_of(key)) and len(first.digest) == 64
    clash = ApiKey(name="a")
    clash.set_key(new_key())
    with pytest.raises(IntegrityError), transaction.atomic():
        clash.save()
    ApiKey.objects.filter(pk=first.pk).update(revoked_at="2026-01-01T00:00:00Z")
    clash.save()  # a revoked key's name may be used again


def test_a_key_is_checked_on_every_request_never_kept(db):
    key = new_key()
    record = ApiKey(name="n")
    record.set_key(key)
    record.save()
    auth = {"HTTP_AUTHORIZATION": f"Token {key}"}
    assert call_wsgi(wsgi.application, **auth).status_code == 200
    ApiKey.objects.filter(pk=record.pk).update(revoked_at="2026-01-01T00:00:00Z")
    assert call_wsgi(wsgi.application, **auth).status_code == 401
    ApiKey.objects.filter(pk=record.pk).update(revoked_at=None)
    assert call_wsgi(wsgi.application, **auth).status_code == 200


@pytest.mark.skipif(not apps.is_installed("django.contrib.admin"), reason="django.contrib.admin is not installed")
def test_the_admin_makes_a_key_shown_once_and_revokes(admin_client, db):
    from django.urls import reverse

    response = admin_client.post(reverse("admin:access_apikey_add"), {"name": "from the admin", "rate": "10/min"},
                                 follow=True)
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    key = re.search(r"shown only now: ([0-9a-f]{40})", " ".join(shown))[1]
    record = ApiKey.objects.get(name="from the admin")
    assert record.digest == digest_of(key) and record.rate == "10/min"
    bad = admin_client.post(reverse("admin:access_apikey_add"), {"name": "b", "rate": "10/fortnight"})
    assert bad.status_code == 200 and "is not a rate" in bad.content.decode()
    admin_client.post(reverse("admin:access_apikey_changelist"),
                      {"action": "revoke", "_selected_action": [record.pk]}, follow=True)
    record.refresh_from_db()
    assert record.revoked_at is not None
