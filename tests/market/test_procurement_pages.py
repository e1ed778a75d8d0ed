"""The procurement pages over HTTP: starting one and seeing its route, the stages, the criteria, and bids
shown to the panel only (a commissioner and an administrator not on the panel see neither bidder names
nor prices, and get 403 on the bid pages). Data are built through the services with "PP-" references.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest

from commissioning.core.models import AuditEvent, User
from commissioning.core.permissions import Role
from commissioning.market import services
from commissioning.market.models import Criterion, PanelRole, Procurement, Stage
from commissioning.partners.models import Membership, Organisation

pytestmark = pytest.mark.django_db

BASE = "/p/southampton/market/procurements"
START = dt.date(2026, 3, 2)
SECRET_BIDDER = "PP Confidential Care Ltd"


def _text(response):
    assert response.status_code == 200, response.status_code
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def council():
    return Organisation.objects.get(gss_code="E06000045")


@pytest.fixture
def world(southampton, user_for, council):
    commissioner = user_for("southampton", Role.COMMISSIONER)
    evaluator = User.objects.create(username="pp-evaluator", full_name="Eve Evaluator")
    officer = User.objects.create(username="pp-officer", full_name="Ned Officer")
    for person in (evaluator, officer):
        Membership.objects.create(
            user=person, partnership=southampton, organisation=council, role=Role.COMMISSIONER
        )
    procurement = services.create_procurement(
        actor=commissioner,
        partnership=southampton,
        reference="PP-001",
        title="Pages test reablement",
        service_type="reablement",
        category="services",
        commissioning_body=council,
        estimated_value=Decimal("300000.00"),
        starts_on=START,
    )
    services.set_panel(
        actor=commissioner,
        procurement=procurement,
        members=[(evaluator, PanelRole.EVALUATOR), (officer, PanelRole.NAMED_OFFICER)],
    )
    services.set_criteria(
        actor=commissioner,
        procurement=procurement,
        criteria=[("Quality", Decimal("70"), False, 5, ""), ("Price", Decimal("30"), True, 5, "")],
    )
    bidder = Organisation.objects.create(name=SECRET_BIDDER, kind=Organisation.Kind.PRIVATE_PROVIDER)
    bid = services.record_bid(
        actor=officer, procurement=procurement, bidder=bidder, received_on=START, price=Decimal("287654.32")
    )
    return {"procurement": procurement, "evaluator": evaluator, "officer": officer, "bid": bid}


def test_starting_a_council_light_touch_procurement_shows_its_route(client_for, council):
    client = client_for("southampton", Role.COMMISSIONER)
    response = client.post(
        f"{BASE}/new/",
        {
            "reference": "PP-LT",
            "title": "Pages test supported living",
            "service_type": "supported_living",
            "category": "light_touch",
            "commissioning_body": council.pk,
            "estimated_value": "£750,000.00",
            "contract_months": "60",
            "starts_on": "2026-03-02",
        },
        follow=True,
    )
    text = _text(response)
    assert (
        "Route: Light-touch competitive procedure under Procurement Act 2023 (thresholds from 1 January 2026)"
    ) in text
    assert "Tender notice" in text  # the notices
    assert "Source:" in text
    procurement = Procurement.objects.get(reference="PP-LT")
    assert procurement.route == "light_touch_tender"
    assert AuditEvent.objects.filter(object_id=str(procurement.pk), object_type__model="procurement").exists()


def test_the_route_check_saves_nothing(client_for, council):
    client = client_for("southampton", Role.VIEWER)
    response = client.get(
        f"{BASE}/route/",
        {
            "category": "light_touch",
            "commissioning_body": council.pk,
            "estimated_value": "750000",
            "starts_on": "2026-03-02",
        },
    )
    text = _text(response)
    assert "Route: Light-touch competitive procedure" in text
    assert "Procurement Act 2023" in text
    assert not Procurement.objects.filter(estimated_value=Decimal("750000")).exists()


def test_a_viewer_cannot_start_a_procurement(client_for, council):
    client = client_for("southampton", Role.VIEWER)
    assert client.get(f"{BASE}/new/").status_code == 403
    response = client.post(f"{BASE}/new/", {"reference": "PP-V", "title": "x", "category": "services"})
    assert response.status_code == 403
    assert not Procurement.objects.filter(reference="PP-V").exists()


@pytest.mark.parametrize("role", [Role.COMMISSIONER, Role.ADMINISTRATOR])
def test_bids_are_hidden_from_people_not_on_the_panel(world, client_for, role):
    client = client_for("southampton", role)
    pk = world["procurement"].pk
    text = _text(client.get(f"{BASE}/{pk}/"))
    assert "Bids are commercial in confidence" in text
    assert SECRET_BIDDER not in text
    assert "287,654.32" not in text
    for url in (
        f"{BASE}/{pk}/bids/",
        f"{BASE}/{pk}/bids/new/",
        f"{BASE}/{pk}/award/",
        f"{BASE}/{pk}/bids/{world['bid'].pk}/score/",
        f"{BASE}/{pk}/bids/{world['bid'].pk}/moderate/",
    ):
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize("who", ["evaluator", "officer"])
def test_bids_are_shown_to_the_panel(world, client, who):
    client.force_login(world[who])
    pk = world["procurement"].pk
    text = _text(client.get(f"{BASE}/{pk}/"))
    assert SECRET_BIDDER in text
    assert "£287,654.32" in text
    bids = _text(client.get(f"{BASE}/{pk}/bids/"))
    assert SECRET_BIDDER in bids
    assert "Commercial in confidence" in bids


def test_the_panel_scores_and_moderates_through_the_pages(world, client):
    pk, bid = world["procurement"].pk, world["bid"]
    quality, price = Criterion.objects.filter(procurement=world["procurement"]).order_by("position")
    client.force_login(world["evaluator"])
    response = client.post(
        f"{BASE}/{pk}/bids/{bid.pk}/score/", {f"score_{quality.pk}": "4", f"note_{quality.pk}": "Good"}
    )
    assert response.status_code == 302
    client.force_login(world["officer"])
    response = client.post(
        f"{BASE}/{pk}/bids/{bid.pk}/moderate/",
        {
            f"score_{quality.pk}": "4",
            f"note_{quality.pk}": "Agreed",
            f"score_{price.pk}": "5",
            f"note_{price.pk}": "Only bid",
        },
    )
    assert response.status_code == 302
    text = _text(client.get(f"{BASE}/{pk}/"))
    # 4/5 × 70 + 5/5 × 30 = 86.00
    assert "86.00" in text


def test_weights_not_adding_to_100_are_refused_on_the_page(world, client_for):
    client = client_for("southampton", Role.COMMISSIONER)
    pk = world["procurement"].pk
    data = {
        "criteria-TOTAL_FORMS": "2",
        "criteria-INITIAL_FORMS": "0",
        "criteria-0-name": "Quality",
        "criteria-0-weight": "65",
        "criteria-0-max_score": "5",
        "criteria-1-name": "Price",
        "criteria-1-weight": "30",
        "criteria-1-max_score": "5",
        "criteria-1-is_price": "on",
    }
    response = client.post(f"{BASE}/{pk}/criteria/", data)
    assert response.status_code == 400
    assert "The weights add to 95.00 %; they must add to 100 %." in response.content.decode()
    assert [c.weight for c in Criterion.objects.filter(procurement_id=pk)] == [
        Decimal("70.00"),
        Decimal("30.00"),
    ]


def test_stage_skipping_is_refused_on_the_page(world, client_for):
    client = client_for("southampton", Role.COMMISSIONER)
    pk = world["procurement"].pk
    response = client.post(f"{BASE}/{pk}/stage/", {"stage": "bids", "reached_on": "2026-05-01"})
    assert response.status_code == 200
    assert "notice published comes before bids received" in response.content.decode()
    assert Procurement.objects.get(pk=pk).stage == Stage.NEED_CONFIRMED
    response = client.post(f"{BASE}/{pk}/stage/", {"stage": "notice", "reached_on": "2026-03-09"})
    assert response.status_code == 302
    assert Procurement.objects.get(pk=pk).stage == Stage.NOTICE


def test_the_list_exports_csv(world, client_for):
    client = client_for("southampton", Role.VIEWER)
    response = client.get(f"{BASE}/", {"format": "csv"})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    row = next(r for r in rows if r["Reference"] == "PP-001")
    assert row["Route"] == "Competitive tendering procedure (open or competitive flexible)"
    assert row["Estimated value (£)"] == "300000.00"
    assert SECRET_BIDDER not in response.content.decode()
    assert client.get(f"{BASE}/", {"format": "xlsx"}).status_code == 200


def test_after_the_award_the_page_offers_to_register_the_contract(world, client_for):
    procurement, officer, bid = world["procurement"], world["officer"], world["bid"]
    commissioner = client_for("southampton", Role.COMMISSIONER)
    for stage, day in ((Stage.NOTICE, dt.date(2026, 3, 9)), (Stage.BIDS, dt.date(2026, 4, 7))):
        response = commissioner.post(f"{BASE}/{procurement.pk}/stage/", {"stage": stage, "reached_on": day})
        assert response.status_code == 302
    services.record_moderation(
        actor=officer,
        bid=bid,
        scores=[(c, Decimal("3"), "Agreed") for c in Criterion.objects.filter(procurement=procurement)],
    )
    commissioner.force_login(officer)
    response = commissioner.post(
        f"{BASE}/{procurement.pk}/award/", {"bid": bid.pk, "awarded_on": "2026-04-20"}
    )
    assert response.status_code == 302
    text = _text(commissioner.get(f"{BASE}/{procurement.pk}/"))
    assert "Register the contract" in text
    assert (
        f"/p/southampton/contracts/from-procurement/{procurement.pk}/"
        in commissioner.get(f"{BASE}/{procurement.pk}/").content.decode()
    )
