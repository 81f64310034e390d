"""No shared secret key, security headers on every answer, and `check --deploy` clean under the documented
production settings (deploy/env.example)."""
import os
import secrets
import stat
import subprocess
import sys

from .helpers import ROOT

CLI = [sys.executable, "-m", "spacedock.cli"]


def settings_value(env: dict, name: str) -> subprocess.CompletedProcess:
    code = f"from django.conf import settings; print(settings.{name})"
    return subprocess.run([*CLI, "shell", "--no-imports", "-c", code], env=env, capture_output=True, text=True,
                          timeout=120)


def test_a_key_is_made_on_first_run_and_kept_beside_the_data(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "SECRET_KEY"}
    first = settings_value(dict(env, SPACEDOCK_VAR_DIR=str(tmp_path / "one")), "SECRET_KEY")
    again = settings_value(dict(env, SPACEDOCK_VAR_DIR=str(tmp_path / "one")), "SECRET_KEY")
    other = settings_value(dict(env, SPACEDOCK_VAR_DIR=str(tmp_path / "two")), "SECRET_KEY")
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip()
    assert len(key) >= 50 and again.stdout.strip() == key and other.stdout.strip() != key
    kept = tmp_path / "one" / "secret_key"
    assert kept.read_text().strip() == key and stat.S_IMODE(kept.stat().st_mode) == 0o600
    given = settings_value(dict(env, SPACEDOCK_VAR_DIR=str(tmp_path / "one"), SECRET_KEY="x" * 60), "SECRET_KEY")
    assert given.stdout.strip() == "x" * 60


def test_an_unusable_kept_key_is_one_line(tmp_path):
    (tmp_path / "secret_key").write_text("short\n")
    env = {key: value for key, value in os.environ.items() if key != "SECRET_KEY"}
    done = settings_value(dict(env, SPACEDOCK_VAR_DIR=str(tmp_path)), "SECRET_KEY")
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert f"{tmp_path / 'secret_key'} holds no usable key: delete it, or set SECRET_KEY" in done.stderr


def test_check_deploy_is_clean_under_the_documented_production_settings(tmp_path):
    documented = {}
    for line in (ROOT / "deploy" / "env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            documented[name.strip()] = value.strip()
    assert documented["SPACEDOCK_HTTPS"] == "1"
    env = {**os.environ, **documented, "SECRET_KEY": secrets.token_urlsafe(50), "SPACEDOCK_VAR_DIR": str(tmp_path),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'check.sqlite3'}", "CACHE_URL": "locmem://"}
    done = subprocess.run([*CLI, "check", "--deploy", "--fail-level", "WARNING"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0 and "System check identified no issues" in done.stdout, done.stdout + done.stderr


def test_security_headers_on_answers_and_cache_hits(api, settings):
    settings.SPACEDOCK_MAX_AGE = 30
    for path in ("/2.3.0/spacecraft/?limit=2", "/2.3.0/spacecraft/?limit=2", "/2.3.0/spacecraft/?format=api",
                 "/2.3.0/nothing/"):
        response = api(path)[2]
        assert response["X-Content-Type-Options"] == "nosniff", path
        assert response["X-Frame-Options"] == "DENY", path
        assert response["Referrer-Policy"] == "same-origin", path
