"""deploy/: the nginx site in front of a real `spacedock serve`, and the systemd units it ships with.

nginx (Debian's package) runs as the test's own process with a temporary prefix and configuration that
includes the REAL deploy/nginx/spacedock.conf, with only its `listen` port and upstream address changed.
Through it: a page is the app's page byte for byte (its links carry the Host nginx forwards), gzip is the
app's gzip passed through, a revalidation with the ETag nginx passed on is a 304, and a client's address
(127.0.0.2) reaches nginx's access log and the app's. The systemd units cannot run here: they are parsed,
and each `ExecStart` is checked against the options its `spacedock` command accepts.
"""
import gzip
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import get_commands, load_command_class

from spacedock.ops.management.commands.serve import STOP_SECONDS

from .helpers import DEPLOY, ROOT, SITE, nginx_binary, nginx_conf, raw_get, site_for_test, spare_port, stop, wait_for

SPACEDOCK = Path(sys.executable).parent / "spacedock"
PAGE = "/2.3.0/spacecraft/?limit=5&mode=normal"
CLIENT = "127.0.0.2"  # a client address other than nginx's own (127.0.0.1), to find in the logs
NOW = "2026-07-24T01:13:35Z"  # the clock pinned: a page asked twice is the same page, whenever asked


# nginx and the app ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """`spacedock serve` (fresh SQLite) on a spare port, nginx with the deploy site in front of it on another:
    a namespace with both ports and both logs."""
    nginx = nginx_binary()
    if not SPACEDOCK.exists():
        pytest.skip(f"{SPACEDOCK} is not installed (pip install -e .)")
    home = tmp_path_factory.mktemp("deploy")
    app_port, nginx_port = spare_port(), spare_port()
    while nginx_port == app_port:
        nginx_port = spare_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{home / 'spacedock.sqlite3'}", "SPACEDOCK_VAR_DIR": str(home),
           "CACHE_URL": "locmem://", "SPACEDOCK_NOW": NOW, "SPACEDOCK_MAX_AGE": "60",
           # the app's access log, trusting X-Forwarded-For from nginx (127.0.0.1) only
           "SPACEDOCK_ACCESS_LOG": "1", "SPACEDOCK_TRUSTED_PROXIES": "127.0.0.1"}
    app_log = home / "app.log"
    with open(app_log, "wb") as out:
        app = subprocess.Popen([str(SPACEDOCK), "serve", "--host", "127.0.0.1", "--port", str(app_port),
                                "--workers", "1"], env=env, stdout=out, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, start_new_session=True)
    proxy = None
    try:
        wait_for(app_port, app, app_log, "spacedock serve")
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (home / kind).mkdir()
        (home / "spacedock.conf").write_text(site_for_test(nginx_port, app_port))
        (home / "nginx.conf").write_text(nginx_conf(home))
        nginx_log = home / "nginx.out"
        with open(nginx_log, "wb") as out:
            proxy = subprocess.Popen([nginx, "-p", str(home), "-e", str(home / "error.log"), "-c",
                                      str(home / "nginx.conf"), "-g", f"daemon off; pid {home / 'nginx.pid'};"],
                                     stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True)
        wait_for(nginx_port, proxy, nginx_log, "nginx", seconds=20)
        yield SimpleNamespace(app_port=app_port, nginx_port=nginx_port, app_log=app_log,
                              access_log=home / "access.log", error_log=home / "error.log")
    finally:
        if proxy is not None:
            stop(proxy)  # SIGTERM: nginx's fast shutdown
        stop(app)


# through nginx -------------------------------------------------------------------------------------------
def test_a_page_through_nginx_is_the_apps_page(stack):
    status, headers, body = raw_get(stack.nginx_port, PAGE)
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert "Content-Encoding" not in headers
    # Links carry the Host the client gave nginx (port included), which nginx forwarded.
    host = f"127.0.0.1:{stack.nginx_port}"
    assert f'"next":"http://{host}/2.3.0/spacecraft/?limit=5&mode=normal&offset=5"'.encode() in body
    # The same page asked from the app directly with that Host: the same bytes and caching headers.
    direct_status, direct_headers, direct = raw_get(stack.app_port, PAGE, Host=host)
    assert direct_status == 200 and body == direct
    for name in ("Content-Type", "ETag", "Cache-Control", "Vary"):
        assert headers.get_all(name) == direct_headers.get_all(name), (name, headers.items())


def test_gzip_is_the_apps_gzip_passed_through(stack):
    _, _, plain = raw_get(stack.nginx_port, PAGE)
    status, headers, body = raw_get(stack.nginx_port, PAGE, Accept_Encoding="gzip")
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in headers["Vary"]
    assert gzip.decompress(body) == plain
    # nginx did not compress it again nor anew: these are the app's bytes and the app's ETag.
    _, direct_headers, direct = raw_get(stack.app_port, PAGE, Accept_Encoding="gzip",
                                    Host=f"127.0.0.1:{stack.nginx_port}")
    assert body == direct and headers["ETag"] == direct_headers["ETag"]


def test_nginx_compresses_the_static_files_the_app_does_not(stack):
    path = "/static/rest_framework/css/bootstrap.min.css"
    _, direct_headers, direct = raw_get(stack.app_port, path, Accept_Encoding="gzip")
    assert "Content-Encoding" not in direct_headers and len(direct) > 1000
    status, headers, body = raw_get(stack.nginx_port, path, Accept_Encoding="gzip")
    assert status == 200 and headers["Content-Encoding"] == "gzip" and gzip.decompress(body) == direct


@pytest.mark.parametrize("encoding", ["identity", "gzip"])
def test_a_revalidation_through_nginx_is_a_304(stack, encoding):
    status, headers, _ = raw_get(stack.nginx_port, PAGE, Accept_Encoding=encoding)
    assert status == 200 and headers["ETag"]
    etag = headers["ETag"]
    status, headers, body = raw_get(stack.nginx_port, PAGE, Accept_Encoding=encoding, If_None_Match=etag)
    assert (status, body, headers["ETag"]) == (304, b"", etag)
    assert headers["Cache-Control"] == "max-age=60"
    status, _, body = raw_get(stack.nginx_port, PAGE, Accept_Encoding=encoding, If_None_Match='"another"')
    assert status == 200 and body


def client_request(stack) -> str:
    """One request to nginx from 127.0.0.2; returns the marker its URL carries (a parameter the API ignores)."""
    marker = f"deploy-{uuid.uuid4().hex}"
    status, _, _ = raw_get(stack.nginx_port, f"/2.3.0/spacecraft/?limit=1&x={marker}", source=CLIENT)
    assert status == 200
    return marker


def lines_with(path: Path, text: str, seconds: float = 5) -> list[str]:
    """The lines of `path` holding `text`, waiting a little for them (logs are written after the response)."""
    deadline = time.monotonic() + seconds
    while True:
        found = [line for line in path.read_text(errors="replace").splitlines() if text in line]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_the_clients_address_is_in_nginxs_access_log(stack):
    marker = client_request(stack)
    lines = lines_with(stack.access_log, marker)
    assert len(lines) == 1 and lines[0].startswith(f"{CLIENT} "), lines


def test_the_clients_address_is_in_the_apps_access_log(stack):
    """nginx forwards it (X-Forwarded-For, X-Real-IP); the app logs it when SPACEDOCK_ACCESS_LOG=1 and
    trusts it from SPACEDOCK_TRUSTED_PROXIES=127.0.0.1, nginx's address."""
    marker = client_request(stack)
    lines = lines_with(stack.app_log, marker)
    if not lines:
        access_lines = lines_with(stack.app_log, "/2.3.0/", seconds=0)
        if not access_lines:
            pytest.skip("the app wrote no access log lines: SPACEDOCK_ACCESS_LOG=1 is not supported by this "
                        "version, so the client's address in the app's log is not checked")
        pytest.fail(f"no app access log line for {marker}:\n" + "\n".join(access_lines[-5:]))
    assert CLIENT in lines[-1], lines


