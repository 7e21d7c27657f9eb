"""What every service's container, app and routes share: the container's common part, the
FastAPI app built around it, and the dependencies a route takes from it."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, FastAPI, Request
from sqlalchemy.ext.asyncio import AsyncSession

from shared.access import AccessRecorder, RequestReads
from shared.auth import Principal
from shared.body_limit import install_body_limit
from shared.clock import Clock
from shared.events.access import BY_SERVICE
from shared.health import HealthDetail
from shared.outbox import Metadata
from shared.runtime import Runtime, base_app
from shared.uow import UnitOfWork, UnitsOfWork

C = TypeVar("C", bound="ServiceContainer")
T = TypeVar("T")


@dataclass(kw_only=True)
class ServiceContainer:
    """The part of every container that every service has: the runtime, its transactions and
    its one clock. A service's container adds what its use cases receive (keys, rules...)."""

    runtime: Runtime

    @property
    def clock(self) -> Clock:
        """The service's one clock."""
        return self.runtime.clock

    @clock.setter
    def clock(self, source: Callable[[], datetime]) -> None:
        # tests give the service a time of their own; everything wired keeps the same Clock
        self.runtime.clock.follow(source)

    @property
    def units(self) -> UnitsOfWork:
        """Opens the service's transactions."""
        return self.runtime.units

    @cached_property
    def access(self) -> AccessRecorder | None:
        """The queue of the service's reads of personal data (None for a service that records
        none), written to its outbox by the API's background task."""
        contract = BY_SERVICE.get(self.runtime.name)
        return None if contract is None else AccessRecorder(contract, self.units, self.clock)

    def unit_of_work(self, who: Principal | Metadata) -> UnitOfWork:
        """A transaction whose events carry who acted."""
        return self.runtime.units(who)

    async def close(self) -> None:
        """Release the runtime (a container holding clients releases them first)."""
        await self.runtime.close()


def service_app(
    container: ServiceContainer,
    *,
    title: str,
    description: str,
    routers: Iterable[APIRouter],
    body_limits: Mapping[str, int] | None = None,
    health_detail: HealthDetail | None = None,
) -> FastAPI:
    """A service's FastAPI app: problem+json errors, health, body limits, its routes, and
    while it serves, the writer of its reads of personal data."""
    runtime = container.runtime
    app = base_app(runtime, title=title, description=description, health_detail=health_detail)
    app.state.container = container
    app.router.lifespan_context = _lifespan
    settings = runtime.settings
    limits = settings.body_limits if body_limits is None else body_limits
    install_body_limit(app, max_bytes=settings.max_body_bytes, limits=limits)
    for router in routers:
        app.include_router(router)
    return app


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    recorder: AccessRecorder | None = app.state.container.access
    if recorder is None:
        yield
        return
    async with recorder.running():
        yield


def container_getter(kind: type[C]) -> Callable[[Request], C]:
    """A dependency that hands a route its service's container (only `deps.py` uses it)."""

    def get(request: Request) -> C:
        container = request.app.state.container
        if not isinstance(container, kind):
            raise TypeError(f"this app serves no {kind.__name__}")
        return container

    return get


def provided(kind: type[C], part: Callable[[C], T]) -> Callable[[Request], T]:
    """A dependency that hands a route one part of its service's container (e.g. the keys)."""
    container = container_getter(kind)

    def get(request: Request) -> T:
        return part(container(request))

    return get


def _units(request: Request) -> UnitsOfWork:
    container: ServiceContainer = request.app.state.container
    return container.units


def _now(request: Request) -> datetime:
    container: ServiceContainer = request.app.state.container
    return container.clock()


def _reads(request: Request) -> RequestReads:
    container: ServiceContainer = request.app.state.container
    if container.access is None:
        raise RuntimeError(f"{container.runtime.name} has no access event to record reads with")
    route = request.scope.get("route")
    return RequestReads(container.access, getattr(route, "path", request.url.path))


async def _reading(request: Request) -> AsyncIterator[AsyncSession]:
    container: ServiceContainer = request.app.state.container
    async with container.runtime.sessions() as session:
        yield session


Units = Annotated[UnitsOfWork, Depends(_units)]
"""Opens the request's transaction: `async with units(principal) as uow`."""
Now = Annotated[datetime, Depends(_now)]
"""The request's instant, read once from the service's clock."""
Reading = Annotated[AsyncSession, Depends(_reading)]
"""A session for a route that only reads (it never commits)."""
Reads = Annotated[RequestReads, Depends(_reads)]
"""Records the route's reads of personal data: `reads.record(principal, "person", id, id)`."""
