"""The priority-setting benchmark runs end to end on a small round and prints its figure last."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "priority.py"
LAST_LINE = re.compile(r"^solve_s=(\d+\.\d{3}) gap=(\d+(?:\.\d+)?(?:e-?\d+)?)$")


def test_bench_runs_small_and_prints_its_figure_last():
    result = subprocess.run(
        [sys.executable, str(BENCH), "--options", "200", "--runs", "1"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    match = LAST_LINE.match(lines[-1])
    assert match, lines[-1]
    assert 0 < float(match.group(1)) < 2
    assert float(match.group(2)) == 0
    assert any(line.startswith("portfolio: ") and line.endswith("status optimal") for line in lines)
    assert any("constraints:" in line and line.endswith(": 10") for line in lines)
