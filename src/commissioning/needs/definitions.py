"""Indicator definitions as a CSV file: one row per indicator, checked like any import."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.utils.text import slugify

from commissioning.core.imports import ImportFailed, RowError
from commissioning.needs.models import BenchmarkMethod, Polarity, ValueType

COLUMNS = (
    "code",
    "name",
    "value_type",
    "multiplier",
    "unit",
    "polarity",
    "benchmark_method",
    "topic",
    "definition",
    "source",
    "fingertips_id",
)
REQUIRED = ("code", "name", "value_type")
CHOICES = {
    "value_type": [v for v, _ in ValueType.choices],
    "polarity": [v for v, _ in Polarity.choices],
    "benchmark_method": [v for v, _ in BenchmarkMethod.choices],
}


def read_definitions(path: str | Path) -> list[dict[str, Any]]:
    """The definitions as keyword arguments for ``indicator_save``; ``ImportFailed`` if any row is wrong."""
    with Path(path).open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = [name.strip() for name in reader.fieldnames or []]
        errors = [RowError(1, name, "unknown column") for name in header if name not in COLUMNS]
        errors += [RowError(1, name, "required column is missing") for name in REQUIRED if name not in header]
        if errors:
            raise ImportFailed(errors)
        out: list[dict[str, Any]] = []
        seen: dict[str, int] = {}
        for number, raw in enumerate(reader, start=2):
            row = {key.strip(): (value or "").strip() for key, value in raw.items() if key}
            fields: dict[str, Any] = {k: v for k, v in row.items() if v != ""}
            code = fields.get("code", "")
            if code != slugify(code) or not code:
                errors.append(RowError(number, "code", "must be a short name of letters, digits and hyphens"))
            elif code in seen:
                errors.append(RowError(number, "code", f"repeats the code on row {seen[code]}"))
            seen[code] = number
            for column in REQUIRED:
                if column not in fields:
                    errors.append(RowError(number, column, "is blank"))
            for column, allowed in CHOICES.items():
                if column in fields and fields[column] not in allowed:
                    errors.append(RowError(number, column, f"must be one of {', '.join(allowed)}"))
            for column in ("multiplier", "fingertips_id"):
                if column in fields:
                    if not fields[column].isdigit() or int(fields[column]) < 1:
                        errors.append(RowError(number, column, "must be a whole number of 1 or more"))
                    else:
                        fields[column] = int(fields[column])
            out.append(fields)
        if errors:
            raise ImportFailed(errors)
        return out
