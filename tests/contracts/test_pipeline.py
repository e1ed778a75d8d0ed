"""The expiry pipeline: live contracts ending within 6, 12 and 18 months, each with the day its
re-procurement must start (the day after it ends, less the route's minimum lead time), late when that
day has passed; the route comes from the procurement rules, asked once per kind of purchase."""

from __future__ import annotations

import datetime as dt

import pytest

from commissioning.contracts import categories, selectors, services
from commissioning.contracts.selectors import Lead
from commissioning.core.permissions import Role
from commissioning.market import routes, rules
from tests.contracts.test_contract_services import D, FundingShare, council, make_provider, standard

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 1, 15)


@pytest.fixture
def commissioner(user_for):
    return user_for("southampton", Role.COMMISSIONER)


@pytest.fixture
def world(southampton, commissioner):
    provider = make_provider(southampton, name="Pipeline Test Care Ltd")

    def make(reference, ends_on, **extra):
        return standard(
            southampton,
            commissioner,
            provider,
            reference=reference,
            title=f"Pipeline {reference}",
            starts_on=dt.date(2024, 4, 1),
            ends_on=ends_on,
            **extra,
        )

    make("PL-A", dt.date(2026, 5, 31), extension_months=12)  # within 6 months
    make("PL-B", dt.date(2026, 12, 31))  # 6 to 12
    make(  # 12 to 18, above the light-touch threshold
        "PL-C",
        dt.date(2027, 6, 30),
        annual_value=D("1000000.00"),
        lifetime_value=D("3000000.00"),
        funding=[FundingShare(council(), D("3000000.00"))],
    )
    make("PL-D", dt.date(2027, 8, 31))  # beyond 18 months
    make("PL-E", dt.date(2026, 1, 14))  # already ended
    make("PL-F", dt.date(2026, 3, 31))  # within 6 months, too late to re-procure in time
    ended = make("PL-G", dt.date(2026, 4, 30))
    services.end_contract(actor=commissioner, contract=ended, terminated=True)
    return provider


def _mine(pipeline):
    return {
        band.months: [row.contract.reference for row in band.rows if row.contract.reference.startswith("PL-")]
        for band in pipeline.bands
    }


def test_bands_and_start_by_dates_with_a_fixed_lead_time(southampton, world, django_assert_max_num_queries):
    asked = []

    def lead_time(category, body_kind, value):
        asked.append((category, body_kind, value))
        return Lead(route_name="Test route", days=120)

    with django_assert_max_num_queries(3):
        pipeline = selectors.expiry_pipeline(partnership=southampton, today=TODAY, lead_time=lead_time)
    assert _mine(pipeline) == {6: ["PL-F", "PL-A"], 12: ["PL-B"], 18: ["PL-C"]}
    rows = {row.contract.reference: row for row in pipeline.rows}
    assert rows["PL-A"].start_by == dt.date(2026, 2, 1)  # 1 June 2026 less 120 days
    assert not rows["PL-A"].late and rows["PL-A"].extension_until == dt.date(2027, 5, 31)
    assert rows["PL-F"].start_by == dt.date(2025, 12, 2) and rows["PL-F"].late
    assert (rows["PL-B"].category, rows["PL-B"].body_kind) == ("light_touch", "council")
    # The PL- contracts are one kind of purchase at one value: one question for all of them.
    assert sum(1 for question in asked if question == ("light_touch", "council", D("300000.00"))) == 1
    assert len(asked) < len(pipeline.rows)


def test_start_by_follows_the_seeded_procurement_rules(southampton, world):
    pipeline = selectors.expiry_pipeline(partnership=southampton, today=TODAY)
    row = next(row for row in pipeline.rows if row.contract.reference == "PL-C")
    facts = rules.Facts(category="light_touch", body_kind="council", value=D("3000000.00"), starts_on=TODAY)
    decision = routes.route_for(partnership=southampton, facts=facts)
    days = rules.minimum_lead_days(decision)
    assert row.lead is not None and row.lead.route_name == decision.route_name and days > 0
    assert row.start_by == dt.date(2027, 7, 1) - dt.timedelta(days=days)


def test_category_mapping():
    assert categories.category_for("community_health", "nhs") == "health_care"
    assert categories.category_for("community_health", "council") == "light_touch"
    assert categories.category_for("home_care", "council") == "light_touch"
    assert categories.category_for("carers", "nhs") == "light_touch"
    assert categories.category_for("equipment", "nhs") == "goods"
    assert categories.category_for("other", "council") == "services"
    assert categories.term_months(dt.date(2025, 4, 1), dt.date(2028, 3, 31)) == 36
    assert categories.term_months(dt.date(2025, 1, 15), dt.date(2025, 2, 14)) == 1
    assert categories.add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)


def test_pipeline_page_and_export(southampton, commissioner, client_for):
    provider = make_provider(southampton, name="Pipeline Page Care Ltd")
    soon = selectors.today() + dt.timedelta(days=60)
    standard(
        southampton, commissioner, provider, reference="PL-A", starts_on=dt.date(2024, 4, 1), ends_on=soon
    )
    later = selectors.today() + dt.timedelta(days=700)
    standard(
        southampton, commissioner, provider, reference="PL-D", starts_on=dt.date(2024, 4, 1), ends_on=later
    )
    client = client_for("southampton", Role.VIEWER)
    page = client.get("/p/southampton/contracts/expiring/").content.decode()
    assert "Ending within 6 months" in page and "PL-A" in page and "PL-D" not in page
    csv = client.get("/p/southampton/contracts/expiring/?format=csv").content.decode()
    assert "PL-A" in csv and "Procurement must start by" in csv


def test_no_route_is_shown_as_unknown(southampton, commissioner):
    provider = make_provider(southampton, name="Pipeline Test Other Ltd")
    standard(
        southampton,
        commissioner,
        provider,
        reference="PL-X",
        ends_on=dt.date(2026, 2, 28),
        funding=[FundingShare(council(), D("300000.00"))],
    )
    pipeline = selectors.expiry_pipeline(partnership=southampton, today=TODAY, lead_time=lambda *a: None)
    row = next(row for row in pipeline.rows if row.contract.reference == "PL-X")
    assert (row.lead, row.start_by, row.late) == (None, None, False)
