"""The SPC benchmark runs end to end on a small size and prints its figure last."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "spc.py"
LAST_LINE = re.compile(r"^speedup_vs_loop=(\d+\.\d+)$")


def test_bench_runs_small_and_prints_its_figure_last():
    result = subprocess.run(
        [sys.executable, str(BENCH), "--series", "300", "--runs", "2", "--loop-runs", "1"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    match = LAST_LINE.match(lines[-1])
    assert match, lines[-1]
    assert float(match.group(1)) > 0
    assert any(line.startswith("agreement with the loop: identical point types") for line in lines)
