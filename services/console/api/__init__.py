"""The console's pages, one module per part; a service's pages join as one more module."""

from services.console.api.persons import router as persons_router
from services.console.api.signin import router as signin_router
from services.console.api.today import router as today_router

routers = [signin_router, today_router, persons_router]
