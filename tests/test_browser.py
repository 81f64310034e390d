"""What a person sees, in a real browser: Debian's Chromium, driven by Playwright, against a real `spacedock
serve` on a SQLite file of its own. The front page, on to the API (root and spacecraft list), the filter form
(a filter applied changes the page), the docs (an operation expanded, tried and answered 200), the admin (log
in, edit a spacecraft, the API shows it). Screenshots go to a folder the run prints; no console errors, and
nothing fetched from anywhere but this server (the data's own image URLs are answered by the test).

Skipped plainly when Chromium or Playwright is missing (scripts/test.sh installs Chromium when it can), failed
instead with SPACEDOCK_REQUIRE_SERVICES=1. It runs in the SQLite pass only: it has its own database."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import CAPTURE_MOMENT, missing, spare_port, stop, wait_for

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
USER, PASSWORD = "curator", "a long password 1"
# A 1x1 PNG: what the data's remote thumbnails are answered with (the test machine has no internet).
PIXEL = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
                      "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")
TIMEOUT_MS = 30_000

pytestmark = pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgres"),
                                reason="the browser test runs once, in the SQLite pass (its server has its own "
                                       "SQLite file)")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`spacedock serve` on a spare port with a fresh SQLite file (the bundled data), and a superuser."""
    home = tmp_path_factory.mktemp("browser-server")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{home / 'spacedock.sqlite3'}", "SPACEDOCK_VAR_DIR": str(home),
           "DJANGO_SUPERUSER_USERNAME": USER, "DJANGO_SUPERUSER_EMAIL": "curator@example.org",
           "DJANGO_SUPERUSER_PASSWORD": PASSWORD, "SPACEDOCK_NOW": CAPTURE_MOMENT}  # figures as LL2 showed them
    made = subprocess.run([sys.executable, "-m", "spacedock.cli", "createsuperuser", "--noinput"], env=env,
                          capture_output=True, text=True, timeout=300)
    assert made.returncode == 0, made.stderr
    port = spare_port()
    log = home / "serve.log"
    with open(log, "wb") as output:
        process = subprocess.Popen([sys.executable, "-m", "spacedock.cli", "serve", "--port", str(port),
                                    "--workers", "1"], env=env, stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        wait_for(port, process, log, "spacedock serve", seconds=120)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    folder = Path(os.environ.get("SPACEDOCK_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        missing("Chromium is not installed (apt-get install chromium; scripts/test.sh does it when it can)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("Playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM if os.path.exists(CHROMIUM)
                                             else shutil.which("chromium"), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


class Visit:
    """A browser tab on the server: records console errors, page errors and every request elsewhere."""

    def __init__(self, browser, server, shots):
        self.server, self.shots = server, shots
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.set_default_timeout(TIMEOUT_MS)
        self.errors, self.elsewhere = [], []
        self.context.route("**/*", self.route)
        self.page = self.context.new_page()
        self.page.on("console", lambda message: message.type == "error" and self.errors.append(
            f"{self.page.url}: {message.text}"))
        self.page.on("pageerror", lambda error: self.errors.append(f"{self.page.url}: {error}"))

    def route(self, route):
        request = route.request
        if request.url.startswith(self.server + "/"):
            return route.continue_()
        self.elsewhere.append((request.resource_type, request.url))
        if request.resource_type == "image":  # an LL2 thumbnail the data names: not ours to fetch in a test
            return route.fulfill(status=200, content_type="image/png", body=PIXEL)
        return route.abort()

    def go(self, path):
        response = self.page.goto(self.server + path)
        return response

    def shot(self, name):
        self.page.screenshot(path=str(self.shots / f"{name}.png"))  # the window, as a person sees it

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser, server, shots, capsys):
    with capsys.disabled():
        print(f"\nscreenshots: {shots}")
    tab = Visit(browser, server, shots)
    yield tab
    tab.close()
    assert tab.errors == [], tab.errors
    assert all(kind == "image" for kind, _ in tab.elsewhere), tab.elsewhere  # no script, style or font elsewhere


def test_front_page_to_the_api_and_the_filter_form(visit):
    page = visit.page
    assert visit.go("/").status == 200
    assert "Spacedock" in page.title()
    spacecraft = page.locator("#endpoints tr", has=page.locator('a[href="/2.3.0/spacecraft/"]'))
    assert spacecraft.locator("td").nth(2).inner_text() == "28"
    visit.shot("01-front")

    root = page.request.get(visit.server + "/2.3.0/")
    if root.status != 404:  # the API root, where served
        page.click("#api-root")
        page.wait_for_url(visit.server + "/2.3.0/")
        assert "/2.3.0/spacecraft/" in page.content()
        visit.shot("02-api-root")
        page.go_back()

    page.click('#endpoints a[href="/2.3.0/spacecraft/"]')
    page.wait_for_url(visit.server + "/2.3.0/spacecraft/")
    assert "Spacecraft List" in page.locator("h1").inner_text()
    assert re.search(r'"count":\s*28', page.locator(".response-info").inner_text())
    visit.shot("03-spacecraft-list")

    page.get_by_role("button", name="Filters").click()
    modal = page.locator("#filtersModal")
    modal.wait_for(state="visible")
    assert modal.locator('label[for="id_in_space"]').inner_text().startswith("in_space")
    modal.locator('select[name="in_space"]').select_option("true")
    visit.shot("04-filter-form")
    # (DRF's modal stays aria-hidden, so no accessible roles inside it: CSS locators)
    modal.locator('form:has(select[name="in_space"]) button[type="submit"]').click()
    page.wait_for_url(re.compile(r".*in_space=true.*"))
    info = page.locator(".response-info").inner_text()
    count = int(re.search(r'"count":\s*(\d+)', info).group(1))
    assert 0 < count < 28
    assert page.locator('select[name="in_space"]').count() == 1
    visit.shot("05-filtered-list")


def test_docs_page_tries_an_operation(visit):
    page = visit.page
    assert visit.go("/docs/").status == 200
    assert page.url == visit.server + "/2.3.0/swagger/"
    operation = page.locator("#operations-spacecraft-spacecraft_retrieve")
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.locator('input[placeholder="id"]').fill("551")
    operation.get_by_role("button", name="Execute").click()
    status = operation.locator(".live-responses-table .response .response-col_status").first
    status.wait_for()
    assert status.inner_text().strip().startswith("200")
    assert '"id": 551' in operation.locator(".live-responses-table .microlight").first.inner_text()
    status.scroll_into_view_if_needed()
    visit.shot("06-docs-tried")


def test_admin_edit_shows_in_the_api(visit):
    page = visit.page
    visit.go("/admin/")
    assert "/admin/login/" in page.url
    page.fill("#id_username", USER)
    page.fill("#id_password", PASSWORD)
    page.click('input[type="submit"]')
    page.wait_for_url(visit.server + "/admin/")
    visit.shot("07-admin-index")

    visit.go("/admin/catalog/spacecraft/?q=Dragon")
    visit.shot("08-admin-spacecraft-list")
    first = page.locator("#result_list tbody tr").first.locator("td.field-name a")
    name = first.inner_text()
    assert "Dragon" in name
    first.click()
    page.wait_for_url(re.compile(r".*/admin/catalog/spacecraft/\d+/change/"))
    spacecraft_id = re.search(r"/spacecraft/(\d+)/change/", page.url).group(1)
    assert page.locator(".field-time_in_space_now .readonly").inner_text().strip()
    page.fill("#id_name", f"{name} (curated)")
    visit.shot("09-admin-edit")
    page.click('input[name="_save"]')
    page.locator(".messagelist .success").wait_for()
    visit.shot("10-admin-saved")

    visit.go(f"/2.3.0/spacecraft/{spacecraft_id}/?format=json")
    assert f'"name":"{name} (curated)"' in page.content()
    visit.go(f"/admin/catalog/spacecraft/{spacecraft_id}/history/")
    assert USER in page.locator("#change-history").inner_text()
    visit.shot("11-admin-history")
