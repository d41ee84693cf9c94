"""Messages and file shares that handlers post, made once through Slack's failures.

The WebClient's own retries post again after a 5xx or a broken connection, and a timed-out
call may be on its way still; Slack may have stored the first post all the same, and it then
shows twice. Here a post is made by a copy of the client that retries only a 429 (Slack did
nothing), carries a fresh delivery key in its message metadata, and after a failure that may
have gone through (bot.slack_client.maybe_carried_out) the conversation since the first try
is read back for that key (bot.sent_check) before posting again. A file share is found again
by the file's id. Scheduled work has its own, slower check across ticks (bot.due).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.web import SlackResponse

from bot.due import wall_clock
from bot.sent_check import carrying, find_message, marked
from bot.slack_client import maybe_carried_out

log = logging.getLogger(__name__)
T = TypeVar("T")

TRIES = 3  # posts at most: the first and two more, as many as the WebClient's 5xx retries
# Seconds to wait after the first, second and third failed try before looking for it.
PAUSES = (0.5, 1.0, 2.0)


def post_once(
    client: WebClient,
    *,
    channel: str,
    text: str,
    blocks: list[dict] | None = None,
    thread_ts: str | None = None,
    metadata: dict | None = None,
    **fields,
) -> str:
    """chat.postMessage, once; returns the message's ts (of the copy found again, if that is
    how it ended). `channel` may be a user id (the app's DM with them). Raises like the
    WebClient when the message cannot be posted."""
    key = f"post/{uuid.uuid4().hex}"
    poster = without_blind_retries(client)

    def attempt() -> str:
        meta = marked(key, metadata)
        args = dict(channel=channel, text=text, blocks=blocks, thread_ts=thread_ts, metadata=meta)
        return poster.chat_postMessage(**args, **fields)["ts"]

    def look(since: datetime) -> str | None:
        found = find_message(client, channel=channel, since=since, matches=carrying(key),
                             what=f"the message {key}", thread_ts=thread_ts)  # fmt: skip
        return found["ts"] if found else None

    return once(attempt, look, what=f"posting to {channel}", timeout=poster.timeout)


def upload_once(client: WebClient, *, channel: str, **details) -> None:
    """files_upload_v2 to a channel (an id, as Slack requires), its share made once.

    The first two steps (an upload URL, then the bytes) prepare a file nobody sees yet and
    are retried as usual; the last, files.completeUploadExternal, shares it in the channel.
    """
    _SharingOnce.like(client).files_upload_v2(channel=channel, **details)


class _SharingOnce(WebClient):
    """A WebClient whose files.completeUploadExternal is made once, found again by file id."""

    @classmethod
    def like(cls, client: WebClient) -> _SharingOnce:
        return _copy(client, cls, client.retry_handlers)

    def files_completeUploadExternal(self, *, files, channel_id=None, **kwargs) -> SlackResponse:
        sharer = without_blind_retries(self)
        ids = {f["id"] for f in files}

        def attempt() -> SlackResponse:
            return sharer.files_completeUploadExternal(files=files, channel_id=channel_id, **kwargs)

        def look(since: datetime) -> SlackResponse | None:
            found = find_message(self, channel=channel_id, since=since, matches=sharing(ids),
                                 what=f"the file {', '.join(sorted(ids))}",
                                 thread_ts=kwargs.get("thread_ts"))  # fmt: skip
            return self._as_answer(found["files"]) if found else None

        return once(attempt, look, what=f"sharing a file in {channel_id}", timeout=self.timeout)

    def _as_answer(self, files: list[dict]) -> SlackResponse:
        """What files.completeUploadExternal would have answered (files_upload_v2 reads it)."""
        data = {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files]}
        return SlackResponse(client=self, http_verb="POST", api_url=self.base_url,
                             req_args={}, data=data, headers={}, status_code=200)  # fmt: skip


def sharing(file_ids: set[str]) -> Callable[[dict], bool]:
    """Tells the message that shares one of these files."""
    return lambda message: any(f.get("id") in file_ids for f in message.get("files") or [])


def once(
    attempt: Callable[[], T],
    look: Callable[[datetime], T | None],
    *,
    what: str,
    timeout: float,
) -> T:
    """Try, and after a failure that may have gone through, look (since the first try)
    before trying again; at most TRIES tries. Raises a failure that says Slack did nothing
    at once, and the last failure when the tries are used up.

    While Slack cannot be asked whether an earlier try arrived, no new try is made: a message
    missing (and the person told so) is better than one shown twice.
    """
    since = wall_clock()
    failure: Exception | None = None
    for turn in range(TRIES + 1):
        if failure is not None:
            time.sleep(_pause(failure, turn - 1, timeout))
            try:
                found = look(since)
            except (SlackClientError, OSError) as exc:
                log.warning("cannot tell whether %s went through (%s): not trying again yet",
                            what, exc)  # fmt: skip
                continue
            if found is not None:
                log.info("%s had gone through after all: not repeated", what)
                return found
        if turn == TRIES:
            break
        try:
            return attempt()
        except Exception as exc:
            if not maybe_carried_out(exc):
                raise
            failure = exc
            log.warning("%s may have gone through (%s): looking before trying again", what, exc)
    raise failure


def _pause(failure: Exception, index: int, timeout: float) -> float:
    """A 5xx is Slack's last word on the call. A timed-out or broken call may still be under
    way in Slack: it gets as long again as we waited for it before it is looked for."""
    pause = PAUSES[min(index, len(PAUSES) - 1)]
    return pause if isinstance(failure, SlackApiError) else max(pause, timeout)


def without_blind_retries(client: WebClient) -> WebClient:
    """A copy of `client` that retries a 429 only (Slack's answer that it did nothing)."""
    keep = [h for h in client.retry_handlers or [] if isinstance(h, RateLimitErrorRetryHandler)]
    return _copy(client, WebClient, keep)


def _copy(client: WebClient, cls: type[WebClient], retry_handlers: list) -> WebClient:
    return cls(
        token=client.token,
        base_url=client.base_url,
        timeout=client.timeout,
        ssl=client.ssl,
        proxy=client.proxy,
        headers=dict(client.headers),
        team_id=client.default_params.get("team_id"),
        logger=client._logger,  # the caller's logger, as Bolt's copies keep it
        retry_handlers=list(retry_handlers),
    )
