"""Running a service: `api`, `worker` or `all`, with migrations first and a clean stop."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import signal
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import structlog
import uvicorn
from fastapi import FastAPI
from sqlalchemy import Table, text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.aio import sleep_or_stop
from shared.auth import TokenVerifier
from shared.checkpointer import Checkpointer
from shared.clock import Clock
from shared.consumer import ConsumerConfig, ConsumerRunner
from shared.db import SessionFactory, create_engine, is_postgres, session_factory
from shared.events.catalog import default_registry
from shared.health import HealthDetail, health_router
from shared.kafka import KafkaPublisher, ensure_topics, wait_for_broker
from shared.logging import configure_logging
from shared.migrations import upgrade
from shared.notify import listen_for_notifications
from shared.openapi import document_problems
from shared.outbox import OutboxLog, verify_log
from shared.relay import OutboxRelay
from shared.settings import ServiceSettings
from shared.uow import UnitsOfWork
from shared.web import RequestContextMiddleware, install_problem_handlers

log = structlog.get_logger(__name__)

SHUTDOWN_GRACE = 20.0

MODES = ("api", "worker", "all", "migrate", "verify-log")


@dataclass
class Runtime:
    """What every service wires at start: database, outbox, relay, consumers, token verifier."""

    name: str
    settings: ServiceSettings
    engine: AsyncEngine
    sessions: SessionFactory
    outbox: OutboxLog
    publisher: KafkaPublisher
    relay: OutboxRelay
    verifier: TokenVerifier
    migrations: Path
    units: UnitsOfWork
    """Opens the service's transactions, stamped by its clock."""
    checkpointer: Checkpointer
    """Signs the chain head in the worker; its key's public half checks the log."""
    consumers: list[ConsumerRunner] = field(default_factory=list)
    jobs: list[Callable[[asyncio.Event], Coroutine[Any, Any, None]]] = field(default_factory=list)
    """Background work of the worker besides relay and consumers (e.g. a scheduler)."""

    @property
    def clock(self) -> Clock:
        """The service's one clock."""
        return self.units.clock

    def add_consumer(self, config: ConsumerConfig) -> ConsumerRunner:
        """Run `config` in the worker: its events, its inbox, the service's outbox and clock."""
        settings = self.settings
        runner = ConsumerRunner(
            dataclasses.replace(
                config,
                name=config.name + settings.consumer_group_suffix,
                topics=[settings.topic_prefix + topic for topic in config.topics],
            ),
            default_registry(),
            self.sessions,
            settings.kafka_bootstrap_servers,
            outbox=self.outbox,
            on_commit=self.relay.wake,
            clock=self.clock,
        )
        self.consumers.append(runner)
        return runner

    @property
    def topics(self) -> list[str]:
        """Topics this service writes to: its own events and its consumers' DLQs."""
        return [self.outbox.topic, *(c.config.dlq_topic for c in self.consumers)]

    async def check_database(self) -> None:
        """Readiness: the database answers."""
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def check_kafka(self) -> None:
        """Readiness: the broker answers."""
        await wait_for_broker(self.settings.kafka_bootstrap_servers, timeout=2.5)

    async def close(self) -> None:
        """Stop the relay's producer and release the database pool."""
        await self.publisher.close()
        await self.engine.dispose()


def build_runtime(
    name: str,
    settings: ServiceSettings,
    outbox_table: Table,
    migrations: Path,
    *,
    clock: Clock | None = None,
) -> Runtime:
    """Wire the parts every service shares; the service adds its consumers."""
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    outbox = OutboxLog(
        outbox_table,
        source=name,
        topic=f"{settings.topic_prefix}{name}.events",
        max_event_bytes=settings.max_event_bytes,
    )
    publisher = KafkaPublisher(settings.kafka_bootstrap_servers, client_id=f"{name}-relay")
    relay = OutboxRelay(
        sessions,
        outbox,
        publisher,
        batch_size=settings.relay_batch_size,
        poll_interval=settings.relay_poll_interval,
    )
    verifier = TokenVerifier(settings.auth)
    units = UnitsOfWork(sessions, outbox, clock or Clock(), on_commit=relay.wake)
    checkpointer = Checkpointer.configured(
        settings, sessions, outbox, units.clock, on_commit=relay.wake
    )
    return Runtime(
        name,
        settings,
        engine,
        sessions,
        outbox,
        publisher,
        relay,
        verifier,
        migrations,
        units,
        checkpointer,
    )


async def serve(runtime: Runtime, mode: str, app_factory: Callable[[Runtime], FastAPI]) -> None:
    """Run the service in `mode` until SIGINT or SIGTERM."""
    settings = runtime.settings
    configure_logging(runtime.name, level=settings.log_level, json=settings.log_json)
    if mode == "verify-log":  # an auditor's check: read only, no migration
        ok = await _verify_log(runtime)
        await runtime.close()
        raise SystemExit(0 if ok else 1)
    await upgrade(runtime.engine, runtime.migrations)
    log.info("service.migrated", service=runtime.name)
    if mode == "migrate":
        await runtime.close()
        return
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    tasks = []
    if mode in ("worker", "all"):
        tasks += _worker_tasks(runtime, stop)
    if mode in ("api", "all"):
        tasks.append(asyncio.create_task(_api(runtime, app_factory, stop)))
    log.info("service.started", service=runtime.name, mode=mode)
    await stop.wait()
    _done, late = await asyncio.wait(tasks, timeout=SHUTDOWN_GRACE)
    for task in late:  # e.g. a client still waiting on a broker that went away
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await runtime.close()
    log.info("service.stopped", service=runtime.name)


