"""Engine, sessions and migrations: one unit of work is one transaction."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, create_engine

MIGRATIONS = Path(__file__).with_name("migrations")
BUSY_SECONDS = 30  # how long a SQLite writer waits for the write lock before giving up


def make_engine(url: str, **kwargs) -> Engine:
    """Create an engine; SQLite gets foreign keys, WAL and a busy timeout."""
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
            # A writer takes the write lock up front, so it waits instead of failing later.
            immediate = conn.get_execution_options().get("write", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    return create_engine(url, **kwargs)


class Database:
    """The one place sessions come from."""

    def __init__(self, engine: Engine):
        self.engine = engine
        # SQLite has one writer at a time, and a writer that finds the file locked sleeps
        # and polls (1, 2, 5 … 100 ms steps): 16 concurrent writers then wait up to a second.
        # Threads of one process queue here instead and start the moment the lock is free;
        # other processes still meet at SQLite's own lock (busy_timeout).
        self._write_lock = threading.RLock() if engine.dialect.name == "sqlite" else None

    @classmethod
    def from_url(cls, url: str) -> Database:
        return cls(make_engine(url))

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[Session]:
        """A transaction: commit when the block ends, roll back on error.

        `write=True` says the work will write: on SQLite it then waits for the write lock
        at the start instead of failing half-way when another writer got there first.
        """
        bind = self.engine.execution_options(write=write) if write else self.engine
        with ExitStack() as held:
            if write and self._write_lock is not None:
                # As long as SQLite's own busy timeout, then the same error, never a hang.
                if not self._write_lock.acquire(timeout=BUSY_SECONDS):
                    raise OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))
                held.callback(self._write_lock.release)
            with Session(bind, expire_on_commit=False) as session:
                try:
                    yield session
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise

    def ping(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except Exception:
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
