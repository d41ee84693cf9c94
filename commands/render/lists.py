"""Compact lists of needs (`/behov lista`, `/behov sök`): one line per need, a page at a time.

A page is at most PAGE_SIZE rows + heading + page line + buttons: far inside Slack's 50 blocks
per message, however many needs there are. The buttons carry the list's state in their value.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace

from bot.i18n import Texts
from commands import ids
from commands.render.kit import actions, button, context, escape, section, shorten
from commands.render.needs import phase_name, phase_summary, title_line
from storage.listing import Page
from storage.models import Need

PAGE_SIZE = 20
QUERY_MAX = 200  # a search query kept in a button value (Slack allows 2,000 characters)


@dataclass(frozen=True)
class ListState:
    """Which list a message shows: a phase (or all) or a search, and which page."""

    bucket: int | None = None  # phase 1-4; None: every need
    query: str | None = None  # a search instead of a list
    page: int = 0

    def encode(self) -> str:
        state = {"n": self.page}
        if self.query is not None:
            state["q"] = self.query[:QUERY_MAX]
        elif self.bucket is not None:
            state["f"] = self.bucket
        return json.dumps(state, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def decode(cls, value: str | None) -> ListState | None:
        """The state in a button's value, or None if it is not one of ours."""
        try:
            state = json.loads(value or "")
            page = int(state.get("n", 0))
            query = state.get("q")
            bucket = state.get("f")
        except (ValueError, TypeError, AttributeError):
            return None
        if query is not None and not isinstance(query, str):
            return None
        if bucket is not None and (type(bucket) is not int or bucket not in (1, 2, 3, 4)):
            return None
        return cls(bucket=bucket, query=query[:QUERY_MAX] if query else query, page=max(0, page))


def state_line(need: Need, tx: Texts) -> str:
    """`Fas 2 av 4: …`, or how and where a closed need ended."""
    if need.outcome:
        return tx("lists.closed", phase=need.phase, outcome=tx(f"outcome.{need.outcome}"))
    return phase_summary(need, tx)


def need_row(need: Need, tx: Texts, note: str | None = None) -> dict:
    """One need on one line (number, escaped title, phase) with a button to its details."""
    text = f"{title_line(need)} · {state_line(need, tx)}"
    if note:
        text += f"\n{note}"
    return section(text, accessory=button(tx("lists.show"), ids.DETAILS, str(need.id)))


def page_line(page: Page, tx: Texts) -> str:
    return tx("lists.page", page=page.number + 1, pages=page.pages)


def pager(page: Page, tx: Texts, prefix: str, value_for: Callable[[int], str]) -> dict | None:
    """Previous/next buttons, or nothing when everything fits on one page."""
    buttons = []
    if page.number > 0:
        buttons.append(
            button(
                tx("lists.previous"),
                ids.nav_action(prefix, "prev"),
                value_for(page.number - 1),
            )
        )
    if page.number < page.pages - 1:
        buttons.append(
            button(tx("lists.next"), ids.nav_action(prefix, "next"), value_for(page.number + 1))
        )
    return actions(*buttons) if buttons else None


def _message(heading: str, page: Page, tx: Texts, state: ListState, empty: str) -> list[dict]:
    if not page.rows:
        return [section(heading), section(empty)]
    blocks = [section(heading)]
    blocks += [need_row(need, tx) for need in page.needs]
    blocks.append(context(page_line(page, tx)))
    buttons = pager(page, tx, ids.LIST_PAGE, lambda number: replace(state, page=number).encode())
    if buttons:
        blocks.append(buttons)
    return blocks


def list_message(page: Page, tx: Texts, *, bucket: int | None) -> tuple[str, list[dict]]:
    """(fallback text, blocks) of one page of `/behov lista [fas]`."""
    state = ListState(bucket=bucket, page=page.number)
    if bucket is None:
        heading = tx.plural("lists.all_heading", page.total)
        empty = tx("lists.empty_all")
    else:
        name = tx("phase.of_four", phase=bucket, name=phase_name(bucket, tx))
        heading = tx.plural("lists.phase_heading", page.total, phase=name)
        empty = tx("lists.empty_phase", phase=phase_name(bucket, tx))
    return tx("lists.fallback"), _message(heading, page, tx, state, empty)


def search_message(page: Page, tx: Texts, *, query: str) -> tuple[str, list[dict]]:
    """(fallback text, blocks) of one page of `/behov sök <text>`, best matches first."""
    query = query[:QUERY_MAX]
    state = ListState(query=query, page=page.number)
    shown = escape(shorten(query, 80))
    heading = tx.plural("search.heading", page.total, query=shown)
    empty = tx("search.no_match", query=shown)
    if not page.rows:
        return tx("search.fallback"), [section(empty)]
    return tx("search.fallback"), _message(heading, page, tx, state, empty)
