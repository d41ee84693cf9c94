"""Web API clients that go to SLACK_API_URL and retry what Slack asks us to retry."""

from __future__ import annotations

from http.client import HTTPException

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.webhook import WebhookResponse

from bot.hooks import post_json
from bot.log_privacy import response_error
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


class ResponseUrlError(SlackClientError):
    """A response_url answered with an error status after the retries. The message holds
    only the status and Slack's error code: an error page could quote the message sent."""

    log_safe = True  # bot.log_privacy: the message may go into the log as it is

    def __init__(self, status: int, body: str):
        super().__init__(f"response_url answered {status} {response_error(body)}")
        self.status = status


class Respond:
    """`respond()` for listeners: posts to the request's response_url with BEHOV_SLACK_TIMEOUT,
    the WebClient's retries and a kept-alive connection (bot/hooks.py), and raises on a final
    error like the WebClient does.

    Bolt's own waits 30 s, retries only a broken connection and returns error statuses
    silently. Called as Bolt's is, with keywords (`text=`, `blocks=`, `replace_original=`…)
    or one dict holding the whole message.
    """

    def __init__(self, response_url: str | None, *, timeout: float):
        self.response_url = response_url
        self.timeout = timeout

    def __call__(self, text: str | dict = "", **fields) -> WebhookResponse:
        if self.response_url is None:
            raise ValueError("respond is unsupported here as there is no response_url")
        message = dict(text) if isinstance(text, dict) else {"text": text, **fields}
        # Bolt leaves out empty block and attachment lists; so do we.
        answer = post_json(
            self.response_url,
            {k: v for k, v in message.items() if v not in (None, [])},
            timeout=self.timeout,
            retry_handlers=retry_handlers(),
        )
        if not 200 <= answer.status_code < 300:
            raise ResponseUrlError(answer.status_code, answer.body or "")
        return answer


def make_respond(settings: Settings, response_url: str | None) -> Respond:
    return Respond(response_url, timeout=settings.behov_slack_timeout)
