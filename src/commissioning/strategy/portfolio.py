"""Priority setting: panel scores to weighted benefit, and the portfolio that gives the most of it.

Programme budgeting and marginal analysis: a panel scores candidate investments and
disinvestments on weighted criteria; the optimiser then picks the set of options with the greatest
total weighted benefit that the budget and the partnership's rules allow, says in plain English
why each option is in or out, and shows how the choice moves when the weights move.

Pure (NumPy and SciPy, no Django) so a round can be checked by hand, in tests and in the benchmark.
Money is Decimal at the edges; inside the solver every sum of money is whole pence and every
benefit whole ten-thousandths of a point, so the solver works on integers: a rule is never broken
by a rounding error, and the solver can prove the best portfolio exactly (a zero optimality gap).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from math import lcm
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

SCALE = (0, 5)
"""Scores are whole numbers from 0 (no benefit) to 5 (the most)."""

WEIGHT_TOLERANCE = Decimal("0.01")
BENEFIT_PLACES = Decimal("0.0001")
BENEFIT_UNITS = 10_000  # benefit is counted in ten-thousandths of a point inside the solver
PENNY = Decimal("0.01")
SHARE_PLACES = Decimal("0.0001")
EXPLAIN_UP_TO = 100
"""Above this many options, explanations skip the re-solves unless asked (one solve per option)."""


class PortfolioError(ValueError):
    """Bad input or an impossible round; ``messages`` says what, naming option, scorer and criterion."""

    def __init__(self, messages: Sequence[str]) -> None:
        self.messages = list(messages)
        super().__init__(" ".join(self.messages))


@dataclass(frozen=True)
class Criterion:
    """A criterion the panel scores on; weights are percentages and add up to 100."""

    key: str
    label: str
    weight: Decimal


DEFAULT_CRITERIA = (
    Criterion("scale", "Scale", Decimal(25)),
    Criterion("transformational_change", "Transformational change", Decimal(25)),
    Criterion("value_for_money", "Value for money", Decimal(25)),
    Criterion("strategic_fit", "Strategic fit", Decimal(25)),
)
"""A real partnership's criteria for choosing joint work. It ranks none above another, so they
weigh the same until the panel agrees otherwise."""


@dataclass(frozen=True)
class Option:
    """A candidate investment (cost above zero) or disinvestment (below zero: it releases money)."""

    key: str
    title: str
    cost: Decimal
    people: int
    is_prevention: bool
    must_do: bool = False
    exclusive_group: str | None = None
    care_group: str = ""
    partner: str = ""

    @property
    def is_disinvestment(self) -> bool:
        return self.cost < 0


@dataclass(frozen=True)
class Score:
    """One scorer's score for one option on one criterion."""

    option_key: str
    scorer: str
    criterion_key: str
    score: int | Decimal


@dataclass(frozen=True)
class Limit:
    """A further rule: the sum of coefficient × chosen lies within at_least and at_most.

    For example a cap on one care group's spending (coefficients are the options' costs) or a
    minimum number of options for one partner (coefficients 1, ``money=False``).
    """

    name: str
    coefficients: Mapping[str, Decimal | int]
    at_most: Decimal | int | None = None
    at_least: Decimal | int | None = None
    money: bool = True


def spending_limit(
    name: str,
    options: Iterable[Option],
    *,
    care_group: str | None = None,
    partner: str | None = None,
    at_most: Decimal | None = None,
    at_least: Decimal | None = None,
) -> Limit:
    """A limit on the net spending of one care group or partner's options."""
    coefficients: dict[str, Decimal | int] = {
        option.key: option.cost
        for option in options
        if (care_group is None or option.care_group == care_group)
        and (partner is None or option.partner == partner)
    }
    return Limit(name, coefficients, at_most=at_most, at_least=at_least)


@dataclass(frozen=True)
class Portfolio:
    """The chosen options, what they add up to, and why each option is in or out."""

    chosen: tuple[str, ...]
    total_cost: Decimal
    invested: Decimal
    released: Decimal
    total_benefit: Decimal
    budget: Decimal
    budget_left: Decimal
    prevention_share: Decimal | None
    status: str
    gap: float
    solve_seconds: float
    explanations: dict[str, str] = field(default_factory=dict)

    def includes(self, key: str) -> bool:
        return key in self.chosen


@dataclass(frozen=True)
class SensitivityRow:
    """The portfolio with one criterion's weight moved up or down, against the agreed weights."""

    criterion: str
    label: str
    change: int
    weights: dict[str, Decimal]
    total_benefit: Decimal | None
    entering: tuple[str, ...]
    leaving: tuple[str, ...]
    note: str = ""

    @property
    def changed(self) -> bool:
        return bool(self.entering or self.leaving)


