"""Acks leave the moment a listener gives them, not at Bolt's next 10 ms poll."""

from __future__ import annotations

import threading
import time as real_time

from slack_bolt import BoltResponse
from slack_bolt.listener import thread_runner

from bot.i18n import SV
from commands.context import KeptAck, acknowledged
from fakeslack import visible_text
from tests.conftest import STAFF


class PollCounter:
    """Stands in for the `time` module of Bolt's thread runner and counts its waits."""

    def __init__(self):
        self.sleeps = 0

    def time(self) -> float:
        return real_time.time()

    def sleep(self, seconds: float) -> None:
        self.sleeps += 1
        real_time.sleep(seconds)


class CountedEvent(threading.Event):
    """The ack's event: counts waits and tells when somebody waits."""

    waits = 0
    waiting = threading.Event()

    def wait(self, timeout=None):
        CountedEvent.waits += 1
        CountedEvent.waiting.set()
        return super().wait(timeout)


def test_the_request_thread_sends_each_ack_without_polling_for_it(bot, fake_slack, monkeypatch):
    polls = PollCounter()
    monkeypatch.setattr(thread_runner, "time", polls)
    for number in range(1, 11):  # each listener acks on another thread, after a read
        answer = fake_slack.slash(STAFF, f"status {number}", channel="CGENERAL")
        assert answer.status == 200
        assert SV("status.no_number", number=number) in visible_text(
            fake_slack.ephemerals(STAFF)[-1]
        )
    assert polls.sleeps == 0


def test_the_thread_that_waits_gets_the_ack_as_soon_as_it_is_given(monkeypatch):
    monkeypatch.setattr(threading, "Event", CountedEvent)
    CountedEvent.waiting.clear()
    ack = KeptAck(waiter=threading.get_ident())

    def listener() -> None:  # acknowledges once the request thread is waiting
        CountedEvent.waiting.wait(timeout=5)
        ack(text="Mottaget")

    given = threading.Thread(target=listener)
    given.start()
    assert ack.response.body == "Mottaget"  # the first look waited for it
    given.join()


def test_no_other_thread_and_no_error_report_waits_for_an_ack(monkeypatch):
    monkeypatch.setattr(threading, "Event", CountedEvent)
    monkeypatch.setattr(CountedEvent, "waits", 0)
    waiting_elsewhere = KeptAck(waiter=-1)
    assert waiting_elsewhere.response is None  # a listener's own look: at once
    mine = KeptAck(waiter=threading.get_ident())
    assert not acknowledged(mine)  # the error handler, in the request thread: at once
    assert CountedEvent.waits == 0
    mine(text="Mottaget")
    assert acknowledged(mine) and mine.response.body == "Mottaget"


def test_an_ack_taken_back_by_bolt_after_a_failure_stays_given():
    ack = KeptAck(waiter=threading.get_ident())
    ack(text="Mottaget")
    ack.response = None  # what Bolt's runner does when the listener raises after its ack
    assert isinstance(ack.response, BoltResponse) and ack.response.body == "Mottaget"
