"""`spacedock generate`: synthetic spacecraft for benchmarks, on top of the bundled real data.

The clock is pinned (the generated dates are laid out around its day), so two runs compare row for row.
"""
from __future__ import annotations

import datetime as dt
import io
import os
import re
import subprocess
import sys
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from spacedock.catalog import figures
from spacedock.catalog import models as m
from spacedock.catalog.generate import FIRST_ID, LAUNCH_PREFIX

from .helpers import seconds

NOW = "2026-07-24T01:13:35Z"
MOMENT = dt.datetime(2026, 7, 24, 1, 13, 35, tzinfo=dt.UTC)
N = 300
SUMMARY = re.compile(r"generated (\d+) spacecraft, (\d+) spacecraft flights, (\d+) launches and (\d+) docking events "
                     r"\(seed (-?\d+); (\d+) previously generated spacecraft replaced\) in [\d.]+ s\n")
MODELS = (m.Spacecraft, m.SpacecraftFlight, m.Launch, m.DockingEvent)


@pytest.fixture
def pinned(db, settings):
    settings.SPACEDOCK_NOW = NOW
    return settings


def generate(*args) -> str:
    out = io.StringIO()
    call_command("generate", *args, stdout=out)
    return out.getvalue()


def generated():
    """Every generated row, every column, in id order."""
    return {
        "spacecraft": list(m.Spacecraft.objects.filter(id__gte=FIRST_ID).order_by("id").values_list()),
        "flights": list(m.SpacecraftFlight.objects.filter(id__gte=FIRST_ID).order_by("id").values_list()),
        "launches": list(m.Launch.objects.filter(id__startswith=LAUNCH_PREFIX).order_by("id").values_list()),
        "dockings": list(m.DockingEvent.objects.filter(id__gte=FIRST_ID).order_by("id").values_list()),
    }


def real():
    """Every row that is not generated, every column."""
    return {
        "spacecraft": list(m.Spacecraft.objects.filter(id__lt=FIRST_ID).order_by("id").values_list()),
        "flights": list(m.SpacecraftFlight.objects.filter(id__lt=FIRST_ID).order_by("id").values_list()),
        "launches": list(m.Launch.objects.exclude(id__startswith=LAUNCH_PREFIX).order_by("id").values_list()),
        "dockings": list(m.DockingEvent.objects.filter(id__lt=FIRST_ID).order_by("id").values_list()),
        "configurations": m.SpacecraftConfiguration.objects.count(),
    }


def test_adds_n_spacecraft_with_their_history_and_ids_apart_from_ll2s(pinned):
    before = real()
    out = generate("--spacecraft", str(N))
    match = SUMMARY.fullmatch(out)
    assert match, out
    spacecraft, flights, launches, dockings, seed, replaced = map(int, match.groups())
    assert (spacecraft, seed, replaced) == (N, 1, 0)
    assert real() == before  # the real rows are untouched

    rows = generated()
    assert [row[0] for row in rows["spacecraft"]] == list(range(FIRST_ID, FIRST_ID + N))
    assert [row[0] for row in rows["flights"]] == list(range(FIRST_ID, FIRST_ID + flights))
    assert [row[0] for row in rows["dockings"]] == list(range(FIRST_ID, FIRST_ID + dockings))
    assert len(rows["launches"]) == launches == flights
    assert all(str(uuid.UUID(row[0])) == row[0] for row in rows["launches"])
    ours = m.SpacecraftFlight.objects.filter(id__gte=FIRST_ID)
    assert set(ours.values_list("spacecraft_id", flat=True)) <= set(range(FIRST_ID, FIRST_ID + N))
    assert set(ours.values_list("launch_id", flat=True)) == {row[0] for row in rows["launches"]}
    assert set(m.DockingEvent.objects.filter(id__gte=FIRST_ID).values_list("flight_vehicle_chaser_id", flat=True)) \
        <= set(ours.values_list("id", flat=True))