@dataclass(frozen=True)
class Sensitivity:
    """The agreed-weights portfolio and a row for each criterion moved each way."""

    baseline: Portfolio
    rows: list[SensitivityRow]

    @property
    def stable(self) -> bool:
        return not any(row.changed for row in self.rows)


# Weighted benefit -------------------------------------------------------------------------------


def weighted_benefit(
    options: Sequence[Option],
    criteria: Sequence[Criterion],
    scores: Iterable[Score],
    *,
    scale: tuple[int, int] = SCALE,
) -> dict[str, Decimal]:
    """Each option's weighted benefit, from minus to plus the top of the scale, to four decimal places.

    Benefit = Σ over criteria of (the mean of the scorers' scores on that criterion) × weight ÷ 100.
    A scorer may leave an option out entirely (for example after declaring an interest) but must
    score every criterion of an option they score. A disinvestment's scores rate the service that
    would stop, so its benefit counts against the portfolio: choosing it gives that benefit up.
    """
    criteria = list(criteria)
    _check_criteria(criteria)
    by_key = {option.key: option for option in options}
    labels = {criterion.key: criterion.label for criterion in criteria}
    low, high = scale
    problems: list[str] = []
    given: dict[tuple[str, str], dict[str, int | None]] = {}  # None: given but refused above
    for score in scores:
        option = by_key.get(score.option_key)
        criterion = labels.get(score.criterion_key)
        if option is None:
            problems.append(f"{score.scorer} scored an unknown option '{score.option_key}'.")
            continue
        if criterion is None:
            problems.append(
                f"{score.scorer} scored option '{option.title}' "
                f"on an unknown criterion '{score.criterion_key}'."
            )
            continue
        value = _whole_score(score.score)
        if value is None or not low <= value <= high:
            problem = "is not a whole number" if value is None else f"is outside the scale of {low} to {high}"
            problems.append(
                f"{score.scorer}'s score of {score.score} for option '{option.title}' "
                f"on '{criterion}' {problem}."
            )
            given.setdefault((option.key, score.scorer), {}).setdefault(score.criterion_key, None)
            continue
        marks = given.setdefault((option.key, score.scorer), {})
        if score.criterion_key in marks:
            problems.append(f"{score.scorer} scored option '{option.title}' on '{criterion}' more than once.")
            continue
        marks[score.criterion_key] = value
    totals: dict[str, dict[str, list[int]]] = {option.key: {} for option in options}
    for (option_key, scorer), marks in given.items():
        missing = [criterion.label for criterion in criteria if criterion.key not in marks]
        if missing:
            problems.append(
                f"{scorer} scored option '{by_key[option_key].title}' but not on: {', '.join(missing)}."
            )
            continue
        for criterion_key, value in marks.items():
            if value is not None:
                totals[option_key].setdefault(criterion_key, []).append(value)
    scored = {option_key for option_key, _ in given}
    for option in options:
        if option.key not in scored:
            problems.append(f"Option '{option.title}' has no scores.")
    if problems:
        raise PortfolioError(problems)
    benefits: dict[str, Decimal] = {}
    for option in options:
        marks_by_criterion = totals[option.key]
        if not marks_by_criterion:  # every scorer of it was reported above
            continue
        benefit = sum(
            (
                Decimal(sum(marks_by_criterion[criterion.key]))
                / len(marks_by_criterion[criterion.key])
                * criterion.weight
                / 100
                for criterion in criteria
            ),
            Decimal(0),
        )
        benefit = benefit.quantize(BENEFIT_PLACES, rounding=ROUND_HALF_UP)
        benefits[option.key] = -benefit if option.is_disinvestment else benefit
    return benefits


def _check_criteria(criteria: Sequence[Criterion]) -> None:
    problems: list[str] = []
    if not criteria:
        raise PortfolioError(["There are no criteria to score on."])
    seen: set[str] = set()
    for criterion in criteria:
        if criterion.key in seen:
            problems.append(f"Criterion '{criterion.label}' appears more than once.")
        seen.add(criterion.key)
        if isinstance(criterion.weight, float):
            problems.append(f"The weight of '{criterion.label}' must be a Decimal, not a float.")
        elif criterion.weight < 0:
            problems.append(f"The weight of '{criterion.label}' is below zero ({criterion.weight}%).")
    if not problems:
        total = sum((Decimal(criterion.weight) for criterion in criteria), Decimal(0))
        if abs(total - 100) > WEIGHT_TOLERANCE:
            listed = ", ".join(f"{criterion.label} {_number(criterion.weight)}%" for criterion in criteria)
            problems.append(f"The weights add up to {_number(total)}%, not 100%: {listed}.")
    if problems:
        raise PortfolioError(problems)


