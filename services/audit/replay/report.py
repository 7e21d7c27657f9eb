"""The signed report of a replay: its figures as JSON, signed with audit's own Ed25519 key
over the canonical JSON of everything but the signature, so that anyone holding audit's
public key can tell that not one figure was changed."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature

from services.audit.replay.summary import Summary
from shared.checkpoints import BadKey, SigningKey, public_key
from shared.events.envelope import canonical_json

REPORT_DOMAIN = "passerelle.audit.report.v1"
"""Named inside what is signed: such a signature is never valid for anything else."""


def build(summary: Summary, key: SigningKey, generated_at: datetime) -> dict[str, Any]:
    """The report's JSON, signed."""
    report: dict[str, Any] = {
        "domain": REPORT_DOMAIN,
        "generated_at": generated_at.isoformat(),
        "signed_by": {"key_id": key.key_id, "public_key": key.public_base64},
        **summary.figures(),
    }
    signature = key.private.sign(canonical_json(report))
    return {**report, "signature": base64.b64encode(signature).decode()}


def unsigned(report: dict[str, Any]) -> dict[str, Any]:
    """What the signature covers: the report without its signature."""
    return {name: value for name, value in report.items() if name != "signature"}


def problem(report: dict[str, Any], expected_public_key: str | None = None) -> str | None:
    """Why the report does not verify (None when it does): its domain, its signature, and
    that it was signed by `expected_public_key` when one is given."""
    if report.get("domain") != REPORT_DOMAIN:
        return f"not a Passerelle audit report (domain {report.get('domain')!r})"
    signer = report.get("signed_by") or {}
    public = str(signer.get("public_key", ""))
    if expected_public_key is not None and public != expected_public_key:
        return f"signed by another key ({signer.get('key_id')!r}), not the one given"
    try:
        signature = base64.b64decode(str(report.get("signature", "")), validate=True)
        public_key(public).verify(signature, canonical_json(unsigned(report)))
    except (BadKey, binascii.Error, ValueError):
        return "the report's key or signature is malformed"
    except InvalidSignature:
        return "the signature does not match the report: it was changed after signing"
    return None


def write_json(report: dict[str, Any], path: Path) -> None:
    """Write the report, readable (indented); what is signed is its canonical form."""
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def read_json(path: Path) -> dict[str, Any]:
    """A report as written by `write_json`."""
    loaded = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(loaded, dict):
        raise ValueError("a report is a JSON object")
    return loaded
