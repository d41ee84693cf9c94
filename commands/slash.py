"""`/behov`: one slash command, Swedish subcommands with English aliases."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from slack_bolt import App
from slack_sdk import WebClient

from bot.i18n import Texts
from commands import (
    errors,
    ids,
    lifecycle,
    lists,
    matrix,
    registration,
    report,
    status,
    vote_opening,
)
from commands.context import telling_user
from commands.redelivery import READ_AHEAD
from commands.render.help import help_blocks
from domain.commands import parse
from domain.needs import TITLE_MAX, Draft, number_digits, parse_number
from domain.slack_text import cut


@dataclass
class Turn:
    """One `/behov` request, parsed."""

    ack: Callable
    respond: Callable
    client: WebClient
    svc: object
    tx: Texts
    user_id: str
    channel_id: str
    trigger_id: str
    argument: str
    read_ahead: dict | None = None  # rows read with the request's key (commands/redelivery.py)


def register(app: App) -> None:
    app.command(ids.COMMAND)(handle_behov)


def handle_behov(ack, command: dict, client: WebClient, respond, context) -> None:
    parsed = parse(command.get("text"))
    turn = Turn(
        ack=ack,
        respond=respond,
        client=client,
        svc=context["svc"],
        tx=context["tx"],
        user_id=command["user_id"],
        channel_id=command.get("channel_id", ""),
        trigger_id=command.get("trigger_id", ""),
        argument=parsed.argument,
        read_ahead=context.get(READ_AHEAD),
    )
    route = ROUTES.get(parsed.name)
    if route is None:
        text, blocks = help_blocks(turn.tx, routes_for(turn), unknown=parsed.word)
        ack(text=text, blocks=blocks)
        return
    route(turn)


def show_help(turn: Turn) -> None:
    text, blocks = help_blocks(turn.tx, routes_for(turn))
    turn.ack(text=text, blocks=blocks)


def open_registration(turn: Turn) -> None:
    turn.ack()
    title, was_cut = cut(turn.argument, TITLE_MAX)
    # A title too long for the form is shortened visibly, and kept whole as the description.
    draft = Draft(title=title, description=turn.argument if was_cut else "")
    registration.open_form(
        turn.client,
        turn.svc,
        turn.tx,
        trigger_id=turn.trigger_id,
        draft=draft,
        respond=turn.respond,
        user_id=turn.user_id,
    )


def answer_status(turn: Turn) -> None:
    if number_digits(turn.argument) is None and turn.argument:  # a fuzzy lookup: after the ack
        answer_after_ack(turn, "looking up a need", status.answer)
        return
    # one indexed read, done with the request's key
    text, blocks = status.answer(turn.svc, turn.tx, turn.argument, turn.read_ahead)
    turn.ack(text=text, blocks=blocks)


def answer_after_ack(turn: Turn, what: str, answer: Callable) -> None:
    """Answers that may take long (fuzzy lookups, pages over many needs) go after the ack.

    Nothing may escape once the ack is given (Bolt's thread runner would drop the ack),
    so a failure is logged and told here.
    """
    turn.ack()
    with telling_user(turn.respond, turn.tx, what):
        try:
            text, blocks = turn.svc.heavy.run(lambda: answer(turn.svc, turn.tx, turn.argument))
        except Exception as error:
            text, blocks = errors.explain(error, f"/behov ({what})", turn.tx), None
        turn.respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)


def follow_need(turn: Turn) -> None:
    """`/behov bevaka <nr>`: direct messages when the need moves."""
    number = parse_number(turn.argument)
    if number is None:
        text, blocks = status.without_number(
            turn.tx, turn.argument, "lifecycle.follow.usage", "follow"
        )
    else:
        text, blocks = lifecycle.follow_answer(turn.svc, turn.tx, turn.user_id, number)
    turn.ack(text=text, blocks=blocks)


def list_needs(turn: Turn) -> None:
    answer_after_ack(turn, "listing needs", lists.answer_list)


def search_needs(turn: Turn) -> None:
    answer_after_ack(turn, "searching needs", lists.answer_search)


# Canonical subcommand -> handler; the help lists them in this order.
ROUTES: dict[str, Callable[[Turn], None]] = {
    "new": open_registration,
    "status": answer_status,
    "list": list_needs,
    "search": search_needs,
    "vote": vote_opening.open_from_command,
    "matrix": matrix.show_matrix,
    "follow": follow_need,
    "help": show_help,
    "report": report.run,
}
# Subcommands only admins may use: the help shows them to admins only.
ADMIN_ROUTES = frozenset({"report", "vote"})


def routes_for(turn: Turn) -> list[str]:
    """The subcommands this person can use, in the help's order."""
    is_admin = turn.svc.settings.is_admin(turn.user_id)
    return [name for name in ROUTES if is_admin or name not in ADMIN_ROUTES]
