"""`spacedock import`'s input forms: gzip, standard input (`-`), JSON Lines, `--each`, and the size limit.

Bad input of every kind in a file is in tests/test_import.py (BAD_CASES); here the forms that need
more than a file: standard input, several files each in its own transaction, and inputs too big to
read. Every failure must leave the catalogue unchanged.
"""
import gzip
import io
import os
import subprocess
import sys

import orjson
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from spacedock.catalog import models as m
from spacedock.ingest.errors import ImportFailed
from spacedock.ingest.importer import import_each, import_paths

from .helpers import (
    BAD_ID,
    PAGE_1,
    PNG,
    _bad_page,
    _set,
    counts,
    fresh_spacecraft,
    json_lines,
    page,
    run_command,
    snapshot,
    sqlite_rows,
    write,
)

GOOD = [fresh_spacecraft(i) for i in (2, 3, 4)]
GOOD_IDS = {record["id"] for record in GOOD}
LIMIT = 64 << 10  # a small SPACEDOCK_IMPORT_MAX_BYTES for the tests of the limit


def stdin(monkeypatch, data: bytes):
    """Standard input holding `data` (the command reads sys.stdin.buffer)."""
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


def imported(ids) -> set:
    return set(m.Spacecraft.objects.filter(pk__in=list(ids)).values_list("pk", flat=True))


def fails(*args, fragment):
    """The command fails with one line holding `fragment`, and the catalogue is unchanged."""
    before = snapshot()
    with pytest.raises(CommandError) as failure:
        run_command(*args)
    message = str(failure.value)
    assert "\n" not in message and fragment in message, message
    assert snapshot() == before
    return message


# gzip and JSON Lines ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["page.json.gz", "page.json", "page.dat"])
def test_gzip_is_known_by_its_magic_bytes_whatever_the_name(db, tmp_path, name):
    path = write(tmp_path, gzip.compress(orjson.dumps(page(GOOD))), name)
    assert "imported 3 records from 1 file(s)" in run_command(path)
    assert imported(GOOD_IDS) == GOOD_IDS


@pytest.mark.parametrize(("name", "compress"), [("records.jsonl", False), ("records.jsonl.gz", True),
                                                ("records.ndjson", False), ("records.json", False),
                                                ("records.txt", True)])
def test_json_lines_by_name_or_detected(db, tmp_path, name, compress):
    """One record per line (blank lines ignored), or a page per line; found by the name or by the content."""
    data = json_lines(GOOD[0], page(GOOD[1:])).replace(b"\n", b"\n\n", 1)
    path = write(tmp_path, gzip.compress(data) if compress else data, name)
    assert "imported 3 records from 1 file(s)" in run_command(path)
    assert imported(GOOD_IDS) == GOOD_IDS


def test_a_json_lines_name_with_one_document_is_still_read(db, tmp_path):
    path = write(tmp_path, orjson.dumps(page(GOOD)), "one.jsonl")
    assert "imported 3 records" in run_command(path)


def test_a_broken_pretty_printed_file_is_not_taken_for_json_lines(db, tmp_path):
    path = write(tmp_path, orjson.dumps(page(GOOD), option=orjson.OPT_INDENT_2)[:-5], "cut.json")
    message = fails(path, fragment="not valid JSON")
    assert "line 1:" not in message


# standard input -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
def test_standard_input(db, tmp_path, monkeypatch, compress):
    data = orjson.dumps(page(GOOD))
    stdin(monkeypatch, gzip.compress(data) if compress else data)
    assert "imported 3 records from 1 file(s)" in run_command("-")
    assert imported(GOOD_IDS) == GOOD_IDS


def test_standard_input_with_files_is_one_transaction(db, tmp_path, monkeypatch):
    stdin(monkeypatch, orjson.dumps(_bad_page(_set("in_space", "yes"))))
    good = write(tmp_path, page(GOOD))
    fails(good, "-", fragment=f"<stdin>: record 1 (id {BAD_ID}): in_space: expected true or false")
    assert not imported(GOOD_IDS)


