"""Load England's councils as areas from the register of local authorities (mySociety layout).

Regions and England are fixed ONS codes; each council's parent is its county (for a district)
or its region. Abolished and planned councils load too, with the dates they are valid, since
areas are reorganised and old data still refers to them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path
from typing import Any, TextIO

from django.db import transaction

from commissioning.core.audit import Auditor, snapshot
from commissioning.core.imports import ImportFailed, RowError
from commissioning.core.models import User
from commissioning.partners.identifiers import check_gss_code, normalise
from commissioning.partners.models import Area

DEFAULT_REGISTER = Path(__file__).parent / "data" / "uk_local_authorities.csv"

ENGLAND = ("E92000001", "England")
REGIONS = {
    "North East": "E12000001",
    "North West": "E12000002",
    "Yorkshire and The Humber": "E12000003",
    "East Midlands": "E12000004",
    "West Midlands": "E12000005",
    "East of England": "E12000006",
    "London": "E12000007",
    "South East": "E12000008",
    "South West": "E12000009",
}
COUNCIL_TYPES = {
    "UA": Area.AreaType.UNITARY,
    "NMD": Area.AreaType.NON_METROPOLITAN_DISTRICT,
    "MD": Area.AreaType.METROPOLITAN_DISTRICT,
    "LBO": Area.AreaType.LONDON_BOROUGH,
    "CC": Area.AreaType.LONDON_BOROUGH,  # the City of London is counted with the boroughs
    "CTY": Area.AreaType.COUNTY,
    "COMB": Area.AreaType.COMBINED_AUTHORITY,
    "SRA": Area.AreaType.COMBINED_AUTHORITY,
}
REQUIRED_COLUMNS = (
    "local-authority-code",
    "nice-name",
    "gss-code",
    "start-date",
    "end-date",
    "replaced-by",
    "nation",
    "region",
    "local-authority-type",
    "county-la",
)
AREA_FIELDS = ("name", "area_type", "register_code", "valid_from", "valid_to", "replaced_by")


def _date(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def parse_register(stream: TextIO) -> list[dict[str, Any]]:
    """Validate every English row; return clean rows or raise ``ImportFailed`` with all problems."""
    reader = csv.DictReader(stream)
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ImportFailed([RowError(1, column, "this column is missing") for column in missing])
    errors: list[RowError] = []
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(reader, start=2):
        if (raw.get("nation") or "").strip() != "England":
            continue
        code = normalise(raw["gss-code"])
        problem = check_gss_code(code) if code else "every English council needs a GSS code"
        if problem:
            errors.append(RowError(number, "gss-code", problem))
        elif code in seen:
            errors.append(RowError(number, "gss-code", f"{code} is repeated from row {seen[code]}"))
        else:
            seen[code] = number
        kind = raw["local-authority-type"].strip()
        if kind not in COUNCIL_TYPES:
            errors.append(
                RowError(
                    number,
                    "local-authority-type",
                    f"{kind!r} is not a council type we know ({', '.join(COUNCIL_TYPES)})",
                )
            )
        region = raw["region"].strip()
        if region and region not in REGIONS:
            errors.append(RowError(number, "region", f"{region!r} is not an English region"))
        dates: dict[str, dt.date | None] = {}
        for column in ("start-date", "end-date"):
            try:
                dates[column] = _date(raw[column].strip())
            except ValueError:
                errors.append(RowError(number, column, f"{raw[column]!r} is not a date (YYYY-MM-DD)"))
        start, end = dates.get("start-date"), dates.get("end-date")
        if start and end and end < start:
            errors.append(RowError(number, "end-date", "ends before it starts"))
        register_code = raw["local-authority-code"].strip().upper()
        if not re.fullmatch(r"[A-Z]{3,4}", register_code):
            errors.append(RowError(number, "local-authority-code", "must be three or four capital letters"))
        for column, limit in (("nice-name", 200), ("replaced-by", 200)):
            if len(raw[column].strip()) > limit:
                errors.append(RowError(number, column, f"longer than {limit} characters"))
        rows.append(
            {
                "row": number,
                "gss_code": code,
                "name": raw["nice-name"].strip() or raw.get("official-name", "").strip(),
                "area_type": COUNCIL_TYPES.get(kind, ""),
                "register_code": register_code,
                "valid_from": start,
                "valid_to": end,
                "replaced_by": raw["replaced-by"].strip(),
                "region": region,
                "county": raw["county-la"].strip().upper(),
            }
        )
    by_register_code = {row["register_code"]: row for row in rows}
    for row in rows:
        if row["county"] and row["county"] not in by_register_code:
            errors.append(RowError(row["row"], "county-la", f"no council has the code {row['county']!r}"))
    if errors:
        raise ImportFailed(errors)
    return rows


@transaction.atomic
def areas_load_register(
    *,
    actor: User,
    source: Path | str | TextIO = DEFAULT_REGISTER,
) -> dict[str, int]:
    """Create or update England, its regions and its councils; audit each change.

    Idempotent: a second load of the same file changes nothing and records nothing.
    """
    if isinstance(source, str | Path):
        with open(source, encoding="utf-8-sig", newline="") as handle:
            rows = parse_register(handle)
    else:
        rows = parse_register(io.StringIO(source.read()))

    existing = {area.gss_code: area for area in Area.objects.all()}
    created: list[tuple[Any, Any, Any]] = []
    updated: list[tuple[Any, Any, Any]] = []
    fields = (*AREA_FIELDS, "parent")

    def write_tier(tier: list[tuple[str, dict[str, Any]]]) -> None:
        """Insert and update one level of the hierarchy in two statements."""
        new: list[Area] = []
        changed: list[tuple[Area, dict[str, Any]]] = []
        for code, values in tier:
            area = existing.get(code)
            if area is None:
                area = Area(gss_code=code, **values)
                existing[code] = area
                new.append(area)
            elif any(getattr(area, name) != value for name, value in values.items()):
                before = snapshot(area, exclude=("comparators",))
                for name, value in values.items():
                    setattr(area, name, value)
                changed.append((area, before))
        Area.objects.bulk_create(new, batch_size=500)
        Area.objects.bulk_update([area for area, _ in changed], fields, batch_size=500)
        created.extend((area, None, snapshot(area, exclude=("comparators",))) for area in new)
        updated.extend((area, before, snapshot(area, exclude=("comparators",))) for area, before in changed)

    defaults = {field: "" for field in ("register_code", "replaced_by")} | {
        "valid_from": None,
        "valid_to": None,
    }
    country = {**defaults, "name": ENGLAND[1], "area_type": Area.AreaType.COUNTRY, "parent_id": None}
    write_tier([(ENGLAND[0], country)])
    england = existing[ENGLAND[0]]
    write_tier(
        [
            (code, {**defaults, "name": name, "area_type": Area.AreaType.REGION, "parent_id": england.pk})
            for name, code in REGIONS.items()
        ]
    )

    def council(row: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        if row["county"]:
            parent = existing[by_register_code[row["county"]]]
        else:
            parent = existing.get(REGIONS.get(row["region"], ""), england)
        return row["gss_code"], {**{field: row[field] for field in AREA_FIELDS}, "parent_id": parent.pk}

    by_register_code = {row["register_code"]: row["gss_code"] for row in rows}
    upper = [row for row in rows if not row["county"]]
    lower = [row for row in rows if row["county"]]
    write_tier([council(row) for row in upper])
    write_tier([council(row) for row in lower])
    auditor = Auditor(actor)
    auditor.record_many("import", created)
    auditor.record_many("update", updated)
    return {"created": len(created), "updated": len(updated), "rows": len(rows)}
