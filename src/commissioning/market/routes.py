"""The adapter between procurement rows and the pure rules engine (``market.rules``).

Reads the rule sets a partnership is bound by, builds the engine's facts from a procurement, and
supplies England's bank holidays, so pages, services and the CLI ask one place for a route.
"""

from __future__ import annotations

from datetime import date

import holidays as bank_holidays
from django.db.models import Q, QuerySet

from commissioning.market.models import Procurement, Rule, RuleSet
from commissioning.market.rules import Decision, Facts, RuleSetSpec, decide
from commissioning.partners.models import Organisation, Partnership

_NHS_KINDS = {
    Organisation.Kind.ICB,
    Organisation.Kind.CCG,
    Organisation.Kind.PCT,
    Organisation.Kind.NHS_TRUST,
}


def _rule_sets(partnership: Partnership) -> QuerySet[RuleSet]:
    return RuleSet.objects.filter(Q(partnership=partnership) | Q(partnership__isnull=True)).prefetch_related(
        "rules"
    )


def rule_set_spec(rule_set: RuleSet) -> RuleSetSpec:
    """A rule set row (with its rules prefetched) as the engine's spec; bad JSON raises ``ValueError``."""
    return RuleSetSpec.from_data(
        {
            "code": rule_set.code,
            "name": rule_set.name,
            "source": rule_set.source,
            "body_kinds": rule_set.body_kinds,
            "effective_from": rule_set.effective_from,
            "effective_to": rule_set.effective_to,
            "precedence": rule_set.precedence,
            "partnership_id": rule_set.partnership_id,
            "rules": [
                {
                    "id": rule.pk,
                    "position": rule.position,
                    "route": rule.route,
                    "route_name": rule.route_name,
                    "categories": rule.categories,
                    "body_kinds": rule.body_kinds,
                    "provider_sectors": rule.provider_sectors,
                    "conditions": rule.conditions,
                    "min_value": rule.min_value,
                    "max_value": rule.max_value,
                    "notices": rule.notices,
                    "steps": rule.steps,
                    "standstill_working_days": rule.standstill_working_days,
                    "explanation": rule.explanation,
                }
                for rule in rule_set.rules.all()
            ],
        }
    )


def rule_sets_in_force(*, partnership: Partnership, on: date) -> list[RuleSetSpec]:
    """The national rule sets and the partnership's own that are in force on a day."""
    in_force = (
        _rule_sets(partnership)
        .filter(effective_from__lte=on)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on))
    )
    return [rule_set_spec(rule_set) for rule_set in in_force]


def england_bank_holidays(first_year: int, last_year: int) -> frozenset[date]:
    """Bank holidays in England (and Wales) for the years given, inclusive."""
    return frozenset(bank_holidays.UK(subdiv="ENG", years=range(first_year, last_year + 1)).keys())


def route_for(*, partnership: Partnership, facts: Facts) -> Decision:
    """The route, notices and minimum timeline for the facts; raises ``rules.NoRouteError`` if none.

    Every rule set the partnership is bound by is passed (not only those in force), so the
    explanation can say which were not in force on the start date.
    """
    specs = [rule_set_spec(rule_set) for rule_set in _rule_sets(partnership)]
    year = facts.starts_on.year
    return decide(facts, specs, holidays=england_bank_holidays(year, year + 3))


def body_kind_of(organisation: Organisation) -> str:
    """ "nhs" for an ICB, CCG, PCT or NHS trust, "council" for a local authority."""
    if organisation.kind == Organisation.Kind.LOCAL_AUTHORITY:
        return "council"
    if organisation.kind in _NHS_KINDS:
        return "nhs"
    raise ValueError(
        f"{organisation.name} is a {organisation.get_kind_display().lower()}, not a public body."
    )


def facts_for(procurement: Procurement) -> Facts:
    """The facts the rules ask about a procurement (its commissioning body must be loaded or loadable)."""
    return Facts(
        category=procurement.category,
        body_kind=body_kind_of(procurement.commissioning_body),
        value=procurement.estimated_value,
        starts_on=procurement.starts_on,
        provider_sector="vcse" if procurement.vcse_only else None,
        conditions=frozenset(procurement.conditions or ()),
    )


def rule_for(decision: Decision) -> Rule | None:
    """The rule row a decision came from, to store on ``Procurement.rule``."""
    if decision.rule_id is None:
        return None
    return Rule.objects.filter(pk=decision.rule_id).select_related("rule_set").first()
