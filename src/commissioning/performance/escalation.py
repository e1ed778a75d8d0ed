"""Escalation: performance or quality that opens a review on its own and tells the contract manager.

Each partnership has three rules (made on first use, then switched on or off and tuned):

* **special cause of concern**: the latest point on a KPI's SPC chart is a special cause of
  concern (read through ``performance.series``, as every chart on the platform is);
* **target missed**: a KPI's last N reported values all missed its target, by the KPI's polarity
  (higher is better: below target; lower is better: above it);
* **quality rating**: a provider's latest rating is one of the rule's ratings and is worse than
  the one before it (or is its first rating). A quality review opens on each of its active contracts.

Opening is idempotent: no second review for the same contract and rule while one is still open or
held, and none again after it closes until something new is reported (a return submitted, or a
rating given, after the last such review opened). Each review says in plain English what opened
it; the contract manager (or, if the contract has none, the partnership's commissioners) is sent
a notification.

The checks run when asked (``run_all``, the "run checks now" page) and may be called after returns
or ratings are recorded (``check_kpis``, ``check_provider_ratings``). Those two need no permission
of the actor: the rules decide, and the actor is recorded as the one whose change set them off.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from commissioning.contracts.models import Contract, ContractStatus, Kpi, Polarity
from commissioning.core.audit import Auditor, snapshot
from commissioning.core.dates import long_date
from commissioning.core.models import User
from commissioning.core.permissions import Permission, Role
from commissioning.core.system import system_user
from commissioning.market.models import QualityRating, Rating
from commissioning.partners.models import Partnership
from commissioning.partners.permissions import require_permission
from commissioning.performance import series as kpi_series
from commissioning.performance import spc
from commissioning.performance.charts import number
from commissioning.performance.models import (
    EscalationRule,
    EscalationTrigger,
    KpiReturn,
    Review,
    ReviewKind,
    ReviewStatus,
)
from commissioning.performance.notifications import notify
from commissioning.performance.schedule import MONTH_NAMES, Period

KPI_TRIGGERS = (EscalationTrigger.SPECIAL_CAUSE_CONCERN, EscalationTrigger.TARGET_MISSED)
DEFAULT_CONSECUTIVE = 3
MAX_CONSECUTIVE = 24
DEFAULT_RATINGS = [QualityRating.REQUIRES_IMPROVEMENT.value, QualityRating.INADEQUATE.value]
ESCALATING_RATINGS = (QualityRating.GOOD, QualityRating.REQUIRES_IMPROVEMENT, QualityRating.INADEQUATE)
"""The ratings a provider can fall to (nothing falls to outstanding)."""
RATING_RANK = {
    QualityRating.OUTSTANDING.value: 0,
    QualityRating.GOOD.value: 1,
    QualityRating.REQUIRES_IMPROVEMENT.value: 2,
    QualityRating.INADEQUATE.value: 3,
}
DEFAULT_RULES: tuple[tuple[str, dict[str, Any]], ...] = (
    (EscalationTrigger.SPECIAL_CAUSE_CONCERN, {"review_kind": ReviewKind.CONTRACT}),
    (
        EscalationTrigger.TARGET_MISSED,
        {"consecutive_periods": DEFAULT_CONSECUTIVE, "review_kind": ReviewKind.CONTRACT},
    ),
    (EscalationTrigger.QUALITY_RATING, {"ratings": DEFAULT_RATINGS, "review_kind": ReviewKind.QUALITY}),
)
PERIOD_WORDS = {
    "monthly": ("month", "months"),
    "quarterly": ("quarter", "quarters"),
    "six_monthly": ("half-year", "half-years"),
    "annual": ("year", "years"),
}
MAX_TITLE = 200


@dataclass(frozen=True)
class Firing:
    """One rule met by one contract (and KPI), with what met it in words."""

    rule: EscalationRule
    contract: Contract
    kpi: Kpi | None
    title: str
    detail: str


# Rules -----------------------------------------------------------------------------------


@transaction.atomic
def ensure_default_rules(partnership: Partnership, *, actor: User | None = None) -> list[EscalationRule]:
    """The partnership's rules, first creating any of the three defaults it does not have yet."""
    have = set(EscalationRule.objects.filter(partnership=partnership).values_list("trigger", flat=True))
    missing = [
        EscalationRule(partnership=partnership, trigger=trigger, **settings)
        for trigger, settings in DEFAULT_RULES
        if trigger not in have
    ]
    if missing:
        auditor = Auditor(actor or system_user(), partnership_id=partnership.pk)
        for rule in missing:
            rule.save()
            auditor.created(rule, summary=f"Escalation rule set up: {rule.get_trigger_display()}")
    return list(EscalationRule.objects.filter(partnership=partnership).order_by("trigger", "pk"))


