"""A consumer's routing table is a module-level dict; bind hands each handler what it names."""

from __future__ import annotations

from typing import Any

import pytest

from shared.consumer import MessageContext, bind

seen: list[tuple[str, Any]] = []


async def plain(ctx: MessageContext, event: Any) -> None:
    seen.append(("plain", event))


async def with_keys(ctx: MessageContext, event: Any, keys: str) -> None:
    seen.append(("with_keys", (event, keys)))


async def test_each_handler_gets_only_the_dependencies_it_names() -> None:
    seen.clear()
    handlers = bind({"a": plain, "b": with_keys}, keys="the key store", policy="unused")
    ctx: Any = None
    await handlers["a"](ctx, 1)
    await handlers["b"](ctx, 2)
    assert seen == [("plain", 1), ("with_keys", (2, "the key store"))]


def test_a_dependency_nobody_gave_is_refused_at_wiring() -> None:
    with pytest.raises(TypeError, match="keys"):
        bind({"b": with_keys})
