"""Run a real single-node Apache Kafka broker (KRaft) from Maven Central jars, without Docker."""

from __future__ import annotations

import argparse
import asyncio
import base64
import collections
import concurrent.futures
import contextlib
import hashlib
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from shared.kafka import wait_for_broker

KAFKA_VERSION = "4.3.1"
HERE = Path(__file__).resolve().parent / "kafka"
POM = HERE / "pom.xml"
TEMPLATE = HERE / "server.properties.template"
LOG4J2 = HERE / "log4j2.properties"
STATE_FILE = "broker.json"
OUT_FILE = "kafka.out"


class KafkaLaunchError(RuntimeError):
    """The broker could not be fetched, formatted or started."""


def cache_dir() -> Path:
    """Return the cache root: $PASSERELLE_CACHE or ~/.cache/passerelle."""
    return Path(os.environ.get("PASSERELLE_CACHE") or Path.home() / ".cache" / "passerelle")


def libs_dir() -> Path:
    """Return the directory holding the broker's runtime jars (may not exist yet)."""
    # keyed by the pom's content too: a changed dependency list fetches afresh
    digest = hashlib.sha256(POM.read_bytes()).hexdigest()[:12]
    return cache_dir() / f"kafka-{KAFKA_VERSION}-{digest}" / "libs"


def unavailable_reason() -> str | None:
    """Explain why a broker cannot be launched here, or return None when it can."""
    if shutil.which("java") is None:
        return "no `java` on PATH (install a JDK 17+ to run a local Kafka broker)"
    if not libs_dir().is_dir() and shutil.which("mvn") is None:
        return f"Kafka jars not cached in {libs_dir()} and no `mvn` on PATH to fetch them"
    return None


def fetch_jars() -> Path:
    """Fetch the broker runtime jars with Maven once; return the cached libs directory."""
    dest = libs_dir()
    if dest.is_dir():
        return dest
    if shutil.which("mvn") is None:
        raise KafkaLaunchError("`mvn` not found: cannot fetch the Kafka broker jars")
    dest.parent.mkdir(parents=True, exist_ok=True)
    say(
        f"Fetching Apache Kafka {KAFKA_VERSION}'s jars from Maven Central into {dest.parent}: "
        "the first time only, it can take a few minutes."
    )
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=".fetch-", dir=dest.parent) as tmp:
        work = Path(tmp)
        # Run on a copy of the POM: its plugin configuration pins the output directory under
        # ${project.build.directory}, which must not be the source tree.
        shutil.copy2(POM, work / "pom.xml")
        wanted = work / "libs"
        cmd = ["mvn", "-B", "-f", str(work / "pom.xml"), "dependency:copy-dependencies"]
        cmd.append(f"-DoutputDirectory={wanted}")
        returncode, output = _run_maven(cmd, started)
        if returncode != 0:
            raise KafkaLaunchError(f"Maven fetch failed:\n{_tail(output)}")
        candidates = (wanted, work / "target" / "kafka-libs")
        got = next((d for d in candidates if any(d.glob("kafka_2.13-*.jar"))), None)
        if got is None:
            raise KafkaLaunchError("Maven finished but no kafka_2.13 jar was copied")
        with contextlib.suppress(OSError):  # another process may have won the race
            got.rename(dest)
    if not dest.is_dir():
        raise KafkaLaunchError(f"could not install the Kafka jars into {dest}")
    say(f"Kafka's jars fetched in {time.monotonic() - started:.0f} s (kept for next time).")
    return dest


def _run_maven(cmd: list[str], started: float, every: float = 10.0) -> tuple[int, str]:
    """Run Maven, saying every `every` seconds how many files it has downloaded so far."""
    downloaded, lines = 0, collections.deque[str](maxlen=200)
    next_report = started + every
    with subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line.rstrip())
            downloaded += line.startswith("Downloaded from")
            if time.monotonic() >= next_report:
                elapsed = time.monotonic() - started
                done = f"{downloaded} files downloaded so far" if downloaded else "still resolving"
                say(f"  ... {done} ({elapsed:.0f} s)")
                next_report += every
    return proc.returncode, "\n".join(lines)


def say(text: str) -> None:
    """Tell the person at the terminal what is going on (stderr: stdout may be parsed)."""
    print(text, file=sys.stderr, flush=True)


def free_ports(count: int) -> list[int]:
    """Return `count` distinct TCP ports currently free on the loopback interface."""
    with contextlib.ExitStack() as stack:
        socks = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in socks:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in socks]


