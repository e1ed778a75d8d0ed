"""Contract register services against the real database: refusals say why and save nothing, funding
adds to the lifetime value, edits are versioned, extensions move the end and the money, an award
becomes a contract, and every change is audited.

The data are built here, with references ("CT-…") and a provider ("Contract Test Care Ltd") the demo
does not use. The standard contract runs from 1 April 2025 to 31 March 2028 at £100,000.00 a year,
£300,000.00 over the term, funded £180,000.00 by Southampton City Council and £120,000.00 by NHS
Southampton City CCG.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from commissioning.contracts import services
from commissioning.contracts.models import Contract, ContractStatus, Funding, Kpi, Outcome
from commissioning.contracts.services import FundingShare, KpiSpec, OutcomeSpec
from commissioning.core.errors import NotPermitted
from commissioning.core.models import AuditEvent
from commissioning.core.permissions import Role
from commissioning.finance import services as finance_services
from commissioning.market.models import Bid, Procurement, ProcurementStatus, Provider, Stage
from commissioning.partners.models import Organisation

pytestmark = pytest.mark.django_db

D = Decimal
START, END = dt.date(2025, 4, 1), dt.date(2028, 3, 31)


def messages(error: ValidationError, field: str = "__all__") -> str:
    return " ".join(error.message_dict[field])


def events(obj, action=None):
    found = AuditEvent.objects.filter(object_id=str(obj.pk), object_type__model=obj._meta.model_name)
    if action:
        found = found.filter(action=action)
    return list(found.order_by("id"))


def council():
    return Organisation.objects.get(gss_code="E06000045")


def ccg():
    return Organisation.objects.get(ods_code="10X")


def solent():
    return Organisation.objects.get(ods_code="R1C")


def make_provider(partnership, name="Contract Test Care Ltd", **extra):
    organisation = Organisation.objects.create(name=name, kind=Organisation.Kind.PRIVATE_PROVIDER, **extra)
    return Provider.objects.create(partnership=partnership, organisation=organisation, sector="private")


def standard(partnership, actor, provider, **overrides):
    """Register the standard contract (overrides change any argument)."""
    arguments = {
        "actor": actor,
        "partnership": partnership,
        "reference": "CT-001",
        "title": "Contract test home care",
        "provider": provider,
        "lead_commissioner": council(),
        "starts_on": START,
        "ends_on": END,
        "annual_value": D("100000.00"),
        "lifetime_value": D("300000.00"),
        "payment_basis": "cost_and_volume",
        "service_type": "home_care",
        "funding": [FundingShare(council(), D("180000.00")), FundingShare(ccg(), D("120000.00"))],
    }
    arguments |= overrides
    return services.register_contract(**arguments)


@pytest.fixture
def commissioner(user_for):
    return user_for("southampton", Role.COMMISSIONER)


@pytest.fixture
def provider(southampton):
    return make_provider(southampton)


def test_register_saves_contract_funding_outcomes_and_kpis_and_audits_them(
    southampton, commissioner, provider
):
    contract = standard(
        southampton,
        commissioner,
        provider,
        outcomes=[OutcomeSpec("People stay at home longer"), OutcomeSpec("Carers are supported")],
        kpis=[
            KpiSpec(
                "K1",
                "Visits on time",
                "Visits within 15 minutes of the planned time",
                "increase",
                "monthly",
                unit="%",
                target="95",
                outcome="People stay at home longer",
            ),
            KpiSpec("K2", "Missed visits", "Visits not made", "decrease", "quarterly", target=D("0.5")),
        ],
    )
    contract.refresh_from_db()
    assert contract.lifetime_value == D("300000.00") and contract.version == 1
    funding = {
        row.organisation.ods_code or row.organisation.gss_code: row.amount for row in contract.funding.all()
    }
    assert funding == {"E06000045": D("180000.00"), "10X": D("120000.00")}
    assert [o.title for o in contract.outcomes.all()] == [
        "People stay at home longer",
        "Carers are supported",
    ]
    k1, k2 = contract.kpis.all()
    assert (k1.code, k1.target, k1.polarity, k1.frequency, k1.outcome.title) == (
        "K1",
        D("95"),
        "increase",
        "monthly",
        "People stay at home longer",
    )
    assert (k2.target, k2.outcome) == (D("0.5"), None)
    created = events(contract, AuditEvent.Action.CREATE)
    assert len(created) == 1 and created[0].actor == commissioner
    assert created[0].after["lifetime_value"] == "300000.00"
    assert all(len(events(row, AuditEvent.Action.CREATE)) == 1 for row in contract.funding.all())
    assert len(events(k1, AuditEvent.Action.CREATE)) == 1


@pytest.mark.parametrize(
    ("make", "field", "message"),
    [
        (
            lambda: {"starts_on": dt.date(2025, 4, 1), "ends_on": dt.date(2025, 3, 1)},
            "ends_on",
            "The contract cannot end (1 March 2025) before it starts (1 April 2025).",
        ),
        (
            lambda: {
                "lifetime_value": D("100000.00"),
                "funding": [FundingShare(council(), D("50000.00")), FundingShare(ccg(), D("40000.00"))],
            },
            "funding",
            "The funding adds to £90,000.00 but the lifetime value is £100,000.00; they must be equal.",
        ),
        (
            lambda: {
                "funding": [FundingShare(council(), D("180000.00")), FundingShare(solent(), D("120000.00"))]
            },
            "funding-1-organisation",
            "Solent NHS Trust is not a commissioning partner of",
        ),
        (
            lambda: {"lead_commissioner": solent()},
            "lead_commissioner",
            "Solent NHS Trust is not a commissioning partner",
        ),
        (lambda: {"annual_value": 100000.0}, "annual_value", "not a float"),
        (lambda: {"service_type": "hairdressing"}, "service_type", "'hairdressing' is not a service type"),
        (
            lambda: {
                "kpis": [
                    KpiSpec("K1", "A", "a", "increase", "monthly"),
                    KpiSpec("K1", "B", "b", "increase", "monthly"),
                ]
            },
            "kpis",
            "The KPI code K1 is used twice; each KPI needs its own code.",
        ),
        (
            lambda: {"kpis": [KpiSpec("K1", "A", "a", "increase", "monthly", target="high")]},
            "kpis",
            "The target for K1 must be a number; 'high' is not one.",
        ),
    ],
)
def test_register_refuses_bad_input_with_a_clear_message_and_saves_nothing(
    southampton, commissioner, provider, make, field, message
):
    before = (
        Contract.objects.count(),
        Funding.objects.count(),
        Kpi.objects.count(),
        AuditEvent.objects.count(),
    )
    with pytest.raises(ValidationError) as caught:
        standard(southampton, commissioner, provider, **make())
    assert message in messages(caught.value, field)
    after = (
        Contract.objects.count(),
        Funding.objects.count(),
        Kpi.objects.count(),
        AuditEvent.objects.count(),
    )
    assert after == before


def test_provider_must_be_in_this_partnerships_register(southampton, nottinghamshire, commissioner):
    elsewhere = make_provider(nottinghamshire, name="Elsewhere Care Ltd")
    with pytest.raises(ValidationError) as caught:
        standard(southampton, commissioner, elsewhere)
    assert "Elsewhere Care Ltd is not in" in messages(caught.value, "provider")
    assert not Contract.objects.filter(reference="CT-001").exists()


def test_reference_is_unique_in_the_partnership(southampton, commissioner, provider):
    standard(southampton, commissioner, provider)
    with pytest.raises(ValidationError) as caught:
        standard(southampton, commissioner, provider, reference="ct-001")
    assert "already has a contract with the reference ct-001" in messages(caught.value, "reference")


def test_a_fund_share_needs_a_funder_that_contributes_to_the_fund(
    southampton, commissioner, provider, system
):
    fund = finance_services.fund_create(
        actor=system,
        partnership=southampton,
        name="Contract test fund",
        host=council(),
        purpose="Testing contract funding.",
        starts_on=dt.date(2024, 4, 1),
    )
    with pytest.raises(ValidationError) as caught:
        standard(
            southampton,
            commissioner,
            provider,
            funding=[
                FundingShare(council(), D("180000.00"), fund=fund),
                FundingShare(ccg(), D("120000.00"), fund=fund),
            ],
        )
    assert (
        "NHS Southampton City Clinical Commissioning Group does not contribute to Contract test fund"
        in messages(caught.value, "funding-1-fund")
    )
    finance_services.contributions_set(
        actor=system,
        partnership=southampton,
        fund=fund,
        financial_year=2025,
        amounts={council(): D("10.00"), ccg(): D("10.00")},
    )
    contract = standard(
        southampton,
        commissioner,
        provider,
        funding=[
            FundingShare(council(), D("180000.00"), fund=fund),
            FundingShare(ccg(), D("120000.00"), fund=fund),
        ],
    )
    assert {row.fund_id for row in contract.funding.all()} == {fund.pk}


def test_a_viewer_cannot_register_a_contract(southampton, user_for, provider):
    with pytest.raises(NotPermitted):
        standard(southampton, user_for("southampton", Role.VIEWER), provider)


def test_update_is_versioned_and_a_value_change_needs_the_funding(southampton, commissioner, provider):
    contract = standard(southampton, commissioner, provider)
    updated = services.update_contract(actor=commissioner, contract=contract, version=1, title="Renamed")
    assert (updated.title, updated.version) == ("Renamed", 2)
    assert events(contract, AuditEvent.Action.UPDATE)[-1].before["title"] == "Contract test home care"
    with pytest.raises(ValidationError) as caught:
        services.update_contract(actor=commissioner, contract=contract, version=1, title="Stale")
    assert "changed by someone else" in messages(caught.value)
    with pytest.raises(ValidationError) as caught:
        services.update_contract(
            actor=commissioner, contract=contract, version=2, lifetime_value=D("310000.00")
        )
    assert "change the funding with the value" in messages(caught.value, "lifetime_value")
    services.update_contract(
        actor=commissioner,
        contract=contract,
        version=2,
        lifetime_value=D("310000.00"),
        funding=[FundingShare(council(), D("190000.00")), FundingShare(ccg(), D("120000.00"))],
    )
    contract.refresh_from_db()
    assert contract.lifetime_value == D("310000.00")
    assert sum(row.amount for row in contract.funding.all()) == D("310000.00")


def test_set_funding_replaces_the_shares_only_when_they_add_up(southampton, commissioner, provider):
    contract = standard(southampton, commissioner, provider)
    with pytest.raises(ValidationError) as caught:
        services.set_funding(
            actor=commissioner, contract=contract, funding=[FundingShare(council(), D("1.00"))]
        )
    assert "The funding adds to £1.00 but the lifetime value is £300,000.00" in messages(
        caught.value, "funding"
    )
    assert contract.funding.count() == 2
    services.set_funding(
        actor=commissioner, contract=contract, funding=[FundingShare(council(), D("300000.00"))]
    )
    assert [(row.organisation.name, row.amount) for row in contract.funding.all()] == [
        ("Southampton City Council", D("300000.00"))
    ]
    assert (
        AuditEvent.objects.filter(object_type__model="funding", action=AuditEvent.Action.DELETE).count() >= 2
    )


def test_kpis_and_outcomes_are_added_and_checked(southampton, commissioner, provider):
    contract = standard(southampton, commissioner, provider)
    outcome = services.add_outcome(actor=commissioner, contract=contract, title="Independence")
    kpi = services.add_kpi(
        actor=commissioner,
        contract=contract,
        code="K9",
        name="Reablement success",
        definition="Share at home 91 days after discharge",
        polarity="increase",
        frequency="quarterly",
        unit="%",
        target="82.5",
        outcome=outcome,
    )
    assert (kpi.target, kpi.outcome) == (D("82.5"), outcome)
    with pytest.raises(ValidationError) as caught:
        services.add_kpi(
            actor=commissioner,
            contract=contract,
            code="k9",
            name="Again",
            definition="x",
            polarity="increase",
            frequency="monthly",
        )
    assert "already has a KPI with the code k9" in messages(caught.value, "code")
    updated = services.update_kpi(actor=commissioner, kpi=kpi, target="85")
    assert updated.target == D("85")
    assert events(kpi, AuditEvent.Action.UPDATE)[-1].before["target"] == "82.5000"
    with pytest.raises(ValidationError) as caught:
        services.update_kpi(actor=commissioner, kpi=kpi, polarity="sideways")
    assert "'sideways' is not a polarity" in messages(caught.value, "polarity")
    assert Outcome.objects.filter(contract=contract).count() == 1


def test_extension_moves_the_end_and_grows_the_value_shared_as_funded(southampton, commissioner, provider):
    contract = standard(southampton, commissioner, provider, extension_months=24)
    with pytest.raises(ValidationError) as caught:
        services.extend_contract(actor=commissioner, contract=contract, months=25)
    assert "at most 24 more months; 25 asked for" in messages(caught.value, "months")
    extended = services.extend_contract(actor=commissioner, contract=contract, months=12)
    assert extended.ends_on == dt.date(2029, 3, 31)
    assert (extended.extension_months, extended.lifetime_value) == (12, D("400000.00"))
    shares = {row.organisation.name: row.amount for row in extended.funding.all()}
    assert sorted(shares.values()) == [D("160000.00"), D("240000.00")]
    assert "Extended by 12 months" in events(contract, AuditEvent.Action.UPDATE)[-1].summary


def test_end_contract_records_termination(southampton, commissioner, provider):
    contract = standard(southampton, commissioner, provider)
    with pytest.raises(ValidationError):
        services.end_contract(actor=commissioner, contract=contract, ended_on=dt.date(2025, 1, 1))
    ended = services.end_contract(
        actor=commissioner, contract=contract, ended_on=dt.date(2026, 9, 30), terminated=True
    )
    assert (ended.status, ended.ends_on) == (ContractStatus.TERMINATED, dt.date(2026, 9, 30))
    assert events(contract, AuditEvent.Action.UPDATE)[-1].after["status"] == "terminated"


def awarded_procurement(partnership, *, bidder, price="450000.00", status=ProcurementStatus.AWARDED):
    procurement = Procurement.objects.create(
        partnership=partnership,
        reference="CT-PROC-1",
        title="Contract test reablement service",
        service_type="reablement",
        category="light_touch",
        commissioning_body=council(),
        estimated_value=D("500000.00"),
        contract_months=36,
        starts_on=dt.date(2025, 1, 6),
        stage=Stage.STANDSTILL,
        route="open_procedure",
    )
    bid = Bid.objects.create(
        procurement=procurement, bidder=bidder, received_on=dt.date(2025, 2, 3), price=price
    )
    if status == ProcurementStatus.AWARDED:
        procurement.status = status
        procurement.awarded_bid = bid
        procurement.awarded_on = dt.date(2025, 3, 1)
        procurement.save()
    return procurement


def test_award_becomes_a_contract_with_the_winner_as_provider(southampton, commissioner):
    bidder = Organisation.objects.create(name="Contract Test Reablement CIC", kind=Organisation.Kind.VCSE)
    procurement = awarded_procurement(southampton, bidder=bidder)
    contract = services.register_awarded_contract(
        actor=commissioner,
        procurement=procurement,
        reference="CT-AW-1",
        starts_on=dt.date(2025, 4, 1),
        ends_on=dt.date(2028, 3, 31),
        funding=[FundingShare(council(), D("250000.00")), FundingShare(ccg(), D("200000.00"))],
    )
    contract.refresh_from_db()
    assert contract.provider.organisation == bidder and contract.provider.sector == "vcse"
    assert (contract.lifetime_value, contract.annual_value) == (D("450000.00"), D("150000.00"))
    assert (contract.service_type, contract.procurement, contract.title) == (
        "reablement",
        procurement,
        "Contract test reablement service",
    )
    procurement.refresh_from_db()
    assert procurement.stage == Stage.CONTRACT
    assert events(procurement, AuditEvent.Action.UPDATE)[-1].summary == "Contract CT-AW-1 signed"
    assert len(events(contract.provider, AuditEvent.Action.CREATE)) == 1


def test_award_refuses_an_unawarded_procurement_and_bad_funding_without_side_effects(
    southampton, commissioner
):
    bidder = Organisation.objects.create(
        name="Contract Test Bidder Ltd", kind=Organisation.Kind.PRIVATE_PROVIDER
    )
    procurement = awarded_procurement(southampton, bidder=bidder, status=ProcurementStatus.ACTIVE)
    with pytest.raises(ValidationError) as caught:
        services.register_awarded_contract(
            actor=commissioner,
            procurement=procurement,
            reference="CT-AW-2",
            starts_on=START,
            ends_on=END,
            funding=[FundingShare(council(), D("450000.00"))],
        )
    assert "has not been awarded yet" in messages(caught.value, "procurement")
    Procurement.objects.filter(pk=procurement.pk).update(
        status=ProcurementStatus.AWARDED, awarded_bid=procurement.bids.get()
    )
    with pytest.raises(ValidationError) as caught:
        services.register_awarded_contract(
            actor=commissioner,
            procurement=procurement,
            reference="CT-AW-2",
            starts_on=START,
            ends_on=END,
            funding=[FundingShare(council(), D("400000.00"))],
        )
    assert "they must be equal" in messages(caught.value, "funding")
    assert not Provider.objects.filter(organisation=bidder).exists()
    procurement.refresh_from_db()
    assert procurement.stage == Stage.STANDSTILL
