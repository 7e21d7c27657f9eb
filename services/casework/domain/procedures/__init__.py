"""Case types and their status machines, as data: each `procedure` is checked when it is built,
and the `catalogue` of them is read from TOML."""

from services.casework.domain.procedures.catalogue import Catalogue
from services.casework.domain.procedures.procedure import (
    DocumentItem,
    InvalidTransition,
    Procedure,
    Step,
    UnknownCaseType,
    UnknownStatus,
)

__all__ = [
    "Catalogue",
    "DocumentItem",
    "InvalidTransition",
    "Procedure",
    "Step",
    "UnknownCaseType",
    "UnknownStatus",
]
