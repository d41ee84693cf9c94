"""An in-memory copy of titles (and the words of descriptions) for fuzzy lookups and search,
kept fresh cheaply from the database.

Every query first asks the database one small question (count and latest update); only
needs changed since the last look are loaded. Several processes on one database stay right.
"""

from __future__ import annotations

import threading
from datetime import datetime

from rapidfuzz import utils
from sqlmodel import Session

from domain import matching
from domain.phases import Outcome
from storage.needs import change_marker, changed_since


class TitleIndex:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._marker: tuple[int, datetime | None] | None = None
        self._since: datetime | None = None
        self.titles: dict[int, str] = {}
        self.texts: dict[int, str] = {}
        self.open_titles: dict[int, str] = {}
        self.words = matching.WordIndex()

    def refresh(self, session: Session) -> None:
        marker = change_marker(session)
        if marker == self._marker:
            return
        with self._lock:
            for need_id, title, description, outcome, updated_at in changed_since(
                session, since=self._since
            ):
                self.titles[need_id] = utils.default_process(title)
                self.texts[need_id] = utils.default_process(f"{title} {description[:400]}")
                self.words.put(need_id, title, description)
                if outcome in (Outcome.WITHDRAWN, Outcome.MERGED):
                    self.open_titles.pop(need_id, None)
                else:
                    self.open_titles[need_id] = self.titles[need_id]
                if self._since is None or updated_at > self._since:
                    self._since = updated_at
            self._marker = marker

    def lookup(self, session: Session, query: str, limit: int = 5) -> list[matching.Match]:
        self.refresh(session)
        return matching.best_titles(query, self.titles, limit=limit)

    def similar(self, session: Session, title: str, description: str) -> list[matching.Match]:
        self.refresh(session)
        return matching.similar_needs(title, description, self.open_titles, self.texts)

    def search(self, session: Session, query: str) -> list[matching.Match]:
        """Every need whose title or description holds the query's words, best first."""
        self.refresh(session)
        with self._lock:
            return self.words.search(query)
