"""The catalogue of procedures, as data: a new procedure is a TOML block, not code.

The catalogue (`services/casework/rules/procedures.toml`) is read by the caller, whose text
goes to `Catalogue.from_toml`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from services.casework.domain.procedures.procedure import (
    RULE_FIELDS,
    DocumentItem,
    Procedure,
    Step,
    UnknownCaseType,
    unique,
)
from services.casework.domain.tables import load, reject_unknown


class Catalogue:
    """Every procedure a case can follow, checked once, looked up by case type."""

    def __init__(self, procedures: Iterable[Procedure]) -> None:
        self._procedures = unique(procedures, lambda procedure: procedure.id, "procedure")

    @classmethod
    def from_toml(cls, text: str) -> Catalogue:
        """Parse `[[procedure]]` tables; a ValueError names the procedure and field at fault."""
        document = load(text, "procedures")
        reject_unknown(document, {"procedure"}, "procedures")
        tables = _tables(document, "procedure", "procedures")
        if not tables:
            raise ValueError("procedures: no [[procedure]] table")
        try:
            return cls(_parse_procedure(table, n) for n, table in enumerate(tables, start=1))
        except ValueError as error:
            raise ValueError(f"procedures: {error}") from error

    def get(self, case_type: str) -> Procedure:
        """The procedure of this case type; UnknownCaseType if there is none."""
        try:
            return self._procedures[case_type]
        except KeyError:
            raise UnknownCaseType(case_type) from None

    def ids(self) -> list[str]:
        """Every case type id, sorted."""
        return sorted(self._procedures)

    def referenced_rules(self) -> set[str]:
        """Every deadline rule id a step names, to check against the deadline rule book."""
        return {
            rule for p in self._procedures.values() for step in p.steps for rule in step.rules()
        }


# --- Parsing: TOML values are untyped; every field is checked and narrowed here. ---

_PROCEDURE_KEYS = {"id", "label", "family", "initial", "step", "transitions", "document"}
_STEP_KEYS = {"status", "label", "final", *RULE_FIELDS}


def _parse_procedure(table: Mapping[str, object], n: int) -> Procedure:
    """One `[[procedure]]` table; errors name the procedure by id (or position)."""
    where = f"[[procedure]] #{n}"
    ident = _text(table, "id", where)
    where = f"procedure {ident!r}"
    reject_unknown(table, _PROCEDURE_KEYS, where)
    steps = tuple(_parse_step(t, i, where) for i, t in enumerate(_tables(table, "step", where), 1))
    documents = enumerate(_tables(table, "document", where), 1)
    checklist = tuple(_parse_document(t, i, where) for i, t in documents)
    moves = table.get("transitions", {})
    if not isinstance(moves, dict):
        raise ValueError(f"{where}: 'transitions' must be a table, got {moves!r}")
    transitions = {str(k): _texts(v, f"{where} transitions.{k}") for k, v in moves.items()}
    label, family = _text(table, "label", where), _text(table, "family", where)
    initial = _text(table, "initial", where)
    try:
        return Procedure(ident, label, family, initial, steps, transitions, checklist)
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from error


def _parse_step(table: Mapping[str, object], n: int, procedure: str) -> Step:
    """One `[[procedure.step]]` table; errors name the step by status (or position)."""
    status = _text(table, "status", f"{procedure} step #{n}")
    where = f"{procedure} step {status!r}"
    reject_unknown(table, _STEP_KEYS, where)
    starts, stops, suspends, resumes, interrupts = (
        _texts(table.get(name, []), f"{where} {name}") for name in RULE_FIELDS
    )
    label, final = _text(table, "label", where), _flag(table, "final", where)
    return Step(status, label, starts, stops, final, suspends, resumes, interrupts)


def _parse_document(table: Mapping[str, object], n: int, procedure: str) -> DocumentItem:
    """One `[[procedure.document]]` table; errors name the document by id (or position)."""
    ident = _text(table, "id", f"{procedure} document #{n}")
    where = f"{procedure} document {ident!r}"
    reject_unknown(table, {"id", "label", "expires"}, where)
    return DocumentItem(ident, _text(table, "label", where), _flag(table, "expires", where))


def _tables(table: Mapping[str, object], key: str, where: str) -> list[dict[str, object]]:
    """An optional array of tables (`[[key]]`)."""
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ValueError(f"{where}: {key!r} must be a list of [[{key}]] tables")
    return value


def _text(table: Mapping[str, object], key: str, where: str) -> str:
    """A present, non-empty string field."""
    if key not in table:
        raise ValueError(f"{where}: missing field {key!r}")
    value = table[key]
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where}: {key!r} must be a non-empty string, got {value!r}")
    return value


def _flag(table: Mapping[str, object], key: str, where: str) -> bool:
    """An optional boolean field, false when absent."""
    value = table.get(key, False)
    if not isinstance(value, bool):
        raise ValueError(f"{where}: {key!r} must be true or false, got {value!r}")
    return value


def _texts(value: object, where: str) -> tuple[str, ...]:
    """A list of non-empty strings."""
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"{where}: expected a list of non-empty strings, got {value!r}")
    return tuple(value)
