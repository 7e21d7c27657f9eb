"""structlog setup: one processor chain for every log line, ending in personal-data redaction."""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Mapping
from typing import Any, TextIO

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

REDACTED = "[redacted]"

PERSONAL_KEYS: frozenset[str] = frozenset(
    {
        "name",
        "chosen_name",
        "names",
        "other_names",
        "first_name",
        "last_name",
        "full_name",
        "phone",
        "phone_number",
        "msisdn",
        "email",
        "address",
        "birth_date",
        "date_of_birth",
        "note",
        "notes",
        "text",
        "body",
        "message_body",
        "free_text",
        "nationality",
        "token",
        "authorization",
        "password",
        "secret",
        "data_key",
        "plaintext",
    }
)

# Library loggers routed through our handler; their own handlers are removed.
ROUTED_LOGGERS = (
    "uvicorn",
    "uvicorn.error",
    "uvicorn.access",
    "aiokafka",
    "sqlalchemy",
    "alembic",
    "httpx",
    "httpcore",
)
# Quietened to WARNING: uvicorn's and httpx's INFO lines carry full URLs with query strings
# (ours is the http.request line) and SQLAlchemy's carry statement parameters.
_QUIET_LOGGERS = frozenset({"uvicorn.access", "sqlalchemy", "httpx", "httpcore"})
# aiokafka logs these at ERROR while a fresh broker elects its partition leaders and group
# coordinators, and while a topic just created spreads through the metadata; it then retries
# and goes on. They are worth a line at info, not an alarm: a lasting failure still shows in
# our own warnings (consumer.restarting, outbox.relay_failed).
_ELECTION_NOISE = re.compile(
    r"\b(?:NotLeaderForPartition|LeaderNotAvailable|GroupCoordinatorNotAvailable"
    r"|CoordinatorNotAvailable|NotCoordinatorForGroup|NotCoordinator|GroupLoadInProgress"
    r"|CoordinatorLoadInProgress|NotController)Error\b"
    r"|^Topic \S+ not found in cluster metadata$"
)
_HANDLER_NAME = "passerelle-structlog"
_META_KEYS = frozenset({"_record", "_from_structlog"})
_MAX_DEPTH = 8

_WORD_RE = re.compile(r"\w+")
_TEXT_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"), r"\1 " + REDACTED),
    (re.compile(r"(?<=://)[^/\s:@]+:[^/\s@]+@"), REDACTED + "@"),
    (re.compile(r"(?i)\b(password|passwd|pwd|secret|token)=[^\s&,;]+"), r"\1=" + REDACTED),
    (re.compile(r"\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"), REDACTED),
    # pydantic: "[type=..., input_value='Jane', input_type=str]"
    (re.compile(r"input_value=.*?, input_type="), f"input_value={REDACTED}, input_type="),
    # FastAPI validation errors: "{'type': ..., 'msg': ..., 'input': {...}, 'ctx': ...}"
    (
        re.compile(r"'input': .*?(?=, 'ctx': |, 'url': |\}\s*$)", re.MULTILINE),
        f"'input': '{REDACTED}'",
    ),
)

_sensitive_lock = threading.Lock()
# First word (casefolded) -> word sequences of the registered values that start with it.
_sensitive_index: dict[str, frozenset[tuple[str, ...]]] = {}


def register_sensitive_value(value: str) -> None:
    """Scrub this value (e.g. a decrypted name) from every later log line of the process."""
    words = tuple(word.casefold() for word in _WORD_RE.findall(value))
    if sum(len(word) for word in words) < 2:
        return
    with _sensitive_lock:
        known = _sensitive_index.get(words[0], frozenset())
        _sensitive_index[words[0]] = known | {words}


def clear_sensitive_values() -> None:
    """Forget every registered sensitive value (for tests)."""
    with _sensitive_lock:
        _sensitive_index.clear()


def _scrub_registered(text: str) -> str:
    """Replace registered values, matched word by word whatever the case and separators."""
    words = list(_WORD_RE.finditer(text))
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        length = _longest_match(words, i)
        if length:
            spans.append((words[i].start(), words[i + length - 1].end()))
        i += length or 1
    for start, end in reversed(spans):
        text = text[:start] + REDACTED + text[end:]
    return text


