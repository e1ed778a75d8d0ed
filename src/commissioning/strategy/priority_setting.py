"""Writes to priority-setting rounds: set-up, the panel and its interests, scores, optimiser runs.

Setting a round up needs ``Permission.MANAGE_STRATEGY``; a panel member enters their own scores
only. Every function checks everything before writing, refuses with a ``ValidationError`` keyed
by field, and records each change in the audit trail. Whatever a round links to (care group,
priority, panel member, register of interests, deciding decision) must be the same partnership's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils.text import slugify

from commissioning.core.audit import Auditor, snapshot
from commissioning.core.models import AuditEvent, User
from commissioning.core.permissions import Permission
from commissioning.core.validation import validate
from commissioning.governance.models import Decision, DecisionState, Interest
from commissioning.partners.models import CareGroup, Partnership
from commissioning.partners.permissions import has_permission, require_permission
from commissioning.strategy import portfolio
from commissioning.strategy.models import (
    OptimisationRun,
    OptionKind,
    PanelInterest,
    PanelMember,
    PanelRole,
    PanelScore,
    Priority,
    PriorityRound,
    RoundCriterion,
    RoundOption,
    RoundStatus,
)
from commissioning.strategy.models.priority_setting import SCALE_TOPS
from commissioning.strategy.priority_setting_selectors import inputs_hash, round_inputs

OTHER_CARE_GROUP = "That care group belongs to another partnership."
OTHER_PRIORITY = "That priority belongs to another partnership."
OTHER_DECISION = "That decision belongs to another partnership."
OTHER_OPTION = "That option belongs to another round."
OTHER_INTEREST = "That entry in the register of interests is not this panel member's in this partnership."
NOT_PANEL_USER = "That person holds no role in this partnership that can see its strategy."
NOT_ON_PANEL = "Only members of the round's panel can score it."
DECIDED = "The round has been decided and cannot change."
NOT_SCORING = "Scores can be entered only while the round is open for scoring."
WEIGHTS_TOTAL = "The weights add up to {total}%, not 100%."
FIRST_YEAR, LAST_YEAR = 2000, 2100
STATUS_PHRASES: dict[str, str] = {
    RoundStatus.DRAFT: "a draft",
    RoundStatus.SCORING: "open for scoring",
    RoundStatus.CLOSED: "closed for scoring",
    RoundStatus.DECIDED: "decided",
}
"""How a sentence says where a round is: "the round is open for scoring"."""
CRITERION_DESCRIPTIONS = {
    "scale": "How much spending and how many people it touches: large enough to shift value for money.",
    "transformational_change": "Whether it changes how services work rather than adding to what exists.",
    "value_for_money": "Better outcomes for the money, including savings that release funds elsewhere.",
    "strategic_fit": "How closely it serves the agreed priorities, thought through from first principles.",
}
"""What each default criterion asks of an option, after the Nottinghamshire criteria for joint work."""


def _auditor(actor: User, round_: PriorityRound) -> Auditor:
    return Auditor(actor, partnership_id=round_.partnership_id)


def _manage(actor: User, round_: PriorityRound, *, allowed: Sequence[str] | None = None) -> None:
    require_permission(actor, Permission.MANAGE_STRATEGY, partnership=round_.partnership)
    if round_.status == RoundStatus.DECIDED:
        raise ValidationError({"__all__": DECIDED})
    if allowed is not None and round_.status not in allowed:
        wanted = " or ".join(STATUS_PHRASES[status] for status in allowed)
        raise ValidationError(
            {
                "__all__": f"This can be done only while the round is {wanted}; "
                f"it is {STATUS_PHRASES[round_.status]}."
            }
        )


def _decimal(value: Any) -> Decimal | None:
    """A Decimal from a Decimal, int or string; None for a float (never money) or nonsense."""
    if isinstance(value, (bool, float)) or value is None:
        return None
    try:
        number = Decimal(str(value).strip()) if isinstance(value, str) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None
    return number if number.is_finite() else None


# Rounds --------------------------------------------------------------------------------------


def _check_round(
    partnership: Partnership,
    *,
    name: str,
    financial_year: int | None,
    budget: Any,
    min_prevention_share: Any,
    scale_top: int | None,
    exclude: int = 0,
) -> tuple[Decimal, Decimal]:
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = "Enter the round's name."
    elif (
        PriorityRound.objects.filter(partnership=partnership, name__iexact=name.strip())
        .exclude(pk=exclude)
        .exists()
    ):
        errors["name"] = f"There is already a round called {name.strip()}."
    if financial_year is None or not FIRST_YEAR <= financial_year <= LAST_YEAR:
        errors["financial_year"] = (
            "Enter the year the financial year starts in, for example 2027 for 2027/28."
        )
    money = _decimal(budget)
    if money is None:
        errors["budget"] = "Enter the budget envelope in pounds and pence, for example 1500000.00."
    elif money != money.quantize(Decimal("0.01")):
        errors["budget"] = "The budget envelope is in pounds and pence: at most two decimal places."
    share = _decimal(min_prevention_share)
    if share is None or not 0 <= share <= 100:
        errors["min_prevention_share"] = "The minimum prevention share is a percentage from 0 to 100."
    if scale_top not in SCALE_TOPS:
        errors["scale_top"] = "Choose a scale of 0 to 5 or 0 to 10."
    if errors:
        raise ValidationError(errors)
    assert money is not None and share is not None
    return money, share


@transaction.atomic
def create_round(
    *,
    actor: User,
    partnership: Partnership,
    name: str,
    financial_year: int | None,
    budget: Any,
    min_prevention_share: Any = Decimal(0),
    scale_top: int | None = 5,
    criteria: Sequence[portfolio.Criterion] = portfolio.DEFAULT_CRITERIA,
) -> PriorityRound:
    """A draft round with the partnership's default criteria, equally weighted until the panel agrees."""
    require_permission(actor, Permission.MANAGE_STRATEGY, partnership=partnership)
    money, share = _check_round(
        partnership,
        name=name,
        financial_year=financial_year,
        budget=budget,
        min_prevention_share=min_prevention_share,
        scale_top=scale_top,
    )
    assert financial_year is not None and scale_top is not None
    round_ = PriorityRound(
        partnership=partnership,
        name=name.strip(),
        financial_year=financial_year,
        budget=money,
        min_prevention_share=share,
        scale_top=scale_top,
        created_by=actor,
    )
    validate(round_)
    round_.save()
    rows = RoundCriterion.objects.bulk_create(
        RoundCriterion(
            round=round_,
            key=c.key,
            label=c.label,
            description=CRITERION_DESCRIPTIONS.get(c.key, ""),
            weight=c.weight,
            position=n,
        )
        for n, c in enumerate(criteria, start=1)
    )
    auditor = _auditor(actor, round_)
    auditor.created(round_, summary=f"Priority-setting round {round_.name} set up")
    auditor.record_many(AuditEvent.Action.CREATE, [(row, None, snapshot(row)) for row in rows])
    return round_


