"""How a vote looks: the message in the voting channel, its result, the thread reply, the
voter's confirmation, the reason form and the reminder. Pure functions of stored rows.

Secrecy: an open vote's message shows only how many of the eligible have voted, never the
distribution and never who voted what. Reasons are shown after closing, without names.
"""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.i18n import Texts
from commands import ids
from commands.render.kit import (
    actions,
    button,
    context,
    date_token,
    escape,
    input_block,
    line_sections,
    modal,
    section,
    shorten,
)
from commands.render.needs import title_line
from domain.phases import Quadrant
from domain.reference import Reference
from domain.text import clean
from domain.votes import CHOICES, Axis, Result, Verdict
from storage.models import Need, Vote

SUMMARY_MAX = 300
REASON_MAX = 500
MAX_REASON_BLOCKS = 40


def deadline_text(moment: datetime, tz: ZoneInfo) -> str:
    """Date and time in each reader's zone; the fallback is in BEHOV_TIMEZONE."""
    fallback = moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    return date_token(moment.timestamp(), fallback, "{date_long_pretty} {time}")


def percent(share: float | None, tx: Texts) -> str:
    return "–" if share is None else tx("vote.percent", pct=round(share * 100))


def choice_label(quadrant: Quadrant | str, tx: Texts) -> str:
    """`Gör nu · viktigt + bråttom`: the button text, name first."""
    return tx(f"vote.choice.{Quadrant(quadrant).value}")


def quadrant_name(quadrant: Quadrant | str, tx: Texts) -> str:
    return tx(f"vote.quadrant.{Quadrant(quadrant).value}")


def facts(need: Need, ref: Reference, tx: Texts) -> str:
    """Origin and classification on one line."""
    parts = []
    origin = ref.origin(need.origin)
    if origin:
        parts.append(tx("vote.fact.origin", origin=origin.label(tx.lang)))
    area = ref.area(need.area)
    if area:
        perspective, item = area
        parts.append(
            tx("vote.fact.area", area=f"{perspective.label(tx.lang)} › {item.label(tx.lang)}")
        )
    groups = [g.label(tx.lang) for g in map(ref.target_group, need.target_groups or []) if g]
    if groups:
        parts.append(tx("vote.fact.groups", groups=", ".join(groups)))
    level = ref.level(need.level)
    if level:
        parts.append(tx("vote.fact.level", level=level.label(tx.lang)))
    if need.organisation:
        parts.append(tx("vote.fact.organisation", organisation=need.organisation))
    return escape(" · ".join(parts))


def _need_blocks(need: Need, ref: Reference, tx: Texts) -> list[dict]:
    summary = escape(shorten(need.description or "", SUMMARY_MAX))
    blocks = [section(f"{tx('vote.heading')}\n{title_line(need)}\n{summary}")]
    line = facts(need, ref, tx)
    if line:
        blocks.append(context(line))
    return blocks


def vote_message(
    need: Need, vote: Vote, ref: Reference, tx: Texts, tz: ZoneInfo, *, voted: int, eligible: int
) -> tuple[str, list[dict]]:
    """The open vote: what to vote on, until when, how many have voted, the four choices."""
    value = str(vote.id)
    blocks = _need_blocks(need, ref, tx)
    blocks.append(
        section(
            tx("vote.how")
            + "\n"
            + tx("vote.deadline", deadline=deadline_text(vote.deadline, tz))
            + "\n"
            + tx("vote.count", voted=voted, eligible=eligible)
        )
    )
    blocks.append(
        actions(
            *[button(choice_label(q, tx), ids.VOTE_CAST[q.value], value) for q in CHOICES],
            block_id=ids.VOTE_CHOICES_BLOCK,
        )
    )
    # Every member sees the same message: closing early is in the admins' details view.
    blocks.append(
        actions(
            button(tx("vote.reason.button"), ids.VOTE_REASON, value),
            button(tx("vote.details"), ids.DETAILS, str(need.id)),
            block_id=ids.VOTE_TOOLS_BLOCK,
        )
    )
    blocks.append(context(tx("vote.secret")))
    text = tx(
        "vote.fallback", number=need.id, title=escape(need.title), voted=voted, eligible=eligible
    )
    return text, blocks