def test_the_data_looks_like_ll2s(pinned):
    generate("--spacecraft", str(N))
    ours = m.Spacecraft.objects.filter(id__gte=FIRST_ID)
    configurations = dict(m.SpacecraftConfiguration.objects.values_list("id", "name"))
    real_statuses = set(m.Spacecraft.objects.filter(id__lt=FIRST_ID).values_list("status_id", flat=True))
    real_images = set(m.Spacecraft.objects.filter(id__lt=FIRST_ID).values_list("image_id", flat=True)) \
        | set(m.SpacecraftConfiguration.objects.values_list("image_id", flat=True))
    for name, config, status, image, description in ours.values_list(
            "name", "spacecraft_config_id", "status_id", "image_id", "description"):
        assert re.search(r"\d{4}", name), name  # a real name's pattern with a serial
        assert config in configurations and status in real_statuses and image in real_images
        assert 20 <= len(description) <= 2000
    # The real spread: Progress variants are the most common configurations in the bundled data.
    top = ours.values_list("spacecraft_config__name", flat=True)
    assert sum(1 for name in top if name.startswith("Progress")) > N / 5

    counts = [n for n in ours.values_list("flights_count", flat=True)]
    assert counts.count(1) > N / 2 and 0 in counts and max(counts) > 2
    flights = m.SpacecraftFlight.objects.filter(id__gte=FIRST_ID)
    nets = sorted(flights.values_list("launch__net", flat=True))
    assert nets[0].year >= 1961 and nets[-1] > MOMENT  # a flight still to come
    assert flights.filter(mission_end__isnull=True, launch__net__lte=MOMENT).count() >= 1  # still in space
    assert ours.filter(live=True).count() >= 2
    docked = m.DockingEvent.objects.filter(id__gte=FIRST_ID).count()
    assert 0.3 < docked / flights.count() < 0.7
    for docking, departure, net, end in m.DockingEvent.objects.filter(id__gte=FIRST_ID).values_list(
            "docking", "departure", "flight_vehicle_chaser__launch__net", "flight_vehicle_chaser__mission_end"):
        assert net < docking <= net + dt.timedelta(days=3)
        assert (departure is None) == (end is None)
        assert departure is None or docking < departure < end
    durations = [(end - net).total_seconds() for net, end in
                 flights.filter(mission_end__isnull=False).values_list("launch__net", "mission_end")]
    assert min(durations) >= 600 and max(durations) <= 400 * 86400 and max(durations) > 30 * 86400

    for launch in m.Launch.objects.filter(id__startswith=LAUNCH_PREFIX)[:50]:
        doc = launch.document
        assert doc["id"] == launch.id
        assert doc["url"] == f"https://ll.thespacedevs.com/2.3.0/launches/{launch.id}/"
        assert " | " in doc["name"]
        assert doc["net"] == launch.net.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert len(str(doc)) < 2000


def test_same_seed_same_rows_other_seed_other_rows(pinned):
    generate("--spacecraft", str(N), "--seed", "7")
    first = generated()
    generate("--spacecraft", str(N), "--seed", "7")
    assert generated() == first
    generate("--spacecraft", str(N), "--seed", "8")
    other = generated()
    assert other["spacecraft"] != first["spacecraft"]
    assert not {row[0] for row in other["launches"]} & {row[0] for row in first["launches"]}
    generate("--spacecraft", str(N), "--seed", "-7")
    assert generated()["spacecraft"] != first["spacecraft"]


def test_running_again_replaces_rather_than_adds(pinned):
    total = {model: model.objects.count() for model in MODELS}
    generate("--spacecraft", str(N))
    out = generate("--spacecraft", "120", "--seed", "3")
    assert "120 spacecraft" in out and f"{N} previously generated spacecraft replaced" in out
    rows = generated()
    assert len(rows["spacecraft"]) == 120
    assert [row[0] for row in rows["spacecraft"]] == list(range(FIRST_ID, FIRST_ID + 120))
    flights = len(rows["flights"])
    assert len(rows["launches"]) == flights
    assert m.Spacecraft.objects.count() == total[m.Spacecraft] + 120
    assert m.SpacecraftFlight.objects.count() == total[m.SpacecraftFlight] + flights
    assert m.Launch.objects.count() == total[m.Launch] + flights
    assert m.DockingEvent.objects.count() == total[m.DockingEvent] + len(rows["dockings"])


def test_stored_figures_are_what_refresh_computes(pinned):
    generate("--spacecraft", str(N))
    rows = generated()
    figures.refresh(range(FIRST_ID, FIRST_ID + N))
    assert generated() == rows


