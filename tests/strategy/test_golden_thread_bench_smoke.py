"""The golden thread benchmark runs end to end on small threads and prints its figure last."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "golden_thread.py"
LAST_LINE = re.compile(r"^queries_50=(\d+) queries_500=(\d+)$")


def test_bench_runs_small_and_prints_its_figure_last():
    result = subprocess.run(
        [sys.executable, str(BENCH), "--sizes", "8", "40"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    match = LAST_LINE.match(lines[-1])
    assert match, lines[-1]
    assert int(match.group(1)) == int(match.group(2)) > 0
    assert any(line.startswith("priority with 42 linked objects: ") for line in lines)
