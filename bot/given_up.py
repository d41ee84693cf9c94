"""Unposted votes this process gave up on while the database was away.

An opening that fails stores nothing more and undoes its first step (commands/vote_opening.py);
when the database cannot undo it either, the stored vote would hold the need's one place for
an open vote until it is older than the longest post. This process knows better: the
attempt is over and its post done with, so once the database answers again the vote is
dropped at once (a retry here, or the next tick), and a new opening takes the need over.
What only this process knows is no rule of the database: every drop is still fenced by the
vote's id, its opening time and its having no message (storage.votes.drop_unposted).
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import NamedTuple


class Unposted(NamedTuple):
    """One given-up vote: its id and opening time tell it from a later vote with its id.
    `ts` is its message when one was left in `channel` (the vote might have opened, or the
    undo failed before the message came down): unless the vote opened, it comes down too."""

    id: int
    opened_at: datetime
    channel: str | None = None
    ts: str | None = None


class GivenUpVotes:
    """A small thread-safe set: the request threads add, a retry or the scheduler drops."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._votes: set[Unposted] = set()

    def add(self, vote, *, channel: str | None = None, ts: str | None = None) -> None:
        with self._lock:
            self._votes.add(Unposted(vote.id, vote.opened_at, channel, ts))

    def pending(self) -> list[Unposted]:
        with self._lock:
            return sorted(self._votes, key=lambda v: (v.id, v.opened_at))

    def forget(self, votes: list[Unposted]) -> None:
        with self._lock:
            self._votes.difference_update(votes)

    def holds(self, vote_id: int) -> bool:
        with self._lock:
            return any(v.id == vote_id for v in self._votes)
