"""What a person sees first: the front page at `/` (what this is, what it serves, how fresh, the ways in),
and the browsable page's filter form (each filter named by its parameter, booleans as a choice)."""
import datetime as dt
import html
import json
import re
from html.parser import HTMLParser

import orjson
import pytest
from django.utils import timezone

from spacedock import wsgi
from spacedock.api.endpoints import ENDPOINTS
from spacedock.catalog import models as m
from spacedock.ingest.models import SyncEndpoint, SyncRun

from .helpers import call_wsgi, make_spacecraft

pytestmark = pytest.mark.django_db


def front(path="/", **headers):
    return call_wsgi(wsgi.application, path, host="localhost", secure=False, **headers)


class Page(HTMLParser):
    """The links, table rows and form controls of an HTML page."""

    def __init__(self, text):
        super().__init__()
        self.links, self.rows, self.labels, self.selects = [], [], [], {}
        self.row = self.cell = self.in_label = self.select = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a":
            self.links.append(attrs.get("href"))
        elif tag == "tr":
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = ""
        elif tag == "label":
            self.in_label = ""
        elif tag == "select":
            self.select = attrs.get("name")
            self.selects[self.select] = []
        elif tag == "option" and self.select:
            self.selects[self.select].append(attrs.get("value"))

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.row.append(" ".join(self.cell.split()))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.rows.append(self.row)
            self.row = None
        elif tag == "label" and self.in_label is not None:
            self.labels.append(self.in_label.strip())
            self.in_label = None
        elif tag == "select":
            self.select = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data
        if self.in_label is not None:
            self.in_label += data


def test_front_page_says_what_this_is_and_links_the_ways_in():
    response = front()
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    text = response.content.decode()
    assert "Launch Library 2" in text and "2.3.0" in text
    page = Page(text)
    for link in ("/2.3.0/", "/2.3.0/swagger/", "/2.3.0/schema/", "/admin/"):
        assert link in page.links
    assert "<script" not in text  # plain HTML: nothing to build, nothing fetched
    assert not re.search(r'(src|href)="(https?:)?//(?!thespacedevs\.com)', text)


def test_front_page_lists_every_endpoint_of_the_table_with_its_count():
    rows = {row[0]: row for row in Page(front().content.decode()).rows}
    for endpoint in ENDPOINTS:
        url = f"/2.3.0/{endpoint.path}/"
        assert url in rows, url
        assert rows[url][1] == endpoint.title
        assert rows[url][2] == str(endpoint.model.objects.count())
        assert rows[url][3] == "never"
    assert f"/2.3.0/{ENDPOINTS[0].path}/" in Page(front().content.decode()).links
    assert sum(endpoint.model.objects.count() for endpoint in ENDPOINTS) > 0


def test_front_page_shows_the_last_sync_per_endpoint_and_the_last_change():
    moment = dt.datetime(2026, 7, 24, 1, 13, tzinfo=dt.UTC)
    run = SyncRun.objects.create(base_url="http://127.0.0.1:8001/2.3.0/", endpoints="agencies,spacecraft",
                                 started_at=moment, finished_at=moment)
    SyncEndpoint.objects.create(run=run, position=0, endpoint="spacecraft", done=True, started_at=moment,
                                finished_at=moment)
    SyncEndpoint.objects.create(run=run, position=1, endpoint="agencies", done=False, started_at=moment)
    make_spacecraft(100001)
    version = m.DataVersion.objects.get(pk=1)
    text = front().content.decode()
    rows = {row[0]: row for row in Page(text).rows}
    assert rows["/2.3.0/spacecraft/"][3] == "2026-07-24 01:13 UTC"
    assert rows["/2.3.0/spacecraft/"][2] == str(m.Spacecraft.objects.count())
    assert rows["/2.3.0/agencies/"][3] == "never"  # not finished
    changed = timezone.localtime(version.changed_at, dt.UTC)
    assert f"{changed:%Y-%m-%d %H:%M:%S} UTC" in text and f"data version {version.version}" in text


def test_front_page_takes_two_queries_whatever_the_data():
    first = front()
    for pk in range(100001, 100011):
        make_spacecraft(pk)
    second = front()
    assert first.queries == second.queries == 2


def test_front_page_answers_get_and_head_only():
    assert front(method="HEAD").status_code == 200
    response = front(method="POST")
    assert response.status_code in (403, 405)  # no CSRF token: refused before the view (403), else 405


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e.filterset], ids=lambda e: e.path)
def test_browsable_filter_form_names_each_filter_by_its_parameter(endpoint):
    response = front(f"/2.3.0/{endpoint.path}/?format=api&limit=1")
    assert response.status_code == 200
    text = response.content.decode()
    page = Page(text)
    labels = [label.rstrip(":") for label in page.labels]
    for name in endpoint.filter_names:
        assert name in labels, (name, labels)
    assert "[invalid name]" not in text
    booleans = [name for name, f in endpoint.filterset.base_filters.items() if f.field_class.__name__.endswith(
        "BooleanField")]
    for name in booleans:
        assert page.selects[name] == ["", "true", "false"], name


def test_browsable_filter_form_shows_the_chosen_boolean_and_the_json_is_unchanged(settings):
    settings.SPACEDOCK_NOW = "2026-07-24T01:13:35Z"  # the two pages' live figures at one moment, not two seconds
    response = front("/2.3.0/spacecraft/?format=api&in_space=true&limit=2")
    text = response.content.decode()
    assert re.search(r'<select name="in_space"[^>]*>\s*<option value="">unset</option>\s*'
                     r'<option value="true" selected>true</option>', text)
    json_page = front("/2.3.0/spacecraft/?format=json&in_space=true&limit=2")
    shown = html.unescape(re.sub(r"<[^>]+>", "", text[text.index('class="response-info"'):]))
    parsed, _ = json.JSONDecoder().raw_decode(shown[shown.index("{", shown.index("Vary:")):])
    assert parsed == orjson.loads(json_page.content.replace(b"format=json", b"format=api"))  # links keep it
