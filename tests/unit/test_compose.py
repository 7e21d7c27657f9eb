"""docker-compose.yml, the Dockerfile and the Postgres init script agree with the code.

Every service directory under `services/` (one with a `__main__.py`) must get its own database,
an api, a worker and a migrate container built from the one Dockerfile, and an environment that
its own settings class accepts. When the `docker compose` plugin is installed the file is also
checked by `docker compose config`.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import re
import shlex
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from shared.crypto import MasterKey
from shared.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
INITDB_DIR = "/docker-entrypoint-initdb.d"
KAFKA_BOOTSTRAP = "kafka:9092"
LOOPBACK = "127.0.0.1"
ROLES = ("api", "worker", "migrate")

_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}")
_CREATE_DATABASE = re.compile(r"CREATE\s+DATABASE\s+\"?([A-Za-z_][A-Za-z0-9_]*)\"?", re.IGNORECASE)


def discover_services() -> list[str]:
    """The services in the repository: packages under services/ runnable with `python -m`."""
    return sorted(
        path.name
        for path in (ROOT / "services").iterdir()
        if path.is_dir() and (path / "__main__.py").is_file()
    )


SERVICES = discover_services()


def roles_of(service: str) -> list[str]:
    """The containers a service runs as: the modes its `__main__` docstring names (the
    console, which has no worker, runs as api and migrate only)."""
    first = (ROOT / "services" / service / "__main__.py").read_text().split("\n", 1)[0]
    modes = set(re.findall(r"[a-z-]+", first.split(f"services.{service}", 1)[1]))
    return [role for role in ROLES if role in modes]


def uses_kafka(service: str) -> bool:
    """A service with a worker reads and writes Kafka; one without talks HTTP only."""
    return "worker" in roles_of(service)


SERVICE_ROLES = [(service, role) for service in SERVICES for role in roles_of(service)]


def interpolate(value: Any) -> str:
    """A compose value as compose would see it with none of the variables set (the defaults)."""
    return _VARIABLE.sub(lambda match: match.group(2) or "", str(value))


def environment(entry: dict[str, Any]) -> dict[str, str]:
    """A service's environment, list or mapping form, with variables at their defaults."""
    raw = entry.get("environment") or {}
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) if "=" in item else (item, "") for item in raw)
    return {str(key): interpolate(value) for key, value in raw.items()}


def settings_class(service: str) -> type[ServiceSettings]:
    """The service's ServiceSettings subclass, from services/<service>/settings.py."""
    module = importlib.import_module(f"services.{service}.settings")
    found = [
        cls
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, ServiceSettings)
        and cls is not ServiceSettings
        and cls.__module__ == module.__name__
    ]
    assert len(found) == 1, f"services/{service}/settings.py must define one ServiceSettings"
    return found[0]


def env_prefix(service: str) -> str:
    prefix = settings_class(service).model_config.get("env_prefix", "")
    assert prefix, f"{service}'s settings have no env_prefix"
    return str(prefix)


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    logical: list[str] = []
    current = ""
    for line in DOCKERFILE.read_text().splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        logical.append(current + stripped)
        current = ""
    if current:
        logical.append(current)
    pairs = []
    for text in logical:
        instruction, _, arguments = text.partition(" ")
        pairs.append((instruction.upper(), arguments.strip()))
    return pairs


def exec_form(arguments: str) -> list[str]:
    """ENTRYPOINT/CMD arguments as an argv list (exec form or shell form)."""
    if arguments.startswith("["):
        value = json.loads(arguments)
        assert isinstance(value, list)
        return [str(item) for item in value]
    return ["/bin/sh", "-c", arguments]


def image_entrypoint() -> list[str]:
    entrypoints = [args for name, args in dockerfile_instructions() if name == "ENTRYPOINT"]
    return exec_form(entrypoints[-1]) if entrypoints else []


