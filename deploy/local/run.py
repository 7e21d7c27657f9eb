"""The whole system on one machine: a local Kafka, every service on SQLite, demo data."""

from __future__ import annotations

import argparse
import base64
import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from deploy.local import demo
from deploy.local.kafka import KafkaBroker, free_ports, libs_dir, port_in_use
from shared.auth import DEV_JWT_SECRET

SERVICES = {
    "intake": 8001,
    "casework": 8002,
    "notifications": 8004,
    "housing": 8005,
    "audit": 8006,
}
FAKE_SMS_PORT = 8090
CONSOLE_PORT = 8000


def dev_secrets(local: Path) -> dict[str, str]:
    """Development-only secrets, made once and kept in .local/ (never in git)."""
    path = local / "dev-secrets.json"
    secrets = json.loads(path.read_text()) if path.exists() else {}
    for name in ("master_key", "notifications_key"):
        secrets.setdefault(name, base64.b64encode(os.urandom(32)).decode())
    path.write_text(json.dumps(secrets))
    path.chmod(0o600)
    return {str(k): str(v) for k, v in secrets.items()}


def service_env(
    name: str, urls: dict[str, str], bootstrap: str, local: Path, secrets: dict[str, str]
) -> dict[str, str]:
    """The environment of one service: its own SQLite file, the local broker, the dev
    secrets, intake's key store, and (notifications) the local fake SMS provider."""
    prefix = f"{name.upper()}_"
    env = {
        **os.environ,
        f"{prefix}DATABASE_URL": f"sqlite+aiosqlite:///{local / 'data' / name}.db",
        f"{prefix}KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        f"{prefix}API_PORT": urls[name].rsplit(":", 1)[1],
        f"{prefix}DEVELOPMENT": "true",  # allows the secrets published in the repository
        f"{prefix}AUTH__JWT_SECRET": DEV_JWT_SECRET,
        f"{prefix}LOG_JSON": "true",
        f"{prefix}KEY_STORE__URL": urls["intake"],
        # where each service makes its checkpoint key once, and audit finds their public halves
        f"{prefix}CHECKPOINT__DEV_KEY_DIR": str(local / "keys"),
    }
    if name == "intake":
        env["INTAKE_MASTER_KEY"] = secrets["master_key"]
    if name == "notifications":
        env["NOTIFICATIONS_SECRET_KEY"] = secrets["notifications_key"]
        env["NOTIFICATIONS_PROVIDER"] = "twilio"
        env["NOTIFICATIONS_TWILIO__BASE_URL"] = urls["fake-sms"]
        env["NOTIFICATIONS_PUBLIC_URL"] = urls["notifications"]
    return env


def console_env(urls: dict[str, str], local: Path) -> dict[str, str]:
    """The console's environment: its own SQLite file and the services' URLs."""
    return {
        **os.environ,
        "CONSOLE_DATABASE_URL": f"sqlite+aiosqlite:///{local / 'data' / 'console'}.db",
        "CONSOLE_API_PORT": urls["console"].rsplit(":", 1)[1],
        "CONSOLE_DEVELOPMENT": "true",  # the demo users' sign-in page
        "CONSOLE_AUTH__JWT_SECRET": DEV_JWT_SECRET,
        "CONSOLE_LOG_JSON": "true",
        **{f"CONSOLE_{name.upper()}_URL": urls[name] for name in SERVICES},
    }


def start_fake_sms(port: int, local: Path) -> subprocess.Popen[bytes]:
    """The local fake SMS provider: it records every message in .local/sms/messages.jsonl."""
    (local / "sms").mkdir(exist_ok=True)
    sink = (local / "logs" / "fake-sms.log").open("ab")
    command = [sys.executable, "-m", "deploy.local.fake_sms", "--port", str(port)]
    command += ["--record", str(local / "sms" / "messages.jsonl")]
    return subprocess.Popen(
        command, stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
    )


def start_service(
    name: str, env: dict[str, str], logs: Path, mode: str = "all"
) -> subprocess.Popen[bytes]:
    """`python -m services.<name> all`, logging to .local/logs/<name>.log."""
    sink = (logs / f"{name}.log").open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", f"services.{name}", mode],
        env=env,
        stdout=sink,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )


