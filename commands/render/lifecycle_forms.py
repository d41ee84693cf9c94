"""The forms of the phase actions and their parsers, side by side: a comment (take up, start,
withdraw), VVG's position-taking, the decision, the mission document, completion, duplicate."""

from __future__ import annotations

import json
from datetime import date

from bot.i18n import Texts
from commands import ids
from commands.render.kit import input_block, modal, option, section, text_input
from commands.render.needs import title_line
from domain.lifecycle import Action
from domain.mission import (
    TEXT_MAX,
    AssessmentDraft,
    CompletionDraft,
    MissionDraft,
    format_milestones,
)
from domain.needs import parse_number
from domain.phases import Decision
from domain.text import URL_MAX, clean
from storage.models import Assessment, Milestone, Mission, Need


def _text(block_id: str, initial: str | None = "", *, multiline=False, max_length=TEXT_MAX):
    return text_input(
        ids.input_action(block_id), initial, max_length=max_length, multiline=multiline
    )


def _radio(block_id: str, options: list[dict], initial: str | None) -> dict:
    element = {"type": "radio_buttons", "action_id": ids.input_action(block_id), "options": options}
    chosen = next((o for o in options if o["value"] == initial), None)
    if chosen:
        element["initial_option"] = chosen
    return element


def _yes_no(block_id: str, tx: Texts, initial: bool | None) -> dict:
    options = [option(tx("details.yes"), "yes"), option(tx("details.no"), "no")]
    return _radio(block_id, options, None if initial is None else ("yes" if initial else "no"))


def _form(callback_id: str, title: str, need: Need, blocks: list, tx: Texts, meta: dict, submit):
    intro = section(title_line(need))
    return modal(callback_id, title, [intro, *blocks], submit=submit, close=tx("common.cancel"),
                 metadata={"n": need.id, **meta})  # fmt: skip


def metadata(view: dict) -> dict:
    return json.loads(view.get("private_metadata") or "{}")


def _values(view: dict) -> dict:
    return view.get("state", {}).get("values", {})


def _state(view: dict, block_id: str) -> dict:
    return _values(view).get(block_id, {}).get(ids.input_action(block_id), {}) or {}


def _read_text(view: dict, block_id: str) -> str:
    return clean(_state(view, block_id).get("value"))


def _read_choice(view: dict, block_id: str) -> str | None:
    return (_state(view, block_id).get("selected_option") or {}).get("value")


def _read_yes_no(view: dict, block_id: str) -> bool | None:
    choice = _read_choice(view, block_id)
    return None if choice is None else choice == "yes"


# ---------------------------------------------------------------- confirm with a comment

CONFIRMED = (Action.TAKE_UP, Action.START, Action.WITHDRAW)


def confirm_modal(need: Need, action: Action, tx: Texts, meta: dict) -> dict:
    """Take up, start execution or withdraw: say what happens, ask for a comment (a withdrawal
    must say why: `confirm_problems`)."""
    why = action is Action.WITHDRAW
    label = tx("lifecycle.withdraw.reason") if why else tx("lifecycle.comment")
    blocks = [
        section(tx(f"lifecycle.confirm.{action.value}")),
        input_block(ids.COMMENT, label, _text(ids.COMMENT, multiline=True), optional=not why),
    ]
    title = tx(f"details.button.{action.value}")
    return _form(ids.CONFIRM_VIEW, title, need, blocks, tx, {**meta, "a": action.value},
                 tx(f"lifecycle.confirm.{action.value}.submit"))  # fmt: skip


def read_comment(view: dict) -> str:
    return _read_text(view, ids.COMMENT)


# ---------------------------------------------------------------- VVG's position-taking


