"""Scheduled work end to end: the jobs as the scheduler runs them, against the fake Slack.

No real waiting: the clock is moved and `run_due_work` is called as a tick would.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.app import build_services
from bot.digest import preview, send_due_digest
from bot.due import STALE_CLAIM
from bot.scheduler import run_due_work
from storage.claims import claim
from storage.models import JobClaim
from tests.conftest import ADMIN, STAFF, VOTING_CHANNEL, Clock, make_settings
from tests.scheduler_support import add_milestone, add_need, days, decide, move

TZ = ZoneInfo("Europe/Stockholm")
DIGEST_CHANNEL = "CGENERAL"


def local(*args) -> datetime:
    return datetime(*args, tzinfo=TZ).astimezone(UTC)


def start(clock: Clock, *args) -> Clock:
    clock.now = local(*args)
    return clock


@pytest.fixture
def services(database_url, fake_slack, clock):
    made = []

    def make(**settings):
        values = {"behov_digest_channel": DIGEST_CHANNEL, **settings}
        svc = build_services(make_settings(database_url, fake_slack.api_url, **values), clock=clock)
        made.append(svc)
        return svc

    yield make
    for svc in made:
        svc.db.engine.dispose()
    assert fake_slack.problems == [], fake_slack.problems


@pytest.fixture
def svc(services):
    return services()


def texts(fake_slack, messages) -> list[str]:
    return [fake_slack.visible_text(m) for m in messages]


def digests(fake_slack) -> list[str]:
    return texts(fake_slack, fake_slack.messages(DIGEST_CHANNEL))


def claims(db) -> list[tuple]:
    with db.session() as s:
        rows = s.exec(select(JobClaim).order_by(JobClaim.due_at, JobClaim.kind)).all()
    return [(r.kind, r.subject, r.due_at, r.status) for r in rows]


# ---------------------------------------------------------------- the weekly digest


@pytest.mark.parametrize(
    ("monday", "utc_hour"),
    [((2026, 11, 30), 7), ((2026, 6, 1), 6)],
    ids=["winter", "summer"],
)
def test_the_digest_is_posted_at_8_local_time(svc, fake_slack, clock, ref, monday, utc_hour):
    start(clock, *monday, 7, 59)
    add_need(svc.db, ref, title="Mobila team i Fyrbodal", at=clock.now - days(2))
    run_due_work(svc)
    assert digests(fake_slack) == []  # last week's is far past the grace period: skipped
    clock.advance(minutes=1)
    assert clock.now.hour == utc_hour
    run_due_work(svc)
    run_due_work(svc)
    [digest] = digests(fake_slack)
    assert "Veckosammanfattning" in digest and "Mobila team i Fyrbodal" in digest
    assert claims(svc.db)[-1] == ("digest", DIGEST_CHANNEL, clock.now, "sent")


def test_a_digest_on_a_public_holiday_comes_the_next_working_day(svc, fake_slack, clock):
    start(clock, 2026, 4, 6, 7, 0)  # annandag påsk
    for _ in range(4):
        clock.advance(hours=6)
        run_due_work(svc)
    assert digests(fake_slack) == []
    start(clock, 2026, 4, 7, 8, 0)
    run_due_work(svc)
    assert len(digests(fake_slack)) == 1
    assert claims(svc.db)[-1][2] == local(2026, 4, 7, 8, 0)


def test_holidays_can_be_ignored(services, fake_slack, clock):
    svc = services(behov_digest_skip_holidays=False)
    start(clock, 2026, 4, 6, 8, 0)
    run_due_work(svc)
    assert len(digests(fake_slack)) == 1


def test_after_downtime_a_missed_digest_is_sent_once_within_grace(svc, fake_slack, clock, ref):
    start(clock, 2026, 11, 23, 8, 0)
    run_due_work(svc)  # last Monday's, sent in time
    add_need(svc.db, ref, title="Kontinuitet i hemsjukvården", at=clock.now + days(2))
    start(clock, 2026, 11, 30, 21, 30)  # down from Sunday until Monday evening
    run_due_work(svc)
    run_due_work(svc)
    sent = digests(fake_slack)
    assert len(sent) == 2 and "Kontinuitet i hemsjukvården" in sent[1]
    assert claims(svc.db)[-1] == ("digest", DIGEST_CHANNEL, local(2026, 11, 30, 8, 0), "sent")


def test_after_longer_downtime_the_missed_digest_is_skipped_and_the_next_catches_up(
    svc, fake_slack, clock, ref
):
    start(clock, 2026, 11, 23, 8, 0)
    run_due_work(svc)
    add_need(svc.db, ref, title="Kontinuitet i hemsjukvården", at=clock.now + days(2))
    start(clock, 2026, 12, 1, 8, 1)  # 24 h and a minute late
    run_due_work(svc)
    assert len(digests(fake_slack)) == 1
    assert ("digest", DIGEST_CHANNEL, local(2026, 11, 30, 8, 0), "skipped") in claims(svc.db)
    start(clock, 2026, 12, 7, 8, 0)
    run_due_work(svc)
    sent = digests(fake_slack)
    assert len(sent) == 2 and "Kontinuitet i hemsjukvården" in sent[1]  # since the last sent


def test_a_digest_older_than_one_already_sent_is_not_posted_after_it(svc, fake_slack, clock):
    """The demo (`behov demo --seed`) posts the coming digest at once: the week's own, still
    within its grace, must not follow it into the channel as if it were newer."""
    start(clock, 2026, 12, 14, 8, 0)
    run_due_work(svc)  # the digest of 14 December
    start(clock, 2026, 12, 8, 2, 20)  # then the scheduler, as on 8 December
    assert send_due_digest(svc, clock.now) is None
    assert len(digests(fake_slack)) == 1


def test_a_week_with_nothing_new_is_one_line_with_the_counts(svc, fake_slack, clock, ref):
    start(clock, 2026, 11, 30, 8, 0)
    add_need(svc.db, ref, title="Gammalt behov", at=clock.now - days(40))
    run_due_work(svc)
    [message] = fake_slack.messages(DIGEST_CHANNEL)
    assert len(message["blocks"]) == 1
    text = fake_slack.visible_text(message)
    assert "inget nytt sedan förra sammanfattningen" in text
    assert "Identifierat behov: 1" in text and "\n" not in text.strip()


def test_the_preview_shows_the_next_digest_without_posting(svc, fake_slack, clock, ref):
    start(clock, 2026, 11, 26, 12, 0)
    add_need(svc.db, ref, title="Digitala hjälpmedel", at=clock.now)
    text = preview(svc.db, svc.settings, clock.now)
    assert text.startswith("Nästa veckosammanfattning skickas 2026-11-30 08:00")
    assert "#1 · Digitala hjälpmedel" in text and "<" not in text
    assert fake_slack.calls("chat.postMessage") == []


# ---------------------------------------------------------------- milestones and stale needs


def test_milestone_reminders_a_week_and_a_day_before_and_on_the_report_day(
    svc, fake_slack, clock, ref
):
    start(clock, 2026, 11, 26, 12, 0)
    need = add_need(svc.db, ref, title="Mobila team", at=clock.now - days(100))
    move(svc.db, need, to_phase=3, at=clock.now - days(50))
    add_milestone(
        svc.db,
        need,
        kind="delrapport_vvg",
        title="Delrapport till VVG",
        due=date(2026, 12, 10),
        leader=STAFF,
        at=clock.now,
    )
    schedule = {
        local(2026, 12, 3, 7, 59): (0, 0),
        local(2026, 12, 3, 8, 0): (1, 0),
        local(2026, 12, 3, 17, 0): (1, 0),
        local(2026, 12, 9, 8, 0): (2, 0),
        local(2026, 12, 10, 8, 0): (2, 1),
        local(2026, 12, 11, 8, 0): (2, 1),
    }
    for moment, (dms, posts) in schedule.items():
        clock.now = moment
        run_due_work(svc)
        run_due_work(svc)
        assert len(fake_slack.dm_messages(STAFF)) == dms, moment
        assert len(fake_slack.messages(VOTING_CHANNEL)) == posts, moment
    week, day = texts(fake_slack, fake_slack.dm_messages(STAFF))
    assert "Om en vecka, 2026-12-10" in week and "Delrapport till VVG" in week
    assert "I morgon, 2026-12-10" in day
    [report] = texts(fake_slack, fake_slack.messages(VOTING_CHANNEL))
    assert "I dag ska delrapporten för *#1 · Mobila team* lämnas till VVG" in report


def test_a_parked_need_sends_no_milestone_reminders_and_is_not_in_the_digest(
    svc, fake_slack, clock, ref
):
    start(clock, 2026, 11, 26, 12, 0)
    parked = add_need(svc.db, ref, title="Parkerat uppdrag", at=clock.now - days(100))
    live = add_need(svc.db, ref, title="Pågående uppdrag", at=clock.now - days(100))
    for need in (parked, live):
        move(svc.db, need, to_phase=2, at=clock.now - days(50))
        add_milestone(svc.db, need, kind="delrapport_vvg", title=f"Delrapport {need}",
                      due=date(2026, 12, 7), leader=STAFF, at=clock.now)  # fmt: skip
    decide(svc.db, parked, decision="parkerat", at=clock.now)
    for moment in (local(2026, 11, 30, 8, 0), local(2026, 12, 6, 8, 0), local(2026, 12, 7, 8, 0)):
        clock.now = moment
        run_due_work(svc)
    sent = digests(fake_slack)  # 30 November and 7 December
    assert len(sent) == 2
    assert all("Delrapport 2" in digest and "Delrapport 1" not in digest for digest in sent)
    reminders = texts(fake_slack, fake_slack.dm_messages(STAFF))
    assert len(reminders) == 2 and all("Pågående uppdrag" in text for text in reminders)
    posts = texts(fake_slack, fake_slack.messages(VOTING_CHANNEL))
    assert len(posts) == 1 and "Pågående uppdrag" in posts[0]
    assert "milestone:1" not in {subject for _, subject, *_ in claims(svc.db)}


def test_stale_needs_are_reported_to_admins_once_each(svc, fake_slack, clock, ref):
    start(clock, 2026, 11, 23, 9, 0)  # Monday
    old = add_need(svc.db, ref, title="Väntar länge", at=local(2026, 10, 1, 10, 0))
    add_need(svc.db, ref, title="Tas upp", at=local(2026, 10, 2, 10, 0))
    taken = 2
    move(svc.db, taken, to_phase=2, at=local(2026, 11, 1, 10, 0))
    add_need(svc.db, ref, title="Blir gammalt i morgon", at=local(2026, 10, 24, 12, 0))
    run_due_work(svc)
    run_due_work(svc)
    [first] = texts(fake_slack, fake_slack.dm_messages(ADMIN))
    assert "Ett behov har väntat mer än 30 dagar i fas 1" in first
    assert f"#{old} · Väntar länge" in first and "Tas upp" not in first
    assert "Blir gammalt" not in first
    clock.advance(days=1)
    run_due_work(svc)
    run_due_work(svc)
    second = texts(fake_slack, fake_slack.dm_messages(ADMIN))[1:]
    assert len(second) == 1 and "Blir gammalt i morgon" in second[0]
    assert "Väntar länge" not in second[0]
    clock.advance(days=1)
    run_due_work(svc)
    assert len(fake_slack.dm_messages(ADMIN)) == 2  # nothing newly stale: no message
    assert fake_slack.dm_messages(STAFF) == []


# ---------------------------------------------------------------- exactly once


def everything_due_at_once(svc, ref, clock) -> None:
    """Monday 30 November 08:00: a digest, four milestone notices and a stale-needs DM.

    The final report due today gets its post in the voting channel; its day-before notice
    (yesterday, a Sunday, at 08:00) is late but within the grace period, so it is sent now.
    """
    start(clock, 2026, 11, 30, 8, 0)
    waiting = add_need(svc.db, ref, title="Väntar", at=clock.now - days(31))
    running = add_need(svc.db, ref, title="Pågår", at=clock.now - days(100))
    move(svc.db, running, to_phase=3, at=clock.now - days(60))
    for kind, due in (
        ("sro", date(2026, 12, 7)),
        ("sro", date(2026, 12, 1)),
        ("slutrapport", date(2026, 11, 30)),
    ):
        add_milestone(
            svc.db, running, kind=kind, title=f"{kind} {due}", due=due, leader=STAFF, at=clock.now
        )
    assert waiting


def assert_each_sent_once(fake_slack, db) -> None:
    assert len(digests(fake_slack)) == 1
    leader = sorted(texts(fake_slack, fake_slack.dm_messages(STAFF)))
    assert len(leader) == 3
    assert "I dag, 2026-11-30: *slutrapport 2026-11-30*" in leader[0]  # late, said as it is
    assert "I morgon, 2026-12-01: *sro 2026-12-01*" in leader[1]
    assert "Om en vecka, 2026-12-07: *sro 2026-12-07*" in leader[2]
    assert len(fake_slack.messages(VOTING_CHANNEL)) == 1  # the final report's day
    assert len(fake_slack.dm_messages(ADMIN)) == 1  # stale needs
    assert len(fake_slack.calls("chat.postMessage")) == 6
    assert [status for *_, status in claims(db)] == ["sent"] * 6


def test_three_schedulers_at_once_post_everything_exactly_once(services, fake_slack, clock, ref):
    instances = [services() for _ in range(3)]
    everything_due_at_once(instances[0], ref, clock)
    barrier = threading.Barrier(3)
    errors = []

    def scheduler(svc):
        try:
            for _ in range(5):
                barrier.wait(timeout=30)
                run_due_work(svc)
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=scheduler, args=(svc,)) for svc in instances]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert_each_sent_once(fake_slack, instances[0].db)


def test_a_post_that_fails_is_retried_on_the_next_tick_and_arrives_once(
    svc, fake_slack, clock, ref
):
    everything_due_at_once(svc, ref, clock)
    # The first three posts get a 500: the digest, then the late day-before notice and the
    # report-day post of the final report.
    fake_slack.fail("chat.postMessage", status=500, times=3)
    run_due_work(svc)
    assert digests(fake_slack) == [] and fake_slack.messages(VOTING_CHANNEL) == []
    for _ in range(3):
        clock.advance(minutes=1)
        run_due_work(svc)
    assert len(digests(fake_slack)) == 1
    assert len(fake_slack.messages(VOTING_CHANNEL)) == 1
    assert len(fake_slack.dm_messages(ADMIN)) == 1
    leader = sorted(texts(fake_slack, fake_slack.dm_messages(STAFF)))
    assert len(leader) == 2 and "I morgon" in leader[0] and "Om en vecka" in leader[1]
    assert len(fake_slack.calls("chat.postMessage")) == 3 + 5
    # The day-before notice was exactly 24 hours late when it failed; a minute later it is
    # past the grace period and is recorded as skipped instead of being sent.
    assert sorted(status for *_, status in claims(svc.db)) == ["sent"] * 5 + ["skipped"]


def test_a_claim_of_a_dead_process_is_finished_by_another(services, fake_slack, clock, ref):
    svc = services()
    start(clock, 2026, 11, 30, 8, 0)
    with svc.db.session(write=True) as s:
        claim(
            s, kind="digest", subject=DIGEST_CHANNEL, due_at=clock.now, owner="dead", now=clock.now
        )
    run_due_work(svc)
    assert digests(fake_slack) == []
    clock.advance(seconds=STALE_CLAIM.total_seconds() + 60)
    run_due_work(svc)
    assert len(digests(fake_slack)) == 1
    assert timedelta(0) < clock.now - local(2026, 11, 30, 8, 0) < timedelta(hours=1)


def test_a_process_leader_who_reads_english_gets_english(svc, fake_slack, clock, ref):
    start(clock, 2026, 12, 3, 8, 0)
    need = add_need(svc.db, ref, title="Mobile teams", at=clock.now - days(100))
    move(svc.db, need, to_phase=3, at=clock.now - days(50))
    add_milestone(
        svc.db,
        need,
        kind="sro",
        title="Report to SRO",
        due=date(2026, 12, 10),
        leader="UENGLISH",
        at=clock.now,
    )
    run_due_work(svc)
    [message] = texts(fake_slack, fake_slack.dm_messages("UENGLISH"))
    assert "In a week, 2026-12-10: *Report to SRO* for *#1 · Mobile teams*" in message


def test_behov_digest_preview_prints_without_slack_tokens(database_url, ref, monkeypatch, capsys):
    from bot.cli import main
    from storage.db import Database

    db = Database.from_url(database_url)
    add_need(db, ref, title="Förebyggande insatser", at=datetime.now(UTC))
    db.engine.dispose()
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(Path(__file__).parent)  # no .env here
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("BEHOV_VOTING_CHANNEL", VOTING_CHANNEL)
    assert main(["digest", "--preview"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Nästa veckosammanfattning skickas ") and VOTING_CHANNEL in out
    assert "#1 · Förebyggande insatser" in out