@transaction.atomic
def update_round(
    *,
    actor: User,
    round_: PriorityRound,
    name: str,
    financial_year: int | None,
    budget: Any,
    min_prevention_share: Any,
    scale_top: int | None,
) -> PriorityRound:
    _manage(actor, round_)
    money, share = _check_round(
        round_.partnership,
        name=name,
        financial_year=financial_year,
        budget=budget,
        min_prevention_share=min_prevention_share,
        scale_top=scale_top,
        exclude=round_.pk,
    )
    if scale_top != round_.scale_top and PanelScore.objects.filter(member__round=round_).exists():
        raise ValidationError({"scale_top": "The scale cannot change once the panel has scored."})
    assert financial_year is not None and scale_top is not None
    before = snapshot(round_)
    round_.name, round_.financial_year, round_.scale_top = name.strip(), financial_year, scale_top
    round_.budget, round_.min_prevention_share = money, share
    validate(round_)
    round_.save()
    _auditor(actor, round_).updated(round_, before, summary=f"Round {round_.name} changed")
    return round_


# Criteria ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionRow:
    """One line of the criteria form: an existing criterion (pk) or a new one (pk None)."""

    pk: int | None
    label: str
    weight: Any
    description: str | None = None  # None keeps an existing criterion's description


@transaction.atomic
def set_criteria(*, actor: User, round_: PriorityRound, rows: Sequence[CriterionRow]) -> list[RoundCriterion]:
    """The round's criteria and weights, which must add to 100 %.

    Weights may change until the round is decided (the panel's scores stay); criteria may be
    added, renamed or dropped only while the round is a draft, before anyone scores.
    """
    _manage(actor, round_)
    existing = {c.pk: c for c in round_.criteria.all()}
    errors: dict[str, str] = {}
    weights: list[Decimal] = []
    labels: set[str] = set()
    for n, row in enumerate(rows):
        if row.pk is not None and row.pk not in existing:
            errors[f"label_{n}"] = "That criterion belongs to another round."
        label = row.label.strip()
        if not label:
            errors[f"label_{n}"] = "Enter the criterion's name."
        elif label.lower() in labels:
            errors[f"label_{n}"] = f"{label} appears more than once."
        labels.add(label.lower())
        weight = _decimal(row.weight)
        if weight is None:
            errors[f"weight_{n}"] = f"Enter the weight of {label or 'the criterion'} as a percentage."
        elif not 0 <= weight <= 100:
            errors[f"weight_{n}"] = f"The weight of {label or 'the criterion'} must be from 0 to 100%."
        elif weight != weight.quantize(Decimal("0.01")):
            errors[f"weight_{n}"] = "Give weights to at most two decimal places."
        else:
            weights.append(weight)
    if not rows:
        errors["__all__"] = "A round needs at least one criterion."
    kept = {row.pk for row in rows if row.pk is not None}
    if round_.status != RoundStatus.DRAFT and (kept != set(existing) or any(row.pk is None for row in rows)):
        errors["__all__"] = (
            "Criteria can be added or removed only while the round is a draft; change the weights."
        )
    if not errors:
        total = sum(weights, Decimal(0))
        if total != 100:
            errors["__all__"] = WEIGHTS_TOTAL.format(total=_number(total))
    if errors:
        raise ValidationError(errors)
    auditor = _auditor(actor, round_)
    for pk in sorted(set(existing) - kept):
        gone = existing[pk]
        auditor.deleted(gone, snapshot(gone), summary=f"Criterion {gone.label} removed from {round_.name}")
        gone.delete()
    taken = {c.key for pk, c in existing.items() if pk in kept}
    result = []
    for n, row in enumerate(rows, start=1):
        weight = _decimal(row.weight)
        assert weight is not None
        if row.pk is None:
            key = base = slugify(row.label)[:50] or "criterion"
            suffix = 2
            while key in taken:
                key, suffix = f"{base}-{suffix}", suffix + 1
            taken.add(key)
            criterion = RoundCriterion(
                round=round_,
                key=key,
                label=row.label.strip(),
                description=(row.description or "").strip(),
                weight=weight,
                position=n,
            )
            validate(criterion)
            criterion.save()
            auditor.created(criterion, summary=f"Criterion {criterion.label} added to {round_.name}")
        else:
            criterion = existing[row.pk]
            before = snapshot(criterion)
            criterion.label, criterion.weight, criterion.position = row.label.strip(), weight, n
            if row.description is not None:
                criterion.description = row.description.strip()
            validate(criterion)
            criterion.save()
            auditor.updated(
                criterion, before, summary=f"Criterion {criterion.label} of {round_.name} changed"
            )
        result.append(criterion)
    return result