def close_button(vote_id: int, tx: Texts) -> dict:
    """ "Stäng omröstningen", asked once more: closing early cannot be undone."""
    close = button(tx("vote.close.button"), ids.VOTE_CLOSE, str(vote_id), style="danger")
    close["confirm"] = {
        "title": {"type": "plain_text", "text": shorten(tx("vote.close.confirm_title"), 100)},
        "text": {"type": "plain_text", "text": shorten(tx("vote.close.confirm_text"), 300)},
        "confirm": {"type": "plain_text", "text": shorten(tx("vote.close.confirm_yes"), 30)},
        "deny": {"type": "plain_text", "text": shorten(tx("common.cancel"), 30)},
    }
    return close


def verdict_line(outcome: Result, tx: Texts) -> str:
    """`Resultat: Planera (viktigt + inte bråttom)`, or oavgjort, or inte beslutsför."""
    verdict = outcome.verdict
    if verdict is Verdict.NO_QUORUM:
        return tx.plural("vote.result.no_quorum", outcome.tally.total, quorum=outcome.quorum)
    if verdict is Verdict.TIE:
        axes = [
            tx(f"vote.axis.{name}")
            for name, answer in (("importance", outcome.importance), ("urgency", outcome.urgency))
            if answer is Axis.TIE
        ]
        return tx("vote.result.tie", axes=" + ".join(axes))
    return tx("vote.result.quadrant", quadrant=choice_label(verdict, tx))


def shares_line(outcome: Result, tx: Texts) -> str:
    return tx(
        "vote.result.shares",
        importance=percent(outcome.importance_share, tx),
        urgency=percent(outcome.urgency_share, tx),
        voted=outcome.tally.total,
        eligible=outcome.eligible,
        quorum=outcome.quorum,
    )


def closed_message(
    need: Need, vote: Vote, outcome: Result, ref: Reference, tx: Texts, tz: ZoneInfo
) -> tuple[str, list[dict]]:
    """The closed vote: no voting buttons, the result, a pointer to the thread."""
    blocks = _need_blocks(need, ref, tx)
    closed = deadline_text(vote.closed_at, tz)
    when = (
        tx("vote.closed_early", closed=closed, admin=vote.closed_by)
        if vote.closed_by
        else tx("vote.closed_at_deadline", closed=closed)
    )
    blocks.append(section(f"{verdict_line(outcome, tx)}\n{shares_line(outcome, tx)}\n{when}"))
    blocks.append(
        actions(
            button(tx("vote.details"), ids.DETAILS, str(need.id)), block_id=ids.VOTE_TOOLS_BLOCK
        )
    )
    blocks.append(context(tx("vote.see_thread")))
    text = tx(
        "vote.closed_fallback",
        number=need.id,
        title=escape(need.title),
        verdict=verdict_line(outcome, tx),
    )
    return text, blocks


def result_details(
    need: Need, outcome: Result, reasons: list[tuple[str, str]], tx: Texts
) -> tuple[str, list[dict]]:
    """The thread reply for the presidium: distribution, shares, quorum and the reasons
    (each with its choice, never with a name)."""
    distribution = "\n".join(f"• {choice_label(q, tx)}: {n}" for q, n in outcome.tally.counts)
    axes = "\n".join(
        tx(
            f"vote.detail.{name}",
            share=percent(share, tx),
            answer=tx(f"vote.answer.{answer}") if answer else "–",
        )
        for name, share, answer in (
            ("importance", outcome.importance_share, outcome.importance),
            ("urgency", outcome.urgency_share, outcome.urgency),
        )
    )
    quorum = tx(
        "vote.detail.quorum_met" if outcome.quorum_met else "vote.detail.quorum_missed",
        voted=outcome.tally.total,
        eligible=outcome.eligible,
        quorum=outcome.quorum,
    )
    blocks = [
        section(f"{tx('vote.detail.heading', number=need.id)}\n{verdict_line(outcome, tx)}"),
        section(f"{tx('vote.detail.distribution')}\n{distribution}"),
        section(f"{axes}\n{quorum}"),
    ]
    blocks.extend(_reason_blocks(reasons, tx))
    return tx("vote.detail.fallback", number=need.id, verdict=verdict_line(outcome, tx)), blocks