@transaction.atomic
def update_rule(
    *,
    actor: User,
    rule: EscalationRule,
    is_active: bool,
    review_kind: str,
    consecutive_periods: int | None = None,
    ratings: Sequence[str] | None = None,
) -> EscalationRule:
    """Switch a rule on or off and tune it: periods in a row for a missed target, ratings for quality."""
    require_permission(actor, Permission.MANAGE_PERFORMANCE, partnership=rule.partnership)
    rule = EscalationRule.objects.select_for_update().get(pk=rule.pk)
    errors: dict[str, str] = {}
    if review_kind not in ReviewKind.values:
        errors["review_kind"] = "Choose whether the rule opens a quality review or a contract review."
    if rule.trigger == EscalationTrigger.TARGET_MISSED:
        periods = consecutive_periods
        if isinstance(periods, bool) or not isinstance(periods, int) or not 1 <= periods <= MAX_CONSECUTIVE:
            errors["consecutive_periods"] = (
                f"Say how many reporting periods in a row, a whole number from 1 to {MAX_CONSECUTIVE}."
            )
    if rule.trigger == EscalationTrigger.QUALITY_RATING:
        chosen = list(dict.fromkeys(ratings or []))
        allowed = [rating.value for rating in ESCALATING_RATINGS]
        if not chosen:
            errors["ratings"] = "Choose at least one rating that opens a review."
        elif any(value not in allowed for value in chosen):
            names = ", ".join(str(rating.label).lower() for rating in ESCALATING_RATINGS)
            errors["ratings"] = f"A provider can fall only to {names}."
    if errors:
        raise ValidationError(errors)
    before = snapshot(rule)
    rule.is_active = bool(is_active)
    rule.review_kind = review_kind
    if rule.trigger == EscalationTrigger.TARGET_MISSED:
        rule.consecutive_periods = consecutive_periods  # type: ignore[assignment]
    if rule.trigger == EscalationTrigger.QUALITY_RATING:
        rule.ratings = sorted(chosen, key=lambda value: RATING_RANK[value])
    rule.save()
    Auditor(actor, partnership_id=rule.partnership_id).updated(
        rule, before, summary=f"Escalation rule changed: {rule.get_trigger_display()}"
    )
    return rule


def describe(rule: EscalationRule) -> str:
    """What the rule does, in a sentence."""
    if rule.trigger == EscalationTrigger.SPECIAL_CAUSE_CONCERN:
        return "The latest point on a KPI's SPC chart is a special cause of concern."
    if rule.trigger == EscalationTrigger.TARGET_MISSED:
        n = rule.consecutive_periods
        return f"A KPI's last {n} reported value{'s' if n != 1 else ''} all missed its target."
    names = " or ".join(
        str(QualityRating(value).label).lower() for value in rule.ratings if value in RATING_RANK
    )
    return f"A provider's latest quality rating falls to {names or 'a rating not yet chosen'}."


# Words -----------------------------------------------------------------------------------


SINGULAR = {"people": "person"}


def _amount(value: Decimal | float, unit: str) -> str:
    """A value with its unit: "85%", "12 days", "1 day", "2.5 per 1,000 bed days"."""
    unit = (unit or "").strip()
    text = number(value)
    if unit == "%":
        return f"{text}%"
    if text == "1" and " " not in unit:
        unit = SINGULAR.get(unit, unit[:-1] if unit.endswith("s") and not unit.endswith("ss") else unit)
    return f"{text} {unit}".strip()


def period_list(periods: Sequence[Period], frequency: str) -> str:
    """Periods in a short list: months as "Nov, Dec 2025, Jan 2026"; others by their labels."""
    if frequency != "monthly":
        return ", ".join(period.label for period in periods)
    parts: list[str] = []
    for index, period in enumerate(periods):
        last_of_year = index == len(periods) - 1 or periods[index + 1].start.year != period.start.year
        month = MONTH_NAMES[period.start.month - 1]
        parts.append(f"{month} {period.start.year}" if last_of_year else month)
    return ", ".join(parts)


def _count(n: int, frequency: str) -> str:
    one, many = PERIOD_WORDS.get(frequency, ("reporting period", "reporting periods"))
    return f"{n} {one if n == 1 else many}"


