"""A retried event or a replayed request acts once, across processes sharing the database."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import event
from sqlmodel import select

from storage.db import Database
from storage.models import ProcessedRequest
from storage.needs import STATUS_BY_NUMBER, status_row
from storage.requests import first_time, first_time_reading, forget_before
from tests.conftest import STAFF
from tests.lifecycle_support import new_need


def test_a_key_is_new_once_even_for_a_second_process(db, clock):
    other_process = Database.from_url(str(db.engine.url.render_as_string(hide_password=False)))
    with db.driver(write=True) as d:
        assert first_time(d, key="event:Ev1", now=clock())
    with other_process.driver(write=True) as d:
        assert not first_time(d, key="event:Ev1", now=clock())
        assert first_time(d, key="event:Ev2", now=clock())
    other_process.engine.dispose()


def test_old_keys_are_forgotten(db, clock):
    with db.driver(write=True) as d:
        first_time(d, key="sig:old", now=clock())
    clock.advance(hours=3)
    with db.driver(write=True) as d:
        first_time(d, key="sig:new", now=clock())
    with db.connection(write=True) as s:
        assert forget_before(s, before=clock() - timedelta(hours=2)) == 1
    with db.driver(write=True) as d:
        assert first_time(d, key="sig:old", now=clock())
        assert not first_time(d, key="sig:new", now=clock())


def test_a_key_is_recorded_and_a_row_read_in_one_go(db, clock, ref):
    number = new_need(db, ref, clock, title="Samordnad vårdplanering")
    with db.driver() as d:
        expected = status_row(d, need_id=number)
    assert expected.title == "Samordnad vårdplanering"

    def record_and_read(key: str, need_id: int):
        with db.driver(write=True) as d:
            return first_time_reading(
                d, key=key, now=clock(), read=STATUS_BY_NUMBER, need_id=need_id
            )

    assert record_and_read("sig:a", number) == (True, expected)
    assert record_and_read("sig:a", number) == (False, expected)  # a replay: read all the same
    assert record_and_read("sig:b", number + 1) == (True, None)  # no such need
    with db.driver(write=True) as d:  # both keys are kept, as `first_time` keeps them
        assert not first_time(d, key="sig:a", now=clock())
        assert not first_time(d, key="sig:b", now=clock())


def test_status_by_number_reads_the_need_with_the_requests_key(bot, fake_slack, ref, clock):
    """One connection for the whole request (on PostgreSQL one round trip, for the key and the
    need together), and the answer is the need as stored."""
    number = new_need(bot.db, ref, clock, title="Mobila team för äldre")
    fake_slack.slash(STAFF, "hjälp", channel="CGENERAL")  # the first request also tidies keys
    checkouts = []

    def checked_out(*_args) -> None:
        checkouts.append(1)

    event.listen(bot.db.engine, "checkout", checked_out)
    try:
        answer = fake_slack.slash(STAFF, f"status {number}", channel="CGENERAL")
    finally:
        event.remove(bot.db.engine, "checkout", checked_out)
    assert answer.status == 200
    assert f"#{number} · Mobila team för äldre" in fake_slack.visible_text(answer.json)
    assert len(checkouts) == 1


def test_a_retried_event_is_acknowledged_and_not_acted_on_again(bot, fake_slack, caplog):
    event = {
        "type": "app_home_opened",
        "user": STAFF,
        "channel": fake_slack.dm_channel(STAFF),
        "tab": "home",
        "event_ts": fake_slack.new_ts(),
    }
    with caplog.at_level(logging.INFO, logger="commands.redelivery"):
        first = fake_slack.event(event, event_id="Ev0RETRY1")
        again = fake_slack.event(event, event_id="Ev0RETRY1", retry_num=1)
        other = fake_slack.event(event, event_id="Ev0OTHER2")
    assert (first.status, again.status, other.status) == (200, 200, 200)
    with bot.db.session() as s:
        keys = [r.key for r in s.exec(select(ProcessedRequest)).all()]
    assert sorted(k for k in keys if k.startswith("event:")) == [
        "event:Ev0OTHER2",
        "event:Ev0RETRY1",
    ]
    [told] = [r.getMessage() for r in caplog.records if "delivered again" in r.getMessage()]
    assert "Ev0RETRY1" in told and "retry 1" in told
    # the Home tab was published for each event acted on, not for the retry
    assert len(fake_slack.calls("views.publish")) == 2
