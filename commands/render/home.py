"""The App Home tab: my needs, votes awaiting me, needs I lead, what waits for admins, and all
needs phase by phase. Every list is a page, so the tab never passes MAX_BLOCKS (64), far below
Slack's 100, however many needs there are. Buttons carry the tab's state in their value."""

from __future__ import annotations

import json
from dataclasses import asdict, fields, replace
from zoneinfo import ZoneInfo

from bot.i18n import Texts
from commands import ids
from commands.render.kit import actions, button, context, divider, header, section
from commands.render.lists import need_row, pager
from commands.render.needs import phase_name, when
from storage.listing import BUCKETS, CLOSED, Home, HomePages, Page, Row

SECTION_SIZE = 5  # rows in each personal and admin list
ALL_SIZE = 15  # rows in the list of all needs of one phase
# header, intro and its buttons, admin header, 5 lists of (divider, heading, rows, pager),
# and the phase list (divider, header, tabs, heading, rows, pager)
MAX_BLOCKS = 3 + 1 + 5 * (3 + SECTION_SIZE) + (5 + ALL_SIZE)
# HomePages field -> its short key in a button value
_KEYS = {
    "bucket": "b",
    "all": "a",
    "mine": "m",
    "vote": "v",
    "lead": "l",
    "new": "n",
    "decide": "d",
}


def encode_pages(pages: HomePages) -> str:
    """The home's state as a button value: small JSON, defaults left out."""
    default = HomePages()
    state = {
        _KEYS[name]: value
        for name, value in asdict(pages).items()
        if value != getattr(default, name)
    }
    return json.dumps(state, separators=(",", ":"))


def decode_pages(value: str | None) -> HomePages:
    """The state in a button value; anything unreadable gives the default home."""
    try:
        state = json.loads(value or "{}")
        if not isinstance(state, dict):
            return HomePages()
        found = {
            f.name: int(state[_KEYS[f.name]]) for f in fields(HomePages) if _KEYS[f.name] in state
        }
    except (ValueError, TypeError):
        return HomePages()
    found = {name: max(0, number) for name, number in found.items()}
    if found.get("bucket", HomePages.bucket) not in BUCKETS:
        found.pop("bucket")
    return HomePages(**found)


def _bucket_name(bucket: int, tx: Texts) -> str:
    if bucket == CLOSED:
        return tx("home.closed.name")
    return tx("phase.of_four", phase=bucket, name=phase_name(bucket, tx))


def _list_blocks(
    title: str,
    page: Page,
    tx: Texts,
    *,
    empty: str,
    pages: HomePages,
    name: str,
    note=None,
) -> list[dict]:
    """A heading with count and page, the rows, and buttons to the neighbouring pages."""
    if not page.rows:
        return [divider(), section(f"*{title}*"), context(empty)]
    heading = tx.plural(
        "home.section_heading", page.total, title=title, page=page.number + 1, pages=page.pages
    )
    blocks = [divider(), section(heading)]
    blocks += [need_row(row.need, tx, note(row) if note else None) for row in page.rows]
    buttons = pager(
        page,
        tx,
        ids.nav_action(ids.HOME_NAV, name),
        lambda number: encode_pages(replace(pages, **{name: number})),
    )
    if buttons:
        blocks.append(buttons)
    return blocks


def _tabs(home: Home, tx: Texts, pages: HomePages) -> dict:
    buttons = []
    for bucket in BUCKETS:
        count = home.counts.get(bucket, 0)
        text = (
            tx("home.tab.closed", count=count)
            if bucket == CLOSED
            else tx("home.tab.phase", phase=bucket, count=count)
        )
        value = encode_pages(replace(pages, bucket=bucket, all=0))
        buttons.append(
            button(
                text,
                ids.nav_action(ids.HOME_NAV, f"tab{bucket}"),
                value,
                style="primary" if bucket == home.bucket else None,
            )
        )
    return actions(*buttons)


def _decision_note(row: Row, tx: Texts, tz: ZoneInfo) -> str:
    vote = row.vote
    if vote is None:
        return tx("home.decide.no_vote")
    if vote.closed_at is None:
        return tx("home.decide.vote_open", date=when(vote.deadline, tz))
    if vote.quadrant:
        return tx("home.decide.vote_closed", quadrant=tx(f"home.quadrant.{vote.quadrant}"))
    return tx("home.decide.vote_closed_no_result")


def home_view(home: Home, tx: Texts, tz: ZoneInfo, *, pages: HomePages) -> dict:
    """The whole tab for one person (admin lists only when `home` has them)."""
    blocks = [
        header(tx("home.title")),
        section(tx("home.intro")),
        actions(
            button(tx("home.register"), ids.HOME_REGISTER, style="primary"),
            button(tx("home.matrix"), ids.HOME_MATRIX),
        ),
    ]
    if home.new is not None and home.decide is not None:
        blocks.append(header(tx("home.admin.title")))
        blocks += _list_blocks(
            tx("home.new.title"),
            home.new,
            tx,
            empty=tx("home.new.empty"),
            pages=pages,
            name="new",
            note=lambda row: tx("home.new.note", date=when(row.need.submitted_at, tz)),
        )
        blocks += _list_blocks(
            tx("home.decide.title"),
            home.decide,
            tx,
            empty=tx("home.decide.empty"),
            pages=pages,
            name="decide",
            note=lambda row: _decision_note(row, tx, tz),
        )
    if home.voter:  # only VVG's members vote: others would only ever see it empty
        blocks += _list_blocks(
            tx("home.vote.title"),
            home.vote,
            tx,
            empty=tx("home.vote.empty"),
            pages=pages,
            name="vote",
            note=lambda row: tx(
                "home.vote.note", channel=f"<#{row.vote.channel}>", date=when(row.vote.deadline, tz)
            ),
        )
    blocks += _list_blocks(
        tx("home.mine.title"), home.mine, tx, empty=tx("home.mine.empty"), pages=pages, name="mine"
    )
    blocks += _list_blocks(
        tx("home.lead.title"), home.lead, tx, empty=tx("home.lead.empty"), pages=pages, name="lead"
    )
    blocks += [divider(), header(tx("home.all.title")), _tabs(home, tx, pages)]
    blocks += _list_blocks(
        _bucket_name(home.bucket, tx),
        home.all,
        tx,
        empty=tx("home.all.empty"),
        pages=pages,
        name="all",
    )[1:]  # the tabs already separate it
    return {"type": "home", "blocks": blocks}
