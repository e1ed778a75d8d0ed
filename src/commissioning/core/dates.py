"""Dates as people read them in messages and explanations: "1 March 2025" (no leading zero)."""

from __future__ import annotations

import datetime as dt


def long_date(value: dt.date) -> str:
    return f"{value.day} {value:%B %Y}"
