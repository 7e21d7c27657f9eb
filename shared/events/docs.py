"""The events catalogue: every contract, its topic, key and fields, written as Markdown."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from shared.events.base import Event
from shared.events.catalog import default_registry

CATALOGUE = Path(__file__).resolve().parents[2] / "docs" / "events.md"


def render() -> str:
    """The catalogue, generated from the registered contracts."""
    lines = [
        "# Events catalogue",
        "",
        "Generated from the contracts in `shared/events/` by `python -m shared.events.docs`.",
        "Every event travels as a CloudEvents 1.0 envelope on `<service>.events`, keyed by its",
        "aggregate id. Fields marked *encrypted* carry `enc:v1:` ciphertext made with the person's",
        "own key: erasing the key erases them everywhere.",
        "",
    ]
    for contract in default_registry().contracts():
        lines += _section(contract)
    return "\n".join(lines).rstrip() + "\n"


def _section(contract: type[Event]) -> list[str]:
    schema = contract.model_json_schema()
    required = set(schema.get("required", []))
    lines = [
        f"## `{contract.TYPE}`",
        "",
        (contract.__doc__ or "").strip(),
        "",
        f"Topic `{contract.TYPE.split('.')[0]}.events`, key `{contract.AGGREGATE}`.",
        "",
        "| field | type | required | notes |",
        "|---|---|---|---|",
    ]
    for name, field in schema["properties"].items():
        needed = "yes" if name in required else "no"
        lines.append(f"| `{name}` | {_type(field)} | {needed} | {_notes(field)} |")
    return [*lines, ""]


def _type(field: dict[str, Any]) -> str:
    branches = field.get("anyOf", [field])
    return " or ".join(
        f"{b.get('items', {}).get('type', 'any')}[]"
        if b.get("type") == "array"
        else b.get("format", b.get("type", "object"))
        for b in branches
    )


def _notes(field: dict[str, Any]) -> str:
    branches = field.get("anyOf", [field])
    if any(b.get("pattern", "").startswith("^enc:v1:") for b in branches):
        return "encrypted"
    if "default" in field:
        return f"default `{json.dumps(field['default'])}`"
    return ""


def main() -> None:
    """Write docs/events.md, or with --check fail when it is out of date."""
    parser = argparse.ArgumentParser(prog="python -m shared.events.docs")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    text = render()
    if args.check:
        raise SystemExit(0 if CATALOGUE.read_text() == text else "docs/events.md is out of date")
    CATALOGUE.write_text(text)


if __name__ == "__main__":
    main()
