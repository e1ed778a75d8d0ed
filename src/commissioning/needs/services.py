"""Writes to the JSNA: indicator definitions and imports, checked whole, written whole, audited."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from commissioning.core.audit import Auditor, snapshot
from commissioning.core.imports import ImportFailed, RowError
from commissioning.core.models import AuditEvent, User
from commissioning.core.permissions import Permission
from commissioning.core.validation import validate
from commissioning.needs import fingertips, projection_files, records
from commissioning.needs.definitions import read_definitions
from commissioning.needs.models import (
    Indicator,
    IndicatorImport,
    IndicatorValue,
    NeedMeasure,
    PopulationProjection,
    PrevalenceRate,
    ValueType,
)
from commissioning.needs.periods import period_sorts
from commissioning.partners.models import Area, Partnership
from commissioning.partners.permissions import require_permission

Progress = Callable[[str, int, int], None]
INDICATOR_FIELDS = (
    "name",
    "definition",
    "topic",
    "value_type",
    "multiplier",
    "unit",
    "polarity",
    "benchmark_method",
    "source",
    "fingertips_id",
)
VALUE_COLUMNS = (
    "period",
    "period_sort",
    "sex",
    "age",
    "category_type",
    "category",
    "count",
    "denominator",
    "value",
    "lower_95",
    "upper_95",
    "lower_998",
    "upper_998",
    "value_note",
)
RECORD_VALUE_TYPES = (ValueType.PROPORTION, ValueType.CRUDE_RATE, ValueType.DSR)
WRITE_BATCH = 5_000


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


# Indicators ------------------------------------------------------------------------------


def indicator_save(*, actor: User, partnership: Partnership, code: str, **fields: Any) -> Indicator:
    """Create the indicator with this code, or change the fields given; audited either way."""
    require_permission(actor, Permission.MANAGE_INDICATORS, partnership=partnership)
    unknown = set(fields) - set(INDICATOR_FIELDS)
    if unknown:
        raise ValidationError({name: "This field cannot be set here." for name in unknown})
    with transaction.atomic():
        indicator = Indicator.objects.filter(partnership=partnership, code=code).first()
        before = snapshot(indicator) if indicator else None
        if indicator is None:
            indicator = Indicator(partnership=partnership, code=code)
        for name, value in fields.items():
            setattr(indicator, name, value.strip() if isinstance(value, str) else value)
        validate(indicator)
        indicator.save()
        auditor = Auditor(actor, partnership_id=partnership.pk)
        if before is None:
            auditor.created(indicator)
        else:
            auditor.updated(indicator, before)
    return indicator


# Imports ---------------------------------------------------------------------------------


POPULATION, PREVALENCE = "population", "prevalence"


def detect_kind(path: Path) -> str:
    """What a file holds, from its header: a Fingertips export, record-level data (Parquet is
    always records), population projections or prevalence rates."""
    if path.suffix.lower() in {".parquet", ".pq"}:
        return IndicatorImport.Kind.RECORDS
    header = records.header_of(path)
    if projection_files.is_population_header(header):
        return POPULATION
    if projection_files.is_prevalence_header(header):
        return PREVALENCE
    if fingertips.is_fingertips_header([" ".join(c.split()) for c in header]):
        return IndicatorImport.Kind.FINGERTIPS
    if records.is_records_header(header):
        return IndicatorImport.Kind.RECORDS
    raise ImportFailed(
        [
            RowError(
                1,
                "(header)",
                "neither a Fingertips export (with 'Indicator ID', 'Area Code', 'Time period', 'Value' …) "
                "nor record-level data (needs area_code, period, sex, age, deprivation_decile "
                "and 0/1 outcome columns)",
            )
        ]
    )


def indicators_import(
    *,
    actor: User,
    partnership: Partnership,
    path: str | Path,
    file_name: str = "",
    definitions: str | Path | None = None,
    progress: Progress = _no_progress,
) -> IndicatorImport:
    """Load a Fingertips export or record-level data into the partnership's JSNA.

    Every row is checked first and every problem reported (``ImportFailed``); only a clean
    file is written, in one transaction, replacing any values it restates.
    """
    require_permission(actor, Permission.MANAGE_INDICATORS, partnership=partnership)
    path = Path(path)
    kind = detect_kind(path)
    if kind in (POPULATION, PREVALENCE):
        raise ImportFailed(
            [RowError(1, "(header)", f"this is a file of {kind} for need projections, not indicator data")]
        )
    area_ids = dict(Area.objects.values_list("gss_code", "pk"))
    definition_rows = read_definitions(definitions) if definitions else []
    if kind == IndicatorImport.Kind.FINGERTIPS:
        return _import_fingertips(actor, partnership, path, file_name or path.name, area_ids, progress)
    return _import_records(
        actor, partnership, path, file_name or path.name, area_ids, definition_rows, progress
    )


def _import_fingertips(
    actor: User,
    partnership: Partnership,
    path: Path,
    file_name: str,
    area_ids: dict[str, int],
    progress: Progress,
) -> IndicatorImport:
    existing: dict[int, Indicator] = {
        int(i.fingertips_id): i
        for i in Indicator.objects.filter(partnership=partnership, fingertips_id__isnull=False)
        if i.fingertips_id is not None
    }
    proportions = [fid for fid, i in existing.items() if i.value_type == ValueType.PROPORTION]
    progress("checking", 0, 1)
    parsed, errors = fingertips.parse(path, area_codes=area_ids.keys(), proportion_ids=proportions)
    if parsed is None:
        raise ImportFailed(errors)
    progress("checking", 1, 1)
    rows = parsed.rows
    with transaction.atomic():
        auditor = Auditor(actor, partnership_id=partnership.pk)
        indicator_ids: dict[int, int] = {}
        for fid, group in rows.groupby("indicator_id"):
            indicator = existing.get(int(fid))
            if indicator is None:
                metadata = fingertips.infer_metadata(group)
                indicator = Indicator.objects.create(
                    partnership=partnership,
                    code=f"fingertips-{int(fid)}",
                    fingertips_id=int(fid),
                    source="Fingertips (OHID public health profiles)",
                    **metadata,
                )
                auditor.created(indicator, summary=f"Indicator {indicator.name} from Fingertips")
            indicator_ids[int(fid)] = indicator.pk
        frame = rows.assign(
            indicator=rows["indicator_id"].astype(int).map(indicator_ids),
            area=rows["area_code"].map(area_ids),
        )
        return _record_import(
            auditor,
            partnership,
            IndicatorImport.Kind.FINGERTIPS,
            file_name,
            parsed.rows_read,
            frame,
            progress,
        )


def _import_records(
    actor: User,
    partnership: Partnership,
    path: Path,
    file_name: str,
    area_ids: dict[str, int],
    definition_rows: list[dict[str, Any]],
    progress: Progress,
) -> IndicatorImport:
    import ibis  # the analytics stack loads only when records arrive

    from commissioning.needs import engine

    with transaction.atomic():
        for fields in definition_rows:
            indicator_save(actor=actor, partnership=partnership, **fields)
        indicators = {i.code.replace("-", "_"): i for i in Indicator.objects.filter(partnership=partnership)}
        progress("checking", 0, 1)
        parsed, errors = records.parse(path, area_codes=area_ids.keys(), flag_names=indicators.keys())
        if parsed is None:
            raise ImportFailed(errors)
        wrong_type = [
            RowError(
                1,
                flag,
                f"indicator {indicators[flag].code} is a "
                f"{indicators[flag].get_value_type_display().lower()}; "
                "record-level data gives proportions, crude rates and directly standardised rates",
            )
            for flag in parsed.flags
            if indicators[flag].value_type not in RECORD_VALUE_TYPES
        ]
        if wrong_type:
            parsed.con.close()
            raise ImportFailed(wrong_type)
        progress("checking", 1, 1)
        progress("computing", 0, 1)
        wanted = [
            engine.RecordIndicator(
                code=indicators[flag].code,
                flag=flag,
                value_type=indicators[flag].value_type,
                multiplier=indicators[flag].multiplier,
            )
            for flag in parsed.flags
        ]
        breakdowns: tuple[str, ...] = ("sex", "age_band", "deprivation_decile")
        breakdowns += ("ethnicity",) if parsed.has_ethnicity else ()
        breakdowns += ("locality",) if parsed.has_locality else ()
        try:
            table = ibis.duckdb.from_connection(parsed.con).table("records")
            computed = engine.compute(table, wanted, breakdowns=breakdowns)
        finally:
            parsed.con.close()
        progress("computing", 1, 1)
        by_code = {i.code: i.pk for i in indicators.values()}
        frame = computed.assign(
            indicator=computed["indicator_code"].map(by_code),
            area=computed["area_code"].map(area_ids),
            period=computed["period"].astype(str),
            value_note="",
        )
        frame["period_sort"] = period_sorts(frame["period"])
        uncalculated = frame["value"].isna() & frame["count"].notna()
        frame.loc[uncalculated, "value_note"] = (
            "Value not calculated: fewer than 10 events for a standardised rate"
        )
        auditor = Auditor(actor, partnership_id=partnership.pk)
        return _record_import(
            auditor, partnership, IndicatorImport.Kind.RECORDS, file_name, parsed.rows_read, frame, progress
        )


def _record_import(
    auditor: Auditor,
    partnership: Partnership,
    kind: str,
    file_name: str,
    rows_read: int,
    frame: pd.DataFrame,
    progress: Progress,
) -> IndicatorImport:
    batch = IndicatorImport.objects.create(
        partnership=partnership,
        kind=kind,
        file_name=file_name[:255],
        rows_read=rows_read,
        imported_by=auditor.actor,
    )
    written = write_values(frame, batch, progress)
    batch.values_written = written
    batch.save(update_fields=["values_written"])
    auditor.record(
        AuditEvent.Action.IMPORT,
        batch,
        after=snapshot(batch),
        summary=f"{written:,} indicator values from {batch.file_name}",
    )
    return batch


def write_values(frame: pd.DataFrame, batch: IndicatorImport, progress: Progress = _no_progress) -> int:
    """Replace the values the frame restates (same indicator, period and area), then insert it.

    Called inside the import's transaction: a failure anywhere leaves the old values in place.
    Rows go to the database as one parameterised INSERT run over many rows (``executemany``),
    not as model instances, so a hundred thousand values take a second or two, not a minute.
    """
    for (indicator_id, period), group in frame.groupby(["indicator", "period"], sort=False):
        IndicatorValue.objects.filter(
            indicator_id=int(indicator_id),
            period=period,
            area_id__in=group["area"].astype(int).unique().tolist(),
        ).delete()
    columns = frame[["indicator", "area", *VALUE_COLUMNS]].copy()
    for name in ("count", "denominator", "value", "lower_95", "upper_95", "lower_998", "upper_998"):
        columns[name] = columns[name].astype(float)
    columns["period_sort"] = columns["period_sort"].astype(int)
    columns["indicator"] = columns["indicator"].astype(int)
    columns["area"] = columns["area"].astype(int)
    columns["value_note"] = columns["value_note"].fillna("").astype(str)
    columns["source_import"] = batch.pk
    rows = list(columns.astype(object).where(columns.notna(), None).itertuples(index=False, name=None))
    meta = IndicatorValue._meta
    names = ["indicator", "area", *VALUE_COLUMNS, "source_import"]
    fields = [str(getattr(meta.get_field(name), "column", name)) for name in names]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f) for f in fields)}) "  # noqa: S608 - model names
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    total = len(rows)
    progress("writing", 0, total)
    with connection.cursor() as cursor:
        for start in range(0, total, WRITE_BATCH):
            cursor.executemany(sql, rows[start : start + WRITE_BATCH])
            progress("writing", min(start + WRITE_BATCH, total), total)
    return total


def indicator_link_care_groups(*, actor: User, partnership: Partnership, links: dict[str, list[str]]) -> int:
    """Tie indicators to the care groups whose needs they measure (by indicator code and group name)."""
    require_permission(actor, Permission.MANAGE_INDICATORS, partnership=partnership)
    indicators = {i.code: i for i in Indicator.objects.filter(partnership=partnership, code__in=list(links))}
    groups = {g.name: g for g in partnership.care_groups.all()}
    unknown = sorted({name for names in links.values() for name in names} - set(groups))
    missing = sorted(set(links) - set(indicators))
    if unknown or missing:
        raise ValidationError(
            {
                **({"care_groups": f"No care group called {', '.join(unknown)}."} if unknown else {}),
                **({"indicators": f"No indicator with the code {', '.join(missing)}."} if missing else {}),
            }
        )
    changed = 0
    with transaction.atomic():
        auditor = Auditor(actor, partnership_id=partnership.pk)
        for code, names in links.items():
            indicator = indicators[code]
            before = snapshot(indicator)
            indicator.care_groups.set([groups[name] for name in names])
            if auditor.updated(indicator, before) is not None:
                changed += 1
    return changed


# Need projections ------------------------------------------------------------------------


def population_import(*, actor: User, partnership: Partnership, path: str | Path) -> int:
    """Load population projections, replacing those held for the same area, year and age band."""
    require_permission(actor, Permission.MANAGE_INDICATORS, partnership=partnership)
    area_ids = dict(Area.objects.values_list("gss_code", "pk"))
    frame, errors = projection_files.parse_population(path, area_codes=area_ids.keys())
    if frame is None:
        raise ImportFailed(errors)
    with transaction.atomic():
        for (code, year), rows in frame.groupby(["area_code", "year"]):
            PopulationProjection.objects.filter(
                partnership=partnership,
                area_id=area_ids[str(code)],
                year=int(year),
                age_band__in=sorted(set(rows["age_band"])),
            ).delete()
        PopulationProjection.objects.bulk_create(
            (
                PopulationProjection(
                    partnership=partnership,
                    area_id=area_ids[row.area_code],
                    year=row.year,
                    sex=row.sex,
                    age_band=row.age_band,
                    population=row.population,
                    source=row.source[:255],
                )
                for row in frame.itertuples(index=False)
            ),
            batch_size=WRITE_BATCH,
        )
        areas = ", ".join(sorted(frame["area_code"].unique()))
        Auditor(actor, partnership_id=partnership.pk).record(
            AuditEvent.Action.IMPORT,
            partnership,
            summary=f"{len(frame):,} population projections for {areas}, "
            f"{frame['year'].min()}–{frame['year'].max()}",
        )
    return len(frame)


def prevalence_import(*, actor: User, partnership: Partnership, path: str | Path) -> int:
    """Load need measures and their prevalence rates; a measure's rates are replaced whole."""
    require_permission(actor, Permission.MANAGE_INDICATORS, partnership=partnership)
    groups = {g.name: g for g in partnership.care_groups.all()}
    frame, errors = projection_files.parse_prevalence(path, care_groups=groups.keys())
    if frame is None:
        raise ImportFailed(errors)
    with transaction.atomic():
        auditor = Auditor(actor, partnership_id=partnership.pk)
        for code, rows in frame.groupby("measure_code", sort=False):
            first = rows.iloc[0]
            measure = NeedMeasure.objects.filter(partnership=partnership, code=code).first()
            before = snapshot(measure) if measure else None
            measure = measure or NeedMeasure(partnership=partnership, code=str(code))
            measure.name = first["measure_name"]
            measure.care_group = groups.get(first["care_group"])
            measure.source = first["source"][:255] or measure.source
            measure.assumptions = first["assumptions"] or measure.assumptions
            measure.save()
            measure.rates.all().delete()
            PrevalenceRate.objects.bulk_create(
                PrevalenceRate(measure=measure, sex=r.sex, age_band=r.age_band, rate=r.rate)
                for r in rows.itertuples(index=False)
            )
            summary = f"{len(rows)} prevalence rates"
            if before is None:
                auditor.created(measure, summary=summary)
            else:
                auditor.record(
                    AuditEvent.Action.UPDATE, measure, before=before, after=snapshot(measure), summary=summary
                )
    return len(frame)
