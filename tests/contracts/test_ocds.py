"""OCDS 1.1 out (a release package that validates, with no bid prices) and Contracts Finder releases in."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from commissioning.cli import main
from commissioning.contracts import ocds
from commissioning.contracts.models import AwardRoute, Contract, Funding, PaymentBasis
from commissioning.core.errors import NotPermitted
from commissioning.core.imports import ImportFailed
from commissioning.core.permissions import Role
from commissioning.market.models import (
    Bid,
    BidStatus,
    Milestone,
    Procurement,
    ProcurementCategory,
    ProcurementStatus,
    Provider,
    Sector,
    ServiceType,
    Stage,
)
from commissioning.partners.models import Organisation
from tests.conftest import SHARED_DATA

RELEASES = SHARED_DATA / "ocds" / "contracts_finder_health_social_care_releases.json"
WINNING_PRICE = Decimal("2987654.32")
LOSING_PRICE = Decimal("3123456.78")


@pytest.fixture
def bought(southampton):
    """A procurement awarded and signed, one still at its notice, and a contract let directly."""
    council = Organisation.objects.get(gss_code="E06000045")
    ccg = Organisation.objects.get(ods_code="10X")
    winner = Organisation.objects.create(
        name="Harbour Home Care Ltd",
        kind=Organisation.Kind.PRIVATE_PROVIDER,
        companies_house_number="01234567",
    )
    loser = Organisation.objects.create(name="Quayside Care Ltd", kind=Organisation.Kind.PRIVATE_PROVIDER)
    provider = Provider.objects.create(partnership=southampton, organisation=winner, sector=Sector.PRIVATE)
    procurement = Procurement.objects.create(
        partnership=southampton,
        reference="OCDS-T-1",
        title="Home care in the east of the city",
        description="Home care for adults in the east of Southampton.",
        service_type=ServiceType.HOME_CARE,
        category=ProcurementCategory.LIGHT_TOUCH,
        commissioning_body=council,
        estimated_value=Decimal("3000000.00"),
        starts_on=dt.date(2025, 1, 6),
        stage=Stage.CONTRACT,
        status=ProcurementStatus.AWARDED,
        route="light_touch_tender",
        route_explanation="Above the light-touch threshold.",
        awarded_on=dt.date(2025, 6, 2),
    )
    Milestone.objects.create(procurement=procurement, stage=Stage.NOTICE, reached_on=dt.date(2025, 2, 3))
    Milestone.objects.create(procurement=procurement, stage=Stage.BIDS, reached_on=dt.date(2025, 3, 17))
    won = Bid.objects.create(
        procurement=procurement,
        bidder=winner,
        received_on=dt.date(2025, 3, 14),
        price=WINNING_PRICE,
        status=BidStatus.COMPLIANT,
    )
    Bid.objects.create(
        procurement=procurement,
        bidder=loser,
        received_on=dt.date(2025, 3, 15),
        price=LOSING_PRICE,
        status=BidStatus.COMPLIANT,
    )
    procurement.awarded_bid = won
    procurement.save()
    contract = Contract.objects.create(
        partnership=southampton,
        reference="C-OCDS-T-1",
        title="Home care in the east of the city",
        provider=provider,
        lead_commissioner=council,
        procurement=procurement,
        service_type=ServiceType.HOME_CARE,
        starts_on=dt.date(2025, 7, 1),
        ends_on=dt.date(2028, 6, 30),
        annual_value=Decimal("1000000.50"),
        lifetime_value=Decimal("3000001.50"),
        payment_basis=PaymentBasis.COST_AND_VOLUME,
    )
    Funding.objects.create(contract=contract, organisation=council, amount=Decimal("2000001.50"))
    Funding.objects.create(contract=contract, organisation=ccg, amount=Decimal("1000000.00"))
    open_tender = Procurement.objects.create(
        partnership=southampton,
        reference="OCDS-T-2",
        title="Carers' support service",
        service_type=ServiceType.CARERS,
        category=ProcurementCategory.LIGHT_TOUCH,
        commissioning_body=council,
        estimated_value=Decimal("450000"),
        starts_on=dt.date(2025, 9, 1),
        stage=Stage.NOTICE,
        route="quotations",
    )
    direct = Contract.objects.create(
        partnership=southampton,
        reference="C-OCDS-T-2",
        title="Advocacy service",
        provider=provider,
        lead_commissioner=ccg,
        service_type=ServiceType.ADVOCACY,
        starts_on=dt.date(2025, 4, 1),
        ends_on=dt.date(2026, 3, 31),
        annual_value=Decimal("60000"),
        lifetime_value=Decimal("60000"),
        payment_basis=PaymentBasis.BLOCK,
        award_route=AwardRoute.DIRECT_AWARD,
    )
    return {"procurement": procurement, "contract": contract, "open": open_tender, "direct": direct}


def _package(partnership):
    return ocds.release_package(
        partnership=partnership, base_url="https://example.org", published_at=timezone.now()
    )


def _release(package, ocid):
    return next(r for r in package["releases"] if r["ocid"] == ocid)


def test_package_validates_against_the_ocds_schema_and_says_what_was_bought(southampton, bought):
    package = _package(southampton)
    assert ocds.validate_release_package(package) == []
    assert package["version"] == "1.1"
    assert package["license"] == ocds.OGL
    assert package["publisher"] == {"name": southampton.name, "scheme": "GB-LAE", "uid": "STH"}
    assert package["uri"] == "https://example.org/public/southampton/open-data/ocds.json"

    signed = _release(package, "ocds-jcp000-southampton-OCDS-T-1")
    assert signed["tag"] == ["contract"]
    assert signed["buyer"] == {"id": "GB-LAE-STH", "name": "Southampton City Council"}
    tender = signed["tender"]
    assert tender["procurementMethod"] == "open"
    assert tender["status"] == "complete"
    assert tender["numberOfTenderers"] == 2
    assert tender["value"] == {"amount": 3000000, "currency": "GBP"}
    assert tender["tenderPeriod"] == {"startDate": "2025-02-03T00:00:00Z", "endDate": "2025-03-17T23:59:59Z"}
    award = signed["awards"][0]
    assert award["suppliers"] == [{"id": "GB-COH-01234567", "name": "Harbour Home Care Ltd"}]
    assert award["value"] == {"amount": 3000001.5, "currency": "GBP"}
    assert award["date"] == "2025-06-02T00:00:00Z"
    (contract,) = signed["contracts"]
    assert contract["awardID"] == award["id"]
    assert contract["period"] == {"startDate": "2025-07-01T00:00:00Z", "endDate": "2028-06-30T23:59:59Z"}
    assert contract["status"] == "active"
    assert "implementation" not in contract
    assert signed["planning"]["budget"]["amount"] == {"amount": 3000001.5, "currency": "GBP"}
    roles = {party["name"]: party["roles"] for party in signed["parties"]}
    assert roles["Southampton City Council"] == ["buyer", "funder"]
    assert roles["Harbour Home Care Ltd"] == ["supplier"]
    assert roles[Organisation.objects.get(ods_code="10X").name] == ["funder"]

    waiting = _release(package, "ocds-jcp000-southampton-OCDS-T-2")
    assert waiting["tag"] == ["tender"]
    assert waiting["tender"]["procurementMethod"] == "limited"
    assert "awards" not in waiting

    direct = _release(package, "ocds-jcp000-southampton-C-OCDS-T-2")
    assert direct["tag"] == ["contract"]
    assert direct["tender"]["procurementMethod"] == "direct"
    assert direct["buyer"]["id"] == "GB-NHS-10X"
    assert direct["contracts"][0]["value"]["amount"] == 60000


def test_bid_prices_never_appear(southampton, bought):
    text = ocds.package_json(_package(southampton))
    for price in (WINNING_PRICE, LOSING_PRICE):
        assert str(price) not in text
        assert f"{price:,}" not in text
    assert "Quayside Care Ltd" not in text  # the losing bidder is not named either


def test_a_broken_package_is_reported_by_path(southampton, bought):
    package = _package(southampton)
    release = package["releases"][0]
    del release["ocid"]
    release["tender"]["status"] = "finished"
    problems = ocds.validate_release_package(package)
    assert any(p.startswith("releases[0]: 'ocid' is a required property") for p in problems)
    assert any(p.startswith("releases[0].tender.status: 'finished'") for p in problems)


def test_prefix_setting_changes_every_ocid(southampton, bought, settings):
    settings.OCDS_PREFIX = "ocds-abc123"
    package = _package(southampton)
    assert "ocds-abc123-southampton-OCDS-T-1" in {r["ocid"] for r in package["releases"]}
    assert all(r["ocid"].startswith("ocds-abc123-") for r in package["releases"])


def _expected_from_file():
    """Counted straight from the file: processes, those awarded, and distinct suppliers per process."""
    releases = json.loads(RELEASES.read_text())["releases"]
    ocids = {r["ocid"] for r in releases}
    suppliers: dict[str, set[str]] = {}
    for release in releases:
        for award in release.get("awards", []):
            names = {s["name"].strip().lower() for s in award["suppliers"]}
            suppliers.setdefault(release["ocid"], set()).update(names)
    return releases, ocids, suppliers


def test_contracts_finder_releases_import_as_procurements_and_awards(southampton, user_for):
    releases, ocids, suppliers = _expected_from_file()
    actor = user_for("southampton", Role.COMMISSIONER)
    result = ocds.import_releases(actor=actor, partnership=southampton, path=RELEASES)

    assert result.releases == len(releases) == 19
    assert result.procurements_created == len(ocids) == 18
    assert result.awards == len(suppliers) == 8
    assert result.bids_created == sum(len(names) for names in suppliers.values())
    imported = Procurement.objects.filter(partnership=southampton, ocds_id__in=ocids)
    assert imported.count() == 18
    assert imported.filter(status=ProcurementStatus.AWARDED).count() == 8
    assert Bid.objects.filter(procurement__in=imported).count() == result.bids_created

    herts = imported.get(ocds_id="ocds-b5fd17-fffc1305-c8ad-477c-ba6e-d47ce45c6fb8")
    assert herts.reference == "fffc1305-c8ad-477c-ba6e-d47ce45c6fb8"
    assert herts.estimated_value == Decimal("3650000.00")
    assert herts.awarded_on == dt.date(2024, 12, 10)
    assert herts.awarded_bid.bidder.name == "CF Contact and Support Services Limited"
    assert herts.awarded_bid.price == Decimal("3650000.00")
    assert herts.category == ProcurementCategory.LIGHT_TOUCH
    assert herts.commissioning_body.kind == Organisation.Kind.LOCAL_AUTHORITY
    assert herts.service_type == ServiceType.RESIDENTIAL
    assert herts.contract_months == 24
    assert herts.route and herts.rule_id is not None  # the national rules give it a route

    icb = imported.get(ocds_id="ocds-b5fd17-7b68a5a5-c7c6-4b6a-af57-25252442e31e")
    assert icb.commissioning_body.kind == Organisation.Kind.ICB
    assert icb.category == ProcurementCategory.HEALTH_CARE
    assert icb.stage == Stage.MARKET_ENGAGEMENT
    assert icb.estimated_value == Decimal("15000000.00")

    # Two award releases of one process: the later adds a supplier; both land on one procurement.
    cambs = imported.get(ocds_id="ocds-b5fd17-3acef0bd-20d7-4df8-bbd7-01a3540dc2d6")
    assert cambs.bids.filter(bidder__name="Holme Court School").exists()
    assert cambs.bids.filter(bidder__name="Aurora Group").count() == 1
    assert cambs.awarded_on == dt.date(2024, 12, 1)


def test_where_no_rule_applies_the_route_is_left_as_published(southampton, user_for, tmp_path):
    release = json.loads(RELEASES.read_text())["releases"][16]
    release["date"] = "2001-03-01T09:00:00Z"  # before any rule set in force
    single = tmp_path / "one-release.json"
    single.write_text(json.dumps(release))
    result = ocds.import_releases(
        actor=user_for("southampton", Role.COMMISSIONER), partnership=southampton, path=single
    )
    assert (result.releases, result.procurements_created, result.awards) == (1, 1, 1)
    procurement = Procurement.objects.get(partnership=southampton, ocds_id=release["ocid"])
    assert procurement.route == "" and procurement.rule is None
    assert procurement.route_explanation == (
        "Imported from Contracts Finder; route as published: Open procedure"
    )


def test_imported_procurements_stay_out_of_our_own_package(southampton, bought, user_for):
    actor = user_for("southampton", Role.COMMISSIONER)
    ocds.import_releases(actor=actor, partnership=southampton, path=RELEASES)
    package = _package(southampton)
    assert not any(r["ocid"].startswith("ocds-b5fd17") for r in package["releases"])
    assert ocds.validate_release_package(package) == []


def test_reimport_updates_in_place(southampton, user_for):
    actor = user_for("southampton", Role.COMMISSIONER)
    first = ocds.import_releases(actor=actor, partnership=southampton, path=RELEASES)
    procurements, bids = Procurement.objects.count(), Bid.objects.count()
    organisations = Organisation.objects.count()
    again = ocds.import_releases(actor=actor, partnership=southampton, path=RELEASES)
    assert again.procurements_created == 0
    assert again.procurements_updated == first.procurements_created
    assert again.bids_created == 0 and again.organisations_created == 0
    assert (Procurement.objects.count(), Bid.objects.count()) == (procurements, bids)
    assert Organisation.objects.count() == organisations


def test_bad_releases_are_reported_by_json_path_and_nothing_is_saved(southampton, user_for, tmp_path):
    data = json.loads(RELEASES.read_text())
    data["releases"][3]["tender"]["value"]["amount"] = "lots"
    data["releases"][8]["tender"]["value"]["currency"] = "EUR"
    data["releases"][16]["awards"][0]["value"]["amount"] = -5
    del data["releases"][11]["ocid"]
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(data))
    before = (Procurement.objects.count(), Bid.objects.count(), Organisation.objects.count())

    with pytest.raises(ImportFailed) as failure:
        ocds.import_releases(
            actor=user_for("southampton", Role.COMMISSIONER), partnership=southampton, path=broken
        )

    found = {(e.row, e.column): e.reason for e in failure.value.errors}
    assert "is not a number" in found[(4, "releases[3].tender.value.amount")]
    assert "not 'EUR'" in found[(9, "releases[8].tender.value.currency")]
    assert "zero or more" in found[(17, "releases[16].awards[0].value.amount")]
    assert (12, "releases[11].ocid") in found
    assert (Procurement.objects.count(), Bid.objects.count(), Organisation.objects.count()) == before


def test_a_file_that_is_not_json_is_refused(southampton, user_for, tmp_path):
    junk = tmp_path / "junk.json"
    junk.write_text("{not json")
    with pytest.raises(ImportFailed) as failure:
        ocds.import_releases(
            actor=user_for("southampton", Role.COMMISSIONER), partnership=southampton, path=junk
        )
    assert failure.value.errors[0].column == "(file)"


def test_only_those_who_manage_procurement_may_import(southampton, user_for):
    with pytest.raises(NotPermitted):
        ocds.import_releases(
            actor=user_for("southampton", Role.VIEWER), partnership=southampton, path=RELEASES
        )
    assert not Procurement.objects.filter(ocds_id__startswith="ocds-b5fd17").exists()


def test_public_endpoint_needs_no_sign_in(client, southampton, bought):
    response = client.get("/public/southampton/open-data/ocds.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    package = response.json()
    assert ocds.validate_release_package(package) == []
    assert package["uri"] == "http://testserver/public/southampton/open-data/ocds.json"
    assert str(WINNING_PRICE) not in response.content.decode()

    index = client.get("/public/southampton/open-data/")
    assert index.status_code == 200
    page = index.content.decode()
    assert "/public/southampton/open-data/ocds.json" in page
    assert "/public/southampton/open-data/360giving.csv" in page
    assert "Open Government Licence v3.0" in page
    assert client.get("/public/nowhere/open-data/ocds.json").status_code == 404


def test_export_command_writes_a_valid_package(southampton, bought, tmp_path, capsys):
    output = tmp_path / "package.json"
    assert main(["export", "ocds", "--partnership", "southampton", "--output", str(output)]) == 0
    package = json.loads(output.read_text())
    assert ocds.validate_release_package(package) == []
    assert "ocds-jcp000-southampton-OCDS-T-1" in {r["ocid"] for r in package["releases"]}
    assert "valid OCDS 1.1" in capsys.readouterr().out


def test_import_command_reports_what_landed_and_what_was_wrong(southampton, tmp_path, capsys):
    user = "demo-southampton-commissioner"
    command = [
        "import",
        "ocds",
        str(RELEASES),
        "--partnership",
        "southampton",
        "--user",
        user,
        "--no-migrate",
    ]
    assert main(command) == 0
    assert "18 procurements added" in capsys.readouterr().out
    data = json.loads(RELEASES.read_text())
    data["releases"][0]["awards"][0]["value"]["currency"] = "USD"
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(data))
    command[2] = str(broken)
    assert main(command) == 1
    assert "row 1, column releases[0].awards[0].value.currency" in capsys.readouterr().err
