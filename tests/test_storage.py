"""Storage on SQLite and PostgreSQL: numbers, idempotency, history, migrations, the title index."""

import io
import logging
import threading
from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, select

from bot import logs
from domain.needs import Draft
from storage import lifecycle
from storage.db import Database
from storage.driver import Driver, DriverStatement
from storage.models import Need, NeedEvent, ProcessedRequest
from storage.needs import create_need, get_need, history, need_row, need_rows, status_row
from storage.title_index import TitleIndex

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def draft(title="Samordnad vårdplanering", description="Beskrivning", **kw) -> Draft:
    return Draft(title=title, description=description, origin="gemensamt_utvecklingsarbete", **kw)


def test_migrations_and_models_agree(db):
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []
    assert not db.pending_migrations()


def test_upgrade_is_idempotent(db):
    db.upgrade()
    db.upgrade()
    assert not db.pending_migrations()


def test_a_new_need_starts_in_phase_1_with_history(db, ref):
    with db.session(write=True) as s:
        need, created = create_need(
            s, draft=draft(area="fvm", target_groups=["aldre"]), ref=ref, user_id="U1", now=NOW
        )
    assert created
    with db.session() as s:
        stored = get_need(s, need_id=need.id)
        events = history(s, need_id=need.id)
    assert stored.phase == 1 and stored.outcome is None
    assert stored.submitted_by == "U1" and stored.submitted_at == NOW
    assert stored.perspective == "forutsattningar" and stored.target_groups == ["aldre"]
    assert [(e.kind, e.actor, e.at, e.public) for e in events] == [("registered", "U1", NOW, True)]


def test_a_need_read_as_a_plain_row_has_the_same_values(db, ref):
    with db.session(write=True) as s:
        need, _ = create_need(
            s, draft=draft(area="fvm", target_groups=["aldre"]), ref=ref, user_id="U1", now=NOW
        )
    with db.session() as s:
        orm = get_need(s, need_id=need.id).model_dump()
    with db.driver() as driver:
        row = need_row(driver, need_id=need.id)
        missing = need_row(driver, need_id=999)
    with db.connection() as conn:
        rows = need_rows(conn, ids=[need.id, 999])
        in_transaction = need_row(Driver.of(conn), need_id=need.id)
    assert row._asdict() == orm  # timestamps in UTC, lists as lists, on both databases
    assert dict(rows[need.id]._mapping) == orm and list(rows) == [need.id]
    assert in_transaction == row and missing is None
    with db.driver() as driver:
        status = status_row(driver, need_id=need.id)
        assert status_row(driver, need_id=999) is None
    assert status._asdict() == {name: orm[name] for name in status._fields}
    assert {"title", "phase", "outcome", "origin", "submitted_at"} <= set(status._fields)


def test_changed_needs_are_read_in_batches_all_of_them(db, ref):
    from storage.needs import changed_since

    with db.session(write=True) as s:
        for i in range(5):
            create_need(s, draft=draft(title=f"Behov {i}"), ref=ref, user_id="U1", now=NOW)
    with db.connection() as conn:
        rows = list(changed_since(conn, since=None, batch=2))
        later = list(changed_since(conn, since=NOW + timedelta(seconds=1), batch=2))
    assert [row[0] for row in rows] == [1, 2, 3, 4, 5] and later == []


def test_numbers_are_sequential_and_never_reused(db, ref):
    numbers = []
    for i in range(3):
        with db.session(write=True) as s:
            numbers.append(
                create_need(s, draft=draft(title=f"Behov {i}"), ref=ref, user_id="U1", now=NOW)[
                    0
                ].id
            )
    assert numbers == [1, 2, 3]
    with pytest.raises(RuntimeError), db.session(write=True) as s:
        create_need(s, draft=draft(title="rolled back"), ref=ref, user_id="U1", now=NOW)
        raise RuntimeError("the transaction is rolled back")
    with db.session(write=True) as s:
        after = create_need(s, draft=draft(title="after"), ref=ref, user_id="U1", now=NOW)[0].id
    assert after > 3  # 3 is taken; a rolled-back number is skipped, never handed out twice
    with db.session() as s:
        assert s.exec(select(Need).where(Need.title == "rolled back")).first() is None


