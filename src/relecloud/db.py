"""The database: engine, sessions, migrations and the SQLite write-lock recipe."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from relecloud.errors import ConfigError, DatabaseUnavailable

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).parent / "migrations"


def _normalise_url(url: str) -> str:
    if url.startswith(("postgres://", "postgresql://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" hook emit BEGIN itself (pysqlite's own is broken).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_begin(conn: Connection) -> None:
    # Writers take the write lock up front: no SQLITE_BUSY on a read->write upgrade.
    immediate = conn.get_execution_options().get("relecloud_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """One engine plus a read and a write session factory."""

    def __init__(self, url: str, is_down: Callable[[], bool] = lambda: False) -> None:
        self.url = _normalise_url(url)
        self.is_down = is_down
        if self.url.startswith("sqlite"):
            self.engine: Engine = create_engine(
                self.url, connect_args={"timeout": 30, "check_same_thread": False}
            )
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin)
        elif self.url.startswith("postgresql"):
            self.engine = create_engine(self.url, pool_size=20, max_overflow=40, pool_pre_ping=True)
        else:
            raise ConfigError(
                f"RELECLOUD_DATABASE_URL must be sqlite:/// or postgresql://, got {self.url!r}"
            )
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(
            self.engine.execution_options(relecloud_write=True), expire_on_commit=False
        )
        # SQLite has one writer at a time. A writer that finds the lock taken sleeps in
        # SQLite's busy handler (1, 2, 5 ... 100 ms steps) and misses the moment it is
        # freed; queueing this process's writers on a Python lock hands the write lock
        # over at once. BEGIN IMMEDIATE still guards against other processes.
        self._writers = threading.RLock() if self.url.startswith("sqlite") else None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def _check(self) -> None:
        if self.is_down():
            raise DatabaseUnavailable("database outage (injected fault)")

    @contextmanager
    def read(self, control_plane: bool = False) -> Iterator[Session]:
        """A session for queries; nothing is committed. ``control_plane`` reads (fault
        administration) ignore an injected outage so faults can always be cleared."""
        if not control_plane:
            self._check()
        try:
            with self._read() as session:
                yield session
        except OperationalError as exc:
            raise DatabaseUnavailable(f"database error: {exc.orig}") from exc

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction: committed on success, rolled back on any exception."""
        self._check()
        if self._writers is None:
            with self._transaction() as session:
                yield session
            return
        with self._writers, self._transaction() as session:
            yield session

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        try:
            with self._write() as session, session.begin():
                yield session
        except OperationalError as exc:
            raise DatabaseUnavailable(f"database error: {exc.orig}") from exc

    def ping(self) -> None:
        self._check()
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except OperationalError as exc:
            raise DatabaseUnavailable(f"database error: {exc.orig}") from exc

    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision."""
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        with self.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
        log.info("database migrated", extra={"dialect": self.dialect})

    def dispose(self) -> None:
        self.engine.dispose()
