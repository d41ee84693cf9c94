"""Web API clients that go to SLACK_API_URL and retry what Slack asks us to retry."""

from __future__ import annotations

from http.client import HTTPException

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.settings import Settings


def retry_handlers() -> list:
    """429 waits for Retry-After; 5xx and broken connections back off and try again."""
    return [
        RateLimitErrorRetryHandler(max_retry_count=3),
        ServerErrorRetryHandler(max_retry_count=2),
        ConnectionErrorRetryHandler(max_retry_count=2),
    ]


def make_client(
    settings: Settings, *, timeout: float | None = None, retries: bool = True
) -> WebClient:
    """A Web API client; `timeout` defaults to BEHOV_SLACK_TIMEOUT (seconds per call)."""
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=settings.behov_slack_timeout if timeout is None else timeout,
        retry_handlers=retry_handlers() if retries else [],
    )


# Slack's docs on these two: "It's possible some aspect of the operation succeeded before the
# error was raised."
_MAYBE_DONE_ERRORS = {"fatal_error", "internal_error"}


def maybe_carried_out(exc: Exception) -> bool:
    """Whether a failed Web API call may still have been carried out by Slack.

    A timeout or a broken connection can hide an answer Slack already sent, and a 5xx can
    come after the work was done. A 429 and a refusal (`ok: false` such as channel_not_found)
    mean Slack did nothing.
    """
    if isinstance(exc, SlackApiError):
        status = exc.response.status_code
        return status >= 500 or exc.response.get("error") in _MAYBE_DONE_ERRORS
    return isinstance(exc, OSError | HTTPException)  # timeouts, resets, URLError
