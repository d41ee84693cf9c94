"""Act once per request: Slack's retried events and replayed requests do nothing the second time.

Runs as the first global middleware that acts, after Bolt has checked the signature and
timestamp (only the one replacing `respond` comes before it).
An event is known by its `event_id` (Slack retries it with a new signature and an
`X-Slack-Retry-Num` header): a second delivery is acknowledged with 200 so Slack stops
retrying. Any other request is known by its signature: Slack never sends the same signed
request twice, so a second one is a replay and gets 401. The keys live in the database, so
several processes on one database agree.

A request that will read one row before its ack (`/behov status 12`) can name it
(`ReadAhead`): the row is then read with the key, in one round trip on PostgreSQL, and
left in the context for the listener (`READ_AHEAD`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import timedelta

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from storage.driver import DriverStatement
from storage.requests import first_time, first_time_reading, forget_before

log = logging.getLogger(__name__)
# Slack retries an event for about an hour and refuses timestamps older than five minutes.
KEEP_KEYS = timedelta(hours=2)
CLEANUP_EVERY = timedelta(minutes=10)
READ_AHEAD = "read_ahead"  # in the context: {what: row or None}, for the listener


@dataclass(frozen=True)
class ReadAhead:
    """The one row a request will read before its ack: `what` names it to the listener."""

    what: Hashable
    statement: DriverStatement
    params: dict = field(default_factory=dict)


def request_key(request: BoltRequest, body: dict) -> str | None:
    if body.get("type") == "event_callback" and body.get("event_id"):
        return "event:" + str(body["event_id"])
    signature = (request.headers.get("x-slack-signature") or [None])[0]
    return "sig:" + signature if signature else None


class RefuseRedeliveries(Middleware):
    """Bolt middleware; a class, so Bolt calls it directly (no argument injection per request)."""

    def __init__(self, services, read_ahead: Callable[[dict], ReadAhead | None] | None = None):
        self.services = services
        self.read_ahead = read_ahead  # what a request's body will read first, if anything
        self.last_cleanup = None

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable) -> BoltResponse:  # noqa: A002
        if req.mode != "http":  # Socket Mode: Slack's envelope ids, no signatures
            return next()
        body = req.body
        key = request_key(req, body)
        if key is None:
            return next()
        now = self.services.clock()
        ahead = self.read_ahead(body) if self.read_ahead else None
        with self.services.db.driver(write=True) as driver:
            if ahead is None:
                fresh = first_time(driver, key=key, now=now)
            else:
                fresh, row = first_time_reading(
                    driver, key=key, now=now, read=ahead.statement, **ahead.params
                )
                req.context[READ_AHEAD] = {ahead.what: row}
        if fresh and (self.last_cleanup is None or now - self.last_cleanup > CLEANUP_EVERY):
            self.last_cleanup = now
            with self.services.db.connection(write=True) as conn:
                forget_before(conn, before=now - KEEP_KEYS)
        if fresh:
            return next()
        retry = (req.headers.get("x-slack-retry-num") or ["0"])[0]
        if key.startswith("event:"):
            log.info("event %s delivered again (retry %s): already handled", key[6:], retry)
            return BoltResponse(status=200, body="")
        log.warning("replayed request refused (%s)", body.get("type") or body.get("command"))
        return BoltResponse(status=401, body="")