def assessment_modal(need: Need, before: Assessment | None, tx: Texts, meta: dict) -> dict:
    def question(block_id: str, key: str, initial: bool | None) -> dict:
        return input_block(block_id, tx(key), _yes_no(block_id, tx, initial))

    blocks = [
        section(tx("lifecycle.assess.intro")),
        question(ids.RELEVANT, "lifecycle.assess.relevant", before and before.relevant),
        question(
            ids.PERSON_CENTRED, "lifecycle.assess.person_centred", before and before.person_centred
        ),  # fmt: skip
        question(ids.TRUST, "lifecycle.assess.trust", before and before.trust),
        input_block(
            ids.COMMENT,
            tx("lifecycle.comment"),
            _text(ids.COMMENT, before.comment if before else "", multiline=True),
            optional=True,
        ),  # fmt: skip
    ]
    return _form(ids.ASSESS_VIEW, tx("details.button.assess"), need, blocks, tx, meta,
                 tx("lifecycle.save"))  # fmt: skip


def read_assessment(view: dict) -> AssessmentDraft:
    return AssessmentDraft(
        relevant=_read_yes_no(view, ids.RELEVANT),
        person_centred=_read_yes_no(view, ids.PERSON_CENTRED),
        trust=_read_yes_no(view, ids.TRUST),
        comment=_read_text(view, ids.COMMENT),
    )


# ---------------------------------------------------------------- the decision


def decision_modal(
    need: Need, tx: Texts, meta: dict, choices=tuple(Decision), note: str | None = None
) -> dict:
    """The decisions open now (`decision_choices`); `note` says why one is missing."""
    options = [option(tx(f"lifecycle.decision.{d.value}"), d.value) for d in choices]
    blocks = [
        *([section(note)] if note else []),
        input_block(
            ids.DECISION, tx("lifecycle.decide.label"), _radio(ids.DECISION, options, need.decision)
        ),  # fmt: skip
        input_block(
            ids.REASON,
            tx("lifecycle.decide.reason"),
            _text(ids.REASON, multiline=True),
            optional=True,
            hint=tx("lifecycle.decide.reason.hint"),
        ),  # fmt: skip
    ]
    return _form(ids.DECIDE_VIEW, tx("details.button.decide"), need, blocks, tx, meta,
                 tx("lifecycle.save"))  # fmt: skip


def read_decision(view: dict) -> tuple[str | None, str]:
    return _read_choice(view, ids.DECISION), _read_text(view, ids.REASON)


# ---------------------------------------------------------------- the mission document

MISSION_TEXT_BLOCKS = (
    (ids.MISSION_DESCRIPTION, "description", True, False),
    (ids.PURPOSE_GOALS, "purpose_goals", True, False),
    (ids.DELIMITATIONS, "delimitations", True, True),
    (ids.GROUP_COMPOSITION, "group_composition", True, True),
    (ids.TIME_NEEDED, "time_needed", False, True),
)