def test_metrics_are_for_the_machine_itself(stack):
    assert raw_get(stack.nginx_port, "/metrics", source=CLIENT)[0] == 403
    status, _, body = raw_get(stack.nginx_port, "/metrics")
    assert status == 200 and b"spacedock_requests_total" in body


# systemd -------------------------------------------------------------------------------------------------
def unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """A systemd unit file: {section: {key: [values, in order]}} (a key may repeat; `\\` continues a line)."""
    sections, section, pending = {}, None, ""
    for raw in path.read_text().splitlines():
        line = pending + raw.strip()
        pending = ""
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            section = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        section.setdefault(key.strip(), []).append(value.strip())
    return sections


UNITS = sorted(p.name for p in DEPLOY.glob("*.service")) + sorted(p.name for p in DEPLOY.glob("*.timer"))


def test_the_units_are_there():
    assert UNITS == ["spacedock-sync.service", "spacedock.service", "spacedock-sync.timer"]


@pytest.mark.parametrize("name", [n for n in UNITS if n.endswith(".service")])
def test_every_execstart_is_a_spacedock_command_with_options_it_accepts(name):
    service = unit(DEPLOY / name)["Service"]
    assert service["ExecStart"]
    for line in service["ExecStart"]:
        argv = shlex.split(line.lstrip("-@:+!"))
        assert Path(argv[0]).name == "spacedock", line
        command, args = argv[1], argv[2:]
        assert command in get_commands(), f"{line}: no command {command!r}"
        parser = load_command_class(get_commands()[command], command).create_parser("spacedock", command)
        parser.parse_args(args)  # a CommandError for an option the command does not accept, or a bad value
    assert service["EnvironmentFile"] == ["/etc/spacedock/env"]
    assert service["User"] == ["spacedock"]
    assert service["NoNewPrivileges"] == ["yes"] and service["ProtectSystem"] == ["strict"]


