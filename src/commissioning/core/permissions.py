"""Roles as declared lists of permissions.

A role is held through a membership of a partnership; checks always name the partnership
(see ``commissioning.partners.permissions.has_permission``). Later areas add their own
permissions here and grant them to roles.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    VIEWER = "viewer"
    COMMISSIONER = "commissioner"
    FINANCE_OFFICER = "finance_officer"
    BOARD_MEMBER = "board_member"
    PROVIDER_CONTACT = "provider_contact"
    ADMINISTRATOR = "administrator"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.VIEWER: "Viewer",
    Role.COMMISSIONER: "Commissioner",
    Role.FINANCE_OFFICER: "Finance officer",
    Role.BOARD_MEMBER: "Board member",
    Role.PROVIDER_CONTACT: "Provider contact",
    Role.ADMINISTRATOR: "Administrator",
}

ROLE_CHOICES = [(role.value, role.label) for role in Role]


class Permission(StrEnum):
    VIEW_PARTNERSHIP = "view_partnership"
    VIEW_ORGANISATIONS = "view_organisations"
    VIEW_MEMBERSHIPS = "view_memberships"
    VIEW_AUDIT = "view_audit"
    MANAGE_PARTNERSHIP = "manage_partnership"
    MANAGE_ORGANISATIONS = "manage_organisations"
    MANAGE_CARE_GROUPS = "manage_care_groups"
    MANAGE_MEMBERSHIPS = "manage_memberships"
    MANAGE_AREAS = "manage_areas"
    VIEW_NEEDS = "view_needs"
    MANAGE_INDICATORS = "manage_indicators"
    VIEW_GOVERNANCE = "view_governance"
    PROPOSE_DECISIONS = "propose_decisions"
    MANAGE_BOARDS = "manage_boards"
    RECORD_DECISIONS = "record_decisions"
    DECLARE_INTERESTS = "declare_interests"
    MANAGE_ENGAGEMENT = "manage_engagement"
    VIEW_FINANCE = "view_finance"
    MANAGE_FINANCE = "manage_finance"
    VIEW_MARKET = "view_market"
    MANAGE_MARKET = "manage_market"
    MANAGE_PROCUREMENT = "manage_procurement"
    VIEW_CONTRACTS = "view_contracts"
    MANAGE_CONTRACTS = "manage_contracts"
    VIEW_PLACEMENTS = "view_placements"
    MANAGE_PLACEMENTS = "manage_placements"
    VIEW_PERFORMANCE = "view_performance"
    MANAGE_PERFORMANCE = "manage_performance"
    SUBMIT_RETURNS = "submit_returns"
    VIEW_STRATEGY = "view_strategy"
    MANAGE_STRATEGY = "manage_strategy"


_READ_ALL = {
    Permission.VIEW_PARTNERSHIP,
    Permission.VIEW_ORGANISATIONS,
    Permission.VIEW_MEMBERSHIPS,
    Permission.VIEW_AUDIT,
    Permission.VIEW_NEEDS,
    Permission.VIEW_GOVERNANCE,
    Permission.DECLARE_INTERESTS,
    Permission.VIEW_FINANCE,
    Permission.VIEW_MARKET,
    Permission.VIEW_CONTRACTS,
    Permission.VIEW_PERFORMANCE,
    Permission.VIEW_STRATEGY,
}

# Placements are about individual people (pseudonymised): only those who buy or pay for care see them.
_PLACEMENTS = {Permission.VIEW_PLACEMENTS}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: frozenset(_READ_ALL),
    Role.COMMISSIONER: frozenset(
        _READ_ALL
        | {
            Permission.MANAGE_CARE_GROUPS,
            Permission.MANAGE_INDICATORS,
            Permission.PROPOSE_DECISIONS,
            Permission.MANAGE_ENGAGEMENT,
            Permission.MANAGE_MARKET,
            Permission.MANAGE_PROCUREMENT,
            Permission.MANAGE_CONTRACTS,
            Permission.MANAGE_PLACEMENTS,
            Permission.MANAGE_PERFORMANCE,
            Permission.MANAGE_STRATEGY,
        }
        | _PLACEMENTS
    ),
    Role.FINANCE_OFFICER: frozenset(
        _READ_ALL | _PLACEMENTS | {Permission.PROPOSE_DECISIONS, Permission.MANAGE_FINANCE}
    ),
    # Board members decide at meetings; recording a board's decision is their (or the secretary's) act.
    Role.BOARD_MEMBER: frozenset(_READ_ALL | {Permission.RECORD_DECISIONS}),
    # Provider contacts work for a provider, not a commissioner: they see the partnership and
    # its organisations; they submit returns, and see only their own organisation's contracts
    # and returns (``performance.scope``).
    Role.PROVIDER_CONTACT: frozenset(
        {Permission.VIEW_PARTNERSHIP, Permission.VIEW_ORGANISATIONS, Permission.SUBMIT_RETURNS}
    ),
    Role.ADMINISTRATOR: frozenset(Permission),
}


def role_grants(role: str, permission: Permission) -> bool:
    try:
        return permission in ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return False
