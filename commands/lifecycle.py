"""The phases in Slack: the details view, its buttons and forms, and following a need.

Every button checks the rules when it is clicked and every form checks them again when it is
sent (storage.lifecycle re-reads the need inside the write transaction), so a crafted payload
meets the same rule as a click: a clear answer, and nothing changes.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.i18n import Texts
from bot.posting import post_once
from commands import ids
from commands.context import telling_user
from commands.home import refresh_home
from commands.notify import notify_change
from commands.render import lifecycle_forms as forms
from commands.render.details import HISTORY_PAGE, details_modal
from commands.render.kit import actions, button, section
from commands.render.needs import title_line
from commands.render.registration import read_form, registration_modal
from commands.render.votes import deadline_text
from domain.lifecycle import (
    Action,
    Refused,
    Situation,
    allowed_actions,
    confirm_problems,
    decision_choices,
    decision_problems,
    duplicate_refusal,
    refusal,
)
from domain.mission import (
    assessment_problems,
    completion_problems,
    mission_problems,
    report_problems,
)
from domain.needs import Draft, errors_for, parse_number
from domain.phases import Decision
from storage import lifecycle
from storage.details import load_details
from storage.needs import get_need

log = logging.getLogger(__name__)
NO_SUCH_NEED = "lifecycle.refused.no_such_need"

FORM_BUTTONS = {
    ids.TAKE_UP: Action.TAKE_UP,
    ids.START: Action.START,
    ids.WITHDRAW: Action.WITHDRAW,
    ids.ASSESS: Action.ASSESS,
    ids.DECIDE: Action.DECIDE,
    ids.MISSION: Action.MISSION,
    ids.COMPLETE: Action.COMPLETE,
    ids.REPORT: Action.REPORT,
    ids.EDIT: Action.EDIT,
    ids.DUPLICATE: Action.DUPLICATE,
}


def _admin(svc, user_id: str) -> bool:
    return svc.settings.is_admin(user_id)


def refusal_text(
    tx: Texts, key: str, need_id: int | None, vote_deadline: datetime | None = None, tz=None
) -> str:
    """The refusal in words; `vote_deadline` (shown in `tz`) when the need's vote is open."""
    if key == NO_SUCH_NEED and need_id is not None:  # say which number, as a status would
        return tx("status.no_number", number=need_id)
    deadline = deadline_text(vote_deadline, tz) if vote_deadline else ""
    return tx(key, number=f"#{need_id}" if need_id is not None else "", deadline=deadline)


def details_view(svc, tx: Texts, need_id: int, user_id: str, offset: int = 0) -> dict | None:
    """The details modal of a need as this person may see and use it (None: no such need)."""
    with svc.db.session() as session:
        d = load_details(session, need_id=need_id, user_id=user_id, offset=offset,
                         limit=HISTORY_PAGE)  # fmt: skip
    if d is None:
        return None
    allowed = allowed_actions(d.situation, user_id, _admin(svc, user_id))
    return details_modal(d, allowed, svc.ref, tx, svc.settings.tz, offset=offset)


def clicked_modal(body: dict) -> str | None:
    """The id of the modal the click came from, if it came from one."""
    view = body.get("view") or {}
    return view.get("id") if view.get("type") == "modal" else None


def _show(client: WebClient, body: dict, view: dict) -> None:
    """Put a modal on top of the one clicked in, or open one from a message or the Home tab."""
    if clicked_modal(body):
        client.views_push(trigger_id=body["trigger_id"], view=view)
    else:
        client.views_open(trigger_id=body["trigger_id"], view=view)


def tell(client: WebClient, body: dict, respond, tx: Texts, text: str) -> None:
    """Answer a click where the person is: ephemeral in a message, a notice over a modal.

    A notice needs the click's trigger_id, which Slack accepts for 3 seconds only: after
    slower work (posting a vote message) the answer comes as a direct message instead."""
    with telling_user(respond, tx, "answering a click"):
        if clicked_modal(body) or (body.get("view") and body.get("trigger_id")):
            try:
                _show(client, body, forms.notice_modal(text, tx))
                return
            except SlackApiError as exc:
                log.info("no notice over the view (%s): told by direct message", exc)
        elif body.get("response_url"):
            respond(text=text, response_type="ephemeral", replace_original=False)
            return
        post_once(client, channel=body["user"]["id"], text=text)


# ---------------------------------------------------------------- the details view


