"""Acks leave the moment a listener gives them, not at Bolt's next 10 ms poll."""

from __future__ import annotations

import threading
import time as real_time

from slack_bolt import BoltResponse
from slack_bolt.listener import thread_runner

from bot.i18n import SV
from commands.context import KeptAck, Unanswered, acknowledged
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


class Spied:
    """Records, for each ack given, whether its answer had been written when ack() returned."""

    def __init__(self, monkeypatch):
        self.seen: list[tuple[bool, bool]] = []  # (answer carried, answer written)
        self.others_first: list[bool] = []  # did it know of the other requests?
        given = KeptAck.__call__

        def spy(ack, *args, **kwargs):
            response = given(ack, *args, **kwargs)
            carried = bool(args) or any(kwargs.values())
            self.seen.append((carried, ack._sent is not None and ack._sent.is_set()))
            self.others_first.append(isinstance(ack._unanswered, Unanswered))
            return response

        monkeypatch.setattr(KeptAck, "__call__", spy)


def test_work_after_an_empty_ack_starts_once_the_ack_has_left(bot, fake_slack, monkeypatch):
    spied = Spied(monkeypatch)
    assert fake_slack.slash(STAFF, "ny Bättre samordnad vård", channel="CGENERAL").status == 200
    assert fake_slack.modal_stack(STAFF), "the form was opened after the ack"
    assert spied.seen == [(False, True)]  # the server had written the ack first
    assert spied.others_first == [True]


class NotSent(threading.Event):
    """An answer that never leaves; counts who waited for it (without waiting)."""

    waits = 0

    def wait(self, timeout=None):
        self.waits += 1
        return False


def test_only_an_empty_ack_on_a_listener_thread_waits_for_its_answer_to_leave():
    sent = NotSent()
    answering = KeptAck(waiter=-1, sent=sent)  # given on a listener thread
    answering(text="Mottaget")
    in_request_thread = KeptAck(waiter=threading.get_ident(), sent=sent)
    in_request_thread()  # the request thread sends the answer itself, once it has it
    not_waited_for = KeptAck(waiter=None, sent=sent)  # as with process_before_response
    not_waited_for()  # the answer leaves only when the listener has returned
    without_server = KeptAck(waiter=-1)
    without_server()  # Socket Mode: nothing tells when an answer has left
    assert sent.waits == 0 and answering.response.body == "Mottaget"
    KeptAck(waiter=-1, sent=sent)()  # the one that waits (an empty ack on a listener thread)
    assert sent.waits == 1


def test_an_empty_ack_waits_for_its_answer_to_leave_but_not_for_ever(monkeypatch):
    monkeypatch.setattr("commands.context.SENT_WAIT_SECONDS", 0.05)
    sent = threading.Event()
    ack = KeptAck(waiter=-1, sent=sent)
    returned = threading.Event()
    listener = threading.Thread(target=lambda: (ack(), returned.set()))
    listener.start()
    listener.join(timeout=10)
    assert returned.is_set() and acknowledged(ack)  # went on although nothing said "sent"
    held = KeptAck(waiter=-1, sent=sent)
    monkeypatch.setattr("commands.context.SENT_WAIT_SECONDS", 30.0)
    returned.clear()
    listener = threading.Thread(target=lambda: (held(), returned.set()))
    listener.start()
    assert not returned.wait(0.2), "an empty ack went on before its answer had left"
    assert acknowledged(held)  # given meanwhile: only the listener waits
    sent.set()
    listener.join(timeout=10)
    assert returned.is_set()


def test_work_after_an_empty_ack_lets_unanswered_requests_go_first(monkeypatch):
    monkeypatch.setattr("commands.context.UNANSWERED_WAIT_SECONDS", 30.0)
    sent, unanswered = threading.Event(), Unanswered()
    sent.set()
    ack = KeptAck(waiter=-1, sent=sent, unanswered=unanswered)
    returned = threading.Event()
    with unanswered.waiting():  # another request, still before its ack
        listener = threading.Thread(target=lambda: (ack(), returned.set()))
        listener.start()
        assert not returned.wait(0.2), "work after an ack went before an unanswered request"
        assert acknowledged(ack)
    listener.join(timeout=10)
    assert returned.is_set()
    assert unanswered.wait_for_none(0)


def test_only_work_after_an_empty_ack_on_a_listener_thread_lets_others_go_first(monkeypatch):
    monkeypatch.setattr("commands.context.UNANSWERED_WAIT_SECONDS", 30.0)
    sent, unanswered = threading.Event(), Unanswered()
    sent.set()
    with unanswered.waiting():
        KeptAck(waiter=-1, sent=sent, unanswered=unanswered)(text="Mottaget")
        KeptAck(waiter=threading.get_ident(), sent=sent, unanswered=unanswered)()
        KeptAck(waiter=None, sent=sent, unanswered=unanswered)()
        assert not unanswered.wait_for_none(0)  # all three went on at once


def test_waiting_for_unanswered_requests_ends_after_a_few_ms_at_most(monkeypatch):
    monkeypatch.setattr("commands.context.UNANSWERED_WAIT_SECONDS", 0.05)
    sent, unanswered = threading.Event(), Unanswered()
    sent.set()
    with unanswered.waiting(), unanswered.waiting():  # two, answered only after the test
        listener = threading.Thread(target=KeptAck(waiter=-1, sent=sent, unanswered=unanswered))
        listener.start()
        listener.join(timeout=10)
        assert not listener.is_alive()
