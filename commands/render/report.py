"""The annual report as a Slack text summary (the chart goes with it as an image)."""

from __future__ import annotations

from bot.i18n import Texts
from bot.reporting import Table
from commands.render.kit import escape, link
from commands.render.packing import Packed

MAX_COMMENT = 3900  # a file's initial comment stays well inside Slack's message limit
PART_HEADING = 100  # room for "Årsrapport 2026, del 2 av 3" atop each further message


def _days(tx: Texts, days: float) -> str:
    """`1 dag`, `2,5 dagar`: the number written as in the language."""
    return tx.plural("report.days", days, days=tx.number(days))


def _counts(table: Table) -> str:
    return " · ".join(f"{escape(label)} {count}" for _, label, count in table.rows) or "–"


def report_text(tables: list[Table], tx: Texts, year: int) -> str:
    """mrkdwn summary built from the same tables as the exported files, one fact a line."""
    by_name = {t.name: t for t in tables}
    summary = dict((row[0], row[1]) for row in by_name["summary"].rows)
    lines = [
        f"*{tx('report.heading', year=year)}*",
        tx("report.line.registered", count=summary[tx("report.registered")]),
    ]
    for name in ("origin", "perspective", "target_group", "level"):
        lines.append(f"• {by_name[name].title}: {_counts(by_name[name])}")
    status = by_name["status"]
    lines.append(f"*{status.title}*")
    for row in status.rows:
        parts = [
            f"{value} {header.lower()}"
            for header, value in zip(status.headers[1:-1], row[1:-1], strict=True)
            if value
        ]
        lines.append(f"• {row[0]}: {', '.join(parts) or '0'}")
    times = by_name["phase_time"]
    lines.append(f"*{times.title}*")
    for phase, stays, median, longest, need in times.rows:
        if not stays:
            lines.append(f"• {phase}: {tx('report.line.no_stays')}")
        else:
            lines.append(
                f"• {phase}: "
                + tx(
                    "report.line.time",
                    median=_days(tx, median),
                    longest=_days(tx, longest),
                    need=need,
                )
            )
    done = by_name["completed"]
    lines.append(f"*{done.title}*")
    if not done.rows:
        lines.append(tx("report.line.none_completed"))
    for number, title, day, url in done.rows:
        product = f" – {link(url, tx('report.line.product'))}" if url else ""
        lines.append(f"• {number} {escape(title)} ({day}){product}")
    return "\n".join(lines)


def report_messages(text: str, tx: Texts, year: int) -> list[str]:
    """The summary over as many messages as it needs (the first goes with the chart), each
    within MAX_COMMENT and split between lines only: many completed missions with long titles
    and links do not fit one. A line stays under 3,500 characters (a title of 150 and a link
    of 500, both escaped)."""
    parts = Packed(MAX_COMMENT - PART_HEADING).lines(text.split("\n")).pieces
    for index in range(1, len(parts)):
        heading = tx("report.part", year=year, part=index + 1, parts=len(parts))
        parts[index] = f"*{heading}*\n{parts[index]}"
    return parts
