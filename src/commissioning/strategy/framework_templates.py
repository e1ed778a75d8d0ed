"""The outcome frameworks shipped as data (``frameworks/*.json``), for a partnership to adopt.

Pure: reading and checking the files needs no database, so a malformed file fails its test, not a page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

FOLDER = Path(__file__).resolve().parent / "frameworks"
APPLIES_TO = ("children", "adults", "all")


@dataclass(frozen=True)
class OutcomeTemplate:
    code: str
    title: str
    description: str


@dataclass(frozen=True)
class FrameworkTemplate:
    key: str
    name: str
    description: str
    source: str
    applies_to: str
    outcomes: tuple[OutcomeTemplate, ...]


def _read(path: Path) -> FrameworkTemplate:
    data = json.loads(path.read_text(encoding="utf-8"))
    applies_to = data.get("care_groups", "all")
    if applies_to not in APPLIES_TO:
        raise ValueError(f"{path.name}: care_groups must be one of {', '.join(APPLIES_TO)}.")
    outcomes = tuple(
        OutcomeTemplate(o["code"], o["title"], o.get("description", "")) for o in data["outcomes"]
    )
    if len({o.code for o in outcomes}) != len(outcomes):
        raise ValueError(f"{path.name}: outcome codes must be unique.")
    if data["key"] != path.stem:
        raise ValueError(f"{path.name}: its key must be its file name ({path.stem}).")
    return FrameworkTemplate(
        data["key"], data["name"], data.get("description", ""), data.get("source", ""), applies_to, outcomes
    )


@cache
def framework_templates() -> dict[str, FrameworkTemplate]:
    """Every shipped framework by key, in name order."""
    found = [_read(path) for path in sorted(FOLDER.glob("*.json"))]
    return {t.key: t for t in sorted(found, key=lambda t: t.name)}


def is_children_group(name: str) -> bool:
    """Whether a care group's name is about children (the Every Child Matters outcomes apply to it)."""
    lowered = name.lower()
    return "child" in lowered or "young people" in lowered
