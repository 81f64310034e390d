"""The wheel, not the checkout: built from a copy of the sources, installed into a fresh virtual environment,
and run from an unrelated folder, it serves the bundled data it carries. About 15 s.

The new environment gets the wheel alone (`--no-deps`, no index); its dependencies are this environment's,
seen through a .pth line, which adds their folder without running its .pth files: the editable install of
the checkout is not among them, so the `spacedock` imported is the wheel's."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
import zipfile
from pathlib import Path

import orjson
import pytest

from .helpers import ROOT


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(the venv's bin folder, an environment without the checkout's settings) with the wheel installed."""
    work = tmp_path_factory.mktemp("packaging")
    source = work / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "src", source / "src",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".ruff_cache", "*.egg-info"))
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", work / "dist", source],
                           capture_output=True, text=True, timeout=300)
    if built.returncode and "No matching distribution found for setuptools" in built.stderr + built.stdout:
        pytest.skip("setuptools (the build backend) cannot be downloaded here: " + built.stderr.strip()[-200:])
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = (work / "dist").glob("spacedock-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    bundled = sorted(path.name for path in (ROOT / "src" / "spacedock" / "data").glob("*.json"))
    assert sorted(Path(n).name for n in names if n.startswith("spacedock/data/")) == bundled and bundled

    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True, timeout=120)
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", "--no-index",
                    wheel], check=True, timeout=300)
    purelib = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    Path(purelib, "spacedock-test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    env = {name: value for name, value in os.environ.items()
           if name not in ("DATABASE_URL", "SPACEDOCK_DATA_DIR", "SPACEDOCK_VAR_DIR", "PYTHONPATH")}
    env["XDG_DATA_HOME"] = str(work / "xdg")
    where = subprocess.run([python, "-c", "import spacedock; print(spacedock.__file__)"], cwd=work, env=env,
                           capture_output=True, text=True, check=True).stdout.strip()
    assert Path(where).is_relative_to(venv), where  # the wheel's package, not the checkout's
    return venv / "bin", env, work


def test_the_installed_command_reports_its_version_and_a_per_user_database(installed):
    bin_dir, env, work = installed
    elsewhere = work / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    result = subprocess.run([bin_dir / "spacedock", "--version"], cwd=elsewhere, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.startswith("spacedock 0.1.0 "), result.stderr
    # Not run from a checkout: the default SQLite file is in $XDG_DATA_HOME/spacedock.
    result = subprocess.run([bin_dir / "spacedock", "--help"], cwd=elsewhere, env=env, capture_output=True,
                            text=True, timeout=60)
    assert f"The database: SQLite {work / 'xdg' / 'spacedock' / 'spacedock.sqlite3'}" in result.stdout, result


def test_the_installed_wheel_serves_its_bundled_data_from_another_folder(installed):
    bin_dir, env, work = installed
    elsewhere = work / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    env = dict(env, SPACEDOCK_VAR_DIR=str(work / "var"))
    port = free_port()
    server = subprocess.Popen([bin_dir / "spacedock", "serve", "--port", str(port), "--workers", "1"], cwd=elsewhere,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/2.3.0/spacecraft/", timeout=2) as response:
                    body = orjson.loads(response.read())
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(server.stdout.read().decode())
                time.sleep(0.3)
        assert body["count"] > 0
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        output = server.communicate(timeout=30)[0].decode()
    assert "bundled data: imported " in output and server.returncode == 0, output
    assert (work / "var" / "spacedock.sqlite3").is_file()
