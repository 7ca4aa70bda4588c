"""A throwaway PostgreSQL + PostGIS cluster for the team-store tests (tests/test_pgstore.py and
tests/browser/test_replicas_browser.py).

The cluster lives in a temporary folder, started with ``/usr/lib/postgresql/15/bin/initdb`` +
``pg_ctl`` (as the ``postgres`` user when running as root: PostgreSQL refuses to run as root;
Debian package ``postgresql-15-postgis-3``), listening on a Unix socket only, with password
authentication. Where it cannot be started the tests skip saying why; with ``CI=true`` they fail.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

PG_BIN = Path("/usr/lib/postgresql/15/bin")
POSTGIS_CONTROL = Path("/usr/share/postgresql/15/extension/postgis.control")
PASSWORD = "s3cret-Pw"  # the throwaway cluster's; the tests check it is never shown


def unavailable(reason: str):
    """Skip (fail under CI=true): the database tests must run in CI."""
    message = f"no PostgreSQL/PostGIS server for the team-store tests: {reason}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + " (CI=true: failing instead of skipping)")
    pytest.skip(message)


def as_server_user(cmd: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its programs as ``postgres`` then."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


class Cluster:
    """A throwaway PostgreSQL cluster in a temporary folder, reached through a Unix socket."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="monitor-pg-"))
        self.data = self.dir / "data"
        (self.dir / "pw").write_text(PASSWORD + "\n")
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
            shutil.chown(self.dir / "pw", "postgres")
        self._run(PG_BIN / "initdb", "-D", self.data, "-U", "monitor", "--auth=scram-sha-256",
                  f"--pwfile={self.dir / 'pw'}", "-E", "UTF8", "--locale=C.UTF-8")
        self.start()

    def _run(self, *cmd) -> None:
        done = subprocess.run(as_server_user([str(c) for c in cmd]), capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{cmd[0]} failed: {done.stdout[-2000:]} {done.stderr[-2000:]}")

    def start(self) -> None:
        opts = f"-c listen_addresses='' -c unix_socket_directories={self.dir} -c fsync=off"
        self._run(PG_BIN / "pg_ctl", "-D", self.data, "-l", self.dir / "log", "-o", opts, "-w", "start")

    def stop(self) -> None:
        self._run(PG_BIN / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://monitor:{PASSWORD}@/{dbname}?host={self.dir}"

    def remove(self) -> None:
        try:
            self._run(PG_BIN / "pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def admin(url: str):
    """An autocommit connection (CREATE/DROP DATABASE)."""
    import psycopg

    return psycopg.connect(url, autocommit=True, connect_timeout=10)


def secret(url: str) -> str:
    """The password a URL carries (the tests check it is never shown)."""
    import psycopg.conninfo

    return str(psycopg.conninfo.conninfo_to_dict(url).get("password") or "")


@contextlib.contextmanager
def throwaway_cluster(template: str | None = "monitor_template"):
    """A started :class:`Cluster` (removed at the end), with database ``template`` holding PostGIS.

    Skips (fails with ``CI=true``) when no cluster can be started here, saying why.
    """
    if not (PG_BIN / "initdb").exists():
        unavailable(f"{PG_BIN / 'initdb'} not found (apt-get install postgresql-15-postgis-3)")
    if not POSTGIS_CONTROL.exists():
        unavailable("PostGIS is not installed (apt-get install postgresql-15-postgis-3)")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        unavailable("running as root without runuser to start PostgreSQL as the postgres user")
    try:
        cluster = Cluster()
    except (RuntimeError, OSError, KeyError, LookupError) as exc:
        unavailable(f"the throwaway cluster did not start ({exc})")
    try:
        if template:
            with admin(cluster.url()) as conn:  # PostGIS once, copied into each test's database (fast)
                conn.execute(f'CREATE DATABASE "{template}"')  # a name made here, not user input
            with admin(cluster.url(template)) as conn:
                conn.execute("CREATE EXTENSION postgis")
        yield cluster
    finally:
        cluster.remove()
