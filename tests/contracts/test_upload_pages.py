"""The upload pages: contracts and OCDS releases through the browser's form, each refusing a bad
file with every problem listed by row and column and nothing saved, and importing a good one."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from commissioning.contracts.models import Contract
from commissioning.core.permissions import Role
from commissioning.market.models import Procurement
from tests.conftest import SHARED_DATA
from tests.contracts.test_contract_import import GOOD, HEADER
from tests.contracts.test_contract_services import make_provider

pytestmark = pytest.mark.django_db

RELEASES = SHARED_DATA / "ocds" / "contracts_finder_health_social_care_releases.json"


@pytest.fixture
def provider(southampton):
    return make_provider(southampton, name="Import Test Care Ltd")


def csv_upload(lines):
    return SimpleUploadedFile("contracts.csv", ("\n".join([HEADER, *lines]) + "\n").encode(), "text/csv")


def test_the_contract_upload_lists_every_problem_and_saves_nothing_then_imports(
    southampton,
    provider,
    client_for,
):
    client = client_for("southampton", Role.COMMISSIONER)
    assert "/p/southampton/contracts/import/" in client.get("/p/southampton/contracts/").content.decode()
    bad = [GOOD[0].replace("Import Test Care Ltd", "Nobody Care Ltd").replace("2028-03-31", "2024-03-31")]
    response = client.post("/p/southampton/contracts/import/", {"file": csv_upload(bad)})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was imported" in page
    assert "no provider called Nobody Care Ltd" in page
    assert "before it starts" in page
    assert not Contract.objects.filter(partnership=southampton, reference="CI-001").exists()
    response = client.post("/p/southampton/contracts/import/", {"file": csv_upload(GOOD)})
    assert response.status_code == 302
    assert Contract.objects.filter(partnership=southampton, reference__in=["CI-001", "CI-002"]).count() == 2


def test_the_contract_upload_refuses_another_kind_of_file_and_a_viewer(southampton, client_for):
    client = client_for("southampton", Role.COMMISSIONER)
    upload = SimpleUploadedFile("contracts.pdf", b"%PDF", "application/pdf")
    response = client.post("/p/southampton/contracts/import/", {"file": upload})
    assert "Choose a .csv or .xlsx file." in response.content.decode()
    assert client_for("southampton", Role.VIEWER).get("/p/southampton/contracts/import/").status_code == 403


def test_the_ocds_upload_imports_contracts_finder_releases_and_reports_a_bad_one(southampton, client_for):
    client = client_for("southampton", Role.COMMISSIONER)
    assert (
        "/p/southampton/contracts/ocds/import/"
        in client.get("/p/southampton/market/procurements/").content.decode()
    )
    data = json.loads(RELEASES.read_text(encoding="utf-8"))
    data["releases"][3].setdefault("tender", {})["value"] = {"amount": "lots", "currency": "GBP"}
    before = Procurement.objects.filter(partnership=southampton).count()
    bad = SimpleUploadedFile("releases.json", json.dumps(data).encode(), "application/json")
    response = client.post("/p/southampton/contracts/ocds/import/", {"file": bad})
    assert response.status_code == 400
    assert "releases[3].tender.value.amount" in response.content.decode()
    assert Procurement.objects.filter(partnership=southampton).count() == before
    good = SimpleUploadedFile("releases.json", RELEASES.read_bytes(), "application/json")
    response = client.post("/p/southampton/contracts/ocds/import/", {"file": good})
    assert response.status_code == 302
    assert Procurement.objects.filter(partnership=southampton).count() == before + 18