@pytest.mark.parametrize(("data", "fragment"), [
    (b"", "<stdin>: not valid JSON: the input is empty"),
    (PNG, "<stdin>: not valid JSON: binary data"),
    (gzip.compress(orjson.dumps(page(GOOD)))[:-20], "<stdin>: not a complete gzip file"),
    (json_lines(GOOD[0], {"id": GOOD[1]["id"], "url": GOOD[1]["url"], "name": 7}),
     f"<stdin>: line 2: record 0 (id {GOOD[1]['id']}): name: expected text, got 7"),
], ids=["empty", "png", "truncated-gzip", "json-lines-bad-record"])
def test_bad_standard_input_changes_nothing(db, monkeypatch, data, fragment):
    stdin(monkeypatch, data)
    fails("-", fragment=fragment)


def test_standard_input_only_once(db, monkeypatch):
    stdin(monkeypatch, orjson.dumps(page(GOOD)))
    fails("-", "-", fragment="standard input ('-') can be read only once")


# the size limit ----------------------------------------------------------------------------------------
def test_a_2_gb_file_is_refused_before_it_is_read(db, tmp_path):
    """A sparse 2 GB file: its size is checked before it is opened (the default limit is 512 MB)."""
    path = tmp_path / "huge.json"
    with path.open("wb") as f:
        f.truncate(2 << 30)
    message = fails(path, fragment="the file is 2 GB, more than the import limit of 512 MB (536870912 bytes); "
                                   "raise SPACEDOCK_IMPORT_MAX_BYTES")
    assert message.startswith(f"{path}: ")


def test_the_limit_is_a_setting(db, tmp_path, settings):
    path = write(tmp_path, page(GOOD))
    settings.SPACEDOCK_IMPORT_MAX_BYTES = path.stat().st_size - 1
    fails(path, fragment="more than the import limit of")
    settings.SPACEDOCK_IMPORT_MAX_BYTES = path.stat().st_size
    assert "imported 3 records" in run_command(path)


def test_gzip_is_limited_by_its_decompressed_size(db, tmp_path, settings):
    """A small gzip file that decompresses past the limit is refused after reading one byte past it."""
    settings.SPACEDOCK_IMPORT_MAX_BYTES = LIMIT
    path = write(tmp_path, gzip.compress(b" " * (LIMIT * 100) + orjson.dumps(page(GOOD))), "bomb.json.gz")
    assert path.stat().st_size < LIMIT
    fails(path, fragment=f"{path}: it decompresses to more than the import limit of 64 KB ({LIMIT} bytes)")


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
def test_standard_input_is_limited(db, monkeypatch, settings, compress):
    settings.SPACEDOCK_IMPORT_MAX_BYTES = LIMIT
    data = b" " * LIMIT + orjson.dumps(page(GOOD))
    stdin(monkeypatch, gzip.compress(data) if compress else data)
    what = "it decompresses to" if compress else "it holds"
    fails("-", fragment=f"<stdin>: {what} more than the import limit of 64 KB ({LIMIT} bytes)")


# --each ----------------------------------------------------------------------------------------------
def test_each_file_in_its_own_transaction(db, tmp_path):
    """A bad file is reported and writes nothing; the files before and after it are imported; exit non-zero."""
    first = write(tmp_path, page(GOOD[:1]), "a.json")
    bad = write(tmp_path, _bad_page(_set("in_space", "yes")), "b.json")
    last = write(tmp_path, page(GOOD[1:]), "c.json")
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("import", "--each", str(first), str(bad), str(last), stdout=out, stderr=err)
    assert str(failure.value) == "1 of 3 file(s) failed and wrote nothing; the others were imported"
    assert imported(GOOD_IDS) == GOOD_IDS
    assert not m.Spacecraft.objects.filter(pk=BAD_ID).exists()
    assert not imported({fresh_spacecraft(0)["id"]})  # the good record of the bad file
    lines = out.getvalue().splitlines()
    assert lines[0].startswith(f"{first}: imported 1 records from 1 file(s)")
    assert lines[1].startswith(f"{last}: imported 2 records from 1 file(s)")
    assert err.getvalue() == f"failed: {bad}: record 1 (id {BAD_ID}): in_space: expected true or false, got 'yes'\n"


