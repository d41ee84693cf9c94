"""The sandbox page over the real bot and the fake Slack: what a person sees and can do."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import urllib.request
from urllib.parse import urlencode

import pytest
from slack_sdk import WebClient
from starlette.testclient import TestClient

from demo import people
from demo.runner import free_port, start
from demo.sandbox import COOKIE

GENERAL = f"/c/{people.GENERAL_CHANNEL}"


@pytest.fixture
def demo():
    running = start(scheduler=False)
    yield running
    running.stop()
    assert running.fake.problems == [], running.fake.problems


@pytest.fixture
def browser(demo):
    client = TestClient(demo.sandbox_app)
    client.cookies.set(COOKIE, people.STAFF)
    return client


def as_person(client, user):
    client.cookies.set(COOKIE, user)


def send(client, text, channel=people.GENERAL_CHANNEL):
    back = f"/c/{channel}"
    data = {"channel": channel, "text": text, "back": back}
    return client.post("/send", data=data, follow_redirects=True)


def words(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def bot_client(demo) -> WebClient:
    return WebClient(base_url=demo.fake.api_url, token=demo.fake.bot_token)


def test_a_channel_shows_messages_with_mrkdwn_and_names(demo, browser):
    send(browser, "Vi behöver *mobila team*, fråga <@UEVA001> i <#CVVGPRIO>")
    page = browser.get(GENERAL)
    assert page.status_code == 200
    assert "<strong>mobila team</strong>" in page.text
    assert "@Eva Nilsson" in page.text and "#vvg-prioritering" in page.text
    assert 'lang="sv"' in page.text
    assert "Sara Lind" in words(page.text)


def test_the_switcher_changes_who_acts_and_what_they_see(demo, browser):
    assert "vvg-prioritering" not in browser.get(GENERAL).text  # staff is no VVG member
    data = {"person": people.ADMIN, "back": GENERAL}
    answer = browser.post("/person", data=data, follow_redirects=False)
    assert answer.status_code == 303
    page = browser.get(GENERAL)
    assert "Inloggad som Eva Nilsson" in words(page.text)
    assert "# vvg-prioritering" in words(page.text)


def test_slash_command_answers_ephemerally_to_the_person_only(demo, browser):
    page = send(browser, "/behov hjälp")
    assert "Bara du kan se det här meddelandet" in words(page.text)
    assert "/behov ny" in words(page.text)
    as_person(browser, people.VOTERS[0])
    assert "/behov ny" not in words(browser.get(GENERAL).text)


def test_a_modal_with_the_bots_inline_errors_keeps_what_was_typed(demo, browser):
    page = send(browser, "/behov ny Digitala signaturer")
    assert 'role="dialog"' in page.text and "Registrera behov" in page.text
    assert re.search(r'<label class="label" for="in-title">Titel', page.text)
    view = demo.fake.top_view(people.STAFF)
    form = {"view_id": view["id"], "back": GENERAL, "title": "Digitala signaturer"}
    page = browser.post("/view/submit", data=form, follow_redirects=True)
    assert 'role="alert"' in page.text
    assert 'aria-invalid="true"' in page.text
    error = demo.fake.top_view(people.STAFF)["errors"]["description"]
    assert error in page.text
    assert 'value="Digitala signaturer"' in page.text  # the typed title is still there


def test_registering_a_need_through_the_form_with_the_type_ahead(demo, browser):
    send(browser, "/behov ny Språkstöd i hemtjänsten")
    view = demo.fake.top_view(people.STAFF)
    found = browser.get(
        "/suggest", params={"view_id": view["id"], "action_id": "organisation_search", "q": "Borå"}
    ).json()
    assert any(o["value"] == "Borås" for o in found)
    form = [
        ("view_id", view["id"]),
        ("back", GENERAL),
        ("title", "Språkstöd i hemtjänsten"),
        ("description", "Tolk och digitalt språkstöd behövs i hemtjänsten."),
        ("origin", "gemensamt_utvecklingsarbete"),
        ("area", "personcentrerat"),
        ("target_groups", "aldre"),
        ("level", "lokal"),
        ("organisation", ""),
        ("organisation__label", "Borås"),  # typed, nothing picked: the first match is taken
    ]
    body = urlencode(form).encode()  # repeated keys, as a browser posts a multi-select
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    browser.post("/view/submit", content=body, headers=headers, follow_redirects=True)
    dm = browser.get(f"/c/{demo.fake.dm_channel(people.STAFF)}")
    assert "Språkstöd i hemtjänsten" in words(dm.text)
    assert "✅" in dm.text  # :white_check_mark: as an emoji


def test_message_shortcut_turns_any_message_into_a_need(demo, browser):
    ts = demo.fake.post_as_user(people.STAFF, people.GENERAL_CHANNEL, "Vi saknar stöd för SIP")
    page = browser.get(GENERAL)
    assert "Registrera som behov" in page.text
    form = {"channel": people.GENERAL_CHANNEL, "ts": ts, "callback_id": "register_need"}
    page = browser.post("/shortcut", data={**form, "back": GENERAL}, follow_redirects=True)
    assert "Vi saknar stöd för SIP" in page.text.split('role="dialog"')[1]


def test_app_home_buttons_work(demo, browser):
    page = browser.post("/home", follow_redirects=True)
    assert "Registrera behov" in page.text
    home = demo.fake.home(people.STAFF)
    data = {"view_id": home["id"], "home": "1", "action_id": "home_register", "back": "/home"}
    page = browser.post("/action", data=data, follow_redirects=True)
    assert 'role="dialog"' in page.text


def test_updated_deleted_and_confirmed_messages(demo, browser):
    client = bot_client(demo)
    button = {
        "type": "button",
        "action_id": "demo_confirm",
        "text": {"type": "plain_text", "text": "Stäng röstningen"},
        "value": "7",
        "confirm": {
            "title": {"type": "plain_text", "text": "Stänga nu?"},
            "text": {"type": "mrkdwn", "text": "Rösterna räknas *direkt*."},
            "confirm": {"type": "plain_text", "text": "Ja, stäng"},
            "deny": {"type": "plain_text", "text": "Nej"},
        },
    }
    sent = client.chat_postMessage(
        channel=people.GENERAL_CHANNEL, text="x", blocks=[{"type": "actions", "elements": [button]}]
    )
    gone = client.chat_postMessage(channel=people.GENERAL_CHANNEL, text="ska bort")
    client.chat_update(channel=people.GENERAL_CHANNEL, ts=gone["ts"], text="ändrad")
    assert "(redigerat)" in browser.get(GENERAL).text
    client.chat_delete(channel=people.GENERAL_CHANNEL, ts=gone["ts"])
    assert "ändrad" not in browser.get(GENERAL).text
    data = {
        "channel": people.GENERAL_CHANNEL,
        "ts": sent["ts"],
        "ephemeral": "0",
        "action_id": "demo_confirm",
        "kind": "button",
        "value": "7",
        "confirm": "1",
        "confirm_dialog": '{"title": {"type": "plain_text", "text": "Stänga nu?"}, '
        '"text": {"type": "mrkdwn", "text": "Rösterna räknas *direkt*."}, '
        '"confirm": {"type": "plain_text", "text": "Ja, stäng"}}',
        "back": GENERAL,
    }
    page = browser.post("/action", data=data, follow_redirects=True)
    assert 'role="alertdialog"' in page.text
    assert "Stänga nu?" in page.text and "<strong>direkt</strong>" in page.text
    assert "Ja, stäng" in page.text


def test_uploaded_files_show_images_and_offer_other_files(demo, browser):
    client = bot_client(demo)
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 20
    client.files_upload_v2(channel=people.GENERAL_CHANNEL, content=png, filename="matris.png")
    client.files_upload_v2(channel=people.GENERAL_CHANNEL, content=b"a;b\n", filename="behov.csv")
    page = browser.get(GENERAL)
    image = re.search(r'<img class="upload" src="(/files/\w+)" alt="matris.png"', page.text)
    assert image and browser.get(image.group(1)).content == png
    link = re.search(r'<a class="download" href="(/files/\w+)" download>', page.text)
    download = browser.get(link.group(1))
    assert download.content == b"a;b\n"
    assert "attachment" in download.headers["content-disposition"]


def test_plain_messages_are_refused_in_the_bots_read_only_tab(demo, browser):
    dm = demo.fake.dm_channel(people.STAFF)
    page = send(browser, "hej", channel=dm)
    assert "skrivskyddad" in page.text
    assert demo.fake.dm_messages(people.STAFF) == []


def test_links_to_the_public_page_and_open_data_of_the_running_bot(demo, browser):
    page = browser.get(GENERAL)
    assert f'href="{demo.bot.url}/public/"' in page.text
    assert f'href="{demo.bot.url}/public/needs.json"' in page.text


def test_seeded_demo_has_needs_in_every_phase(tmp_path):
    running = start(scheduler=False, seed=True, database=tmp_path / "seed.db")
    try:
        browser = TestClient(running.sandbox_app)
        browser.cookies.set(COOKIE, people.ADMIN)
        home = words(browser.get("/home").text)
        assert "#27" in home and "Samordnad rehabilitering efter stroke" in home
        with urllib.request.urlopen(running.bot.url + "/public/needs.json") as answer:  # noqa: S310
            published = json.load(answer)["needs"]
        phases = {need["phase"] for need in published}
        assert {2, 3, 4} <= phases
        assert len(published) >= 20
        home_view = running.fake.home(people.ADMIN)
        data = {"view_id": home_view["id"], "home": "1", "action_id": "need_details"}
        page = browser.post("/action", data={**data, "value": "9", "back": "/home"})
        details = words(page.text.split('role="dialog"')[1])
        assert "Gemensam uppföljning av utskrivningsklara patienter" in details
        assert "Genomförande" in details  # phase 3, with its mission document
        assert running.fake.problems == []
    finally:
        running.stop()


def test_threads_and_the_refresh_signal(demo, browser):
    client = bot_client(demo)
    parent = client.chat_postMessage(channel=people.GENERAL_CHANNEL, text="Rösten är stängd")
    before = browser.get("/version").json()["version"]
    client.chat_postMessage(
        channel=people.GENERAL_CHANNEL, thread_ts=parent["ts"], text="Fördelning: _3 av 5_"
    )
    assert browser.get("/version").json()["version"] != before  # the open page reloads
    page = browser.get(GENERAL)
    assert "1 svar" in words(page.text)
    thread = browser.get(GENERAL, params={"thread": parent["ts"]})
    assert "<em>3 av 5</em>" in thread.text.split('class="thread"')[1]


def test_behov_demo_prints_one_url_and_serves_the_sandbox(tmp_path):
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "bot.cli", "demo", "--port", str(port)]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env, cwd=tmp_path
    )
    try:
        line = process.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/", line).group(0)
        assert url == f"http://127.0.0.1:{port}/"
        with urllib.request.urlopen(url) as answer:  # noqa: S310 (loopback)
            assert "Behov – demo utan Slack" in answer.read().decode()
    finally:
        process.send_signal(signal.SIGTERM)  # SIGINT is ignored in background jobs
        assert process.wait(timeout=30) == 0
    assert list(tmp_path.iterdir()) == []  # its database lived in a temporary folder


def text(value):
    return {"type": "plain_text", "text": value}


def option(value, label=None):
    return {"text": text(label or value), "value": value}


def input_block(block_id, label, element, **extra):
    element = {"action_id": block_id + "_input", **element}
    return {
        "type": "input",
        "block_id": block_id,
        "label": text(label),
        "element": element,
        **extra,
    }


EVERY_INPUT = [
    input_block("note", "Anteckning", {"type": "plain_text_input", "multiline": True}),
    input_block(
        "area",
        "Område",
        {
            "type": "static_select",
            "option_groups": [
                {"label": text("Arbetssätt"), "options": [option("mobila", "Mobila team")]},
                {"label": text("Förutsättningar"), "options": [option("fvm", "FVM")]},
            ],
        },
    ),
    input_block(
        "groups", "Målgrupper", {"type": "multi_static_select", "options": [option("aldre")]}
    ),
    input_block("leader", "Processledare", {"type": "users_select"}),
    input_block("group", "Arbetsgrupp", {"type": "multi_users_select"}, optional=True),
    input_block("level", "Nivå", {"type": "radio_buttons", "options": [option("lokal", "Lokal")]}),
    input_block("sro", "SRO", {"type": "checkboxes", "options": [option("ja", "Informera SRO")]}),
    input_block("due", "Slutrapport", {"type": "datepicker", "initial_date": "2027-03-01"}),
]


def test_every_input_kind_renders_labelled_and_reads_back(demo, browser):
    view = {
        "type": "modal",
        "callback_id": "demo_every_input",
        "title": text("Alla fält"),
        "submit": text("Spara"),
        "close": text("Avbryt"),
        "blocks": EVERY_INPUT,
    }
    trigger = demo.fake.new_trigger(people.STAFF)
    bot_client(demo).views_open(trigger_id=trigger, view=view)
    page = browser.get(GENERAL).text
    assert '<textarea form="view-form" id="in-note"' in page
    assert '<optgroup label="Förutsättningar">' in page
    assert re.search(r'<select form="view-form" id="in-groups" name="groups" multiple', page)
    assert '<option value="UEVA001">Eva Nilsson</option>' in page
    assert 'type="radio" name="level" value="lokal"' in page
    assert 'type="checkbox" name="sro" value="ja"' in page
    assert 'type="date" value="2027-03-01"' in page
    assert "(valfritt)" in page
    for label in ("Anteckning", "Område", "Processledare", "Slutrapport"):
        assert re.search(rf'<label class="label" for="in-\w+">{label}', page)

    from starlette.datastructures import ImmutableMultiDict

    from demo.blocks import submitted_values

    form = ImmutableMultiDict(
        [("note", "rad 1\nrad 2"), ("area", "fvm"), ("groups", "aldre"), ("leader", "UEVA001")]
        + [("group", "UKARIN1"), ("group", "UJONAS1"), ("level", "lokal"), ("due", "2027-04-01")]
    )
    shown = demo.fake.top_view(people.STAFF)
    assert submitted_values(shown, form, lambda *_: None) == {
        "note": "rad 1\nrad 2",
        "area": "fvm",
        "groups": ["aldre"],
        "leader": "UEVA001",
        "group": ["UKARIN1", "UJONAS1"],
        "level": "lokal",
        "sro": [],
        "due": "2027-04-01",
    }
    browser.post("/view/close", data={"back": GENERAL})
    assert demo.fake.top_view(people.STAFF) is None


def test_an_english_speaker_gets_the_page_and_the_bot_in_english(demo, browser):
    as_person(browser, "UTOM001")
    page = send(browser, "/behov help")
    assert 'lang="en"' in page.text
    assert "Message #allmänt" in page.text
    assert "Only visible to you" in page.text
    assert "/behov new" in words(page.text)
