"""Route of the procedures a case can follow: what a caseworker chooses from."""

from __future__ import annotations

from fastapi import APIRouter

from services.casework.api.deps import Caseworker, Procedures
from services.casework.schemas.procedures import ProcedurePublic, StepPublic

router = APIRouter(tags=["procedures"])


@router.get("/procedures", response_model=list[ProcedurePublic])
async def list_procedures(_principal: Caseworker, procedures: Procedures) -> list[ProcedurePublic]:
    """Every procedure a case can follow, by id, with its steps' labels and the deadlines
    each step starts."""
    return [
        ProcedurePublic(
            id=p.id,
            label=p.label,
            family=p.family,
            initial=p.initial,
            steps=[
                StepPublic(status=s.status, label=s.label, starts=list(s.starts), final=s.final)
                for s in p.steps
            ],
        )
        for p in map(procedures.get, procedures.ids())
    ]
