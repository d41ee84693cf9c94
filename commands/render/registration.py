"""The registration form and its parser, side by side."""

from __future__ import annotations

import json

from bot.i18n import Texts
from commands import ids
from commands.render.kit import (
    button,
    context,
    divider,
    escape,
    input_block,
    modal,
    option,
    section,
    text_input,
)
from commands.render.needs import phase_line, phase_summary, title_line
from domain.needs import DESCRIPTION_MAX, TITLE_MAX, Draft
from domain.reference import Reference
from domain.text import clean
from storage.models import Need


def _select(action_id: str, placeholder: str, options: list[dict], initial: str | None) -> dict:
    element = {
        "type": "static_select",
        "action_id": action_id,
        "placeholder": {"type": "plain_text", "text": placeholder[:150]},
        "options": options,
    }
    chosen = next((o for o in options if o["value"] == initial), None)
    if chosen:
        element["initial_option"] = chosen
    return element


def _area_select(ref: Reference, tx: Texts, initial: str | None) -> dict:
    groups, chosen = [], None
    for perspective in ref.data.perspectives:
        opts = [option(a.label(tx.lang), a.key) for a in perspective.areas]
        chosen = chosen or next((o for o in opts if o["value"] == initial), None)
        groups.append(
            {
                "label": {"type": "plain_text", "text": perspective.label(tx.lang)[:75]},
                "options": opts,
            }
        )
    element = {
        "type": "static_select",
        "action_id": ids.input_action(ids.AREA),
        "placeholder": {"type": "plain_text", "text": tx("form.area.placeholder")},
        "option_groups": groups,
    }
    if chosen:
        element["initial_option"] = chosen
    return element


def similar_blocks(similar: list[Need], tx: Texts) -> list[dict]:
    """The warning shown above the form when similar needs already exist."""
    blocks = [section(tx("form.similar.intro"), block_id=ids.SIMILAR)]
    for need in similar:
        blocks.append(
            section(
                f"{title_line(need)}\n{phase_summary(need, tx)}",
                accessory=button(tx("form.similar.open"), ids.OPEN_NEED, str(need.id)),
            )
        )
    blocks += [context(tx("form.similar.outro")), divider()]
    return blocks


def registration_modal(
    draft: Draft,
    ref: Reference,
    tx: Texts,
    *,
    similar: list[Need] | None = None,
    organisation_name: str | None = None,
    description_cut: bool = False,
    names_shown: bool = False,
) -> dict:
    """The modal for a new need, prefilled from the draft; similar needs are listed on top.
    `description_cut`: the prefilled text was longer than the form takes, so the hint says so;
    `names_shown`: people mentioned in the message stand in it by name, and the hint asks the
    person to take out the names that are not needed (the description becomes public)."""
    blocks = similar_blocks(similar, tx) if similar else []
    origin_opts = [option(o.label(tx.lang), o.key) for o in ref.data.origins]
    origin = {
        "type": "radio_buttons",
        "action_id": ids.input_action(ids.ORIGIN),
        "options": origin_opts,
    }
    chosen_origin = next((o for o in origin_opts if o["value"] == draft.origin), None)
    if chosen_origin:
        origin["initial_option"] = chosen_origin
    target_opts = [option(t.label(tx.lang), t.key) for t in ref.data.target_groups]
    targets = {
        "type": "multi_static_select",
        "action_id": ids.input_action(ids.TARGET_GROUPS),
        "placeholder": {"type": "plain_text", "text": tx("form.target_groups.placeholder")},
        "options": target_opts,
    }
    chosen_targets = [o for o in target_opts if o["value"] in draft.target_groups]
    if chosen_targets:
        targets["initial_options"] = chosen_targets
    organisation = {
        "type": "external_select",
        "action_id": ids.ORGANISATION_SEARCH,
        "placeholder": {"type": "plain_text", "text": tx("form.organisation.placeholder")},
        "min_query_length": 1,
    }
    if draft.organisation:
        organisation["initial_option"] = option(draft.organisation, draft.organisation)
    blocks += [
        input_block(
            ids.TITLE,
            tx("form.title"),
            text_input(ids.input_action(ids.TITLE), draft.title, max_length=TITLE_MAX),
        ),
        input_block(
            ids.DESCRIPTION,
            tx("form.description"),
            text_input(
                ids.input_action(ids.DESCRIPTION),
                draft.description,
                max_length=DESCRIPTION_MAX,
                multiline=True,
            ),
            hint=_description_hint(tx, description_cut, names_shown),
        ),
        input_block(ids.ORIGIN, tx("form.origin"), origin),
        input_block(ids.AREA, tx("form.area"), _area_select(ref, tx, draft.area), optional=True),
        input_block(ids.TARGET_GROUPS, tx("form.target_groups"), targets, optional=True),
        input_block(
            ids.LEVEL,
            tx("form.level"),
            _select(
                ids.input_action(ids.LEVEL),
                tx("form.level.placeholder"),
                [option(lv.label(tx.lang), lv.key) for lv in ref.data.levels],
                draft.level,
            ),
            optional=True,
        ),
        input_block(ids.ORGANISATION, tx("form.organisation"), organisation),
    ]
    metadata = {"ch": draft.source_channel, "ts": draft.source_ts}
    if similar:
        metadata["seen"] = [n.id for n in similar]
    return modal(
        ids.REGISTER_VIEW,
        tx("form.title_bar"),
        blocks,
        submit=tx("form.submit_anyway") if similar else tx("form.submit"),
        close=tx("common.cancel"),
        metadata=metadata,
    )


