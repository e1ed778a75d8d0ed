"""The ledger import benchmark runs end to end on a small extract and prints its figure last."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "finance_import.py"
LAST_LINE = re.compile(r"^rows_per_s=(\d+) speedup_vs_orm=(\d+\.\d{2})$")


def test_bench_runs_small_and_prints_its_figure_last():
    """In a process of its own: the bench sets up Django on a throwaway SQLite database."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    result = subprocess.run(
        [sys.executable, str(BENCH), "--rows", "5000"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    match = LAST_LINE.match(lines[-1])
    assert match, lines[-1]
    assert int(match.group(1)) > 0 and float(match.group(2)) > 0
    assert any(line.startswith("set-based, Parquet:") for line in lines)
    assert any(line.startswith("ORM bulk_create:") and "all rows" in line for line in lines)
