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
from commands.render.kit import escape
from commands.render.publishing import hide_modal, notice_modal, read_reason, read_toggle
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
    assert json.loads(view["private_metadata"]) == {"need": 12, "v": None}
    assert json.loads(hide_modal(need, SV, "V1")["private_metadata"]) == {"need": 12, "v": "V1"}
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
    assert parse_year("1999", 2026) == 1999  # a year, if not one to report on (run says so)
    assert parse_year("²⁰²⁵", 2026) is None and parse_year("-202", 2026) is None
    assert SV("help.line.report").startswith("• `/behov rapport [år]`")


def _hidden_state(bot, number):
    with bot.db.session() as s:
        need = s.get(Need, number)
        kinds = [e.kind for e in history(s, need_id=number)]
        return need.public_hidden, need.hidden_reason, kinds


def _crafted_click(fake_slack, user, value):
    """A click on the hide button as if from a message, whether or not it is shown."""
    ts = fake_slack.post_as_user(user, "CGENERAL", "Behov att titta på")
    return fake_slack.click(user, ids.HIDE_PUBLIC, channel="CGENERAL", ts=ts, value=value,
                            force=True)  # fmt: skip


@needs_fake_slack
def test_admin_hides_with_a_reason_and_shows_again(bot, fake_slack, ref):
    portfolio = build_portfolio(bot.db, ref)
    number = portfolio.prioritisation
    _crafted_click(fake_slack, ADMIN, str(number))  # a bare number (an older view) hides
    view = wait_for(lambda: fake_slack.top_view(ADMIN), "the hide form")
    assert view["callback_id"] == ids.HIDE_PUBLIC_VIEW
    fake_slack.submit(ADMIN, {ids.HIDE_REASON: "Beskrivningen nämner en patient"})
    hidden, why, kinds = _hidden_state(bot, number)
    assert hidden and why == "Beskrivningen nämner en patient"
    assert kinds[-1] == EventKind.HIDDEN
    assert "visas inte längre" in fake_slack.visible_text(fake_slack.top_view(ADMIN))

    _crafted_click(fake_slack, ADMIN, f"{number}:show")
    assert wait_for(lambda: not _hidden_state(bot, number)[0], "the need shown again")
    assert _hidden_state(bot, number)[2][-1] == EventKind.SHOWN


@needs_fake_slack
def test_others_are_refused_even_with_crafted_payloads(bot, fake_slack, ref):
    portfolio = build_portfolio(bot.db, ref)
    number = portfolio.prioritisation
    _crafted_click(fake_slack, STAFF, f"{number}:show")
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


@needs_fake_slack
def test_a_year_outside_the_report_says_which_years_there_are(bot, fake_slack):
    for year in ("1999", "2027"):  # the clock is in 2026
        fake_slack.slash(ADMIN, f"rapport {year}", channel="CGENERAL")
        told = fake_slack.visible_text(fake_slack.ephemerals(ADMIN)[-1])
        assert told == (f"Årsrapporten kan tas fram för åren 2000–2026, inte för {year}. "
                        "Skriv till exempel `/behov rapport 2026`.")  # fmt: skip
    fake_slack.slash(ADMIN, "rapport förra", channel="CGENERAL")
    assert "Skriv ett årtal" in fake_slack.visible_text(fake_slack.ephemerals(ADMIN)[-1])
    assert fake_slack.files == [] and fake_slack.messages("CGENERAL") == []


@needs_fake_slack
def test_a_report_with_many_completed_missions_lists_them_all(bot, fake_slack, ref):
    from datetime import UTC, datetime

    from storage.models import Completion
    from tests.public_support import add_need, move

    titles = [(f"Uppdrag {n} " + "Vård & omsorg <i samverkan> " * 6)[:150] for n in range(40)]
    with bot.db.session(write=True) as s:
        for n, title in enumerate(titles):
            day = datetime(2026, 3, 1, 9, n, tzinfo=UTC)
            need = add_need(s, ref, title, at=day)
            for phase in (2, 3, 4):
                move(s, need, phase, day)
            s.add(Completion(need_id=need.id, final_report_date=day.date(), vvg_position="Ja",
                             product_url=f"https://example.org/produkt?id={n}&typ=rutin",
                             completed_by=ADMIN, completed_at=day))  # fmt: skip
    fake_slack.slash(ADMIN, "rapport 2026", channel="CGENERAL")
    wait_for(lambda: fake_slack.files, "the uploaded chart")

    def texts():
        return [m.get("text") or "" for m in fake_slack.messages("CGENERAL")]

    wait_for(lambda: any("Årsrapport 2026, del 2 av" in t for t in texts()), "the rest")
    assert texts()[0].startswith("*Årsrapport 2026: utvecklingsbehov") and len(texts()) > 1
    assert all(len(t) <= 3900 for t in texts())
    shown = "\n".join(texts())
    assert "4. Slutfört uppdrag: 40 slutfört" in shown
    for n, title in enumerate(titles):
        link = f"<https://example.org/produkt?id={n}&amp;typ=rutin|slutprodukt>"
        assert f"{escape(title)} (2026-03-01) – {link}" in shown, n


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
        "emoji": True}, "action_id": ids.HIDE_PUBLIC, "value": "7:hide",
    }  # fmt: skip
    need.public_hidden = True
    shown = toggle_button(need, SV)
    assert (shown["text"]["text"], shown["value"]) == ("Visa på den offentliga sidan", "7:show")


