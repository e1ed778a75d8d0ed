"""Strategy's models, one module per part of the cycle; imported here so Django and callers see one app.

- ``market_position``: commissioning intentions and market position statements, versioned.
- ``outcomes``: outcome frameworks, outcomes and their indicators, priorities and their evidence.
- ``strategies``: commissioning strategies with objectives, service developments, actions and measures.
- ``services_map``: services mapped to outcomes, priorities, funding, contracts and capacity.
- ``self_assessment``: recorded self-assessments of the commissioning cycle, to see progress.
- ``priority_setting``: priority-setting rounds, their criteria, options, panel, scores and optimiser runs.
"""

from .market_position import (
    Direction,
    Intention,
    MarketStatement,
    Section,
    SectionCommentary,
    StatementKind,
    StatementVersion,
    VersionStatus,
)
from .outcomes import (
    Outcome,
    OutcomeFramework,
    OutcomeIndicator,
    Priority,
    PriorityEvidence,
    PriorityStatus,
)
from .priority_setting import (
    OptimisationRun,
    OptionKind,
    PanelInterest,
    PanelMember,
    PanelRole,
    PanelScore,
    PriorityRound,
    RoundCriterion,
    RoundOption,
    RoundStatus,
)
from .self_assessment import SelfAssessment
from .services_map import CapacityUnit, Service, ServiceFunding, ServiceStatus
from .strategies import (
    MAX_OBJECTIVES,
    CommissioningStrategy,
    ImplicationKind,
    ServiceDevelopment,
    StrategicObjective,
    StrategyAction,
    StrategyHorizon,
    StrategyStatus,
    SuccessMeasure,
)

__all__ = [
    "MAX_OBJECTIVES",
    "CapacityUnit",
    "CommissioningStrategy",
    "Direction",
    "ImplicationKind",
    "Intention",
    "MarketStatement",
    "OptimisationRun",
    "OptionKind",
    "Outcome",
    "OutcomeFramework",
    "OutcomeIndicator",
    "PanelInterest",
    "PanelMember",
    "PanelRole",
    "PanelScore",
    "Priority",
    "PriorityEvidence",
    "PriorityRound",
    "PriorityStatus",
    "RoundCriterion",
    "RoundOption",
    "RoundStatus",
    "Section",
    "SectionCommentary",
    "SelfAssessment",
    "Service",
    "ServiceDevelopment",
    "ServiceFunding",
    "ServiceStatus",
    "StatementKind",
    "StatementVersion",
    "StrategicObjective",
    "StrategyAction",
    "StrategyHorizon",
    "StrategyStatus",
    "SuccessMeasure",
    "VersionStatus",
]