def test_same_text_from_the_same_person_is_stored_once(db, ref):
    with db.session(write=True) as s:
        first, created = create_need(s, draft=draft(), ref=ref, user_id="U1", now=NOW)
    with db.session(write=True) as s:
        again, created_again = create_need(
            s, draft=draft(title="samordnad  VÅRDPLANERING"), ref=ref, user_id="U1", now=NOW
        )
    assert created and not created_again and again.id == first.id
    with db.session(write=True) as s:
        other, created_other = create_need(s, draft=draft(), ref=ref, user_id="U2", now=NOW)
    assert created_other and other.id != first.id


def test_the_same_text_after_its_need_ended_is_a_new_need(db, ref):
    with db.session(write=True) as s:
        first, _ = create_need(s, draft=draft(), ref=ref, user_id="U1", now=NOW)
    with db.session(write=True) as s:
        lifecycle.withdraw(s, need_id=first.id, actor="U1", is_admin=False, now=NOW,
                           comment="Fel tillfälle")  # fmt: skip
    with db.session(write=True) as s:
        again, created = create_need(s, draft=draft(), ref=ref, user_id="U1", now=NOW)
    assert created and again.id != first.id
    with db.session(write=True) as s:  # and the new one is caught as a double submission
        assert create_need(s, draft=draft(), ref=ref, user_id="U1", now=NOW)[0].id == again.id


def test_concurrent_double_submissions_create_one_need(db, ref):
    results, barrier = [], threading.Barrier(4)

    def submit():
        barrier.wait()
        with db.session(write=True) as s:
            need, created = create_need(s, draft=draft(), ref=ref, user_id="U9", now=NOW)
            results.append((need.id, created))

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({need_id for need_id, _ in results}) == 1
    assert [created for _, created in results].count(True) == 1
    with db.session() as s:
        assert len(s.exec(select(Need)).all()) == 1


def test_the_database_refuses_a_duplicate_content_row(db, ref):
    with db.session(write=True) as s:
        need, _ = create_need(s, draft=draft(), ref=ref, user_id="U1", now=NOW)
    with pytest.raises(IntegrityError), db.session(write=True) as s:
        copy = Need(**need.model_dump(exclude={"id"}))
        s.add(copy)
        s.flush()


def test_a_failed_statement_keeps_peoples_texts_out_of_its_error(db, ref):
    """Errors reach the log; a need's description may name a patient."""
    private = "Brukaren Karin Ek på Solgården"
    with db.session(write=True) as s:
        need, _ = create_need(s, draft=draft(), ref=ref, user_id="U1", now=NOW)
    with pytest.raises(IntegrityError) as orm, db.session(write=True) as s:
        s.add(Need(**need.model_dump(exclude={"id"}) | {"description": private}))
        s.flush()
    statement = DriverStatement("INSERT INTO processed_request (key, seen_at) VALUES (:k, NULL)")
    with pytest.raises(IntegrityError) as driver, db.driver(write=True) as d:
        d.first(statement, k=private)
    stream, root = io.StringIO(), logging.getLogger()
    saved = (list(root.handlers), root.level)
    logs.configure(None, fmt="json", stream=stream)
    try:
        for error in (orm.value, driver.value):
            assert "hidden due to hide_parameters" in str(error)
            logging.getLogger("behov.test").error("failed: %s", error, exc_info=error)
    finally:
        root.handlers[:], root.level = saved
    logged = stream.getvalue()
    assert len(logged.splitlines()) == 2 and private not in logged


def test_times_come_back_aware_in_utc(db, ref):
    local = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    with db.session(write=True) as s:
        need, _ = create_need(s, draft=draft(), ref=ref, user_id="U1", now=local)
    with db.session() as s:
        event = s.exec(select(NeedEvent).where(NeedEvent.need_id == need.id)).one()
    assert event.at == local and event.at.tzinfo is not None