def _whole_score(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(value)
    return None


# The optimiser ----------------------------------------------------------------------------------

BUDGET = "budget"
PREVENTION = "prevention"
GROUPS = "groups"
MUST_DO = "must_do"
_STATUS = {0: "optimal", 1: "stopped at a limit before proving the best", 2: "infeasible"}


@dataclass
class _Problem:
    options: tuple[Option, ...]
    benefit: list[Decimal]
    objective: NDArray[np.float64]
    pence: NDArray[np.float64]
    budget: Decimal
    share: Decimal | None
    limits: tuple[Limit, ...]
    limit_terms: list[dict[int, Decimal]]
    must: NDArray[np.bool_]
    groups: dict[str, list[int]]
    rows: dict[str, tuple[Any, NDArray[np.float64], NDArray[np.float64]]]  # dense or sparse rows
    time_limit: float | None

    @property
    def size(self) -> int:
        return len(self.options)


@dataclass
class _Solution:
    status: int
    chosen: NDArray[np.bool_] | None
    gap: float


def optimise(
    options: Sequence[Option],
    benefits: Mapping[str, Decimal | int],
    *,
    budget: Decimal | int,
    min_prevention_share: Decimal | None = None,
    extra: Sequence[Limit] = (),
    explain: bool | None = None,
    time_limit: float | None = None,
) -> Portfolio:
    """The portfolio with the greatest total benefit that keeps every rule.

    Rules: net cost (disinvestments release money) within ``budget`` (below zero: a savings
    target); every must-do option in; at most one option per exclusive group; the cost of chosen
    prevention investments at least ``min_prevention_share`` (0 to 1) of all chosen investments;
    and each ``extra`` limit. ``explain`` re-solves once per option to say exactly what including
    or leaving it out would change; by default only for rounds of up to ``EXPLAIN_UP_TO`` options.
    """
    started = time.perf_counter()
    problem = _problem(options, benefits, budget, min_prevention_share, extra, time_limit)
    _precheck(problem)
    solution = _solve(problem)
    if solution.chosen is None:
        if solution.status == 2:
            raise PortfolioError(["No portfolio keeps every rule:", *_blame(problem)])
        raise PortfolioError(["The solver found no portfolio before it stopped; allow it more time."])
    chosen = solution.chosen
    seconds = time.perf_counter() - started
    totals = _Totals(problem, chosen)
    broken = totals.broken()
    if broken:
        raise PortfolioError(["The solver's portfolio breaks a rule:", *(text for _, text in broken)])
    if explain is None:
        explain = problem.size <= EXPLAIN_UP_TO
    explanations = _explanations(problem, chosen, totals, optimal=solution.status == 0, explain=explain)
    invested = sum(
        (o.cost for o, c in zip(problem.options, chosen, strict=True) if c and o.cost > 0), Decimal(0)
    )
    return Portfolio(
        chosen=tuple(o.key for o, c in zip(problem.options, chosen, strict=True) if c),
        total_cost=totals.cost,
        invested=invested,
        released=invested - totals.cost,
        total_benefit=totals.benefit,
        budget=problem.budget,
        budget_left=problem.budget - totals.cost,
        prevention_share=totals.share(),
        status=_STATUS.get(solution.status, "unknown"),
        gap=solution.gap,
        solve_seconds=seconds,
        explanations=explanations,
    )


def _problem(
    options: Sequence[Option],
    benefits: Mapping[str, Decimal | int],
    budget: Decimal | int,
    share: Decimal | None,
    extra: Sequence[Limit],
    time_limit: float | None,
) -> _Problem:
    """Check the input and turn it into integer rows for the solver."""
    problems: list[str] = []
    options = tuple(options)
    index: dict[str, int] = {}
    for position, option in enumerate(options):
        if option.key in index:
            problems.append(f"Option key '{option.key}' is used by more than one option.")
        index[option.key] = position
        if _money_problem(option.cost):
            problems.append(f"The cost of option '{option.title}' {_money_problem(option.cost)}.")
        if option.key not in benefits:
            problems.append(f"Option '{option.title}' has no benefit.")
        elif isinstance(benefits[option.key], float):
            problems.append(f"The benefit of option '{option.title}' must be a Decimal, not a float.")
    for key in benefits:
        if key not in index:
            problems.append(f"There is a benefit for an unknown option '{key}'.")
    if _money_problem(budget):
        problems.append(f"The budget {_money_problem(budget)}.")
    if share is not None:
        if isinstance(share, float) or not 0 <= share <= 1:
            problems.append(f"The minimum prevention share must be a Decimal from 0 to 1, not {share}.")
        elif share != Decimal(share).quantize(SHARE_PLACES):
            problems.append("Give the minimum prevention share to at most two decimal places of a per cent.")
    limit_terms: list[dict[int, Decimal]] = []
    for limit in extra:
        terms: dict[int, Decimal] = {}
        for key, coefficient in limit.coefficients.items():
            if key not in index:
                problems.append(f"The rule '{limit.name}' names an unknown option '{key}'.")
            elif isinstance(coefficient, float):
                problems.append(f"The rule '{limit.name}' has a float for '{key}': use a Decimal.")
            elif coefficient:
                terms[index[key]] = Decimal(coefficient)
        limit_terms.append(terms)
        bounds = [b for b in (limit.at_least, limit.at_most) if b is not None]
        if not bounds:
            problems.append(f"The rule '{limit.name}' has neither an upper nor a lower bound.")
        if any(isinstance(b, float) for b in bounds):
            problems.append(f"The bounds of the rule '{limit.name}' must be Decimals, not floats.")
        elif limit.at_least is not None and limit.at_most is not None and limit.at_least > limit.at_most:
            problems.append(
                f"The rule '{limit.name}' asks for at least {limit.at_least} but at most {limit.at_most}."
            )
    if problems:
        raise PortfolioError(problems)

    size = len(options)
    benefit = [Decimal(benefits[o.key]).quantize(BENEFIT_PLACES, rounding=ROUND_HALF_UP) for o in options]
    cost = [Decimal(o.cost) for o in options]
    pence = np.array([int(c * 100) for c in cost], dtype=np.float64)
    rows: dict[str, tuple[Any, NDArray[np.float64], NDArray[np.float64]]] = {}
    rows[BUDGET] = (pence[None, :], np.array([-np.inf]), np.array([float(int(Decimal(budget) * 100))]))
    if share is not None and share > 0:
        # prevention − share × all, over investments only, scaled to integers: share = p / q.
        ratio = Fraction(share)
        p, q = ratio.numerator, ratio.denominator
        positive = pence > 0
        prevention = np.array([o.is_prevention for o in options])
        row = np.where(positive, np.where(prevention, pence * (q - p), -pence * p), 0.0)
        rows[PREVENTION] = (row[None, :], np.array([0.0]), np.array([np.inf]))
    groups: dict[str, list[int]] = {}
    for position, option in enumerate(options):
        if option.exclusive_group is not None:
            groups.setdefault(option.exclusive_group, []).append(position)
    groups = {name: members for name, members in groups.items() if len(members) > 1}
    if groups:
        members = list(groups.values())
        matrix = sparse.csr_array(
            (
                np.ones(sum(len(m) for m in members)),
                np.concatenate([np.array(m) for m in members]),
                np.cumsum([0, *(len(m) for m in members)]),
            ),
            shape=(len(groups), size),
        )
        rows[GROUPS] = (matrix, np.full(len(groups), -np.inf), np.ones(len(groups)))
    for number, (limit, terms) in enumerate(zip(extra, limit_terms, strict=True)):
        values = [*terms.values(), *(Decimal(b) for b in (limit.at_least, limit.at_most) if b is not None)]
        scale = lcm(*(Fraction(v).denominator for v in values)) if values else 1
        row = np.zeros(size)
        for position, coefficient in terms.items():
            row[position] = float(coefficient * scale)
        low = -np.inf if limit.at_least is None else float(Decimal(limit.at_least) * scale)
        high = np.inf if limit.at_most is None else float(Decimal(limit.at_most) * scale)
        rows[f"limit:{number}"] = (row[None, :], np.array([low]), np.array([high]))
    return _Problem(
        options=options,
        benefit=benefit,
        objective=np.array([-float(b * BENEFIT_UNITS) for b in benefit]),
        pence=pence,
        budget=Decimal(budget),
        share=None if share is None else Decimal(share),
        limits=tuple(extra),
        limit_terms=limit_terms,
        must=np.array([o.must_do for o in options], dtype=bool),
        groups=groups,
        rows=rows,
        time_limit=time_limit,
    )


def _money_problem(value: object) -> str:
    if isinstance(value, (float, bool)):
        return "must be a Decimal, not a float"
    if not isinstance(value, (Decimal, int)):
        return "must be a Decimal sum of money"
    if isinstance(value, Decimal) and (not value.is_finite() or value != value.quantize(PENNY)):
        return f"must be pounds and pence, not {value}"
    return ""


def _precheck(problem: _Problem) -> None:
    """Impossible rounds the solver need not be asked about, said plainly."""
    problems = []
    for name, members in problem.groups.items():
        musts = [problem.options[i].title for i in members if problem.must[i]]
        if len(musts) > 1:
            problems.append(
                f"The must-do options {_titles(musts)} are in the same exclusive group '{name}', "
                "so they cannot all be chosen."
            )
    if problems:
        raise PortfolioError(["No portfolio keeps every rule:", *problems])


def _solve(
    problem: _Problem,
    *,
    objective: NDArray[np.float64] | None = None,
    force_in: Iterable[int] = (),
    force_out: Iterable[int] = (),
    drop: Iterable[str] = (),
) -> _Solution:
    """One call of HiGHS through ``scipy.optimize.milp``, each option a 0/1 variable."""
    dropped = set(drop)
    low = np.zeros(problem.size)
    if MUST_DO not in dropped:
        low[problem.must] = 1.0
    high = np.ones(problem.size)
    low[list(force_in)] = 1.0
    high[list(force_out)] = 0.0
    if (low > high).any():
        return _Solution(2, None, 0.0)
    parts = [rows for family, rows in problem.rows.items() if family not in dropped]
    constraints = (
        [
            LinearConstraint(
                sparse.vstack([sparse.csr_array(p[0]) for p in parts], format="csr"),
                np.concatenate([p[1] for p in parts]),
                np.concatenate([p[2] for p in parts]),
            )
        ]
        if parts
        else []
    )
    options: dict[str, float | bool] = {"mip_rel_gap": 0.0, "presolve": True}
    if problem.time_limit is not None:
        options["time_limit"] = problem.time_limit
    result = milp(
        problem.objective if objective is None else objective,
        integrality=np.ones(problem.size),
        bounds=Bounds(low, high),
        constraints=constraints,
        options=options,
    )
    if result.x is None:
        return _Solution(int(result.status), None, 0.0)
    gap = getattr(result, "mip_gap", None)
    gap = 0.0 if gap is None or (result.status == 0 and gap < 1e-12) else float(gap)
    return _Solution(int(result.status), np.asarray(result.x) > 0.5, gap)


def _feasible(
    problem: _Problem, *, drop: Iterable[str], force_in: Iterable[int], force_out: Iterable[int]
) -> _Solution:
    return _solve(
        problem, objective=np.zeros(problem.size), drop=drop, force_in=force_in, force_out=force_out
    )


def _families(problem: _Problem) -> list[str]:
    families = list(problem.rows)
    if problem.must.any():
        families.append(MUST_DO)
    return families


def _blame(problem: _Problem, *, force_in: Sequence[int] = (), force_out: Sequence[int] = ()) -> list[str]:
    """Which single rule, if lifted, would let a portfolio exist; said for each such rule."""
    subject = " with it" if force_in else " without it" if force_out else ""
    messages = []
    for family in _families(problem):
        if _feasible(problem, drop=[family], force_in=force_in, force_out=force_out).chosen is None:
            continue
        if family == BUDGET:
            cheapest = _solve(
                problem, objective=problem.pence, drop=[BUDGET], force_in=force_in, force_out=force_out
            )
            if cheapest.chosen is None:  # stopped at the time limit
                message = f"the budget of {_money(problem.budget)} is too small{subject}"
            else:
                cost = sum(
                    (o.cost for o, c in zip(problem.options, cheapest.chosen, strict=True) if c), Decimal(0)
                )
                message = (
                    f"the cheapest portfolio{subject} that keeps the other rules costs {_money(cost)}, "
                    f"over the budget of {_money(problem.budget)}"
                )
            must_cost = sum((o.cost for o in problem.options if o.must_do), Decimal(0))
            if problem.must.any():
                message += f" (the must-do options alone cost {_money(must_cost)})"
            messages.append(message + ".")
        elif family == PREVENTION:
            messages.append(
                f"No portfolio{subject} that keeps the other rules reaches the minimum prevention share "
                f"of {_percent(problem.share)}."
            )
        elif family == GROUPS:
            messages.append(
                f"No portfolio{subject} keeps to one option per exclusive group and the other rules."
            )
        elif family == MUST_DO:
            messages.append(f"The must-do options cannot all be included{subject} under the other rules.")
        else:
            limit = problem.limits[int(family.split(":")[1])]
            messages.append(
                f"No portfolio{subject} meets the rule '{limit.name}' and the other rules together."
            )
    if not messages:
        names = [_family_name(problem, family) for family in _families(problem)]
        messages.append(
            f"No single rule is to blame: {_titles(names, quote=False)} cannot all be kept together."
        )
    return [message[0].upper() + message[1:] for message in messages]


def _family_name(problem: _Problem, family: str) -> str:
    if family.startswith("limit:"):
        return f"'{problem.limits[int(family.split(':')[1])].name}'"
    return {
        BUDGET: "the budget",
        PREVENTION: "the prevention share",
        GROUPS: "the exclusive groups",
        MUST_DO: "the must-do options",
    }[family]


class _Totals:
    """A portfolio's sums, exact in Decimal, to check rules and to ask 'what if this one changed'."""

    def __init__(self, problem: _Problem, chosen: NDArray[np.bool_]) -> None:
        self.problem = problem
        self.chosen = chosen
        picked = [i for i in range(problem.size) if chosen[i]]
        options = problem.options
        self.cost = sum((options[i].cost for i in picked), Decimal(0))
        self.benefit = sum((problem.benefit[i] for i in picked), Decimal(0))
        self.invested = sum((options[i].cost for i in picked if options[i].cost > 0), Decimal(0))
        self.prevention = sum(
            (options[i].cost for i in picked if options[i].cost > 0 and options[i].is_prevention), Decimal(0)
        )
        self.limit_values = [
            sum((value for i, value in terms.items() if chosen[i]), Decimal(0))
            for terms in problem.limit_terms
        ]
        self.group_members = {
            name: [i for i in members if chosen[i]] for name, members in problem.groups.items()
        }

    def share(self, invested: Decimal | None = None, prevention: Decimal | None = None) -> Decimal | None:
        invested = self.invested if invested is None else invested
        prevention = self.prevention if prevention is None else prevention
        if invested <= 0:
            return None
        return (prevention / invested).quantize(SHARE_PLACES, rounding=ROUND_HALF_UP)

    def broken(self, add: Sequence[int] = (), remove: Sequence[int] = ()) -> list[tuple[str, str]]:
        """The rules the portfolio breaks with ``add`` put in and ``remove`` taken out."""
        problem, options = self.problem, self.problem.options
        verb = "would " if add or remove else ""
        found: list[tuple[str, str]] = []
        delta = [(i, 1) for i in add] + [(i, -1) for i in remove]
        cost = self.cost + sum((sign * options[i].cost for i, sign in delta), Decimal(0))
        if cost > problem.budget:
            found.append(
                (
                    BUDGET,
                    f"{verb}{'take' if verb else 'takes'} the total to {_money(cost)}, "
                    f"{_money(cost - problem.budget)} over the budget of {_money(problem.budget)}",
                )
            )
        if problem.share is not None and problem.share > 0:
            invested = self.invested + sum(
                (sign * options[i].cost for i, sign in delta if options[i].cost > 0), Decimal(0)
            )
            prevention = self.prevention + sum(
                (
                    sign * options[i].cost
                    for i, sign in delta
                    if options[i].cost > 0 and options[i].is_prevention
                ),
                Decimal(0),
            )
            if invested > 0 and prevention < problem.share * invested:
                found.append(
                    (
                        PREVENTION,
                        f"{verb}{'lower' if verb else 'lowers'} the prevention share to "
                        f"{_percent(self.share(invested, prevention))}, below the minimum of "
                        f"{_percent(problem.share)}",
                    )
                )
        # Only the groups of the options that change can break (all of them for a whole check).
        touched: set[str] = set(problem.groups)
        if delta:
            touched = {g for i in (*add, *remove) if (g := options[i].exclusive_group) in problem.groups}
        for name in sorted(touched):
            members = problem.groups[name]
            inside = set(self.group_members[name]) | {i for i in add if i in members}
            inside -= set(remove)
            if len(inside) > 1:
                titles = [options[i].title for i in sorted(inside)]
                found.append(
                    (GROUPS, f"{verb}put {_titles(titles)} together, from the exclusive group '{name}'")
                )
        for number, (limit, terms) in enumerate(zip(problem.limits, problem.limit_terms, strict=True)):
            value = self.limit_values[number] + sum((sign * terms.get(i, 0) for i, sign in delta), Decimal(0))
            shown = _money if limit.money else _number
            if limit.at_most is not None and value > limit.at_most:
                found.append(
                    (
                        f"limit:{number}",
                        f"{verb}break '{limit.name}': {shown(value)} against at most "
                        f"{shown(Decimal(limit.at_most))}",
                    )
                )
            if limit.at_least is not None and value < limit.at_least:
                found.append(
                    (
                        f"limit:{number}",
                        f"{verb}break '{limit.name}': {shown(value)} against at least "
                        f"{shown(Decimal(limit.at_least))}",
                    )
                )
        for i in remove:
            if options[i].must_do:
                found.append((MUST_DO, f"{verb}leave out the must-do option '{options[i].title}'"))
        if not add and not remove:
            for i in range(problem.size):
                if options[i].must_do and not self.chosen[i]:
                    found.append((MUST_DO, f"leaves out the must-do option '{options[i].title}'"))
        return found


def _explanations(
    problem: _Problem, chosen: NDArray[np.bool_], totals: _Totals, *, optimal: bool, explain: bool
) -> dict[str, str]:
    options, benefit = problem.options, problem.benefit
    chosen_investments = [
        _per_10k(benefit[i], options[i].cost)
        for i in range(problem.size)
        if chosen[i] and options[i].cost > 0 and not options[i].must_do
    ]
    lowest_rate = min(chosen_investments) if chosen_investments else None
    texts: dict[str, str] = {}
    for i, option in enumerate(options):
        if chosen[i]:
            text = _why_in(problem, i)
            if explain and not option.must_do:
                text += _without(problem, chosen, totals, i)
        else:
            text = _why_out(problem, totals, i, optimal=optimal, lowest_rate=lowest_rate)
            if explain:
                text += _with(problem, chosen, totals, i)
        texts[option.key] = text
    return texts


def _why_in(problem: _Problem, i: int) -> str:
    option, benefit = problem.options[i], problem.benefit[i]
    if option.must_do:
        return (
            "In: a must-do option, included whatever its score "
            f"({_points(benefit)} points, {_money(option.cost)})."
        )
    if option.cost > 0:
        reach = f" reaching {option.people:,} people" if option.people else ""
        return (
            f"In: {_points(benefit)} points of benefit for {_money(option.cost)}{reach}, "
            f"{_points(_per_10k(benefit, option.cost))} points per £10k."
        )
    if option.cost < 0:
        given = (
            f"giving up {_points(-benefit)} points of benefit"
            if benefit < 0
            else f"with {_points(benefit)} points"
        )
        return f"In: a disinvestment releasing {_money(-option.cost)} for other options, {given}."
    return f"In: {_points(benefit)} points of benefit at no cost."


def _why_out(
    problem: _Problem, totals: _Totals, i: int, *, optimal: bool, lowest_rate: Decimal | None
) -> str:
    """What adding this option to the chosen portfolio would break, exact; or why it is not worth it."""
    option, benefit = problem.options[i], problem.benefit[i]
    parts = []
    broken = totals.broken(add=[i])
    for family, text in broken:
        if family == GROUPS:
            parts.append(_group_reason(problem, totals, i))
        else:
            parts.append(text)
    if parts:
        text = "Out: it " + "; it ".join(parts) + "."
        budget_broken = any(family == BUDGET for family, _ in broken)
        if budget_broken and option.cost > 0 and lowest_rate is not None:
            rate = _per_10k(benefit, option.cost)
            if rate < lowest_rate:
                text += (
                    f" Its {_points(rate)} points per £10k are below those of every option chosen "
                    f"(the lowest is {_points(lowest_rate)})."
                )
        return text
    if benefit > 0:  # only when the solver stopped early: otherwise it would be in
        return "Out: adding it breaks no rule; the solver stopped before proving the best portfolio."
    if benefit < 0:
        released = f", releasing {_money(-option.cost)}," if option.cost < 0 else ""
        if not optimal:
            return (
                f"Out: it would give up {_points(-benefit)} points of benefit{released} and was not needed."
            )
        return (
            f"Out: it would give up {_points(-benefit)} points of benefit{released} and nothing the money "
            "could buy makes up for that."
        )
    return "Out: it adds no benefit."


def _group_reason(problem: _Problem, totals: _Totals, i: int) -> str:
    option, benefit = problem.options[i], problem.benefit[i]
    group = option.exclusive_group
    assert group is not None
    mate = totals.group_members[group][0]
    other, other_benefit = problem.options[mate], problem.benefit[mate]
    text = f"is in the same exclusive group as '{other.title}', which "
    if other.must_do:
        return text + "must be done"
    if other_benefit > benefit:
        return text + f"gives more benefit ({_points(other_benefit)} points against {_points(benefit)})"
    if other_benefit == benefit:
        return text + f"gives as much benefit ({_points(benefit)} points)"
    swap = [t for family, t in totals.broken(add=[i], remove=[mate]) if family != GROUPS]
    if swap:
        return (
            text + f"gives less benefit ({_points(other_benefit)} points against {_points(benefit)}), but "
            f"swapping them {' and '.join(swap)}"
        )
    return text + "is chosen"


def _without(problem: _Problem, chosen: NDArray[np.bool_], totals: _Totals, i: int) -> str:
    """What leaving a chosen option out would cost, from a re-solve without it."""
    other = _solve(problem, force_out=[i])
    if other.chosen is None:
        return " Without it no portfolio keeps every rule: " + " ".join(_blame(problem, force_out=[i]))
    other_benefit = _Totals(problem, other.chosen).benefit
    loss = totals.benefit - other_benefit
    if loss <= 0:
        return " An equally good portfolio leaves it out (a tie)."
    return f" Without it the best portfolio gives {_points(other_benefit)} points, {_points(loss)} fewer."


def _with(problem: _Problem, chosen: NDArray[np.bool_], totals: _Totals, i: int) -> str:
    """What including an option would cost, from a re-solve with it forced in."""
    group = problem.options[i].exclusive_group
    if group is not None and any(problem.must[m] for m in problem.groups.get(group, []) if m != i):
        return ""
    other = _solve(problem, force_in=[i])
    if other.chosen is None:
        return " No portfolio with it keeps every rule: " + " ".join(_blame(problem, force_in=[i]))
    other_benefit = _Totals(problem, other.chosen).benefit
    loss = totals.benefit - other_benefit
    if loss <= 0:
        return " An equally good portfolio includes it (a tie)."
    displaced = [problem.options[j].title for j in range(problem.size) if chosen[j] and not other.chosen[j]]
    text = f" The best portfolio with it gives {_points(other_benefit)} points, {_points(loss)} fewer"
    if displaced:
        shown = [f"'{title}'" for title in displaced[:5]]
        if len(displaced) > 5:
            shown.append(f"{len(displaced) - 5} more")
        text += f", leaving out {_titles(shown, quote=False)}"
    return text + "."


# Sensitivity ------------------------------------------------------------------------------------


def sensitivity(
    options: Sequence[Option],
    criteria: Sequence[Criterion],
    scores: Iterable[Score],
    *,
    budget: Decimal | int,
    min_prevention_share: Decimal | None = None,
    extra: Sequence[Limit] = (),
    step: int = 10,
    scale: tuple[int, int] = SCALE,
) -> Sensitivity:
    """Move each criterion's weight up and down by ``step`` points and re-optimise.

    The other weights shrink or grow in proportion so the weights still add to 100. Each row lists
    the options that enter or leave the portfolio chosen with the agreed weights.
    """
    if not 0 < step < 100:
        raise PortfolioError([f"The step must be between 0 and 100 points, not {step}."])
    criteria = list(criteria)
    scores = list(scores)

    def solve(weighted: Sequence[Criterion]) -> Portfolio:
        benefits = weighted_benefit(options, weighted, scores, scale=scale)
        return optimise(
            options,
            benefits,
            budget=budget,
            min_prevention_share=min_prevention_share,
            extra=extra,
            explain=False,
        )

    baseline = solve(criteria)
    base = set(baseline.chosen)
    order = [option.key for option in options]
    rows = []
    for criterion in criteria:
        for change in (step, -step):
            weights = shifted_weights(criteria, criterion.key, change)
            if weights[criterion.key] == criterion.weight:
                rows.append(
                    SensitivityRow(
                        criterion.key,
                        criterion.label,
                        change,
                        weights,
                        None,
                        (),
                        (),
                        f"the weight is already {_number(criterion.weight)}%",
                    )
                )
                continue
            moved = [Criterion(c.key, c.label, weights[c.key]) for c in criteria]
            try:
                portfolio = solve(moved)
            except PortfolioError as error:
                rows.append(
                    SensitivityRow(criterion.key, criterion.label, change, weights, None, (), (), str(error))
                )
                continue
            now = set(portfolio.chosen)
            rows.append(
                SensitivityRow(
                    criterion.key,
                    criterion.label,
                    change,
                    weights,
                    portfolio.total_benefit,
                    tuple(k for k in order if k in now - base),
                    tuple(k for k in order if k in base - now),
                )
            )
    return Sensitivity(baseline, rows)


def shifted_weights(criteria: Sequence[Criterion], key: str, change: int | Decimal) -> dict[str, Decimal]:
    """One weight moved by ``change`` points (kept within 0 to 100), the rest rescaled to make 100."""
    current = {c.key: Decimal(c.weight) for c in criteria}
    new = min(max(current[key] + change, Decimal(0)), Decimal(100))
    others = [c.key for c in criteria if c.key != key]
    rest = Decimal(100) - new
    before = sum((current[k] for k in others), Decimal(0))
    weights = {key: new}
    for k in others:
        share = current[k] / before if before > 0 else Decimal(1) / len(others)
        weights[k] = (rest * share).quantize(PENNY, rounding=ROUND_HALF_UP)
    if others:
        largest = max(others, key=lambda k: weights[k])
        weights[largest] += Decimal(100) - sum(weights.values(), Decimal(0))
    return {c.key: weights[c.key] for c in criteria}


# Words and numbers ------------------------------------------------------------------------------


def _per_10k(benefit: Decimal, cost: Decimal) -> Decimal:
    return benefit / cost * 10_000


def _points(value: Decimal) -> str:
    if 0 < abs(value) < Decimal("0.005"):
        return "under 0.01" if value > 0 else "-0.00"
    return f"{value.quantize(PENNY, rounding=ROUND_HALF_UP):,}"


def _money(value: Decimal) -> str:
    value = Decimal(value)
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value == value.to_integral_value():
        return f"{sign}£{int(value):,}"
    return f"{sign}£{value.quantize(PENNY):,}"


def _percent(share: Decimal | None) -> str:
    if share is None:
        return "none"
    return f"{_number(share * 100)}%"


def _number(value: Decimal | int) -> str:
    text = f"{Decimal(value):,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _titles(titles: Sequence[str], *, quote: bool = True) -> str:
    shown = [f"'{t}'" if quote else t for t in titles]
    if len(shown) <= 1:
        return "".join(shown)
    return ", ".join(shown[:-1]) + " and " + shown[-1]