def _concern_reason(row: Any, kpi: Kpi) -> str:
    rules = tuple(row["rules"] or ())
    low = row["side"] == "low"
    defaults = spc.Rules()
    top = rules[0] if rules else "beyond_limits"
    if top == "beyond_limits":
        if low:
            return f"below the lower process limit of {_amount(row['lpl'], kpi.unit)}"
        return f"above the upper process limit of {_amount(row['upl'], kpi.unit)}"
    if top == "trend":
        way = "falling" if low else "rising"
        return f"part of a trend of {defaults.trend_length} or more points in a row {way}"
    if top == "two_of_three":
        return f"one of two in three points close to the {'lower' if low else 'upper'} process limit"
    side = "below" if low else "above"
    return f"part of a run of {defaults.run_length} or more points in a row {side} the average"


# Evaluating KPI rules ----------------------------------------------------------------------


def special_cause_concern(series: kpi_series.KpiSeries) -> str | None:
    """Plain words when the KPI's latest point is a special cause of concern, else None."""
    if series.reported < kpi_series.MIN_POINTS:
        return None
    table = kpi_series.chart_table(series)
    reading = kpi_series.reading(series, table)
    if reading.latest_point_type != "special_cause_concern" or reading.latest_period is None:
        return None
    kpi = series.kpi
    row = table[table["period_start"] == reading.latest_period.start].iloc[-1]
    value = reading.latest_value
    shown = _amount(value, kpi.unit) if value is not None else "the value"
    return (
        f"KPI {kpi.code} ({kpi.name}) shows special cause variation of concern in "
        f"{reading.latest_period.label}: {shown} is {_concern_reason(row, kpi)}."
    )


def target_missed(series: kpi_series.KpiSeries, periods: int) -> str | None:
    """Plain words when the KPI's last ``periods`` reported values all missed its target, else None."""
    kpi = series.kpi
    if kpi.target is None or kpi.polarity not in (Polarity.INCREASE, Polarity.DECREASE) or periods < 1:
        return None
    reported = [(p, v) for p, v in zip(series.periods, series.values, strict=True) if v is not None]
    last = reported[-periods:]
    if len(last) < periods:
        return None
    target = kpi.target
    higher_is_better = kpi.polarity == Polarity.INCREASE
    if not all((value < target) if higher_is_better else (value > target) for _, value in last):
        return None
    side = "below" if higher_is_better else "above"
    values = ", ".join(_amount(value, kpi.unit) for _, value in last)
    return (
        f"KPI {kpi.code} ({kpi.name}) has been {side} its target of {_amount(target, kpi.unit)} for "
        f"{_count(periods, kpi.frequency)}: {period_list([p for p, _ in last], kpi.frequency)} "
        f"(reported {values})."
    )


def _kpi_firing(rule: EscalationRule, series: kpi_series.KpiSeries) -> Firing | None:
    kpi = series.kpi
    contract = kpi.contract
    if rule.trigger == EscalationTrigger.SPECIAL_CAUSE_CONCERN:
        detail = special_cause_concern(series)
        title = f"{contract.reference}: special cause of concern on KPI {kpi.code}"
    elif rule.trigger == EscalationTrigger.TARGET_MISSED:
        detail = target_missed(series, rule.consecutive_periods)
        running = _count(rule.consecutive_periods, kpi.frequency)
        title = f"{contract.reference}: KPI {kpi.code} missed its target {running} running"
    else:
        return None
    if detail is None:
        return None
    return Firing(rule=rule, contract=contract, kpi=kpi, title=title[:MAX_TITLE], detail=detail)


# Opening reviews ---------------------------------------------------------------------------


class _History:
    """Earlier escalated reviews of some contracts: which are still open, and when each rule last fired."""

    def __init__(self, contract_ids: Iterable[int], rules: Iterable[EscalationRule]) -> None:
        self.open: set[tuple[int, int]] = set()
        self.last_opened: dict[tuple[int, int], dt.datetime] = {}
        rows = Review.objects.filter(
            contract_id__in=list(contract_ids), escalation_rule__in=[rule.pk for rule in rules]
        ).values_list("contract_id", "escalation_rule_id", "status", "opened_at")
        for contract_id, rule_id, status, opened_at in rows:
            key = (contract_id, rule_id)
            if status != ReviewStatus.CLOSED:
                self.open.add(key)
            if key not in self.last_opened or opened_at > self.last_opened[key]:
                self.last_opened[key] = opened_at

    def allows(self, contract_id: int, rule_id: int, news_since: dt.datetime | dt.date | None) -> bool:
        """No review open for this contract and rule, and something new since the last one opened."""
        key = (contract_id, rule_id)
        if key in self.open:
            return False
        last = self.last_opened.get(key)
        if last is None or news_since is None:
            return True
        if isinstance(news_since, dt.datetime):
            return news_since > last
        return news_since > timezone.localtime(last).date()