# Options -------------------------------------------------------------------------------------


def _check_option(
    round_: PriorityRound,
    *,
    title: str,
    kind: str,
    amount: Any,
    people: int | None,
    care_group: CareGroup | None,
    priority: Priority | None,
    exclude: int = 0,
) -> Decimal:
    partnership_id = round_.partnership_id
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = "Enter the option's title."
    elif round_.options.filter(title__iexact=title.strip()).exclude(pk=exclude).exists():
        errors["title"] = f"The round already has an option called {title.strip()}."
    if kind not in OptionKind.values:
        errors["kind"] = "Choose whether the option is an investment or a disinvestment."
    money = _decimal(amount)
    what = "saving" if kind == OptionKind.DISINVESTMENT else "cost"
    if money is None or money <= 0:
        errors["amount"] = f"Enter the {what} a year in pounds, above zero."
    elif money != money.quantize(Decimal("0.01")):
        errors["amount"] = f"The {what} is in pounds and pence: at most two decimal places."
    if people is None or people < 0:
        errors["people"] = "Enter how many people the option affects a year (0 or more)."
    if care_group is not None and care_group.partnership_id != partnership_id:
        errors["care_group"] = OTHER_CARE_GROUP
    if priority is not None and priority.partnership_id != partnership_id:
        errors["priority"] = OTHER_PRIORITY
    elif priority is not None and care_group is not None and priority.care_group_id != care_group.pk:
        errors["priority"] = "Choose a priority of the option's care group."
    if errors:
        raise ValidationError(errors)
    assert money is not None
    return money


