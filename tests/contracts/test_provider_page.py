"""The provider page's contracts and spend per partner, and the register's spending columns.

One private provider, "Spend Test Care Ltd", with contracts and placements made here directly:

* SPT-1, led by the council, 1 April 2020 to 31 March 2045 (300 months, 25 years), funded £2,500,000.25
  by the council (£100,000.01 a year) and £1,250,000.00 by the CCG (£50,000.00 a year);
* SPT-2 and SPT-3, led by the CCG, 1 April 2020 to 31 March 2040 (20 years), funded £1,000,000.10 and
  £600,000.10 by the CCG (£50,000.005 and £30,000.005 a year: rounded once, the CCG's contracts come to
  £130,000.01 a year, where rounding each would give £130,000.02);
* SPT-4, a council draft (not let: left out), and SPT-5, a council contract that ended in 2021
  (£12,000.00: in its funding over all terms, not in a year's spending);
* placements: the council's two current ones at £812.50 and £1,000.25 a week (£1,812.75; 52 weeks is
  £94,263.00) and one that ended in 2021; the CCG's one at £700.00 a week (£36,400.00 a year).

So the council spends £194,263.01 a year there and the CCG £166,400.01.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from fractions import Fraction

import pytest

from commissioning.contracts import provider_spend
from commissioning.contracts.models import Contract, Funding, Placement
from commissioning.core.permissions import Role
from commissioning.market import provider_services
from commissioning.partners.models import Organisation

pytestmark = pytest.mark.django_db

ON = dt.date(2030, 6, 1)


def _text(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def world(southampton, user_for):
    commissioner = user_for("southampton", Role.COMMISSIONER)
    council = Organisation.objects.get(gss_code="E06000045")
    ccg = Organisation.objects.get(ods_code="10X")
    provider = provider_services.register_provider(
        actor=commissioner,
        partnership=southampton,
        name="Spend Test Care Ltd",
        kind="private_provider",
        companies_house_number="09990002",
    )

    def contract(reference, lead, starts_on, ends_on, funding, status="active"):
        made = Contract.objects.create(
            partnership=southampton,
            reference=reference,
            title=f"{reference} home care",
            provider=provider,
            lead_commissioner=lead,
            service_type="home_care",
            starts_on=starts_on,
            ends_on=ends_on,
            annual_value=Decimal("1000.00"),
            lifetime_value=sum(funding.values(), Decimal(0)),
            payment_basis="block",
            status=status,
        )
        for organisation, amount in funding.items():
            Funding.objects.create(contract=made, organisation=organisation, amount=amount)
        return made

    long_start, long_end = dt.date(2020, 4, 1), dt.date(2045, 3, 31)
    contract(
        "SPT-1", council, long_start, long_end, {council: Decimal("2500000.25"), ccg: Decimal("1250000.00")}
    )
    contract("SPT-2", ccg, long_start, dt.date(2040, 3, 31), {ccg: Decimal("1000000.10")})
    contract("SPT-3", ccg, long_start, dt.date(2040, 3, 31), {ccg: Decimal("600000.10")})
    contract("SPT-4", council, long_start, long_end, {council: Decimal("999999.99")}, status="draft")
    contract(
        "SPT-5", council, long_start, dt.date(2021, 3, 31), {council: Decimal("12000.00")}, status="ended"
    )

    def placement(ref, funder, weekly, ends_on=None):
        Placement.objects.create(
            partnership=southampton,
            person_ref=ref,
            provider=provider,
            service_type="home_care",
            unit_price=weekly,
            units_per_week=Decimal(1),
            weekly_cost=weekly,
            starts_on=dt.date(2020, 5, 1),
            ends_on=ends_on,
            funding_organisation=funder,
        )

    placement("SPT-P1", council, Decimal("812.50"))
    placement("SPT-P2", council, Decimal("1000.25"))
    placement("SPT-P3", council, Decimal("5000.00"), ends_on=dt.date(2021, 1, 31))
    placement("SPT-P4", ccg, Decimal("700.00"))
    return {"provider": provider, "council": council, "ccg": ccg}


def test_term_months_counts_calendar_months():
    assert provider_spend.term_months(dt.date(2020, 4, 1), dt.date(2045, 3, 31)) == 300
    assert provider_spend.term_months(dt.date(2024, 2, 1), dt.date(2024, 2, 29)) == 1
    assert provider_spend.term_months(dt.date(2025, 1, 31), dt.date(2025, 2, 27)) == 1  # to the 28th, clamped
    assert provider_spend.term_months(dt.date(2025, 10, 1), dt.date(2025, 10, 15)) == Fraction(15, 31)
    assert (
        provider_spend.annual_share(Decimal("300000.00"), dt.date(2025, 4, 1), dt.date(2028, 3, 31)) == 100000
    )


def test_spend_per_partner_is_exact(world, southampton):
    rows = {
        row.name: row
        for row in provider_spend.spend_by_partner(partnership=southampton, provider=world["provider"], on=ON)
    }
    council, ccg = rows["Southampton City Council"], rows["NHS Southampton City Clinical Commissioning Group"]
    assert council.contracts == 1
    assert council.annual_contract_value == Decimal("100000.01")
    assert council.placements == 2
    assert council.weekly_placement_cost == Decimal("1812.75")
    assert council.annual_placement_cost == Decimal("94263.00")
    assert council.annual_total == Decimal("194263.01")
    assert council.lifetime_funding == Decimal("2512000.25")
    assert ccg.contracts == 3
    assert ccg.annual_contract_value == Decimal("130000.01")  # rounded once, not per contract
    assert ccg.annual_total == Decimal("166400.01")
    assert ccg.lifetime_funding == Decimal("2850000.20")
    totals = provider_spend.spend_totals(rows.values())
    assert totals.annual_total == Decimal("360663.02")
    assert totals.placements == 3
    assert all(isinstance(v, Decimal) for v in (council.annual_total, totals.annual_placement_cost))


def test_spend_in_a_fixed_number_of_queries(world, southampton, django_assert_num_queries):
    with django_assert_num_queries(2):
        provider_spend.spend_by_partner(partnership=southampton, provider=world["provider"], on=ON)
    with django_assert_num_queries(2):
        provider_spend.spend_by_provider(partnership=southampton, on=ON)


def test_another_partnerships_provider_has_no_spend_here(world, nottinghamshire):
    assert (
        provider_spend.spend_by_partner(partnership=nottinghamshire, provider=world["provider"], on=ON) == []
    )


def test_contracts_for_provider(world, southampton):
    contracts = provider_spend.contracts_for_provider(partnership=southampton, provider=world["provider"])
    assert [c.reference for c in contracts] == ["SPT-1", "SPT-2", "SPT-3", "SPT-4", "SPT-5"]


def test_provider_page_shows_contracts_and_spend_per_partner(client_for, world):
    url = f"/p/southampton/providers/{world['provider'].pk}/"
    response = client_for("southampton", Role.VIEWER).get(url)
    assert response.status_code == 200
    text = _text(response.content.decode())
    assert "Spend per partner" in text
    assert "Southampton City Council 1 £100,000.01 2 £1,812.75 £94,263.00 £194,263.01 £2,512,000.25" in text
    assert (
        "NHS Southampton City Clinical Commissioning Group "
        "3 £130,000.01 1 £700.00 £36,400.00 £166,400.01 £2,850,000.20" in text
    )
    assert "All partners £230,000.02 3 £2,512.75 £130,663.00 £360,663.02" in text
    for reference in ("SPT-1", "SPT-2", "SPT-5"):
        assert reference in text
    assert "Not yet rated" in text


def test_register_shows_what_each_partner_spends(client_for, world):
    viewer = client_for("southampton", Role.VIEWER)
    text = _text(viewer.get("/p/southampton/providers/?q=spend+test").content.decode())
    assert "Spend Test Care Ltd" in text
    assert "£194,263.01" in text and "£166,400.01" in text and "£360,663.02" in text
    response = viewer.get("/p/southampton/providers/?q=spend+test&format=csv")
    [row] = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert row["A year from all funders"] == "360663.02"
    council_column = next(h for h in row if h.startswith("A year from") and "Council" in h)
    assert row[council_column] == "194263.01"


def test_provider_page_access(client_for, world):
    url = f"/p/southampton/providers/{world['provider'].pk}/"
    assert client_for("southampton", Role.PROVIDER_CONTACT).get(url).status_code == 403
    assert (
        client_for("nottinghamshire", Role.VIEWER)
        .get(f"/p/nottinghamshire/providers/{world['provider'].pk}/")
        .status_code
        == 404
    )


def test_provider_page_queries_do_not_grow_with_contracts(
    client_for, world, southampton, django_assert_max_num_queries
):
    url = f"/p/southampton/providers/{world['provider'].pk}/"
    viewer = client_for("southampton", Role.VIEWER)
    viewer.get(url)
    with django_assert_max_num_queries(40) as before:
        viewer.get(url)
    for n in range(10):
        made = Contract.objects.create(
            partnership=southampton,
            reference=f"SPT-X{n}",
            title="More home care",
            provider=world["provider"],
            lead_commissioner=world["council"],
            service_type="home_care",
            starts_on=dt.date(2020, 4, 1),
            ends_on=dt.date(2045, 3, 31),
            annual_value=Decimal("1.00"),
            lifetime_value=Decimal("25.00"),
            payment_basis="block",
        )
        Funding.objects.create(contract=made, organisation=world["ccg"], amount=Decimal("25.00"))
    with django_assert_max_num_queries(len(before.captured_queries)):
        assert "SPT-X9" in viewer.get(url).content.decode()