def open_details(ack, action: dict, body: dict, client: WebClient, respond, context) -> None:
    ack()
    svc, tx = context["svc"], context["tx"]
    number = parse_number(action.get("value") or "")
    view = details_view(svc, tx, number, body["user"]["id"]) if number is not None else None
    if view is None:
        tell(client, body, respond, tx, tx("status.gone"))
        return
    with telling_user(respond, tx, "opening a need's details"):
        current = body.get("view") or {}
        if clicked_modal(body) and current.get("previous_view_id"):
            # Already on a pushed view: replace it, so the forms opened from the details
            # still fit in Slack's stack of three views.
            client.views_update(view_id=current["id"], view=view)
        else:
            _show(client, body, view)


def page_history(ack, action: dict, body: dict, client: WebClient, respond, context) -> None:
    ack()
    svc, tx = context["svc"], context["tx"]
    number, _, offset = (action.get("value") or "").partition(":")
    need_id = parse_number(number)
    view_id = clicked_modal(body)
    if need_id is None or not offset.isdigit() or view_id is None:
        return
    view = details_view(svc, tx, need_id, body["user"]["id"], offset=int(offset))
    if view is not None:
        with telling_user(None, tx, "paging a need's history"):
            client.views_update(view_id=view_id, view=view)


def refresh_details(client: WebClient, svc, tx: Texts, view_id: str | None, need_id, user_id):
    """After a change: the details view the person has open shows the new state."""
    if not view_id:
        return
    view = details_view(svc, tx, need_id, user_id)
    if view is None:
        return
    try:
        client.views_update(view_id=view_id, view=view)
    except SlackClientError as exc:  # the person may have closed it meanwhile
        log.info("could not refresh the details of #%s: %s", need_id, exc)


# ---------------------------------------------------------------- buttons that open a form


def open_action_form(ack, action: dict, body: dict, client: WebClient, respond, context) -> None:
    """A phase button: check the rules now, then open its form (they are checked again on
    sending)."""
    ack()
    svc, tx = context["svc"], context["tx"]
    user_id = body["user"]["id"]
    act = FORM_BUTTONS[action["action_id"]]
    need_id = parse_number(action.get("value") or "")
    meta = {"v": clicked_modal(body)}
    now = None
    with svc.db.session() as session:
        need = get_need(session, need_id=need_id) if need_id is not None else None
        if need is None:
            problem = NO_SUCH_NEED
        else:
            now = lifecycle.situation(session, need=need, user_id=user_id)
            problem = refusal(act, now, user_id, _admin(svc, user_id))
        view = None if problem else _form_for(session, svc, tx, act, need, now, meta)
    if problem:
        deadline = now.vote_deadline if now else None
        text = refusal_text(tx, problem, need_id, deadline, svc.settings.tz)
        tell(client, body, respond, tx, text)
        return
    with telling_user(respond, tx, "opening a phase form"):
        _show(client, body, view)


def _form_for(session, svc, tx: Texts, act: Action, need, now: Situation, meta: dict) -> dict:
    if act in forms.CONFIRMED:
        return forms.confirm_modal(need, act, tx, meta)
    if act is Action.ASSESS:
        before = lifecycle.latest_assessment(session, need_id=need.id)
        return forms.assessment_modal(need, before, tx, meta)
    if act is Action.DECIDE:
        choices = decision_choices(now)
        note = None
        if Decision.NOT_PRIORITISE not in choices:  # until the vote closes: say why
            key = "lifecycle.decide.vote_running"
            note = refusal_text(tx, key, need.id, now.vote_deadline, svc.settings.tz)
        return forms.decision_modal(need, tx, meta, choices, note)
    if act is Action.REPORT:
        return forms.report_modal(need, lifecycle.reports_due(session, need_id=need.id), tx, meta)
    if act is Action.MISSION:
        mission = lifecycle.get_mission(session, need_id=need.id)
        rows = lifecycle.milestones(session, need_id=need.id)
        meta = {**meta, "u": lifecycle.mission_version(mission)}
        return forms.mission_modal(need, mission, rows, tx, meta)
    if act is Action.COMPLETE:
        return forms.completion_modal(need, tx, meta)
    if act is Action.DUPLICATE:
        return forms.duplicate_modal(need, tx, meta)
    return edit_modal(need, svc, tx, meta)


