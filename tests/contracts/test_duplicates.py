"""The cross-agency contract audit: pairs of contracts different partners let that may duplicate.

Contracts are made here directly, with references starting "DUP-" that the demo does not use; each
test looks only at pairs of its own contracts, so demo contracts never change what it sees.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest

from commissioning.contracts import duplicates
from commissioning.contracts.models import Contract, Funding, Outcome
from commissioning.core.permissions import Role
from commissioning.market.models import Provider
from commissioning.partners.models import Area, CareGroup, Organisation

pytestmark = pytest.mark.django_db

URL = "/p/southampton/contract-audit/"


@pytest.fixture
def make(southampton):
    council = Organisation.objects.get(gss_code="E06000045")
    ccg = Organisation.objects.get(ods_code="10X")
    area = Area.objects.get(gss_code="E06000045")
    older = CareGroup.objects.get(partnership=southampton, name="Older people")
    providers = {}

    def provider(name):
        if name not in providers:
            organisation = Organisation.objects.create(name=name, kind="private_provider")
            providers[name] = Provider.objects.create(
                partnership=southampton, organisation=organisation, sector="private"
            )
        return providers[name]

    def contract(
        reference,
        *,
        lead="council",
        provider_name="Dup Test Care A",
        starts=(2025, 4, 1),
        ends=(2027, 3, 31),
        annual="100000.00",
        service_type="home_care",
        care_group=True,
        area_set=True,
        outcomes=(),
        funders=None,
        status="active",
    ):
        leads = {"council": council, "ccg": ccg}
        made = Contract.objects.create(
            partnership=southampton,
            reference=reference,
            title=f"{reference} services",
            provider=provider(provider_name),
            lead_commissioner=leads[lead],
            service_type=service_type,
            care_group=older if care_group else None,
            area=area if area_set else None,
            starts_on=dt.date(*starts),
            ends_on=dt.date(*ends),
            annual_value=Decimal(annual),
            lifetime_value=Decimal(annual) * 2,
            payment_basis="block",
            status=status,
        )
        for name in funders or ():
            Funding.objects.create(contract=made, organisation=leads[name], amount=Decimal("1000.00"))
        for position, title in enumerate(outcomes):
            Outcome.objects.create(contract=made, title=title, position=position)
        return made

    return contract


def _mine(southampton, **kwargs):
    """The pairs among this test's contracts, by their references."""
    return {
        (p.first.reference, p.second.reference): p
        for p in duplicates.possible_duplicates(partnership=southampton, **kwargs)
        if p.first.reference.startswith("DUP-") and p.second.reference.startswith("DUP-")
    }


def test_same_provider_different_partners_overlapping_is_found_with_evidence(make, southampton):
    make("DUP-1", lead="council", starts=(2025, 4, 1), ends=(2027, 3, 31), annual="100000.00")
    make(
        "DUP-2",
        lead="ccg",
        starts=(2026, 1, 1),
        ends=(2028, 12, 31),
        annual="50000.01",
        service_type="reablement",
    )
    pairs = _mine(southampton)
    assert list(pairs) == [("DUP-1", "DUP-2")]
    pair = pairs[("DUP-1", "DUP-2")]
    assert pair.reasons == (duplicates.SAME_PROVIDER,)
    assert pair.overlap_starts == dt.date(2026, 1, 1)
    assert pair.overlap_ends == dt.date(2027, 3, 31)
    assert pair.combined_annual_value == Decimal("150000.01")
    assert pair.evidence == (
        "Different partners: DUP-1 is led by Southampton City Council; DUP-2 is led by "
        "NHS Southampton City Clinical Commissioning Group.",
        "Same provider: Dup Test Care A.",
        "Same care group: Older people.",
        "Same area: Southampton.",
        "Overlap from 1 January 2026 to 31 March 2027.",
    )


def test_not_found_when_the_same_partner_lets_both(make, southampton):
    make("DUP-1", lead="council", funders=["council"])
    make("DUP-2", lead="council")  # no funding recorded: paid for by its lead
    assert _mine(southampton) == {}


def test_not_found_when_they_do_not_overlap(make, southampton):
    make("DUP-1", lead="council", starts=(2023, 4, 1), ends=(2025, 3, 31))
    make("DUP-2", lead="ccg", starts=(2025, 4, 1), ends=(2027, 3, 31))
    assert _mine(southampton) == {}


