"""Strategy's models, one module per part of the cycle; imported here so Django and callers see one app.

- ``outcomes``: outcome frameworks, outcomes and their indicators, priorities and their evidence.
- ``strategies``: commissioning strategies with objectives, service developments, actions and measures.
"""

from .outcomes import (
    Outcome,
    OutcomeFramework,
    OutcomeIndicator,
    Priority,
    PriorityEvidence,
    PriorityStatus,
)
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
    "CommissioningStrategy",
    "ImplicationKind",
    "Outcome",
    "OutcomeFramework",
    "OutcomeIndicator",
    "Priority",
    "PriorityEvidence",
    "PriorityStatus",
    "ServiceDevelopment",
    "StrategicObjective",
    "StrategyAction",
    "StrategyHorizon",
    "StrategyStatus",
    "SuccessMeasure",
]
