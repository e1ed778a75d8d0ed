#!/usr/bin/env bash
# One command from a fresh clone to the whole check: lint, types, architecture, migrations,
# the test suite on SQLite and on PostgreSQL, and the browser journeys in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh

if [ ! -x /usr/bin/chromium ]; then
  echo "==> installing Chromium for the browser tests (Debian packages)"
  if [ "$(id -u)" = "0" ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
fi

if ! command -v java >/dev/null; then
  echo "==> installing a Java runtime for the Spark parity tests (Debian packages)"
  if [ "$(id -u)" = "0" ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null
  fi
fi

POSTGRES_URL="${POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
export COMMISSIONING_DATA_DIR="${COMMISSIONING_DATA_DIR:-$(mktemp -d)}"

echo "==> ruff"
uv run ruff check src tests bench
uv run ruff format --check src tests bench

echo "==> mypy (services, selectors and pure modules)"
uv run mypy

echo "==> import contracts"
uv run lint-imports

echo "==> migrations are up to date"
uv run commissioning manage makemigrations --check --dry-run

echo "==> tests on SQLite"
uv run pytest -m "not browser" -q -p no:cacheprovider

echo "==> tests on PostgreSQL ($POSTGRES_URL)"
if ! uv run python -c "import psycopg,sys; psycopg.connect(sys.argv[1], connect_timeout=5).close()" "${POSTGRES_URL}"; then
  echo "PostgreSQL is not reachable at ${POSTGRES_URL}; start it (see README) and run again." >&2
  exit 1
fi
DATABASE_URL="$POSTGRES_URL" uv run pytest -m "not browser and not spark" -q -p no:cacheprovider

echo "==> browser journeys (headless Chromium, axe-core accessibility checks)"
CI=true uv run pytest -m browser -q -p no:cacheprovider
