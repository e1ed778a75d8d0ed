"""Shared fixtures: the demo partnerships loaded once per test database, and their users."""

from __future__ import annotations

from pathlib import Path

import pytest

from commissioning.core.permissions import Role

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"


def pytest_configure(config):
    """Hash test passwords quickly: the demo's twelve users otherwise take seconds per load."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every database test starts from the demo partnerships (each test rolls back)."""
    from commissioning.demo import load_demo

    with django_db_blocker.unblock():
        load_demo(say=lambda message: None)


@pytest.fixture
def southampton(db):
    from commissioning.partners.models import Partnership

    return Partnership.objects.get(slug="southampton")


@pytest.fixture
def nottinghamshire(db):
    from commissioning.partners.models import Partnership

    return Partnership.objects.get(slug="nottinghamshire")


def demo_user(partnership_slug: str, role: Role):
    from commissioning.core.models import User
    from commissioning.demo.partners import demo_username

    return User.objects.get(username=demo_username(partnership_slug, role))


@pytest.fixture
def user_for(db):
    """``user_for("southampton", Role.COMMISSIONER)`` → that demo user."""
    return demo_user


@pytest.fixture
def client_for(db, client):
    """A Django test client signed in as a demo user."""

    def sign_in(partnership_slug: str, role: Role):
        client.force_login(demo_user(partnership_slug, role))
        return client

    return sign_in


@pytest.fixture
def system(db):
    from commissioning.core.system import system_user

    return system_user()
