"""Casework's HTTP routes, one module per resource."""

from fastapi import APIRouter

from services.casework.api.appointments import router as appointments_router
from services.casework.api.cases import router as cases_router
from services.casework.api.day import router as day_router
from services.casework.api.deadlines import router as deadlines_router
from services.casework.api.procedures import router as procedures_router
from services.casework.api.sharing import router as sharing_router
from services.casework.api.work import router as work_router

router = APIRouter()
router.include_router(cases_router)
router.include_router(sharing_router)
router.include_router(deadlines_router)
router.include_router(day_router)
router.include_router(appointments_router)
router.include_router(work_router)
router.include_router(procedures_router)

from services.casework.api.referrals import router as referrals_router  # noqa: E402

routers = [router, referrals_router]