def edit_modal(need, svc, tx: Texts, meta: dict) -> dict:
    """The registration form, prefilled, saving into the same need."""
    draft = Draft(title=need.title, description=need.description, origin=need.origin,
                  area=need.area, target_groups=list(need.target_groups), level=need.level,
                  organisation=need.organisation)  # fmt: skip
    view = registration_modal(draft, svc.ref, tx)
    view["blocks"].insert(0, section(title_line(need)))
    view.update(
        callback_id=ids.EDIT_VIEW,
        title={"type": "plain_text", "text": tx("details.button.edit")[:24]},
        submit={"type": "plain_text", "text": tx("lifecycle.save")[:24]},
    )
    view["private_metadata"] = json.dumps({"n": need.id, "u": lifecycle.edit_version(need), **meta})
    return view


# ---------------------------------------------------------------- sending a form


def _apply(ack, body: dict, view: dict, client: WebClient, context, run: Callable):
    """Carry out one action in one transaction; refuse with a notice, or close the form,
    refresh the details view and tell the people concerned."""
    svc, tx = context["svc"], context["tx"]
    meta = forms.metadata(view)
    user_id = body["user"]["id"]
    need_id = parse_number(str(meta.get("n", "")))
    kw = dict(need_id=need_id, actor=user_id, is_admin=_admin(svc, user_id), now=svc.clock())
    try:
        if need_id is None:
            raise Refused(NO_SUCH_NEED)
        with svc.db.session(write=True) as session:
            applied = run(session, kw)
    except Refused as refused:
        text = refusal_text(tx, refused.key, need_id, refused.vote_deadline, svc.settings.tz)
        notice = forms.notice_modal(text, tx)
        ack(response_action="update", view=notice)
        return
    ack()
    refresh_details(client, svc, tx, meta.get("v"), need_id, user_id)
    if applied.notable:
        notify_change(client, svc, applied.need, applied.notable[0])
    refresh_home(client, svc, _concerned(svc, applied))


def _concerned(svc, applied) -> list[str]:
    """Whose App Home a change alters: the submitter, the admins, old and new process leader."""
    people = [applied.need.submitted_by, *sorted(svc.settings.behov_admins)]
    for event in applied.events:
        if event.field == "process_leader":
            people += [event.old_value, event.new_value]
    return people


def _errors(ack, tx: Texts, problems: dict, blocks: dict | None = None) -> bool:
    """Answer inline errors in Swedish (or English); True when there were any."""
    if not problems:
        return False
    errors = {}
    for name, problem in problems.items():
        key, values = problem if isinstance(problem, tuple) else (problem, {})
        values = {k: tx.number(v) if k == "max" else v for k, v in values.items()}  # 3 000
        errors[(blocks or {}).get(name, name)] = tx(key, **values)
    ack(response_action="errors", errors=errors)
    return True


def submit_confirm(ack, body: dict, view: dict, client: WebClient, context) -> None:
    act = Action(forms.metadata(view).get("a", ""))
    carry_out = {
        Action.TAKE_UP: lifecycle.take_up,
        Action.START: lifecycle.start_execution,
        Action.WITHDRAW: lifecycle.withdraw,
    }[act]
    comment = forms.read_comment(view)
    if _errors(ack, context["tx"], confirm_problems(act, comment), {"comment": ids.COMMENT}):
        return
    _apply(ack, body, view, client, context, lambda s, kw: carry_out(s, comment=comment, **kw))


def submit_assessment(ack, body: dict, view: dict, client: WebClient, context) -> None:
    draft = forms.read_assessment(view)
    if _errors(ack, context["tx"], assessment_problems(draft)):
        return
    _apply(ack, body, view, client, context, lambda s, kw: lifecycle.assess(s, draft=draft, **kw))


def submit_decision(ack, body: dict, view: dict, client: WebClient, context) -> None:
    decision, reason = forms.read_decision(view)
    if _errors(ack, context["tx"], decision_problems(decision, reason)):
        return
    _apply(
        ack,
        body,
        view,
        client,
        context,
        lambda s, kw: lifecycle.decide(s, decision=Decision(decision), reason=reason, **kw),
    )


def submit_mission(ack, body: dict, view: dict, client: WebClient, context) -> None:
    draft = forms.read_mission(view)
    if _errors(ack, context["tx"], mission_problems(draft), forms.MISSION_BLOCKS):
        return
    seen = forms.metadata(view).get("u")  # None from a form opened before forms kept it
    _apply(ack, body, view, client, context,
           lambda s, kw: lifecycle.save_mission(s, draft=draft, seen=seen, **kw))  # fmt: skip


