"""Run a throw-away PostgreSQL server (initdb in a temp dir, loopback only), without Docker."""

from __future__ import annotations

import argparse
import json
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

SERVICE_USER = "passerelle-pg"
STATE_FILE = "postgres.json"
SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
}


class PostgresLaunchError(RuntimeError):
    """The server binaries are missing or the server could not be started."""


def _has_server(bindir: Path) -> bool:
    return all((bindir / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres"))


def find_bindir() -> Path | None:
    """Locate the server binaries: `pg_config --bindir`, newest /usr/lib/postgresql, PATH."""
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=False)
        if out.returncode == 0 and _has_server(Path(out.stdout.strip())):
            return Path(out.stdout.strip())

    def version(path: Path) -> tuple[int, ...]:
        return tuple(int(n) for n in re.findall(r"\d+", path.parent.name))

    debian = [p for p in Path("/usr/lib/postgresql").glob("*/bin") if _has_server(p)]
    if debian:
        return max(debian, key=version)
    initdb = shutil.which("initdb")
    if initdb and _has_server(Path(initdb).resolve().parent):
        return Path(initdb).resolve().parent
    return None


def _is_root() -> bool:
    return os.geteuid() == 0


def unavailable_reason() -> str | None:
    """Explain why a local server cannot be launched here, or return None when it can."""
    if find_bindir() is not None:
        return None
    if _is_root() and shutil.which("apt-get"):
        return None  # start() installs Debian's postgresql package
    return "no PostgreSQL server binaries (initdb/pg_ctl/postgres) and cannot install them"


def install_server() -> Path:
    """Install Debian's `postgresql` package (root only) and return its binaries directory."""
    if not _is_root() or not shutil.which("apt-get"):
        raise PostgresLaunchError(unavailable_reason() or "cannot install PostgreSQL")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update"], ["apt-get", "install", "-y", "postgresql"]):
        subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    bindir = find_bindir()
    if bindir is None:
        raise PostgresLaunchError("postgresql installed but no server binaries were found")
    return bindir


def service_user() -> pwd.struct_passwd | None:
    """Return the account to run the server as when we are root (None when not root)."""
    if not _is_root():
        return None
    for name in ("postgres", SERVICE_USER):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    flags = ["--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin"]
    subprocess.run(["useradd", *flags, SERVICE_USER], check=True)
    return pwd.getpwnam(SERVICE_USER)


def free_port() -> int:
    """Return a currently free TCP port on the loopback interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _run_as(
    user: pwd.struct_passwd | None, cmd: list[str], cwd: Path, *, detach: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run a server tool, as `user` when given (initdb and pg_ctl refuse to run as root)."""
    uid = gid = None
    if user is not None:
        uid, gid = user.pw_uid, user.pw_gid
    return subprocess.run(
        cmd,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        start_new_session=detach,
        user=uid,
        group=gid,
        extra_groups=[] if user is not None else None,
    )


class PostgresCluster:
    """A disposable PostgreSQL cluster living in a fresh temporary directory."""

    def __init__(self, base_dir: Path | None = None, port: int | None = None) -> None:
        self.base_dir = base_dir
        self.port = port
        self.dir: Path | None = None
        self._bindir: Path | None = None
        self._user = service_user()

    @property
    def url(self) -> str:
        """Return the SQLAlchemy asyncpg URL of the `postgres` database."""
        if self.port is None:
            raise PostgresLaunchError("the cluster is not started")
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self, timeout: int = 60) -> None:
        """Create the cluster (installing the server if needed as root) and start it."""
        if self.dir is not None:
            return
        self._bindir = find_bindir() or install_server()
        self.dir = Path(tempfile.mkdtemp(prefix="passerelle-pg-", dir=self.base_dir)).resolve()
        if self._user is not None:
            os.chown(self.dir, self._user.pw_uid, self._user.pw_gid)
        try:
            self._initdb()
            attempts = 1 if self.port is not None else 3
            for attempt in range(attempts):
                port = self.port or free_port()
                proc = self._pg_ctl("start", "-w", "-t", str(timeout), "-o", f"-p {port}")
                if proc.returncode == 0:
                    self.port = port
                    return
                if attempt == attempts - 1:
                    raise PostgresLaunchError(f"postgres did not start:\n{self.log_tail()}")
        except BaseException:
            self._cleanup()
            raise

    def stop(self) -> None:
        """Stop the server (fast shutdown) and delete its directory."""
        if self.dir is None:
            return
        if (self.dir / "data" / "postmaster.pid").exists():
            self._pg_ctl("stop", "-m", "fast", "-w")
        self._cleanup()

    def is_running(self) -> bool:
        """Tell whether the server answers `pg_ctl status`."""
        return self.dir is not None and self._pg_ctl("status").returncode == 0

    def log_tail(self, lines: int = 30) -> str:
        """Return the last lines of the server log."""
        log = self.dir / "postgres.log" if self.dir else None
        if log is None or not log.exists():
            return ""
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])

    def state(self) -> dict[str, object]:
        """Return what `attach` needs to find this cluster again (for the CLI)."""
        return {"dir": str(self.dir), "port": self.port, "bindir": str(self._bindir)}

    @classmethod
    def attach(cls, state: dict[str, object]) -> PostgresCluster:
        """Rebuild a handle on a cluster started by another process."""
        cluster = cls(port=int(str(state["port"])))
        cluster.dir = Path(str(state["dir"]))
        cluster._bindir = Path(str(state["bindir"]))
        return cluster

    def _initdb(self) -> None:
        assert self.dir is not None
        assert self._bindir is not None
        cmd = [str(self._bindir / "initdb"), "-D", str(self.dir / "data")]
        proc = _run_as(
            self._user, [*cmd, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"], self.dir
        )
        if proc.returncode != 0:
            raise PostgresLaunchError(f"initdb failed:\n{proc.stdout}{proc.stderr}")
        settings = {**SETTINGS, "unix_socket_directories": f"'{self.dir}'"}
        with (self.dir / "data" / "postgresql.conf").open("a") as conf:
            conf.write("\n# passerelle test settings\n")
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())

    def _pg_ctl(self, *args: str) -> subprocess.CompletedProcess[str]:
        assert self.dir is not None
        assert self._bindir is not None
        cmd = [str(self._bindir / "pg_ctl"), "-D", str(self.dir / "data")]
        cmd += ["-l", str(self.dir / "postgres.log"), *args]
        return _run_as(self._user, cmd, self.dir, detach=True)

    def _cleanup(self) -> None:
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None