def mission_modal(
    need: Need, mission: Mission | None, milestones: list[Milestone], tx: Texts, meta: dict
) -> dict:
    """Seed 004's parts of an uppdragshandling; the timetable is one dated line a milestone."""

    def initial(name: str) -> str:
        if mission is not None:
            return getattr(mission, name) or ""
        return need.description if name == "description" else ""

    blocks = [section(tx("lifecycle.mission.intro"))]
    for block_id, name, multiline, optional in MISSION_TEXT_BLOCKS:
        element = _text(block_id, initial(name), multiline=multiline)
        blocks.append(input_block(block_id, tx(f"lifecycle.mission.{name}"), element,
                                  optional=optional))  # fmt: skip
    leader = {"type": "users_select", "action_id": ids.input_action(ids.PROCESS_LEADER)}
    if mission and mission.process_leader:
        leader["initial_user"] = mission.process_leader
    group = {"type": "multi_users_select", "action_id": ids.input_action(ids.WORKING_GROUP)}
    if mission and mission.working_group:
        group["initial_users"] = list(mission.working_group)
    flags = [
        option(tx("lifecycle.mission.state_grant"), "state_grant"),
        option(tx("lifecycle.mission.inform_sro"), "inform_sro"),
    ]
    checkboxes = {
        "type": "checkboxes",
        "action_id": ids.input_action(ids.MISSION_FLAGS),
        "options": flags,
    }
    chosen = [o for o in flags if mission and getattr(mission, o["value"])]
    if chosen:
        checkboxes["initial_options"] = chosen
    timetable = format_milestones(milestones)
    blocks += [
        input_block(ids.PROCESS_LEADER, tx("lifecycle.mission.process_leader"), leader,
                    optional=True),  # fmt: skip
        input_block(ids.WORKING_GROUP, tx("lifecycle.mission.working_group"), group,
                    optional=True),  # fmt: skip
        input_block(ids.EXTERNAL_MEMBERS, tx("lifecycle.mission.external_members"),
                    _text(ids.EXTERNAL_MEMBERS, initial("external_members"), multiline=True),
                    optional=True, hint=tx("lifecycle.mission.external_members.hint")),
        input_block(ids.RESOURCING, tx("lifecycle.mission.resourcing"),
                    _text(ids.RESOURCING, initial("resourcing"), multiline=True), optional=True),
        input_block(ids.MISSION_FLAGS, tx("lifecycle.mission.flags"), checkboxes, optional=True),
        input_block(ids.TIMETABLE, tx("lifecycle.mission.timetable"),
                    _text(ids.TIMETABLE, timetable, multiline=True), optional=True,
                    hint=tx("lifecycle.mission.timetable.hint")),
    ]  # fmt: skip
    return _form(ids.MISSION_VIEW, tx("lifecycle.mission.title_bar"), need, blocks, tx, meta,
                 tx("lifecycle.save"))  # fmt: skip


def read_mission(view: dict) -> MissionDraft:
    flags = {o["value"] for o in _state(view, ids.MISSION_FLAGS).get("selected_options") or []}
    return MissionDraft(
        description=_read_text(view, ids.MISSION_DESCRIPTION),
        purpose_goals=_read_text(view, ids.PURPOSE_GOALS),
        delimitations=_read_text(view, ids.DELIMITATIONS),
        group_composition=_read_text(view, ids.GROUP_COMPOSITION),
        time_needed=_read_text(view, ids.TIME_NEEDED),
        process_leader=_state(view, ids.PROCESS_LEADER).get("selected_user"),
        working_group=list(_state(view, ids.WORKING_GROUP).get("selected_users") or []),
        external_members=_read_text(view, ids.EXTERNAL_MEMBERS),
        resourcing=_read_text(view, ids.RESOURCING),
        state_grant="state_grant" in flags,
        inform_sro="inform_sro" in flags,
        timetable=_read_text(view, ids.TIMETABLE),
    )


# Which input block shows a problem with which draft field.
MISSION_BLOCKS = {
    "description": ids.MISSION_DESCRIPTION,
    "purpose_goals": ids.PURPOSE_GOALS,
    "delimitations": ids.DELIMITATIONS,
    "group_composition": ids.GROUP_COMPOSITION,
    "time_needed": ids.TIME_NEEDED,
    "external_members": ids.EXTERNAL_MEMBERS,
    "resourcing": ids.RESOURCING,
    "timetable": ids.TIMETABLE,
}


# ---------------------------------------------------------------- completion (3 -> 4)


def completion_modal(need: Need, tx: Texts, meta: dict) -> dict:
    picker = {"type": "datepicker", "action_id": ids.input_action(ids.FINAL_REPORT_DATE)}
    blocks = [
        section(tx("lifecycle.complete.intro")),
        input_block(ids.FINAL_REPORT_DATE, tx("lifecycle.complete.date"), picker),
        input_block(ids.FINAL_REPORT_URL, tx("lifecycle.complete.report_url"),
                    _text(ids.FINAL_REPORT_URL, max_length=URL_MAX)),
        input_block(ids.VVG_POSITION, tx("lifecycle.complete.vvg_position"),
                    _text(ids.VVG_POSITION, multiline=True)),
        input_block(ids.SRO_POSITION, tx("lifecycle.complete.sro_position"),
                    _text(ids.SRO_POSITION, multiline=True), optional=True),
        input_block(ids.PRODUCT_URL, tx("lifecycle.complete.product_url"),
                    _text(ids.PRODUCT_URL, max_length=URL_MAX),
                    hint=tx("lifecycle.complete.product_url.hint")),
    ]  # fmt: skip
    return _form(ids.COMPLETE_VIEW, tx("details.button.complete"), need, blocks, tx, meta,
                 tx("lifecycle.complete.submit"))  # fmt: skip


