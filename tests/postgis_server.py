"""A throwaway PostgreSQL cluster with PostGIS for the tests: `initdb` and `pg_ctl` from
Debian's packages (installed by tests/run.sh), its data in a temporary folder, listening on
a free loopback port, with no init system. As root, the cluster runs as the `postgres` user
(PostgreSQL refuses to run as root). It trusts loopback connections: it holds test data
only and is deleted at the end.

If it cannot start, the tests that need it FAIL with the reason (never skip)."""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from gunicorn_server import free_port


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


def _has_postgis(bin_dir: Path) -> bool:
    version = bin_dir.parent.name
    return bool(glob.glob(f"/usr/share/postgresql/{version}/extension/postgis.control"))


class PostgisCluster:
    """Start with start(); `url(db)` is a postgresql:// URL for a database; stop() ends it
    and deletes its folder."""

    def __init__(self):
        self.bin = _bin_dir()
        self.port = free_port()
        self.folder: Path | None = None
        self.user = "postgres" if os.geteuid() == 0 else None

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.user:  # PostgreSQL never runs as root
            command = ["runuser", "-u", self.user, "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                              cwd="/")

    def start(self) -> None:
        if self.bin is None:
            raise RuntimeError("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/"
                               "pg_ctl): bash tests/run.sh installs postgresql and postgis")
        if not _has_postgis(self.bin):
            raise RuntimeError(f"PostGIS is not installed for PostgreSQL {self.bin.parent.name}"
                               ": bash tests/run.sh installs it (apt-get install postgis)")
        self.folder = Path(tempfile.mkdtemp(prefix="frontlines-pg-", dir="/tmp"))
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)
        data = self.folder / "data"
        done = self._run("initdb", "-D", str(data), "-U", "postgres", "--auth=trust",
                         "-E", "UTF8", "--locale=C.UTF-8")
        if done.returncode:
            raise RuntimeError(f"initdb failed: {done.stderr[-2000:]}")
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} " \
                  "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        done = self._run("pg_ctl", "-D", str(data), "-l", str(self.folder / "server.log"),
                         "-o", options, "-w", "-t", "60", "start")
        if done.returncode:
            log = (self.folder / "server.log")
            raise RuntimeError(f"pg_ctl start failed: {done.stderr[-1000:]} "
                               f"{log.read_text()[-2000:] if log.exists() else ''}")

    def create_database(self, name: str) -> str:
        """A new database with the postgis extension; its URL."""
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        with psycopg.connect(self.url(name), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        return self.url(name)

    def url(self, db: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{db}"

    def stop(self) -> None:
        if self.folder is None:
            return
        if (self.folder / "data" / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None

