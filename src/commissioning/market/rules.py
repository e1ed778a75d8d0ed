"""The procurement rules engine: which route, notices and minimum timeline a procurement needs.

Pure (no Django; an import-linter contract keeps it so). Rules are data with effective dates
(``market.RuleSet`` and ``market.Rule``, shipped as JSON in ``market/rulesets/``), so one engine
applies a council's 2010 framework, the Procurement Act 2023 before and after the thresholds changed
on 1 January 2026, and the NHS Provider Selection Regime. The date a procurement starts decides
which rule sets are in force; ``market.routes`` turns rows into the specs read here.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from commissioning.core.dates import long_date

CATEGORIES: dict[str, str] = {
    "goods": "goods",
    "services": "services",
    "works": "works",
    "light_touch": "light-touch services",
    "health_care": "NHS health care services",
}
BODY_KINDS: dict[str, str] = {"council": "a local authority", "nhs": "an NHS body"}
STAGES: dict[str, str] = {
    "need_confirmed": "Need confirmed",
    "market_engagement": "Market engagement",
    "notice": "Notice published",
    "bids": "Bids received",
    "evaluation": "Evaluation",
    "award": "Award decided",
    "standstill": "Standstill",
    "contract": "Contract signed",
}
STAGE_ORDER: tuple[str, ...] = tuple(STAGES)
SECTORS: dict[str, str] = {
    "vcse": "the voluntary and community sector",
    "nhs": "NHS providers",
    "private": "private providers",
    "social_enterprise": "social enterprises",
}
_CONDITION = re.compile(r"^(not )?([a-z][a-z0-9_]*)$")
_NOTICE_KEYS = {"name", "days", "working_days", "before"}
_STEP_KEYS = {"stage", "days", "working_days", "label"}


class NoRouteError(ValueError):
    """No rule in force applies to the procurement; the message says why."""


# --- Facts and the decision --------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """What the rules ask about a procurement."""

    category: str  # a ProcurementCategory value
    body_kind: str  # "council" | "nhs"
    value: Decimal  # estimated lifetime value, VAT included
    starts_on: date  # the day the procurement starts: decides which rules are in force
    provider_sector: str | None = None  # "vcse" when reserved for the voluntary sector
    conditions: frozenset[str] = frozenset()  # named facts, e.g. "existing_provider_satisfactory"


@dataclass(frozen=True)
class NoticeRequirement:
    """A notice to publish at least ``days`` before the stage ``before`` (0: at that stage)."""

    name: str
    days: int
    working_days: bool
    before: str  # a stage value


@dataclass(frozen=True)
class TimelineStep:
    """One stage of the minimum timeline: at least ``minimum_days`` after the step before it."""

    stage: str
    label: str
    minimum_days: int
    working_days: bool
    earliest_on: date


@dataclass(frozen=True)
class Decision:
    """The route the rules give, what they require, and why."""

    route: str
    route_name: str
    rule_set_code: str
    rule_set_name: str
    source: str
    rule_id: int | None
    rule_position: int
    notices: tuple[NoticeRequirement, ...]
    timeline: tuple[TimelineStep, ...]  # from starts_on, each step's earliest date
    standstill_working_days: int
    earliest_contract_on: date
    explanation: tuple[str, ...]
    starts_on: date = field(default=date.min, compare=False)

    @property
    def total_minimum_days(self) -> int:
        """Calendar days from the start to the earliest contract: how early a re-procurement must begin."""
        start = self.timeline[0].earliest_on if self.timeline else self.starts_on
        return (self.earliest_contract_on - start).days

    def timeline_json(self) -> list[dict[str, Any]]:
        """The timeline as JSON-safe data, as stored on ``Procurement.timeline``."""
        return [
            {
                "stage": step.stage,
                "label": step.label,
                "minimum_days": step.minimum_days,
                "working_days": step.working_days,
                "earliest_on": step.earliest_on.isoformat(),
            }
            for step in self.timeline
        ]

    def notices_json(self) -> list[dict[str, Any]]:
        return [
            {"name": n.name, "days": n.days, "working_days": n.working_days, "before": n.before}
            for n in self.notices
        ]


def minimum_lead_days(decision: Decision) -> int:
    """Calendar days from the start of a procurement to the earliest day its contract can be signed."""
    return decision.total_minimum_days


# --- Rule specs, parsed and checked from data --------------------------------------------------


@dataclass(frozen=True)
class StepSpec:
    stage: str
    days: int
    working_days: bool
    label: str


@dataclass(frozen=True)
class RuleSpec:
    """One rule as data: when it applies and what it requires."""

    position: int
    route: str
    route_name: str
    explanation: str
    categories: frozenset[str] = frozenset()
    body_kinds: frozenset[str] = frozenset()
    provider_sectors: frozenset[str] = frozenset()
    conditions: tuple[str, ...] = ()
    min_value: Decimal | None = None  # inclusive
    max_value: Decimal | None = None  # exclusive
    notices: tuple[NoticeRequirement, ...] = ()
    steps: tuple[StepSpec, ...] = ()
    standstill_working_days: int = 0
    id: int | None = None

    @classmethod
    def from_data(cls, data: Mapping[str, Any], *, where: str = "rule") -> RuleSpec:
        """Parse a rule from JSON-like data, raising ``ValueError`` naming the rule and what is wrong."""
        position = _int(data.get("position", 0), f"{where}: position")
        where = f"{where} {position}"
        route = str(data.get("route") or "").strip()
        route_name = str(data.get("route_name") or "").strip()
        explanation = str(data.get("explanation") or "").strip()
        for name, value in (("route", route), ("route_name", route_name), ("explanation", explanation)):
            if not value:
                raise ValueError(f"{where}: {name} is required.")
        min_value = _money(data.get("min_value"), f"{where}: min_value")
        max_value = _money(data.get("max_value"), f"{where}: max_value")
        if min_value is not None and max_value is not None and max_value <= min_value:
            raise ValueError(f"{where}: max_value ({max_value}) must be more than min_value ({min_value}).")
        standstill = _int(data.get("standstill_working_days", 0), f"{where}: standstill_working_days")
        return cls(
            position=position,
            route=route,
            route_name=route_name,
            explanation=explanation,
            categories=_choices(data.get("categories"), CATEGORIES, f"{where}: categories"),
            body_kinds=_choices(data.get("body_kinds"), BODY_KINDS, f"{where}: body_kinds"),
            provider_sectors=_choices(data.get("provider_sectors"), SECTORS, f"{where}: provider_sectors"),
            conditions=_conditions(data.get("conditions"), f"{where}: conditions"),
            min_value=min_value,
            max_value=max_value,
            notices=parse_notices(data.get("notices"), where=where),
            steps=parse_steps(data.get("steps"), where=where),
            standstill_working_days=standstill,
            id=data.get("id"),
        )


@dataclass(frozen=True)
class RuleSetSpec:
    """A rule set as data: its source, when it is in force, whom it binds and its rules in order."""

    code: str
    name: str
    source: str
    effective_from: date
    effective_to: date | None = None  # the last day in force; None: still in force
    body_kinds: frozenset[str] = frozenset()
    precedence: int = 100
    partnership_id: int | None = None  # None: national
    rules: tuple[RuleSpec, ...] = ()

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> RuleSetSpec:
        """Parse a rule set (as in ``market/rulesets/*.json``), checking every rule."""
        code = str(data.get("code") or "").strip()
        where = f"Rule set {code or '(no code)'}"
        if not code:
            raise ValueError(f"{where}: code is required.")
        for key in ("name", "source"):
            if not str(data.get(key) or "").strip():
                raise ValueError(f"{where}: {key} is required (say where the rules come from).")
        effective_from = _date(data.get("effective_from"), f"{where}: effective_from")
        if effective_from is None:
            raise ValueError(f"{where}: effective_from is required.")
        effective_to = _date(data.get("effective_to"), f"{where}: effective_to")
        if effective_to is not None and effective_to < effective_from:
            raise ValueError(f"{where}: effective_to ({effective_to}) is before effective_from.")
        rules = tuple(
            RuleSpec.from_data(rule, where=f"{where}, rule") for rule in _list(data.get("rules"), where)
        )
        positions = [rule.position for rule in rules]
        if len(set(positions)) != len(positions):
            raise ValueError(f"{where}: two rules share a position; each position must be unique.")
        return cls(
            code=code,
            name=str(data["name"]).strip(),
            source=str(data["source"]).strip(),
            effective_from=effective_from,
            effective_to=effective_to,
            body_kinds=_choices(data.get("body_kinds"), BODY_KINDS, f"{where}: body_kinds"),
            precedence=_int(data.get("precedence", 100), f"{where}: precedence"),
            partnership_id=data.get("partnership_id"),
            rules=tuple(sorted(rules, key=lambda rule: rule.position)),
        )

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)


def parse_notices(value: Any, *, where: str = "rule") -> tuple[NoticeRequirement, ...]:
    """Check notices are a list of ``{"name", "days", "working_days", "before"}``."""
    notices = []
    for number, item in enumerate(_list(value, f"{where}: notices"), start=1):
        at = f"{where}: notice {number}"
        if not isinstance(item, Mapping):
            raise ValueError(f"{at} must be an object with name, days, working_days and before.")
        missing = sorted(_NOTICE_KEYS - set(item))
        if missing:
            raise ValueError(f"{at} is missing {', '.join(missing)}.")
        unknown = sorted(set(item) - _NOTICE_KEYS)
        if unknown:
            raise ValueError(f"{at} has unknown keys: {', '.join(unknown)}.")
        name = str(item["name"] or "").strip()
        if not name:
            raise ValueError(f"{at}: name is required.")
        if item["before"] not in STAGES:
            raise ValueError(f"{at}: before must be one of {', '.join(STAGE_ORDER)}, not {item['before']!r}.")
        notices.append(
            NoticeRequirement(
                name=name,
                days=_int(item["days"], f"{at}: days"),
                working_days=_bool(item["working_days"], f"{at}: working_days"),
                before=item["before"],
            )
        )
    return tuple(notices)


def parse_steps(value: Any, *, where: str = "rule") -> tuple[StepSpec, ...]:
    """Check steps are ``{"stage", "days", "working_days"}`` in stage order; standstill is not a step."""
    steps: list[StepSpec] = []
    for number, item in enumerate(_list(value, f"{where}: steps"), start=1):
        at = f"{where}: step {number}"
        if not isinstance(item, Mapping):
            raise ValueError(f"{at} must be an object with stage, days and working_days.")
        missing = sorted((_STEP_KEYS - {"label"}) - set(item))
        if missing:
            raise ValueError(f"{at} is missing {', '.join(missing)}.")
        unknown = sorted(set(item) - _STEP_KEYS)
        if unknown:
            raise ValueError(f"{at} has unknown keys: {', '.join(unknown)}.")
        stage = item["stage"]
        if stage not in STAGES:
            raise ValueError(f"{at}: stage must be one of {', '.join(STAGE_ORDER)}, not {stage!r}.")
        if stage == "standstill":
            raise ValueError(f"{at}: the standstill comes from standstill_working_days, not a step.")
        if steps and STAGE_ORDER.index(stage) <= STAGE_ORDER.index(steps[-1].stage):
            raise ValueError(f"{at}: stage {stage!r} must come after {steps[-1].stage!r}.")
        steps.append(
            StepSpec(
                stage=stage,
                days=_int(item["days"], f"{at}: days"),
                working_days=_bool(item["working_days"], f"{at}: working_days"),
                label=str(item.get("label") or STAGES[stage]),
            )
        )
    return tuple(steps)


def _list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        raise ValueError(f"{where} must be a list.")
    return list(value)


def _int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{where} must be a whole number, 0 or more, not {value!r}.")
    return value


def _bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{where} must be true or false, not {value!r}.")
    return value


def _money(value: Any, where: str) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, float):
        raise ValueError(f"{where} must be a string or whole number of pounds, never a float.")
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError(f"{where} is not an amount of money: {value!r}.") from None
    if amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValueError(f"{where} must be pounds and pence, 0 or more: {value!r}.")
    return amount


def _date(value: Any, where: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{where} must be a date as YYYY-MM-DD, not {value!r}.") from None


def _choices(value: Any, allowed: Mapping[str, str], where: str) -> frozenset[str]:
    items = _list(value, where)
    wrong = sorted(str(item) for item in items if item not in allowed)
    if wrong:
        raise ValueError(f"{where}: {', '.join(wrong)} not one of {', '.join(allowed)}.")
    return frozenset(items)


def _conditions(value: Any, where: str) -> tuple[str, ...]:
    conditions = []
    for item in _list(value, where):
        if not isinstance(item, str) or not _CONDITION.match(item):
            raise ValueError(f"{where}: {item!r} is not a condition name (e.g. 'patient_choice' or 'not x').")
        conditions.append(item)
    return tuple(conditions)


# --- Working days ------------------------------------------------------------------------------


def add_working_days(start: date, days: int, holidays: Collection[date]) -> date:
    """The ``days``-th working day after ``start`` (not counting it), skipping weekends and holidays."""
    day = start
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in holidays:
            remaining -= 1
    return day


def _after(start: date, days: int, working_days: bool, holidays: Collection[date]) -> date:
    return add_working_days(start, days, holidays) if working_days else start + timedelta(days=days)


# --- Matching and deciding ---------------------------------------------------------------------


def _pounds(amount: Decimal) -> str:
    return f"£{amount:,.2f}"


def _sorted_sets(rule_sets: Sequence[RuleSetSpec]) -> list[RuleSetSpec]:
    """Partnership rule sets first, then by precedence, then the newest."""
    return sorted(
        rule_sets,
        key=lambda s: (s.partnership_id is None, s.precedence, -s.effective_from.toordinal(), s.code),
    )


def _misses(rule: RuleSpec, facts: Facts) -> list[str]:
    """Why a rule does not apply to the facts (empty when it does)."""
    reasons = []
    if rule.categories and facts.category not in rule.categories:
        wanted = ", ".join(CATEGORIES[c] for c in sorted(rule.categories))
        reasons.append(f"it covers {wanted}, not {CATEGORIES.get(facts.category, facts.category)}")
    if rule.body_kinds and facts.body_kind not in rule.body_kinds:
        reasons.append(f"it does not bind {BODY_KINDS.get(facts.body_kind, facts.body_kind)}")
    if rule.provider_sectors and facts.provider_sector not in rule.provider_sectors:
        wanted = " or ".join(SECTORS[s] for s in sorted(rule.provider_sectors))
        reasons.append(f"it is for opportunities reserved for {wanted}")
    for condition in rule.conditions:
        negated, name = condition.startswith("not "), condition.removeprefix("not ")
        if negated and name in facts.conditions:
            reasons.append(f"it does not apply when {name.replace('_', ' ')}")
        elif not negated and name not in facts.conditions:
            reasons.append(f"it needs {name.replace('_', ' ')}")
    if rule.min_value is not None and facts.value < rule.min_value:
        reasons.append(f"the value {_pounds(facts.value)} is below {_pounds(rule.min_value)}")
    if rule.max_value is not None and facts.value >= rule.max_value:
        reasons.append(f"the value {_pounds(facts.value)} is not below {_pounds(rule.max_value)}")
    return reasons


def _band(rule: RuleSpec) -> str:
    if rule.min_value is not None and rule.max_value is not None:
        return f"from {_pounds(rule.min_value)} up to (not including) {_pounds(rule.max_value)}"
    if rule.min_value is not None:
        return f"{_pounds(rule.min_value)} or more"
    if rule.max_value is not None:
        return f"below {_pounds(rule.max_value)}"
    return "any value"


def _timeline(
    rule: RuleSpec, starts_on: date, holidays: Collection[date]
) -> tuple[tuple[TimelineStep, ...], date]:
    """Each step's earliest date from the start; the standstill goes in before the contract."""
    steps = list(rule.steps)
    if rule.standstill_working_days:
        standstill = StepSpec("standstill", rule.standstill_working_days, True, STAGES["standstill"])
        after = STAGE_ORDER.index("standstill")
        at = next((i for i, s in enumerate(steps) if STAGE_ORDER.index(s.stage) > after), len(steps))
        steps.insert(at, standstill)
    timeline: list[TimelineStep] = []
    day = starts_on
    for step in steps:
        day = _after(day, step.days, step.working_days, holidays)
        timeline.append(TimelineStep(step.stage, step.label, step.days, step.working_days, day))
    return tuple(timeline), day


def _not_in_force_text(sets: Sequence[RuleSetSpec], starts_on: date, on: str) -> str:
    """Name the rule sets either side of the start date (the ones the date decided between) and
    count the rest, so the explanation stays readable however long the history of rules."""
    ended = [s for s in sets if s.effective_to is not None and s.effective_to < starts_on]
    future = [s for s in sets if s.effective_from > starts_on]
    nearest = [max(ended, key=lambda s: s.effective_to or s.effective_from)] if ended else []
    nearest += [min(future, key=lambda s: s.effective_from)] if future else []
    named = "; ".join(f"{s.name} ({_in_force_text(s)})" for s in nearest)
    rest = len(sets) - len(nearest)
    more = f"; and {rest} rule set{'s' if rest != 1 else ''} of other dates" if rest else ""
    return f"Not in force on {on}, the day the procurement starts: {named}{more}."


def decide(facts: Facts, rule_sets: Sequence[RuleSetSpec], *, holidays: Collection[date] = ()) -> Decision:
    """The route for a procurement: the first matching rule of the first rule set in force that has one.

    Rule sets in force on ``facts.starts_on`` that bind this kind of body are consulted in order
    (the partnership's own before national, then by precedence); within a set, rules by position.
    A set none of whose rules match falls through to the next. Raises ``NoRouteError`` if none apply.
    """
    if facts.category not in CATEGORIES:
        raise NoRouteError(f"{facts.category!r} is not a procurement category ({', '.join(CATEGORIES)}).")
    if facts.body_kind not in BODY_KINDS:
        raise NoRouteError(f"{facts.body_kind!r} is not a kind of commissioning body (council or nhs).")
    on = long_date(facts.starts_on)
    body = BODY_KINDS[facts.body_kind]
    ordered = _sorted_sets(rule_sets)
    not_in_force = [s for s in ordered if not s.in_force_on(facts.starts_on)]
    other_bodies = [
        s
        for s in ordered
        if s.in_force_on(facts.starts_on) and s.body_kinds and facts.body_kind not in s.body_kinds
    ]
    candidates = [s for s in ordered if s not in not_in_force and s not in other_bodies]

    context: list[str] = []
    if not_in_force:
        context.append(_not_in_force_text(not_in_force, facts.starts_on, on))
    if other_bodies:
        context.append(f"In force but not binding {body}: " + "; ".join(s.name for s in other_bodies) + ".")
    if not candidates:
        raise NoRouteError(f"No procurement rules are in force on {on} for {body}. " + " ".join(context))

    fell_through: list[str] = []
    for position, rule_set in enumerate(candidates):
        missed: list[str] = []
        for rule in rule_set.rules:
            reasons = _misses(rule, facts)
            if reasons:
                missed.append(f"rule {rule.position} ({rule.route_name}) did not apply: {'; '.join(reasons)}")
                continue
            timeline, contract_on = _timeline(rule, facts.starts_on, holidays)
            why = _why_this_set(rule_set, candidates[position + 1 :], bool(fell_through), facts)
            explanation = [
                f"{rule_set.name} applied: {_in_force_text(rule_set)}, and the procurement starts on {on}. "
                f"{why}",
                f"Source: {rule_set.source}",
                *context,
                *fell_through,
                *(f"In {rule_set.name}, {text}." for text in missed),
                f"Rule {rule.position} ({rule.route_name}) matched: {_matched_text(rule, facts)}. "
                f"{rule.explanation}",
            ]
            if rule.standstill_working_days:
                explanation.append(
                    f"A standstill of {rule.standstill_working_days} working days (weekends and bank "
                    f"holidays excluded) comes before the contract; the earliest contract date is "
                    f"{long_date(contract_on)}."
                )
            return Decision(
                route=rule.route,
                route_name=rule.route_name,
                rule_set_code=rule_set.code,
                rule_set_name=rule_set.name,
                source=rule_set.source,
                rule_id=rule.id,
                rule_position=rule.position,
                notices=rule.notices,
                timeline=timeline,
                standstill_working_days=rule.standstill_working_days,
                earliest_contract_on=contract_on,
                explanation=tuple(explanation),
                starts_on=facts.starts_on,
            )
        fell_through.append(_no_match_text(rule_set, facts, missed))
    raise NoRouteError(
        f"None of the rules in force on {on} applies to {CATEGORIES[facts.category]} worth "
        f"{_pounds(facts.value)} bought by {body}. " + " ".join([*fell_through, *context])
    )


def _no_match_text(rule_set: RuleSetSpec, facts: Facts, missed: Sequence[str]) -> str:
    """Why a rule set in force gave no route: briefly when it does not cover the category at all."""
    covered = [rule.categories for rule in rule_set.rules]
    if covered and all(covered) and not any(facts.category in c for c in covered):
        names = ", ".join(CATEGORIES[c] for c in sorted(frozenset().union(*covered)))
        return f"{rule_set.name} is in force but covers only {names}."
    detail = "; ".join(missed) if missed else "it has no rules"
    return f"{rule_set.name} is in force but none of its rules matched ({detail})."


def _in_force_text(rule_set: RuleSetSpec) -> str:
    if rule_set.effective_to is None:
        return f"in force from {long_date(rule_set.effective_from)}"
    return f"in force from {long_date(rule_set.effective_from)} to {long_date(rule_set.effective_to)}"


def _why_this_set(
    chosen: RuleSetSpec, later: Sequence[RuleSetSpec], after_fall_through: bool, facts: Facts
) -> str:
    if not later and not after_fall_through:
        return f"It is the only rule set in force for {BODY_KINDS[facts.body_kind]}."
    reasons = []
    if chosen.partnership_id is not None:
        reasons.append("the partnership's own rules are consulted before national rules")
    elif later:
        reasons.append(f"it has precedence {chosen.precedence}, consulted first")
    if after_fall_through:
        reasons.append("the rule sets consulted before it had no rule for this procurement")
    also = f" Also in force: {', '.join(s.name for s in later)}." if later else ""
    return f"It was chosen because {' and '.join(reasons)}.{also}"


def _matched_text(rule: RuleSpec, facts: Facts) -> str:
    parts = [f"{CATEGORIES[facts.category]} bought by {BODY_KINDS[facts.body_kind]}"]
    band = "" if rule.min_value is None and rule.max_value is None else f", in the band {_band(rule)}"
    parts.append(f"worth {_pounds(facts.value)}{band}")
    if rule.provider_sectors:
        parts.append(f"reserved for {' or '.join(SECTORS[s] for s in sorted(rule.provider_sectors))}")
    held = [c.replace("_", " ") for c in rule.conditions if not c.startswith("not ")]
    if held:
        parts.append(f"where {' and '.join(held)}")
    return ", ".join(parts)
