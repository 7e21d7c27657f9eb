"""Audit's settings: which topics it reads, and the services' checkpoint public keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from services.audit.settings import AuditSettings
from shared.auth import DEV_JWT_SECRET, AuthSettings
from shared.checkpoints import SigningKey, development_key, new_private_base64

AUTH = AuthSettings(jwt_secret=DEV_JWT_SECRET)


def settings(tmp_path: Path, **given: object) -> AuditSettings:
    return AuditSettings(
        database_url="sqlite+aiosqlite:///audit.db",
        auth=AUTH,
        checkpoint={"dev_key_dir": str(tmp_path)},
        **given,  # type: ignore[arg-type]
    )


def test_each_source_is_read_from_its_topic_unless_told_otherwise(tmp_path: Path) -> None:
    read = settings(tmp_path, development=True, topics={"intake": "intake.test.events"})
    assert read.sources == ["intake", "casework", "notifications", "housing"]
    assert read.topic_of("intake") == "intake.test.events"
    assert read.topic_of("housing") == "housing.events"


def test_in_development_a_source_without_keys_gets_its_development_key(tmp_path: Path) -> None:
    given = SigningKey.from_base64("k1", new_private_base64())
    keys = settings(
        tmp_path, development=True, checkpoint_keys={"intake": {"k1": given.public_base64}}
    ).public_keys()
    casework = SigningKey.from_base64("casework-dev", development_key(tmp_path, "casework"))
    assert keys["intake"] == {"k1": given.public_base64}
    assert keys["casework"] == {"casework-dev": casework.public_base64}


def test_a_key_that_is_no_public_key_is_refused_at_start(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="intake k1"):
        settings(tmp_path, development=True, checkpoint_keys={"intake": {"k1": "not-a-key"}})
