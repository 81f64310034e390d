"""The admin at `/admin/`, for curating: behind login, never cached; every catalogue page lists, searches and
filters; saving a spacecraft or a flight recomputes its figures and the next API request shows it; every edit
is logged with who and when; `spacedock createsuperuser` works without a prompt."""
import os
import sqlite3
import subprocess
import sys
from html.parser import HTMLParser

import isodate
import orjson
import pytest
from django.contrib import admin
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.test import Client

from spacedock import wsgi
from spacedock.catalog import models as m

from .helpers import CAPTURE_MOMENT, PROD, at, call_wsgi, iso

pytestmark = pytest.mark.django_db
CURATED = [m.Spacecraft, m.SpacecraftConfiguration, m.SpacecraftConfigFamily, m.Agency, m.SpacecraftFlight,
           m.DockingEvent, m.SpaceStation, m.Expedition, m.Image]


@pytest.fixture
def curator(db):
    user = get_user_model().objects.create_superuser("curator", "curator@example.org", "a long password 1")
    client = Client()
    client.force_login(user)
    return client


def page(model, suffix=""):
    return f"/admin/{model._meta.app_label}/{model._meta.model_name}/{suffix}"


class Form(HTMLParser):
    """The fields of a page's main form, as a browser would post them."""

    def __init__(self, text):
        super().__init__()
        self.data, self.select, self.textarea = {}, None, None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button"):
            if attrs.get("type") == "checkbox":
                if "checked" in attrs:
                    self.data[name] = attrs.get("value") or "on"
            else:
                self.data[name] = attrs.get("value") or ""
        elif tag == "select" and name:
            self.select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self.select and "selected" in attrs:
            self.data[self.select] = attrs.get("value") or ""
        elif tag == "textarea" and name:
            self.textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.textarea:
            self.data[self.textarea] += data.removeprefix("\n") if not self.data[self.textarea] else data


def edit(client, obj, **changes):
    """Open `obj`'s change page, change some fields, save: as a curator does in a browser."""
    url = page(type(obj), f"{obj.pk}/change/")
    data = Form(client.get(url).content.decode()).data
    data.update({name: "" if value is None else str(value) for name, value in changes.items()})
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    return response


def api(path, **extra):
    response = call_wsgi(wsgi.application, path, host=PROD, **extra)
    assert response.status_code == 200
    return orjson.loads(response.content)


def test_admin_is_behind_login_and_never_cached(settings):
    settings.SPACEDOCK_MAX_AGE = 60
    for path in ("/admin/", page(m.Spacecraft)):
        response = call_wsgi(wsgi.application, path, host="localhost", secure=False)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/?next=")
    login = call_wsgi(wsgi.application, "/admin/login/", host="localhost", secure=False)
    assert login.status_code == 200
    assert "no-cache" in login["Cache-Control"] and "private" in login["Cache-Control"]
    assert "csrftoken=" in login["Set-Cookie"]


def test_api_answers_set_no_cookie_and_read_no_session():
    response = call_wsgi(wsgi.application, "/2.3.0/spacecraft/?limit=1", host=PROD)
    assert "Set-Cookie" not in response and "Cookie" not in response.get("Vary", "")
    browsable = call_wsgi(wsgi.application, "/2.3.0/spacecraft/?limit=1&format=api", host=PROD)
    assert "sessionid" not in browsable.get("Set-Cookie", "")  # (DRF's page has its CSRF token, as LL2's)


