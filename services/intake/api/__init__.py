"""Intake's HTTP routes, one module per resource."""

from fastapi import APIRouter

from services.intake.api.consents import router as consents_router
from services.intake.api.erasure import router as erasure_router
from services.intake.api.households import router as households_router
from services.intake.api.internal import router as internal_router
from services.intake.api.merges import router as merges_router
from services.intake.api.needs import router as needs_router
from services.intake.api.partners import router as partners_router
from services.intake.api.persons import router as persons_router
from services.intake.api.referrals import moves as referral_moves_router
from services.intake.api.referrals import router as referrals_router

router = APIRouter()
router.include_router(persons_router)
router.include_router(erasure_router)
router.include_router(partners_router)
router.include_router(consents_router)
router.include_router(referrals_router)
router.include_router(referral_moves_router)
router.include_router(households_router)
router.include_router(needs_router)
router.include_router(merges_router)
router.include_router(internal_router)

routers = [router]
