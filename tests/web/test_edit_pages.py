import pytest

from commissioning.core.models import AuditEvent
from commissioning.core.permissions import Role
from commissioning.partners.models import CareGroup, Organisation

pytestmark = pytest.mark.django_db


def test_editing_a_care_group_through_its_form_records_before_and_after(client_for, southampton):
    group = CareGroup.objects.get(partnership=southampton, name="Carers")
    old = group.description
    response = client_for("southampton", Role.COMMISSIONER).post(
        f"/p/southampton/care-groups/{group.pk}/edit/",
        {
            "name": "Carers",
            "description": "Carers of every age",
            "position": group.position,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(object_type__model="caregroup", object_id=str(group.pk), action="update")
    assert (event.before["description"], event.after["description"]) == (old, "Carers of every age")


def test_a_bad_edit_shows_the_error_on_the_field_and_keeps_the_record(client_for):
    ccg = Organisation.objects.get(ods_code="10X")
    page = client_for("southampton", Role.ADMINISTRATOR).post(
        f"/p/southampton/organisations/{ccg.pk}/edit/",
        {"name": ccg.name, "kind": "ccg", "ods_code": "R1C"},
    )
    assert page.status_code == 200
    assert "Solent NHS Trust already has the ODS code R1C" in page.text
    assert "nhsuk-input--error" in page.text
    ccg.refresh_from_db()
    assert ccg.ods_code == "10X"


def test_refusal_and_not_found_pages_explain_themselves(client_for):
    viewer = client_for("southampton", Role.VIEWER)
    refused = viewer.get("/p/southampton/care-groups/new/")
    assert refused.status_code == 403 and "it needs a commissioner or administrator" in refused.text
    missing = viewer.get("/p/nottinghamshire/")
    assert missing.status_code == 404 and "Page not found" in missing.text
