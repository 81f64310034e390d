"""`/2.3.0/`: the API root lists every endpoint Spacedock serves, as DRF's router does, from the URL table."""
import orjson
from django.urls import reverse

from spacedock.api.endpoints import ENDPOINTS

from .helpers import PROD


def test_root_names_every_endpoint_with_its_list_url(api):
    status, body, response = api("/2.3.0/")
    assert status == 200 and response["Content-Type"] == "application/json"
    expected = {ep.path: f"https://{PROD}/2.3.0/{ep.path}/" for ep in ENDPOINTS}
    assert {key: body[key] for key in expected} == expected
    assert list(body) == [key for key in body if key in expected or key == "api-throttle"]
    assert response.content == orjson.dumps(body)  # compact, in the URL table's order


def test_root_lists_only_routes_that_answer(api):
    """Every URL the root names answers 200 (api-throttle included, when served)."""
    _, body, _ = api("/2.3.0/")
    assert "api-throttle" not in body or body["api-throttle"] == f"https://{PROD}{reverse('api:api-throttle')}"
    for name, url in body.items():
        status, _, _ = api(url.removeprefix(f"https://{PROD}"))
        assert status == 200, name


def test_root_names_the_request_host_or_the_base_url(api, settings):
    _, body, _ = api("/2.3.0/", host="lldev.thespacedevs.com")
    assert body["spacecraft"] == "https://lldev.thespacedevs.com/2.3.0/spacecraft/"
    settings.SPACEDOCK_BASE_URL = "https://spacedock.example"
    _, body, _ = api("/2.3.0/")
    assert body["space_stations"] == "https://spacedock.example/2.3.0/space_stations/"


def test_root_browsable_page(api):
    status, _, response = api("/2.3.0/?format=api", HTTP_ACCEPT="text/html")
    assert status == 200 and response["Content-Type"].startswith("text/html")
    text = response.content.decode()
    assert "Api Root" in text and "/2.3.0/docking_events/" in text


def test_root_answers_only_get(client, db):
    response = client.post("/2.3.0/", secure=True, HTTP_HOST=PROD)
    assert response.status_code == 405 and response["Allow"] == "GET"
