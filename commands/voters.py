"""Who may vote: the members of the voting channel, read from Slack and cached in the database.

The cache is filled with `conversations.members` (all pages) when a vote opens or closes and
whenever it is older than MAX_AGE at a click from someone it does not list, and kept current
by the member_joined_channel / member_left_channel events. The bot itself is never a voter,
nor is another app's bot or a deactivated account in the channel (users.info, remembered in
`svc.languages`); when Slack cannot tell, the member counts.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from storage.votes import (
    add_member,
    bump_open_votes,
    is_member,
    members,
    members_refreshed_at,
    remove_member,
    replace_members,
)

log = logging.getLogger(__name__)

MAX_AGE = timedelta(minutes=10)
PAGE_SIZE = 200

_bot_ids: dict[str, str] = {}
_bot_ids_lock = threading.Lock()


def bot_user_id(client: WebClient) -> str | None:
    """The bot's own user id (auth.test once per token and process)."""
    token = client.token or ""
    with _bot_ids_lock:
        if token in _bot_ids:
            return _bot_ids[token]
    try:
        user = client.auth_test().get("user_id")
    except (SlackClientError, OSError) as exc:
        log.warning("auth.test failed, cannot tell the bot from the voters: %s", exc)
        return None
    with _bot_ids_lock:
        _bot_ids[token] = user
    return user


def fetch_members(client: WebClient, channel: str) -> list[str]:
    """Every member of the channel, following the cursor through all pages."""
    found, cursor = [], None
    while True:
        page = client.conversations_members(channel=channel, limit=PAGE_SIZE, cursor=cursor)
        found.extend(page.get("members") or [])
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return found


def refresh(svc, client: WebClient, channel: str) -> list[str]:
    """Read the members from Slack into the cache; the eligible voters, sorted."""
    bot = bot_user_id(client)
    users = [u for u in fetch_members(client, channel) if u != bot and _person(svc, u)]
    with svc.db.session(write=True) as session:
        replace_members(session, channel=channel, users=users, now=svc.clock())
    return sorted(set(users))


def current(svc, client: WebClient, channel: str) -> list[str]:
    """The eligible voters: fresh from Slack if possible, else the cache."""
    try:
        return refresh(svc, client, channel)
    except (SlackClientError, OSError) as exc:
        log.warning("conversations.members failed for %s, using the cache: %s", channel, exc)
        return cached(svc, channel)


def cached(svc, channel: str) -> list[str]:
    with svc.db.session() as session:
        return members(session, channel=channel)


def may_vote(svc, client: WebClient, channel: str, user: str) -> bool:
    """Is the user a member of the voting channel? Asks Slack when the cache may be stale."""
    with svc.db.session() as session:
        if is_member(session, channel=channel, user=user):
            return True
        refreshed = members_refreshed_at(session, channel=channel)
    if refreshed is not None and svc.clock() - refreshed < MAX_AGE:
        return False
    try:
        return user in refresh(svc, client, channel)
    except (SlackClientError, OSError) as exc:
        log.warning("could not check membership of %s in %s: %s", user, channel, exc)
        return False


def joined(svc, client: WebClient, channel: str, user: str) -> list[int]:
    """A member joined: cache them; the open votes whose count of eligible changed."""
    if user == bot_user_id(client) or not _person(svc, user):
        return []
    with svc.db.session() as session:
        empty = members_refreshed_at(session, channel=channel) is None
    if empty:  # never filled: one join must not look like the whole channel
        current(svc, client, channel)
    with svc.db.session(write=True) as session:
        add_member(session, channel=channel, user=user, now=svc.clock())
        return bump_open_votes(session, channel=channel)


def _person(svc, user: str) -> bool:
    return svc.languages.is_person(user) is not False


def left(svc, channel: str, user: str) -> list[int]:
    with svc.db.session(write=True) as session:
        remove_member(session, channel=channel, user=user)
        return bump_open_votes(session, channel=channel)
