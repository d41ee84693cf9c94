"""The in-memory titles stay right when other processes write, even with late commits."""

from __future__ import annotations

from datetime import timedelta

from domain.needs import Draft
from storage import title_index
from storage.models import Need
from storage.needs import create_need
from storage.title_index import TitleIndex


def _register(db, ref, clock, title: str, user: str = "U1", at=None):
    draft = Draft(title=title, description="beskrivning", origin="gemensamt_utvecklingsarbete")
    with db.session(write=True) as s:
        need, _ = create_need(s, draft=draft, ref=ref, user_id=user, now=at or clock())
    return need.id


def _insert(db, need_id: int, title: str, at) -> None:
    """A need as another process's transaction leaves it (explicit number and time)."""
    with db.session(write=True) as s:
        s.add(
            Need(
                id=need_id,
                title=title,
                description="",
                origin="gemensamt_utvecklingsarbete",
                submitted_by=f"U{need_id}",
                submitted_at=at,
                content_hash=str(need_id),
                phase_entered_at=at,
                updated_at=at,
            )
        )


def test_a_need_committed_late_by_another_process_is_found(db, clock, monkeypatch):
    index = TitleIndex()
    _insert(db, 10, "Digital hemsjukvård i Borås", clock())
    with db.session() as s:
        assert len(index.lookup(s, "hemsjukvård borås")) == 1
    # A transaction that began earlier commits now: a lower number and an older time,
    # so neither the highest number nor the latest update reveals it; the count does.
    _insert(db, 5, "Trygg hemgång för äldre", clock() - timedelta(seconds=30))
    monkeypatch.setattr(title_index, "RECOUNT_SECONDS", 0.0)
    with db.session() as s:
        assert [m.need_id for m in index.lookup(s, "trygg hemgång")][:1] == [5]


def test_a_new_need_is_found_at_once_by_the_same_process(db, ref, clock):
    index = TitleIndex()
    with db.session() as s:
        assert index.lookup(s, "läkemedelsgenomgång") == []
    new = _register(db, ref, clock, "Läkemedelsgenomgång i hemtjänst")
    with db.session() as s:
        assert [m.need_id for m in index.lookup(s, "läkemedelsgenomgång")] == [new]