async def _verify_log(runtime: Runtime) -> bool:
    """Print the verdict on the service's hash-chained event log and its signed checkpoints;
    True when intact."""
    keys = runtime.settings.checkpoint.verifying(runtime.checkpointer.key)
    async with runtime.sessions() as session:
        report = await verify_log(
            session, runtime.outbox.table, runtime.outbox.topic, public_keys=keys
        )
    print(json.dumps(dataclasses.asdict(report)), flush=True)
    return report.ok


def _worker_tasks(runtime: Runtime, stop: asyncio.Event) -> list[asyncio.Task[None]]:
    topics_ready = asyncio.Event()
    tasks = [asyncio.create_task(_relay_when_topics_exist(runtime, stop, topics_ready))]
    if is_postgres(runtime.engine):
        listener = listen_for_notifications(
            runtime.settings.database_url, runtime.outbox.channel, runtime.relay.wake, stop
        )
        tasks.append(asyncio.create_task(listener))
    tasks += [
        asyncio.create_task(_consume_when_topics_exist(consumer, topics_ready, stop))
        for consumer in runtime.consumers
    ]
    tasks += [asyncio.create_task(job(stop)) for job in runtime.jobs]
    tasks.append(asyncio.create_task(runtime.checkpointer.run(stop)))
    return tasks


async def _consume_when_topics_exist(
    consumer: ConsumerRunner, topics_ready: asyncio.Event, stop: asyncio.Event
) -> None:
    # a subscription to a topic that does not exist yet would wait for the next metadata
    # refresh (minutes) after its producer creates it
    waiting = asyncio.create_task(topics_ready.wait())
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({waiting, stopping}, return_when=asyncio.FIRST_COMPLETED)
    waiting.cancel()
    stopping.cancel()
    if not stop.is_set():
        await consumer.run(stop)


async def _relay_when_topics_exist(
    runtime: Runtime, stop: asyncio.Event, topics_ready: asyncio.Event
) -> None:
    settings = runtime.settings
    inputs = [topic for consumer in runtime.consumers for topic in consumer.config.topics]
    while not stop.is_set():
        try:
            # the topics this service reads are created too, with the same settings as their
            # producer's (creating an existing topic changes nothing)
            await ensure_topics(
                settings.kafka_bootstrap_servers,
                list(dict.fromkeys([*runtime.topics, *inputs])),
                settings.topic_partitions,
                settings.topic_replication_factor,
            )
            topics_ready.set()
            break
        except Exception as exc:
            log.warning("kafka.topics_not_ready", error=type(exc).__name__)
            await sleep_or_stop(stop, 2.0)
    await runtime.relay.run(stop)


async def _api(
    runtime: Runtime, app_factory: Callable[[Runtime], FastAPI], stop: asyncio.Event
) -> None:
    settings = runtime.settings
    await serve_app(app_factory(runtime), settings.api_host, settings.api_port, stop)


async def serve_app(app: FastAPI, host: str, port: int, stop: asyncio.Event) -> None:
    """Serve `app` until `stop` is set. The caller owns SIGINT/SIGTERM (they set `stop`), so
    uvicorn must not capture them: it would re-raise them once stopped, and the process would
    end killed by the signal instead of exiting cleanly."""
    config = uvicorn.Config(
        app, host=host, port=port, log_config=None, access_log=False, lifespan="on"
    )
    server = uvicorn.Server(config)
    server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign,assignment]
    task = asyncio.create_task(server.serve())
    await stop.wait()
    server.should_exit = True
    await task


def base_app(
    runtime: Runtime, *, title: str, description: str, health_detail: HealthDetail | None = None
) -> FastAPI:
    """A FastAPI app with problem+json errors, request ids, token checks and health routes
    (`health_detail` adds the service's own state to /readyz)."""
    app = FastAPI(title=title, description=description, version="0.1.0")
    app.state.runtime = runtime
    app.state.token_verifier = runtime.verifier
    install_problem_handlers(app)
    document_problems(app)
    app.add_middleware(RequestContextMiddleware)
    checks = {"database": runtime.check_database, "kafka": runtime.check_kafka}
    app.include_router(health_router(checks, detail=health_detail))
    return app


def parse_mode(service: str, argv: list[str]) -> str:
    """The run mode from the command line: api, worker, all (the default), migrate or verify-log."""
    parser = argparse.ArgumentParser(prog=f"python -m services.{service}")
    parser.add_argument("mode", nargs="?", default="all", choices=MODES)
    return str(parser.parse_args(argv).mode)
