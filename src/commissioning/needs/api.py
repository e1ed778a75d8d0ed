"""JSON API for the JSNA: indicators and their published (suppressed) values."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema

from commissioning.core.lookup import found_or_404
from commissioning.core.permissions import Permission
from commissioning.needs import fingertips_layout, selectors
from commissioning.partners import selectors as partner_selectors
from commissioning.partners.permissions import require_permission

router = Router(tags=["needs"])

# The Fingertips columns under names a program can use, in the same order.
VALUE_FIELDS = (
    "indicator_id",
    "indicator_name",
    "parent_code",
    "parent_name",
    "area_code",
    "area_name",
    "area_type",
    "sex",
    "age",
    "category_type",
    "category",
    "period",
    "value",
    "lower_95",
    "upper_95",
    "lower_998",
    "upper_998",
    "count",
    "denominator",
    "value_note",
    "recent_trend",
    "compared_to_england",
    "compared_to_region",
    "period_sortable",
)


def _partnership(request: HttpRequest, slug: str) -> Any:
    try:
        partnership = partner_selectors.partnership_for(request.user, slug)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc
    require_permission(request.user, Permission.VIEW_NEEDS, partnership=partnership)
    return partnership


class IndicatorOut(Schema):
    id: int
    code: str
    name: str
    definition: str
    topic: str
    value_type: str
    multiplier: int
    unit: str
    polarity: str
    benchmark_method: str
    source: str
    fingertips_id: int | None
    latest_period: str | None


class ValueOut(Schema):
    indicator_id: str
    indicator_name: str
    parent_code: str
    parent_name: str
    area_code: str
    area_name: str
    area_type: str
    sex: str
    age: str
    category_type: str
    category: str
    period: str
    value: float | None
    lower_95: float | None
    upper_95: float | None
    lower_998: float | None
    upper_998: float | None
    count: float | None
    denominator: float | None
    value_note: str
    recent_trend: str
    compared_to_england: str
    compared_to_region: str
    period_sortable: int


class ValuesQuery(Schema):
    area: str | None = None
    period: str | None = None


@router.get("/partnerships/{slug}/indicators", response=list[IndicatorOut])
def indicator_list(request: HttpRequest, slug: str) -> Any:
    return selectors.indicators_of(_partnership(request, slug))


@router.get("/partnerships/{slug}/indicators/{indicator_id}", response=IndicatorOut)
def indicator_detail(request: HttpRequest, slug: str, indicator_id: int) -> Any:
    return found_or_404(selectors.indicator_with_latest_period, _partnership(request, slug), indicator_id)


@router.get("/partnerships/{slug}/indicators/{indicator_id}/values", response=list[ValueOut])
def indicator_values(request: HttpRequest, slug: str, indicator_id: int, query: Query[ValuesQuery]) -> Any:
    """An area's values with its region, England and comparators, every group and period shown
    on the indicator page; small numbers are suppressed exactly as in the downloads."""
    partnership = _partnership(request, slug)
    indicator = found_or_404(selectors.indicator_in, partnership, indicator_id)
    area = found_or_404(
        selectors.area_for, partnership, query.area or selectors.default_area_code(partnership)
    )
    page = found_or_404(selectors.indicator_page, partnership, indicator, area, query.period)
    export = page.export
    rows = fingertips_layout.rows(export.frame, export.indicators, export.areas)
    return [dict(zip(VALUE_FIELDS, row, strict=True)) for row in rows]
