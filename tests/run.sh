#!/usr/bin/env bash
# The test command: installs what the tests need (Debian's Chromium, Python packages in a
# virtual environment under .venv), runs every test, browser tests included, then every
# benchmark in quick mode. The linter and the unit tests (with coverage) run first, then
# the browser tests (marked `browser`, see tests/conftest.py).
# Usage: bash tests/run.sh [pytest arguments: those tests only]
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian's chromium (browser tests, exports), redis-server and PostgreSQL with PostGIS (the
# team tests start their own, on loopback, with their data in a temporary folder: see
# tests/postgis_server.py)
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/redis-server ] || \
    ! ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1; then
  echo "Installing Debian's chromium, redis-server, postgresql and postgis for the tests…"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-dejavu-core \
    redis-server postgresql postgresql-postgis >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -r tests/requirements.txt

if [ $# -gt 0 ]; then exec .venv/bin/python -m pytest -ra "$@"; fi
echo "== ruff"
.venv/bin/ruff check --config tests/ruff.toml app.py dashboard tests
echo "== unit tests, with coverage of the app's code"
.venv/bin/python -m pytest -ra -m "not browser" --cov=dashboard --cov=app \
  --cov-report=term-missing:skip-covered tests
echo "== browser tests (headless Chromium)"
.venv/bin/python -m pytest -ra -m browser tests
# Every benchmark in quick mode, so none can rot: one that crashes fails the run.
for bench in tests/benchmarks/bench_*.py; do
  echo "== $bench --quick"
  .venv/bin/python "$bench" --quick
done