def test_the_server_unit_serves_what_nginx_proxies_to_and_stops_cleanly():
    service = unit(DEPLOY / "spacedock.service")["Service"]
    argv = shlex.split(service["ExecStart"][0])
    assert argv[2:] == ["--host", "127.0.0.1", "--port", "8000"]
    assert re.search(r"^\s*server 127\.0\.0\.1:8000;", SITE.read_text(), flags=re.M)
    assert service["Restart"] == ["on-failure"] and service["KillSignal"] == ["SIGTERM"]
    # SIGTERM to granian alone (it stops its workers), and time for its drain before systemd's SIGKILL.
    assert service["KillMode"] == ["mixed"]
    assert int(service["TimeoutStopSec"][0].removesuffix("s")) > STOP_SECONDS


def test_the_timer_starts_the_sync():
    timer = unit(DEPLOY / "spacedock-sync.timer")
    assert timer["Timer"].get("Unit", ["spacedock-sync.service"]) == ["spacedock-sync.service"]
    assert timer["Timer"]["OnCalendar"] and timer["Timer"]["RandomizedDelaySec"]
    assert timer["Install"]["WantedBy"] == ["timers.target"]
    sync = unit(DEPLOY / "spacedock-sync.service")["Service"]
    assert shlex.split(sync["ExecStart"][0])[1] == "sync" and sync["Type"] == ["oneshot"]


def test_the_example_env_file_sets_only_known_settings():
    known = (ROOT / "README.md").read_text() + "".join(p.read_text() for p in (ROOT / "src").rglob("*.py"))
    keys = [line.partition("=")[0] for line in (DEPLOY / "env.example").read_text().splitlines()
            if line and not line.startswith("#")]
    assert {"DATABASE_URL", "CACHE_URL", "SECRET_KEY", "ALLOWED_HOSTS", "SPACEDOCK_MAX_AGE"} <= set(keys)
    assert [key for key in keys if f"{key}" not in known] == []


def test_systemd_analyze_verify(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed: the units are only parsed")
    for name in UNITS:  # the venv the guide installs to is this one here
        text = (DEPLOY / name).read_text().replace("/opt/spacedock/venv/bin/spacedock", str(SPACEDOCK))
        (tmp_path / name).write_text(text)
    result = subprocess.run([analyze, "verify", *(str(tmp_path / name) for name in UNITS)], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