class _Recipients:
    """Who hears about a contract's escalated review: its manager, or the partnership's commissioners."""

    def __init__(self) -> None:
        self._commissioners: dict[int, list[User]] = {}

    def for_contract(self, contract: Contract) -> list[User]:
        manager = contract.contract_manager
        if manager is not None and manager.is_active:
            return [manager]
        partnership_id = contract.partnership_id
        if partnership_id not in self._commissioners:
            self._commissioners[partnership_id] = list(
                User.objects.filter(
                    is_active=True,
                    memberships__partnership_id=partnership_id,
                    memberships__role=Role.COMMISSIONER.value,
                )
                .distinct()
                .order_by("username")
            )
        return self._commissioners[partnership_id]


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _title_for_many(firings: list[Firing]) -> str:
    """One title for a review that several KPIs of a contract opened at once."""
    contract, rule = firings[0].contract, firings[0].rule
    codes = _and([firing.kpi.code for firing in firings if firing.kpi is not None])
    if rule.trigger == EscalationTrigger.TARGET_MISSED:
        return f"{contract.reference}: KPIs {codes} missed their targets"[:MAX_TITLE]
    return f"{contract.reference}: special cause of concern on KPIs {codes}"[:MAX_TITLE]


def _open(firings: list[Firing], *, actor: User, recipients: _Recipients) -> Review:
    """One review for one contract and rule, from one or more firings (one per KPI)."""
    first = firings[0]
    contract, rule = first.contract, first.rule
    title = first.title if len(firings) == 1 else _title_for_many(firings)
    detail = "\n".join(firing.detail for firing in firings)
    review = Review.objects.create(
        partnership=contract.partnership,
        contract=contract,
        kind=rule.review_kind,
        title=title,
        escalation_rule=rule,
        trigger_kpi=first.kpi,
        trigger_detail=detail,
        opened_by=actor,
    )
    people = recipients.for_contract(contract)
    names = (
        ", ".join(person.display_name for person in people) or "no one (the partnership has no commissioners)"
    )
    Auditor(actor, partnership_id=contract.partnership_id).created(
        review,
        summary=f"Review opened by the escalation rule '{rule.get_trigger_display()}'; notified {names}",
    )
    url = reverse("reviews:detail", args=[contract.partnership.slug, review.pk])
    provider = contract.provider.organisation.name
    body = (
        f"{detail}\n\nA {review.get_kind_display().lower()} of contract {contract.reference} "
        f"({contract.title}, {provider}) has been opened by the escalation rule "
        f"'{rule.get_trigger_display()}'. Arrange the review with the provider and record what it finds."
    )
    for person in people:
        notify(
            partnership=contract.partnership,
            recipient=person,
            subject=f"Review opened: {review.title}",
            body=body,
            url=url,
        )
    return review


def _open_all(firings: list[Firing], *, actor: User) -> list[Review]:
    grouped: dict[tuple[int, int], list[Firing]] = defaultdict(list)
    for firing in firings:
        grouped[(firing.contract.pk, firing.rule.pk)].append(firing)
    recipients = _Recipients()
    return [_open(group, actor=actor, recipients=recipients) for group in grouped.values()]


@transaction.atomic
def check_kpis(*, kpi_ids: Iterable[int], actor: User) -> list[Review]:
    """Evaluate the active KPI rules for these KPIs (active contracts only); open and notify reviews."""
    kpis = list(
        Kpi.objects.filter(pk__in=list(kpi_ids), contract__status=ContractStatus.ACTIVE)
        .select_related(
            "contract__partnership", "contract__contract_manager", "contract__provider__organisation"
        )
        .order_by("contract__reference", "position", "code")
    )
    if not kpis:
        return []
    partnerships = {kpi.contract.partnership_id: kpi.contract.partnership for kpi in kpis}
    rules: dict[int, list[EscalationRule]] = {
        pk: [
            rule
            for rule in ensure_default_rules(partnership, actor=actor)
            if rule.is_active and rule.trigger in KPI_TRIGGERS
        ]
        for pk, partnership in partnerships.items()
    }
    if not any(rules.values()):
        return []
    today = timezone.localdate()
    all_series = kpi_series.series_for(kpis, until=today)
    newest = dict(
        KpiReturn.objects.filter(kpi_id__in=[kpi.pk for kpi in kpis])
        .values("kpi_id")
        .annotate(newest=Max("submitted_at"))
        .values_list("kpi_id", "newest")
    )
    history = _History(
        {kpi.contract_id for kpi in kpis}, [rule for group in rules.values() for rule in group]
    )
    firings: list[Firing] = []
    for kpi in kpis:
        for rule in rules[kpi.contract.partnership_id]:
            if not history.allows(kpi.contract_id, rule.pk, newest.get(kpi.pk)):
                continue
            firing = _kpi_firing(rule, all_series[kpi.pk])
            if firing is not None:
                firings.append(firing)
    return _open_all(firings, actor=actor)


