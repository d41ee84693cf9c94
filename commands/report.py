"""`/behov rapport [år]` (admins): the annual report as text plus a chart, built after the ack."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.posting import upload_once
from bot.report_chart import report_chart_png
from bot.reporting import report_tables
from bot.slack_client import maybe_carried_out
from commands.context import telling_user
from commands.render.help import usage
from commands.render.report import report_text
from domain.report import annual_report
from storage.report import report_facts

log = logging.getLogger(__name__)
YEARS = range(2000, 2101)


def parse_year(argument: str, this_year: int) -> int | None:
    text = argument.strip()
    if not text:
        return this_year
    return int(text) if text.isdigit() and int(text) in YEARS else None


def run(turn) -> None:
    svc, tx = turn.svc, turn.tx
    if not svc.settings.is_admin(turn.user_id):
        turn.ack(text=tx("report.admins_only"))
        return
    year = parse_year(turn.argument, svc.clock().astimezone(svc.settings.tz).year)
    if year is None:
        text, blocks = usage(tx("report.usage"), tx, "report")
        turn.ack(text=text, blocks=blocks)
        return
    turn.ack(text=tx("report.working", year=year))
    with svc.db.session() as session:
        facts = report_facts(session)
    report = annual_report(facts, year, svc.settings.tz)
    text = report_text(report_tables(report, svc.ref, tx), tx, year)
    png = report_chart_png(report, tx)
    with telling_user(turn.respond, tx, "posting the annual report"):
        upload(turn.client, turn.channel_id, turn.user_id, text, png, year, tx)


def upload(client: WebClient, channel: str, user: str, text: str, png: bytes, year, tx) -> None:
    """To the channel the command came from; as a DM when the bot may not post there."""
    details = dict(
        file=png,
        filename=f"behov-arsrapport-{year}.png",
        title=tx("report.chart.title", year=year),
        initial_comment=text,
    )
    if channel:
        try:
            upload_once(client, channel=channel, **details)
            return
        except SlackApiError as exc:
            if maybe_carried_out(exc):  # it may be in the channel: a DM could show it twice
                raise
            log.info(
                "report to %s failed (%s); sending it as a DM", channel, exc.response.get("error")
            )
    dm = client.conversations_open(users=user)["channel"]["id"]
    upload_once(client, channel=dm, **details)
