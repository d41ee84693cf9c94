"""What the digest (and the milestone reminders) read, on both databases, in a fixed number
of queries."""

from datetime import UTC, date, datetime

from storage.claims import SENT, claim, finish, last_sent
from storage.digest import digest_data
from storage.models import Need
from storage.reminders import milestones_between
from tests.scheduler_support import (
    add_milestone,
    add_need,
    counting_queries,
    days,
    decide,
    move,
    open_vote,
)

DUE = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
SINCE = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
TODAY = date(2026, 11, 30)


def read(db, limit=8):
    with db.session() as s:
        return digest_data(
            s, since=SINCE, until=DUE, today=TODAY, horizon=date(2026, 12, 14), limit=limit
        )


def test_the_digest_reads_the_week_and_the_state(db, ref):
    old = add_need(db, ref, title="Gammalt", at=SINCE - days(10))
    new = add_need(db, ref, title="Nytt", at=SINCE + days(1))
    add_need(db, ref, title="Efter", at=DUE + days(0.1))  # next week's
    move(db, old, to_phase=2, at=SINCE + days(2))
    decide(db, old, decision="prioriterat", at=SINCE + days(3))
    move(db, old, to_phase=3, at=DUE + days(0.1))  # next week's
    open_vote(db, new, at=SINCE + days(1), deadline=DUE + days(3))
    add_milestone(
        db, old, kind="delrapport_vvg", title="Delrapport 1", due=date(2026, 12, 10), at=SINCE
    )
    add_milestone(db, old, kind="slutrapport", title="Slutrapport", due=date(2027, 3, 1), at=SINCE)

    data = read(db)

    assert [n.id for n in data.new_needs.items] == [new] and data.new_needs.total == 1
    assert [(c.need.id, c.kind, c.new) for c in data.changes.items] == [
        (old, "phase_changed", "2"),
        (old, "decided", "prioriterat"),
    ]
    assert [(v.need.id, v.deadline) for v in data.open_votes.items] == [(new, DUE + days(3))]
    assert [m.title for m in data.milestones.items] == ["Delrapport 1"]
    assert data.per_phase == {1: 2, 2: 0, 3: 1, 4: 0} and data.closed == 0
    assert not data.nothing_new


def test_only_live_missions_have_milestones_to_remind_of(db, ref):
    """Prioritised and neither closed nor completed: a parked, rejected, withdrawn or
    completed need's timetable is in no reminder and no digest."""
    titles = ["Prioriterat", "Genomförs", "Parkerat", "Ej prioriterat", "Återkallat", "Slutfört"]
    needs = {title: add_need(db, ref, title=title, at=SINCE - days(30)) for title in titles}
    for title, need in needs.items():
        move(db, need, to_phase=2, at=SINCE - days(20))
        add_milestone(db, need, kind="sro", title=title, due=date(2026, 12, 10), at=SINCE)
    move(db, needs["Genomförs"], to_phase=3, at=SINCE)
    move(db, needs["Slutfört"], to_phase=3, at=SINCE)
    move(db, needs["Slutfört"], to_phase=4, at=SINCE + days(1))
    decide(db, needs["Parkerat"], decision="parkerat", at=SINCE + days(1))
    decide(db, needs["Ej prioriterat"], decision="ej_prioriterat", at=SINCE + days(1))
    with db.session(write=True) as s:
        for title, outcome in (("Ej prioriterat", "ej_prioriterat"), ("Återkallat", "aterkallat")):
            s.get(Need, needs[title]).outcome = outcome

    with db.session() as s:
        due = milestones_between(s, first=TODAY, last=date(2026, 12, 14))
    assert [m.title for m in due] == ["Prioriterat", "Genomförs"]
    assert [m.title for m in read(db).milestones.items] == ["Prioriterat", "Genomförs"]


def test_a_quiet_week(db, ref):
    add_need(db, ref, title="Gammalt", at=SINCE - days(10))
    data = read(db)
    assert data.nothing_new and data.per_phase[1] == 1


def test_the_number_of_queries_does_not_grow_with_the_needs(db, ref):
    add_need(db, ref, title="Ett", at=SINCE + days(1))
    with counting_queries(db) as few:
        read(db)
    for i in range(60):
        need = add_need(db, ref, title=f"Behov {i}", at=SINCE + days(1))
        move(db, need, to_phase=2, at=SINCE + days(2))
        open_vote(db, need, at=SINCE + days(2), deadline=DUE + days(1))
        add_milestone(db, need, kind="annat", title="M", due=date(2026, 12, 1), at=SINCE)
    with counting_queries(db) as many:
        data = read(db)
    assert len(many) == len(few) == 5
    assert data.new_needs.total == 61 and len(data.new_needs.items) == 8
    assert data.changes.total == 60 and data.open_votes.total == 60
    assert data.milestones.total == 60 and data.milestones.more == 52


def test_the_last_sent_digest_starts_the_next_period(db):
    with db.session(write=True) as s:
        sent = claim(s, kind="digest", subject="C1", due_at=SINCE, owner="t", now=SINCE)
        finish(s, row=sent, now=SINCE, status=SENT)
        skipped = claim(s, kind="digest", subject="C1", due_at=DUE - days(1), owner="t", now=DUE)
        finish(s, row=skipped, now=DUE, status="skipped")
    with db.session() as s:
        assert last_sent(s, kind="digest", subject="C1", before=DUE) == SINCE
        assert last_sent(s, kind="digest", subject="C2", before=DUE) is None
        assert last_sent(s, kind="digest", subject="C1", before=SINCE) is None
