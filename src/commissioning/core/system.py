"""The account that command-line jobs act as when no person is named."""

from __future__ import annotations

from commissioning.core.models import User

SYSTEM_USERNAME = "system"


def system_user() -> User:
    """A superuser account that cannot sign in, named as the actor of scripted loads."""
    user, created = User.objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={"full_name": "Platform (scripted load)", "is_active": False, "is_superuser": True},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user
