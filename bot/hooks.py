"""POSTs to response_urls over kept-alive connections, with slack_sdk's retry handlers.

slack_sdk's WebhookClient opens a new connection (and, against Slack, a TLS handshake) for
every post; answers after the ack and vote confirmations post one each, so the connections
are pooled per host here. Errors come out as the WebhookClient's would: an error status as
a response, a failed connection as an OSError (URLError, TimeoutError, ConnectionResetError),
so `maybe_carried_out` and the callers' handling stay as they are.
"""

from __future__ import annotations

import functools
import json
import threading
import urllib.request
from http.client import RemoteDisconnected
from urllib.error import URLError
from urllib.parse import urlsplit

import urllib3
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.webhook import WebhookResponse

HEADERS = {"Content-Type": "application/json;charset=utf-8"}
_managers: dict[str | None, urllib3.PoolManager] = {}
_lock = threading.Lock()


def post_json(
    url: str, body: dict, *, timeout: float, retry_handlers: list[RetryHandler]
) -> WebhookResponse:
    """POST `body` as JSON; retried as the handlers say (429 Retry-After, 5xx, resets)."""
    data = json.dumps(body).encode()
    request = HttpRequest(method="POST", url=url, headers=HEADERS, data=data)
    state = RetryState()
    while True:
        state.next_attempt_requested = False
        response, error = _attempt(url, data, timeout)
        retry_response = None
        if response is not None:
            if response.status_code < 400:
                return response
            retry_response = HttpResponse(
                status_code=response.status_code,
                headers={k: [v] for k, v in response.headers.items()},
                data=response.body.encode(),
            )
        for handler in retry_handlers:
            if handler.can_retry(
                state=state, request=request, response=retry_response, error=error
            ):
                handler.prepare_for_next_attempt(
                    state=state, request=request, response=retry_response, error=error
                )
                break
        if not state.next_attempt_requested:
            if response is not None:
                return response
            raise error


def _attempt(url: str, data: bytes, timeout: float):
    """(response, None), or (None, the failure as the urllib-based clients raise it)."""
    try:
        got = _manager_for(url).request(
            "POST",
            url,
            body=data,
            headers=HEADERS,
            timeout=timeout,
            retries=False,
            redirect=False,
        )
    except urllib3.exceptions.HTTPError as exc:
        return None, _as_os_error(exc)
    body = got.data.decode("utf-8", errors="replace")
    return WebhookResponse(
        url=url, status_code=got.status, body=body, headers=dict(got.headers)
    ), None


def _as_os_error(exc: urllib3.exceptions.HTTPError) -> OSError:
    """The error urllib would have raised: a timeout after sending is not retried (Slack may
    have shown the message), a connection that never opened or was dropped unanswered is."""
    if isinstance(exc, urllib3.exceptions.ReadTimeoutError):
        return TimeoutError(f"response_url did not answer in time: {exc}")
    if isinstance(exc, urllib3.exceptions.ProtocolError):
        return RemoteDisconnected(f"response_url closed the connection: {exc}")
    return URLError(exc)  # could not connect (refused, connect timeout, TLS)


def _manager_for(url: str) -> urllib3.PoolManager:
    """A pool per proxy: the environment's HTTPS_PROXY/NO_PROXY apply, as with urllib."""
    proxy = _proxy_for(url)
    with _lock:
        if proxy not in _managers:
            options = dict(num_pools=16, maxsize=32, block=False)
            _managers[proxy] = (
                urllib3.ProxyManager(proxy, **options) if proxy else urllib3.PoolManager(**options)
            )
        return _managers[proxy]


def _proxy_for(url: str) -> str | None:
    parts = urlsplit(url)
    return _proxy(parts.scheme, parts.hostname or "")


@functools.lru_cache(maxsize=64)
def _proxy(scheme: str, host: str) -> str | None:
    """Read once per host: looking through the environment costs more than a post."""
    if urllib.request.proxy_bypass(host):
        return None
    return urllib.request.getproxies().get(scheme)