def argv(entry: dict[str, Any]) -> list[str]:
    """What the container runs: entrypoint (compose's or the image's) followed by the command."""
    entrypoint = entry.get("entrypoint", image_entrypoint())
    command = entry.get("command", [])
    if isinstance(entrypoint, str):
        entrypoint = shlex.split(entrypoint)
    if isinstance(command, str):
        command = shlex.split(command)
    return [*map(str, entrypoint), *map(str, command)]


def published_ports(entry: dict[str, Any]) -> list[tuple[str, int, int]]:
    """(host_ip, published, target) for every published port, short or long syntax."""
    result = []
    for port in entry.get("ports", []):
        if isinstance(port, dict):
            host_ip = str(port.get("host_ip", ""))
            result.append((host_ip, int(port["published"]), int(port["target"])))
            continue
        parts = str(port).split("/")[0].split(":")
        if len(parts) == 3:
            result.append((parts[0], int(parts[1]), int(parts[2])))
        elif len(parts) == 2:
            result.append(("", int(parts[0]), int(parts[1])))
        else:
            result.append(("", 0, int(parts[0])))
    return result


def healthcheck_text(entry: dict[str, Any]) -> str:
    test = (entry.get("healthcheck") or {}).get("test", [])
    return " ".join(test) if isinstance(test, list) else str(test)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE_FILE.read_text())
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    entries = compose.get("services")
    assert isinstance(entries, dict)
    assert entries, "docker-compose.yml declares no services"
    return entries