def test_the_api_serves_them_with_figures_from_their_flights(api, pinned):
    generate("--spacecraft", str(N))
    flights = {}
    for sc, net, end in m.SpacecraftFlight.objects.filter(id__gte=FIRST_ID).values_list(
            "spacecraft_id", "launch__net", "mission_end"):
        flights.setdefault(sc, []).append((net, end))
    seen = 0
    for offset in range(0, 400, 100):
        status, body, _ = api(f"/2.3.0/spacecraft/?limit=100&offset={offset}")
        assert status == 200
        for sc in body["results"]:
            if sc["id"] < FIRST_ID:
                continue
            seen += 1
            own = flights.get(sc["id"], [])
            assert sc["flights_count"] == len(own)
            assert sc["mission_ends_count"] == sum(1 for _, end in own if end is not None and end <= MOMENT)
            assert sc["in_space"] == any(net <= MOMENT and (end is None or end > MOMENT) for net, end in own)
            expected = sum(((end or MOMENT) - net).total_seconds() for net, end in own if net <= MOMENT)
            assert seconds(sc["time_in_space"]) == expected
            assert sc["time_docked"] is not None and sc["status"]["name"]
            assert sc["spacecraft_config"]["id"]
    assert seen == N

    status, body, _ = api("/2.3.0/spacecraft/?in_space=true&limit=100")
    in_space = {sc["id"] for sc in body["results"] if sc["id"] >= FIRST_ID}
    expected = {sc for sc, own in flights.items() if any(net <= MOMENT and end is None for net, end in own)}
    assert in_space == expected and expected

    status, body, _ = api("/2.3.0/spacecraft/?ordering=-flights_count&limit=1")
    top = body["results"][0]
    status, detail, _ = api(f"/2.3.0/spacecraft/{top['id']}/")
    assert status == 200 and len(detail["flights"]) == top["flights_count"] > 1
    turnarounds = [f["turn_around_time"] for f in detail["flights"]]
    assert turnarounds[0] is None and all(turnarounds[1:])
    assert seconds(detail["fastest_turnaround"]) == min(seconds(t) for t in turnarounds[1:])
    for flight in detail["flights"]:
        assert flight["launch"]["url"].endswith(f"/launches/{flight['launch']['id']}/")


@pytest.mark.parametrize("args, message", [
    ([], "--spacecraft N is required"),
    (["--spacecraft", "0"], "--spacecraft must be a whole number from 1 to 5,000,000, got '0'"),
    (["--spacecraft", "-3"], "--spacecraft must be a whole number"),
    (["--spacecraft", "abc"], "--spacecraft must be a whole number"),
    (["--spacecraft", "1.5"], "--spacecraft must be a whole number"),
    (["--spacecraft", ""], "--spacecraft must be a whole number"),
    (["--spacecraft", "5000001"], "--spacecraft must be a whole number from 1 to 5,000,000"),
    (["--spacecraft", "10", "--seed", "x"], "--seed must be a whole number, got 'x'"),
    (["--spacecraft", "10", "--seed", "1.5"], "--seed must be a whole number"),
    (["--spacecraft", "10", "--seed", "9" * 5000], "--seed must be a whole number, got '99999"),
    (["--spacecraft", "１２"], "--spacecraft must be a whole number"),
])
def test_bad_input_changes_nothing(pinned, args, message):
    generate("--spacecraft", "40")
    before, before_real = generated(), real()
    with pytest.raises(CommandError, match=re.escape(message)):
        generate(*args)
    assert generated() == before and real() == before_real


def test_without_reference_data_it_says_to_import_first(pinned):
    m.Spacecraft.objects.all().delete()
    m.SpacecraftConfiguration.objects.all().delete()
    before = real()
    with pytest.raises(CommandError, match=r"^no spacecraft configurations in the database: import the LL2 data "
                                           r"first \(spacedock serve loads the bundled data into an empty database\)$"):
        generate("--spacecraft", "10")
    assert real() == before and generated() == {"spacecraft": [], "flights": [], "launches": [], "dockings": []}


def test_command_line_error_is_one_line(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}"}
    cli = [sys.executable, "-m", "spacedock.cli"]
    subprocess.run([*cli, "migrate", "-v0"], env=env, check=True, capture_output=True)
    done = subprocess.run([*cli, "generate", "--spacecraft", "5"], env=env, capture_output=True, text=True)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "CommandError: no spacecraft configurations in the database: import the LL2 data first "
        "(spacedock serve loads the bundled data into an empty database)"]


def test_postgresql_planner_statistics_count_the_generated_rows(pinned):
    """`generate` is one big write: it analyzes the tables (as a big refresh does), so the planner plans for
    the rows it wrote rather than the empty tables a migration saw (a search page took 50 ms, not 10)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    generate("--spacecraft", str(N))
    tables = {model._meta.db_table: model for model in MODELS}
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, reltuples FROM pg_class WHERE relname = ANY(%s)", [list(tables)])
        estimates = dict(cursor.fetchall())
    assert estimates == {table: model.objects.count() for table, model in tables.items()}
