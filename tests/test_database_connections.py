"""Pooled PostgreSQL connections: checked only after sitting idle, replaced when the server
dropped them, and plain connections for the statements every request runs."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from storage import db as storage_db
from storage.db import Database
from storage.driver import DriverStatement


def backend_pid(conn) -> int:
    return conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()


def drop_backend(postgres_url: str, pid: int) -> None:
    """What a server restart does to a pooled connection, without restarting the server."""
    engine = sa.create_engine(postgres_url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    engine.dispose()


@pytest.fixture
def pg(postgres_url):
    database = Database.from_url(postgres_url)
    yield database
    database.engine.dispose()


def test_an_idle_connection_the_server_dropped_is_replaced_unnoticed(pg, postgres_url, monkeypatch):
    with pg.connection() as conn:
        dropped = backend_pid(conn)
    drop_backend(postgres_url, dropped)
    monkeypatch.setattr(storage_db, "IDLE_PING_SECONDS", 0.0)  # it has been idle long enough
    with pg.connection() as conn:
        assert backend_pid(conn) != dropped  # checked, found dead, replaced: no error


def test_a_dropped_busy_connection_fails_once_then_the_pool_connects_anew(pg, postgres_url):
    with pg.connection() as conn:
        dropped = backend_pid(conn)
    drop_backend(postgres_url, dropped)
    with pytest.raises(DBAPIError) as failure, pg.connection() as conn:
        backend_pid(conn)  # just used, so not checked: the statement meets the dead link
    assert failure.value.connection_invalidated
    with pg.connection() as conn:
        assert backend_pid(conn) != dropped
    assert pg.ping()


def test_statements_on_a_plain_connection_commit_on_their_own(pg):
    with pg.connection(write=True) as conn:
        conn.execute(sa.text("CREATE TEMP TABLE probe (n int)"))
        conn.execute(sa.text("INSERT INTO probe VALUES (1)"))
        assert conn.execute(sa.text("SELECT count(*) FROM probe")).scalar_one() == 1
        status = conn.connection.driver_connection.info.transaction_status
        assert status == 0  # psycopg's IDLE: no transaction left open between statements


PID = DriverStatement("SELECT pg_backend_pid()")


def test_a_dropped_connection_under_the_driver_fails_once_as_sqlalchemy_would(pg, postgres_url):
    with pg.driver() as driver, pg.connection() as conn:  # two pooled connections
        (dropped,) = driver.first(PID)
        other = backend_pid(conn)
    drop_backend(postgres_url, dropped)
    drop_backend(postgres_url, other)
    with pytest.raises(DBAPIError) as failure, pg.driver() as driver:
        driver.first(PID)
    assert failure.value.connection_invalidated  # told to the person like any outage
    with pg.driver() as driver, pg.connection() as conn:
        assert driver.first(PID)[0] not in (dropped, other)
        assert backend_pid(conn) not in (dropped, other)  # the whole pool was replaced


@pytest.fixture
def probe_table(pg):
    with pg.connection(write=True) as conn:
        conn.execute(sa.text("CREATE TABLE driver_probe (n int)"))
    yield
    with pg.connection(write=True) as conn:
        conn.execute(sa.text("DROP TABLE driver_probe"))


def test_driver_statements_commit_on_their_own_and_leave_the_connection_as_it_was(pg, probe_table):
    with pg.driver(write=True) as driver:
        connection = driver.connection.driver_connection
        assert driver.first(DriverStatement("INSERT INTO driver_probe VALUES (:n)"), n=1) is None
        assert connection.info.transaction_status == 0  # psycopg's IDLE: nothing left open
    assert connection.autocommit is False  # back in the pool as Core and the ORM expect it
    with pytest.raises(RuntimeError), pg.session(write=True) as session:
        session.execute(sa.text("INSERT INTO driver_probe VALUES (2)"))
        raise RuntimeError("half-way")  # a transaction again: its insert is rolled back
    with pg.driver() as driver:
        assert driver.first(DriverStatement("SELECT count(*) FROM driver_probe")) == (1,)


def test_sixteen_requests_at_once_keep_their_connections_for_the_next_ones(pg):
    from contextlib import ExitStack

    with ExitStack() as held:
        pids = {held.enter_context(pg.driver()).first(PID)[0] for _ in range(16)}
    assert pg.engine.pool.checkedin() == 16  # none closed on return: no new logins next time
    with ExitStack() as held:
        again = {held.enter_context(pg.driver()).first(PID)[0] for _ in range(16)}
    assert again == pids
