"""Two writers at once on one SQLite file queue: the second waits for the first, and both succeed."""
import os
import subprocess
import sys

from .helpers import DATA, snapshot_counts_sqlite


def test_two_imports_at_once_both_succeed(tmp_path):
    database = tmp_path / "two.sqlite3"
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{database}", SPACEDOCK_VAR_DIR=str(tmp_path))
    command = [sys.executable, "-m", "spacedock.cli"]
    migrated = subprocess.run([*command, "migrate", "--noinput"], env=env, capture_output=True, text=True)
    assert migrated.returncode == 0, migrated.stderr
    files = [str(path) for path in sorted(DATA.glob("*.json"))]
    writers = [subprocess.Popen([*command, "import", *files], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(writer.wait(timeout=300), *writer.communicate()) for writer in writers]
    for code, _, err in results:
        assert code == 0 and "Traceback" not in err and "locked" not in err, err
    counts = snapshot_counts_sqlite(database)
    assert counts["catalog_spacecraft"] > 0 and counts["catalog_spacecraftconfiguration"] > 0
