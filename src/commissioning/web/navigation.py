"""The commissioning cycle as navigation: each stage lists the pages that serve it.

Areas of the platform add their pages here as they are built; a stage with no pages yet
still shows on the dashboard, so the cycle is always seen whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from commissioning.core.permissions import Permission


@dataclass(frozen=True)
class Link:
    label: str
    url_name: str
    permission: Permission = Permission.VIEW_PARTNERSHIP


@dataclass(frozen=True)
class Stage:
    key: str
    label: str
    question: str
    links: tuple[Link, ...] = field(default_factory=tuple)


CYCLE: tuple[Stage, ...] = (
    Stage(
        "needs",
        "Needs",
        "What does our population need?",
        (
            Link("JSNA", "needs:home", Permission.VIEW_NEEDS),
            Link("Worse and worsening", "needs:worse", Permission.VIEW_NEEDS),
            Link("Need projections", "needs:projections", Permission.VIEW_NEEDS),
            Link("Areas", "partners:areas"),
        ),
    ),
    Stage(
        "strategy",
        "Strategy",
        "What will we do about it, for whom?",
        (
            Link("Priorities and outcomes", "strategy:home", Permission.VIEW_STRATEGY),
            Link("Commissioning strategies", "strategy:strategies", Permission.VIEW_STRATEGY),
            Link("Market position statements", "strategy:statements", Permission.VIEW_STRATEGY),
            Link("Services map", "strategy:services_map", Permission.VIEW_STRATEGY),
            Link("Priority setting", "strategy:rounds", Permission.VIEW_STRATEGY),
            Link("Outcome frameworks", "strategy:frameworks", Permission.VIEW_STRATEGY),
            Link("Self-assessment", "strategy:self_assessment", Permission.VIEW_STRATEGY),
            Link("Care groups", "partners:care_groups"),
        ),
    ),
    Stage(
        "resources",
        "Resources",
        "What money do the partners put in, and where does it go?",
        (
            Link("Funds", "finance:home", Permission.VIEW_FINANCE),
            Link("Budgets", "finance:budgets", Permission.VIEW_FINANCE),
            Link("Money flows", "finance:flows", Permission.VIEW_FINANCE),
            Link("Prevention", "finance:prevention", Permission.VIEW_FINANCE),
        ),
    ),
    Stage(
        "market",
        "Market",
        "Who can provide, and how do we buy?",
        (
            Link("Providers", "providers:list", Permission.VIEW_MARKET),
            Link("Procurements", "market:procurements", Permission.VIEW_MARKET),
            Link("Which route?", "market:route_check", Permission.VIEW_MARKET),
            Link("Organisations", "partners:organisations", Permission.VIEW_ORGANISATIONS),
        ),
    ),
    Stage(
        "contracts",
        "Contracts",
        "What have we bought, at what price, for which outcomes?",
        (
            Link("Contract register", "contracts:register", Permission.VIEW_CONTRACTS),
            Link("Ending soon", "contracts:pipeline", Permission.VIEW_CONTRACTS),
            Link("Possible duplicates", "contract_audit:duplicates", Permission.VIEW_CONTRACTS),
            Link("Placements", "placements:list", Permission.VIEW_PLACEMENTS),
            Link("Prices", "placements:prices", Permission.VIEW_PLACEMENTS),
            Link("Personalisation", "placements:personalisation", Permission.VIEW_PLACEMENTS),
            Link("Grants", "grants:list", Permission.VIEW_CONTRACTS),
        ),
    ),
    Stage(
        "performance",
        "Performance",
        "Is it working, and what do we change?",
        (
            Link("Returns", "returns:home", Permission.VIEW_PERFORMANCE),
            Link("Submit returns", "returns:home", Permission.SUBMIT_RETURNS),
            Link("Late and missing returns", "returns:overdue", Permission.VIEW_PERFORMANCE),
            Link("Reviews", "reviews:list", Permission.VIEW_PERFORMANCE),
            Link("Decommissioning", "decommissioning:list", Permission.VIEW_PERFORMANCE),
            Link("Performance reports", "performance:reports", Permission.VIEW_PERFORMANCE),
            Link("Evaluation", "performance:evaluation", Permission.VIEW_PERFORMANCE),
            Link("Escalation rules", "reviews:rules", Permission.MANAGE_PERFORMANCE),
            Link("Notifications", "reviews:notifications", Permission.VIEW_PERFORMANCE),
        ),
    ),
    Stage(
        "governance",
        "Governance",
        "Who decides, and who answers for it?",
        (
            Link("Boards and groups", "governance:home", Permission.VIEW_GOVERNANCE),
            Link("Decisions", "governance:decisions", Permission.VIEW_GOVERNANCE),
            Link("Forward plan", "governance:forward_plan", Permission.VIEW_GOVERNANCE),
            Link("Interests", "governance:interests", Permission.VIEW_GOVERNANCE),
            Link("Agreements", "governance:agreements", Permission.VIEW_GOVERNANCE),
            Link("Partnership", "partners:partnership"),
            Link("People and roles", "partners:memberships", Permission.VIEW_MEMBERSHIPS),
            Link("Audit trail", "partners:audit", Permission.VIEW_AUDIT),
        ),
    ),
    Stage(
        "engagement",
        "Engagement",
        "What have people told us, and what did we do?",
        (
            Link("Consultations", "engagement:consultations", Permission.VIEW_GOVERNANCE),
            Link("You said, we did", "engagement:you_said_we_did", Permission.VIEW_GOVERNANCE),
        ),
    ),
)
