"""How a need looks in Slack: its number, its phase line, its status."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.i18n import Texts
from commands import ids
from commands.render.kit import button, context, date_token, escape, section
from domain.phases import Phase
from domain.reference import Reference
from storage.models import Need


def number(need: Need) -> str:
    return f"#{need.id}"


def title_line(need: Need) -> str:
    """`*#12 · Title*` with the title escaped."""
    return f"*{number(need)} · {escape(need.title)}*"


def phase_name(phase: int, tx: Texts) -> str:
    return tx(f"phase.{phase}")


def phase_line(need: Need, tx: Texts) -> str:
    """Four steps, done ones ticked, the current one marked (where a closed need stopped:
    ⛔); a closed need says how it ended."""
    steps = []
    for phase in Phase:
        if phase < need.phase or (phase == need.phase == Phase.COMPLETED):
            mark = ":white_check_mark:"
        elif phase == need.phase:
            mark = ":no_entry:" if need.outcome else ":large_blue_circle:"
        else:
            mark = ":white_circle:"
        name = phase_name(phase, tx)
        steps.append(f"{mark} *{name}*" if phase == need.phase else f"{mark} {name}")
    line = "  →  ".join(steps)
    if need.outcome:
        line += "\n" + tx("status.closed", outcome=tx(f"outcome.{need.outcome}"))
    return line


def phase_summary(need: Need, tx: Texts) -> str:
    """`Fas 1 av 4: Identifierat behov`."""
    return tx("phase.of_four", phase=need.phase, name=phase_name(need.phase, tx))


def when(moment: datetime, tz: ZoneInfo) -> str:
    """A date every reader sees in their own zone, with a local fallback."""
    return date_token(moment.timestamp(), moment.astimezone(tz).strftime("%Y-%m-%d"))


def status_blocks(need: Need, ref: Reference, tx: Texts, tz: ZoneInfo) -> list[dict]:
    origin = ref.origin(need.origin)
    facts = [
        tx("status.origin", origin=origin.label(tx.lang) if origin else "–"),
        tx("status.registered", date=when(need.submitted_at, tz)),
        tx("status.phase_since", date=when(need.phase_entered_at, tz)),
    ]
    return [
        section(title_line(need), accessory=button(tx("details.open"), ids.DETAILS, str(need.id))),
        section(phase_summary(need, tx) + "\n" + phase_line(need, tx)),
        context(" · ".join(facts)),
    ]


def choice_blocks(needs: list[Need], query: str, tx: Texts) -> list[dict]:
    """Several needs match: let the person pick one."""
    blocks = [section(tx("status.several", query=escape(query)))]
    for need in needs:
        blocks.append(
            section(
                f"{title_line(need)}\n{phase_summary(need, tx)}",
                accessory=button(tx("status.show"), ids.STATUS_PICK, str(need.id)),
            )
        )
    return blocks