@pytest.mark.parametrize(
    ("stored", "meant"),
    [
        ("2026-07-01 12:00:00.250000", datetime(2026, 7, 1, 12, 0, 0, 250000, tzinfo=UTC)),
        ("2026-07-01 12:00:00", datetime(2026, 7, 1, 12, 0, tzinfo=UTC)),
        ("2026-07-01T12:00", datetime(2026, 7, 1, 12, 0, tzinfo=UTC)),
        ("2026-07-01", datetime(2026, 7, 1, tzinfo=UTC)),
        ("2026-07-01 14:00:00+02:00", datetime(2026, 7, 1, 12, 0, tzinfo=UTC)),
        ("2026-07-01 12:00:00Z", datetime(2026, 7, 1, 12, 0, tzinfo=UTC)),
    ],
)
def test_times_kept_as_text_in_any_iso_form_read_as_utc(db, ref, stored, meant):
    """SQLite keeps times as text; the quick reading of the usual form and the general one
    agree on every form (PostgreSQL keeps timestamptz and is read the general way)."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("only SQLite keeps times as text")
    with db.session(write=True) as s:
        need, _ = create_need(s, draft=draft(), ref=ref, user_id="U1", now=NOW)
        written = text("UPDATE need SET updated_at = :at WHERE id = :id")
        s.execute(written, {"at": stored, "id": need.id})
    with db.session() as s:
        read = get_need(s, need_id=need.id).updated_at
    assert read == meant and read.tzinfo is UTC


def test_swedish_letters_and_emoji_survive(db, ref):
    title = "Åäö ÅÄÖ 🙂 <!channel> & <@U123>"
    with db.session(write=True) as s:
        need, _ = create_need(
            s, draft=draft(title=title, description="é" * 3000), ref=ref, user_id="U1", now=NOW
        )
    with db.session() as s:
        stored = get_need(s, need_id=need.id)
    assert stored.title == title and len(stored.description) == 3000


def test_title_index_sees_changes_from_another_process(db, ref):
    index = TitleIndex()
    with db.session() as s:
        assert index.lookup(s, "mobil närvård") == []
    other = Database(db.engine)  # another process would have its own engine; same rows
    with other.session(write=True) as s:
        create_need(s, draft=draft(title="Mobil närvård för äldre"), ref=ref, user_id="U1", now=NOW)
    with db.session() as s:
        found = index.lookup(s, "mobil narvard")
    assert [m.need_id for m in found] == [1]


def test_sqlite_writers_of_one_process_take_turns(tmp_path, sqlite_template):
    """Writers queue in the process (no busy polling) and each one's work is kept."""
    import shutil

    from sqlalchemy import text

    from storage.models import ProcessedRequest
    from storage.requests import first_time

    path = tmp_path / "behov.db"
    shutil.copy(sqlite_template, path)
    db = Database.from_url(f"sqlite:///{path}")
    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    def write(n: int) -> None:
        for i in range(20):
            with db.driver(write=True) as driver:
                assert first_time(driver, key=f"sig:{n}:{i}", now=now)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with db.session() as s:
        assert len(s.exec(select(ProcessedRequest)).all()) == 160
    with db.session() as s:
        assert s.execute(text("PRAGMA synchronous")).one()[0] == 1  # NORMAL, with WAL
    db.engine.dispose()


def test_a_plain_transaction_keeps_all_its_statements_or_none(db):
    from storage.requests import first_time

    with pytest.raises(RuntimeError), db.transaction(write=True) as conn:
        assert first_time(Driver.of(conn), key="sig:a", now=NOW)
        raise RuntimeError("half-way")
    with db.transaction(write=True) as conn:
        assert first_time(Driver.of(conn), key="sig:a", now=NOW)  # rolled back: new again
        assert first_time(Driver.of(conn), key="sig:b", now=NOW)
    with db.driver(write=True) as driver:
        assert not first_time(driver, key="sig:a", now=NOW)
        assert not first_time(driver, key="sig:b", now=NOW)


def test_driver_statements_in_a_transaction_stand_or_fall_together(db):
    from storage.requests import first_time

    with (
        pytest.raises(RuntimeError),
        db.driver(write=True) as driver,
        driver.transaction(write=True),
    ):
        assert first_time(driver, key="sig:a", now=NOW)
        raise RuntimeError("half-way")
    with db.driver(write=True) as driver:
        with driver.transaction(write=True):
            assert first_time(driver, key="sig:a", now=NOW)  # rolled back above: new again
            assert first_time(driver, key="sig:b", now=NOW)
        assert not first_time(driver, key="sig:a", now=NOW)  # committed, and autocommit again
        assert first_time(driver, key="sig:c", now=NOW)
    with db.session() as s:
        assert len(s.exec(select(ProcessedRequest)).all()) == 3
