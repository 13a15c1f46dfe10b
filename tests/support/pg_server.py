"""A PostgreSQL server for the tests: the one VAUDIT_TEST_PG_URL names, or a throw-away cluster.

The throw-away cluster is made with the server binaries (initdb, pg_ctl) in a temporary folder,
listens on 127.0.0.1 at a free port with trust authentication, and is stopped and removed when
the test session ends. initdb refuses to run as root, so as root it runs as the `postgres` user.
Each test gets its own database, copied from a template migrated once (CREATE DATABASE …
TEMPLATE is much quicker than running the migrations again).
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import URL, make_url

ENV_URL = "VAUDIT_TEST_PG_URL"
HOW_TO_RUN = (
    f"PostgreSQL tests skipped: set {ENV_URL}=postgresql+psycopg://USER@HOST/DB (a role that may "
    "CREATE DATABASE), or install the PostgreSQL server (initdb and pg_ctl, e.g. apt install "
    "postgresql) so the tests start a throw-away cluster themselves"
)
SUPERUSER = "vaudit_test"
START_WAIT_S = 60


class NoServer(Exception):
    """Neither a URL nor server binaries: the PostgreSQL tests are skipped with HOW_TO_RUN."""


def find_binaries() -> Path | None:
    """The folder holding initdb and pg_ctl: on PATH, else the newest /usr/lib/postgresql/N."""
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).parent
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    for folder in reversed(candidates):
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Cluster:
    """A throw-away cluster owned by this test session."""

    bindir: Path
    root: Path
    port: int
    as_user: str | None  # run the binaries as this user (we are root), else as ourselves
    started: bool = False

    @property
    def data(self) -> Path:
        return self.root / "data"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.as_user:
            command = ["runuser", "-u", self.as_user, "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=START_WAIT_S)

    def start(self) -> None:
        made = self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            SUPERUSER,
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-locale",  # byte order, as SQLite sorts: lists come out the same on both
            "--no-sync",
        )
        if made.returncode != 0:
            raise RuntimeError(f"initdb failed: {made.stderr.strip() or made.stdout.strip()}")
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            # A throw-away cluster: no need to wait for the disk.
            "-c fsync=off -c full_page_writes=off"
        )
        ran = self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-o", options, "-w",
            "-t", str(START_WAIT_S), "start",
        )  # fmt: skip
        if ran.returncode != 0:
            log = (self.root / "log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"pg_ctl start failed: {ran.stderr.strip()}\n{log}")
        self.started = True

    def stop(self) -> None:
        if self.started:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
            self.started = False
        shutil.rmtree(self.root, ignore_errors=True)

    @property
    def url(self) -> URL:
        return URL.create(
            "postgresql+psycopg",
            username=SUPERUSER,
            host="127.0.0.1",
            port=self.port,
            database="postgres",
        )


def start_cluster(bindir: Path) -> Cluster:
    as_user = None
    if os.geteuid() == 0:
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            raise RuntimeError(
                "initdb refuses to run as root and there is no `postgres` user to run it as"
            ) from None
        as_user = "postgres"
    root = Path(tempfile.mkdtemp(prefix="vaudit-pg-"))
    if as_user:
        shutil.chown(root, user=as_user)
    cluster = Cluster(bindir, root, _free_port(), as_user)
    atexit.register(cluster.stop)  # also when the session dies before its teardown
    try:
        cluster.start()
    except BaseException:
        cluster.stop()
        raise
    return cluster


@dataclass
class Server:
    """Databases for tests on one server: `admin_url` names a database to connect to."""

    admin_url: URL
    prefix: str = field(default_factory=lambda: f"vaudit_t{os.getpid()}")
    _counter: Iterator[int] = field(default_factory=itertools.count)
    _template: str | None = None

    def _admin(self):  # type: ignore[no-untyped-def]
        import psycopg

        conninfo = self.admin_url.set(drivername="postgresql").render_as_string(hide_password=False)
        return psycopg.connect(conninfo, autocommit=True)

    def url_of(self, database: str) -> str:
        return self.admin_url.set(database=database).render_as_string(hide_password=False)

    def create(self, template: str | None = None) -> str:
        """A new, empty (or template-copied) database; returns its name."""
        name = f"{self.prefix}_{next(self._counter)}"
        with self._admin() as conn:
            clause = f" TEMPLATE {template}" if template else ""
            conn.execute(f"CREATE DATABASE {name}{clause}")  # type: ignore[arg-type]
        return name

    def drop(self, name: str) -> None:
        with self._admin() as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")  # type: ignore[arg-type]

    def migrated(self) -> str:
        """A new database at the head schema revision, copied from a template migrated once."""
        if self._template is None:
            from vaudit.audits.db import open_store

            template = self.create()
            open_store(self.url_of(template)).dispose()
            self._template = template
        return self.create(template=self._template)

    @contextlib.contextmanager
    def database(self, migrated: bool = True) -> Iterator[str]:
        """A fresh database's URL for one test, dropped afterwards."""
        name = self.migrated() if migrated else self.create()
        try:
            yield self.url_of(name)
        finally:
            self.drop(name)

    def close(self) -> None:
        if self._template is not None:
            self.drop(self._template)


@contextlib.contextmanager
def server() -> Iterator[Server]:
    """The server for this session; raises NoServer when there is none to be had."""
    given = os.environ.get(ENV_URL)
    if given:
        found = Server(make_url(given.replace("postgresql://", "postgresql+psycopg://", 1)))
        try:
            yield found
        finally:
            found.close()
        return
    bindir = find_binaries()
    if bindir is None:
        raise NoServer(HOW_TO_RUN)
    cluster = start_cluster(bindir)
    try:
        yield Server(cluster.url)
    finally:
        cluster.stop()