def test_each_names_the_file_a_write_refused(db, tmp_path):
    """A failure found only while writing (a new row without a required reference) names its file too."""
    bad = write(tmp_path, _bad_page(lambda record: record.pop("status")), "b.json")
    ((where, outcome),) = list(import_each([bad]))
    assert where == str(bad) and isinstance(outcome, ImportFailed)
    assert str(outcome).startswith(f"{bad}: record 1 (id {BAD_ID}): spacecraft {BAD_ID} is new but has no status")


def test_each_with_every_file_good_exits_zero(db, tmp_path, monkeypatch):
    stdin(monkeypatch, gzip.compress(orjson.dumps(GOOD[0])))
    path = write(tmp_path, page(GOOD[1:]))
    out = run_command("--each", "-", path)
    assert out.splitlines()[0].startswith("<stdin>: imported 1 records")
    assert imported(GOOD_IDS) == GOOD_IDS


def test_default_is_one_transaction(db, tmp_path):
    """Without --each the same files write nothing at all."""
    before = counts()
    with pytest.raises(ImportFailed):
        import_paths([write(tmp_path, page(GOOD[:1]), "a.json"),
                      write(tmp_path, _bad_page(_set("in_space", "yes")), "b.json")])
    assert counts() == before and not imported(GOOD_IDS)


# the console script ----------------------------------------------------------------------------------
def test_cli_reads_gzip_from_standard_input(cli):
    run, database = cli
    result = subprocess.run([sys.executable, "-m", "spacedock.cli", "import", "-"],
                            input=gzip.compress(PAGE_1.read_bytes()),
                            env=_env(database), capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(b"imported 10 records from 1 file(s)")


def test_cli_each_exits_one_when_a_file_failed(cli, tmp_path):
    run, database = cli
    bad = write(tmp_path, PNG, "picture.png")
    good = write(tmp_path, page(GOOD))
    before = sqlite_rows(database)
    result = run("import", "--each", bad, good)
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == f"failed: {bad}: not valid JSON: binary data (it starts with the bytes " \
                                            f"89 50 4E 47 0D 0A 1A 0A)"
    assert result.stdout.startswith(f"{good}: imported 3 records")
    after = sqlite_rows(database)
    assert len(after["catalog_spacecraft"]) == len(before["catalog_spacecraft"]) + 3


def _env(database):
    return dict(os.environ, DATABASE_URL=f"sqlite:///{database}", SPACEDOCK_VAR_DIR=str(database.parent))


# the config/ look-ups ------------------------------------------------------------------------------------
def test_look_ups_are_read_when_the_kind_says_so(db, tmp_path):
    """LL2's config/ records have no url: `--kind config/...` (or an export's section) says what they are."""
    country = {"id": 9001, "name": "Atlantis", "alpha_2_code": "AT", "alpha_3_code": "ATL",
               "nationality_name": "Atlantean", "nationality_name_composed": "Atlanto"}
    run_command("--kind", "config/countries", write(tmp_path, page([country])))
    assert m.Country.objects.filter(pk=9001).values().get() == country
    run_command("--kind", "config/spacecraft_statuses", write(tmp_path, [{"id": 9002, "name": "Lost"}]))
    assert m.SpacecraftStatus.objects.get(pk=9002).name == "Lost"
    fails("--kind", "config/image_licenses", write(tmp_path, [{"id": 9003, "name": 5}], "bad.json"),
          fragment="record 0 (id 9003): name: expected text, got 5")
