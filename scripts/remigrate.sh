#!/usr/bin/env bash
# Regenerate the initial migrations of the market and contracts apps from their models.
# Both apps are new and unreleased, so their schema lives in one initial migration each;
# data migrations numbered after 0001 are kept.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -f src/commissioning/market/migrations/00*_initial.py src/commissioning/contracts/migrations/00*_initial.py
uv run commissioning manage makemigrations market contracts
uv run ruff check -q --fix src/commissioning/market/migrations src/commissioning/contracts/migrations
uv run ruff format -q src/commissioning/market/migrations src/commissioning/contracts/migrations