class ServiceDidNotStart(RuntimeError):
    """A service exited, or did not become ready in time."""


def wait_ready(name: str, url: str, process: subprocess.Popen[bytes], timeout: float = 120) -> None:
    """Poll /readyz until the service says it is ready."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServiceDidNotStart(f"{name} stopped (exit {process.returncode}); see its log")
        try:
            if httpx.get(f"{url}/readyz", timeout=3).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise ServiceDidNotStart(f"{name} not ready after {timeout}s; see its log")


def pick_port(preferred: int) -> int:
    """The preferred port when free, else any free loopback port."""
    return preferred if not port_in_use(preferred) else free_ports(1)[0]


def main(argv: list[str] | None = None) -> int:
    """Start everything, print where to look, and stop everything on Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m deploy.local.run")
    parser.add_argument("--local-dir", type=Path, default=Path(".local"))
    args = parser.parse_args(argv)
    local = args.local_dir.resolve()
    for sub in ("data", "logs"):
        (local / sub).mkdir(parents=True, exist_ok=True)
    secrets = dev_secrets(local)
    # the broker refuses connections until it is up: that is expected, not worth a line each
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    broker = _start_kafka(local)
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        try:
            urls = _start_services(broker.bootstrap, local, secrets, processes)
            say("Entering the demo data through the services' APIs...")
            made = demo.seed(local, urls)
        except (ServiceDidNotStart, demo.DemoFailed, httpx.HTTPError) as exc:
            print(f"{exc} (logs in {local / 'logs'})", file=sys.stderr)
            return 1
        say(demo.welcome(urls, broker.bootstrap, made, local))
        _wait_for_stop(processes)
    finally:
        _stop(processes)
        broker.stop()
    return 0


def say(text: str) -> None:
    """A line of progress for the person at the terminal."""
    print(text, flush=True)


def _start_kafka(local: Path) -> KafkaBroker:
    """Start the broker, saying what takes time: the jars' first fetch, then the start."""
    if not libs_dir().is_dir():
        say("Kafka's jars are not cached yet: Maven fetches them first (once).")
    broker = KafkaBroker(local / "kafka", port=pick_port(9092))
    say(f"Starting Kafka on {broker.bootstrap}...")
    started = time.monotonic()
    broker.start()
    say(f"Kafka is up ({time.monotonic() - started:.0f} s). Starting the services...")
    return broker


def _start_services(
    bootstrap: str,
    local: Path,
    secrets: dict[str, str],
    processes: dict[str, subprocess.Popen[bytes]],
) -> dict[str, str]:
    ports = {name: pick_port(preferred) for name, preferred in SERVICES.items()}
    ports["fake-sms"] = pick_port(FAKE_SMS_PORT)
    ports["console"] = pick_port(CONSOLE_PORT)
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    processes["fake-sms"] = start_fake_sms(ports["fake-sms"], local)
    for name in SERVICES:
        env = service_env(name, urls, bootstrap, local, secrets)
        processes[name] = start_service(name, env, local / "logs")
    for name in SERVICES:
        wait_ready(name, urls[name], processes[name])
    processes["console"] = start_service("console", console_env(urls, local), local / "logs", "api")
    wait_ready("console", urls["console"], processes["console"])
    return urls


def _wait_for_stop(processes: dict[str, subprocess.Popen[bytes]]) -> None:
    stopping = False

    def request_stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    while not stopping:
        dead = [name for name, p in processes.items() if p.poll() is not None]
        if dead:
            print(
                f"{', '.join(dead)} stopped unexpectedly; see .local/logs/. Stopping.", flush=True
            )
            return
        time.sleep(0.5)
    print("\nStopping...", flush=True)


def _stop(processes: dict[str, subprocess.Popen[bytes]]) -> None:
    for process in processes.values():
        if process.poll() is None:
            process.terminate()
    for process in processes.values():
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


if __name__ == "__main__":
    raise SystemExit(main())
