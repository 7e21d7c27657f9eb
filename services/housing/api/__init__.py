"""Housing's HTTP routes, one module per resource."""

from services.housing.api.applications import router as applications_router
from services.housing.api.beds import router as beds_router
from services.housing.api.board import router as board_router
from services.housing.api.figures import router as figures_router
from services.housing.api.offers import router as offers_router
from services.housing.api.placements import router as placements_router
from services.housing.api.sites import router as sites_router
from services.housing.api.suggestions import router as suggestions_router

# /rooms/availability before /rooms/{id}
routers = [
    offers_router,
    sites_router,
    beds_router,
    placements_router,
    board_router,
    figures_router,
    applications_router,
    suggestions_router,
]
