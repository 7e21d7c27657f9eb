"""python -m services.console api|all|migrate"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from services.console.app import create_app
from services.console.bootstrap import bootstrap
from services.console.container import Console
from shared.logging import configure_logging
from shared.migrations import upgrade
from shared.runtime import serve_app


def main() -> None:
    """Run the console in the mode named on the command line."""
    parser = argparse.ArgumentParser(prog="python -m services.console")
    parser.add_argument("mode", nargs="?", default="api", choices=("api", "all", "migrate"))
    mode = str(parser.parse_args(sys.argv[1:]).mode)
    asyncio.run(run(bootstrap(), mode))


async def run(console: Console, mode: str) -> None:
    """Migrate the console's database, then serve its pages (api, or all: the console has no
    worker) until SIGINT or SIGTERM, or stop (migrate)."""
    settings = console.settings
    configure_logging("console", level=settings.log_level, json=settings.log_json)
    try:
        await upgrade(console.engine, console.migrations)
        if mode in ("api", "all"):
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            await serve_app(create_app(console), settings.api_host, settings.api_port, stop)
    finally:
        await console.close()


if __name__ == "__main__":
    main()
