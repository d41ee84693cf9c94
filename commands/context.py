"""What a handler gets besides Bolt's arguments: the services and the person's language."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from slack_bolt import Ack, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from slack_sdk.errors import SlackClientError

from bot.i18n import Texts
from bot.slack_client import make_respond
from bot.turns import Unanswered

log = logging.getLogger(__name__)
ACK_SECONDS = 3.0  # Slack's limit for an ack, and Bolt's default ack timeout
# In Bolt's context, set by the HTTP endpoint (bot/web.py): a threading.Event set once the
# request's answer has been written to Slack.
ANSWER_SENT = "answer_sent"
# Work after an ack waits at most this long for the ack to leave (never for Slack's answer).
SENT_WAIT_SECONDS = 0.5
# Also in the context from bot/web.py: the process's requests not answered yet (Unanswered).
UNANSWERED = "unanswered"
# ... and then at most this long for those to be answered.
UNANSWERED_WAIT_SECONDS = 0.05


class KeptAck(Ack):
    """An ack that stays given, and that the request thread sends the moment it is given.

    When a listener raises after acknowledging, Bolt's thread runner sets `ack.response`
    back to None; if the request thread had not sent the ack yet, Slack then gets no
    answer at all ("dispatch_failed") although the listener did acknowledge.

    With `process_before_response` off, Bolt's request thread reads `response` every 10 ms
    until the listener, on another thread, has acknowledged: every ack waited for the next
    poll, 13 ms instead of 3 ms at one request at a time. Read in the thread that waits
    (`waiter`, the one that built this ack), `response` waits for the ack instead, never
    past Slack's 3 s, so Bolt's own timeout still ends the wait.

    A listener that acknowledges with nothing to show has its answer still to make: it
    lets that ack leave first (`sent`, set once the HTTP answer is written) and the other
    requests waiting for theirs go first (`unanswered`, see Unanswered) before going on.
    Otherwise the work after the ack holds the GIL while the request thread and the event
    loop wait for it to send the ack: a vote's confirmation reached Slack before the
    click's ack did. An ack that carries the answer (a status, a form's errors) is as a
    rule the listener's last step, and does not wait; nor does an ack no request thread
    waits for (process_before_response), since its answer leaves only after the listener.
    """

    def __init__(
        self,
        waiter: int | None = None,
        sent: threading.Event | None = None,
        unanswered: Unanswered | None = None,
    ):
        self._given = threading.Event()
        self._waiter = waiter  # a thread id, or None: never wait
        self._sent = sent
        self._unanswered = unanswered
        self._until = time.monotonic() + ACK_SECONDS
        super().__init__()

    def __call__(self, *args, **kwargs) -> BoltResponse:
        response = super().__call__(*args, **kwargs)
        work_follows = not any(args) and not any(kwargs.values())
        elsewhere = self._waiter is not None and self._waiter != threading.get_ident()
        if work_follows and elsewhere and self._sent is not None:
            self._sent.wait(SENT_WAIT_SECONDS)
            if self._unanswered is not None:
                self._unanswered.wait_for_none(UNANSWERED_WAIT_SECONDS)
        return response

    @property
    def response(self) -> BoltResponse | None:
        if self._response is None and self._waiter == threading.get_ident():
            self._given.wait(max(0.0, self._until - time.monotonic()))
        return self._response

    @response.setter
    def response(self, value: BoltResponse | None) -> None:
        if value is None and getattr(self, "_response", None) is not None:
            return
        self._response = value
        if value is not None:
            self._given.set()


def acknowledged(ack: Ack) -> bool:
    """Has the listener acknowledged? Never waits for it."""
    return (ack._response if isinstance(ack, KeptAck) else ack.response) is not None


class ReplaceRespond(Middleware):
    """Our `respond()` (BEHOV_SLACK_TIMEOUT, the WebClient's retries) in place of Bolt's.

    Bolt's kwargs injection hands listeners `context["respond"]`, whether they take
    `respond`, `args` or `context`, and the error handler too: set first, it reaches them all.
    """

    def __init__(self, settings):
        self.settings = settings

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable) -> BoltResponse:  # noqa: A002
        req.context["respond"] = make_respond(self.settings, req.context.response_url)
        return next()


class AddServices(Middleware):
    """Puts the services, the person's texts and a kept ack in Bolt's context.

    A class, so Bolt calls it directly (no argument injection on every request). The last
    middleware: after it only the listener runs, so the ack is waited for only there.
    """

    def __init__(self, services, *, wait_for_ack: bool):
        self.services = services
        # Only while the listener runs on another thread (process_before_response off).
        self.wait_for_ack = wait_for_ack

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable) -> BoltResponse:  # noqa: A002
        context = req.context
        context["svc"] = self.services
        context["tx"] = Texts(self.services.languages.language(context.user_id))
        context["ack"] = KeptAck(
            threading.get_ident() if self.wait_for_ack else None,
            context.get(ANSWER_SENT),
            context.get(UNANSWERED),
        )
        return next()


def say(respond, text: str) -> None:
    """An answer only the person sees, below the message they acted on."""
    respond(text=text, response_type="ephemeral", replace_original=False)


@contextmanager
def telling_user(respond, tx: Texts, what: str) -> Iterator[None]:
    """Run Web API work after the ack; if Slack fails us, log it and tell the person.

    An exception escaping a listener after ack() can cancel the ack Bolt already gave,
    so Web API errors stop here.
    """
    try:
        yield
    except (SlackClientError, OSError) as exc:
        log.warning("Slack call failed while %s: %s", what, exc)
        if respond is not None and getattr(respond, "response_url", True):
            try:
                respond(text=tx("error.slack"), response_type="ephemeral", replace_original=False)
            except (SlackClientError, OSError) as again:
                log.warning("could not tell the user either: %s", again)
