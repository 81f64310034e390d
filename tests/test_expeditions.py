"""`/2.3.0/expeditions/`: what the imported data holds (the stations' active expeditions, and any
expedition record imported with its crew), its filters, search, ordering and errors."""
import datetime as dt

import pytest

from spacedock.catalog import models as m
from spacedock.ingest.importer import import_documents

CREW = [
    {"id": 1, "role": {"id": 1, "role": "Commander", "priority": 0},
     "astronaut": {"id": 647, "name": "Sergey Kud-Sverchkov",
                   "agency": {"id": 63, "name": "Roscosmos", "abbrev": "RFSA"},
                   "nationality": [{"id": 5, "nationality_name": "Russian"}]}},
    {"id": 2, "role": {"id": 3, "role": "Flight Engineer", "priority": 2},
     "astronaut": {"id": 573, "name": "Jessica Meir", "agency": {"id": 44, "name": "NASA agency", "abbrev": "NASA"},
                   "nationality": [{"id": 1, "nationality_name": "American"}]}},
]


def ids(api, query=""):
    status, body, _ = api(f"/2.3.0/expeditions/?limit=100&{query}")
    assert status == 200, body
    return [row["id"] for row in body["results"]]


@pytest.fixture
def with_crew(db):
    """Expedition 74 as its own 2.3.0 record brings it: with its crew."""
    import_documents([("expedition", {"id": 165, "url": "https://ll.thespacedevs.com/2.3.0/expeditions/165/",
                                      "name": "Expedition 74", "start": "2025-12-09T01:41:00Z",
                                      "end": "2026-07-26T07:02:00Z", "crew": CREW, "mission_patches": [],
                                      "spacewalks": []})])


def test_the_stations_active_expeditions_are_served(api):
    assert ids(api) == [165, 167]
    _, body, _ = api("/2.3.0/expeditions/167/")
    assert body["name"] == "Shenzhou 23" and body["spacestation"]["id"] == 18 and body["crew"] == []
    assert body["spacestation"]["owners"][0]["id"] == 88


def test_an_imported_crew_is_served_filtered_and_searched(api, with_crew):
    _, body, _ = api("/2.3.0/expeditions/165/")
    assert body["crew"] == CREW
    assert ids(api, "crew__astronaut=573") == [165]
    assert ids(api, "crew__astronaut=57") == []  # whole ids only
    assert ids(api, "crew__astronaut__agency=63") == [165]
    assert ids(api, "search=meir") == [165]
    assert ids(api, "search=russian") == [165]
    assert ids(api, "search=rfsa") == [165]
    assert ids(api, "search=shenzhou") == [167]
    assert m.Expedition.objects.get(pk=165).crew_count == 2


def test_filters(api):
    assert ids(api, "space_station=18") == [167]
    assert ids(api, "name=Expedition%2074") == [165]
    assert ids(api, "start__gte=2026-01-01T00:00:00Z") == [167]
    assert ids(api, "start__lt=2026-01-01T00:00:00Z") == [165]
    assert ids(api, "end__gt=2026-01-01T00:00:00Z") == [165]  # a null end matches no comparison
    assert ids(api, "end__lte=2026-01-01T00:00:00Z") == []


@pytest.mark.parametrize("query, expected", [
    ("ordering=start", [165, 167]), ("ordering=-start", [167, 165]),
    ("ordering=end", [167, 165]),  # nulls first ascending
    ("ordering=-end", [165, 167]),  # last descending
    ("ordering=-id", [167, 165]),
])
def test_ordering(api, query, expected):
    assert ids(api, query) == expected


def test_ties_broken_by_id(api):
    start = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    for pk in (100003, 100001, 100002):
        m.Expedition.objects.create(id=pk, name=f"E{pk}", start=start)
    assert ids(api, "ordering=start")[:3] == [100001, 100002, 100003]
    assert ids(api, "ordering=-start")[-3:] == [100001, 100002, 100003]


@pytest.mark.parametrize("query, body", [
    ("space_station=ISS", {"space_station": ["Enter a whole number."]}),
    ("crew__astronaut=x", {"crew__astronaut": ["Enter a whole number."]}),
    ("start__gt=soon", {"start__gt": ["Enter a valid date/time."]}),
    ("mode=list", {"mode": ["'list' is not a mode of this endpoint; choose from normal, detailed."]}),
])
def test_bad_values_are_400_naming_the_parameter(api, query, body):
    assert api(f"/2.3.0/expeditions/?{query}")[:2] == (400, body)
