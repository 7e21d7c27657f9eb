"""Running real service processes for end-to-end tests."""

from __future__ import annotations

import base64
import contextlib
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from deploy.local.run import wait_ready
from shared.auth import DEV_JWT_SECRET, mint_token
from tests.integration.fake_sms_process import FakeSmsProcess

MASTER_KEY = base64.b64encode(os.urandom(32)).decode()
SECRET_KEY = base64.b64encode(os.urandom(32)).decode()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def token(org: str, *roles: str, user: str = "tester") -> dict[str, str]:
    """Authorization header for a user of `org` with `roles`."""
    return {
        "Authorization": f"Bearer {mint_token(DEV_JWT_SECRET, user_id=user, org=org, roles=roles)}"
    }


def a_noon_ahead() -> datetime:
    """Noon in Paris a week or so ahead of the real clock, with no change of clocks in the
    three days after it: a notifications clock started there is out of quiet hours, and
    appointments counted from it are ahead of casework's (real) clock."""
    paris = ZoneInfo("Europe/Paris")
    day = datetime.now(UTC).astimezone(paris).date() + timedelta(days=7)
    while True:
        noon = datetime.combine(day, time(12), tzinfo=paris)
        if noon.utcoffset() == (noon + timedelta(days=3)).utcoffset():
            return noon.astimezone(UTC)
        day += timedelta(days=1)


def sms_through(fake: FakeSmsProcess) -> dict[str, str]:
    """Notifications' environment to send through the local fake provider (Twilio's API)."""
    return {
        "NOTIFICATIONS_PROVIDER": "twilio",
        "NOTIFICATIONS_TWILIO__BASE_URL": fake.url,
        "NOTIFICATIONS_TWILIO__ACCOUNT_SID": fake.account_sid,
        "NOTIFICATIONS_TWILIO__AUTH_TOKEN": fake.auth_token,
        "NOTIFICATIONS_SEND_INTERVAL": "0.2",
    }


@dataclass
class ServiceProcess:
    """`python -m services.<name> all`, its HTTP base URL and its log file."""

    name: str
    database_url: str
    bootstrap: str
    log_dir: Path
    port: int = field(default_factory=free_port)
    extra_env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        prefix = self.name.upper() + "_"
        return {
            **os.environ,
            f"{prefix}DATABASE_URL": self.database_url,
            f"{prefix}KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
            f"{prefix}API_PORT": str(self.port),
            f"{prefix}DEVELOPMENT": "true",  # allows the development token secret
            f"{prefix}AUTH__JWT_SECRET": DEV_JWT_SECRET,
            f"{prefix}LOG_JSON": "true",
            f"{prefix}RELAY_POLL_INTERVAL": "0.2",
            **({"NOTIFICATIONS_SECRET_KEY": SECRET_KEY} if self.name == "notifications" else {}),
            **self.extra_env,
        }

    def start(self) -> None:
        env = self.environment()
        sink = (self.log_dir / f"{self.name}-{self.port}.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", f"services.{self.name}", "all"],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        self._wait_ready()

    def _wait_ready(self, timeout: float = 90) -> None:
        assert self.process is not None
        wait_ready(self.name, self.url, self.process, timeout)

    def command(self, mode: str) -> subprocess.CompletedProcess[str]:
        """Run `python -m services.<name> <mode>` once, with the service's environment."""
        return subprocess.run(
            [sys.executable, "-m", f"services.{self.name}", mode],
            env=self.environment(),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def stop(self) -> int | None:
        if self.process is None:
            return None
        self.process.terminate()
        try:
            return self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()


@contextlib.contextmanager
def running(*services: ServiceProcess) -> Iterator[None]:
    """Start the services in order, and at the end stop them in the reverse order, each
    asserted to stop cleanly (exit status 0)."""
    with contextlib.ExitStack() as stack:
        for service in services:
            service.start()
            stack.callback(_stopped_cleanly, service)
        yield


def _stopped_cleanly(service: ServiceProcess) -> None:
    assert service.stop() == 0, f"{service.name} did not stop cleanly"


def intake_and_housing(
    intake_db: str, housing_db: str, bootstrap: str, log_dir: Path, *, operator: str, suffix: str
) -> tuple[ServiceProcess, ServiceProcess]:
    """Intake, and housing run by `operator` reading intake's key store; both in consumer
    groups of their own (`suffix`), so that no other run's processes share their partitions."""
    intake = ServiceProcess(
        "intake",
        intake_db,
        bootstrap,
        log_dir,
        extra_env={"INTAKE_MASTER_KEY": MASTER_KEY, "INTAKE_CONSUMER_GROUP_SUFFIX": suffix},
    )
    housing = ServiceProcess(
        "housing",
        housing_db,
        bootstrap,
        log_dir,
        extra_env={
            "HOUSING_KEY_STORE__URL": intake.url,
            "HOUSING_OPERATOR": operator,
            "HOUSING_CONSUMER_GROUP_SUFFIX": suffix,
        },
    )
    return intake, housing
