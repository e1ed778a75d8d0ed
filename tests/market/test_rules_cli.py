"""``commissioning rules load`` and ``commissioning rules list`` on the test database."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from commissioning.cli import main
from commissioning.core.models import AuditEvent
from commissioning.core.system import SYSTEM_USERNAME
from commissioning.market.models import Rule, RuleSet
from commissioning.market.rulesets import RULESETS_DIR

pytestmark = pytest.mark.django_db


def _shipped(code: str) -> dict:
    return json.loads((RULESETS_DIR / f"{code}.json").read_text(encoding="utf-8"))


def test_load_reports_unchanged_sets_then_repairs_an_edit(capsys):
    shipped = len(list(RULESETS_DIR.glob("*.json")))
    assert main(["rules", "load", "--no-migrate"]) == 0
    out = capsys.readouterr().out
    assert f"Rule sets from {RULESETS_DIR}: 0 created, 0 updated, {shipped} unchanged." in out

    Rule.objects.filter(rule_set__code="public-contracts-regulations-2015-2018", position=20).update(
        min_value=Decimal("1.00")
    )
    assert main(["rules", "load", "--no-migrate"]) == 0
    out = capsys.readouterr().out
    assert f"0 created, 1 updated, {shipped - 1} unchanged." in out
    assert "  updated: public-contracts-regulations-2015-2018" in out
    rule = Rule.objects.get(rule_set__code="public-contracts-regulations-2015-2018", position=20)
    assert rule.min_value == Decimal("181302.00")
    assert AuditEvent.objects.filter(
        object_type__model="ruleset", object_id=str(rule.rule_set_id), action="update"
    ).exists()


def test_load_from_a_directory_creates_a_new_set(tmp_path, capsys):
    data = _shipped("public-contracts-regulations-2015-2018")
    data.update(code="standing-orders-test", name="Test standing orders", precedence=300)
    (tmp_path / "standing-orders-test.json").write_text(json.dumps(data), encoding="utf-8")
    assert main(["rules", "load", "--no-migrate", "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"Rule sets from {tmp_path}: 1 created, 0 updated, 0 unchanged." in out
    assert "  created: standing-orders-test" in out
    created = RuleSet.objects.get(code="standing-orders-test")
    assert created.partnership is None and created.rules.count() == len(data["rules"])
    assert AuditEvent.objects.filter(
        object_type__model="ruleset",
        object_id=str(created.pk),
        action="create",
        actor__username=SYSTEM_USERNAME,
    ).exists()


def test_load_refuses_a_bad_file_and_changes_nothing(tmp_path, capsys):
    data = _shipped("public-contracts-regulations-2015-2018")
    data["rules"][0]["min_value"] = 181302.5
    (tmp_path / "public-contracts-regulations-2015-2018.json").write_text(json.dumps(data), encoding="utf-8")
    assert main(["rules", "load", "--no-migrate", "--dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "Nothing loaded: public-contracts-regulations-2015-2018.json:" in err and "never a float" in err
    rule = Rule.objects.get(rule_set__code="public-contracts-regulations-2015-2018", position=10)
    assert rule.min_value == Decimal("4551413.00")
    assert main(["rules", "load", "--no-migrate", "--dir", str(tmp_path / "missing")]) == 2
    assert "No such directory" in capsys.readouterr().err


def test_list_shows_the_sets_in_force_with_dates_and_sources(capsys):
    assert main(["rules", "list", "--on", "2018-06-01"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Procurement rule sets in force on 1 June 2018:")
    name = "Public Contracts Regulations 2015 (thresholds from 1 January 2018)"
    assert f"public-contracts-regulations-2015-2018: {name}" in out
    assert (
        "  In force from 1 January 2018 to 31 December 2019; binds council, nhs; precedence 100; national."
        in out
    )
    assert "nhs-procurement-regulations-2013:" in out
    assert "  Source: The Public Contracts Regulations 2015 (SI 2015/102)" in out
    assert "procurement-act" not in out and "council-framework-2010" not in out
    # Lower precedence first: the Regulations before the NHS regulations of 2013.
    assert out.index("public-contracts-regulations-2015-2018") < out.index("nhs-procurement-regulations-2013")


def test_list_defaults_to_today_and_can_add_a_partnerships_own(southampton, capsys):
    RuleSet.objects.create(
        partnership=southampton,
        code="southampton-cli-test",
        name="Southampton contract procedure rules (test)",
        source="Southampton City Council constitution, contract procedure rules.",
        body_kinds=["council"],
        effective_from=date(2000, 1, 1),
    )
    assert main(["rules", "list"]) == 0
    out = capsys.readouterr().out
    assert "Procurement rule sets in force on " in out
    assert "nhs-provider-selection-regime-2024" in out and "southampton-cli-test" not in out
    assert main(["rules", "list", "--partnership", "southampton"]) == 0
    out = capsys.readouterr().out
    assert "southampton-cli-test: Southampton contract procedure rules (test)" in out
    assert "precedence 100; Southampton" in out


def test_list_refuses_bad_input(capsys):
    assert main(["rules", "list", "--on", "1 June 2018"]) == 2
    assert "--on must be a date as YYYY-MM-DD" in capsys.readouterr().err
    assert main(["rules", "list", "--partnership", "atlantis"]) == 2
    assert "No partnership with the slug 'atlantis'" in capsys.readouterr().err
    assert main(["rules", "list", "--on", "1990-01-01"]) == 0
    assert capsys.readouterr().out == "No procurement rule sets are in force on 1 January 1990.\n"