def test_reading_what_the_toggle_asks_for():
    assert read_toggle("7:hide") == (7, "hide") and read_toggle("7:show") == (7, "show")
    assert read_toggle("7") == (7, "hide")  # a view from before the value said: never publish
    assert read_toggle("7:publish") == (7, "hide") and read_toggle("x:show") == (None, "show")


OTHER_ADMIN = "UADMIN2"  # another admin, acting from a Slack client of their own


def _details(fake_slack, number):
    from tests.test_lifecycle_slack import open_details

    return open_details(fake_slack, ADMIN, number)


def _toggle_in(view) -> dict:
    return next(e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]
                if e["action_id"] == ids.HIDE_PUBLIC)  # fmt: skip


def _meanwhile(bot, clock, number, *, hide: bool):
    """The other admin hides or shows the need; returns the stored state after it."""
    from storage.public import hide_need, show_need

    with bot.db.session(write=True) as s:
        need = s.get(Need, number)
        if hide:
            hide_need(s, need=need, actor=OTHER_ADMIN, reason="Namn på en patient", now=clock())
        else:
            show_need(s, need=need, actor=OTHER_ADMIN, now=clock())
    return _hidden_state(bot, number)


@needs_fake_slack
def test_a_stale_toggle_click_changes_nothing_and_says_so(bot, fake_slack, ref, clock):
    """Admin B's details view still offers to hide (or show) after admin A has done it: B's
    click keeps A's state, tells B and refreshes B's view."""
    number = build_portfolio(bot.db, ref).prioritisation
    details = _details(fake_slack, number)
    assert _toggle_in(details)["value"] == f"{number}:hide"
    hidden_by_a = _meanwhile(bot, clock, number, hide=True)
    assert hidden_by_a[:2] == (True, "Namn på en patient")
    fake_slack.click(ADMIN, ids.HIDE_PUBLIC, view_id=details["id"], value=f"{number}:hide")
    told = fake_slack.visible_text(fake_slack.top_view(ADMIN))
    assert f"#{number} är redan dolt på den offentliga sidan" in told
    assert "Skäl: Namn på en patient" in told
    assert _hidden_state(bot, number) == hidden_by_a  # no new history entry either
    refreshed = fake_slack.modal_stack(ADMIN)[0]
    assert _toggle_in(refreshed)["value"] == f"{number}:show"
    fake_slack.close(ADMIN)

    shown_by_a = _meanwhile(bot, clock, number, hide=False)
    fake_slack.click(ADMIN, ids.HIDE_PUBLIC, view_id=details["id"], value=f"{number}:show")
    told = fake_slack.visible_text(fake_slack.top_view(ADMIN))
    assert f"#{number} är inte dolt, så inget ändrades" in told
    assert _hidden_state(bot, number) == shown_by_a
    assert shown_by_a[:2] == (False, None) and shown_by_a[2][-1] == EventKind.SHOWN
    assert _toggle_in(fake_slack.modal_stack(ADMIN)[0])["value"] == f"{number}:hide"


@needs_fake_slack
def test_hiding_from_a_form_another_admin_beat_keeps_their_reason(bot, fake_slack, ref, clock):
    number = build_portfolio(bot.db, ref).prioritisation
    details = _details(fake_slack, number)
    fake_slack.click(ADMIN, ids.HIDE_PUBLIC, view_id=details["id"], value=f"{number}:hide")
    assert fake_slack.top_view(ADMIN)["callback_id"] == ids.HIDE_PUBLIC_VIEW
    _meanwhile(bot, clock, number, hide=True)
    fake_slack.submit(ADMIN, {ids.HIDE_REASON: "Ett annat skäl"})
    told = fake_slack.visible_text(fake_slack.top_view(ADMIN))
    assert "är redan dolt" in told and "Skäl: Namn på en patient" in told
    hidden, why, kinds = _hidden_state(bot, number)
    assert (hidden, why, kinds.count(EventKind.HIDDEN)) == (True, "Namn på en patient", 1)
    assert _toggle_in(fake_slack.modal_stack(ADMIN)[0])["value"] == f"{number}:show"
