"""Who may see which contracts' performance.

Commissioners, finance officers, board members and viewers see every contract of the
partnership. A provider's contact sees only the contracts held by the organisations they act
for as a provider contact — never another provider's figures, which are commercially
confidential to the commissioners and that provider.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from commissioning.contracts.models import Contract, Kpi
from commissioning.core.errors import NotPermitted
from commissioning.core.permissions import Permission, Role
from commissioning.partners.models import Membership, Partnership
from commissioning.partners.permissions import has_permission


def sees_all_contracts(user: Any, partnership: Partnership) -> bool:
    return has_permission(user, Permission.VIEW_PERFORMANCE, partnership=partnership)


def provider_organisation_ids(user: Any, partnership: Partnership) -> list[int]:
    """The organisations the user acts for as a provider contact in this partnership."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        Membership.objects.filter(
            user=user, partnership=partnership, role=Role.PROVIDER_CONTACT.value
        ).values_list("organisation_id", flat=True)
    )


def visible_contracts(user: Any, partnership: Partnership) -> QuerySet[Contract]:
    """The partnership's contracts whose performance this user may see."""
    contracts = Contract.objects.filter(partnership=partnership)
    if sees_all_contracts(user, partnership):
        return contracts
    if has_permission(user, Permission.SUBMIT_RETURNS, partnership=partnership):
        return contracts.filter(provider__organisation_id__in=provider_organisation_ids(user, partnership))
    return contracts.none()


def visible_kpis(user: Any, partnership: Partnership) -> QuerySet[Kpi]:
    return Kpi.objects.filter(contract__in=visible_contracts(user, partnership))


def require_contract_visible(user: Any, contract: Contract) -> None:
    """Refuse unless the user may see this contract's performance (404-safe message)."""
    if not visible_contracts(user, contract.partnership).filter(pk=contract.pk).exists():
        raise NotPermitted("You can see only the contracts of the organisation you act for.")


def submittable_contracts(user: Any, partnership: Partnership) -> QuerySet[Contract]:
    """The contracts the user may submit returns for: their own provider's, or all for an administrator."""
    contracts = Contract.objects.filter(partnership=partnership)
    if not has_permission(user, Permission.SUBMIT_RETURNS, partnership=partnership):
        return contracts.none()
    if has_permission(user, Permission.MANAGE_PARTNERSHIP, partnership=partnership):
        return contracts
    return contracts.filter(provider__organisation_id__in=provider_organisation_ids(user, partnership))


def may_submit_for(user: Any, contract: Contract) -> bool:
    """Whether the user may submit returns for this contract: its provider's contacts, and administrators."""
    return submittable_contracts(user, contract.partnership).filter(pk=contract.pk).exists()
