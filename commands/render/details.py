"""The details view of one need: fields, phase line, votes, mission document, timetable,
history (newest first, one page at a time) and only the buttons this viewer may use."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

from bot.i18n import SV, Texts
from commands import ids
from commands.render.kit import (
    actions,
    button,
    context,
    divider,
    escape,
    header,
    link,
    modal,
    section,
    shorten,
    text_sections,
)
from commands.render.needs import phase_line, phase_summary, title_line, when
from commands.render.packing import Packed
from commands.render.publishing import toggle_button
from commands.render.votes import close_button
from domain.history import EventKind
from domain.lifecycle import Action
from domain.mission import MILESTONES_MAX, MilestoneKind
from domain.phases import Quadrant
from domain.reference import Reference
from domain.votes import Verdict
from storage.details import NeedDetails
from storage.models import Need, NeedEvent

HISTORY_PAGE = 15
VALUE_MAX = 120  # old and new values in a history line
COMMENT_MAX = 500

# Button order in the view; each button's action_id (OPEN_VOTE, CLOSE_VOTE and HIDE_PUBLIC are
# handled by the features that own them).
BUTTONS = {
    Action.TAKE_UP: ids.TAKE_UP,
    Action.ASSESS: ids.ASSESS,
    Action.DECIDE: ids.DECIDE,
    Action.OPEN_VOTE: ids.OPEN_VOTE,
    Action.CLOSE_VOTE: ids.VOTE_CLOSE,
    Action.MISSION: ids.MISSION,
    Action.START: ids.START,
    Action.REPORT: ids.REPORT,
    Action.COMPLETE: ids.COMPLETE,
    Action.EDIT: ids.EDIT,
    Action.DUPLICATE: ids.DUPLICATE,
    Action.WITHDRAW: ids.WITHDRAW,
    Action.FOLLOW: ids.FOLLOW,
    Action.UNFOLLOW: ids.UNFOLLOW,
    Action.HIDE_PUBLIC: ids.HIDE_PUBLIC,
}
PRIMARY = {Action.TAKE_UP, Action.START, Action.COMPLETE}


def details_modal(
    d: NeedDetails,
    allowed: set[Action],
    ref: Reference,
    tx: Texts,
    tz: ZoneInfo,
    *,
    offset: int = 0,
) -> dict:
    """The modal; `offset` is how many of the newest history entries are skipped."""
    need = d.need
    blocks = [
        section(title_line(need)),
        section(phase_summary(need, tx) + "\n" + phase_line(need, tx)),
        context(_facts(need, ref, tx, tz)),
    ]
    blocks += _button_blocks(need, allowed, tx, has_mission=d.mission is not None, vote=d.open_vote)
    description = text_sections(f"*{tx('details.field.description')}*", need.description)
    fields = _fields(need, ref, tx)
    blocks += [divider(), *description, *([section(fields)] if fields else [])]
    blocks += _prioritisation(d, tx, tz)
    blocks += _mission(d, tx, tz)
    blocks += _completion(d, tx)
    blocks += _history(d, ref, tx, tz, offset)
    return modal(
        ids.DETAILS_VIEW,
        tx("details.title_bar", number=need.id),
        blocks,
        close=tx("common.close"),
        metadata={"n": need.id, "o": offset},
    )


def _facts(need: Need, ref: Reference, tx: Texts, tz: ZoneInfo) -> str:
    origin = ref.origin(need.origin)
    facts = [
        tx("status.origin", origin=origin.label(tx.lang) if origin else "–"),
        tx("details.submitted", user=f"<@{need.submitted_by}>", date=when(need.submitted_at, tz)),
        tx("status.phase_since", date=when(need.phase_entered_at, tz)),
    ]
    if need.merged_into:
        facts.append(tx("details.merged_into", number=f"#{need.merged_into}"))
    if need.public_hidden:
        facts.append(tx("details.hidden"))
    return " · ".join(facts)


def _button_blocks(
    need: Need, allowed: set[Action], tx: Texts, *, has_mission: bool, vote=None
) -> list:
    elements = []
    for action, action_id in BUTTONS.items():
        if action not in allowed:
            continue
        if action is Action.HIDE_PUBLIC:
            elements.append(toggle_button(need, tx))  # the public-page feature's own button
            continue
        if action is Action.CLOSE_VOTE:
            if vote is not None:  # the voting feature's own button, value = the vote's id
                elements.append(close_button(vote.id, tx))
            continue
        key = f"details.button.{action.value}"
        if action is Action.MISSION and has_mission:
            key = "details.button.mission_change"
        style = "danger" if action is Action.WITHDRAW else None
        style = "primary" if action in PRIMARY else style
        elements.append(button(tx(key), action_id, str(need.id), style=style))
    return [actions(*elements, block_id=ids.DETAILS_BUTTONS)] if elements else []


def _fields(need: Need, ref: Reference, tx: Texts) -> str:
    """The need's fields under the view's own labels: the form's speak to whoever fills it in
    ("Din organisation"), not to everyone who reads the need."""
    lines = []
    area = ref.area(need.area)
    if area:
        areas = f"{area[0].label(tx.lang)} › {area[1].label(tx.lang)}"
        lines.append(f"*{tx('details.field.area')}:* {areas}")
    groups = [ref.target_group(k) for k in need.target_groups]
    if groups:
        names = ", ".join(g.label(tx.lang) for g in groups if g)
        lines.append(f"*{tx('details.field.target_groups')}:* {names}")
    level = ref.level(need.level)
    if level:
        lines.append(f"*{tx('details.field.level')}:* {level.label(tx.lang)}")
    if need.organisation:
        lines.append(f"*{tx('details.field.organisation')}:* {escape(need.organisation)}")
    if need.source_permalink:
        lines.append(link(need.source_permalink, tx("details.source")))
    return "\n".join(lines)


def _yes_no(value: bool, tx: Texts) -> str:
    return tx("details.yes") if value else tx("details.no")


def _yes_no_in_history(value: bool, tx: Texts) -> str:
    """Mid-sentence, in lower case: `tog ställning: relevant och görbart ja, …`."""
    return tx("details.event.yes") if value else tx("details.event.no")


def _prioritisation(d: NeedDetails, tx: Texts, tz: ZoneInfo) -> list[dict]:
    lines = []
    if d.assessment is not None:
        a = d.assessment
        lines.append(f"*{tx('details.assessment')}*")
        lines.append(f"{tx('lifecycle.assess.relevant')} {_yes_no(a.relevant, tx)}")
        lines.append(f"{tx('lifecycle.assess.person_centred')} {_yes_no(a.person_centred, tx)}")
        lines.append(f"{tx('lifecycle.assess.trust')} {_yes_no(a.trust, tx)}")
        if a.comment:
            lines.append(f"> {escape(shorten(a.comment, COMMENT_MAX))}")
    if d.need.decision:
        lines.append(tx("details.decision", decision=tx(f"lifecycle.decision.{d.need.decision}")))
    if d.open_vote is not None:
        vote = d.open_vote  # how many have voted: what an admin weighs before closing early
        lines.append(tx("details.vote_open", date=when(vote.deadline, tz),
                        ballots=vote.ballots_count, eligible=vote.eligible_count))  # fmt: skip
    elif d.closed_vote is not None:
        lines.append(_vote_summary(d.closed_vote, tx, tz))
    return [divider(), section("\n".join(lines))] if lines else []


def _vote_summary(vote, tx: Texts, tz: ZoneInfo) -> str:
    text = tx(
        "details.vote_closed",
        date=when(vote.closed_at, tz),
        ballots=vote.ballots_count,
        eligible=vote.eligible_count,
    )
    if vote.quadrant in {q.value for q in Quadrant}:
        text += "\n" + tx("details.vote_quadrant", quadrant=tx(f"details.quadrant.{vote.quadrant}"))
    if vote.importance_share is not None and vote.urgency_share is not None:
        text += "\n" + tx(
            "details.vote_shares",
            important=round(vote.importance_share * 100),
            urgent=round(vote.urgency_share * 100),
        )
    if vote.quorum_met is False:
        text += "\n" + tx("details.vote_no_quorum")
    return text


MISSION_PARTS = (
    "description",
    "purpose_goals",
    "delimitations",
    "group_composition",
    "time_needed",
    "resourcing",
)


def _mission(d: NeedDetails, tx: Texts, tz: ZoneInfo) -> list[dict]:
    """Every part whole; the parts share sections, so that at their longest they fit a modal."""
    m = d.mission
    if m is None:
        return []
    packed = Packed()
    for name in MISSION_PARTS:
        value = getattr(m, name)
        if value:
            packed.gap().text(f"*{tx(f'lifecycle.mission.{name}')}*", value)
    packed.gap()
    if m.process_leader:
        packed.line(f"{tx('lifecycle.mission.process_leader')}: <@{m.process_leader}>")
    group = ", ".join(f"<@{u}>" for u in m.working_group)
    label = f"{tx('lifecycle.mission.working_group')}:"
    if m.external_members:
        packed.text(f"{label} {group}," if group else label, m.external_members, inline=True)
    elif group:
        packed.line(f"{label} {group}")
    packed.line(f"{tx('details.state_grant')}: {_yes_no(m.state_grant, tx)}")
    packed.line(f"{tx('details.inform_sro')}: {_yes_no(m.inform_sro, tx)}")
    if d.milestones:
        packed.gap().heading(f"*{tx('details.timetable')}*")
        packed.lines(_milestone(ms, tx, tz) for ms in d.milestones[:MILESTONES_MAX])
    return [divider(), header(tx("details.mission")), *packed.sections()]


def _milestone(ms, tx: Texts, tz: ZoneInfo) -> str:
    key = f"details.milestone.{MilestoneKind(ms.kind).value}"
    kind = tx(key)
    # A title that only repeats the kind (`delrapport Delrapport till VVG`) is shown once.
    same = (ms.title or "").strip().casefold() in {kind.casefold(), SV(key).casefold()}
    title = f" – {escape(ms.title)}" if ms.title and not same else ""
    done = ""
    if ms.done_at:  # handed in: when, and where to read it
        done = f" :white_check_mark: {tx('details.reported', date=when(ms.done_at, tz))}"
        if ms.report_url:
            done += f" · {link(ms.report_url, tx('details.report_link'))}"
    return f"`{ms.due.isoformat()}` {kind}{title}{done}"


def _completion(d: NeedDetails, tx: Texts) -> list[dict]:
    c = d.completion
    if c is None:
        return []
    report = link(c.final_report_url)
    packed = Packed().line(f"*{tx('details.completion')}*")
    packed.line(tx("details.final_report", date=c.final_report_date.isoformat(), url=report))
    packed.text(f"{tx('lifecycle.complete.vvg_position')}:", c.vvg_position, inline=True)
    if c.sro_position:
        packed.text(f"{tx('lifecycle.complete.sro_position')}:", c.sro_position, inline=True)
    if c.product_url:
        packed.line(tx("details.product", url=link(c.product_url)))
    return [divider(), *packed.sections()]


def _history(d: NeedDetails, ref: Reference, tx: Texts, tz: ZoneInfo, offset: int) -> list:
    blocks = [divider(), header(tx("details.history"))]
    for event in d.events:
        blocks.append(context(history_line(event, ref, tx, tz)))
    nav = []
    if offset > 0:
        newer = str(max(0, offset - HISTORY_PAGE))
        nav.append(button(tx("details.history_newer"), ids.DETAILS_NEWER, f"{d.need.id}:{newer}"))
    if offset + len(d.events) < d.event_count:
        older = str(offset + len(d.events))
        nav.append(button(tx("details.history_older"), ids.DETAILS_OLDER, f"{d.need.id}:{older}"))
    if nav:
        shown = tx("details.history_shown", first=offset + 1, last=offset + len(d.events),
                   total=d.event_count)  # fmt: skip
        blocks += [context(shown), actions(*nav)]
    return blocks


def _value(field: str | None, value: str | None, ref: Reference, tx: Texts) -> str:
    """A stored value as a reader understands it (labels for keys), shortened and escaped."""
    if value is None or value == "":
        return "–"
    if field == "origin" and ref.origin(value):
        return ref.origin(value).label(tx.lang)
    if field == "area" and ref.area(value):
        return ref.area(value)[1].label(tx.lang)
    if field == "level" and ref.level(value):
        return ref.level(value).label(tx.lang)
    if field == "target_groups":
        groups = [ref.target_group(k.strip()) for k in value.split(",")]
        return ", ".join(g.label(tx.lang) for g in groups if g) or "–"
    if field in ("state_grant", "inform_sro"):
        return _yes_no_in_history(value == "1", tx)
    if field in ("process_leader",):
        return f"<@{value}>"
    if field == "working_group":
        return ", ".join(f"<@{u.strip()}>" for u in value.split(","))
    return f"”{escape(shorten(value, VALUE_MAX))}”"


def _what(e: NeedEvent, ref: Reference, tx: Texts) -> str:
    kind, field, old, new = e.kind, e.field, e.old_value, e.new_value
    if kind == EventKind.PHASE_CHANGED:
        return tx("details.event.phase", old=old, new=new, name=tx(f"phase.{new}"))
    if kind == EventKind.EDITED:
        return tx("details.event.edited", field=_field_label(field, tx),
                  old=_value(field, old, ref, tx), new=_value(field, new, ref, tx))  # fmt: skip
    if kind == EventKind.MISSION_SAVED:
        return tx("details.event.mission", field=_mission_label(field, tx),
                  old=_value(field, old, ref, tx), new=_value(field, new, ref, tx))  # fmt: skip
    if kind == EventKind.ASSESSED and new:
        answers = json.loads(new)
        answers = {k: _yes_no_in_history(v, tx) for k, v in answers.items()}
        return tx("details.event.assessed", **answers)
    if kind == EventKind.REPORTED and field in {k.value for k in MilestoneKind}:
        kind_text = tx(f"details.milestone.{field}")
        return tx("details.event.reported", kind=kind_text, title=escape(shorten(new, VALUE_MAX)))
    if kind == EventKind.DECIDED:
        return tx("details.event.decided", decision=tx(f"lifecycle.decision.{new}"))
    if kind == EventKind.CLOSED and field == "merged_into":
        return tx("details.event.merged_into", number=f"#{new}")
    if kind == EventKind.CLOSED:
        return tx("details.event.closed", outcome=tx(f"outcome.{new}"))
    if kind == EventKind.MERGED_IN:
        return tx("details.event.merged_in", number=f"#{new}")
    if kind == EventKind.MOVED:
        return tx(f"details.event.moved.{field}", old=f"#{old}", new=f"#{new}")
    if kind == EventKind.VOTE_CLOSED and new in {q.value for q in Quadrant}:
        return tx("details.event.vote_closed", result=tx(f"details.quadrant.{new}"))
    if kind == EventKind.VOTE_CLOSED and new in {v.value for v in Verdict}:
        return tx("details.event.vote_closed", result=tx(f"details.verdict.{new}"))
    if kind == EventKind.VOTE_CLOSED:
        return tx("details.event.vote_closed", result=escape(new or "–"))
    if kind in SIMPLE_KINDS:
        return tx(f"details.event.{kind}")
    return escape(kind)


SIMPLE_KINDS = {
    EventKind.REGISTERED,
    EventKind.VOTE_OPENED,
    EventKind.MILESTONES_CHANGED,
    EventKind.COMPLETED,
    EventKind.HIDDEN,
    EventKind.SHOWN,
    EventKind.FOLLOWED,
    EventKind.UNFOLLOWED,
}


def _field_label(field: str | None, tx: Texts) -> str:
    """The changed field as a noun in a sentence: `ändrade organisationen`."""
    return tx(f"details.changed.{field}") if field in FORM_FIELDS else escape(field or "")


def _mission_label(field: str | None, tx: Texts) -> str:
    """A part of the mission document as a noun mid-sentence: `ändrade syfte och mål`."""
    if field in MISSION_FIELDS:
        return tx(f"details.changed.mission.{field}")
    return escape(field or "")


MISSION_FIELDS = {"description", "purpose_goals", "delimitations", "group_composition",
                  "time_needed", "process_leader", "working_group", "external_members",
                  "resourcing", "state_grant", "inform_sro"}  # fmt: skip
FORM_FIELDS = {"title", "description", "origin", "area", "target_groups", "level", "organisation"}


def history_line(event: NeedEvent, ref: Reference, tx: Texts, tz: ZoneInfo) -> str:
    """`23 nov · @Per: moved the need to phase 2` and the comment, if any."""
    who = f"<@{event.actor}>" if event.actor else tx("details.event.system")
    line = f"{when(event.at, tz)} · {who}: {_what(event, ref, tx)}"
    if event.kind == EventKind.MILESTONES_CHANGED and event.new_value:
        line += "\n" + escape(shorten(event.new_value, 600)).replace("\n", " · ")
    if event.comment:
        line += f"\n> {escape(shorten(event.comment, COMMENT_MAX))}"
    return line
