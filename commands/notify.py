"""Telling the people concerned when a need moves: followers, the submitter and the process
leader get a direct message in their own language. One entry point, `notify_change`, for every
feature that moves a need (phases here, vote results in the voting feature)."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.i18n import Texts
from bot.posting import post_once
from commands import ids
from commands.render.details import history_line
from commands.render.kit import actions, button, context, escape, section
from commands.render.needs import phase_line, phase_summary, title_line
from domain.history import EventKind
from storage.lifecycle import followers
from storage.models import Need, NeedEvent

log = logging.getLogger(__name__)


def recipients(svc, need: Need, event: NeedEvent) -> list[str]:
    """Who is told: everyone following (a merged need's followers now follow the original),
    except the person who made the change."""
    with svc.db.session() as session:
        people = followers(session, need=need)
        if event.kind == EventKind.CLOSED and need.merged_into:
            original = session.get(Need, need.merged_into)
            if original is not None:
                people |= followers(session, need=original)
    return sorted(people - {event.actor})


def change_message(need: Need, event: NeedEvent, svc, tx: Texts) -> tuple[str, list[dict]]:
    """(fallback text, blocks) of one notification. After a merge the followers follow the
    original, so that is the need the buttons are for."""
    text = tx("notify.text", number=f"#{need.id}", title=escape(need.title))
    merged_into = need.merged_into if event.kind == EventKind.CLOSED else None
    shown = str(merged_into or need.id)
    blocks = [
        section(tx("notify.intro", title=title_line(need))),
        section(history_line(event, svc.ref, tx, svc.settings.tz)),
        context(phase_summary(need, tx) + " · " + phase_line(need, tx).replace("\n", " · ")),
    ]
    if merged_into:
        blocks.append(section(tx("notify.now_following", number=f"#{merged_into}")))
    blocks.append(
        actions(
            button(tx("details.open"), ids.DETAILS, shown, style="primary"),
            button(tx("details.button.unfollow"), ids.UNFOLLOW, shown),
        )
    )
    return text, blocks


def notify_change(client: WebClient, svc, need: Need, event: NeedEvent) -> int:
    """Send the change to each person concerned; returns how many were told. A failed send is
    logged and the others still get theirs."""
    sent = 0
    for user_id in recipients(svc, need, event):
        tx = Texts(svc.languages.language(user_id))
        text, blocks = change_message(need, event, svc, tx)
        try:
            post_once(client, channel=user_id, text=text, blocks=blocks)
            sent += 1
        except (SlackClientError, OSError) as exc:
            log.warning("could not tell %s about #%s: %s", user_id, need.id, exc)
    return sent
