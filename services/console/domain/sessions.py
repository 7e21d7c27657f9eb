"""When a session still stands, and which language a page speaks."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Lifetime:
    """A session ends after `idle` without a request, and after `longest` in any case."""

    idle: timedelta
    longest: timedelta

    def stands(
        self, started: datetime, last_seen: datetime, now: datetime, expires: datetime | None = None
    ) -> bool:
        """True while the session may still be used at `now`: never past its token's expiry."""
        if expires is not None and now >= expires:
            return False
        return now - last_seen < self.idle and now - started < self.longest

    def ends(self, now: datetime, token_seconds: float | None) -> datetime:
        """When a session opened `now` ends at the latest: when its access token expires
        (`token_seconds` from now), and never later than `longest`."""
        longest = now + self.longest
        if token_seconds is None:
            return longest
        return min(longest, now + timedelta(seconds=max(token_seconds, 0)))


def session_id(secret: str) -> str:
    """What the database keeps of a cookie's secret: its hash, so a copy of the table opens
    no session."""
    return hashlib.sha256(secret.encode()).hexdigest()


def same_token(given: str | None, expected: str) -> bool:
    """A form's CSRF token matches the session's (in constant time)."""
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def best_locale(accept_language: str | None, offered: tuple[str, ...], default: str) -> str:
    """The first language of the browser's list that the console speaks, else `default`."""
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        base = tag.split("-")[0]
        if base in offered:
            return base
    return default


def direction(locale: str) -> str:
    """`rtl` for the languages written right to left."""
    return "rtl" if locale in ("ar", "fa", "he", "ur") else "ltr"
