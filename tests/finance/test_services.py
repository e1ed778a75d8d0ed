"""Finance services and summaries against the real database: refusals say why and save nothing,
money is exact, concurrent edits are caught, every change is audited, and settlement reconciles."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from commissioning.core.errors import NotPermitted
from commissioning.core.models import AuditEvent
from commissioning.core.permissions import Role
from commissioning.finance import services, summaries
from commissioning.finance.models import (
    Actual,
    BudgetLine,
    Contribution,
    Forecast,
    JointPost,
    PooledFund,
    PostShare,
    PreventionTarget,
    RiskShare,
    Scheme,
    SchemeFunding,
)
from commissioning.governance.models import Agreement, Team
from commissioning.partners.models import CareGroup, Organisation

pytestmark = pytest.mark.django_db

D = Decimal
FUND_NAME = "Test pooled fund (finance service tests)"
YEAR = 2025  # 2025/26: ended by AFTER_YEAR_END
AFTER_YEAR_END = dt.date(2026, 6, 1)
IN_YEAR = dt.date(2025, 11, 1)
AUDIT_YEAR = 2039  # a year no demo data uses, for the partnership-wide summaries


def _messages(error: ValidationError, field: str = "__all__") -> str:
    return " ".join(error.message_dict[field])


def _counts(*models):
    return [model.objects.count() for model in models]


def _events(obj, action=None):
    events = AuditEvent.objects.filter(object_id=str(obj.pk), object_type__model=obj._meta.model_name)
    if action:
        events = events.filter(action=action)
    return list(events.order_by("id"))


@pytest.fixture
def orgs(southampton):
    return SimpleNamespace(
        council=Organisation.objects.get(gss_code="E06000045"),
        ccg=Organisation.objects.get(ods_code="10X"),
        solent=Organisation.objects.get(ods_code="R1C"),
    )


@pytest.fixture
def people(user_for):
    return SimpleNamespace(
        finance=user_for("southampton", Role.FINANCE_OFFICER),
        admin=user_for("southampton", Role.ADMINISTRATOR),
        commissioner=user_for("southampton", Role.COMMISSIONER),
        viewer=user_for("southampton", Role.VIEWER),
    )


@pytest.fixture
def common(southampton, people):
    return {"actor": people.finance, "partnership": southampton}


@pytest.fixture
def fund(common, orgs):
    return services.fund_create(
        **common,
        name=FUND_NAME,
        host=orgs.council,
        purpose="Services for older people, commissioned jointly under Section 75.",
        starts_on=dt.date(2024, 4, 1),
    )


@pytest.fixture
def funded(common, orgs, fund):
    """The fund with 2025/26 contributions, one scheme each partner funds, and a pooled line each."""
    services.contributions_set(
        **common,
        fund=fund,
        financial_year=YEAR,
        amounts={orgs.council: D("600000.00"), orgs.ccg: D("400000.01")},
    )
    scheme = services.scheme_create(
        **common,
        fund=fund,
        name="Reablement at home",
        scheme_type="Reablement",
        commissioner=orgs.council,
        funding=[(orgs.council, YEAR, D("600000.00")), (orgs.ccg, YEAR, D("400000.01"))],
    )
    lines = {
        org: services.budget_line_create(
            **common,
            organisation=org,
            financial_year=YEAR,
            cost_centre="TSTBCF01",
            service_area="Reablement at home",
            tier="community",
            amount=amount,
            arrangement="pooled",
            fund=fund,
            scheme=scheme,
        )
        for org, amount in ((orgs.council, D("600000.00")), (orgs.ccg, D("400000.01")))
    }
    return SimpleNamespace(fund=fund, scheme=scheme, lines=lines)


def _line(common, orgs, **overrides):
    fields = {
        "organisation": orgs.council,
        "financial_year": AUDIT_YEAR,
        "cost_centre": "TST01",
        "service_area": "Home care",
        "tier": "community",
        "amount": D("1000.00"),
    }
    return services.budget_line_create(**common, **{**fields, **overrides})


# Pooled funds ----------------------------------------------------------------------------


def test_a_fund_is_created_and_audited(fund, people, orgs):
    assert fund.host == orgs.council and fund.version == 1 and fund.risk_share_rule == "proportional"
    [event] = _events(fund, AuditEvent.Action.CREATE)
    assert event.actor == people.finance and event.after["name"] == FUND_NAME


def test_bad_funds_are_refused_and_nothing_saved(common, orgs, fund, nottinghamshire):
    elsewhere = Agreement.objects.create(
        partnership=nottinghamshire,
        kind="s75_pooled",
        title="Elsewhere's agreement",
        purpose="x",
        starts_on=dt.date(2024, 4, 1),
    )
    good = {
        "name": "Another test fund",
        "host": orgs.council,
        "purpose": "Something worth pooling.",
        "starts_on": dt.date(2024, 4, 1),
    }
    cases = [
        ({"host": orgs.solent}, "host", "Solent NHS Trust is not a commissioning partner"),
        (
            {"ends_on": dt.date(2024, 3, 1)},
            "ends_on",
            "cannot end (1 March 2024) before it starts (1 April 2024)",
        ),
        ({"agreement": elsewhere}, "agreement", "Elsewhere's agreement is not an agreement of"),
        ({"name": FUND_NAME.upper()}, "name", "already has a pooled fund called"),
        ({"risk_share_rule": "lottery"}, "risk_share_rule", "'lottery' is not a risk-share rule"),
        ({"purpose": "  "}, "purpose", "Say what the fund is for"),
    ]
    before = _counts(PooledFund, AuditEvent)
    for change, field, message in cases:
        with pytest.raises(ValidationError) as refused:
            services.fund_create(**common, **{**good, **change})
        assert message in _messages(refused.value, field)
    assert _counts(PooledFund, AuditEvent) == before


def test_two_edits_of_a_fund_from_the_same_version_the_second_is_refused(common, fund, people):
    first = services.fund_update(**common, fund=fund, version=1, purpose="The first person's purpose.")
    assert first.version == 2
    with pytest.raises(ValidationError) as refused:
        services.fund_update(**common, fund=fund, version=1, purpose="The second person's purpose.")
    assert _messages(refused.value) == (
        f"The pooled fund {FUND_NAME} was changed by someone else since you opened it (now version 2); "
        "reload to see their change."
    )
    fund.refresh_from_db()
    assert fund.purpose == "The first person's purpose." and fund.version == 2
    [event] = _events(fund, AuditEvent.Action.UPDATE)
    assert event.before["purpose"].startswith("Services for older people")
    assert event.after["purpose"] == "The first person's purpose." and event.after["version"] == 2
    with pytest.raises(ValidationError) as unknown:
        services.fund_update(**common, fund=fund, version=2, partnership_id=1)
    assert "cannot be changed here" in _messages(unknown.value, "partnership_id")


def test_a_fund_cannot_be_cut_short_of_years_it_has_money_for(common, funded):
    with pytest.raises(ValidationError) as refused:
        services.fund_update(**common, fund=funded.fund, version=1, ends_on=dt.date(2025, 3, 31))
    assert "has no money in 2025/26" in _messages(refused.value, "ends_on")


# Contributions and risk shares -----------------------------------------------------------


def test_contributions_bad_input_is_refused_and_nothing_saved(common, orgs, fund):
    cases = [
        ({orgs.council: 1000.5}, "must be given as an exact sum (a Decimal), not a float (1000.5)"),
        ({orgs.council: D("-1.00")}, "Southampton City Council's contribution cannot be negative (-1.00)"),
        ({orgs.council: D("10.005")}, "10.005 has more than two decimal places"),
        ({orgs.solent: D("10.00")}, "Solent NHS Trust is not a commissioning partner"),
        ({orgs.council: D("0"), orgs.ccg: D("0.00")}, "add up to £0.00"),
        ({}, "add up to £0.00"),
    ]
    before = _counts(Contribution, AuditEvent)
    for amounts, message in cases:
        with pytest.raises(ValidationError) as refused:
            services.contributions_set(**common, fund=fund, financial_year=YEAR, amounts=amounts)
        assert message in _messages(refused.value, "amounts")
    with pytest.raises(ValidationError) as too_early:
        services.contributions_set(
            **common, fund=fund, financial_year=2020, amounts={orgs.council: D("1.00")}
        )
    assert "has no money in 2020/21" in _messages(too_early.value, "financial_year")
    assert _counts(Contribution, AuditEvent) == before


def test_contributions_replace_the_year_and_every_change_is_audited(common, orgs, fund):
    first = services.contributions_set(
        **common, fund=fund, financial_year=YEAR, amounts={orgs.council: D("100.00"), orgs.ccg: D("50.00")}
    )
    assert [(c.organisation, c.amount) for c in first] == [
        (orgs.council, D("100.00")),
        (orgs.ccg, D("50.00")),
    ]
    kept = services.contributions_set(
        **common, fund=fund, financial_year=YEAR, amounts={orgs.council: D("120.00")}
    )
    assert kept[0].pk == first[0].pk
    assert list(Contribution.objects.filter(fund=fund).values_list("organisation", "amount")) == [
        (orgs.council.pk, D("120.00"))
    ]
    council_events = _events(first[0])
    assert [e.action for e in council_events] == ["create", "update"]
    assert council_events[1].before["amount"] == "100.00" and council_events[1].after["amount"] == "120.00"
    assert [e.action for e in _events(first[1])] == ["create", "delete"]


def test_risk_shares_must_add_to_100_percent(common, orgs, fund):
    with pytest.raises(ValidationError) as refused:
        services.risk_shares_set(
            **common, fund=fund, shares={orgs.council: (5_000, None), orgs.ccg: (4_750, D("1000.00"))}
        )
    assert _messages(refused.value, "shares") == "Shares add to 97.50 %, not 100 %."
    with pytest.raises(ValidationError) as bad_cap:
        services.risk_shares_set(
            **common, fund=fund, shares={orgs.council: (5_000, None), orgs.ccg: (5_000, D("-5"))}
        )
    assert "Clinical Commissioning Group's cap cannot be negative (-5)" in _messages(bad_cap.value, "shares")
    assert not RiskShare.objects.filter(fund=fund).exists()
    shares = services.risk_shares_set(
        **common, fund=fund, shares={orgs.council: (6_000, None), orgs.ccg: (4_000, D("1000.00"))}
    )
    assert [(s.share_bp, s.cap) for s in shares] == [(6_000, None), (4_000, D("1000.00"))]
    assert all(_events(share, AuditEvent.Action.CREATE) for share in shares)


# Schemes ---------------------------------------------------------------------------------


def test_a_scheme_with_its_funding(funded, orgs):
    scheme = funded.scheme
    assert sorted(scheme.funding.values_list("organisation", "amount")) == sorted(
        [(orgs.council.pk, D("600000.00")), (orgs.ccg.pk, D("400000.01"))]
    )
    assert _events(scheme, AuditEvent.Action.CREATE)


def test_bad_schemes_are_refused_and_nothing_saved(common, orgs, fund, nottinghamshire):
    elsewhere = CareGroup.objects.filter(partnership=nottinghamshire).first()
    good = {"name": "Falls prevention", "scheme_type": "Prevention", "commissioner": orgs.council}
    cases = [
        ({"commissioner": orgs.solent}, "commissioner", "Solent NHS Trust is not a commissioning partner"),
        ({"scheme_type": ""}, "scheme_type", "Say what type of scheme"),
        ({"tier": "luxury"}, "tier", "'luxury' is not a tier"),
        ({"care_group": elsewhere}, "care_group", "is not a care group of"),
        (
            {"funding": [(orgs.ccg, YEAR, D("1.00")), (orgs.ccg, YEAR, D("2.00"))]},
            "funding",
            "Clinical Commissioning Group's funding for 2025/26 is given twice",
        ),
        ({"funding": [(orgs.ccg, YEAR, D("1.001"))]}, "funding", "1.001 has more than two decimal places"),
        ({"funding": [(orgs.solent, YEAR, D("1.00"))]}, "funding", "Solent NHS Trust is not a commissioning"),
    ]
    before = _counts(Scheme, SchemeFunding, AuditEvent)
    for change, field, message in cases:
        with pytest.raises(ValidationError) as refused:
            services.scheme_create(**common, fund=fund, **{**good, **change})
        assert message in _messages(refused.value, field)
    assert _counts(Scheme, SchemeFunding, AuditEvent) == before


def test_scheme_update_replaces_its_funding(common, orgs, funded):
    scheme = services.scheme_update(
        **common,
        scheme=funded.scheme,
        scheme_type="Reablement and rehabilitation",
        funding=[(orgs.council, YEAR, D("650000.00"))],
    )
    assert scheme.scheme_type == "Reablement and rehabilitation"
    assert list(scheme.funding.values_list("organisation", "amount")) == [(orgs.council.pk, D("650000.00"))]
    assert _events(scheme, AuditEvent.Action.UPDATE)


# Budget lines and forecasts ---------------------------------------------------------------


def test_bad_budget_lines_are_refused_and_nothing_saved(common, orgs, fund):
    _line(common, orgs)
    cases = [
        (
            {"cost_centre": "TST02", "arrangement": "pooled"},
            "fund",
            "A pooled budget is part of a pooled fund",
        ),
        (
            {"cost_centre": "tst01"},
            "cost_centre",
            "Southampton City Council already has cost centre TST01 in 2039/40 (Home care)",
        ),
        ({"cost_centre": "TST02", "amount": D("-5.00")}, "amount", "cannot be negative (-5.00)"),
        ({"cost_centre": "TST02", "amount": D("5.001")}, "amount", "5.001 has more than two decimal places"),
        ({"cost_centre": "TST02", "amount": 5.5}, "amount", "not a float (5.5)"),
        (
            {"cost_centre": "TST02", "organisation": orgs.solent},
            "organisation",
            "not a commissioning partner",
        ),
        ({"cost_centre": "TST02", "fund": fund}, "fund", "A single-agency budget is not part of a fund"),
        ({"cost_centre": "TST02", "tier": "luxury"}, "tier", "'luxury' is not a tier"),
    ]
    before = _counts(BudgetLine, AuditEvent)
    for change, field, message in cases:
        with pytest.raises(ValidationError) as refused:
            _line(common, orgs, **change)
        assert message in _messages(refused.value, field)
    assert _counts(BudgetLine, AuditEvent) == before
    # The same cost centre is fine for the other partner.
    assert _line(common, orgs, organisation=orgs.ccg).cost_centre == "TST01"


def test_two_people_editing_one_budget_line_the_second_is_told_and_nothing_lost(common, orgs, people):
    line = _line(common, orgs)
    opened_by_first = BudgetLine.objects.get(pk=line.pk)
    opened_by_second = BudgetLine.objects.get(pk=line.pk)
    saved = services.budget_line_update(
        **common, budget_line=opened_by_first, version=opened_by_first.version, amount=D("1500.00")
    )
    assert saved.version == 2 and saved.amount == D("1500.00")
    with pytest.raises(ValidationError) as refused:
        services.budget_line_update(
            actor=people.admin,
            partnership=common["partnership"],
            budget_line=opened_by_second,
            version=opened_by_second.version,
            amount=D("900.00"),
        )
    assert "was changed by someone else since you opened it (now version 2); reload" in _messages(
        refused.value
    )
    assert "The budget line TST01 (Southampton City Council, 2039/40)" in _messages(refused.value)
    line.refresh_from_db()
    assert line.amount == D("1500.00") and line.version == 2
    [event] = _events(line, AuditEvent.Action.UPDATE)
    assert (event.before["amount"], event.after["amount"]) == ("1000.00", "1500.00")
    assert event.actor == people.finance
    with pytest.raises(ValidationError):
        services.budget_line_delete(**common, budget_line=line, version=1)
    assert BudgetLine.objects.filter(pk=line.pk).exists()
    services.budget_line_delete(**common, budget_line=line, version=2)
    assert not BudgetLine.objects.filter(pk=line.pk).exists()
    assert _events(line, AuditEvent.Action.DELETE)[0].before["cost_centre"] == "TST01"


def test_a_line_with_spending_is_not_deleted(common, funded):
    line = funded.lines[next(iter(funded.lines))]
    Actual.objects.create(budget_line=line, month=dt.date(2025, 4, 1), amount=D("10.00"))
    with pytest.raises(ValidationError) as refused:
        services.budget_line_delete(**common, budget_line=line, version=line.version)
    assert "has 1 actuals and 0 forecasts" in _messages(refused.value)
    assert BudgetLine.objects.filter(pk=line.pk).exists()


def test_forecasts_are_kept_month_by_month_and_replaced_within_a_month(common, orgs):
    line = _line(common, orgs)
    may = services.forecast_record(
        **common, budget_line=line, made_in=dt.date(2039, 5, 17), outturn=D("1100.00")
    )
    assert may.made_in == dt.date(2039, 5, 1)
    services.forecast_record(**common, budget_line=line, made_in=dt.date(2039, 6, 1), outturn=D("1200.00"))
    again = services.forecast_record(
        **common, budget_line=line, made_in=dt.date(2039, 5, 1), outturn=D("1150.00")
    )
    assert again.pk == may.pk
    assert list(line.forecasts.order_by("made_in").values_list("outturn", flat=True)) == [
        D("1150.00"),
        D("1200.00"),
    ]
    assert [e.action for e in _events(may)] == ["create", "update"]
    with pytest.raises(ValidationError) as refused:
        services.forecast_record(**common, budget_line=line, made_in=dt.date(2041, 4, 1), outturn=D("1.00"))
    assert "from April 2039 to March 2040, not in April 2041" in _messages(refused.value, "made_in")
    with pytest.raises(ValidationError) as negative:
        services.forecast_record(**common, budget_line=line, made_in=dt.date(2040, 1, 1), outturn=D("-1.00"))
    assert "The forecast outturn cannot be negative" in _messages(negative.value, "outturn")
    assert Forecast.objects.filter(budget_line=line).count() == 2


# Joint posts and prevention targets ------------------------------------------------------


@pytest.fixture
def team(southampton):
    return Team.objects.create(partnership=southampton, name="Test joint unit (finance tests)")


def test_new_posts_are_split_50_50_and_existing_posts_keep_their_split(common, orgs, team):
    new = services.joint_post_create(
        **common, team=team, title="Senior Commissioner", annual_cost=D("90800.00"), is_new=True
    )
    assert dict(new.shares.values_list("organisation", "share_bp")) == {
        orgs.council.pk: 5_000,
        orgs.ccg.pk: 5_000,
    }
    existing = services.joint_post_create(
        **common,
        team=team,
        title="Associate Director",
        annual_cost=D("78000.00"),
        shares={orgs.council: 6_000, orgs.ccg: 4_000},
    )
    assert dict(existing.shares.values_list("organisation", "share_bp")) == {
        orgs.council.pk: 6_000,
        orgs.ccg.pk: 4_000,
    }
    assert (
        _events(new, AuditEvent.Action.CREATE)
        and len(
            AuditEvent.objects.filter(
                object_type__model="postshare", object_id__in=[str(s.pk) for s in new.shares.all()]
            )
        )
        == 2
    )


def test_bad_posts_are_refused_and_nothing_saved(common, orgs, team):
    cases = [
        ({"shares": {orgs.council: 6_000, orgs.ccg: 3_750}}, "shares", "Shares add to 97.50 %, not 100 %."),
        ({"shares": None}, "shares", "keeps its partners' current split"),
        ({"shares": {orgs.solent: 10_000}}, "shares", "Solent NHS Trust is not a commissioning partner"),
        ({"is_new": True, "shares": {orgs.council: 10_000}}, "shares", "shared equally"),
        ({"annual_cost": D("-1.00"), "is_new": True}, "annual_cost", "The annual cost cannot be negative"),
        ({"title": " ", "is_new": True}, "title", "Give the post's title"),
    ]
    before = _counts(JointPost, PostShare, AuditEvent)
    for change, field, message in cases:
        fields = {"team": team, "title": "Commissioner", "annual_cost": D("50000.00"), **change}
        with pytest.raises(ValidationError) as refused:
            services.joint_post_create(**common, **fields)
        assert message in _messages(refused.value, field)
    assert _counts(JointPost, PostShare, AuditEvent) == before


def test_prevention_target_is_set_then_changed(common, southampton):
    target = services.prevention_target_set(**common, financial_year=AUDIT_YEAR, share_bp=1_200)
    again = services.prevention_target_set(**common, financial_year=AUDIT_YEAR, share_bp=1_300)
    assert again.pk == target.pk
    assert PreventionTarget.objects.get(partnership=southampton, financial_year=AUDIT_YEAR).share_bp == 1_300
    assert [e.action for e in _events(target)] == ["create", "update"]
    with pytest.raises(ValidationError) as refused:
        services.prevention_target_set(**common, financial_year=AUDIT_YEAR, share_bp=12_000)
    assert "12000 is not" in _messages(refused.value, "share_bp")


# Permissions -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.COMMISSIONER, Role.VIEWER, Role.BOARD_MEMBER, Role.PROVIDER_CONTACT])
def test_only_finance_officers_and_administrators_manage_finance(role, user_for, southampton, orgs, fund):
    actor = user_for("southampton", role)
    common = {"actor": actor, "partnership": southampton}
    attempts = [
        lambda: services.fund_create(
            **common, name="Not allowed", host=orgs.council, purpose="x", starts_on=dt.date(2024, 4, 1)
        ),
        lambda: services.fund_update(**common, fund=fund, version=1, purpose="Not allowed"),
        lambda: services.contributions_set(
            **common, fund=fund, financial_year=YEAR, amounts={orgs.council: D("1")}
        ),
        lambda: services.prevention_target_set(**common, financial_year=AUDIT_YEAR, share_bp=100),
    ]
    for attempt in attempts:
        with pytest.raises(NotPermitted, match="finance officer or administrator"):
            attempt()
    fund.refresh_from_db()
    assert fund.version == 1


def test_administrators_may_and_other_partnerships_objects_are_refused(
    people, southampton, nottinghamshire, orgs
):
    services.prevention_target_set(
        actor=people.admin, partnership=southampton, financial_year=AUDIT_YEAR, share_bp=1
    )
    theirs = PooledFund.objects.create(
        partnership=nottinghamshire,
        name="Their fund",
        host=nottinghamshire.organisations.first(),
        purpose="Not ours.",
        starts_on=dt.date(2024, 4, 1),
    )
    with pytest.raises(NotPermitted, match="belongs to another partnership"):
        services.contributions_set(
            actor=people.admin,
            partnership=southampton,
            fund=theirs,
            financial_year=YEAR,
            amounts={orgs.council: D("1.00")},
        )
    assert not theirs.contributions.exists()


# Settlement through the database ----------------------------------------------------------


def _spend(funded, council: str, ccg: str):
    """Actuals for the year on each partner's pooled line, in twelve monthly parts of exact pence."""
    for org, total in zip(funded.lines, (D(council), D(ccg)), strict=True):
        months = [dt.date(YEAR + (m + 3) // 12, (m + 3) % 12 + 1, 1) for m in range(12)]
        pence = int(total * 100)
        parts = [pence // 12 + (1 if i < pence % 12 else 0) for i in range(12)]
        Actual.objects.bulk_create(
            Actual(budget_line=funded.lines[org], month=month, amount=D(part) / 100)
            for month, part in zip(months, parts, strict=True)
        )


@pytest.mark.parametrize("rule", ["proportional", "host", "fixed", "capped"])
def test_an_overspent_pooled_fund_settles_to_the_penny_under_each_rule(rule, common, orgs, funded):
    fund = funded.fund
    services.risk_shares_set(
        **common, fund=fund, shares={orgs.council: (3_334, None), orgs.ccg: (6_666, D("20000.00"))}
    )
    fund = services.fund_update(**common, fund=fund, version=fund.version, risk_share_rule=rule)
    _spend(funded, "640000.00", "460000.04")  # £100,000.03 over a budget of £1,000,000.01
    settled = summaries.fund_settlement(fund, YEAR, today=AFTER_YEAR_END)
    assert settled.basis == "actual"
    assert (settled.budget, settled.outturn, settled.variance) == (
        D("1000000.01"),
        D("1100000.04"),
        D("100000.03"),
    )
    assert sum(p.share_of_variance for p in settled.partners) == settled.variance
    assert sum(p.spend_attributed for p in settled.partners) == settled.outturn
    host, ccg = settled.partners
    assert (host.organisation, host.is_host, host.transfer) == (orgs.council, True, D("0.00"))
    expected = {
        "proportional": D("40000.01"),  # 400,000.01 / 1,000,000.01 of £100,000.03, to the penny
        "host": D("0.00"),
        "fixed": D("66660.02"),  # 66.66 % of it
        "capped": D("20000.00"),  # 66.66 % would be £66,660.02; the cap stops it at £20,000
    }[rule]
    assert ccg.share_of_variance == expected and ccg.transfer == expected  # the CCG pays the host
    assert host.share_of_variance == settled.variance - expected


def test_an_underspend_in_year_settles_on_the_latest_forecast(common, orgs, funded):
    council_line, ccg_line = funded.lines.values()
    services.forecast_record(
        **common, budget_line=ccg_line, made_in=dt.date(2025, 6, 1), outturn=D("350000.00")
    )
    services.forecast_record(
        **common, budget_line=ccg_line, made_in=dt.date(2025, 9, 1), outturn=D("390000.01")
    )
    services.forecast_record(
        **common, budget_line=council_line, made_in=dt.date(2025, 7, 1), outturn=D("590000.00")
    )
    settled = summaries.fund_settlement(funded.fund, YEAR, today=IN_YEAR)
    assert settled.basis == "forecast"
    assert settled.variance == D("-20000.00")  # 10,000 under on each line at the latest forecasts
    shares = {p.organisation: p for p in settled.partners}
    assert shares[orgs.ccg].share_of_variance == D("-8000.00")  # 40 % (and a bit) of it, to the penny
    assert shares[orgs.ccg].transfer == D("-8000.00")  # the host pays the CCG back
    assert sum(p.share_of_variance for p in settled.partners) == settled.variance


def test_nothing_to_settle_says_why(common, orgs, fund, funded):
    with pytest.raises(ValueError, match=r"No contributions to .* for 2024/25"):
        summaries.fund_settlement(fund, 2024)
    fixed = services.fund_update(**common, fund=fund, version=1, risk_share_rule="fixed")
    with pytest.raises(ValueError, match="fixed shares, but they have not been set"):
        summaries.fund_settlement(fixed, YEAR)


# Summaries -------------------------------------------------------------------------------


def test_fund_summary_figures_and_rag(common, orgs, funded):
    council_line, ccg_line = funded.lines.values()
    Actual.objects.create(budget_line=council_line, month=dt.date(2025, 4, 1), amount=D("50000.00"))
    Actual.objects.create(budget_line=ccg_line, month=dt.date(2025, 4, 1), amount=D("30000.00"))
    services.forecast_record(
        **common, budget_line=council_line, made_in=dt.date(2025, 5, 1), outturn=D("603000.00")
    )
    services.forecast_record(
        **common, budget_line=council_line, made_in=dt.date(2025, 6, 1), outturn=D("605000.00")
    )
    services.forecast_record(
        **common, budget_line=ccg_line, made_in=dt.date(2025, 6, 1), outturn=D("440000.01")
    )
    summary = summaries.fund_summary(funded.fund, YEAR)
    total = summary.total
    assert (total.budget, total.actual, total.forecast, total.variance) == (
        D("1000000.01"),
        D("80000.00"),
        D("1045000.01"),
        D("45000.00"),
    )
    assert total.rag == summaries.AMBER  # 4.5 % over
    council, ccg = summary.by_partner
    assert (council.organisation, council.forecast, council.variance, council.rag) == (
        orgs.council,
        D("605000.00"),
        D("5000.00"),
        summaries.GREEN,  # 0.83 %: within 1 %
    )
    assert (ccg.organisation, ccg.variance, ccg.rag) == (orgs.ccg, D("40000.00"), summaries.RED)  # 10 %
    [scheme] = summary.by_scheme
    assert (scheme.scheme, scheme.budget, scheme.actual, scheme.forecast) == (
        funded.scheme,
        D("1000000.01"),
        D("80000.00"),
        D("1045000.01"),
    )


def test_rag_thresholds():
    budget = D("100000.00")
    assert summaries.rag(budget, D("1000.00")) == summaries.GREEN
    assert summaries.rag(budget, D("-1000.01")) == summaries.AMBER
    assert summaries.rag(budget, D("5000.00")) == summaries.AMBER
    assert summaries.rag(budget, D("5000.01")) == summaries.RED
    assert summaries.rag(D("0"), D("0")) == summaries.GREEN


def test_fund_summary_queries_do_not_grow_with_schemes(common, orgs, funded, django_assert_max_num_queries):
    def add_schemes(start, count):
        for number in range(start, start + count):
            scheme = services.scheme_create(
                **common,
                fund=funded.fund,
                name=f"Test scheme {number}",
                scheme_type="Other",
                commissioner=orgs.ccg,
                funding=[(orgs.ccg, YEAR, D("10.00"))],
            )
            line = services.budget_line_create(
                **common,
                organisation=orgs.ccg,
                financial_year=YEAR,
                cost_centre=f"TSTS{number}",
                service_area=scheme.name,
                tier="community",
                amount=D("10.00"),
                arrangement="pooled",
                fund=funded.fund,
                scheme=scheme,
            )
            Actual.objects.create(budget_line=line, month=dt.date(2025, 5, 1), amount=D("1.00"))
            services.forecast_record(
                **common, budget_line=line, made_in=dt.date(2025, 5, 1), outturn=D("11.00")
            )

    add_schemes(1, 1)
    with django_assert_max_num_queries(5):
        small = summaries.fund_summary(funded.fund, YEAR)
    add_schemes(2, 12)
    with django_assert_max_num_queries(5):
        large = summaries.fund_summary(funded.fund, YEAR)
    assert len(small.by_scheme) == 3 and len(large.by_scheme) == 15
    # Contributions were not raised for the new schemes, so their planned spending shows as over the pool.
    assert large.by_scheme[-1].label == summaries.PLANNED_BEYOND
    assert large.by_scheme[-1].budget == D("-130.00")
    assert sum(row.forecast for row in large.by_scheme) == large.total.forecast
    assert sum(row.forecast for row in large.by_partner) == large.total.forecast
    with django_assert_max_num_queries(6):
        summaries.fund_settlement(funded.fund, YEAR, today=IN_YEAR)


def test_prevention_share_and_budget_audit(common, orgs, southampton, django_assert_max_num_queries):
    group = CareGroup.objects.filter(partnership=southampton).first()
    _line(common, orgs, cost_centre="TSTP1", tier="prevention", amount=D("250.00"), care_group=group)
    _line(common, orgs, cost_centre="TSTC1", tier="community", amount=D("500.00"))
    _line(
        common,
        orgs,
        cost_centre="TSTC2",
        tier="specialist",
        amount=D("250.01"),
        organisation=orgs.ccg,
        care_group=group,
    )
    services.prevention_target_set(**common, financial_year=AUDIT_YEAR, share_bp=3_000)
    with django_assert_max_num_queries(2):
        years = summaries.prevention_share(southampton)
    [row] = [row for row in years if row.financial_year == AUDIT_YEAR]
    assert row == (AUDIT_YEAR, D("250.00"), D("1000.01"), 2_500, 3_000)
    with django_assert_max_num_queries(3):
        audit = summaries.budget_audit(southampton, AUDIT_YEAR)
    council, ccg = audit
    assert council.organisation == orgs.council and ccg.organisation == orgs.ccg
    assert (council.total, council.linked, council.linked_bp) == (D("750.00"), D("250.00"), 3_333)
    assert council.by_tier == {
        "prevention": D("250.00"),
        "community": D("500.00"),
        "specialist": D("0.00"),
        "placements": D("0.00"),
    }
    assert (ccg.total, ccg.linked, ccg.linked_bp, ccg.tier_bp("specialist")) == (
        D("250.01"),
        D("250.01"),
        10_000,
        10_000,
    )
