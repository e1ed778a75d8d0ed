"""Writes to the services map: a service with its links, funding shares that never add past 100 % of a
line, retiring, one link at a time; every link to another partnership is refused with a clear message
and nothing half-saved; only those who manage strategy may write, and every change is audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from commissioning.contracts.models import Contract
from commissioning.core.audit import history_for
from commissioning.core.errors import NotPermitted
from commissioning.core.models import AuditEvent
from commissioning.core.permissions import Role
from commissioning.finance.models import BudgetLine, Scheme
from commissioning.needs.models import NeedMeasure
from commissioning.partners.models import Organisation
from commissioning.strategy import services_map
from commissioning.strategy.models import Outcome, Service, ServiceFunding, ServiceStatus

pytestmark = pytest.mark.django_db


def _council():
    return Organisation.objects.get(gss_code="E06000045")


def _icb():
    return Organisation.objects.get(ods_code="10X")


def _service(partnership, actor, **overrides):
    data = {
        "name": "Falls response",
        "commissioner": _council(),
        "description": "Pick-up and assessment after a fall.",
        "care_groups": [partnership.care_groups.get(name="Older people")],
        "outcomes": [Outcome.objects.get(framework__partnership=partnership, code="delaying-need")],
        "areas": list(partnership.areas.all()),
        "is_prevention": True,
    }
    data.update(overrides)
    return services_map.create_service(actor=actor, partnership=partnership, **data)


def _counts():
    return (
        Service.objects.count(),
        ServiceFunding.objects.count(),
        Service.outcomes.through.objects.count(),
        AuditEvent.objects.count(),
    )


def _line(partnership, cost_centre="BCF04", year=2026, organisation=None):
    return BudgetLine.objects.get(
        partnership=partnership,
        cost_centre=cost_centre,
        financial_year=year,
        organisation=organisation or _council(),
    )


def test_a_service_is_mapped_with_its_links_and_audited(southampton, user_for):
    commissioner = user_for("southampton", Role.COMMISSIONER)
    contract = Contract.objects.get(partnership=southampton, reference="SCC-2025-020")
    scheme = Scheme.objects.get(fund__partnership=southampton, name="Falls prevention")
    service = _service(southampton, commissioner, contracts=[contract], schemes=[scheme])
    assert service.status == ServiceStatus.ACTIVE and service.created_by == commissioner
    assert list(service.contracts.all()) == [contract] and list(service.schemes.all()) == [scheme]
    event = history_for(service).get(action="create")
    assert event.partnership_id == southampton.pk and event.after["contracts"] == [contract.pk]


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("care_groups", "That care group belongs to another partnership."),
        ("areas", "That area is not one of this partnership's areas."),
        ("outcomes", "That outcome belongs to another partnership's framework."),
        ("contracts", "That contract belongs to another partnership."),
    ],
)
def test_links_to_another_partnership_are_refused_with_nothing_saved(
    field, message, southampton, nottinghamshire, user_for
):
    commissioner = user_for("southampton", Role.COMMISSIONER)
    foreign = {
        "care_groups": nottinghamshire.care_groups.first(),
        "areas": nottinghamshire.areas.first(),
        "outcomes": Outcome.objects.filter(framework__partnership=nottinghamshire).first(),
        "contracts": Contract.objects.filter(partnership=nottinghamshire).first(),
    }[field]
    assert foreign is not None
    before = _counts()
    with pytest.raises(ValidationError) as refused:
        _service(southampton, commissioner, **{field: [foreign]})
    assert refused.value.message_dict[field] == [message]
    assert _counts() == before


def test_a_commissioner_outside_the_partnership_and_bad_figures_are_refused(southampton, user_for):
    commissioner = user_for("southampton", Role.COMMISSIONER)
    outsider = Organisation.objects.exclude(pk__in=southampton.members.values("organisation")).first()
    with pytest.raises(ValidationError) as refused:
        _service(
            southampton,
            commissioner,
            name=" ",
            commissioner=outsider,
            capacity=Decimal("-1"),
            need_share_bp=0,
            units_per_person=Decimal("0"),
        )
    errors = refused.value.message_dict
    assert errors["name"] == ["Enter the service's name."]
    assert errors["commissioner"] == [
        f"{outsider.name} is not a commissioning partner of {southampton.name}."
    ]
    assert errors["capacity"] == ["Capacity cannot be negative."]
    assert errors["capacity_unit"] == [
        "Choose the unit capacity is counted in: beds, hours a week, places or people."
    ]
    assert errors["need_share_bp"] == [
        "Enter the share of the people in need the service is for: above 0 % and at most 100 %."
    ]
    assert errors["units_per_person"] == ["Enter how much capacity one person uses: more than zero."]


def test_a_name_is_used_once_and_another_partnerships_need_measure_is_refused(
    southampton, nottinghamshire, user_for
):
    commissioner = user_for("southampton", Role.COMMISSIONER)
    _service(southampton, commissioner)
    with pytest.raises(ValidationError) as refused:
        _service(southampton, commissioner, name="falls response")
    assert refused.value.message_dict["name"] == ["The map already has a service called falls response."]
    foreign = NeedMeasure.objects.create(partnership=nottinghamshire, code="foreign", name="Foreign need")
    with pytest.raises(ValidationError) as need:
        _service(southampton, commissioner, name="Other", need_measure=foreign, capacity_unit="beds")
    assert need.value.message_dict["need_measure"] == ["That need measure belongs to another partnership."]


def test_funding_shares_of_a_line_never_add_past_all_of_it(southampton, user_for):
    commissioner = user_for("southampton", Role.COMMISSIONER)
    first = _service(southampton, commissioner)
    second = _service(southampton, commissioner, name="Strength and balance")
    line = _line(southampton)
    services_map.fund_service(actor=commissioner, service=first, budget_line=line, share_bp=6_000)
    before = _counts()
    with pytest.raises(ValidationError) as refused:
        services_map.fund_service(actor=commissioner, service=second, budget_line=line, share_bp=4_500)
    assert refused.value.message_dict["share_bp"] == [
        "Other services already take 60 % of BCF04 2026; at most 40 % is left."
    ]
    assert _counts() == before
    link = services_map.fund_service(actor=commissioner, service=second, budget_line=line, share_bp=4_000)
    assert history_for(link).get(action="create").after["share_bp"] == 4_000
    # Changing a service's own share does not count its old share against it.
    services_map.fund_service(actor=commissioner, service=first, budget_line=line, share_bp=6_000)
    with pytest.raises(ValidationError) as bad:
        services_map.fund_service(actor=commissioner, service=first, budget_line=None, share_bp=0)
    assert bad.value.message_dict == {
        "budget_line": ["Choose the budget line that funds the service."],
        "share_bp": ["Enter the share of the line that funds the service: more than 0 % and at most 100 %."],
    }
    services_map.unfund_service(actor=commissioner, service=second, budget_line=line)
    assert not ServiceFunding.objects.filter(service=second).exists()


def test_another_partnerships_budget_line_scheme_or_priority_is_refused(
    southampton, nottinghamshire, user_for
):
    notts_commissioner = user_for("nottinghamshire", Role.COMMISSIONER)
    notts_partner = next(iter(nottinghamshire.members.filter(role__in=["host", "partner"])))
    service = _service(
        nottinghamshire,
        notts_commissioner,
        commissioner=notts_partner.organisation,
        care_groups=[],
        outcomes=[],
        areas=[],
    )
    before = _counts()
    with pytest.raises(ValidationError) as line:
        services_map.fund_service(
            actor=notts_commissioner, service=service, budget_line=_line(southampton), share_bp=100
        )
    assert line.value.message_dict["budget_line"] == ["That budget line belongs to another partnership."]
    scheme = Scheme.objects.filter(fund__partnership=southampton).first()
    with pytest.raises(ValidationError) as linked:
        services_map.link(actor=notts_commissioner, service=service, kind="schemes", obj=scheme)
    assert linked.value.message_dict["schemes"] == ["That scheme belongs to another partnership's fund."]
    priority = southampton.priorities.first()
    with pytest.raises(ValidationError) as prio:
        services_map.link(actor=notts_commissioner, service=service, kind="priorities", obj=priority)
    assert prio.value.message_dict["priorities"] == ["That priority belongs to another partnership."]
    assert _counts() == before


def test_links_one_at_a_time_and_retiring(southampton, user_for):
    commissioner = user_for("southampton", Role.COMMISSIONER)
    service = _service(southampton, commissioner)
    contract = Contract.objects.filter(partnership=southampton).first()
    services_map.link(actor=commissioner, service=service, kind="contracts", obj=contract)
    assert list(service.contracts.all()) == [contract] and service.version == 2
    services_map.unlink(actor=commissioner, service=service, kind="contracts", obj=contract)
    assert not service.contracts.exists()
    assert history_for(service).filter(action="update").count() == 2
    with pytest.raises(ValidationError) as no_date:
        services_map.retire_service(actor=commissioner, service=service, retired_on=None)
    assert no_date.value.message_dict["retired_on"] == ["Enter the date the service ended."]
    services_map.retire_service(actor=commissioner, service=service, retired_on=dt.date(2026, 11, 30))
    assert service.status == ServiceStatus.RETIRED
    with pytest.raises(ValidationError) as retired:
        services_map.link(actor=commissioner, service=service, kind="contracts", obj=contract)
    assert retired.value.messages == ["A retired service cannot be changed."]


def test_an_update_replaces_the_links_and_records_before_and_after(southampton, user_for):
    commissioner = user_for("southampton", Role.COMMISSIONER)
    service = _service(southampton, commissioner)
    carers = southampton.care_groups.get(name="Carers")
    services_map.update_service(
        actor=commissioner,
        service=service,
        name="Falls response",
        commissioner=_icb(),
        care_groups=[carers],
        capacity=Decimal("40"),
        capacity_unit="places",
    )
    service.refresh_from_db()
    assert service.commissioner == _icb() and list(service.care_groups.all()) == [carers]
    assert not service.outcomes.exists()
    event = history_for(service).get(action="update")
    assert event.before["commissioner"] == _council().pk and event.after["care_groups"] == [carers.pk]


@pytest.mark.parametrize("role", [Role.VIEWER, Role.FINANCE_OFFICER, Role.PROVIDER_CONTACT])
def test_only_those_who_manage_strategy_may_map_services(role, southampton, user_for):
    with pytest.raises(NotPermitted):
        _service(southampton, user_for("southampton", role))
