"""`/behov lista [1-4]` and `/behov sök <text>`: compact lists, a page at a time."""

from __future__ import annotations

from bot.i18n import Texts
from commands.context import telling_user
from commands.render.help import usage
from commands.render.kit import escape, section, shorten
from commands.render.lists import PAGE_SIZE, ListState, list_message, search_message
from storage.listing import needs_page, search_page

PHASES = {"1": 1, "2": 2, "3": 3, "4": 4}


def answer_list(svc, tx: Texts, argument: str) -> tuple[str, list[dict]]:
    """(fallback text, blocks) answering `/behov lista [1-4]`."""
    argument = argument.strip()
    if argument and argument not in PHASES:
        text = tx("lists.bad_phase", argument=escape(shorten(argument, 40)))
        return usage(text, tx, "list")
    return show(svc, tx, ListState(bucket=PHASES.get(argument)))


def answer_search(svc, tx: Texts, argument: str) -> tuple[str, list[dict]]:
    """(fallback text, blocks) answering `/behov sök <text>`."""
    if not argument.strip():
        return usage(tx("search.usage"), tx, "search")
    return show(svc, tx, ListState(query=argument.strip()))


def show(svc, tx: Texts, state: ListState) -> tuple[str, list[dict]]:
    """One page of a list or a search, read in one short transaction."""
    with svc.db.session() as session:
        if state.query is not None:
            page = search_page(
                session, titles=svc.titles, query=state.query, page=state.page, size=PAGE_SIZE
            )
            return search_message(page, tx, query=state.query)
        page = needs_page(session, bucket=state.bucket, page=state.page, size=PAGE_SIZE)
    return list_message(page, tx, bucket=state.bucket)


def turn_page(ack, action: dict, respond, context) -> None:
    """Previous/next under a list: the same message shows another page."""
    ack()
    svc, tx = context["svc"], context["tx"]
    state = ListState.decode(action.get("value"))
    if state is None:
        text, blocks = tx("lists.stale"), [section(tx("lists.stale"))]
    else:
        text, blocks = show(svc, tx, state)
    with telling_user(respond, tx, "turning a list page"):
        respond(text=text, blocks=blocks, replace_original=True)
