"""Which language each person reads: their Slack locale, looked up once and remembered."""

from __future__ import annotations

import logging
import threading
import time

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.i18n import DEFAULT, language_for

log = logging.getLogger(__name__)
KEEP_SECONDS = 6 * 3600
RETRY_SECONDS = 300


class UserLanguages:
    def __init__(self, client: WebClient):
        self._client = client
        self._known: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def language(self, user_id: str | None) -> str:
        if not user_id:
            return DEFAULT
        now = time.monotonic()
        with self._lock:
            known = self._known.get(user_id)
        if known and known[1] > now:
            return known[0]
        try:
            info = self._client.users_info(user=user_id, include_locale=True)
            lang, keep = language_for(info["user"].get("locale")), KEEP_SECONDS
        except (SlackClientError, OSError, KeyError) as exc:
            log.info("users.info failed for %s: %s; using %s", user_id, type(exc).__name__, DEFAULT)
            lang, keep = DEFAULT, RETRY_SECONDS
        with self._lock:
            self._known[user_id] = (lang, now + keep)
        return lang
