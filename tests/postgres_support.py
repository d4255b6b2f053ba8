"""A real PostgreSQL server for the tests: Debian's postgresql package, started in a temporary folder.

``initdb`` refuses to run as root (as CI and these machines do), so the server's folder belongs to the
unprivileged user ``nobody`` and its programs run through ``runuser``. The server listens on 127.0.0.1 on
a free port (its unix socket in the temporary folder), with fsync off: a test server, not a store. It
fails, never skips, when it cannot start: `make test` installs the package.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.browser_support import free_port

SUPERUSER = "hiap"


def postgres_bin() -> Path:
    """The newest installed PostgreSQL's programs folder (Debian: /usr/lib/postgresql/<major>/bin)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if not found:
        pytest.fail("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): `make test` installs "
                    "Debian's postgresql package; or run `apt-get install postgresql`.")
    return Path(found[-1]).parent


@dataclass
class PostgresServer:
    """A running test server: ``url(database)`` for SQLAlchemy, ``new_database()`` for a fresh one per test."""

    host: str
    port: int
    folder: Path
    databases: list[str] = field(default_factory=list)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{SUPERUSER}@{self.host}:{self.port}/{database}"

    def connect(self, database: str = "postgres"):  # noqa: ANN201 - a psycopg connection
        import psycopg

        return psycopg.connect(host=self.host, port=self.port, user=SUPERUSER, dbname=database, autocommit=True)

    def new_database(self) -> str:
        """A new empty database; returns its SQLAlchemy URL."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        with self.connect() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.databases.append(name)
        return self.url(name)


def _as_owner(command: list[str]) -> list[str]:
    """Run as nobody when we are root (initdb and postgres refuse root)."""
    return ["runuser", "-u", "nobody", "--", *command] if os.geteuid() == 0 else command


@contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """Start a throwaway PostgreSQL server; stop it and remove its folder on exit."""
    bindir = postgres_bin()
    folder = Path(tempfile.mkdtemp(prefix="hiap-pg-"))  # under /tmp: pytest's tmp folders are root-only
    data, log = folder / "data", folder / "server.log"
    if os.geteuid() == 0:
        shutil.chown(folder, "nobody", "nogroup")
    port = free_port()
    env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}

    def run(*args: str) -> None:
        done = subprocess.run(_as_owner([str(bindir / args[0]), *args[1:]]), capture_output=True, text=True,
                              env=env, cwd=folder, timeout=120)
        if done.returncode != 0:
            detail = (done.stderr or done.stdout).strip()[-2000:]
            if log.exists():
                detail += "\n--- server log ---\n" + log.read_text(errors="replace")[-2000:]
            pytest.fail(f"PostgreSQL could not start ({args[0]} exited {done.returncode}):\n{detail}")

    started = False
    try:
        run("initdb", "-D", str(data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--no-sync")
        run("pg_ctl", "-D", str(data), "-l", str(log), "-w", "-t", "60", "-o",
            f"-h 127.0.0.1 -p {port} -k {folder} -F -c max_connections=60", "start")
        started = True
        yield PostgresServer("127.0.0.1", port, folder)
    finally:
        if started:
            subprocess.run(_as_owner([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
                           capture_output=True, cwd=folder, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)
