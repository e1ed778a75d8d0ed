#!/usr/bin/env bash
# One command from a fresh clone to the demo at http://127.0.0.1:8000 (SQLite in ./data).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
exec uv run commissioning demo "$@"
