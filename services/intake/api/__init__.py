"""Intake's HTTP routes, one module per resource."""

from fastapi import APIRouter

from services.intake.api.consents import referrals as referrals_router
from services.intake.api.consents import router as consents_router
from services.intake.api.households import router as households_router
from services.intake.api.internal import router as internal_router
from services.intake.api.merges import router as merges_router
from services.intake.api.partners import router as partners_router
from services.intake.api.persons import router as persons_router

router = APIRouter()
router.include_router(persons_router)
router.include_router(partners_router)
router.include_router(consents_router)
router.include_router(referrals_router)
router.include_router(households_router)
router.include_router(merges_router)
router.include_router(internal_router)

routers = [router]