def test_same_lead_but_different_funders_is_cross_agency(make, southampton):
    make("DUP-1", lead="council", funders=["council"])
    make("DUP-2", lead="council", funders=["council", "ccg"])
    pair = _mine(southampton)[("DUP-1", "DUP-2")]
    assert pair.evidence[0] == (
        "Different partners: DUP-1 is led by Southampton City Council; DUP-2 is led by Southampton City "
        "Council, funded with NHS Southampton City Clinical Commissioning Group."
    )


def test_same_service_care_group_area_and_outcome_is_found(make, southampton):
    make(
        "DUP-1",
        lead="council",
        provider_name="Dup Test Care A",
        outcomes=["Fewer falls", "People stay at home"],
    )
    make("DUP-2", lead="ccg", provider_name="Dup Test Care B", outcomes=["  fewer   FALLS "])
    pair = _mine(southampton)[("DUP-1", "DUP-2")]
    assert pair.reasons == (duplicates.SAME_SERVICE,)
    assert "Same provider" not in " ".join(pair.evidence)
    assert pair.evidence[1:] == (
        "Same service type: Home care.",
        "Same care group: Older people.",
        "Same area: Southampton.",
        "Shared outcome: “Fewer falls”.",
        "Overlap from 1 April 2025 to 31 March 2027.",
    )


def test_same_service_without_a_shared_outcome_or_area_is_not_found(make, southampton):
    make("DUP-1", lead="council", provider_name="Dup Test Care A", outcomes=["Fewer falls"])
    make("DUP-2", lead="ccg", provider_name="Dup Test Care B", outcomes=["Fewer admissions"])
    make("DUP-3", lead="ccg", provider_name="Dup Test Care C", outcomes=["Fewer falls"], area_set=False)
    make(
        "DUP-4",
        lead="ccg",
        provider_name="Dup Test Care D",
        outcomes=["Fewer falls"],
        service_type="reablement",
    )
    assert _mine(southampton) == {}


def test_drafts_are_left_out_and_on_picks_contracts_in_force(make, southampton):
    make("DUP-1", lead="council", starts=(2024, 4, 1), ends=(2027, 3, 31))
    make("DUP-2", lead="ccg", starts=(2024, 4, 1), ends=(2025, 3, 31))
    make("DUP-3", lead="ccg", status="draft")
    assert list(_mine(southampton)) == [("DUP-1", "DUP-2")]
    assert list(_mine(southampton, on=dt.date(2024, 10, 1))) == [("DUP-1", "DUP-2")]
    assert _mine(southampton, on=dt.date(2026, 1, 1)) == {}


def test_audit_is_set_based(make, southampton, django_assert_max_num_queries):
    for n in range(12):
        make(
            f"DUP-{n:02d}", lead="council" if n % 2 else "ccg", outcomes=["Fewer falls"], funders=["council"]
        )
    with django_assert_max_num_queries(2):
        pairs = duplicates.possible_duplicates(partnership=southampton)
    assert len([p for p in pairs if p.first.reference.startswith("DUP-")]) == 36  # 6 council × 6 CCG
    assert duplicates.duplicate_count(partnership=southampton) == len(pairs)


def test_audit_page_and_exports(client_for, make):
    make("DUP-1", lead="council", annual="100000.00")
    make("DUP-2", lead="ccg", annual="20000.50")
    viewer = client_for("southampton", Role.VIEWER)
    response = viewer.get(URL)
    assert response.status_code == 200
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))
    assert "Cross-agency contract audit" in text
    assert "Same provider: Dup Test Care A." in text
    assert "£120,000.50" in text
    rows = list(csv.DictReader(io.StringIO(viewer.get(f"{URL}?format=csv").content.decode())))
    [row] = [r for r in rows if r["First contract"] == "DUP-1"]
    assert row["Second contract"] == "DUP-2"
    assert row["Matched"] == "Same provider"
    assert row["Combined annual value"] == "120000.50"
    assert row["Overlap from"] == "2025-04-01"
    xlsx = viewer.get(f"{URL}?format=xlsx&on=2026-01-01")
    assert xlsx["Content-Disposition"].endswith('-possible-duplicates-2026-01-01.xlsx"')
    assert "not a date" in viewer.get(f"{URL}?on=soon").content.decode()
    assert client_for("southampton", Role.PROVIDER_CONTACT).get(URL).status_code == 403