def port_in_use(port: int) -> bool:
    """Tell whether something already listens on the loopback `port`."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # ignore TIME_WAIT leftovers
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
        return False


class KafkaBroker:
    """A single-node KRaft broker process whose log lives in `data_dir`."""

    def __init__(
        self, data_dir: Path, port: int | None = None, controller_port: int | None = None
    ) -> None:
        self.data_dir = Path(data_dir).resolve()
        spare = free_ports(2)
        self.port = port or spare[0]
        self.controller_port = controller_port or spare[1]
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        """Return the bootstrap address, "127.0.0.1:PORT"."""
        return f"127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        """Return the broker's process id while it has one."""
        return self._proc.pid if self._proc is not None else None

    def is_running(self) -> bool:
        """Tell whether the broker process is alive."""
        return self._proc is not None and self._proc.poll() is None

    def start(self, timeout: float = 90) -> None:
        """Fetch jars if needed, format storage the first time, launch and wait until ready."""
        if self.is_running():
            return
        busy = [p for p in (self.port, self.controller_port) if port_in_use(p)]
        if busy:
            raise KafkaLaunchError(f"port(s) already in use on 127.0.0.1: {busy}")
        libs = fetch_jars()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        config = self._write_config()
        classpath = f"{libs}/*"
        if not (self.data_dir / "data" / "meta.properties").exists():
            self._format(classpath, config)
        cmd = ["java", "-Xmx512m", f"-Dlog4j2.configurationFile={LOG4J2}"]
        cmd += [f"-Dkafka.logs.dir={self.data_dir}", "-cp", classpath, "kafka.Kafka", str(config)]
        with (self.data_dir / OUT_FILE).open("ab") as out:
            self._proc = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.data_dir,
                start_new_session=True,
            )
        try:  # a fresh event loop in a worker thread: safe even if the caller runs a loop
            with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
                pool.submit(asyncio.run, self._await_ready(timeout)).result()
        except BaseException:
            self.kill()
            raise

    def stop(self, timeout: float = 30) -> None:
        """Stop gracefully (SIGTERM), then SIGKILL if it is still alive after `timeout`."""
        self._halt(signal.SIGTERM, timeout)

    def kill(self) -> None:
        """Kill the broker with SIGKILL (a crash, for fault tests)."""
        self._halt(signal.SIGKILL, None)

    def _halt(self, sig: signal.Signals, timeout: float | None) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        _signal_group(proc.pid, sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            _signal_group(proc.pid, signal.SIGKILL)
            proc.wait()

    def restart(self, timeout: float = 90) -> None:
        """Stop the broker if running and start it again on the same data dir and ports."""
        self.stop()
        self.start(timeout)

    def log_tail(self, lines: int = 40) -> str:
        """Return the last lines of the broker's console output and server log."""
        paths = [p for p in (self.data_dir / OUT_FILE, self.data_dir / "server.log") if p.exists()]
        return "\n".join(
            f"--- {p} ---\n{_tail(p.read_text(errors='replace'), lines)}" for p in paths
        )

    def _write_config(self) -> Path:
        text = TEMPLATE.read_text().replace("@CONTROLLER_PORT@", str(self.controller_port))
        text = text.replace("@PORT@", str(self.port)).replace("@DATA_DIR@", str(self.data_dir))
        (config := self.data_dir / "server.properties").write_text(text)
        return config

    def _format(self, classpath: str, config: Path) -> None:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        cmd = ["java", "-cp", classpath, "kafka.tools.StorageTool", "format"]
        cmd += [f"--cluster-id={cluster_id}", "-c", str(config)]  # ids may start with "-"
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise KafkaLaunchError(f"storage format failed:\n{_tail(proc.stdout + proc.stderr)}")

    async def _await_ready(self, limit: float) -> None:
        proc = self._proc
        assert proc is not None
        task = asyncio.create_task(wait_for_broker(self.bootstrap, limit))
        while not task.done():
            if proc.poll() is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
                raise KafkaLaunchError(
                    f"broker exited with code {proc.returncode}:\n{self.log_tail()}"
                )
            await asyncio.wait({task}, timeout=0.2)
        try:
            task.result()
        except TimeoutError as exc:
            raise KafkaLaunchError(f"{exc}\n{self.log_tail()}") from exc


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, sig)


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.splitlines()[-lines:])


def _is_our_broker(pid: int) -> bool:
    with contextlib.suppress(OSError):
        return b"kafka.Kafka" in Path(f"/proc/{pid}/cmdline").read_bytes()
    return False


def _cli_start(data_dir: Path, port: int) -> int:
    state_path = data_dir / STATE_FILE
    state = json.loads(state_path.read_text()) if state_path.exists() else {}
    if state.get("pid") and _is_our_broker(state["pid"]):
        print(f"127.0.0.1:{state['port']}")
        return 0
    broker = KafkaBroker(data_dir, port=port, controller_port=state.get("controller_port"))
    broker.start()
    state = {"pid": broker.pid, "port": broker.port, "controller_port": broker.controller_port}
    state_path.write_text(json.dumps(state))
    print(broker.bootstrap)
    return 0


def _cli_stop(data_dir: Path, timeout: float = 30) -> int:
    state_path = data_dir / STATE_FILE
    state = json.loads(state_path.read_text()) if state_path.exists() else {}
    pid = state.get("pid")
    if pid and _is_our_broker(pid):
        _signal_group(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _is_our_broker(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _is_our_broker(pid):
            _signal_group(pid, signal.SIGKILL)
    if state:
        state_path.write_text(json.dumps({**state, "pid": None}))  # keep ports for a restart
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command line: start | stop | fetch."""
    parser = argparse.ArgumentParser(prog="python -m deploy.local.kafka", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    start = sub.add_parser("start", help="start a broker in the background")
    start.add_argument("--port", type=int, default=9092)
    start.add_argument("--data-dir", type=Path, default=Path(".local/kafka"))
    stop = sub.add_parser("stop", help="stop the broker started with `start`")
    stop.add_argument("--data-dir", type=Path, default=Path(".local/kafka"))
    sub.add_parser("fetch", help="only fetch the broker jars into the cache")
    args = parser.parse_args(argv)
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)  # refused connections while booting
    try:
        if args.command == "start":
            return _cli_start(args.data_dir.resolve(), args.port)
        if args.command == "stop":
            return _cli_stop(args.data_dir.resolve())
        print(fetch_jars())
        return 0
    except KafkaLaunchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