def _longest_match(words: list[re.Match[str]], i: int) -> int:
    best = 0
    for candidate in _sensitive_index.get(words[i].group().casefold(), ()):
        size = len(candidate)
        fits = best < size and i + size <= len(words)
        if fits and all(words[i + j].group().casefold() == candidate[j] for j in range(size)):
            best = size
    return best


def _scrub_text(text: str) -> str:
    for pattern, replacement in _TEXT_PATTERNS:
        text = pattern.sub(replacement, text)
    return _scrub_registered(text) if _sensitive_index else text


def _is_personal_key(key: object) -> bool:
    return isinstance(key, str) and key.casefold().replace("-", "_") in PERSONAL_KEYS


def _redact(value: object, depth: int = 0) -> object:
    if isinstance(value, str):
        return _scrub_text(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if depth >= _MAX_DEPTH:
        return REDACTED
    if isinstance(value, Mapping):
        return {
            key: REDACTED if _is_personal_key(key) else _redact(item, depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [_redact(item, depth + 1) for item in value]
    # Unknown objects would be rendered with repr(); scrub their text instead.
    return _scrub_text(str(value))


def redact_personal_data(logger: WrappedLogger, method: str, event_dict: EventDict) -> EventDict:
    """Replace personal values and scrub registered values and credentials from every string."""
    if event_dict.get("exc_info"):
        event_dict = structlog.processors.format_exc_info(logger, method, event_dict)
    event_dict.pop("exc_info", None)
    for key in list(event_dict):
        if key in _META_KEYS:
            continue
        if _is_personal_key(key):
            event_dict[key] = REDACTED
        else:
            event_dict[key] = _redact(event_dict[key])
    return event_dict


class DemoteElectionNoise(logging.Filter):
    """Demote aiokafka's harmless errors of a broker electing its leaders to info."""

    def __init__(self, level: int) -> None:
        super().__init__()
        self._level = level

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep the record, at info when it is election noise and the level lets info through."""
        if record.levelno <= logging.INFO or not record.name.startswith("aiokafka"):
            return True
        if not _ELECTION_NOISE.search(record.getMessage()):
            return True
        record.levelno, record.levelname = logging.INFO, "INFO"
        return self._level <= logging.INFO


def _add_service(service: str) -> Processor:
    def add_service(logger: WrappedLogger, method: str, event_dict: EventDict) -> EventDict:
        event_dict.setdefault("service", service)
        return event_dict

    return add_service


def _pre_chain() -> list[Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def _formatter(service: str, *, json: bool, colors: bool) -> structlog.stdlib.ProcessorFormatter:
    renderer: Processor = (
        structlog.processors.JSONRenderer()
        if json
        else structlog.dev.ConsoleRenderer(colors=colors)
    )
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_pre_chain(),
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            _add_service(service),
            redact_personal_data,  # last before rendering: nothing may add data after it
            renderer,
        ],
    )


def configure_logging(
    service: str, *, level: str = "INFO", json: bool | None = None, stream: TextIO | None = None
) -> None:
    """Send structlog and stdlib logs through one redacting chain to stream (stderr)."""
    out = stream if stream is not None else sys.stderr
    is_tty = out.isatty()
    handler = logging.StreamHandler(out)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(
        _formatter(service, json=not is_tty if json is None else json, colors=is_tty)
    )
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    handler.addFilter(DemoteElectionNoise(root.level))
    for name in ROUTED_LOGGERS:
        routed = logging.getLogger(name)
        routed.handlers.clear()
        routed.propagate = True
        routed.setLevel(logging.WARNING if name in _QUIET_LOGGERS else logging.NOTSET)
    structlog.configure(
        processors=[*_pre_chain(), structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(ignore_frame_names=[__name__]),
        wrapper_class=structlog.stdlib.BoundLogger,
        # Not cached: a logger bound before (re)configuration must not keep an old chain.
        cache_logger_on_first_use=False,
    )


def get_logger(name: str | None = None, **initial: Any) -> structlog.stdlib.BoundLogger:
    """Return a structlog logger (named after the caller's module when name is None)."""
    if name is None:
        return structlog.stdlib.get_logger(**initial)
    return structlog.stdlib.get_logger(name, **initial)
