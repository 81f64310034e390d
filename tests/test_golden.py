"""Golden tests: Spacedock's bytes against LL2's own, from the real pages and captures.

LL2's JSON output (DRF's JSONRenderer) is compact UTF-8 in key order; the pages in `golden/` are
LL2's browsable pages of the same data, so each record, written compactly, is the byte string LL2
sends with `?format=json` (after rewriting `?format=api` to `?format=json` in its `url`s).
"""
import json
import re
from html.parser import HTMLParser

import orjson
import pytest

from spacedock.catalog import models as m
from spacedock.ingest.importer import import_paths

from .helpers import (
    CAPTURE_MOMENT,
    CONFIGS,
    DATA,
    DEV,
    GOLDEN,
    PROD,
    STATIONS,
    _floats,
    docked_spacecraft,
    ll2_bytes,
    with_figures_of,
)

PAGES = {
    "001_6bd17e1b5860eff2.txt": (PROD, DATA / "2-ll-spacecraft-page-offset290-ordering-mission_ends_count.json"),
    "003_2ba0a00fda635e67.txt": (DEV, DATA / "1-lldev-spacecraft-page-offset340-ordering-time_in_space.json"),
}


def read_page(name):
    """(header text, request line, parsed JSON body) of a saved LL2 browsable page."""
    text = (GOLDEN / name).read_text()
    header, _, rest = text.partition("\nGET ")
    request_line = "GET " + rest.splitlines()[0]
    body = rest[rest.index("\n{") + 1:]
    return header.strip(), request_line, json.loads(body)


def only(*files):
    """Empty the catalogue and import exactly `files` (inside the test's rolled-back transaction)."""
    m.Spacecraft.objects.all().delete()
    import_paths(files)


@pytest.mark.parametrize("page", sorted(PAGES))
def test_spacecraft_list_is_byte_identical_to_ll2(api, page):
    """`/spacecraft/?ordering=id&limit=100&format=json` over a page's spacecraft is LL2's bytes exactly."""
    host, data_file = PAGES[page]
    _, _, ll2 = read_page(page)
    only(data_file)
    records = sorted(ll2["results"], key=lambda r: r["id"])
    expected = ll2_bytes({"count": len(records), "next": None, "previous": None, "results": records})
    expected = expected.replace(b"?format=api\"", b"?format=json\"")

    status, _, response = api("/2.3.0/spacecraft/?format=json&limit=100&ordering=id", host=host)

    assert status == 200
    assert response.content == expected


@pytest.mark.parametrize("page", sorted(PAGES))
def test_spacecraft_normal_record_by_id_matches_ll2(api, page):
    """Each spacecraft of the page, fetched alone in normal mode, is LL2's record byte for byte."""
    host, data_file = PAGES[page]
    _, _, ll2 = read_page(page)
    import_paths([data_file])
    for record in ll2["results"]:
        status, _, response = api(f"/2.3.0/spacecraft/{record['id']}/?mode=normal&format=json", host=host)
        expected = ll2_bytes(record).replace(b"?format=api\"", b"?format=json\"")
        assert response.content == expected, record["id"]


class _Text(HTMLParser):
    """The text a reader sees: no styles, scripts or tags."""

    def __init__(self):
        super().__init__()
        self.parts, self.hidden = [], 0

    def handle_starttag(self, tag, attrs):
        self.hidden += tag in ("style", "script")

    def handle_endtag(self, tag):
        self.hidden -= tag in ("style", "script")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def page_text(html: bytes) -> str:
    parser = _Text()
    parser.feed(html.decode())
    return "".join(parser.parts)


