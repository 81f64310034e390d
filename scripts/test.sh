#!/usr/bin/env bash
# ruff, then the test suite on SQLite, then on PostgreSQL when it answers locally (required when
# SPACEDOCK_REQUIRE_SERVICES=1, as in CI). Says plainly what it skipped.
set -euo pipefail
PY=${PY:-.venv/bin/python}
PG_URL=${SPACEDOCK_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/spacedock}
REDIS_URL=${SPACEDOCK_TEST_REDIS_URL:-redis://127.0.0.1:6379/15}
REQUIRE=${SPACEDOCK_REQUIRE_SERVICES:-0}
export SPACEDOCK_TEST_REDIS_URL=$REDIS_URL

echo "== ruff (configured in pyproject.toml)"
"$(dirname "$PY")/ruff" check src tests bench

if "$PY" -c "import sys, redis; redis.Redis.from_url(sys.argv[1], socket_connect_timeout=3).ping()" "$REDIS_URL" 2>/dev/null
then
  echo "== Redis answers at $REDIS_URL: the response-cache tests run against it too"
elif [ "$REQUIRE" = "1" ]; then
  echo "!! Redis does not answer at $REDIS_URL, and SPACEDOCK_REQUIRE_SERVICES=1" >&2
  exit 1
else
  echo "!! SKIPPED: the Redis tests (no server answers at $REDIS_URL); the rest runs"
fi

# Debian's Chromium for tests/test_browser.py: installed when missing and apt-get can (as root); without it
# that test skips, or fails with SPACEDOCK_REQUIRE_SERVICES=1.
if ! command -v chromium >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "== installing Debian's chromium for the browser tests"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null \
    || echo "!! chromium could not be installed: the browser tests cannot run"
fi

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