def _compose_plugin_works() -> bool:
    try:
        result = subprocess.run(
            ["docker", "compose", "version"], capture_output=True, text=True, timeout=20
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


# --- docker compose itself, when installed ------------------------------------------------------


def test_docker_compose_accepts_the_file() -> None:
    if not _compose_plugin_works():
        pytest.skip("`docker compose` plugin not available here; YAML checks below still run")
    result = subprocess.run(
        ["docker", "compose", "-f", str(COMPOSE_FILE), "config", "--quiet"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr


# --- the services the repository holds ----------------------------------------------------------


def test_services_are_discovered() -> None:
    # guards the discovery itself: an empty list would make every per-service test vacuous
    assert {"intake", "notifications"} <= set(SERVICES)


# --- kafka ---------------------------------------------------------------------------------------


def test_kafka_is_a_single_kraft_node_keeping_events_forever(
    compose: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    kafka = services["kafka"]
    assert re.fullmatch(r"apache/kafka:4\.\d+(\.\d+)?", str(kafka["image"])), kafka["image"]
    env = environment(kafka)
    assert not any(key.startswith("KAFKA_ZOOKEEPER") for key in env), "KRaft needs no ZooKeeper"
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    node_id = env["KAFKA_NODE_ID"]
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == f"{node_id}@kafka:9093"
    assert env["KAFKA_CONTROLLER_LISTENER_NAMES"] == "CONTROLLER"
    assert set(env["KAFKA_LISTENERS"].split(",")) == {"PLAINTEXT://:9092", "CONTROLLER://:9093"}
    assert env["KAFKA_ADVERTISED_LISTENERS"] == f"PLAINTEXT://{KAFKA_BOOTSTRAP}"
    factors = {key: value for key, value in env.items() if key.endswith("REPLICATION_FACTOR")}
    assert {
        "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR",
        "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
    } <= set(factors)
    assert set(factors.values()) == {"1"}, factors
    assert env["KAFKA_TRANSACTION_STATE_LOG_MIN_ISR"] == "1"
    assert env["KAFKA_LOG_RETENTION_MS"] == "-1"

    log_dir = env["KAFKA_LOG_DIRS"]
    mounts = [str(volume).split(":") for volume in kafka.get("volumes", [])]
    named = [source for source, target, *_ in mounts if target == log_dir]
    assert named, "kafka data needs a volume"
    assert named[0] in (compose.get("volumes") or {}), "kafka data needs a named volume"
    assert "kafka-topics.sh" in healthcheck_text(kafka)
    assert "localhost:9092" in healthcheck_text(kafka)


# --- postgres ------------------------------------------------------------------------------------


def init_script(postgres: dict[str, Any]) -> Path:
    for volume in postgres.get("volumes", []):
        source, target, *_ = str(volume).split(":")
        if target.startswith(INITDB_DIR + "/") or target == INITDB_DIR:
            path = (ROOT / source).resolve()
            assert path.is_file(), f"{source} is mounted into {INITDB_DIR} but does not exist"
            return path
    raise AssertionError(f"no init script mounted into {INITDB_DIR}")


def test_postgres_creates_one_database_per_service(
    compose: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    postgres = services["postgres"]
    assert str(postgres["image"]).startswith("postgres:16")
    script = init_script(postgres)
    databases = _CREATE_DATABASE.findall(script.read_text())
    assert len(databases) == len(set(databases)), f"database created twice: {databases}"
    missing = set(SERVICES) - set(databases)
    assert not missing, f"{script.name} creates no database for {sorted(missing)}"
    # planned services get theirs up front
    assert {"casework", "housing", "audit"} <= set(databases)

    mounts = [str(volume).split(":") for volume in postgres.get("volumes", [])]
    data = [source for source, target, *_ in mounts if target == "/var/lib/postgresql/data"]
    assert data, "postgres data needs a volume"
    assert data[0] in (compose.get("volumes") or {}), "postgres needs a named volume"
    assert "pg_isready" in healthcheck_text(postgres)


# --- one image ------------------------------------------------------------------------------------


def test_dockerfile_builds_one_locked_non_root_image() -> None:
    instructions = dockerfile_instructions()
    text = DOCKERFILE.read_text()
    assert "python:3.11-slim" in text
    assert "uv.lock" in text

    def first(predicate: Any) -> int:
        for index, (name, args) in enumerate(instructions):
            if predicate(name, args):
                return index
        raise AssertionError("instruction not found in the Dockerfile")

    copy_lock = first(lambda n, a: n == "COPY" and "uv.lock" in a.split() and "pyproject.toml" in a)
    sync = first(lambda n, a: n == "RUN" and "uv sync" in a)
    sync_args = instructions[sync][1]
    assert "--frozen" in sync_args
    assert "--no-dev" in sync_args
    for source in ("shared", "services", "deploy"):
        copy_source = first(
            lambda n, a, s=source: n == "COPY" and s in a.split() and "--from" not in a
        )
        # dependencies before the source: editing code does not reinstall them
        assert copy_lock < sync < copy_source, f"copy {source} after `uv sync`"

    users = [args for name, args in instructions if name == "USER"]
    assert users, "the image must switch to a non-root USER"
    assert users[-1].split(":")[0] not in ("root", "0"), "the image must not run as root"
    assert image_entrypoint()[:2] == ["python", "-m"]
    paths = [args for name, args in instructions if name == "ENV" and "PATH=" in args]
    assert any(".venv/bin" in args for args in paths), "PATH must include the venv"

    ignored = DOCKERIGNORE.read_text().split()
    assert {".venv", ".git"} <= set(ignored)


# --- the services ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("service", "role"), SERVICE_ROLES)
def test_service_container_runs_the_service_from_the_one_image(
    services: dict[str, dict[str, Any]], service: str, role: str
) -> None:
    name = f"{service}-{role}"
    assert name in services, f"docker-compose.yml has no {name}"
    entry = services[name]
    build = entry.get("build")
    assert build is not None, f"{name} is not built from the Dockerfile"
    context = build if isinstance(build, str) else build.get("context", ".")
    dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
    assert (ROOT / context / dockerfile).resolve() == DOCKERFILE
    assert argv(entry) == ["python", "-m", f"services.{service}", role]

    depends = entry.get("depends_on") or {}
    assert isinstance(depends, dict), f"{name}: depends_on needs conditions"
    for infra in ("kafka", "postgres") if uses_kafka(service) else ("postgres",):
        assert depends.get(infra, {}).get("condition") == "service_healthy", (name, infra)
    if role != "migrate":
        # one process creates the schema; api and worker start on a migrated database
        migrate = depends.get(f"{service}-migrate", {})
        assert migrate.get("condition") == "service_completed_successfully", name
    else:
        assert str(entry.get("restart", "no")) == "no", "a one-shot migrate must not restart"


@pytest.mark.parametrize(("service", "role"), SERVICE_ROLES)
def test_service_environment_is_accepted_by_its_settings(
    services: dict[str, dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
    service: str,
    role: str,
) -> None:
    entry = services[f"{service}-{role}"]
    prefix = env_prefix(service)
    env = environment(entry)
    foreign = [key for key in env if not key.startswith(prefix)]
    assert not foreign, f"{service}-{role} sets variables its settings ignore: {foreign}"

    postgres_env = environment(services["postgres"])
    url = urlsplit(env[f"{prefix}DATABASE_URL"])
    assert url.scheme == "postgresql+asyncpg"
    assert (url.hostname, url.port) == ("postgres", 5432)
    assert url.path == f"/{service}", "each service uses its own database"
    assert url.username == postgres_env["POSTGRES_USER"]
    assert url.password == postgres_env["POSTGRES_PASSWORD"]
    if uses_kafka(service):
        assert env[f"{prefix}KAFKA_BOOTSTRAP_SERVERS"] == KAFKA_BOOTSTRAP

    # the service's own settings class must accept exactly this environment
    for key in list(os.environ):
        if key.startswith(prefix):
            monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings = settings_class(service)()
    assert settings.database_url == env[f"{prefix}DATABASE_URL"]
    if uses_kafka(service):
        assert settings.kafka_bootstrap_servers == KAFKA_BOOTSTRAP
    assert settings.auth.jwt_secret is not None or settings.auth.jwks_url
    master_key = getattr(settings, "master_key", None)
    if master_key is not None:
        MasterKey.from_b64(master_key.get_secret_value())  # raises unless base64 of 32 bytes


def test_no_two_services_share_a_database(services: dict[str, dict[str, Any]]) -> None:
    owner: dict[str, str] = {}
    for service in SERVICES:
        prefix = env_prefix(service)
        for role in roles_of(service):
            url = environment(services[f"{service}-{role}"])[f"{prefix}DATABASE_URL"]
            database = urlsplit(url).path.lstrip("/")
            assert owner.setdefault(database, service) == service, (
                f"{service} and {owner[database]} share the database {database!r}"
            )
    assert len(owner) == len(SERVICES)


@pytest.mark.parametrize("service", SERVICES)
def test_api_listens_in_the_container_and_is_published_on_loopback(
    services: dict[str, dict[str, Any]], service: str
) -> None:
    prefix = env_prefix(service)
    entry = services[f"{service}-api"]
    env = environment(entry)
    port = int(env[f"{prefix}API_PORT"])
    assert env[f"{prefix}API_HOST"] == "0.0.0.0", "inside a container 127.0.0.1 is unreachable"
    default_port = settings_class(service).model_fields["api_port"].default
    assert published_ports(entry) == [(LOOPBACK, default_port, port)]
    assert f":{port}/healthz" in healthcheck_text(entry)
    for role in set(roles_of(service)) - {"api"}:
        other = f"{service}-{role}"
        assert not published_ports(services[other]), f"{other} serves no HTTP"


def test_every_published_port_is_on_loopback_and_unique(
    services: dict[str, dict[str, Any]],
) -> None:
    seen: dict[int, str] = {}
    for name, entry in services.items():
        for host_ip, published, _ in published_ports(entry):
            assert host_ip == LOOPBACK, f"{name} publishes port {published} beyond loopback"
            assert seen.setdefault(published, name) == name, f"{name} and {seen[published]}"