def _value(values: dict, block_id: str, action_id: str | None = None) -> dict:
    return values.get(block_id, {}).get(action_id or ids.input_action(block_id), {}) or {}


def read_form(view: dict) -> tuple[Draft, dict]:
    """(Draft from the submitted state, the form's private metadata)."""
    values = view.get("state", {}).get("values", {})
    metadata = json.loads(view.get("private_metadata") or "{}")

    def text(block_id: str) -> str:
        return clean(_value(values, block_id).get("value"))

    def selected(block_id: str, action_id: str | None = None) -> str | None:
        chosen = _value(values, block_id, action_id).get("selected_option") or {}
        return chosen.get("value")

    targets = _value(values, ids.TARGET_GROUPS).get("selected_options") or []
    draft = Draft(
        title=text(ids.TITLE),
        description=text(ids.DESCRIPTION),
        origin=selected(ids.ORIGIN),
        area=selected(ids.AREA),
        target_groups=[o["value"] for o in targets],
        level=selected(ids.LEVEL),
        organisation=selected(ids.ORGANISATION, ids.ORGANISATION_SEARCH),
        source_channel=metadata.get("ch"),
        source_ts=metadata.get("ts"),
    )
    return draft, metadata


def done_view(need: Need, tx: Texts, *, created: bool) -> dict:
    """Shown in the modal right after saving: the number, the phase, what happens next."""
    intro = tx("done.created" if created else "done.already", title=title_line(need))
    blocks = [
        section(intro),
        section(phase_summary(need, tx) + "\n" + phase_line(need, tx)),
        section(tx("done.next", number=f"#{need.id}")),
    ]
    return modal(ids.DONE_VIEW, tx("done.title_bar"), blocks, close=tx("common.close"))


def done_message(need: Need, tx: Texts, *, created: bool) -> tuple[str, list[dict]]:
    """The lasting confirmation in the person's messages with the bot."""
    text = tx("done.created" if created else "done.already", title=f"#{need.id} · {need.title}")
    blocks = done_view(need, tx, created=created)["blocks"]
    return escape(text), blocks


def _description_hint(tx: Texts, cut: bool, names: bool) -> str:
    notes = [
        tx(key)
        for key, wanted in (("form.description.cut", cut), ("form.description.names", names))
        if wanted
    ]
    return " ".join(notes) or tx("form.description.hint")
