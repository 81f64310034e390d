"""The `spacedock` command as a user meets it, each run a real process on its own SQLite file: Spacedock's
version and help, options that show their defaults, commands that migrate a fresh database first, and expected
failures (a bad setting, a database that does not answer, a port in use, a missing file) reported in one line
with a non-zero exit status, never a traceback."""
import os
import socket
import sqlite3
import subprocess
import sys
from importlib.metadata import version

import pytest
from django.core.management import get_commands, load_command_class

from spacedock.cli import COMMANDS

from .helpers import PAGE_1

UNREACHABLE = "postgres://postgres@127.0.0.1:1/x"  # nothing listens on port 1
# The options Django gives every command; Spacedock's own options are checked for their defaults.
DJANGO_OPTIONS = {"help", "version", "verbosity", "settings", "pythonpath", "traceback", "no_color", "force_color",
                  "skip_checks"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spacedock(tmp_path, *args, database=None, **environ):
    """`python -m spacedock.cli ARGS` on a SQLite file of its own in tmp_path (or `database`, a URL)."""
    env = dict(os.environ, DATABASE_URL=database or f"sqlite:///{tmp_path / 'cli.sqlite3'}",
               SPACEDOCK_VAR_DIR=str(tmp_path), **environ)
    return subprocess.run([sys.executable, "-m", "spacedock.cli", *map(str, args)], env=env, capture_output=True,
                          text=True, timeout=120, cwd=tmp_path)


def one_line_failure(result, status=1) -> str:
    """The single line of stderr of a run that failed with `status`."""
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert result.returncode == status and len(lines) == 1, (result.returncode, result.stderr)
    return lines[0]


def tables(database) -> set[str]:
    with sqlite3.connect(database) as conn:
        return {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


# version and help --------------------------------------------------------------------------------------
def test_version_is_spacedocks(tmp_path):
    result = spacedock(tmp_path, "--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"spacedock {version('spacedock')} (Django ")


@pytest.mark.parametrize("args", [[], ["--help"], ["-h"], ["help"]])
def test_help_lists_spacedocks_commands_first(tmp_path, args):
    result = spacedock(tmp_path, *args)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    start = lines.index("Commands:") + 1
    listed = [line.split()[0] for line in lines[start:start + len(COMMANDS)]]
    assert listed == list(COMMANDS)
    assert lines[start].split(None, 1)[1] == "Set up the database and serve the API with granian (a production " \
                                             "WSGI server)."
    assert "`spacedock help --commands` lists them all." in lines
    assert f"The database: SQLite {tmp_path / 'cli.sqlite3'}" in lines


def test_help_commands_still_lists_djangos_commands(tmp_path):
    result = spacedock(tmp_path, "help", "--commands")
    assert result.returncode == 0, result.stderr
    assert {"migrate", "shell", *COMMANDS} <= set(result.stdout.split())


@pytest.mark.parametrize("name", COMMANDS)
def test_every_option_shows_its_default(name):
    command = load_command_class(get_commands()[name], name)
    parser = command.create_parser("spacedock", name)
    own = [action for action in parser._actions if action.dest not in DJANGO_OPTIONS]
    assert own
    for action in own:
        shown = action.help % {"default": action.default} if "%(default)" in action.help else action.help
        assert "default" in shown, (name, action.option_strings or action.dest, shown)
    assert len(command.help.split(". ")[0]) <= 90  # the line `spacedock --help` shows for it


def test_command_help_shows_the_defaults(tmp_path):
    result = spacedock(tmp_path, "sync", "--help")
    text = " ".join(result.stdout.split())
    assert result.returncode == 0, result.stderr
    assert "(default: https://ll.thespacedevs.com/2.3.0/)" in text and "(default: 100)" in text


# a fresh database is migrated first ---------------------------------------------------------------------
def test_import_migrates_a_fresh_database(tmp_path):
    result = spacedock(tmp_path, "import", PAGE_1)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("imported ") and "catalog_spacecraft" in tables(tmp_path / "cli.sqlite3")


def test_export_migrates_a_fresh_database(tmp_path):
    result = spacedock(tmp_path, "export", tmp_path / "out.jsonl")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out.jsonl").exists() and "catalog_spacecraft" in tables(tmp_path / "cli.sqlite3")


def test_generate_on_a_fresh_database_asks_for_the_real_data(tmp_path):
    line = one_line_failure(spacedock(tmp_path, "generate", "--spacecraft", "2"))
    assert line.startswith("CommandError: no spacecraft configurations in the database")
    assert "catalog_spacecraft" in tables(tmp_path / "cli.sqlite3")


def test_sync_migrates_a_fresh_database(tmp_path):
    base = f"http://127.0.0.1:{free_port()}/2.3.0/"  # nothing listens: the sync fails, after migrating
    line = one_line_failure(spacedock(tmp_path, "sync", "--base-url", base, "--tries", "1"))
    assert line.startswith("CommandError: ") and "no such table" not in line
    assert "ingest_syncrun" in tables(tmp_path / "cli.sqlite3")


def test_the_default_database_folder_is_created(tmp_path):
    home = tmp_path / "not" / "yet"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    env["SPACEDOCK_VAR_DIR"] = str(home)
    result = subprocess.run([sys.executable, "-m", "spacedock.cli", "import", str(PAGE_1)], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert (home / "spacedock.sqlite3").is_file()


# expected failures: one line, a non-zero exit status ----------------------------------------------------
@pytest.mark.parametrize("args", [["serve"], ["import", PAGE_1], ["export", "-"], ["--help"], ["migrate"]])
def test_a_bad_setting_is_one_line_and_status_2(tmp_path, args):
    line = one_line_failure(spacedock(tmp_path, *args, SPACEDOCK_MAX_AGE="soon"), status=2)
    assert line == "spacedock: SPACEDOCK_MAX_AGE='soon' is not a whole number of seconds"


def test_a_database_url_that_cannot_be_read_is_one_line_and_status_2(tmp_path):
    line = one_line_failure(spacedock(tmp_path, "export", "-", database="foo://x"), status=2)
    assert line.startswith("spacedock: the settings cannot be read: Scheme 'foo://' is unknown.")


@pytest.mark.parametrize("args", [["import", PAGE_1], ["export", "-"], ["generate", "--spacecraft", "1"],
                                  ["sync", "--tries", "1"], ["serve", "--port", "0"], ["migrate"]])
def test_an_unreachable_database_is_one_line(tmp_path, args):
    if args[0] == "serve":
        args = ["serve", "--port", free_port()]
    result = spacedock(tmp_path, *args, database=UNREACHABLE)
    line = one_line_failure(result)
    assert line.startswith("spacedock: postgresql 'x' at 127.0.0.1:1: ") and "Connection refused" in line, line
    assert not result.stdout


def test_traceback_shows_the_traceback(tmp_path):
    result = spacedock(tmp_path, "export", "-", "--traceback", database=UNREACHABLE)
    assert result.returncode != 0 and "Traceback" in result.stderr


def test_serve_on_a_port_in_use_is_one_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = spacedock(tmp_path, "serve", "--port", port)
    line = one_line_failure(result)
    assert line == f"CommandError: cannot listen on 127.0.0.1:{port}: already in use"
    assert "serving" not in result.stdout


def test_serve_on_an_address_not_of_this_machine_is_one_line(tmp_path):
    line = one_line_failure(spacedock(tmp_path, "serve", "--host", "192.0.2.1", "--port", free_port()))
    assert line.startswith("CommandError: cannot listen on 192.0.2.1:")


def test_import_of_a_missing_file_is_one_line(tmp_path):
    missing = tmp_path / "missing.json"
    line = one_line_failure(spacedock(tmp_path, "import", missing))
    assert line == f"CommandError: {missing}: cannot read: No such file or directory"
