"""A throwaway PostgreSQL server for the tests: a fresh cluster in a temporary directory.

The cluster is made with Debian's ``initdb`` and driven by ``pg_ctl``, listening only on the
loopback address on a free port, with its Unix socket inside the temporary directory so nothing
outside it is touched. PostgreSQL refuses to run as root, so when the tests run as root (as in
CI) every server command runs as the ``postgres`` system user through ``runuser``.

Nothing is skipped: when the server programs are missing, :class:`PostgresServer` raises
:class:`PostgresUnavailable` with the command that installs them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["PostgresServer", "PostgresUnavailable", "find_server_bin"]

_INSTALL_HINT = (
    "install Debian's PostgreSQL server ('apt-get install -y postgresql'), or point "
    "HYPERGRAPH_PG_BIN at the folder holding initdb and pg_ctl"
)


class PostgresUnavailable(RuntimeError):
    """The PostgreSQL server programs cannot be found or refuse to start."""


# Stops the server when the process that started it dies without cleaning up (a test run killed
# by a timeout or SIGKILL), and exits by itself once the cluster's folder is removed.
_WATCHDOG = """
import os, shutil, subprocess, sys, time
parent, root, command = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
while os.path.exists(root):
    try:
        os.kill(parent, 0)
    except ProcessLookupError:
        subprocess.run(command, capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)
        break
    time.sleep(1)
"""


def find_server_bin() -> Path:
    """The folder holding ``initdb`` and ``pg_ctl`` (newest Debian version first)."""
    override = os.environ.get("HYPERGRAPH_PG_BIN")
    candidates = [Path(override)] if override else []
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).parent)
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    raise PostgresUnavailable(f"no PostgreSQL server programs found: {_INSTALL_HINT}")


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PostgresServer:
    """One throwaway cluster: ``start()``, use :attr:`dsn`, ``stop()`` (also a context manager).

    ``restart()`` stops the server abruptly (``-m immediate``, like a crash) and starts it again
    on the same port, for tests of a database that goes away in the middle of a run.
    """

    def __init__(self) -> None:
        self.bin = find_server_bin()
        self.port = _free_loopback_port()
        self._root = Path(tempfile.mkdtemp(prefix="hypergraph-pg-"))
        self.data_dir = self._root / "data"
        self.socket_dir = self._root / "socket"
        self.log_file = self._root / "server.log"
        self._as_postgres = os.geteuid() == 0
        self._running = False
        self._watchdog: subprocess.Popen[bytes] | None = None

    @property
    def dsn(self) -> str:
        """A libpq connection string for the ``postgres`` database of this cluster."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _command(self, *args: str) -> list[str]:
        command = [str(self.bin / args[0]), *args[1:]]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return command

    def _run(self, *args: str) -> None:
        command = self._command(*args)
        completed = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if completed.returncode != 0:
            log = self.log_file.read_text() if self.log_file.exists() else ""
            raise PostgresUnavailable(
                f"{args[0]} failed ({completed.returncode}): {completed.stderr.strip()}\n{log}"
            )

    def start(self) -> PostgresServer:
        """Create the cluster (first time only) and start the server; wait until it accepts."""
        if not self.data_dir.exists():
            self.socket_dir.mkdir(parents=True)
            if self._as_postgres:
                shutil.chown(self._root, "postgres")
                shutil.chown(self.socket_dir, "postgres")
            self._run(
                "initdb", "-D", str(self.data_dir), "-U", "postgres", "--auth=trust",
                "--encoding=UTF8", "--no-sync",
            )  # fmt: skip
        options = (
            f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c max_connections=200"
        )
        self._run(
            "pg_ctl", "-D", str(self.data_dir), "-o", options, "-l", str(self.log_file),
            "-w", "-t", "60", "start",
        )  # fmt: skip
        self._running = True
        if self._watchdog is None:
            stop = self._command("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "stop")
            self._watchdog = subprocess.Popen(
                [sys.executable, "-c", _WATCHDOG, str(os.getpid()), str(self._root), *stop],
                start_new_session=True,  # outlives a kill of this test run's process group
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        return self

    def stop(self, *, mode: str = "fast") -> None:
        """Stop the server (``mode`` as ``pg_ctl -m``); safe to call twice."""
        if self._running:
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", mode, "-w", "stop")
            self._running = False

    def restart(self) -> None:
        """Crash the server (immediate stop) and start it again on the same port."""
        self.stop(mode="immediate")
        self.start()

    def cleanup(self) -> None:
        """Stop the server and remove its temporary directory."""
        try:
            self.stop()
        finally:
            shutil.rmtree(self._root, ignore_errors=True)
            if self._watchdog is not None:
                self._watchdog.wait(timeout=10)  # it sees the folder gone within a second

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.cleanup()