@transaction.atomic
def add_option(
    *,
    actor: User,
    round_: PriorityRound,
    title: str,
    kind: str,
    amount: Any,
    people: int | None = 0,
    description: str = "",
    care_group: CareGroup | None = None,
    priority: Priority | None = None,
    is_prevention: bool = False,
    must_do: bool = False,
    exclusive_group: str = "",
) -> RoundOption:
    """A candidate investment (its cost) or disinvestment (its saving), while the round is open."""
    _manage(actor, round_, allowed=(RoundStatus.DRAFT, RoundStatus.SCORING))
    money = _check_option(
        round_, title=title, kind=kind, amount=amount, people=people, care_group=care_group, priority=priority
    )
    option = RoundOption(
        round=round_,
        title=title.strip(),
        description=description.strip(),
        kind=kind,
        amount=money,
        people=people or 0,
        care_group=care_group,
        priority=priority,
        is_prevention=is_prevention,
        must_do=must_do,
        exclusive_group=exclusive_group.strip(),
    )
    validate(option)
    option.save()
    _auditor(actor, round_).created(option, summary=f"Option {option.title} added to {round_.name}")
    return option


@transaction.atomic
def update_option(
    *,
    actor: User,
    option: RoundOption,
    title: str,
    kind: str,
    amount: Any,
    people: int | None = 0,
    description: str = "",
    care_group: CareGroup | None = None,
    priority: Priority | None = None,
    is_prevention: bool = False,
    must_do: bool = False,
    exclusive_group: str = "",
) -> RoundOption:
    round_ = option.round
    _manage(actor, round_, allowed=(RoundStatus.DRAFT, RoundStatus.SCORING))
    money = _check_option(
        round_,
        title=title,
        kind=kind,
        amount=amount,
        people=people,
        care_group=care_group,
        priority=priority,
        exclude=option.pk,
    )
    before = snapshot(option)
    option.title, option.description, option.kind, option.amount = (
        title.strip(),
        description.strip(),
        kind,
        money,
    )
    option.people, option.care_group, option.priority = people or 0, care_group, priority
    option.is_prevention, option.must_do, option.exclusive_group = (
        is_prevention,
        must_do,
        exclusive_group.strip(),
    )
    validate(option)
    option.save()
    _auditor(actor, round_).updated(option, before, summary=f"Option {option.title} of {round_.name} changed")
    return option


