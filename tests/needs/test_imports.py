"""Importing indicator data: the real Fingertips export as it is, and every kind of bad row refused."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from commissioning.core.errors import NotPermitted
from commissioning.core.imports import ImportFailed
from commissioning.core.models import AuditEvent
from commissioning.core.permissions import Role
from commissioning.needs.models import Indicator, IndicatorImport, IndicatorValue
from commissioning.needs.services import indicator_save, indicators_import
from tests.conftest import SHARED_DATA

FINGERTIPS = SHARED_DATA / "fingertips" / "indicators-CountyUA.data.csv"
pytestmark = pytest.mark.skipif(not FINGERTIPS.exists(), reason="shared/data is not beside the repository")


def _rows() -> tuple[list[str], list[list[str]]]:
    with FINGERTIPS.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        return header, list(reader)


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _counts() -> tuple[int, int, int, int]:
    return (
        IndicatorValue.objects.count(),
        Indicator.objects.count(),
        IndicatorImport.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.fixture
def analyst(user_for):
    return user_for("southampton", Role.COMMISSIONER)


def test_the_real_fingertips_export_imports_as_it_is(southampton, analyst):
    batch = indicators_import(actor=analyst, partnership=southampton, path=FINGERTIPS)
    assert batch.rows_read == 852
    assert batch.values_written == 852
    indicator = Indicator.objects.get(partnership=southampton, fingertips_id=93356)
    # The quoted line break inside the name is read as part of the field, then tidied away.
    assert indicator.name == "Campylobacter incidence rate/100,000"
    assert indicator.value_type == "crude_rate"
    assert indicator.multiplier == 100_000
    assert indicator.unit == "per 100,000"
    assert indicator.polarity in {"higher_is_better", "lower_is_better"}
    england = IndicatorValue.objects.get(
        indicator=indicator, area__gss_code="E92000001", period="2015", category_type="", age="All ages"
    )
    assert england.count == 51897
    assert england.denominator == 54786327
    assert england.value == pytest.approx(94.7261896202678)
    assert england.lower_95 == pytest.approx(93.9129396546008)
    assert england.period_sort == 20150000
    deciles = IndicatorValue.objects.filter(
        indicator=indicator, area__gss_code="E92000001", period="2015"
    ).exclude(category_type="")
    assert deciles.count() >= 10
    assert AuditEvent.objects.filter(action="import", object_id=str(batch.pk)).exists()


def test_importing_again_replaces_rather_than_duplicates(southampton, analyst):
    indicators_import(actor=analyst, partnership=southampton, path=FINGERTIPS)
    indicators_import(actor=analyst, partnership=southampton, path=FINGERTIPS)
    assert (
        IndicatorValue.objects.filter(
            indicator__partnership=southampton, indicator__fingertips_id=93356
        ).count()
        == 852
    )


def test_later_exports_with_time_period_range_and_a_region_named_comparison(southampton, analyst, tmp_path):
    header, rows = _rows()
    header = [
        "Compared to South East region value or percentiles"
        if name == "Compared to Region value or percentiles"
        else name
        for name in header
    ]
    header = [*header, "Time period range"]
    path = _write(tmp_path / "later.csv", header, [[*row, "1y"] for row in rows])
    batch = indicators_import(actor=analyst, partnership=southampton, path=path)
    assert batch.values_written == 852


def test_an_existing_indicator_keeps_its_definition(southampton, analyst):
    indicator_save(
        actor=analyst,
        partnership=southampton,
        code="campylobacter",
        name="Campylobacter notifications",
        value_type="crude_rate",
        multiplier=100_000,
        polarity="lower_is_better",
        fingertips_id=93356,
    )
    indicators_import(actor=analyst, partnership=southampton, path=FINGERTIPS)
    indicator = Indicator.objects.get(partnership=southampton, fingertips_id=93356)
    assert indicator.code == "campylobacter"
    assert indicator.values.count() == 852


BAD_CASES = [
    # (what to change, expected (row, column, words in the reason))
    ("unknown_column", (1, "Favourite colour", "unknown column")),
    ("missing_column", (1, "Area Code", "required column is missing")),
    ("negative_count", (2, "Count", "must not be negative")),
    ("unknown_area", (3, "Area Code", "unknown area code E06999999")),
    ("bad_period", (4, "Time period", "does not parse")),
    ("duplicate", (854, "Area Code", "duplicates row 2")),
    ("not_a_number", (5, "Value", "is not a number")),
    ("bad_sex", (6, "Sex", "Persons, Male or Female")),
]


def _broken(case: str, tmp_path: Path) -> Path:
    header, rows = _rows()
    rows = [list(row) for row in rows]
    col = {name: i for i, name in enumerate(header)}
    if case == "unknown_column":
        header = [*header, "Favourite colour"]
        rows = [[*row, "blue"] for row in rows]
    elif case == "missing_column":
        index = col["Area Code"]
        header = header[:index] + header[index + 1 :]
        rows = [row[:index] + row[index + 1 :] for row in rows]
    elif case == "negative_count":
        rows[0][col["Count"]] = "-3"
    elif case == "unknown_area":
        rows[1][col["Area Code"]] = "E06999999"
    elif case == "bad_period":
        rows[2][col["Time period"]] = "sometime"
        rows[2][col["Time period Sortable"]] = ""
    elif case == "duplicate":
        rows.append(list(rows[0]))
    elif case == "not_a_number":
        rows[3][col["Value"]] = "about 90"
    elif case == "bad_sex":
        rows[4][col["Sex"]] = "Everyone"
    return _write(tmp_path / f"{case}.csv", header, rows)


@pytest.mark.parametrize(("case", "expected"), BAD_CASES, ids=[case for case, _ in BAD_CASES])
def test_bad_rows_are_reported_with_row_column_and_reason_and_nothing_lands(
    southampton, analyst, tmp_path, case, expected
):
    before = _counts()
    with pytest.raises(ImportFailed) as failure:
        indicators_import(actor=analyst, partnership=southampton, path=_broken(case, tmp_path))
    row, column, words = expected
    assert any(e.row == row and e.column == column and words in e.reason for e in failure.value.errors), [
        str(e) for e in failure.value.errors[:5]
    ]
    assert _counts() == before


def test_every_problem_in_a_file_is_reported_at_once(southampton, analyst, tmp_path):
    header, rows = _rows()
    col = {name: i for i, name in enumerate(header)}
    rows[0][col["Count"]] = "-1"
    rows[10][col["Area Code"]] = "E06999999"
    rows[20][col["Time period"]] = "2015-ish"
    rows[20][col["Time period Sortable"]] = ""
    with pytest.raises(ImportFailed) as failure:
        indicators_import(
            actor=analyst, partnership=southampton, path=_write(tmp_path / "x.csv", header, rows)
        )
    assert [(e.row, e.column) for e in failure.value.errors] == [
        (2, "Count"),
        (12, "Area Code"),
        (22, "Time period"),
    ]


def test_a_count_above_its_denominator_is_refused_for_a_proportion(southampton, analyst, tmp_path):
    indicator_save(
        actor=analyst,
        partnership=southampton,
        code="share",
        name="Share",
        value_type="proportion",
        multiplier=100,
        fingertips_id=93356,
    )
    header, rows = _rows()
    col = {name: i for i, name in enumerate(header)}
    rows[0][col["Count"]] = "100"
    rows[0][col["Denominator"]] = "50"
    with pytest.raises(ImportFailed) as failure:
        indicators_import(
            actor=analyst, partnership=southampton, path=_write(tmp_path / "p.csv", header, rows)
        )
    assert (
        str(failure.value.errors[0])
        == "row 2, column Count: is above the denominator, which a proportion cannot be"
    )


def test_a_viewer_cannot_import(southampton, user_for):
    with pytest.raises(NotPermitted):
        indicators_import(
            actor=user_for("southampton", Role.VIEWER), partnership=southampton, path=FINGERTIPS
        )


def test_a_file_that_is_neither_layout_is_refused(southampton, analyst, tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("name,amount\nx,1\n")
    with pytest.raises(ImportFailed) as failure:
        indicators_import(actor=analyst, partnership=southampton, path=path)
    assert "neither a Fingertips export" in failure.value.errors[0].reason


# The command ------------------------------------------------------------------------------


def test_the_import_command_loads_the_file(southampton, capsys):
    from commissioning.cli import main

    code = main(["import", "indicators", str(FINGERTIPS), "--partnership", "southampton", "--no-migrate"])
    assert code == 0
    assert "Imported 852 values from 852 rows" in capsys.readouterr().out
    assert (
        IndicatorValue.objects.filter(
            indicator__partnership=southampton, indicator__fingertips_id=93356
        ).count()
        == 852
    )


def test_the_import_command_lists_problems_and_fails(southampton, tmp_path, capsys):
    from commissioning.cli import main

    code = main(
        [
            "import",
            "indicators",
            str(_broken("unknown_area", tmp_path)),
            "--partnership",
            "southampton",
            "--no-migrate",
        ]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "Nothing imported: 1 problem(s)" in err
    assert "row 3, column Area Code: unknown area code E06999999" in err
    assert not IndicatorValue.objects.filter(indicator__fingertips_id=93356).exists()


# The upload page --------------------------------------------------------------------------


def test_the_upload_page_imports_a_file(southampton, client_for):
    client = client_for("southampton", Role.COMMISSIONER)
    assert client.get("/p/southampton/needs/import/").status_code == 200
    with FINGERTIPS.open("rb") as handle:
        response = client.post("/p/southampton/needs/import/", {"file": handle}, follow=True)
    assert response.status_code == 200
    assert "Imported 852 values from 852 rows" in response.content.decode()
    assert "indicators-CountyUA.data.csv" in response.content.decode()


def test_the_upload_page_lists_each_problem(southampton, client_for, tmp_path):
    client = client_for("southampton", Role.COMMISSIONER)
    with _broken("negative_count", tmp_path).open("rb") as handle:
        response = client.post("/p/southampton/needs/import/", {"file": handle})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Nothing was imported: 1 problem found" in page
    assert "must not be negative" in page
    assert not IndicatorValue.objects.filter(indicator__fingertips_id=93356).exists()


def test_the_upload_page_refuses_other_file_types(southampton, client_for):
    client = client_for("southampton", Role.COMMISSIONER)
    upload = io.BytesIO(b"hello")
    upload.name = "notes.txt"
    response = client.post("/p/southampton/needs/import/", {"file": upload})
    assert "Choose a .csv or .parquet file." in response.content.decode()


def test_only_those_who_manage_indicators_may_upload(client_for):
    assert client_for("southampton", Role.VIEWER).get("/p/southampton/needs/import/").status_code == 403
    assert (
        client_for("nottinghamshire", Role.COMMISSIONER).get("/p/southampton/needs/import/").status_code
        == 404
    )


def test_the_export_command_writes_the_fingertips_layout(southampton, tmp_path, capsys):
    from commissioning.cli import main

    output = tmp_path / "jsna.csv"
    assert main(["export", "indicators", "--partnership", "southampton", "--output", str(output)]) == 0
    assert "small numbers suppressed" in capsys.readouterr().out
    header = output.read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("Indicator ID,Indicator Name,Parent Code,Parent Name,Area Code")
    assert main(["export", "indicators", "--partnership", "nowhere", "--output", str(output)]) == 2
