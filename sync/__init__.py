"""掌上查's contract between the app and the platform: the domain model, and (later) records,
signatures and the sync engine. Imports neither ``app`` nor ``server_stub``."""

from ._credit_code import (
    check_character,
    credit_code_problem,
    make_credit_code,
    validate_credit_code,
)
from ._exceptions import Problem, SyncError, ValidationError, ZscError
from ._model import (
    MIN_TEAM_SIZE,
    Entity,
    EntityStatus,
    InspectionItem,
    InspectionMethod,
    Inspector,
    ItemResult,
    Outcome,
    Plan,
    RiskGrade,
    Task,
    parse_ratio,
)

__all__ = [
    "Entity",
    "EntityStatus",
    "InspectionItem",
    "InspectionMethod",
    "Inspector",
    "ItemResult",
    "MIN_TEAM_SIZE",
    "Outcome",
    "Plan",
    "Problem",
    "RiskGrade",
    "SyncError",
    "Task",
    "ValidationError",
    "ZscError",
    "check_character",
    "credit_code_problem",
    "make_credit_code",
    "parse_ratio",
    "validate_credit_code",
]