def main(argv: list[str] | None = None) -> int:
    """Command line: start | stop."""
    parser = argparse.ArgumentParser(prog="python -m deploy.local.postgres", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    start = sub.add_parser("start", help="start a server in the background and print its URL")
    start.add_argument("--port", type=int, default=None)
    start.add_argument("--dir", type=Path, default=Path(".local/postgres"))
    stop = sub.add_parser("stop", help="stop the server started with `start` and delete it")
    stop.add_argument("--dir", type=Path, default=Path(".local/postgres"))
    args = parser.parse_args(argv)
    state_path: Path = args.dir / STATE_FILE
    previous = json.loads(state_path.read_text()) if state_path.exists() else None
    if args.command == "start":
        if previous is not None and PostgresCluster.attach(previous).is_running():
            print(PostgresCluster.attach(previous).url)
            return 0
        cluster = PostgresCluster(port=args.port)
        try:
            cluster.start()
        except PostgresLaunchError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        args.dir.mkdir(parents=True, exist_ok=True)
        state_path.write_text(json.dumps(cluster.state()))
        print(cluster.url)
        return 0
    if previous is None:
        print(f"no PostgreSQL state in {args.dir}", file=sys.stderr)
        return 0
    PostgresCluster.attach(previous).stop()
    state_path.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
