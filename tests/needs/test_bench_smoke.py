"""The engine benchmark runs end to end on a small input and agrees with PHStatsMethods."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

pytest.importorskip("PHStatsMethods", reason="PHStatsMethods (dev group) is not installed")

BENCH = Path(__file__).resolve().parents[2] / "bench" / "needs_engine.py"
LAST_LINE = re.compile(
    r"^speedup_vs_phstatsmethods=(\d+\.\d{2}) vs_floor=(\d+\.\d{2}) "
    r"max_rel_diff=(\d\.\de[+-]\d+) peak_mib=(\d+)$"
)


def test_bench_runs_small_and_agrees_with_the_reference(capsys):
    spec = importlib.util.spec_from_file_location("needs_engine_bench", BENCH)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)

    line = bench.main(["--records", "20000", "--areas", "8", "--years", "2", "--repeats", "1"])

    printed = capsys.readouterr().out.strip().splitlines()
    assert printed[-1] == line
    match = LAST_LINE.match(line)
    assert match, line
    assert float(match.group(3)) < 1e-9
    assert int(match.group(4)) > 0
