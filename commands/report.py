"""`/behov rapport [år]` (admins): the annual report as text plus a chart, built after the ack;
text that does not fit the chart's comment follows in further messages."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.posting import post_once, upload_once
from bot.report_chart import report_chart_png
from bot.reporting import report_tables
from bot.slack_client import maybe_carried_out
from commands.context import telling_user
from commands.render.help import usage
from commands.render.report import report_messages, report_text
from domain.report import annual_report, report_years
from storage.report import report_facts

log = logging.getLogger(__name__)


def parse_year(argument: str, this_year: int) -> int | None:
    """The year asked for (this year when none is given); None when it is not a year."""
    text = argument.strip()
    if not text:
        return this_year
    return int(text) if len(text) == 4 and text.isascii() and text.isdigit() else None


def run(turn) -> None:
    svc, tx = turn.svc, turn.tx
    if not svc.settings.is_admin(turn.user_id):
        turn.ack(text=tx("report.admins_only"))
        return
    this_year = svc.clock().astimezone(svc.settings.tz).year
    year, years = parse_year(turn.argument, this_year), report_years(this_year)
    if year is None:
        text, blocks = usage(tx("report.usage"), tx, "report")
        turn.ack(text=text, blocks=blocks)
        return
    if year not in years:
        turn.ack(text=tx("report.no_year", year=year, first=years[0], last=years[-1]))
        return
    turn.ack(text=tx("report.working", year=year))
    with svc.db.session() as session:
        facts = report_facts(session)
    report = annual_report(facts, year, svc.settings.tz)
    text = report_text(report_tables(report, svc.ref, tx), tx, year)
    first, *more = report_messages(text, tx, year)
    png = report_chart_png(report, tx)
    with telling_user(turn.respond, tx, "posting the annual report"):
        channel = upload(turn.client, turn.channel_id, turn.user_id, first, png, year, tx)
        for part in more:
            post_once(turn.client, channel=channel, text=part, unfurl_links=False)


def upload(client: WebClient, channel: str, user: str, text: str, png: bytes, year, tx) -> str:
    """To the channel the command came from; as a DM when the bot may not post there. Returns
    where it went."""
    details = dict(
        file=png,
        filename=f"behov-arsrapport-{year}.png",
        title=tx("report.chart.title", year=year),
        initial_comment=text,
    )
    if channel:
        try:
            upload_once(client, channel=channel, **details)
            return channel
        except SlackApiError as exc:
            if maybe_carried_out(exc):  # it may be in the channel: a DM could show it twice
                raise
            log.info(
                "report to %s failed (%s); sending it as a DM", channel, exc.response.get("error")
            )
    dm = client.conversations_open(users=user)["channel"]["id"]
    upload_once(client, channel=dm, **details)
    return dm