# Evaluating quality ratings ---------------------------------------------------------------


def _latest_two(provider_ids: Iterable[int]) -> dict[int, list[tuple[str, dt.date]]]:
    """Each provider's latest two ratings (ignoring "not yet rated"), newest first."""
    found: dict[int, list[tuple[str, dt.date]]] = defaultdict(list)
    rows = (
        Rating.objects.filter(provider_id__in=list(provider_ids))
        .exclude(rating=QualityRating.NOT_YET_RATED)
        .order_by("provider_id", "-rated_on", "-id")
        .values_list("provider_id", "rating", "rated_on")
    )
    for provider_id, rating, rated_on in rows:
        if len(found[provider_id]) < 2:
            found[provider_id].append((rating, rated_on))
    return found


def rating_fall(rule: EscalationRule, ratings: list[tuple[str, dt.date]]) -> str | None:
    """Plain words when the latest rating is one the rule escalates and worse than before, else None."""
    if not ratings:
        return None
    rating, rated_on = ratings[0]
    if rating not in rule.ratings:
        return None
    label = str(QualityRating(rating).label).lower()
    if len(ratings) == 1:
        return f"rated {label} on {long_date(rated_on)}, its first rating."
    before, before_on = ratings[1]
    if RATING_RANK[before] >= RATING_RANK[rating]:
        return None
    was = str(QualityRating(before).label).lower()
    return f"rated {label} on {long_date(rated_on)}, down from {was} on {long_date(before_on)}."


@transaction.atomic
def check_provider_ratings(
    *, partnership: Partnership, actor: User, provider_ids: Iterable[int] | None = None
) -> list[Review]:
    """Open a review on each active contract of every provider (or of those given) whose rating
    fell as a rule says."""
    rules = [
        rule
        for rule in ensure_default_rules(partnership, actor=actor)
        if rule.is_active and rule.trigger == EscalationTrigger.QUALITY_RATING
    ]
    if not rules:
        return []
    active = Contract.objects.filter(partnership=partnership, status=ContractStatus.ACTIVE)
    if provider_ids is not None:
        active = active.filter(provider_id__in=list(provider_ids))
    contracts = list(
        active.select_related("partnership", "contract_manager", "provider__organisation").order_by(
            "reference"
        )
    )
    ratings = _latest_two({contract.provider_id for contract in contracts})
    history = _History({contract.pk for contract in contracts}, rules)
    firings: list[Firing] = []
    for contract in contracts:
        latest = ratings.get(contract.provider_id) or []
        for rule in rules:
            if not latest or not history.allows(contract.pk, rule.pk, latest[0][1]):
                continue
            fall = rating_fall(rule, latest)
            if fall is None:
                continue
            provider = contract.provider.organisation.name
            label = str(QualityRating(latest[0][0]).label).lower()
            firings.append(
                Firing(
                    rule=rule,
                    contract=contract,
                    kpi=None,
                    title=f"{contract.reference}: {provider} rated {label}"[:MAX_TITLE],
                    detail=f"{provider} was {fall}",
                )
            )
    return _open_all(firings, actor=actor)


@transaction.atomic
def run_all(*, partnership: Partnership, actor: User) -> list[Review]:
    """Check every active contract's KPIs and every provider's rating now; the reviews it opened."""
    require_permission(actor, Permission.MANAGE_PERFORMANCE, partnership=partnership)
    ensure_default_rules(partnership, actor=actor)
    kpi_ids = list(
        Kpi.objects.filter(
            contract__partnership=partnership, contract__status=ContractStatus.ACTIVE
        ).values_list("pk", flat=True)
    )
    opened = check_kpis(kpi_ids=kpi_ids, actor=actor)
    return opened + check_provider_ratings(partnership=partnership, actor=actor)


def rating_recorded(
    sender: Any, instance: Rating, created: bool = False, raw: bool = False, **kwargs: Any
) -> None:
    """A new quality rating may open a quality review. The market records ratings and sits below
    performance, so it cannot call up here; this receiver (connected in ``apps``) listens instead,
    and checks once the rating is committed."""
    if raw or not created:
        return
    provider = instance.provider
    actor = instance.recorded_by or system_user()
    transaction.on_commit(
        lambda: check_provider_ratings(
            partnership=provider.partnership, actor=actor, provider_ids=[provider.pk]
        )
    )
