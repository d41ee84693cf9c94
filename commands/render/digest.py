"""The weekly digest as Block Kit (for the channel) and as plain text (for `--preview`).

Both come from the same parts, so the preview shows exactly what would be posted. Each list
is cut (see storage.digest) and every item has a button to the need's details, which keeps
the message under Slack's 50 blocks: 2 + 4 × (1 + 8 + 1) + 1 = 43 at most.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.i18n import Texts
from commands import ids
from commands.render.kit import button, context, date_token, escape, header, section, shorten
from domain.history import EventKind
from domain.phases import Decision, Outcome
from storage.digest import Change, ComingMilestone, DigestData, NeedRef, OpenVote

TITLE_LIMIT = 90


class SlackFormat:
    """mrkdwn: bold need, escaped title, dates every reader sees in their own zone."""

    def __init__(self, tz: ZoneInfo):
        self.tz = tz

    def need(self, ref: NeedRef) -> str:
        return f"*#{ref.id} · {escape(shorten(ref.title, TITLE_LIMIT))}*"

    def text(self, value: str) -> str:
        return escape(value)

    def moment(self, moment: datetime) -> str:
        local = moment.astimezone(self.tz).strftime("%Y-%m-%d %H:%M")
        return date_token(moment.timestamp(), local, "{date_short} {time}")

    def day(self, day: date) -> str:
        return day.isoformat()


class PlainFormat(SlackFormat):
    """Plain text for a terminal: nothing escaped, local times."""

    def need(self, ref: NeedRef) -> str:
        return f"#{ref.id} · {shorten(ref.title, TITLE_LIMIT)}"

    def text(self, value: str) -> str:
        return value

    def moment(self, moment: datetime) -> str:
        return moment.astimezone(self.tz).strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class Part:
    heading: str
    lines: list[tuple[str, int]]  # (text, need number)
    more: int


def week_of(due: datetime, tz: ZoneInfo) -> int:
    return due.astimezone(tz).isocalendar().week


def change_line(change: Change, tx: Texts, fmt: SlackFormat) -> str:
    need = fmt.need(change.need)
    if change.kind == EventKind.PHASE_CHANGED and (change.new or "") in {"1", "2", "3", "4"}:
        return tx(
            "digest.change.phase",
            need=need,
            old=change.old or "?",
            new=change.new,
            name=tx(f"phase.{change.new}"),
        )
    if change.kind == EventKind.DECIDED and change.new in set(Decision):
        return tx("digest.change.decided", need=need, decision=tx(f"digest.decision.{change.new}"))
    if change.kind == EventKind.CLOSED and change.new in set(Outcome):
        return tx("digest.change.closed", need=need, outcome=tx(f"outcome.{change.new}"))
    if change.kind == EventKind.COMPLETED:
        return tx("digest.change.completed", need=need)
    return tx("digest.change.other", need=need)


def counts_line(data: DigestData, tx: Texts) -> str:
    counts = [tx("digest.count", name=tx(f"phase.{p}"), count=n) for p, n in data.per_phase.items()]
    if data.closed:
        counts.append(tx("digest.count_closed", count=data.closed))
    return " · ".join(counts)


def vote_line(vote: OpenVote, tx: Texts, fmt: SlackFormat) -> str:
    return tx("digest.vote", need=fmt.need(vote.need), deadline=fmt.moment(vote.deadline))


def milestone_line(milestone: ComingMilestone, tx: Texts, fmt: SlackFormat) -> str:
    return tx(
        "digest.milestone",
        date=fmt.day(milestone.due),
        title=fmt.text(milestone.title),
        need=fmt.need(milestone.need),
    )


def digest_parts(data: DigestData, tx: Texts, fmt: SlackFormat) -> list[Part]:
    """The non-empty lists of the digest, each line with the need it is about."""
    lists = [
        ("digest.new.heading", data.new_needs, lambda ref: fmt.need(ref), lambda ref: ref.id),
        ("digest.changes.heading", data.changes, lambda c: change_line(c, tx, fmt), None),
        ("digest.votes.heading", data.open_votes, lambda v: vote_line(v, tx, fmt), None),
        ("digest.milestones.heading", data.milestones, lambda m: milestone_line(m, tx, fmt), None),
    ]
    return [
        Part(
            tx(key, count=cut.total),
            [(line(item), number(item) if number else item.need.id) for item in cut.items],
            cut.more,
        )
        for key, cut, line, number in lists
        if cut.items
    ]


def one_line(data: DigestData, tx: Texts, due: datetime, tz: ZoneInfo) -> str:
    return tx("digest.nothing_new", week=week_of(due, tz), counts=counts_line(data, tx))


def digest_message(data: DigestData, tx: Texts, due: datetime, tz: ZoneInfo) -> tuple[str, list]:
    """(notification text, blocks) of the digest due at `due`."""
    if data.nothing_new:
        line = one_line(data, tx, due, tz)
        return line, [section(line)]
    fmt = SlackFormat(tz)
    title = tx("digest.title", week=week_of(due, tz))
    blocks = [header(title), context(tx("digest.since", date=fmt.moment(data.since)))]
    for part in digest_parts(data, tx, fmt):
        blocks.append(section(f"*{part.heading}*"))
        for text, number in part.lines:
            details = button(tx("digest.details"), ids.DETAILS, str(number))
            blocks.append(section(text, accessory=details))
        if part.more:
            blocks.append(context(tx("digest.more", count=part.more)))
    blocks.append(context(counts_line(data, tx)))
    return title, blocks


def digest_text(data: DigestData, tx: Texts, due: datetime, tz: ZoneInfo) -> str:
    """The same digest as plain text."""
    if data.nothing_new:
        return one_line(data, tx, due, tz)
    fmt = PlainFormat(tz)
    lines = [
        tx("digest.title", week=week_of(due, tz)),
        tx("digest.since", date=fmt.moment(data.since)),
    ]
    for part in digest_parts(data, tx, fmt):
        lines += ["", part.heading]
        lines += [f"  • {text}" for text, _ in part.lines]
        if part.more:
            lines.append("  " + tx("digest.more", count=part.more))
    lines += ["", counts_line(data, tx)]
    return "\n".join(lines)
