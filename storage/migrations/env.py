"""Alembic environment: runs on the connection storage.db.Database hands over, or, from the
alembic command line, on DATABASE_URL (`alembic -c storage/alembic.ini …`)."""

from alembic import context
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers the tables)


def run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    from bot.settings import load_settings
    from storage.db import make_engine

    with make_engine(load_settings().database_url).begin() as conn:
        run(conn)