@transaction.atomic
def remove_option(*, actor: User, option: RoundOption) -> None:
    """Remove an option with its scores and interests, while the round is a draft or scoring."""
    round_ = option.round
    _manage(actor, round_, allowed=(RoundStatus.DRAFT, RoundStatus.SCORING))
    auditor = _auditor(actor, round_)
    auditor.record_many(AuditEvent.Action.DELETE, [(s, snapshot(s), None) for s in option.scores.all()])
    auditor.deleted(option, snapshot(option), summary=f"Option {option.title} removed from {round_.name}")
    option.delete()


# The panel and its interests -----------------------------------------------------------------


def _check_interest(
    member: PanelMember, option: RoundOption, interest: str, register_entry: Interest | None
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if option.round_id != member.round_id:
        errors["option"] = OTHER_OPTION
    if not interest.strip():
        errors["interest"] = f"Say what the interest in {option.title} is."
    if register_entry is not None and (
        register_entry.partnership_id != member.round.partnership_id
        or register_entry.person_id != member.user_id
    ):
        errors["register_entry"] = OTHER_INTEREST
    return errors


@transaction.atomic
def add_panel_member(
    *,
    actor: User,
    round_: PriorityRound,
    user: User | None,
    role: str,
    interests: Mapping[RoundOption, str] | None = None,
) -> PanelMember:
    """Put someone on the panel with the interests they declare in the round's options."""
    _manage(actor, round_, allowed=(RoundStatus.DRAFT, RoundStatus.SCORING))
    errors: dict[str, str] = {}
    if user is None:
        errors["user"] = "Choose who joins the panel."
    elif not has_permission(user, Permission.VIEW_STRATEGY, partnership=round_.partnership):
        errors["user"] = NOT_PANEL_USER
    elif round_.panel.filter(user=user).exists():
        errors["user"] = f"{user} is already on the panel."
    if role not in PanelRole.values:
        errors["role"] = "Choose the panel member's role."
    for option, text in (interests or {}).items():
        if option.round_id != round_.pk:
            errors["interests"] = OTHER_OPTION
        elif not text.strip():
            errors["interests"] = f"Say what the interest in {option.title} is."
    if errors:
        raise ValidationError(errors)
    member = PanelMember(round=round_, user=user, role=role)
    validate(member)
    member.save()
    auditor = _auditor(actor, round_)
    auditor.created(member, summary=f"{user} joined the panel of {round_.name}")
    rows = PanelInterest.objects.bulk_create(
        PanelInterest(member=member, option=option, interest=text.strip())
        for option, text in (interests or {}).items()
    )
    auditor.record_many(AuditEvent.Action.CREATE, [(row, None, snapshot(row)) for row in rows])
    return member


@transaction.atomic
def declare_interest(
    *,
    actor: User,
    member: PanelMember,
    option: RoundOption,
    interest: str,
    register_entry: Interest | None = None,
) -> PanelInterest:
    """Record a panel member's interest in an option: the member themselves, or whoever runs the round."""
    round_ = member.round
    if actor.pk != member.user_id:
        require_permission(actor, Permission.MANAGE_STRATEGY, partnership=round_.partnership)
    if round_.status == RoundStatus.DECIDED:
        raise ValidationError({"__all__": DECIDED})
    errors = _check_interest(member, option, interest, register_entry)
    if not errors and member.interests.filter(option=option).exists():
        errors["option"] = f"An interest in {option.title} is already declared."
    if errors:
        raise ValidationError(errors)
    row = PanelInterest(
        member=member, option=option, interest=interest.strip(), register_entry=register_entry
    )
    validate(row)
    row.save()
    _auditor(actor, round_).created(row, summary=f"{member.user} declared an interest in {option.title}")
    return row


# Status --------------------------------------------------------------------------------------


def readiness_problems(round_: PriorityRound) -> dict[str, str]:
    """What stops the round opening for scoring, keyed by the part that is missing."""
    problems: dict[str, str] = {}
    weights = [c.weight for c in round_.criteria.all()]
    if not weights:
        problems["criteria"] = "Add the criteria the panel will score on."
    elif sum(weights, Decimal(0)) != 100:
        problems["criteria"] = WEIGHTS_TOTAL.format(total=_number(sum(weights, Decimal(0))))
    if round_.options.count() < 2:
        problems["options"] = "Add at least two options to choose between."
    if not round_.panel.exists():
        problems["panel"] = "Put at least one person on the panel."
    return problems


def _change_status(actor: User, round_: PriorityRound, status: str, summary: str) -> PriorityRound:
    before = snapshot(round_)
    round_.status = status
    round_.save(update_fields=["status", "decision"])
    _auditor(actor, round_).record(
        AuditEvent.Action.STATE, round_, before=before, after=snapshot(round_), summary=summary
    )
    return round_


@transaction.atomic
def open_scoring(*, actor: User, round_: PriorityRound) -> PriorityRound:
    _manage(actor, round_, allowed=(RoundStatus.DRAFT,))
    problems = readiness_problems(round_)
    if problems:
        raise ValidationError(problems)
    return _change_status(actor, round_, RoundStatus.SCORING, f"Round {round_.name} opened for scoring")


@transaction.atomic
def close_scoring(*, actor: User, round_: PriorityRound) -> PriorityRound:
    _manage(actor, round_, allowed=(RoundStatus.SCORING,))
    return _change_status(actor, round_, RoundStatus.CLOSED, f"Scoring of round {round_.name} closed")


@transaction.atomic
def record_decision(*, actor: User, round_: PriorityRound, decision: Decision | None) -> PriorityRound:
    """The governance decision that adopted the round's recommended portfolio."""
    _manage(actor, round_, allowed=(RoundStatus.CLOSED,))
    errors: dict[str, str] = {}
    if decision is None:
        errors["decision"] = "Choose the decision that adopted the result."
    elif decision.partnership_id != round_.partnership_id:
        errors["decision"] = OTHER_DECISION
    elif decision.state not in (DecisionState.PROPOSED, DecisionState.APPROVED):
        errors["decision"] = (
            f"{decision.reference} is {decision.get_state_display().lower()}; "
            "choose one that is proposed or approved."
        )
    if not round_.runs.exists():
        errors["__all__"] = "Run the optimiser before recording the decision."
    if errors:
        raise ValidationError(errors)
    round_.decision = decision
    assert decision is not None
    return _change_status(
        actor, round_, RoundStatus.DECIDED, f"Round {round_.name} decided through {decision.reference}"
    )


# Scores --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreEntry:
    """One cell of the scoring grid; ``score`` None leaves the cell blank."""

    option_id: int
    criterion_id: int
    score: Any
    comment: str = ""


def cell(option_id: int, criterion_id: int) -> str:
    """The form field and error key of one cell of the scoring grid."""
    return f"score_{option_id}_{criterion_id}"


@transaction.atomic
def submit_scores(*, actor: User, round_: PriorityRound, entries: Sequence[ScoreEntry]) -> int:
    """The signed-in panel member's own scores; returns how many cells changed.

    Each option is scored on every criterion or left blank; scores are whole numbers on the round's
    scale. Options the member declared an interest in take no scores from them.
    """
    require_permission(actor, Permission.VIEW_STRATEGY, partnership=round_.partnership)
    member = PanelMember.objects.filter(round=round_, user=actor).first()
    if member is None:
        raise ValidationError({"__all__": NOT_ON_PANEL})
    if round_.status != RoundStatus.SCORING:
        raise ValidationError({"__all__": NOT_SCORING})
    options = {o.pk: o for o in round_.options.all()}
    criteria = {c.pk: c for c in round_.criteria.all()}
    conflicted = set(member.interests.values_list("option_id", flat=True))
    top = round_.scale_top
    errors: dict[str, str] = {}
    given: dict[int, dict[int, tuple[int, str]]] = {}
    for entry in entries:
        key = cell(entry.option_id, entry.criterion_id)
        option, criterion = options.get(entry.option_id), criteria.get(entry.criterion_id)
        if option is None or criterion is None:
            errors[key] = "That option or criterion belongs to another round."
            continue
        if entry.score is None or entry.score == "":
            continue
        if option.pk in conflicted:
            errors[key] = f"You declared an interest in {option.title}, so you do not score it."
            continue
        value = _whole(entry.score)
        if value is None or not 0 <= value <= top:
            errors[key] = (
                f"Your score for {option.title} on {criterion.label} must be a whole number from 0 to {top}."
            )
            continue
        given.setdefault(option.pk, {})[criterion.pk] = (value, entry.comment.strip())
    for option_id, marks in given.items():
        missing = [c for pk, c in criteria.items() if pk not in marks]
        for criterion in missing:
            key = cell(option_id, criterion.pk)
            errors.setdefault(
                key,
                f"Score {options[option_id].title} on {criterion.label} too, or leave the option blank.",
            )
    if errors:
        raise ValidationError(errors)
    existing = {(s.option_id, s.criterion_id): s for s in member.scores.all()}
    created: list[PanelScore] = []
    changes: list[tuple[Model, dict[str, Any] | None, dict[str, Any] | None]] = []
    for option_id, marks in given.items():
        for criterion_id, (value, comment) in marks.items():
            found = existing.get((option_id, criterion_id))
            if found is None:
                created.append(
                    PanelScore(
                        member=member,
                        option_id=option_id,
                        criterion_id=criterion_id,
                        score=value,
                        comment=comment,
                    )
                )
            elif (found.score, found.comment) != (value, comment):
                before = snapshot(found)
                found.score, found.comment = value, comment
                found.save(update_fields=["score", "comment", "scored_at"])
                changes.append((found, before, snapshot(found)))
    PanelScore.objects.bulk_create(created)
    auditor = _auditor(actor, round_)
    auditor.record_many(AuditEvent.Action.CREATE, [(s, None, snapshot(s)) for s in created])
    auditor.record_many(AuditEvent.Action.UPDATE, changes)
    return len(created) + len(changes)


def _whole(value: Any) -> int | None:
    """A whole-number score from an int or its digits; None for anything else (floats, fractions, words)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _number(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# Optimiser runs ------------------------------------------------------------------------------


@transaction.atomic
def run_optimiser(*, actor: User, round_: PriorityRound) -> OptimisationRun:
    """Pick the portfolio with the most weighted benefit within the rules, and keep the result."""
    _manage(actor, round_, allowed=(RoundStatus.SCORING, RoundStatus.CLOSED))
    inputs = round_inputs(round_)
    try:
        benefits = portfolio.weighted_benefit(
            inputs.options, inputs.criteria, inputs.scores, scale=inputs.scale
        )
        result = portfolio.optimise(
            inputs.options,
            benefits,
            budget=inputs.budget,
            min_prevention_share=inputs.min_prevention_share,
        )
    except portfolio.PortfolioError as error:
        raise ValidationError({"__all__": error.messages}) from error
    run = OptimisationRun(
        round=round_,
        inputs_hash=inputs_hash(inputs),
        weights={c.key: str(c.weight) for c in inputs.criteria},
        benefits={key: str(value) for key, value in benefits.items()},
        objective=result.total_benefit,
        total_cost=result.total_cost,
        prevention_share=result.prevention_share,
        status=result.status,
        gap=result.gap,
        explanations=dict(result.explanations),
        run_by=actor,
    )
    validate(run)
    run.save()
    run.chosen.set([int(key) for key in result.chosen])
    after = snapshot(run)
    after["chosen"] = sorted(int(key) for key in result.chosen)
    _auditor(actor, round_).record(
        AuditEvent.Action.CREATE,
        run,
        after=after,
        summary=f"Optimiser run for {round_.name}: {len(result.chosen)} options chosen",
    )
    return run
