"""The local fake SMS provider (deploy/local/fake_sms.py) as a real process, for tests."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
READY = re.compile(r"fake-sms listening on (http://127\.0\.0\.1:\d+)")


class FakeSmsDidNotStart(RuntimeError):
    """The fake exited, or did not announce itself in time."""


@dataclass
class FakeSmsProcess:
    """`python -m deploy.local.fake_sms` on a port it picks; its log in `log_path`."""

    log_path: Path
    account_sid: str = "AC_test"
    auth_token: str = "secret"
    record: Path | None = None
    process: subprocess.Popen[bytes] | None = None
    url: str = ""

    def start(self, timeout: float = 30.0) -> None:
        """Start the process and wait for its "listening" line and a healthy answer."""
        command = [sys.executable, "-m", "deploy.local.fake_sms", "--port", "0"]
        command += ["--account-sid", self.account_sid, "--auth-token", self.auth_token]
        if self.record is not None:
            command += ["--record", str(self.record)]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        self.url = self._wait_announced(timeout)
        if httpx.get(f"{self.url}/_control/health", timeout=5).status_code != 200:
            raise FakeSmsDidNotStart("the fake announced itself but is not healthy")

    def _wait_announced(self, timeout: float) -> str:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = READY.search(self.log_path.read_text(errors="replace"))
            if found:
                return found.group(1)
            if self.process.poll() is not None:
                raise FakeSmsDidNotStart(f"exited with {self.process.returncode}: {self.log()}")
            time.sleep(0.05)
        raise FakeSmsDidNotStart(f"no 'listening' line within {timeout}s: {self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 15.0) -> int:
        """SIGTERM, then the exit code (killed if it does not stop in time)."""
        assert self.process is not None
        self.process.terminate()
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise

    async def control(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Call the fake's /_control/ API."""
        async with httpx.AsyncClient(base_url=f"{self.url}/_control/", timeout=10) as http:
            response = await http.request(method, path, **kwargs)
        response.raise_for_status()
        return response

    async def arm(self, kind: str, times: int = 1) -> None:
        """Make the next `times` sends fail as `kind` says."""
        await self.control("POST", "faults", json={"kind": kind, "times": times})

    async def armed(self) -> list[str]:
        """The faults still armed, in the order the next sends will meet them."""
        return list((await self.control("GET", "faults")).json()["armed"])

    async def messages(self) -> list[dict[str, Any]]:
        """Every message the fake recorded."""
        return list((await self.control("GET", "messages")).json()["messages"])

    async def clear(self) -> None:
        """Forget the recorded messages and the armed faults."""
        await self.control("DELETE", "messages")