def submit_report(ack, body: dict, view: dict, client: WebClient, context) -> None:
    milestone_id, url = forms.read_report(view)
    if _errors(ack, context["tx"], report_problems(milestone_id, url), forms.REPORT_BLOCKS):
        return
    _apply(ack, body, view, client, context,
           lambda s, kw: lifecycle.report(s, milestone_id=milestone_id, url=url, **kw))  # fmt: skip


def submit_completion(ack, body: dict, view: dict, client: WebClient, context) -> None:
    draft = forms.read_completion(view)
    svc = context["svc"]
    today = svc.clock().astimezone(svc.settings.tz).date()
    if _errors(ack, context["tx"], completion_problems(draft, today=today)):
        return
    _apply(ack, body, view, client, context, lambda s, kw: lifecycle.complete(s, draft=draft, **kw))


def submit_edit(ack, body: dict, view: dict, client: WebClient, context) -> None:
    svc = context["svc"]
    draft, metadata = read_form(view)
    if _errors(ack, context["tx"], errors_for(draft, svc.ref)):
        return
    seen = metadata.get("u")  # None from a form opened before forms kept it
    _apply(ack, body, view, client, context,
           lambda s, kw: lifecycle.edit(s, draft=draft, ref=svc.ref, seen=seen, **kw))  # fmt: skip


def submit_duplicate(ack, body: dict, view: dict, client: WebClient, context) -> None:
    svc, tx = context["svc"], context["tx"]
    typed, comment = forms.read_duplicate(view)
    original = parse_number(typed)
    if original is None:
        _errors(ack, tx, {ids.ORIGINAL: "lifecycle.duplicate.not_a_number"})
        return
    need_id = parse_number(str(forms.metadata(view).get("n", "")))
    with svc.db.session() as session:
        problem = duplicate_refusal(need_id, get_need(session, need_id=original))
    if problem:
        _errors(ack, tx, {ids.ORIGINAL: (problem, {"number": f"#{original}"})})
        return
    _apply(
        ack,
        body,
        view,
        client,
        context,
        lambda s, kw: lifecycle.mark_duplicate(s, original_id=original, comment=comment, **kw),
    )


# ---------------------------------------------------------------- following


def follow_click(ack, action: dict, body: dict, client: WebClient, respond, context) -> None:
    """Follow or stop following: from the details view, a notification or any message."""
    ack()
    svc, tx = context["svc"], context["tx"]
    user_id = body["user"]["id"]
    following = action["action_id"] == ids.FOLLOW
    need_id = parse_number(action.get("value") or "")
    text = change_following(svc, tx, user_id, need_id, follow=following)
    view_id = clicked_modal(body)
    if view_id and text == _done_text(tx, need_id, following):
        refresh_details(client, svc, tx, view_id, need_id, user_id)
        return
    tell(client, body, respond, tx, text)


def _done_text(tx: Texts, need_id, following: bool) -> str:
    key = "lifecycle.follow.done" if following else "lifecycle.unfollow.done"
    return tx(key, number=f"#{need_id}")


def change_following(svc, tx: Texts, user_id: str, need_id: int | None, *, follow: bool) -> str:
    """Follow or unfollow; the answer to show the person."""
    refused = _change_following(svc, user_id, need_id, follow=follow)
    return refusal_text(tx, refused, need_id) if refused else _done_text(tx, need_id, follow)


def follow_answer(svc, tx: Texts, user_id: str, need_id: int) -> tuple[str, list[dict]]:
    """`/behov bevaka <nr>`: the answer, with a details button only for a need that exists."""
    refused = _change_following(svc, user_id, need_id, follow=True)
    text = refusal_text(tx, refused, need_id) if refused else _done_text(tx, need_id, True)
    if refused == NO_SUCH_NEED:
        return text, [section(text)]
    return text, answer_blocks(tx, text, need_id)


def _change_following(svc, user_id: str, need_id: int | None, *, follow: bool) -> str | None:
    """Follow or unfollow in one transaction; the refusal's key, or None when done."""
    change = lifecycle.follow if follow else lifecycle.unfollow
    if need_id is None:
        return NO_SUCH_NEED
    try:
        with svc.db.session(write=True) as session:
            change(session, need_id=need_id, user_id=user_id, now=svc.clock())
    except Refused as refused:
        return refused.key
    return None


def answer_blocks(tx: Texts, text: str, need_id: int) -> list[dict]:
    """A short answer with a button to the need's details."""
    return [section(text), actions(button(tx("details.open"), ids.DETAILS, str(need_id)))]
