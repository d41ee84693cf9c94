"""What a handler gets besides Bolt's arguments: the services and the person's language."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from slack_bolt import Ack, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from slack_sdk.errors import SlackClientError

from bot.i18n import Texts
from bot.slack_client import make_respond

log = logging.getLogger(__name__)


class KeptAck(Ack):
    """An ack that stays given.

    When a listener raises after acknowledging, Bolt's thread runner sets `ack.response`
    back to None; if the request thread had not sent the ack yet, Slack then gets no
    answer at all ("dispatch_failed") although the listener did acknowledge.
    """

    @property
    def response(self) -> BoltResponse | None:
        return self._response

    @response.setter
    def response(self, value: BoltResponse | None) -> None:
        if value is None and getattr(self, "_response", None) is not None:
            return
        self._response = value


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
    """Puts a kept ack, the services and the person's texts in Bolt's context.

    A class, so Bolt calls it directly (no argument injection on every request).
    """

    def __init__(self, services):
        self.services = services

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable) -> BoltResponse:  # noqa: A002
        context = req.context
        context["ack"] = KeptAck()
        context["svc"] = self.services
        context["tx"] = Texts(self.services.languages.language(context.user_id))
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
        if respond is not None:
            try:
                respond(text=tx("error.slack"), response_type="ephemeral", replace_original=False)
            except (SlackClientError, OSError) as again:
                log.warning("could not tell the user either: %s", again)
