"""Every link resolves: every response of the bundled data (every endpoint, every mode, every `{id}/`) is
walked, and every URL on Spacedock's own host is followed: each answers 200 and matches LL2's schema for
what it names. URLs of what Spacedock does not hold keep LL2's host, as imported (docs/endpoints.md)."""
import re
from urllib.parse import urlsplit

import pytest

from spacedock.api.endpoints import ENDPOINTS

from .helpers import CAPTURE_MOMENT, DETAILS, validate

HOST = "localhost"  # not one of LL2's hosts, so our links and LL2's are told apart
OURS = f"https://{HOST}/2.3.0/"
OBJECT = re.compile(r"^/2\.3\.0/(?P<path>[a-z_/]+?)/(?P<pk>\d+)/$")
# What LL2 resources outside Spacedock look like in the imported documents: their path under /2.3.0/.
FOREIGN = {"launches", "pads", "locations", "programs", "astronauts", "agencies", "payloads", "payload_flights",
           "landings", "mission_patches", "spacewalks", "events", "launcher_configurations", "celestial_bodies"}


def urls_in(node):
    if isinstance(node, dict):
        for value in node.values():
            yield from urls_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from urls_in(value)
    elif isinstance(node, str) and node.startswith(("http://", "https://")):
        yield node


def walk_everything(api):
    """Every body of every list page (every mode) and every object, as (url, body)."""
    bodies = []
    for endpoint in ENDPOINTS:
        for mode in endpoint.modes:
            url = f"/2.3.0/{endpoint.path}/?limit=100&mode={mode}"
            while url:
                status, body, _ = api(url, host=HOST)
                assert status == 200, url
                bodies.append((url, body))
                url = body["next"] and body["next"].removeprefix(f"https://{HOST}")
        _, listing, _ = api(f"/2.3.0/{endpoint.path}/?limit=100", host=HOST)
        for row in listing["results"]:
            url = f"/2.3.0/{endpoint.path}/{row['id']}/"
            status, body, _ = api(url, host=HOST)
            assert status == 200, url
            bodies.append((url, body))
    return bodies


@pytest.mark.parametrize("moment", [CAPTURE_MOMENT, None], ids=["at-the-capture", "now"])
def test_every_link_on_our_host_resolves_and_matches_the_schema(api, settings, moment):
    if moment:
        settings.SPACEDOCK_NOW = moment  # stations have docked vehicles and an active expedition then
    bodies = walk_everything(api)
    ours = sorted({url for _, body in bodies for url in urls_in(body) if url.startswith(f"https://{HOST}/")})
    assert ours, "the walk should find links"
    named = set()
    for url in ours:
        parts = urlsplit(url)
        assert url.startswith(OURS), url
        status, body, _ = api(parts.path + (f"?{parts.query}" if parts.query else ""), host=HOST)
        assert status == 200, url
        found = OBJECT.match(parts.path)
        if found:
            named.add(found["path"])
            validate(body, DETAILS[found["path"]])
    # stations, docking events and expeditions are linked to from other resources, and resolve
    assert {"spacecraft", "spacecraft_flights", "space_stations", "docking_events"} <= named
    if moment:
        assert "expeditions" in named


def test_links_to_what_spacedock_does_not_hold_keep_llas_host(api, settings):
    """A launch, a pad, an agency's page on LL2...: imported documents keep LL2's own URL."""
    settings.SPACEDOCK_NOW = CAPTURE_MOMENT
    foreign = {url for _, body in walk_everything(api) for url in urls_in(body)
               if not url.startswith(f"https://{HOST}/")}
    api_links = {url for url in foreign if "/2.3.0/" in url or "/2.2.0/" in url}
    for url in api_links:
        host, path = urlsplit(url).netloc, urlsplit(url).path
        assert host in ("ll.thespacedevs.com", "lldev.thespacedevs.com"), url
        resource = path.split("/")[2]
        assert resource in FOREIGN, url
    assert any("/launches/" in url for url in api_links)