def _reason_blocks(reasons: list[tuple[str, str]], tx: Texts) -> list[dict]:
    if not reasons:
        return [context(tx("vote.detail.no_reasons"))]
    order = {q.value: i for i, q in enumerate(CHOICES)}
    ordered = sorted(reasons, key=lambda r: (order.get(r[0], 9), r[1].casefold()))
    lines = [
        f"• _{quadrant_name(q, tx)}_: {escape(shorten(text, REASON_MAX))}" for q, text in ordered
    ]
    blocks = line_sections(tx("vote.detail.reasons"), lines)
    if len(blocks) > MAX_REASON_BLOCKS:
        blocks = blocks[:MAX_REASON_BLOCKS] + [context(tx("vote.detail.more_reasons"))]
    return blocks


def confirmation(
    number: int, vote: Vote, quadrant: Quadrant | str, reason: str | None, tx: Texts, tz: ZoneInfo
) -> tuple[str, list[dict]]:
    """Only the voter sees this: their current choice and how to change or explain it.

    `number` is the need's; of the vote only its id and deadline are shown (a row will do).
    """
    text = tx("vote.confirm", number=number, choice=choice_label(quadrant, tx))
    lines = [text, tx("vote.confirm.change", deadline=deadline_text(vote.deadline, tz))]
    if reason:
        lines.append(tx("vote.confirm.reason", reason=escape(shorten(reason, REASON_MAX))))
    label = tx("vote.reason.change_button" if reason else "vote.reason.button")
    blocks = [section("\n".join(lines), accessory=button(label, ids.VOTE_REASON, str(vote.id)))]
    return text, blocks


def reason_modal(need: Need, vote: Vote, current: str | None, tx: Texts) -> dict:
    element = {
        "type": "plain_text_input",
        "action_id": ids.input_action(ids.VOTE_REASON_INPUT),
        "multiline": True,
        "max_length": REASON_MAX,
    }
    if current:
        element["initial_value"] = current[:REASON_MAX]
    blocks = [
        section(title_line(need)),
        input_block(
            ids.VOTE_REASON_INPUT,
            tx("vote.reason.label"),
            element,
            optional=True,
            hint=tx("vote.reason.hint"),
        ),
    ]
    return modal(
        ids.VOTE_REASON_VIEW,
        tx("vote.reason.title"),
        blocks,
        submit=tx("vote.reason.save"),
        close=tx("common.cancel"),
        metadata={"vote": vote.id},
    )


def read_reason(view: dict) -> tuple[int | None, str]:
    """(vote id, reason text) from the submitted reason form."""
    try:
        vote_id = int(json.loads(view.get("private_metadata") or "{}").get("vote"))
    except (TypeError, ValueError):
        vote_id = None
    values = view.get("state", {}).get("values", {})
    field = values.get(ids.VOTE_REASON_INPUT, {}).get(ids.input_action(ids.VOTE_REASON_INPUT), {})
    return vote_id, clean(field.get("value"))


def reason_saved_view(need: Need, reason: str, tx: Texts) -> dict:
    key = "vote.reason.saved" if reason else "vote.reason.removed"
    return modal(
        "vote_reason_done",
        tx("vote.reason.title"),
        [section(tx(key, number=need.id))],
        close=tx("common.close"),
    )


def reminder(need: Need, vote: Vote, tx: Texts, tz: ZoneInfo) -> tuple[str, list[dict]]:
    """The direct message to a member who has not voted yet."""
    text = tx(
        "vote.reminder",
        number=need.id,
        title=escape(need.title),
        channel=vote.channel,
        deadline=deadline_text(vote.deadline, tz),
    )
    return text, [section(text)]
