"""Recording placements, and the placement pages: the price position seen at once, no NHS number shown."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from commissioning.contracts.models import Placement
from commissioning.contracts.placements import end_placement, record_placement
from commissioning.contracts.pseudonyms import check_person_ref, nhs_number_hash
from commissioning.core.audit import history_for
from commissioning.core.errors import NotPermitted
from commissioning.core.permissions import Role
from commissioning.partners.models import Organisation
from tests.contracts.placement_factories import care_group_in, council_of, provider_in

TODAY = dt.date.today()


@pytest.fixture
def setting(southampton):
    return southampton, provider_in(southampton), council_of(southampton)


def record(setting, actor, **changes):
    partnership, provider, council = setting
    values = {
        "actor": actor,
        "partnership": partnership,
        "person_ref": "SCC-000123",
        "provider": provider,
        "service_type": "nursing",
        "unit_price": Decimal("1100.00"),
        "units_per_week": Decimal("1"),
        "starts_on": TODAY - dt.timedelta(days=30),
        "funding_organisation": council,
        "support_option": "arranged",
    } | changes
    return record_placement(**values)


def test_a_placement_is_recorded_with_its_weekly_cost_and_audited(setting, user_for):
    actor = user_for("southampton", Role.COMMISSIONER)
    placement = record(
        setting,
        actor,
        service_type="home_care",
        unit_price=Decimal("24.35"),
        units_per_week=Decimal("12.5"),
        nhs_number="943 476 5919",
        care_group=care_group_in(setting[0]),
    )
    assert placement.weekly_cost == Decimal("304.38")  # 304.375 to the penny
    assert placement.nhs_number_hash == nhs_number_hash("9434765919")
    event = history_for(placement).get()
    assert event.actor == actor and "nhs_number_hash" not in event.after
    assert event.after["weekly_cost"] == "304.38"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"unit_price": Decimal("-1.00")}, "unit_price", "The unit price cannot be negative."),
        ({"ends_on": TODAY - dt.timedelta(days=60)}, "ends_on", "The placement cannot end before it starts."),
        ({"nhs_number": "9434765918"}, "nhs_number", "check digit"),
        ({"person_ref": "Jane Smith"}, "person_ref", "never a name"),
        ({"person_ref": "9434765919"}, "person_ref", "must not be an NHS number"),
        ({"service_type": "advocacy"}, "service_type", "A placement is one of"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(setting, user_for, changes, field, message):
    before = Placement.objects.count()
    with pytest.raises(ValidationError) as refusal:
        record(setting, user_for("southampton", Role.COMMISSIONER), **changes)
    assert message in " ".join(refusal.value.message_dict[field])
    assert Placement.objects.count() == before


def test_the_provider_must_be_in_this_partnerships_register(setting, nottinghamshire, user_for):
    elsewhere = provider_in(nottinghamshire, "Elsewhere Care Ltd")
    with pytest.raises(ValidationError) as refusal:
        record(setting, user_for("southampton", Role.COMMISSIONER), provider=elsewhere)
    assert "provider" in refusal.value.message_dict


def test_the_funder_must_be_a_commissioning_partner(setting, user_for):
    solent = Organisation.objects.get(ods_code="R1C")  # an associate: a provider, not a funder
    with pytest.raises(ValidationError) as refusal:
        record(setting, user_for("southampton", Role.COMMISSIONER), funding_organisation=solent)
    assert "not a commissioning partner" in refusal.value.message_dict["funding_organisation"][0]


def test_a_viewer_cannot_record_and_a_placement_can_be_ended(setting, user_for):
    with pytest.raises(NotPermitted):
        record(setting, user_for("southampton", Role.VIEWER))
    placement = record(setting, user_for("southampton", Role.COMMISSIONER))
    with pytest.raises(ValidationError):
        end_placement(
            actor=user_for("southampton", Role.COMMISSIONER),
            placement=placement,
            ends_on=TODAY - dt.timedelta(days=90),
        )
    ended = end_placement(
        actor=user_for("southampton", Role.COMMISSIONER), placement=placement, ends_on=TODAY
    )
    assert ended.ends_on == TODAY and history_for(placement).count() == 2


def test_person_references_are_pseudonymous():
    assert check_person_ref("SCC-000123") is None
    assert check_person_ref("ab") is not None
    assert check_person_ref("943-476-5919") is not None


# Pages -----------------------------------------------------------------------------------------


def url(name, *args):
    return reverse(f"placements:{name}", args=["southampton", *args])


def test_a_viewer_has_no_placement_pages(client_for):
    client = client_for("southampton", Role.VIEWER)
    for name in ("list", "prices", "personalisation"):
        assert client.get(url(name)).status_code == 403


def test_a_buyer_sees_at_once_that_a_price_is_out_of_line(setting, user_for, client_for):
    actor = user_for("southampton", Role.COMMISSIONER)
    for i, price in enumerate(range(1000, 1200, 10)):
        record(setting, actor, person_ref=f"P-{i:04d}", unit_price=Decimal(price))
    partnership, provider, council = setting
    client = client_for("southampton", Role.COMMISSIONER)
    response = client.post(
        url("new"),
        {
            "person_ref": "P-9999",
            "nhs_number": "9434765919",
            "provider": provider.pk,
            "service_type": "nursing",
            "unit_price": "£2,400.00",
            "units_per_week": "1",
            "starts_on": str(TODAY),
            "funding_organisation": council.pk,
            "support_option": "direct_payment",
        },
        follow=True,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "above the 95th percentile for nursing care" in page
    assert "9434765919" not in page and "943 476 5919" not in page
    placement = Placement.objects.get(partnership=partnership, person_ref="P-9999")
    assert placement.nhs_number_hash not in page


def test_a_refused_form_keeps_the_user_on_it_with_the_message(setting, client_for):
    _, provider, council = setting
    response = client_for("southampton", Role.COMMISSIONER).post(
        url("new"),
        {
            "person_ref": "Jane Smith",
            "provider": provider.pk,
            "service_type": "nursing",
            "unit_price": "900",
            "units_per_week": "1",
            "starts_on": str(TODAY),
            "ends_on": str(TODAY - dt.timedelta(days=1)),
            "funding_organisation": council.pk,
            "support_option": "arranged",
        },
    )
    assert response.status_code == 200
    assert "never a name" in response.content.decode()


def test_a_commissioner_sees_prices_personalisation_and_exports(setting, user_for, client_for):
    actor = user_for("southampton", Role.COMMISSIONER)
    for i in range(12):
        record(
            setting,
            actor,
            person_ref=f"Q-{i:04d}",
            unit_price=Decimal(900 + 25 * i),
            support_option=("arranged", "direct_payment")[i % 2],
            nhs_number="943 476 5919",
        )
    record(
        setting,
        actor,
        person_ref="Q-HOME",
        service_type="home_care",
        unit_price=Decimal("23.10"),
        units_per_week=Decimal("10"),
    )
    client = client_for("southampton", Role.COMMISSIONER)
    prices = client.get(url("prices"), {"band": "10-90"})
    assert prices.status_code == 200
    body = prices.content.decode()
    assert 'id="prices-by-service"' in body and "Oakwood Care Homes Ltd" in body
    assert 'id="price-outliers"' in body and 'id="price-spread"' in body and "chart-prices" in body
    people = client.get(url("personalisation"))
    assert people.status_code == 200 and "Direct payment" in people.content.decode()
    listing = client.get(url("list"), {"format": "csv"})
    text = listing.content.decode()
    assert listing.status_code == 200 and "Q-0003" in text
    assert nhs_number_hash("9434765919") not in text and "9434765919" not in text
    outliers = client.get(url("prices"), {"table": "outliers", "format": "xlsx"})
    assert outliers.status_code == 200 and outliers["Content-Type"].startswith("application/vnd.openxml")


def test_the_import_page_lists_every_problem(setting, client_for, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    content = (
        b"person_ref,provider,service_type,care_group,unit_price,units_per_week,start,end,funding_partner,support_option\n"
        b"P-1,Oakwood Care Homes Ltd,nursing,,-3,1,2026-04-01,,E06000045,arranged\n"
    )
    response = client_for("southampton", Role.COMMISSIONER).post(
        url("import"), {"file": SimpleUploadedFile("p.csv", content, content_type="text/csv")}
    )
    assert response.status_code == 400
    assert "The unit price cannot be negative." in response.content.decode()
