"""SPC charts, icons and readings in words, built from series made up in memory (no database): gaps,
rebasing, a single point in a limits period, trends, measures with no preferred direction."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal

import pytest
from django.template import Context, Template

from commissioning.contracts.models import Kpi
from commissioning.performance import chart_render, charts, spc
from commissioning.performance.kpi_selectors import describe, describe_assurance
from commissioning.performance.schedule import iter_periods
from commissioning.performance.series import KpiSeries, chart_table, reading


def series_of(values, *, polarity="increase", target="85", unit="%", rebase_at=()) -> KpiSeries:
    kpi = Kpi(
        code="K1",
        name="Visits on time",
        unit=unit,
        target=None if target is None else Decimal(target),
        polarity=polarity,
        frequency="monthly",
    )
    periods = list(iter_periods("monthly", date(2024, 4, 1), date(2030, 3, 31)))[: len(values)]
    return KpiSeries(
        kpi=kpi,
        periods=periods,
        values=[None if v is None else Decimal(str(v)) for v in values],
        rebase_at=tuple(rebase_at),
    )


def named(figure, name):
    return [trace for trace in figure["data"] if trace.get("name") == name]


def test_gaps_stay_gaps_and_a_limits_period_of_one_point_draws_no_limits():
    values = [50, 52, None, 51, 53, 49, 50, 60]
    series = series_of(values, rebase_at=(7,))
    table = chart_table(series)
    figure = charts.spc_figure(table, unit="%", rebase_reasons={7: "New provider"})
    assert named(figure, "Value")[0]["y"][2] is None
    uppers = named(figure, "Upper process limit")
    assert len(uppers) == 1 and len(uppers[0]["x"]) == 7  # the second period has one point: no lines
    assert uppers[0]["y"][0] == pytest.approx(spc.xmr(values[:7])["upl"][0])
    (shape,) = figure["layout"]["shapes"]
    assert shape["x0"] == 6.5
    marker = next(a for a in figure["layout"]["annotations"] if a["text"] == "Limits recalculated")
    assert marker["hovertext"] == "New provider"
    plotted = sum(len(t["y"]) for t in figure["data"] if t.get("mode") == "markers")
    assert plotted == 7  # every reported point, none for the gap
    png = chart_render.render(table, fmt="png", title="K1", unit="%", rebase_reasons={7: "New provider"})
    assert png.startswith(b"\x89PNG")


def test_a_trend_is_described_with_its_length_and_start():
    values = [50, 51, 49, 50, 52, 48, 50, 51, 49, 50, 44, 43, 42, 41, 40, 39, 38]
    series = series_of(values, polarity="decrease", target="30")
    table = chart_table(series)
    spc_reading = reading(series)
    assert spc_reading.variation == "improvement_low"
    words = describe(series, table)
    assert words.startswith("Special cause of improvement: ")
    assert f"8 points falling in a row since {series.periods[9].label}" in words
    assert "below the lower process limit" in words
    assert "consistently fail" in describe_assurance(series, table, spc_reading)


def test_a_measure_with_no_preferred_direction_has_purple_points_and_no_assurance():
    values = [10, 11, 10, 12, 11, 10, 11, 10, 11, 12, 30]
    series = series_of(values, polarity="neutral", target="12")
    table = chart_table(series)
    spc_reading = reading(series)
    assert spc_reading.variation == "neutral_high" and spc_reading.assurance is None
    assert describe(series, table).startswith("Special cause: the latest point")
    assert "no preferred direction" in describe_assurance(series, table, spc_reading)
    figure = charts.spc_figure(table)
    (neutral,) = named(figure, "Special cause: neither improvement nor concern")
    assert neutral["marker"]["color"] == "#490092" and neutral["y"][-1] == 30.0


def test_no_target_means_no_target_line_and_no_assurance():
    series = series_of([5, 6, 5, 7, 6], target=None, unit="days")
    table = chart_table(series)
    figure = charts.spc_figure(table, unit="days")
    assert not named(figure, "Target")
    assert "Common cause variation: the latest point (Aug 2024, 6 days)" in describe(series, table)
    assert (
        describe_assurance(series, table, reading(series))
        == "No target is set, so there is no assurance icon."
    )
    svg = chart_render.render(table, fmt="svg", title="K1 & <days>", unit="days")
    assert ET.parse(io.BytesIO(svg)).getroot().tag.endswith("svg")


def render(source: str, **context) -> str:
    return Template("{% load spc_icons %}" + source).render(Context(context))


def test_icons_are_accessible_svgs_with_their_letter_colour_and_label():
    spc_reading = reading(
        series_of(
            [90, 91, 92, 90, 91, 92, 90, 91, 92, 90, 91, 92, 70, 71, 69, 72, 70, 68, 71, 70], target="95"
        )
    )
    assert (spc_reading.variation, spc_reading.assurance) == ("concern_low", "fail")
    html = render("{% variation_icon reading %}|{% assurance_icon reading %}", reading=spc_reading)
    variation, assurance = html.split("|")
    label = spc.VARIATION_LABELS["concern_low"]
    assert f'role="img" aria-label="{label}"' in variation and f"<title>{label}</title>" in variation
    assert 'fill="#ED8B00"' in variation and ">L</text>" in variation
    assert ">F</text>" in assurance and spc.ASSURANCE_LABELS["fail"] in assurance
    labelled = render(
        '{% include "performance/_icons.html" with reading=reading labels=True %}', reading=spc_reading
    )
    assert labelled.count('aria-hidden="true"') == 2 and f"<span>{label}</span>" in labelled
    few = reading(series_of([90]))
    html = render('{% include "performance/_icons.html" with reading=reading %}', reading=few)
    assert "Not enough data" in html and "No assurance yet: not enough data" in html
    assert 'stroke-dasharray="4 3"' in html


def test_figures_read_as_people_write_them():
    assert charts.with_unit(Decimal("88.2000"), "%") == "88.2%"
    assert charts.with_unit(1234.5678, "days") == "1,234.57 days"
    assert charts.with_unit(None, "%") == "" and charts.number(float("nan")) == ""
    assert charts.number(Decimal("12")) == "12"
