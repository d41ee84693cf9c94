"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """Store aware datetimes as UTC; always hand back aware UTC (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware datetime (UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def result_processor(self, dialect, coltype):
        """On SQLite one plain function per value, the same result as parsing the text and
        then process_result_value: an export reads two moments for each of thousands of
        needs, and the chain of processors plus `replace(tzinfo=...)` cost four times as
        much as reading the text with its offset."""
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        parse, general = datetime.fromisoformat, self.process_result_value

        def process(value: str | None) -> datetime | None:
            if value is None:
                return None
            try:
                moment = parse(value + "+00:00")  # stored as UTC text without an offset
            except ValueError:
                moment = None
            if moment is None or moment.tzinfo is None:  # another form: the general way
                return general(parse(value), dialect)
            return moment

        return process
