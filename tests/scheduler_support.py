"""Helpers for the scheduler tests: needs, votes and milestones at given times."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, timedelta

from sqlalchemy import event

from domain.needs import Draft
from storage.models import Milestone, Mission, Need, Vote
from storage.needs import change_phase, create_need, record_event


def add_need(db, ref, *, title: str, at: datetime, user: str = "USTAFF1") -> int:
    draft = Draft(title=title, description=f"Om {title}", origin="gemensamt_utvecklingsarbete")
    with db.session(write=True) as s:
        need, _ = create_need(s, draft=draft, ref=ref, user_id=user, now=at)
        return need.id


def move(db, need_id: int, *, to_phase: int, at: datetime, actor: str = "UADMIN1") -> None:
    with db.session(write=True) as s:
        change_phase(s, need=s.get(Need, need_id), to_phase=to_phase, actor=actor, now=at)


def decide(db, need_id: int, *, decision: str, at: datetime) -> None:
    with db.session(write=True) as s:
        need = s.get(Need, need_id)
        need.decision = decision
        s.add(need)
        record_event(s, need=need, at=at, actor="UADMIN1", kind="decided", new=decision)


def open_vote(db, need_id: int, *, at: datetime, deadline: datetime) -> None:
    with db.session(write=True) as s:
        s.add(Vote(need_id=need_id, channel="CVOTE01", opened_by="UADMIN1", opened_at=at,
                   deadline=deadline, message_ts="1795424400.000100"))  # fmt: skip


def add_milestone(
    db, need_id: int, *, kind: str, title: str, due: date, leader: str | None = None, at: datetime
) -> int:
    with db.session(write=True) as s:
        need = s.get(Need, need_id)
        if need.decision is None:  # a mission document is written for a prioritised need
            need.decision = "prioriterat"
            s.add(need)
        if leader is not None and s.get(Mission, need_id) is None:
            s.add(
                Mission(
                    need_id=need_id,
                    description="Uppdrag",
                    purpose_goals="Mål",
                    process_leader=leader,
                    updated_by="UADMIN1",
                    updated_at=at,
                )
            )
        milestone = Milestone(need_id=need_id, kind=kind, title=title, due=due)
        s.add(milestone)
        s.flush()
        return milestone.id


@contextmanager
def counting_queries(db):
    """Count the SQL statements sent while the block runs."""
    seen: list[str] = []

    def note(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "BEGIN")):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", note)


def days(n: float) -> timedelta:
    return timedelta(days=n)
