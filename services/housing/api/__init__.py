"""Housing's HTTP routes, one module per resource."""

from services.housing.api.beds import router as beds_router
from services.housing.api.sites import router as sites_router

routers = [sites_router, beds_router]
