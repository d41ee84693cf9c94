"""An in-memory copy of titles (and the words of descriptions) for fuzzy lookups and search,
kept fresh cheaply from the database.

Every query first asks the database one index-only question (highest number and latest
update); only needs changed since the last look are loaded. A need whose transaction
committed late, after a later one, is caught by a full count every few seconds and by
reloading a margin before the last change. Several processes on one database stay right.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

from rapidfuzz import utils
from sqlalchemy import func
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from domain import matching
from domain.phases import Outcome
from domain.publication import scrub
from storage.models import Need
from storage.needs import changed_since

RECOUNT_SECONDS = 2.0  # a count is O(needs): at most this often
LATE_COMMIT = timedelta(minutes=1)  # longer than any transaction that writes a need


# Two scalar subqueries, not `SELECT max(id), max(updated_at)`: SQLite answers a lone max()
# from the end of an index but scans the whole index for two aggregates in one SELECT.
_LATEST = select(
    select(func.max(col(Need.id))).scalar_subquery(),
    select(func.max(Need.updated_at)).scalar_subquery(),
)
# count(*): SQLite counts the b-tree's entries without reading each row's key.
_COUNT = select(func.count()).select_from(Need)


def latest_change(conn: Connection | Session) -> tuple[int | None, datetime | None]:
    """(highest number, latest update): two index lookups, whatever the number of needs."""
    return tuple(conn.execute(_LATEST).one())


def count_needs(conn: Connection | Session) -> int:
    return int(conn.execute(_COUNT).scalar_one() or 0)


class TitleIndex:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._marker: tuple | None = None
        self._since: datetime | None = None
        self._counted_at = float("-inf")
        self.titles: dict[int, str] = {}
        self.texts: dict[int, str] = {}
        self.open_titles: dict[int, str] = {}
        self.words = matching.WordIndex()
        self._snapshots: dict[str, matching.Choices] = {}  # of titles, open_titles

    def refresh(self, session: Connection | Session) -> None:
        marker = latest_change(session)
        if marker == self._marker and not self._count_differs(session):
            return
        with self._lock:
            if self._since is None:
                self._counted_at = time.monotonic()  # a full load is as good as a count
            since = None if self._since is None else self._since - LATE_COMMIT
            for need_id, title, description, outcome, updated_at in changed_since(
                session, since=since
            ):
                self.titles[need_id] = utils.default_process(title)
                self.texts[need_id] = utils.default_process(f"{title} {description[:400]}")
                # The words are searched by the public too: no personal identity number
                # or phone number among them, or a search would tell who is in a text.
                self.words.put(need_id, scrub(title, " "), scrub(description, " "))
                if outcome in (Outcome.WITHDRAWN, Outcome.MERGED):
                    self.open_titles.pop(need_id, None)
                else:
                    self.open_titles[need_id] = self.titles[need_id]
                if self._since is None or updated_at > self._since:
                    self._since = updated_at
            self._snapshots.clear()
            self._marker = marker

    def _choices(self, name: str) -> matching.Choices:
        """The titles as lists, taken once per change, not per lookup."""
        with self._lock:
            if name not in self._snapshots:
                self._snapshots[name] = matching.Choices.of(getattr(self, name))
            return self._snapshots[name]

    def _count_differs(self, session: Connection | Session) -> bool:
        """Every few seconds: does the database hold needs we have not seen (late commits)?"""
        if time.monotonic() - self._counted_at < RECOUNT_SECONDS:
            return False
        self._counted_at = time.monotonic()
        return count_needs(session) != len(self.titles)

    def lookup(
        self, session: Connection | Session, query: str, limit: int = 5
    ) -> list[matching.Match]:
        self.refresh(session)
        return matching.best_titles(query, self._choices("titles"), limit=limit)

    def similar(self, session: Session, title: str, description: str) -> list[matching.Match]:
        self.refresh(session)
        return matching.similar_needs(title, description, self._choices("open_titles"), self.texts)

    def search(self, session: Session, query: str) -> list[matching.Match]:
        """Every need whose title or description holds the query's words, best first."""
        self.refresh(session)
        with self._lock:
            return self.words.search(query)

    def containing(self, session: Session, query: str) -> set[int]:
        """Needs holding every word of the query (see WordIndex.containing_all)."""
        self.refresh(session)
        with self._lock:
            return self.words.containing_all(query)
