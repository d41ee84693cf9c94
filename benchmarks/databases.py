"""Scratch databases for a benchmark run: a SQLite file and a PostgreSQL database, both dropped."""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa

from storage.db import Database, make_engine

PG_SERVER = os.environ.get(
    "BEHOV_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@contextlib.contextmanager
def scratch(kind: str) -> Iterator[str]:
    """A migrated, empty database of the kind ("sqlite" or "postgresql"); its URL."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'bench.db'}"
            Database.from_url(url).upgrade()
            yield url
        return
    name = f"behov_bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(PG_SERVER, isolation_level="AUTOCOMMIT", pool_size=1)
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = PG_SERVER.rsplit("/", 1)[0] + "/" + name
    try:
        Database.from_url(url).upgrade()
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
