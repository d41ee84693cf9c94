"""Engine, sessions and migrations: one unit of work is one transaction."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DisconnectionError, OperationalError
from sqlmodel import Session, create_engine

from storage.driver import Driver, as_sqlalchemy_error

MIGRATIONS = Path(__file__).with_name("migrations")
BUSY_SECONDS = 30  # how long a SQLite writer waits for the write lock before giving up
IDLE_PING_SECONDS = 5.0  # a pooled connection unused this long is checked before it is used
POOL_SIZE = 20  # PostgreSQL connections kept per process (SQLAlchemy adds 10 at peaks)


def make_engine(url: str, **kwargs) -> Engine:
    """Create an engine; SQLite gets foreign keys, WAL and a busy timeout.

    A failed statement's error leaves its parameters out: they are people's texts (a need's
    description may name a patient), and errors reach the log.
    """
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": BUSY_SECONDS})
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:
            # pysqlite's own transaction handling breaks SAVEPOINT: we send BEGIN ourselves.
            dbapi_conn.isolation_level = None
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_SECONDS * 1000}")
            if ":memory:" not in url and url != "sqlite://":
                cursor.execute("PRAGMA journal_mode=WAL")
                # Standard with WAL: a commit is written but not synced; the database stays
                # consistent, and only a power loss can lose the last commits (never a crash
                # of the process). Without it every commit waits for a disk sync.
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn) -> None:
            options = conn.get_execution_options()
            if options.get("autocommit"):
                return  # each statement is its own transaction (Database.connection)
            # A writer takes the write lock up front, so it waits instead of failing later.
            begin = "BEGIN IMMEDIATE" if options.get("write") else "BEGIN"
            conn.connection.driver_connection.execute(begin)

        return engine
    # Kept open: as many as requests may be served at once. With 10, sixteen concurrent
    # requests made the pool open and close a connection every dozen requests (132 new
    # server processes in 1,600 requests), each costing PostgreSQL a fork and a login.
    kwargs.setdefault("pool_size", POOL_SIZE)
    engine = create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    """Check a pooled connection before use only if it sat idle: a server restart is found.

    `pool_pre_ping` costs a round trip on every checkout, several per request under load.
    A connection used a moment ago is trusted; if the server went away since, the statement
    fails with a disconnect, SQLAlchemy then discards every pooled connection, and the next
    request connects anew.
    """

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_conn, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check(dbapi_conn, record, _proxy) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < IDLE_PING_SECONDS:
            return  # just connected, or just used
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:  # the pool replaces the connection and tries again
            raise DisconnectionError("stale pooled connection") from exc


class Database:
    """The one place sessions come from."""

    def __init__(self, engine: Engine):
        self.engine = engine
        # SQLite has one writer at a time, and a writer that finds the file locked sleeps
        # and polls (1, 2, 5 … 100 ms steps): 16 concurrent writers then wait up to a second.
        # Threads of one process queue here instead and start the moment the lock is free;
        # other processes still meet at SQLite's own lock (busy_timeout).
        self._write_lock = threading.RLock() if engine.dialect.name == "sqlite" else None
        self._writer = engine.execution_options(write=True)
        # Each statement commits on its own: on PostgreSQL one round trip, no BEGIN and COMMIT.
        self._autocommit = engine.execution_options(
            **({"autocommit": True} if self._write_lock else {"isolation_level": "AUTOCOMMIT"})
        )
        self._autocommit_writer = self._autocommit.execution_options(write=True)

    @classmethod
    def from_url(cls, url: str) -> Database:
        return cls(make_engine(url))

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[Session]:
        """A transaction: commit when the block ends, roll back on error.

        `write=True` says the work will write: on SQLite it then waits for the write lock
        at the start instead of failing half-way when another writer got there first.
        """
        bind = self._writer if write else self.engine
        with self._writer_turn(write), Session(bind, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def connection(self, *, write: bool = False) -> Iterator[Connection]:
        """A plain connection for the one or two statements every request runs.

        Cheaper than a session (no ORM): for the replay key and a status read. Each
        statement commits on its own; on SQLite a writer takes this process's write turn.
        """
        bind = self._autocommit_writer if write else self._autocommit
        with self._writer_turn(write), bind.connect() as conn:
            yield conn
            conn.commit()

    @contextmanager
    def driver(self, *, write: bool = False) -> Iterator[Driver]:
        """The driver's own connection, for the statements every Slack request runs
        (storage/driver.py). Each statement commits on its own (on PostgreSQL one round
        trip); on SQLite a writer takes this process's write turn."""
        with self._writer_turn(write):
            dialect = self.engine.dialect
            try:
                proxy = self.engine.raw_connection()  # pooled: the idle check still applies
            except dialect.loaded_dbapi.Error as error:  # could not connect
                raise as_sqlalchemy_error(error, dialect, lost=True) from error
            postgres = self._write_lock is None
            try:
                if postgres:
                    proxy.driver_connection.autocommit = True
                yield Driver(proxy, dialect, on_disconnect=self._lost(proxy))
            finally:
                if postgres and proxy.is_valid:
                    proxy.driver_connection.autocommit = False
                proxy.close()

    def _lost(self, proxy) -> Callable[[BaseException], None]:
        def lost(error: BaseException) -> None:
            # What SQLAlchemy does on a disconnect: drop this connection and the pooled
            # ones (the server went away for all of them); the next request connects anew.
            proxy.invalidate(error)
            self.engine.dispose(close=False)

        return lost

    @contextmanager
    def transaction(self, *, write: bool = False) -> Iterator[Connection]:
        """A plain connection in one transaction: for a few statements that belong together
        on a hot path (a vote click), without the ORM. Commit at the end, roll back on error;
        `write=True` as for `session`."""
        bind = self._writer if write else self.engine
        with self._writer_turn(write), bind.begin() as conn:
            yield conn

    @contextmanager
    def _writer_turn(self, write: bool) -> Iterator[None]:
        """On SQLite, writers of this process queue here for the write lock (see __init__)."""
        if not write or self._write_lock is None:
            yield
            return
        # As long as SQLite's own busy timeout, then the same error, never a hang.
        if not self._write_lock.acquire(timeout=BUSY_SECONDS):
            raise OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))
        try:
            yield
        finally:
            self._write_lock.release()

    def ping(self) -> bool:
        """Is the database answering? A second try, because the first may meet a pooled
        connection the server dropped (the failure discards it and its like)."""
        for _attempt in range(2):
            try:
                with self.engine.connect() as conn:
                    conn.execute(text("SELECT 1"))
                return True
            except Exception:  # noqa: S112 - any failure means "not answering"
                continue
        return False

    def _alembic_config(self) -> Config:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        return config

    def upgrade(self, revision: str = "head") -> None:
        """Apply pending migrations."""
        config = self._alembic_config()
        with self.engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, revision)

    def pending_migrations(self) -> bool:
        head = ScriptDirectory.from_config(self._alembic_config()).get_current_head()
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision() != head
