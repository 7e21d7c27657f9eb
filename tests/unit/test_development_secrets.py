"""Outside development mode, a service refuses to start with a secret published in the code."""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from services.casework.settings import CaseworkSettings
from services.console.settings import ConsoleSettings
from services.housing.settings import HousingSettings
from services.intake.settings import IntakeSettings
from services.notifications.settings import DEV_SMS_TOKEN, NotificationsSettings
from shared.auth import DEV_JWT_SECRET
from shared.settings import DEVELOPMENT_SECRETS, ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_JWT_SECRET = "dev-only-insecure-jwt-secret-change-me-0123456789"
COMPOSE_MASTER_KEY = "f7AnM5qwLwSL/BKQTMmlUOeSUZdMrQnrbrC+mH4utyQ="


def fresh() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def own_secrets(service: str) -> dict[str, Any]:
    """Settings of `service` with secrets of its own (none published anywhere)."""
    common: dict[str, Any] = {
        "database_url": "sqlite+aiosqlite:///:memory:",
        "auth": {"jwt_secret": fresh()},
        "checkpoint": {"signing_key": fresh(), "key_id": f"{service}-1"},
    }
    if service == "intake":
        return {**common, "master_key": fresh(), "index_key": fresh()}
    if service == "notifications":
        return {**common, "secret_key": fresh()}
    if service == "housing":
        return {**common, "index_key": fresh()}
    return common


CLASSES: dict[str, type[ServiceSettings]] = {
    "intake": IntakeSettings,
    "casework": CaseworkSettings,
    "notifications": NotificationsSettings,
    "housing": HousingSettings,
    "console": ConsoleSettings,
}


def refusal(cls: type[ServiceSettings], **values: Any) -> str:
    with pytest.raises(ValidationError) as refused:
        cls(**values)
    return str(refused.value)


@pytest.mark.parametrize("service", CLASSES)
def test_own_secrets_are_accepted_outside_development(service: str) -> None:
    assert CLASSES[service](**own_secrets(service)).development is False


@pytest.mark.parametrize("secret", [DEV_JWT_SECRET, COMPOSE_JWT_SECRET])
@pytest.mark.parametrize("service", CLASSES)
def test_a_published_token_secret_is_refused_unless_in_development(
    service: str, secret: str
) -> None:
    cls, prefix = CLASSES[service], service.upper() + "_"
    values = {**own_secrets(service), "auth": {"jwt_secret": secret}}
    message = refusal(cls, **values)
    assert f"{prefix}AUTH__JWT_SECRET" in message
    assert f"{prefix}DEVELOPMENT=true" in message
    assert secret not in message, "the message never quotes a secret"
    assert cls(**values, development=True).development


def test_intake_refuses_the_compose_master_key() -> None:
    values = {**own_secrets("intake"), "master_key": COMPOSE_MASTER_KEY}
    assert "INTAKE_MASTER_KEY" in refusal(IntakeSettings, **values)


def test_a_published_database_password_is_refused() -> None:
    url = "postgresql+asyncpg://passerelle:passerelle-dev-only@postgres:5432/casework"
    values = {**own_secrets("casework"), "database_url": url}
    assert "CASEWORK_DATABASE_URL" in refusal(CaseworkSettings, **values)


def test_the_fake_providers_token_is_refused_for_the_webhooks() -> None:
    values = {**own_secrets("notifications"), "provider": "twilio"}
    assert "NOTIFICATIONS_TWILIO__AUTH_TOKEN" in refusal(NotificationsSettings, **values)
    configured = {**values, "twilio": {"auth_token": "a-token-of-our-own"}}
    assert NotificationsSettings(**configured).provider == "twilio"
    assert NotificationsSettings(**own_secrets("notifications")).provider == "file", (
        "a provider not in use needs no token"
    )


def test_the_webhooks_never_trust_an_empty_token_even_in_development() -> None:
    values = {**own_secrets("notifications"), "provider": "twilio", "development": True}
    message = refusal(NotificationsSettings, **values, twilio={"auth_token": ""})
    assert "NOTIFICATIONS_TWILIO__AUTH_TOKEN" in message


def test_the_published_secrets_include_the_fake_providers_token() -> None:
    assert DEV_SMS_TOKEN in NotificationsSettings.development_secrets
    assert DEV_JWT_SECRET in DEVELOPMENT_SECRETS


@pytest.mark.parametrize("service", CLASSES)
def test_a_service_with_a_published_secret_exits_with_a_message(service: str) -> None:
    prefix = service.upper() + "_"
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefix)}
    env |= {
        f"{prefix}DATABASE_URL": "sqlite+aiosqlite:///:memory:",
        f"{prefix}AUTH__JWT_SECRET": DEV_JWT_SECRET,
        "INTAKE_MASTER_KEY": fresh(),
        "INTAKE_INDEX_KEY": fresh(),
        "NOTIFICATIONS_SECRET_KEY": fresh(),
    }
    done = subprocess.run(
        [sys.executable, "-m", f"services.{service}", "migrate"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert f"{prefix}AUTH__JWT_SECRET" in done.stderr
    assert f"{prefix}DEVELOPMENT=true" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("service", CLASSES)
def test_compose_placeholders_are_refused_once_development_is_off(
    service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    prefix = service.upper() + "_"
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    raw = compose["services"][f"{service}-api"]["environment"]
    # as compose sees it with no variable set: every ${NAME:-default} is its default
    env = {str(k): re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", str(v)) for k, v in raw.items()}
    assert env[f"{prefix}DEVELOPMENT"] == "true", "compose is a development setup"
    for key in [key for key in os.environ if key.startswith(prefix)]:
        monkeypatch.delenv(key)
    for key, value in {**env, f"{prefix}DEVELOPMENT": "false"}.items():
        monkeypatch.setenv(key, value)
    message = refusal(CLASSES[service])
    assert f"{prefix}AUTH__JWT_SECRET" in message
    assert f"{prefix}DATABASE_URL" in message
