#!/usr/bin/env bash
# Set up a fresh machine: uv and the Python environment, and the front-end packages.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v uv >/dev/null 2>&1; then
  echo "==> installing uv"
  python3 -m pip install --quiet uv || python3 -m pip install --quiet --user uv
  hash -r
  if ! command -v uv >/dev/null 2>&1; then
    UV_BIN="$(python3 -c 'import uv; print(uv.find_uv_bin())')"
    export PATH="$(dirname "$UV_BIN"):$PATH"
  fi
fi

echo "==> Python environment (uv sync)"
uv sync --frozen --quiet

echo "==> front-end packages (npm ci)"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
