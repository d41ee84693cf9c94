"""Which language each person reads (their Slack locale), the name others see them by and
whether the user is a person at all (not a bot or a deactivated account), looked up once
with users.info and remembered."""

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
        self._known: dict[str, tuple[str, str | None, bool | None, float]] = {}
        self._lock = threading.Lock()

    def language(self, user_id: str | None) -> str:
        return self._lookup(user_id)[0] if user_id else DEFAULT

    def display_name(self, user_id: str | None) -> str | None:
        """The name Slack shows for the person, or None when it cannot be had right now."""
        return self._lookup(user_id)[1] if user_id else None

    def is_person(self, user_id: str) -> bool | None:
        """False for a bot (another app in the channel) or a deactivated account; None when
        Slack cannot tell right now."""
        return self._lookup(user_id)[2]

    def _lookup(self, user_id: str) -> tuple[str, str | None, bool | None]:
        now = time.monotonic()
        with self._lock:
            known = self._known.get(user_id)
        if known and known[3] > now:
            return known[:3]
        try:
            info = self._client.users_info(user=user_id, include_locale=True)["user"]
            lang, name, keep = language_for(info.get("locale")), _shown_name(info), KEEP_SECONDS
            person = not (info.get("is_bot") or info.get("deleted"))
        except (SlackClientError, OSError, KeyError, TypeError) as exc:
            log.info("users.info failed for %s: %s; using %s", user_id, type(exc).__name__, DEFAULT)
            lang, name, person, keep = DEFAULT, None, None, RETRY_SECONDS
        with self._lock:
            self._known[user_id] = (lang, name, person, now + keep)
        return lang, name, person


def _shown_name(user: dict) -> str | None:
    """Slack shows the display name when one is set, else the full name."""
    profile = user.get("profile") or {}
    for name in (profile.get("display_name"), profile.get("real_name"), user.get("real_name")):
        if name and name.strip():
            return name.strip()
    return user.get("name") or None
