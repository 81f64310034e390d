#!/usr/bin/env bash
# The test suite on SQLite, then on PostgreSQL when it answers locally (required when
# SPACEDOCK_REQUIRE_SERVICES=1, as in CI). Says plainly what it skipped.
set -euo pipefail
PY=${PY:-.venv/bin/python}
PG_URL=${SPACEDOCK_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/spacedock}
REQUIRE=${SPACEDOCK_REQUIRE_SERVICES:-0}

echo "== tests on SQLite"
env -u DATABASE_URL "$PY" -m pytest "$@"

if "$PY" - "$PG_URL" <<'PYEOF' 2>/dev/null
import sys, psycopg, dj_database_url
c = dj_database_url.parse(sys.argv[1])
psycopg.connect(host=c["HOST"], port=c["PORT"] or 5432, user=c["USER"], password=c["PASSWORD"] or None,
                dbname="postgres", connect_timeout=3).close()
PYEOF
then
  echo "== tests on PostgreSQL ($PG_URL)"
  DATABASE_URL="$PG_URL" "$PY" -m pytest "$@"
else
  if [ "$REQUIRE" = "1" ]; then
    echo "!! PostgreSQL does not answer at $PG_URL, and SPACEDOCK_REQUIRE_SERVICES=1" >&2
    exit 1
  fi
  echo "!! SKIPPED: the PostgreSQL tests (no server answers at $PG_URL)"
fi
echo "-- Redis: nothing in Spacedock uses it yet, so there are no Redis tests to run"