def test_login_with_a_password(db):
    get_user_model().objects.create_superuser("curator", "curator@example.org", "a long password 1")
    client = Client(enforce_csrf_checks=True)
    form = Form(client.get("/admin/login/").content.decode()).data
    response = client.post("/admin/login/?next=/admin/", {**form, "username": "curator",
                                                          "password": "a long password 1"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_every_curated_kind_is_registered():
    assert set(CURATED) <= set(admin.site._registry)


@pytest.mark.parametrize("model", CURATED, ids=lambda model: model.__name__)
def test_every_curated_kind_lists_searches_and_filters(curator, model):
    model_admin = admin.site._registry[model]
    assert model_admin.search_fields and model_admin.list_filter
    assert curator.get(page(model)).status_code == 200
    assert curator.get(page(model), {"q": "dragon"}).status_code == 200
    first = model.objects.order_by("pk").first()
    if first is not None:
        response = curator.get(page(model, f"{first.pk}/change/"))
        assert response.status_code == 200


def test_filters_and_search_narrow_the_spacecraft_list(curator):
    text = curator.get(page(m.Spacecraft), {"q": "Dragon"}).content.decode()
    dragons = m.Spacecraft.objects.filter(name__icontains="dragon")
    assert dragons and all(f"{page(m.Spacecraft)}{sc.pk}/change/" in text for sc in dragons)
    others = m.Spacecraft.objects.exclude(name__icontains="dragon").exclude(spacecraft_config__name__icontains="dragon")
    assert not any(f"{page(m.Spacecraft)}{sc.pk}/change/" in text for sc in others)
    placeholder = curator.get(page(m.Spacecraft), {"is_placeholder__exact": "1"}).content.decode()
    assert all(f"{page(m.Spacecraft)}{sc.pk}/change/" not in placeholder
               for sc in m.Spacecraft.objects.filter(is_placeholder=False))


def test_lists_show_image_thumbnails(curator):
    spacecraft = m.Spacecraft.objects.filter(image__isnull=False).select_related("image").first()
    text = curator.get(page(m.Spacecraft)).content.decode()
    assert f'<img src="{spacecraft.image.thumbnail_url}"' in text
    image = m.Image.objects.order_by("-pk").first()  # the admin lists the newest first
    assert f'<img src="{image.thumbnail_url}"' in curator.get(page(m.Image)).content.decode()


def test_spacecraft_page_shows_the_derived_figures_read_only(curator, settings):
    settings.SPACEDOCK_NOW, settings.SPACEDOCK_MAX_AGE = CAPTURE_MOMENT, 60
    spacecraft = m.Spacecraft.objects.filter(flights__isnull=False, live=True).first()
    text = curator.get(page(m.Spacecraft, f"{spacecraft.pk}/change/")).content.decode()
    for label in ("time in space", "time docked", "mission ends", "Flights count", "Fastest turnaround"):
        assert label in text, label
    shown = api(f"/2.3.0/spacecraft/{spacecraft.pk}/")  # the same moment: the max-age window's start
    seconds = int(isodate.parse_duration(shown["time_in_space"]).total_seconds())
    days, rest = divmod(seconds, 86400)
    assert f"{days} d {rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}" in text
    form = Form(text).data
    for figure in ("flights_count", "fastest_turnaround", "settled_time_in_space", "live"):
        assert figure not in form  # shown, not editable


def test_saving_a_spacecraft_shows_in_the_next_api_request_and_is_logged(curator, settings):
    settings.SPACEDOCK_MAX_AGE = 60  # through the response cache: the data version moves with the write
    spacecraft = m.Spacecraft.objects.order_by("pk").first()
    path = f"/2.3.0/spacecraft/{spacecraft.pk}/"
    assert api(path)["name"] == spacecraft.name
    edit(curator, spacecraft, name="Renamed by a curator", description="Curated.")
    shown = api(path)
    assert (shown["name"], shown["description"]) == ("Renamed by a curator", "Curated.")
    assert api("/2.3.0/spacecraft/?search=Renamed")["count"] == 1
    entry = LogEntry.objects.get(object_id=str(spacecraft.pk), content_type__model="spacecraft")
    assert entry.user.username == "curator" and entry.action_flag == CHANGE
    assert "Name" in entry.get_change_message() and entry.action_time is not None
    history = curator.get(page(m.Spacecraft, f"{spacecraft.pk}/history/")).content.decode()
    assert "curator" in history and "Changed Name" in history
    edits = curator.get("/admin/admin/logentry/").content.decode()
    assert "Renamed by a curator" in edits and "curator" in edits


def test_saving_a_flight_recomputes_its_spacecrafts_figures(curator, history):
    # 100002: one flight of 17 days, ended (figures settled, stored); the clock is at day 25.
    path = "/2.3.0/spacecraft/100002/?format=json"
    assert api(path)["time_in_space"] == "P17D"
    flight = m.SpacecraftFlight.objects.get(pk=100021)
    end = iso(at(-5))
    edit(curator, flight, mission_end_0=end[:10], mission_end_1=end[11:19])
    stored = m.Spacecraft.objects.get(pk=100002)
    assert not stored.live and stored.settled_time_in_space == 25 * 86400
    assert api(path)["time_in_space"] == "P25D"
    edit(curator, flight, mission_end_0="", mission_end_1="")  # back in space, for ever
    assert m.Spacecraft.objects.get(pk=100002).live
    shown = api(path)
    assert shown["in_space"] is True and shown["time_in_space"] == "P55D"


def test_deleting_a_flight_recomputes_its_spacecrafts_figures(curator, history):
    flight = m.SpacecraftFlight.objects.get(pk=100012)
    response = curator.post(page(m.SpacecraftFlight, f"{flight.pk}/delete/"), {"post": "yes"})
    assert response.status_code == 302
    stored = m.Spacecraft.objects.get(pk=100001)
    assert not stored.live and stored.flights_count == 1 and stored.settled_time_in_space == 10 * 86400


def test_createsuperuser_from_the_command_line(tmp_path):
    database = tmp_path / "admin.sqlite3"
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{database}", SPACEDOCK_VAR_DIR=str(tmp_path),
               DJANGO_SUPERUSER_USERNAME="curator", DJANGO_SUPERUSER_EMAIL="curator@example.org",
               DJANGO_SUPERUSER_PASSWORD="a long password 1")
    done = subprocess.run([sys.executable, "-m", "spacedock.cli", "createsuperuser", "--noinput"], env=env,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    assert "Superuser created successfully." in done.stdout
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT username, is_superuser, is_staff FROM auth_user").fetchall() == [("curator", 1, 1)]
    again = subprocess.run([sys.executable, "-m", "spacedock.cli", "createsuperuser", "--noinput"], env=env,
                           capture_output=True, text=True, timeout=180)
    assert again.returncode != 0 and "already taken" in again.stderr and "Traceback" not in again.stderr
