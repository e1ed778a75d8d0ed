"""Reading reviews, remedial plans, escalation rules and notifications, scoped to the reader.

Reviews are about one contract each, so a provider's contact sees only the reviews of the
contracts their organisation holds (``performance.scope``); everyone else who may see
performance sees them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from commissioning.contracts.models import Contract, Kpi
from commissioning.core.errors import NotPermitted
from commissioning.core.permissions import Permission
from commissioning.market.models import Provider
from commissioning.partners.models import Partnership
from commissioning.partners.permissions import has_permission
from commissioning.performance import scope
from commissioning.performance.models import (
    EscalationRule,
    Finding,
    Rag,
    RemedialAction,
    RemedialPlan,
    Review,
)


@dataclass(frozen=True)
class ReviewFilters:
    status: str = ""
    kind: str = ""
    contract_id: int | None = None
    provider_id: int | None = None


def may_see_reviews(user: Any, partnership: Partnership) -> bool:
    """Commissioning staff, and providers' contacts for their own contracts."""
    return has_permission(user, Permission.VIEW_PERFORMANCE, partnership=partnership) or has_permission(
        user, Permission.SUBMIT_RETURNS, partnership=partnership
    )


def require_may_see_reviews(user: Any, partnership: Partnership) -> None:
    if not may_see_reviews(user, partnership):
        raise NotPermitted(f"Your role in {partnership.name} does not allow you to see its reviews.")


def visible_reviews(user: Any, partnership: Partnership) -> QuerySet[Review]:
    """The partnership's reviews of contracts whose performance the user may see."""
    return Review.objects.filter(
        partnership=partnership, contract__in=scope.visible_contracts(user, partnership)
    )


def review_list(user: Any, partnership: Partnership, filters: ReviewFilters) -> QuerySet[Review]:
    """Reviews the user may see, filtered, with what the list shows counted in the same query."""
    reviews = visible_reviews(user, partnership)
    if filters.status:
        reviews = reviews.filter(status=filters.status)
    if filters.kind:
        reviews = reviews.filter(kind=filters.kind)
    if filters.contract_id:
        reviews = reviews.filter(contract_id=filters.contract_id)
    if filters.provider_id:
        reviews = reviews.filter(contract__provider_id=filters.provider_id)
    return (
        reviews.select_related(
            "contract__provider__organisation", "trigger_kpi", "escalation_rule", "remedial_plan", "opened_by"
        )
        .annotate(
            finding_count=Count("findings", distinct=True),
            red_count=Count("findings", filter=Q(findings__rating=Rag.RED), distinct=True),
            action_count=Count("remedial_plan__actions", distinct=True),
            open_action_count=Count(
                "remedial_plan__actions",
                filter=Q(remedial_plan__actions__completed_on__isnull=True),
                distinct=True,
            ),
        )
        .order_by("-opened_at", "-pk")
    )


def review_counts(user: Any, partnership: Partnership) -> dict[str, int]:
    """How many visible reviews are open, held and closed."""
    rows = (
        visible_reviews(user, partnership).values("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    return dict(rows)


def contracts_with_reviews(user: Any, partnership: Partnership) -> QuerySet[Contract]:
    """Contracts to filter the list by: the visible ones that have had a review."""
    return (
        scope.visible_contracts(user, partnership)
        .filter(reviews__isnull=False)
        .distinct()
        .select_related("provider__organisation")
        .order_by("reference")
    )


def providers_with_reviews(user: Any, partnership: Partnership) -> QuerySet[Provider]:
    contracts = scope.visible_contracts(user, partnership).filter(reviews__isnull=False)
    return (
        Provider.objects.filter(contracts__in=contracts)
        .distinct()
        .select_related("organisation")
        .order_by("organisation__name")
    )


def review_detail(user: Any, partnership: Partnership, pk: int) -> Review:
    """One visible review with its findings and its plan's actions; DoesNotExist when out of scope."""
    review = (
        visible_reviews(user, partnership)
        .select_related(
            "contract__provider__organisation",
            "contract__contract_manager",
            "trigger_kpi",
            "escalation_rule",
            "opened_by",
        )
        .prefetch_related(Prefetch("findings", queryset=Finding.objects.select_related("kpi")))
        .get(pk=pk)
    )
    review.plan = (  # type: ignore[attr-defined]
        RemedialPlan.objects.filter(review=review)
        .select_related("created_by")
        .prefetch_related(
            Prefetch("actions", queryset=RemedialAction.objects.order_by("position", "due_on", "id"))
        )
        .first()
    )
    return review


def review_in(partnership: Partnership, pk: int) -> Review:
    """A review of the partnership, for pages that change it (their permission covers every contract)."""
    return Review.objects.select_related("contract__provider__organisation", "partnership").get(
        partnership=partnership, pk=pk
    )


def finding_in(review: Review, pk: int) -> Finding:
    return Finding.objects.select_related("review").get(review=review, pk=pk)


def plan_of(review: Review) -> RemedialPlan:
    return RemedialPlan.objects.select_related("review__partnership").get(review=review)


def action_in(plan: RemedialPlan, pk: int) -> RemedialAction:
    return RemedialAction.objects.select_related("plan__review__partnership").get(plan=plan, pk=pk)


def contracts_for_review(partnership: Partnership) -> QuerySet[Contract]:
    """Contracts a review can be opened for, live ones first."""
    return (
        Contract.objects.filter(partnership=partnership)
        .select_related("provider__organisation")
        .order_by("status", "reference")
    )


def kpis_of(contract: Contract | None, partnership: Partnership) -> QuerySet[Kpi]:
    """KPIs a review or finding can name: the contract's own, or all the partnership's if none chosen."""
    kpis = Kpi.objects.filter(contract__partnership=partnership).select_related("contract")
    if contract is not None:
        kpis = kpis.filter(contract=contract)
    return kpis.order_by("contract__reference", "position", "code")


def rules_of(partnership: Partnership) -> QuerySet[EscalationRule]:
    return (
        EscalationRule.objects.filter(partnership=partnership)
        .annotate(review_count=Count("reviews"))
        .order_by("trigger", "pk")
    )


def rule_in(partnership: Partnership, pk: int) -> EscalationRule:
    return EscalationRule.objects.select_related("partnership").get(partnership=partnership, pk=pk)
