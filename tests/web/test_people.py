"""An administrator adds a new person, who chooses their own password and signs in."""

import re

import pytest

from commissioning.core.models import AuditEvent, User
from commissioning.core.permissions import Role
from commissioning.partners.models import Organisation

pytestmark = pytest.mark.django_db


def test_administrator_adds_a_person_who_sets_a_password_and_signs_in(client_for, client, southampton):
    admin = client_for("southampton", Role.ADMINISTRATOR)
    council = Organisation.objects.get(gss_code="E06000045")
    page = admin.post(
        "/p/southampton/people/add/",
        {
            "full_name": "Sam Example",
            "email": "sam@example.org",
            "username": "sexample",
            "organisation": council.pk,
            "role": "commissioner",
        },
    )
    assert page.status_code == 200 and "Sam Example can now sign in" in page.text
    link = re.search(r'<code id="password-link">http://testserver([^<]+)</code>', page.text).group(1)
    person = User.objects.get(username="sexample")
    assert not person.has_usable_password()
    assert AuditEvent.objects.filter(
        object_type__model="user", object_id=str(person.pk), action="create"
    ).exists()
    assert person.memberships.get().role == "commissioner"

    admin.logout()
    form_page = client.get(link, follow=True)
    assert "Choose your password" in form_page.text
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(
        set_url, {"new_password1": "A-long-new-passphrase-7", "new_password2": "A-long-new-passphrase-7"}
    )
    assert done.status_code == 302
    signed_in = client.post(
        "/accounts/login/", {"username": "sexample", "password": "A-long-new-passphrase-7"}
    )
    assert signed_in.url == "/"
    # The link works once.
    assert "has expired or has already been used" in client.get(link, follow=True).text


def test_a_taken_user_name_is_refused_and_nothing_saved(client_for):
    admin = client_for("southampton", Role.ADMINISTRATOR)
    council = Organisation.objects.get(gss_code="E06000045")
    users = User.objects.count()
    page = admin.post(
        "/p/southampton/people/add/",
        {
            "full_name": "Copy",
            "email": "copy@example.org",
            "username": "demo-southampton-viewer",
            "organisation": council.pk,
            "role": "viewer",
        },
    )
    assert page.status_code == 200 and "already exists" in page.text
    assert User.objects.count() == users


def test_only_administrators_add_people(client_for):
    assert client_for("southampton", Role.COMMISSIONER).get("/p/southampton/people/add/").status_code == 403
