"""Where does a need stand? By number, or by fuzzy title."""

from __future__ import annotations

from bot.i18n import Texts
from commands import ids
from commands.redelivery import ReadAhead
from commands.render.help import usage
from commands.render.kit import escape, section
from commands.render.needs import choice_blocks, status_blocks
from domain.commands import parse
from domain.matching import clear_winner
from domain.needs import number_digits, parse_number
from storage.needs import STATUS_BY_NUMBER, need_rows, status_row


def read_ahead(body: dict) -> ReadAhead | None:
    """`/behov status 12` reads need 12 before its ack, so it is read together with the
    request's key (commands/redelivery.py)."""
    if body.get("command") != ids.COMMAND:
        return None
    parsed = parse(body.get("text"))
    number = parse_number(parsed.argument) if parsed.name == "status" else None
    if number is None:
        return None
    return ReadAhead(_read_as(number), STATUS_BY_NUMBER, {"need_id": number})


def _read_as(number: int) -> tuple:
    """What a read-ahead of need `number` is called, for `read_ahead` and `answer` alike."""
    return ("status", number)


def answer(svc, tx: Texts, argument: str, read: dict | None = None) -> tuple[str, list[dict]]:
    """(fallback text, blocks) answering `/behov status <nr|text>`; `read` is what the
    request read ahead, if anything."""
    if not argument:
        return usage(tx("status.usage"), tx, "status")
    number = parse_number(argument)
    if number is None and number_digits(argument):  # too large for any need: no search
        return no_such_number(tx, argument)
    if number is not None:
        if read and _read_as(number) in read:
            need = read[_read_as(number)]
        else:  # not read ahead (Socket Mode)
            with svc.db.driver() as driver:
                need = status_row(driver, need_id=number)
        if need is None:
            return _plain(tx("status.no_number", number=number))
        return show(svc, tx, need)
    with svc.db.connection() as conn:
        matches = svc.titles.lookup(conn, argument)
        found = need_rows(conn, ids=[m.need_id for m in matches])
        winner = clear_winner(matches, argument, {n: row.title for n, row in found.items()})
    if winner is not None and winner.need_id in found:
        return show(svc, tx, found[winner.need_id])
    if not matches:
        return _plain(tx("status.no_match", query=escape(argument)))
    needs = [found[m.need_id] for m in matches if m.need_id in found]
    return tx("status.several_fallback"), choice_blocks(needs, argument, tx)


def show(svc, tx: Texts, need) -> tuple[str, list[dict]]:
    blocks = status_blocks(need, svc.ref, tx, svc.settings.tz)
    return escape(f"#{need.id} {need.title}"), blocks


def no_such_number(tx: Texts, argument: str) -> tuple[str, list[dict]]:
    """The answer to a number too large for any need, with its digits as typed."""
    return _plain(tx("status.no_number", number=number_digits(argument)))


def without_number(tx: Texts, argument: str, usage_key: str, name: str) -> tuple[str, list[dict]]:
    """The answer to `/behov <name> <argument>` when the argument is no need's number: too
    large for any need, or no number at all (then how the subcommand is used)."""
    if number_digits(argument):
        return no_such_number(tx, argument)
    return usage(tx(usage_key), tx, name)


def _plain(text: str) -> tuple[str, list[dict]]:
    return text, [section(text)]
