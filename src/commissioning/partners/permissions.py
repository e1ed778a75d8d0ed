"""Permission checks in the context of a partnership: ``has_permission(user, X, partnership=p)``."""

from __future__ import annotations

from typing import Any

from commissioning.core.errors import NotPermitted
from commissioning.core.permissions import ROLE_LABELS, ROLE_PERMISSIONS, Permission, Role
from commissioning.partners.models import Membership, Partnership


def roles_in(user: Any, partnership: Partnership) -> frozenset[Role]:
    """The roles a user holds in a partnership (memoised on the user for one request)."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    # A platform superuser administers every partnership. The scripted-load account is such a
    # superuser that cannot sign in; any other inactive account holds no role at all.
    if not user.is_active and not user.is_superuser:
        return frozenset()
    cache: dict[int, frozenset[Role]] = user.__dict__.setdefault("_partnership_roles", {})
    if partnership.pk not in cache:
        if user.is_superuser:
            cache[partnership.pk] = frozenset({Role.ADMINISTRATOR})
        else:
            cache[partnership.pk] = frozenset(
                Role(role)
                for role in Membership.objects.filter(user=user, partnership=partnership).values_list(
                    "role", flat=True
                )
            )
    return cache[partnership.pk]


def permissions_in(user: Any, partnership: Partnership) -> frozenset[Permission]:
    granted: set[Permission] = set()
    for role in roles_in(user, partnership):
        granted |= ROLE_PERMISSIONS[role]
    return frozenset(granted)


def has_permission(user: Any, permission: Permission, *, partnership: Partnership) -> bool:
    return permission in permissions_in(user, partnership)


def roles_granting(permission: Permission) -> list[str]:
    return [ROLE_LABELS[role].lower() for role, perms in ROLE_PERMISSIONS.items() if permission in perms]


def require_permission(user: Any, permission: Permission, *, partnership: Partnership) -> None:
    """Refuse, naming the roles that could do it, unless the user's role allows it."""
    if not has_permission(user, permission, partnership=partnership):
        allowed = " or ".join(roles_granting(permission))
        raise NotPermitted(f"Your role in {partnership.name} does not allow this; it needs a {allowed}.")
