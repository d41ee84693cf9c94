"""Hiding a need from the public page and `/behov rapport` in Slack.

The end-to-end tests need the shared fake Slack (fakeslack.FakeSlack); until it is merged
they skip and say so. The modal builders are pure and tested here without Slack.
"""

from __future__ import annotations

import json

import pytest

from bot.i18n import EN, SV
from commands import ids
from commands.publishing import _present  # noqa: F401  (the handler module imports cleanly)
from commands.render.publishing import hide_modal, notice_modal, read_reason
from commands.report import parse_year
from commands.slash import ADMIN_ROUTES, ROUTES
from domain.history import EventKind
from storage.models import Need
from storage.needs import history
from tests.conftest import ADMIN, STAFF, wait_for
from tests.public_support import build_portfolio

try:
    from fakeslack import FakeSlack  # noqa: F401

    HAVE_FAKE_SLACK = True
except ImportError:
    HAVE_FAKE_SLACK = False
needs_fake_slack = pytest.mark.skipif(
    not HAVE_FAKE_SLACK, reason="fakeslack.FakeSlack is not merged into this branch yet"
)


def test_hide_modal_asks_for_a_reason():
    need = Need(id=12, title="<!channel> Titel", description="x", origin="", submitted_by=STAFF)
    view = hide_modal(need, SV)
    assert view["callback_id"] == ids.HIDE_PUBLIC_VIEW
    assert json.loads(view["private_metadata"]) == {"need": 12}
    block = next(b for b in view["blocks"] if b.get("block_id") == ids.HIDE_REASON)
    assert block["label"]["text"] == "Skäl"
    assert block["element"]["action_id"] == ids.input_action(ids.HIDE_REASON)
    assert "&lt;!channel&gt;" in view["blocks"][0]["text"]["text"]  # pings nobody
    assert hide_modal(need, EN)["submit"]["text"] == "Hide"


def test_reading_the_reason():
    state = {ids.HIDE_REASON: {ids.input_action(ids.HIDE_REASON): {"value": "  Namn i texten "}}}
    assert read_reason({"state": {"values": state}}) == "Namn i texten"
    assert read_reason({}) == ""
    assert notice_modal("Klart", SV)["blocks"][0]["text"]["text"] == "Klart"


def test_report_subcommand_and_year():
    assert "report" in ROUTES and "report" in ADMIN_ROUTES
    assert parse_year("", 2026) == 2026
    assert parse_year("2025", 2026) == 2025
    assert parse_year("förra", 2026) is None and parse_year("99999", 2026) is None
    assert SV("help.line.report").startswith("• `/behov rapport [år]`")


def _hidden_state(bot, number):
    with bot.db.session() as s:
        need = s.get(Need, number)
        kinds = [e.kind for e in history(s, need_id=number)]
        return need.public_hidden, need.hidden_reason, kinds


def _crafted_click(fake_slack, user, number):
    """A click on the hide button as if from a message, whether or not it is shown."""
    ts = fake_slack.post_as_user(user, "CGENERAL", "Behov att titta på")
    return fake_slack.click(
        user, ids.HIDE_PUBLIC, channel="CGENERAL", ts=ts, value=str(number), force=True
    )


@needs_fake_slack
def test_admin_hides_with_a_reason_and_shows_again(bot, fake_slack, ref):
    portfolio = build_portfolio(bot.db, ref)
    number = portfolio.prioritisation
    _crafted_click(fake_slack, ADMIN, number)
    view = wait_for(lambda: fake_slack.top_view(ADMIN), "the hide form")
    assert view["callback_id"] == ids.HIDE_PUBLIC_VIEW
    fake_slack.submit(ADMIN, {ids.HIDE_REASON: "Beskrivningen nämner en patient"})
    hidden, why, kinds = _hidden_state(bot, number)
    assert hidden and why == "Beskrivningen nämner en patient"
    assert kinds[-1] == EventKind.HIDDEN
    assert "visas inte längre" in fake_slack.visible_text(fake_slack.top_view(ADMIN))

    _crafted_click(fake_slack, ADMIN, number)
    assert wait_for(lambda: not _hidden_state(bot, number)[0], "the need shown again")
    assert _hidden_state(bot, number)[2][-1] == EventKind.SHOWN


@needs_fake_slack
def test_others_are_refused_even_with_crafted_payloads(bot, fake_slack, ref):
    portfolio = build_portfolio(bot.db, ref)
    number = portfolio.prioritisation
    _crafted_click(fake_slack, STAFF, number)
    view = wait_for(lambda: fake_slack.top_view(STAFF), "the notice")
    assert "Bara VVG:s presidium och sekretariat kan dölja" in fake_slack.visible_text(view)
    assert _hidden_state(bot, number)[:2] == (False, None)


@needs_fake_slack
def test_report_in_slack_for_admins_only(bot, fake_slack, ref):
    build_portfolio(bot.db, ref)
    fake_slack.slash(STAFF, "rapport 2026", channel="CGENERAL")
    told = fake_slack.visible_text(fake_slack.ephemerals(STAFF))
    assert "Bara VVG:s presidium och sekretariat kan ta fram årsrapporten" in told
    fake_slack.slash(ADMIN, "rapport 2026", channel="CGENERAL")
    uploaded = wait_for(lambda: fake_slack.files, "the uploaded file")
    assert uploaded, "no chart was uploaded"
    text = fake_slack.visible_text(fake_slack.messages("CGENERAL"))
    assert "Årsrapport 2026" in text


def test_help_shows_the_report_to_admins_only():
    from types import SimpleNamespace

    from commands.render.help import help_blocks
    from commands.slash import Turn, routes_for
    from tests.conftest import make_settings

    services = SimpleNamespace(settings=make_settings("sqlite://", "http://127.0.0.1:9/"))

    def help_for(user):
        turn = Turn(None, None, None, services, SV, user, "C1", "t", "")
        return help_blocks(SV, routes_for(turn))[1][-1]["text"]["text"]

    assert "/behov rapport" in help_for(ADMIN)
    assert "/behov rapport" not in help_for(STAFF)


def test_the_toggle_button_for_the_details_view():
    from commands.render.publishing import toggle_button

    need = Need(id=7, title="x", description="x", origin="", submitted_by=STAFF)
    assert toggle_button(need, SV) == {
        "type": "button", "text": {"type": "plain_text", "text": "Dölj på den offentliga sidan",
        "emoji": True}, "action_id": ids.HIDE_PUBLIC, "value": "7",
    }  # fmt: skip
    need.public_hidden = True
    assert toggle_button(need, SV)["text"]["text"] == "Visa på den offentliga sidan"