def lines(text):
    return [line.strip() for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize("page", sorted(PAGES))
def test_browsable_page_matches_ll2_page(api, page):
    """`?format=api`: LL2's header text (Modes … Help), its response headers, and the body's envelope."""
    host, data_file = PAGES[page]
    header, request_line, ll2 = read_page(page)
    path = request_line.split(" ", 1)[1]
    # Enough rows that the page LL2 showed exists here too: copies of one real spacecraft.
    template = m.Spacecraft.objects.order_by("id").first()
    m.Spacecraft.objects.bulk_create(
        m.Spacecraft(**{**{f.attname: getattr(template, f.attname) for f in m.Spacecraft._meta.concrete_fields},
                        "id": 200000 + i})
        for i in range(ll2["count"] - m.Spacecraft.objects.count())
    )

    status, _, response = api(path, host=host, HTTP_ACCEPT="text/html")
    text = page_text(response.content)

    assert status == 200
    assert response["Content-Type"].startswith("text/html")
    expected_header = lines(header.replace("ll.thespacedevs.com/docs", "ll.thespacedevs.com/docs"))
    ours = lines(text)
    start = ours.index("Modes")
    assert ours[start:start + len(expected_header)] == [
        line.replace("lldev.thespacedevs.com/docs", "ll.thespacedevs.com/docs") for line in expected_header
    ]
    for line in ("HTTP 200 OK", "Allow: GET", "Content-Type: application/json", "Vary: Accept"):
        assert line in text.replace("\xa0", " ")
    body, _ = json.JSONDecoder().raw_decode(text[text.index("{", text.index("Vary: Accept")):])
    assert body["count"] == ll2["count"]
    assert body["next"] == ll2["next"]
    assert body["previous"] == ll2["previous"]


def test_browsable_body_is_indented_like_ll2(api):
    """The page's JSON is indented by 4, as on LL2's production page."""
    _, _, ll2 = read_page("001_6bd17e1b5860eff2.txt")
    record = ll2["results"][0]
    import_paths([PAGES["001_6bd17e1b5860eff2.txt"][1]])
    _, _, response = api(f"/2.3.0/spacecraft/{record['id']}/?format=api&mode=normal")
    text = page_text(response.content)
    assert json.dumps(record, indent=4, ensure_ascii=False) in text


def test_every_configuration_matches_the_detailed_capture(api):
    """`/spacecraft_configurations/{id}/` for each of the 46 configurations is the capture's record."""
    captured = json.loads(CONFIGS.read_text())
    import_paths([CONFIGS])
    assert len(captured) == 46
    for record in captured:
        status, _, response = api(f"/2.3.0/spacecraft_configurations/{record['id']}/?format=json")
        assert status == 200
        assert response.content == ll2_bytes(_floats(record)), record["id"]


def test_configuration_list_detailed_matches_capture_in_id_order(api):
    captured = sorted(json.loads(CONFIGS.read_text()), key=lambda r: r["id"])
    import_paths([CONFIGS])
    _, body, response = api("/2.3.0/spacecraft_configurations/?format=json&mode=detailed&limit=100")
    assert body["count"] == 46
    assert response.content == ll2_bytes({"count": 46, "next": None, "previous": None,
                                          "results": [_floats(r) for r in captured]})


def test_docked_spacecraft_detailed_match_the_station_capture(api, settings):
    """The 8 docked spacecraft at the moment LL2 rendered them: `/spacecraft/{id}/` is LL2's nested
    SpacecraftDetailed with response_mode "detailed" and `flights` appended, byte for byte, the live
    figures within the 2 seconds LL2 took to render the page."""
    settings.SPACEDOCK_NOW = CAPTURE_MOMENT
    import_paths([STATIONS])
    spacecraft = list(docked_spacecraft())
    assert len(spacecraft) == 8
    for record in spacecraft:
        record = dict(record, response_mode="detailed")
        record["spacecraft_config"] = _floats(dict(record["spacecraft_config"]))
        _, body, response = api(f"/2.3.0/spacecraft/{record['id']}/?format=json")
        assert len(body["flights"]) == 1
        content = with_figures_of(response.content, body, record)
        flights = orjson.loads(content)["flights"]
        assert content == ll2_bytes({**record, "flights": flights}), record["id"]


def test_duration_strings_are_ll2s():
    from datetime import timedelta

    from spacedock.api.render.formats import duration

    assert duration(timedelta(0)) == "P0D"
    assert duration(timedelta(minutes=47, seconds=18)) == "PT47M18S"
    assert duration(timedelta(days=7, hours=12, minutes=29, seconds=27)) == "P7DT12H29M27S"
    assert duration(timedelta(days=74, minutes=59, seconds=3)) == "P74DT59M3S"
    assert duration(None) is None


def test_line_separators_are_escaped_like_drf(api):
    """DRF's JSONRenderer escapes U+2028/U+2029 (they break JavaScript); so must we."""
    sc = m.Spacecraft.objects.order_by("id").first()
    m.Spacecraft.objects.filter(pk=sc.pk).update(description="a\u2028b\u2029c")
    _, _, response = api(f"/2.3.0/spacecraft/{sc.pk}/?format=json")
    assert b'"description":"a\\u2028b\\u2029c"' in response.content
    assert orjson.loads(response.content)["description"] == "a\u2028b\u2029c"


def test_page_link_forms_match_ll2():
    """The real pages' next/previous: absolute, sorted keys, limit always present, offset dropped at 0."""
    for page in PAGES:
        _, request_line, ll2 = read_page(page)
        for link in (ll2["next"], ll2["previous"]):
            query = link.split("?", 1)[1]
            keys = [part.split("=")[0] for part in query.split("&")]
            assert keys == sorted(keys)
            assert "limit=10" in query
            assert re.match(r"https://(ll|lldev)\.thespacedevs\.com/2\.3\.0/spacecraft/\?", link)