# ---------------------------------------------------------------- a report handed in


def report_modal(need: Need, due: list[Milestone], tx: Texts, meta: dict) -> dict:
    """Which milestone of the timetable the report is for (not yet handed in), and its link."""
    options = [option(milestone_label(m, tx), str(m.id)) for m in due]
    picker = {"type": "static_select", "action_id": ids.input_action(ids.REPORT_MILESTONE),
              "options": options, "initial_option": options[0]}  # fmt: skip
    blocks = [
        section(tx("lifecycle.report.intro")),
        input_block(ids.REPORT_MILESTONE, tx("lifecycle.report.milestone"), picker),
        input_block(ids.REPORT_URL, tx("lifecycle.report.url"),
                    _text(ids.REPORT_URL, max_length=URL_MAX), optional=True,
                    hint=tx("lifecycle.report.url.hint")),
    ]  # fmt: skip
    return _form(ids.REPORT_VIEW, tx("lifecycle.report.title_bar"), need, blocks, tx, meta,
                 tx("lifecycle.report.submit"))  # fmt: skip


def milestone_label(milestone: Milestone, tx: Texts) -> str:
    """`2027-03-01 Delrapport – Lägesrapport till VVG`, as plain text."""
    kind = tx(f"details.milestone.{milestone.kind}")
    return f"{milestone.due.isoformat()} {kind} – {milestone.title}"


REPORT_BLOCKS = {"milestone": ids.REPORT_MILESTONE, "url": ids.REPORT_URL}


def read_report(view: dict) -> tuple[int | None, str]:
    """(the milestone's id, the link or "")."""
    picked = (_state(view, ids.REPORT_MILESTONE).get("selected_option") or {}).get("value")
    return parse_number(picked or ""), _read_text(view, ids.REPORT_URL)


def read_completion(view: dict) -> CompletionDraft:
    picked = _state(view, ids.FINAL_REPORT_DATE).get("selected_date")
    try:
        when = date.fromisoformat(picked) if picked else None
    except ValueError:
        when = None
    return CompletionDraft(
        final_report_date=when,
        final_report_url=_read_text(view, ids.FINAL_REPORT_URL),
        vvg_position=_read_text(view, ids.VVG_POSITION),
        sro_position=_read_text(view, ids.SRO_POSITION),
        product_url=_read_text(view, ids.PRODUCT_URL),
    )


# ---------------------------------------------------------------- duplicate


def duplicate_modal(need: Need, tx: Texts, meta: dict) -> dict:
    blocks = [
        section(tx("lifecycle.duplicate.intro")),
        input_block(ids.ORIGINAL, tx("lifecycle.duplicate.original"),
                    _text(ids.ORIGINAL, max_length=12),
                    hint=tx("lifecycle.duplicate.original.hint")),
        input_block(ids.COMMENT, tx("lifecycle.comment"), _text(ids.COMMENT, multiline=True),
                    optional=True),
    ]  # fmt: skip
    return _form(ids.DUPLICATE_VIEW, tx("details.button.duplicate"), need, blocks, tx, meta,
                 tx("lifecycle.duplicate.submit"))  # fmt: skip


def read_duplicate(view: dict) -> tuple[str, str]:
    return _read_text(view, ids.ORIGINAL), _read_text(view, ids.COMMENT)


# ---------------------------------------------------------------- a notice instead of a form


def notice_modal(text: str, tx: Texts) -> dict:
    """Shown where a form would have been when the action is not (or no longer) allowed."""
    return modal(ids.NOTICE_VIEW, tx("lifecycle.notice.title_bar"), [section(text)],
                 close=tx("common.close"))  # fmt: skip
