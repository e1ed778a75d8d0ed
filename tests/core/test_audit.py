"""The audit trail is append-only: no model call, queryset, admin page or SQL can change it."""

import pytest
from django.db import DatabaseError, connection, transaction

from commissioning.core.models import AppendOnlyError, AuditEvent

pytestmark = pytest.mark.django_db


def test_events_cannot_be_updated_or_deleted_through_the_orm(southampton):
    event = AuditEvent.objects.first()
    event.summary = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(summary="rewritten")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


def test_the_database_refuses_updates_too(southampton):
    event = AuditEvent.objects.first()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET summary = 'rewritten' WHERE id = %s", [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).summary != "rewritten"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row delete trigger is PostgreSQL's")
def test_postgresql_refuses_deletes(southampton):
    event = AuditEvent.objects.first()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [event.pk])


def test_admin_shows_events_but_offers_no_change(client, southampton):
    from commissioning.core.models import User

    admin = User.objects.create_superuser("root-admin", password="a-Long-passphrase-9")
    client.force_login(admin)
    event = AuditEvent.objects.first()
    assert client.get("/admin/core/auditevent/").status_code == 200
    page = client.get(f"/admin/core/auditevent/{event.pk}/change/")
    assert page.status_code == 200
    assert "Save" not in page.text
    assert client.post(f"/admin/core/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/core/auditevent/add/").status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_admin_changes_to_partners_are_audited(client, southampton):
    from commissioning.core.models import User
    from commissioning.partners.models import CareGroup

    admin = User.objects.create_superuser("root-admin", password="a-Long-passphrase-9")
    client.force_login(admin)
    group = CareGroup.objects.filter(partnership=southampton).first()
    response = client.post(
        f"/admin/partners/caregroup/{group.pk}/change/",
        {
            "partnership": southampton.pk,
            "name": group.name,
            "slug": group.slug,
            "description": "Changed by the platform administrator",
            "position": group.position,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    event = AuditEvent.objects.filter(object_type__model="caregroup", object_id=str(group.pk)).first()
    assert event.actor == admin and event.action == "update"
    assert event.after["description"] == "Changed by the platform administrator"


def test_history_shows_real_changes_only(southampton):
    from commissioning.partners.models import Organisation

    council = Organisation.objects.get(gss_code="E06000045")
    event = AuditEvent.objects.get(object_type__model="organisation", object_id=str(council.pk))
    fields = [name for name, _, _ in event.changes]
    assert "gss_code" in fields and "name" in fields
    # Empty identifiers and the record's own timestamps are not "changes".
    assert "ods_code" not in fields and "created_at" not in fields
