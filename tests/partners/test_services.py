"""Services validate, refuse by role, and audit every change; bad input saves nothing."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from commissioning.core.audit import MissingActorError
from commissioning.core.errors import NotPermitted
from commissioning.core.models import AuditEvent
from commissioning.core.permissions import Role
from commissioning.partners import services
from commissioning.partners.models import (
    CareGroup,
    Membership,
    Organisation,
    Partnership,
    PartnershipMember,
)

pytestmark = pytest.mark.django_db


def _unchanged(model):
    return model.objects.count()


def test_demo_has_both_partnerships_with_their_care_groups(southampton, nottinghamshire):
    assert [g.name for g in southampton.care_groups.all()] == [
        "Older people",
        "Mental health",
        "Learning disability and autism",
        "Children and young people",
        "Carers",
        "Physical disability and sensory impairment",
    ]
    assert nottinghamshire.care_groups.count() == 8
    host = southampton.members.get(role=PartnershipMember.Role.HOST)
    assert host.organisation.gss_code == "E06000045"
    area = southampton.areas.get()
    assert (area.gss_code, area.parent.gss_code, area.parent.parent.gss_code) == (
        "E06000045",
        "E12000008",
        "E92000001",
    )


def test_demo_load_is_idempotent(southampton):
    from commissioning.demo import load_demo

    counts = (Organisation.objects.count(), Membership.objects.count(), AuditEvent.objects.count())
    load_demo(say=lambda m: None)
    assert counts == (Organisation.objects.count(), Membership.objects.count(), AuditEvent.objects.count())


def test_partnership_needs_two_commissioning_organisations(system):
    council = Organisation.objects.get(gss_code="E06000045")
    trust = Organisation.objects.get(ods_code="R1C")
    before = _unchanged(Partnership)
    with pytest.raises(ValidationError) as error:
        services.partnership_create(
            actor=system, name="Lonely", members=[(council, "host"), (trust, "associate")]
        )
    assert "at least two commissioning organisations" in str(error.value.message_dict["members"])
    assert _unchanged(Partnership) == before


def test_a_provider_cannot_be_a_partner(system):
    council = Organisation.objects.get(gss_code="E06000045")
    trust = Organisation.objects.get(ods_code="R1C")
    with pytest.raises(ValidationError) as error:
        services.partnership_create(actor=system, name="Odd", members=[(council, "host"), (trust, "partner")])
    assert "only be an associate" in error.value.message_dict["members"][0]


def test_two_hosts_are_refused(system):
    council = Organisation.objects.get(gss_code="E06000045")
    ccg = Organisation.objects.get(ods_code="10X")
    with pytest.raises(ValidationError, match="at most one host"):
        services.partnership_create(actor=system, name="Two", members=[(council, "host"), (ccg, "host")])


def test_only_platform_administrators_form_partnerships(user_for):
    admin = user_for("southampton", Role.ADMINISTRATOR)
    council = Organisation.objects.get(gss_code="E06000045")
    ccg = Organisation.objects.get(ods_code="10X")
    with pytest.raises(NotPermitted):
        services.partnership_create(actor=admin, name="New", members=[(council, "host"), (ccg, "partner")])


def test_partnership_create_audits_partnership_and_members(system):
    council = Organisation.objects.get(gss_code="E06000045")
    ccg = Organisation.objects.get(ods_code="10X")
    partnership = services.partnership_create(
        actor=system, name="Better Care Southampton", members=[(council, "host"), (ccg, "partner")]
    )
    events = AuditEvent.objects.filter(partnership_id=partnership.pk)
    assert events.filter(action="create").count() == 3
    assert partnership.slug == "better-care-southampton"


def test_removing_a_partner_below_two_is_refused(southampton, user_for):
    admin = user_for("southampton", Role.ADMINISTRATOR)
    ccg_member = southampton.members.get(organisation__ods_code="10X")
    with pytest.raises(ValidationError, match="at least two commissioning"):
        services.partnership_member_remove(actor=admin, partnership=southampton, member=ccg_member)
    assert southampton.members.filter(pk=ccg_member.pk).exists()


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("ods_code", "TOOLONGCODE", "ODS code"),
        ("ods_code", "10X", "already has the ODS code 10X"),
        ("gss_code", "E0600004", "GSS code"),
        ("gss_code", "E06000045", "already has the ONS GSS code"),
        ("companies_house_number", "12345", "Companies House"),
        ("charity_number", "12", "Charity Commission"),
        ("la_code", "S1", "three or four capital letters"),
    ],
)
def test_bad_identifiers_name_the_field_and_save_nothing(southampton, user_for, field, value, words):
    admin = user_for("southampton", Role.ADMINISTRATOR)
    before = (_unchanged(Organisation), _unchanged(AuditEvent))
    with pytest.raises(ValidationError) as error:
        services.organisation_create(
            actor=admin,
            partnership=southampton,
            name="Test provider",
            kind="private_provider",
            **{field: value},
        )
    assert words in " ".join(error.value.message_dict[field])
    assert (_unchanged(Organisation), _unchanged(AuditEvent)) == before


def test_organisation_create_normalises_and_audits(southampton, user_for):
    admin = user_for("southampton", Role.ADMINISTRATOR)
    org = services.organisation_create(
        actor=admin,
        partnership=southampton,
        name="Southampton Voluntary Services",
        kind="vcse",
        charity_number=" 1104963 ",
        companies_house_number="05107357",
    )
    assert org.charity_number == "1104963"
    assert org.org_id == "GB-CHC-1104963"
    event = AuditEvent.objects.get(object_id=str(org.pk), object_type__model="organisation")
    assert event.actor == admin and event.action == "create"
    assert event.after["charity_number"] == "1104963"
    assert southampton.members.get(organisation=org).role == "associate"


def test_organisation_update_records_before_and_after(southampton, user_for):
    admin = user_for("southampton", Role.ADMINISTRATOR)
    ccg = Organisation.objects.get(ods_code="10X")
    services.organisation_update(actor=admin, partnership=southampton, organisation=ccg, short_name="SCCCG")
    event = AuditEvent.objects.filter(
        object_id=str(ccg.pk), object_type__model="organisation", action="update"
    ).get()
    assert event.before["short_name"] == "Southampton City CCG"
    assert event.after["short_name"] == "SCCCG"
    assert ("short_name", "Southampton City CCG", "SCCCG") in event.changes


def test_a_viewer_cannot_change_anything(southampton, user_for):
    viewer = user_for("southampton", Role.VIEWER)
    with pytest.raises(NotPermitted, match="administrator"):
        services.care_group_create(actor=viewer, partnership=southampton, name="Homeless people")
    assert not CareGroup.objects.filter(name="Homeless people").exists()


def test_care_group_names_are_unique_per_partnership(southampton, nottinghamshire, user_for):
    commissioner = user_for("southampton", Role.COMMISSIONER)
    with pytest.raises(ValidationError) as error:
        services.care_group_create(actor=commissioner, partnership=southampton, name="carers")
    assert "already has a care group called carers" in error.value.message_dict["name"][0]
    # Another partnership may use the same name.
    assert nottinghamshire.care_groups.filter(name="Carers").exists()


def test_roles_outside_the_list_are_refused(southampton, user_for):
    admin = user_for("southampton", Role.ADMINISTRATOR)
    viewer = user_for("southampton", Role.VIEWER)
    council = Organisation.objects.get(gss_code="E06000045")
    with pytest.raises(ValidationError) as error:
        services.membership_create(
            actor=admin, partnership=southampton, user=viewer, organisation=council, role="overlord"
        )
    assert "viewer, commissioner" in error.value.message_dict["role"][0]


def test_provider_contacts_act_for_providers_only(southampton, user_for):
    admin = user_for("southampton", Role.ADMINISTRATOR)
    viewer = user_for("southampton", Role.VIEWER)
    council = Organisation.objects.get(gss_code="E06000045")
    with pytest.raises(ValidationError, match="provider organisation"):
        services.membership_create(
            actor=admin, partnership=southampton, user=viewer, organisation=council, role="provider_contact"
        )


def test_cannot_hold_a_role_for_an_organisation_outside_the_partnership(southampton, user_for):
    admin = user_for("southampton", Role.ADMINISTRATOR)
    viewer = user_for("southampton", Role.VIEWER)
    notts = Organisation.objects.get(gss_code="E10000024")
    with pytest.raises(ValidationError, match="not one"):
        services.membership_create(
            actor=admin, partnership=southampton, user=viewer, organisation=notts, role="commissioner"
        )


def test_membership_grant_and_revoke_are_audited(southampton, user_for):
    admin = user_for("southampton", Role.ADMINISTRATOR)
    viewer = user_for("southampton", Role.VIEWER)
    council = Organisation.objects.get(gss_code="E06000045")
    membership = services.membership_create(
        actor=admin, partnership=southampton, user=viewer, organisation=council, role="commissioner"
    )
    membership_id = str(membership.pk)
    services.membership_revoke(actor=admin, partnership=southampton, membership=membership)
    actions = list(
        AuditEvent.objects.filter(object_type__model="membership", object_id=membership_id)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["grant", "revoke"]


def test_database_constraints_back_up_the_services(southampton):
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(name="Clash", kind="ccg", ods_code="10X")
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(name="Bad kind", kind="martian")
    council = Organisation.objects.create(name="Second host", kind="local_authority")
    with pytest.raises(IntegrityError), transaction.atomic():
        PartnershipMember.objects.create(partnership=southampton, organisation=council, role="host")


def test_auditor_refuses_to_work_without_an_actor(southampton):
    from commissioning.core.audit import Auditor

    with pytest.raises(MissingActorError):
        Auditor(None)


def test_a_new_provider_cannot_join_as_a_partner(southampton, user_for):
    admin = user_for("southampton", Role.ADMINISTRATOR)
    before = (_unchanged(Organisation), _unchanged(PartnershipMember), _unchanged(AuditEvent))
    with pytest.raises(ValidationError) as error:
        services.organisation_create(
            actor=admin,
            partnership=southampton,
            name="Care Co",
            kind="private_provider",
            member_role="partner",
        )
    assert "can only be an associate" in error.value.message_dict["member_role"][0]
    with pytest.raises(ValidationError, match="at most one host"):
        services.organisation_create(
            actor=admin,
            partnership=southampton,
            name="Second council",
            kind="local_authority",
            member_role="host",
        )
    assert (_unchanged(Organisation), _unchanged(PartnershipMember), _unchanged(AuditEvent)) == before
