"""A development provider: each message becomes one JSON line in a file (or on stderr)."""

from __future__ import annotations

import asyncio
import json
import sys
import threading
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from services.notifications.providers.base import Accepted, Found, Outgoing
from shared.clock import wall_clock

STATUS = "sent"


class FileProvider:
    """Appends `{id, to, reference, body, at}` lines to `path`, or writes them to stderr.

    The lines hold phone numbers and texts, so they never go through the logging chain.
    """

    name = "file"

    def __init__(self, path: Path | None, clock: Callable[[], datetime] = wall_clock) -> None:
        self._path = path
        self._clock = clock
        self._lock = threading.Lock()
        self.can_find = path is not None

    async def send(self, message: Outgoing) -> Accepted:
        """Write the message; it is 'sent' as soon as the line is written."""
        line = {
            "id": f"dev-{uuid.uuid4().hex}",
            "to": message.to,
            "reference": message.reference,
            "body": message.body,
            "at": self._clock().isoformat(),
        }
        await asyncio.to_thread(self._append, json.dumps(line, ensure_ascii=False))
        return Accepted(line["id"], STATUS)

    def _append(self, line: str) -> None:
        with self._lock:
            if self._path is None:
                print(line, file=sys.stderr, flush=True)
                return
            self._path.parent.mkdir(parents=True, exist_ok=True)
            with self._path.open("a", encoding="utf-8") as sink:
                sink.write(line + "\n")

    async def find(self, reference: str) -> Found | None:
        """The last line written under `reference`; None when writing to stderr."""
        if self._path is None:
            return None
        return await asyncio.to_thread(self._search, reference)

    def _search(self, reference: str) -> Found | None:
        assert self._path is not None
        found = None
        with self._lock:
            if not self._path.exists():
                return None
            with self._path.open(encoding="utf-8") as lines:
                for text in lines:
                    record = _parse(text)
                    if record is not None and record.get("reference") == reference:
                        found = Found(str(record["id"]), STATUS)
        return found

    async def close(self) -> None:
        """Nothing to release: the file is opened per message."""


def _parse(text: str) -> dict[str, object] | None:
    # A line cut short by a crash must not stop the search.
    try:
        record = json.loads(text)
    except ValueError:
        return None
    return record if isinstance(record, dict) and "id" in record else None
