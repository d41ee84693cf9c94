"""The statements every Slack request runs, on the database driver's own connection.

Through SQLAlchemy each statement costs about 0.15 ms (SQLite) to 0.3 ms (PostgreSQL) of
Python before and after the database's own work: a Connection, an execution context,
result metadata. On the request path (the replay key, `/behov status 12`) that was a third
of the bot's CPU beyond Bolt's. These statements keep SQLAlchemy's pool, its column types'
own converters (so values read and written are exactly what the ORM gives; a test compares)
and its exceptions (so a database outage is told to the person as everywhere else).
"""

from __future__ import annotations

import re
from collections import namedtuple
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import ColumnElement
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DBAPIError

_PARAMETER = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")  # :name, not a ::cast


class DriverStatement:
    """Portable SQL with `:name` parameters (no colons in its literals), prepared once per
    dialect.

    `binds` names the parameters that need a type's conversion (timestamps), as columns
    (`sqlalchemy.column(name, type)` will do); `columns` are what a row holds, read back as
    a named tuple (`row.title`) with each column type's result conversion.
    """

    def __init__(self, sql: str, *, binds: dict[str, ColumnElement] | None = None, columns=()):
        self.sql = sql
        self.binds = binds or {}
        self.columns = list(columns)
        self.row = namedtuple("Row", [c.name for c in self.columns]) if self.columns else None
        self._prepared: dict[str, tuple] = {}  # by dialect: (SQL, parameter converters)
        self._readers: dict[str, Callable[[tuple], tuple]] = {}  # by dialect

    def prepare(self, dialect: Dialect) -> tuple[str, dict[str, Callable]]:
        prepared = self._prepared.get(dialect.name)
        if prepared is None:
            sql = self.sql
            if dialect.paramstyle == "pyformat":  # psycopg; sqlite3 takes :name as it is
                sql = _PARAMETER.sub(r"%(\1)s", sql.replace("%", "%%"))
            converters = {
                name: column.type.dialect_impl(dialect).bind_processor(dialect)
                for name, column in self.binds.items()
            }
            prepared = self._prepared[dialect.name] = (sql, converters)
        return prepared

    def reader(self, dialect: Dialect, cursor) -> Callable[[tuple], tuple]:
        """Turns a fetched tuple into a row; the converters depend on the driver's type codes
        (the executed cursor's description)."""
        read = self._readers.get(dialect.name)
        if read is None:
            converters = [
                column.type.dialect_impl(dialect).result_processor(dialect, field[1])
                for column, field in zip(self.columns, cursor.description, strict=True)
            ]
            make = self.row

            def read(values: tuple) -> tuple:
                return make(*[c(v) if c else v for c, v in zip(converters, values, strict=True)])

            self._readers[dialect.name] = read
        return read


class Driver:
    """One pooled driver connection: run prepared statements, raise SQLAlchemy's errors."""

    def __init__(self, connection: DBAPIConnection, dialect: Dialect, on_disconnect=None):
        self.connection = connection  # SQLAlchemy's pool proxy of the driver's connection
        self.dialect = dialect
        self.on_disconnect = on_disconnect

    @classmethod
    def of(cls, conn: Connection) -> Driver:
        """The driver connection under a Core connection, inside its transaction."""
        return cls(conn.connection, conn.dialect, conn.invalidate)

    @contextmanager
    def transaction(self, *, write: bool) -> Iterator[Driver]:
        """Statements that stand or fall together (the connection commits each on its own
        otherwise). On SQLite a writer locks the database at BEGIN, so it waits for its
        turn there instead of failing half-way."""
        self.first(_BEGIN_WRITE if write and self.dialect.name == "sqlite" else _BEGIN)
        try:
            yield self
        except BaseException:
            if self.connection.is_valid:
                self.first(_ROLLBACK)
            raise
        self.first(_COMMIT)

    def first(self, statement: DriverStatement, **params) -> tuple | None:
        """The first row of the statement's answer, or None."""
        return self._run(statement, params, first=True)

    def changed(self, statement: DriverStatement, **params) -> int:
        """Run a statement that answers no rows: how many rows it wrote. Cheaper than a
        `RETURNING` read (on SQLite one step of the statement instead of two)."""
        return self._run(statement, params, first=False)

    def _run(self, statement: DriverStatement, params: dict, *, first: bool):
        sql, converters = statement.prepare(self.dialect)
        for name, convert in converters.items():
            if convert is not None:
                params[name] = convert(params[name])
        cursor = None
        try:
            cursor = self.connection.cursor()
            cursor.execute(sql, params)
            if not first:
                return cursor.rowcount
            if statement.row is None:  # raw values, if the statement answers rows at all
                return cursor.fetchone() if cursor.description is not None else None
            # psycopg builds `description` anew on every read (a Column per field): the
            # reader needs it only the first time, so it is not asked for otherwise.
            values = cursor.fetchone()
            return None if values is None else statement.reader(self.dialect, cursor)(values)
        except self.dialect.loaded_dbapi.Error as error:
            lost = self.dialect.is_disconnect(error, self.connection, cursor)
            if lost and self.on_disconnect is not None:
                self.on_disconnect(error)
            raise as_sqlalchemy_error(error, self.dialect, sql, params, lost=lost) from error
        finally:
            if cursor is not None:
                cursor.close()


_BEGIN, _BEGIN_WRITE = DriverStatement("BEGIN"), DriverStatement("BEGIN IMMEDIATE")
_COMMIT, _ROLLBACK = DriverStatement("COMMIT"), DriverStatement("ROLLBACK")


def as_sqlalchemy_error(error, dialect: Dialect, sql=None, params=None, *, lost: bool):
    """The driver's error as SQLAlchemy raises it (OperationalError, IntegrityError …)."""
    return DBAPIError.instance(
        sql,
        params,
        error,
        dialect.loaded_dbapi.Error,
        hide_parameters=True,  # people's texts stay out of errors and logs, as make_engine says
        connection_invalidated=lost,
        dialect=dialect,
    )
