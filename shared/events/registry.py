"""One explicit registry of event types, with upcasting of older versions."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from shared.events.base import Event
from shared.events.envelope import Envelope, split_type

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


class UnknownEventType(LookupError):
    """The type names no contract this service knows."""


class UnknownFutureVersion(LookupError):
    """The type is a newer version than this service understands."""


class EventRegistry:
    """Maps `type` strings to contracts; old versions are upcast step by step to the newest."""

    def __init__(self, contracts: Iterable[type[Event]] = ()) -> None:
        self._contracts: dict[str, type[Event]] = {}
        self._upcasters: dict[str, tuple[str, Upcaster]] = {}
        for contract in contracts:
            self.register(contract)

    def register(self, contract: type[Event]) -> type[Event]:
        """Add a contract; each type may be registered once."""
        if contract.TYPE in self._contracts:
            raise ValueError(f"{contract.TYPE} is registered twice")
        split_type(contract.TYPE)
        self._contracts[contract.TYPE] = contract
        return contract

    def register_upcaster(self, old_type: str, new_type: str, upcast: Upcaster) -> None:
        """Declare how `old_type` data becomes `new_type` data."""
        self._upcasters[old_type] = (new_type, upcast)

    @property
    def types(self) -> list[str]:
        """Every registered type, sorted."""
        return sorted(self._contracts)

    def contracts(self) -> list[type[Event]]:
        """Every registered contract, sorted by type."""
        return [self._contracts[t] for t in self.types]

    def contract_for(self, event_type: str) -> type[Event]:
        """The contract registered under `event_type`."""
        return self._contracts[event_type]

    def resolve(self, event_type: str) -> str:
        """The registered type `event_type` upcasts to, or UnknownEventType/UnknownFutureVersion."""
        while event_type in self._upcasters:
            event_type = self._upcasters[event_type][0]
        if event_type not in self._contracts:
            raise self._unknown(event_type)
        return event_type

    def decode(self, envelope: Envelope) -> Event:
        """Validate the envelope's data against its contract, upcast to the newest version.

        Fields the contract does not know are dropped: producers add fields (changes are
        additive), and a consumer not yet upgraded must still read what it knows.
        """
        event_type, data = envelope.type, dict(envelope.data)
        while event_type in self._upcasters:
            event_type, upcast = self._upcasters[event_type]
            data = upcast(data)
        contract = self._contracts.get(event_type)
        if contract is None:
            raise self._unknown(event_type)
        known = {k: v for k, v in data.items() if k in contract.model_fields}
        return contract.model_validate(known)

    def _unknown(self, event_type: str) -> LookupError:
        name, version = split_type(event_type)
        known = [split_type(t)[1] for t in self._contracts if split_type(t)[0] == name]
        if known and version > max(known):
            return UnknownFutureVersion(f"{event_type} is newer than v{max(known)}")
        return UnknownEventType(f"{event_type} is not a known event type")
