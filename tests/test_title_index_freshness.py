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


def test_the_change_check_is_the_highest_number_and_the_latest_update(db, clock):
    with db.session() as s:
        assert title_index.latest_change(s) == (None, None)
    _insert(db, 7, "Digital hemsjukvård i Borås", clock() - timedelta(minutes=5))
    _insert(db, 3, "Trygg hemgång för äldre", clock())
    with db.session() as s:
        assert title_index.latest_change(s) == (7, clock())
        assert title_index.count_needs(s) == 2


def test_the_change_check_reads_two_index_ends_on_sqlite_not_a_whole_index(
    tmp_path, sqlite_template
):
    """Every lookup pays it: `max(id), max(updated_at)` in one SELECT scans the index on SQLite."""
    import shutil

    from sqlalchemy import event

    from storage.db import Database

    path = tmp_path / "behov.db"
    shutil.copy(sqlite_template, path)
    db = Database.from_url(f"sqlite:///{path}")
    sent: list[str] = []
    event.listen(db.engine, "before_cursor_execute", lambda *args: sent.append(args[2]))
    with db.session() as s:
        title_index.latest_change(s)
        (query,) = [q for q in sent if "max" in q]
        plan = [row[3] for row in s.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + query)]
    db.engine.dispose()
    assert [step for step in plan if step.startswith("SCAN ") and "CONSTANT" not in step] == []
    assert sum(step.startswith("SEARCH need") for step in plan) == 2
