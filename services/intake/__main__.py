"""python -m services.intake api|worker|all|migrate|verify-log, or reindex [--all]"""

from __future__ import annotations

import argparse
import asyncio
import sys

from services.intake.app import create_app
from services.intake.bootstrap import bootstrap
from services.intake.container import Intake
from services.intake.handlers import index
from shared.logging import configure_logging
from shared.migrations import upgrade
from shared.runtime import parse_mode, serve


def main() -> None:
    """Run intake in the mode named on the command line."""
    if sys.argv[1:2] == ["reindex"]:
        reindex_main(sys.argv[2:])
        return
    mode = parse_mode("intake", sys.argv[1:])
    intake = bootstrap()
    asyncio.run(_run(intake, mode))


async def _run(intake: Intake, mode: str) -> None:
    if mode in ("api", "all"):
        # the migration that made the blind index could not fill it (it has no index key):
        # persons registered before it are indexed here, once
        settings = intake.runtime.settings
        configure_logging("intake", level=settings.log_level, json=settings.log_json)
        await upgrade(intake.runtime.engine, intake.runtime.migrations)
        await index.reindex(intake.runtime.sessions, intake.keys)
    await serve(intake.runtime, mode, lambda _runtime: create_app(intake))


def reindex_main(argv: list[str]) -> None:
    """Index the persons the blind index lacks; `--all` rebuilds it (after a new index key)."""
    parser = argparse.ArgumentParser(prog="python -m services.intake reindex")
    parser.add_argument("--all", action="store_true", help="every person, not only the missing")
    everyone = bool(parser.parse_args(argv).all)
    intake = bootstrap()
    settings = intake.runtime.settings
    configure_logging("intake", level=settings.log_level, json=settings.log_json)

    async def run() -> int:
        try:
            await upgrade(intake.runtime.engine, intake.runtime.migrations)
            return await index.reindex(intake.runtime.sessions, intake.keys, everyone=everyone)
        finally:
            await intake.runtime.close()

    print(f"indexed {asyncio.run(run())} persons", flush=True)


if __name__ == "__main__":
    main()
