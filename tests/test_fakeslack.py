"""The fake Slack on its own: Block Kit rules, Web API behaviour, and a tiny Bolt app end to end."""

from __future__ import annotations

import contextlib
import http.client
import json
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.webhook import WebhookClient

from fakeslack import FakeSlack, SlackError, UserActionError, check_blocks, check_view, signature
from fakeslack.blockkit import check_message

SECRET = "fake-signing-secret"
TOKEN = "xoxb-test"
PAYLOADS = "/work/shared/slack/payloads"


@pytest.fixture
def fs():
    with FakeSlack(SECRET, bot_token=TOKEN) as slack:
        slack.add_user("U1", "anna", real_name="Anna A")
        slack.add_user("U2", "bo", locale="en-US", tz="Europe/London")
        slack.add_user("U3", "cia")
        slack.add_channel("C1", "general", members=["U1", "U2"])
        yield slack


@pytest.fixture
def client(fs):
    return WebClient(base_url=fs.api_url, token=TOKEN)


def text(t, kind="plain_text"):
    return {"type": kind, "text": t}


def button(action_id, label="Go", **extra):
    return {"type": "button", "action_id": action_id, "text": text(label), **extra}


def option(value, label=None):
    return {"text": text(label or value), "value": value}


def section(t="hello", **extra):
    return {"type": "section", "text": text(t, "mrkdwn"), **extra}


def modal(blocks, **extra):
    view = {"type": "modal", "title": text("Form"), "submit": text("Send"), "blocks": blocks}
    return {**view, **extra}


def text_input(block_id, label="Titel", **element):
    element = {"type": "plain_text_input", "action_id": f"{block_id}_in", **element}
    return {"type": "input", "block_id": block_id, "label": text(label), "element": element}


# ---------------------------------------------------------------- Block Kit


RICH_MESSAGE = [
    {"type": "header", "text": text("Behov #1")},
    section("*Titel*", block_id="s1", accessory=button("open", value="1", style="primary")),
    {"type": "section", "block_id": "s2", "fields": [text("a", "mrkdwn"), text("b")]},
    {"type": "divider"},
    {
        "type": "context",
        "elements": [
            text("ctx", "mrkdwn"),
            {"type": "image", "image_url": "https://x/y.png", "alt_text": "y"},
        ],
    },
    {
        "type": "actions",
        "block_id": "act",
        "elements": [
            button(
                "vote",
                "Gör nu",
                value="q1",
                confirm={
                    "title": text("Säker?"),
                    "text": text("Rösta"),
                    "confirm": text("Ja"),
                    "deny": text("Nej"),
                },
            ),
            {
                "type": "static_select",
                "action_id": "pick",
                "placeholder": text("Välj"),
                "options": [option("1"), option("2")],
                "initial_option": option("2"),
            },
            {"type": "overflow", "action_id": "more", "options": [option("a"), option("b")]},
            {"type": "datepicker", "action_id": "day", "initial_date": "2026-11-23"},
            {"type": "users_select", "action_id": "who", "initial_user": "U1"},
            {"type": "external_select", "action_id": "org", "min_query_length": 2},
            {
                "type": "checkboxes",
                "action_id": "cb",
                "options": [option("x")],
                "initial_options": [option("x")],
            },
        ],
    },
    {"type": "image", "image_url": "https://x/y.png", "alt_text": "chart", "title": text("t")},
    {"type": "rich_text", "elements": []},
]

RICH_MODAL = modal(
    [
        text_input("title", multiline=False, max_length=100, initial_value="x"),
        {
            "type": "input",
            "block_id": "n",
            "label": text("Antal"),
            "optional": True,
            "hint": text("heltal"),
            "element": {"type": "number_input", "action_id": "n", "is_decimal_allowed": False},
        },
        {
            "type": "input",
            "block_id": "u",
            "label": text("Länk"),
            "element": {"type": "url_text_input", "action_id": "u"},
        },
        {
            "type": "input",
            "block_id": "e",
            "label": text("E-post"),
            "element": {"type": "email_text_input", "action_id": "e"},
        },
        {
            "type": "input",
            "block_id": "g",
            "label": text("Grupp"),
            "element": {
                "type": "multi_static_select",
                "action_id": "g",
                "option_groups": [{"label": text("A"), "options": [option("1")]}],
            },
        },
        {
            "type": "input",
            "block_id": "r",
            "label": text("Nivå"),
            "element": {
                "type": "radio_buttons",
                "action_id": "r",
                "options": [option("1"), option("2", "*två*")],
            },
        },
        {
            "type": "input",
            "block_id": "m",
            "label": text("Vilka"),
            "element": {"type": "multi_users_select", "action_id": "m"},
        },
        {
            "type": "input",
            "block_id": "c",
            "label": text("Kanal"),
            "element": {"type": "conversations_select", "action_id": "c"},
        },
    ],
    close=text("Avbryt"),
    private_metadata='{"need": 1}',
    callback_id="form",
    notify_on_close=True,
)


def test_valid_rich_message_and_modal_pass():
    assert check_blocks(RICH_MESSAGE, "message") == []
    assert check_view(RICH_MODAL) == []
    assert check_view({"type": "home", "blocks": RICH_MESSAGE}) == []


def actions(*elements):
    return [{"type": "actions", "elements": list(elements)}]


def select(kind="static_select", **extra):
    return {"type": kind, "action_id": "s", **extra}


LONG = "x" * 3001
BLOCK_RULES = [
    ([section()] * 51, "message", "blocks: more than 50 blocks"),
    ([{"type": "divider"}] * 101, "modal", "blocks: more than 100 blocks"),
    ([{"type": "video"}], "message", "blocks[0].type: unknown block type"),
    ([text_input("t")], "message", "input blocks are only allowed in modals"),
    ([section(block_id="x" * 256)], "message", "blocks[0].block_id: longer than 255"),
    ([section(block_id="a"), section(block_id="a")], "message", "duplicate block_id"),
    (actions(button("x" * 256)), "message", "elements[0].action_id: longer than 255"),
    (actions(button("a"), button("a")), "message", "duplicate action_id 'a'"),
    ([section(text={"type": "markdown", "text": "x"})], "message", "must be plain_text or mrkdwn"),
    ([section("")], "message", "blocks[0].text.text: must be a non-empty string"),
    ([section(LONG)], "message", "blocks[0].text: longer than 3000"),
    ([{"type": "section"}], "message", "section needs text or fields"),
    ([{"type": "section", "fields": [text("f")] * 11}], "message", "fields: more than 10"),
    ([{"type": "section", "fields": [text("x" * 2001)]}], "message", "fields[0]: longer than 2000"),
    ([{"type": "header", "text": text("x" * 151)}], "message", "blocks[0].text: longer than 150"),
    ([{"type": "header", "text": text("x", "mrkdwn")}], "message", "must be plain_text"),
    ([{"type": "context", "elements": [text("c")] * 11}], "message", "more than 10 items"),
    (actions(*[button(f"b{i}") for i in range(26)]), "message", "more than 25 items"),
    (actions(button("b", "x" * 76)), "message", "elements[0].text: longer than 75"),
    (actions(button("b", value="x" * 2001)), "message", "elements[0].value: longer than 2000"),
    (actions(button("b", url="https://" + LONG)), "message", "elements[0].url: longer than 3000"),
    (actions(button("b", style="green")), "message", "style: must be primary or danger"),
    (actions(select(options=[option(str(i)) for i in range(101)])), "message", "more than 100"),
    (
        actions(select(option_groups=[{"label": text("g"), "options": [option("1")] * 101}])),
        "message",
        "option_groups[0].options: more than 100",
    ),
    (
        actions(select(options=[option("v", "x" * 76)])),
        "message",
        "options[0].text: longer than 75",
    ),
    (actions(select(options=[option("x" * 151)])), "message", "options[0].value: longer than 150"),
    (
        actions(select(options=[dict(option("v"), description=text("x" * 76))])),
        "message",
        "options[0].description: longer than 75",
    ),
    (
        actions(select(options=[option("v")], placeholder=text("x" * 151))),
        "message",
        "placeholder: longer than 150",
    ),
    (
        actions(select(options=[option("v")], initial_option=option("w"))),
        "message",
        "initial_option: must be one of the element's options",
    ),
    (actions(select()), "message", "needs exactly one of options or option_groups"),
    (actions(select("external_select", min_query_length=-1)), "message", "min_query_length"),
    (
        actions(select("users_select", initial_user=["U1"])),
        "message",
        "initial_user: must be an id",
    ),
    (actions(select("multi_users_select", initial_users="U1")), "message", "a list of ids"),
    (actions(select("datepicker", initial_date="23/11/2026")), "message", "YYYY-MM-DD"),
    (
        actions(select("checkboxes", options=[option(str(i)) for i in range(11)])),
        "message",
        "options: more than 10",
    ),
    (actions(select("radio_buttons", options=[])), "message", "needs at least 1 item"),
    (actions(select("overflow", options=[option("1")])), "message", "needs at least 2 items"),
    (
        actions(select("overflow", options=[option(str(i)) for i in range(6)])),
        "message",
        "more than 5 items",
    ),
    (actions(select("plain_text_input")), "message", "'plain_text_input' is not allowed here"),
    ([text_input("t", max_length=3001)], "modal", "max_length: must be an integer 1..3000"),
    (
        [text_input("t", max_length=5, initial_value="123456")],
        "modal",
        "initial_value: longer than 5",
    ),
    ([text_input("t", multiline="yes")], "modal", "multiline: must be true or false"),
    (
        [
            {
                "type": "input",
                "block_id": "n",
                "label": text("n"),
                "element": {"type": "number_input", "action_id": "n"},
            }
        ],
        "modal",
        "is_decimal_allowed",
    ),
    ([{"type": "input", "label": text("x")}], "modal", "blocks[0].element: required"),
    (
        [{"type": "input", "element": {"type": "url_text_input"}}],
        "modal",
        "blocks[0].label: required",
    ),
    ([text_input("t", label="x" * 2001)], "modal", "blocks[0].label: longer than 2000"),
    ([dict(text_input("t"), hint=text("x" * 2001))], "modal", "blocks[0].hint: longer than 2000"),
    ([dict(text_input("t"), optional="no")], "modal", "optional: must be true or false"),
    ([{"type": "image", "alt_text": "a"}], "message", "blocks[0].image_url: required"),
    (
        [{"type": "image", "image_url": "https://x", "alt_text": "x" * 2001}],
        "message",
        "alt_text: longer than 2000",
    ),
    (
        actions(
            button(
                "b",
                confirm={
                    "title": text("x" * 101),
                    "text": text("t"),
                    "confirm": text("y"),
                    "deny": text("n"),
                },
            )
        ),
        "message",
        "confirm.title: longer than 100",
    ),
    (
        actions(
            button(
                "b",
                confirm={
                    "title": text("t"),
                    "text": text("x" * 301),
                    "confirm": text("x" * 31),
                    "deny": text("n"),
                },
            )
        ),
        "message",
        "confirm.text: longer than 300",
    ),
    (
        actions(
            button(
                "b",
                confirm={
                    "title": text("t"),
                    "text": text("t"),
                    "confirm": text("x" * 31),
                    "deny": text("n"),
                },
            )
        ),
        "message",
        "confirm.confirm: longer than 30",
    ),
]


@pytest.mark.parametrize(("blocks", "surface", "expected"), BLOCK_RULES)
def test_block_kit_rejections_say_where(blocks, surface, expected):
    errors = check_blocks(blocks, surface)
    assert any(expected in e for e in errors), errors


def test_error_path_names_the_element():
    errors = check_blocks([section(), section(), section(), actions(button("b", "x" * 76))[0]])
    assert errors == ["blocks[3].elements[0].text: longer than 75"]


def test_action_ids_may_repeat_in_other_blocks_as_in_slack():
    blocks = actions(button("open", value="1")) + actions(button("open", value="2"))
    assert check_blocks(blocks) == []


VIEW_RULES = [
    ({"type": "dialog", "blocks": []}, "view.type: must be modal or home"),
    (modal([], title=text("x" * 25)), "view.title: longer than 24"),
    ({"type": "modal", "blocks": []}, "view.title: required"),
    (modal([], submit=text("x" * 25)), "view.submit: longer than 24"),
    (modal([], close=text("x" * 25)), "view.close: longer than 24"),
    ({"type": "modal", "title": text("t"), "blocks": [text_input("t")]}, "view.submit: required"),
    (modal([], private_metadata="x" * 3001), "view.private_metadata: longer than 3000"),
    (modal([], callback_id="x" * 256), "view.callback_id: longer than 255"),
    (modal([], external_id="x" * 256), "view.external_id: longer than 255"),
    ({"type": "modal", "title": text("t")}, "view.blocks: required"),
    ({"type": "home", "blocks": [section()] * 101}, "more than 100 blocks"),
]


@pytest.mark.parametrize(("view", "expected"), VIEW_RULES)
def test_view_rejections(view, expected):
    errors = check_view(view)
    assert any(expected in e for e in errors), errors


def test_message_text_limit():
    assert check_message("x" * 40000, None) == []
    assert check_message("x" * 40001, None) == ["text: longer than 40000"]


def test_signature_matches_slacks_test_vector():
    with open(f"{PAYLOADS}/signing_test_vector.docs.json") as f:
        vector = json.load(f)
    got = signature(
        vector["signing_secret"], vector["x_slack_request_timestamp"], vector["raw_body"].encode()
    )
    assert got == vector["x_slack_signature"]


# ---------------------------------------------------------------- Web API


def test_auth_and_unknown_methods(fs, client):
    assert client.auth_test()["user_id"] == "UBOT"
    with pytest.raises(SlackApiError) as bad:
        WebClient(base_url=fs.api_url, token="xoxb-wrong").auth_test()
    assert bad.value.response["error"] == "invalid_auth"
    with pytest.raises(SlackApiError) as unknown:
        client.api_call("chat.scheduleTeleport")
    assert unknown.value.response["error"] == "unknown_method"
    assert len(fs.problems) == 2 and len(fs.calls()) == 3


def test_post_update_delete_and_permalink(fs, client):
    posted = client.chat_postMessage(channel="C1", text="hej", blocks=[section("*hej*")])
    ts = posted["ts"]
    reply = client.chat_postMessage(channel="C1", text="svar", thread_ts=ts)
    assert [m["text"] for m in fs.thread("C1", ts)] == ["svar"]
    assert fs.messages("C1")[0]["reply_count"] == 1 and float(reply["ts"]) > float(ts)
    client.chat_update(channel="C1", ts=ts, text="nytt", blocks=[section("*nytt*")])
    client.chat_update(channel="C1", ts=ts, text="igen")
    assert len(fs.updates("C1", ts)) == 2
    assert fs.visible_text(fs.messages("C1")[0]) == "*nytt*"
    link = client.chat_getPermalink(channel="C1", message_ts=ts)["permalink"]
    assert link == f"https://fake.slack.test/archives/C1/p{ts.replace('.', '')}"
    client.chat_delete(channel="C1", ts=reply["ts"])
    assert fs.thread("C1", ts) == [] and fs.problems == []
    assert fs.last("chat.update").args["text"] == "igen"


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_api_rejections_are_problems(fs, client):
    user_ts = fs.post_as_user("U1", "C1", "mitt")
    cases = [
        (lambda: client.chat_postMessage(channel="CNOPE", text="x"), "channel_not_found"),
        (lambda: client.chat_postMessage(channel="C1"), "no_text"),
        (lambda: client.chat_update(channel="C1", ts=user_ts, text="x"), "cant_update_message"),
        (lambda: client.chat_update(channel="C1", ts="1.2", text="x"), "message_not_found"),
        (lambda: client.users_info(user="UNOPE"), "user_not_found"),
        (
            lambda: client.chat_postMessage(channel="C1", text="x", thread_ts="1.2"),
            "invalid_thread_ts",
        ),
    ]
    for call, error in cases:
        with pytest.raises(SlackApiError) as exc:
            call()
        assert exc.value.response["error"] == error
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C1", text="x", blocks=[{"type": "header"}])
    assert exc.value.response["error"] == "invalid_blocks"
    assert exc.value.response["errors"] == ["blocks[0].text: required"]
    assert len(fs.problems) == len(cases) + 1


def test_dm_by_user_id_opens_the_dm(fs, client):
    client.chat_postMessage(channel="U1", text="privat")
    dm = client.conversations_open(users="U1")["channel"]["id"]
    assert dm.startswith("D") and client.conversations_open(users=["U1"])["channel"]["id"] == dm
    assert [m["text"] for m in fs.dm_messages("U1")] == ["privat"]


def test_ephemeral_needs_channel_membership(fs, client):
    client.chat_postEphemeral(channel="C1", user="U1", text="bara du")
    with pytest.raises(SlackApiError) as exc:
        client.chat_postEphemeral(channel="C1", user="U3", text="bara du")
    assert exc.value.response["error"] == "user_not_in_channel"
    assert [e["text"] for e in fs.ephemerals("U1", "C1")] == ["bara du"]
    assert fs.ephemerals("U3") == [] and fs.messages("C1") == []
    fs.problems.clear()


def test_members_paginate_with_real_cursors(fs, client):
    for i in range(5):
        fs.add_user(f"UM{i}", f"m{i}")
    fs.add_channel("CBIG", "big", members=[f"UM{i}" for i in range(5)])
    seen, cursor, pages = [], None, 0
    while True:
        page = client.conversations_members(channel="CBIG", limit=2, cursor=cursor)
        seen += page["members"]
        pages += 1
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert seen == [f"UM{i}" for i in range(5)] and pages == 3
    everyone = [
        m for p in client.conversations_members(channel="CBIG", limit=2) for m in p["members"]
    ]
    assert everyone == seen
    assert client.conversations_members(channel="CBIG")["members"] == seen


def test_users_info_and_conversations_info(fs, client):
    bo = client.users_info(user="U2", include_locale=True)["user"]
    assert (bo["locale"], bo["tz"], bo["name"]) == ("en-US", "Europe/London", "bo")
    assert "locale" not in client.users_info(user="U1")["user"]
    info = client.conversations_info(channel="C1", include_num_members=True)["channel"]
    assert (info["name"], info["num_members"]) == ("general", 2)


def test_triggers_work_once_and_expire(fs, client):
    trigger = fs.new_trigger("U1")
    opened = client.views_open(trigger_id=trigger, view=modal([text_input("t")]))["view"]
    assert opened["id"].startswith("V") and opened["state"] == {"values": {}} and opened["hash"]
    for bad, error in ((trigger, "expired_trigger_id"), ("1.2.3", "invalid_trigger_id")):
        with pytest.raises(SlackApiError) as exc:
            client.views_open(trigger_id=bad, view=modal([]))
        assert exc.value.response["error"] == error
    fs.trigger_ttl = 0.05
    late = fs.new_trigger("U1")
    time.sleep(0.1)
    with pytest.raises(SlackApiError) as exc:
        client.views_open(trigger_id=late, view=modal([]))
    assert exc.value.response["error"] == "expired_trigger_id"
    fs.problems.clear()


def test_views_push_update_publish(fs, client):
    root = client.views_open(trigger_id=fs.new_trigger("U1"), view=modal([]))["view"]
    for _ in range(2):
        client.views_push(trigger_id=fs.new_trigger("U1"), view=modal([section("pushed")]))
    with pytest.raises(SlackApiError) as exc:
        client.views_push(trigger_id=fs.new_trigger("U1"), view=modal([]))
    assert exc.value.response["error"] == "push_limit_reached"
    updated = client.views_update(
        view_id=root["id"], hash=root["hash"], view=modal([section("ny")], external_id="ext-1")
    )["view"]
    assert updated["id"] == root["id"] and updated["hash"]
    with pytest.raises(SlackApiError) as exc:
        client.views_update(view_id=root["id"], hash=root["hash"], view=modal([]))
    assert exc.value.response["error"] == "hash_conflict"
    client.views_update(external_id="ext-1", view=modal([section("via extern")]))
    assert "via extern" in fs.visible_text(fs.modal_stack("U1")[0])
    with pytest.raises(SlackApiError) as exc:
        client.views_open(trigger_id=fs.new_trigger("U1"), view=modal([], title=text("x" * 30)))
    assert exc.value.response["error"] == "invalid_arguments"
    client.views_publish(user_id="U1", view={"type": "home", "blocks": [section("hem")]})
    assert fs.visible_text(fs.home("U1")) == "hem"
    fs.problems.clear()


def test_rate_limits_and_server_errors_are_retried_by_slack_sdk(fs):
    quick = FixedValueRetryIntervalCalculator(0.01)
    retrying = WebClient(
        base_url=fs.api_url,
        token=TOKEN,
        retry_handlers=[
            RateLimitErrorRetryHandler(max_retry_count=1),
            ServerErrorRetryHandler(max_retry_count=2, interval_calculator=quick),
        ],
    )
    fs.fail("chat.postMessage", status=429, retry_after=1)
    started = time.monotonic()
    assert retrying.chat_postMessage(channel="C1", text="till slut")["ok"]
    assert time.monotonic() - started >= 1
    fs.fail("users.info", status=503, times=2)
    assert retrying.users_info(user="U1")["ok"]
    assert [c.status for c in fs.calls("users.info")] == [503, 503, 200]
    assert [c.status for c in fs.calls("chat.postMessage")] == [429, 200]
    fs.fail("chat.postMessage", status=429)
    with pytest.raises(SlackApiError) as exc:
        WebClient(base_url=fs.api_url, token=TOKEN).chat_postMessage(channel="C1", text="x")
    assert exc.value.response.status_code == 429
    assert exc.value.response.headers["Retry-After"] == "1"
    assert fs.problems == []


def test_injected_errors_and_delays(fs, client):
    fs.fail("chat.postMessage", error="channel_not_found", times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError):
            client.chat_postMessage(channel="C1", text="x")
    assert client.chat_postMessage(channel="C1", text="x")["ok"]
    fs.fail("auth.test", delay=1.5)
    with pytest.raises(TimeoutError):
        WebClient(base_url=fs.api_url, token=TOKEN, timeout=0.5).auth_test()


def test_a_processed_failure_stores_the_message_and_then_fails_or_answers_late(fs, client):
    fs.fail("chat.postMessage", status=500, processed=True)
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C1", text="lagrat, sen 500")
    assert exc.value.response.status_code == 500
    fs.fail("chat.postMessage", status=500)
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C1", text="aldrig lagrat")
    fs.fail("chat.postMessage", delay=1.0, processed=True)
    with pytest.raises(TimeoutError):
        WebClient(base_url=fs.api_url, token=TOKEN, timeout=0.3).chat_postMessage(
            channel="C1", text="lagrat, svaret för sent"
        )
    assert [m["text"] for m in fs.messages("C1")] == ["lagrat, sen 500", "lagrat, svaret för sent"]
    time.sleep(1.0)  # the late answer goes to a client that has gone: not a problem of the fake
    assert fs.problems == []


def test_history_shows_metadata_only_when_asked_and_honours_the_window(fs, client):
    mark = {"event_type": "behov_delivery", "event_payload": {"key": "digest/C1/x"}}
    first = client.chat_postMessage(channel="C1", text="ett", metadata=mark)["ts"]
    second = client.chat_postMessage(channel="C1", text="två")["ts"]
    third = client.chat_postMessage(channel="C1", text="tre", metadata=mark)["ts"]
    plain = client.conversations_history(channel="C1")["messages"]
    assert [m["text"] for m in plain] == ["tre", "två", "ett"]
    assert all("metadata" not in m for m in plain)
    full = client.conversations_history(channel="C1", include_all_metadata=True)["messages"]
    assert [m.get("metadata") for m in full] == [mark, None, mark]
    after = client.conversations_history(channel="C1", oldest=first)["messages"]
    assert [m["ts"] for m in after] == [third, second]
    inclusive = client.conversations_history(channel="C1", oldest=first, inclusive=True)
    assert len(inclusive["messages"]) == 3
    before = client.conversations_history(channel="C1", latest=third)["messages"]
    assert [m["ts"] for m in before] == [second, first]
    page = client.conversations_history(channel="C1", limit=2)
    assert page["has_more"] and len(page["messages"]) == 2
    rest = client.conversations_history(
        channel="C1", limit=2, cursor=page["response_metadata"]["next_cursor"]
    )
    assert [m["text"] for m in rest["messages"]] == ["ett"] and not rest["has_more"]
    with pytest.raises(SlackApiError) as exc:
        client.conversations_history(channel="C1", oldest="igår")
    assert exc.value.response["error"] == "invalid_ts_oldest"
    fs.problems.clear()


def test_thread_replies_with_metadata_and_a_window(fs, client):
    root = client.chat_postMessage(channel="C1", text="omröstning")["ts"]
    mark = {"event_type": "behov_delivery", "event_payload": {"key": "vote_result/vote:1/x"}}
    early = client.chat_postMessage(channel="C1", thread_ts=root, text="tidigt")["ts"]
    client.chat_postMessage(channel="C1", thread_ts=root, text="resultat", metadata=mark)
    answer = client.conversations_replies(
        channel="C1", ts=root, oldest=early, include_all_metadata=True
    )
    assert [(m["text"], m.get("metadata")) for m in answer["messages"]] == [
        ("omröstning", None),
        ("resultat", mark),
    ]


def test_malformed_metadata_is_refused(fs, client):
    for metadata in (
        {"event_type": "x"},
        {"event_payload": {}},
        {"event_type": "", "event_payload": {}},
    ):
        with pytest.raises(SlackApiError) as exc:
            client.chat_postMessage(channel="C1", text="x", metadata=metadata)
        assert exc.value.response["error"] == "invalid_metadata_format"
    assert fs.messages("C1") == []
    fs.problems.clear()


def test_response_url_failures_and_delays_are_injected_and_recorded(fs):
    quick = FixedValueRetryIntervalCalculator(0.01)
    url = fs.new_response_url(fs.base_url, user="U1", channel="C1")
    fs.fail("response_url", status=429, retry_after=1)
    fs.fail("response_url", status=500)
    retrying = WebhookClient(
        url,
        retry_handlers=[
            RateLimitErrorRetryHandler(max_retry_count=1),
            ServerErrorRetryHandler(max_retry_count=2, interval_calculator=quick),
        ],
    )
    assert retrying.send(text="till slut").status_code == 200
    assert [c.status for c in fs.calls("response_url")] == [429, 500, 200]
    assert [e["text"] for e in fs.ephemerals("U1")] == ["till slut"]
    fs.fail("response_url", error="invalid_blocks")
    assert WebhookClient(url).send(text="x").status_code == 400
    fs.fail("response_url", delay=1.5)
    with pytest.raises(TimeoutError):
        WebhookClient(url, timeout=0.5, retry_handlers=[]).send(text="sent, answered late")
    assert fs.wait_ephemerals("U1", 2)[-1]["text"] == "sent, answered late"
    assert fs.problems == []


def test_response_urls(fs, client):
    ts = client.chat_postMessage(channel="C1", text="orig", blocks=[section("orig")])["ts"]
    url = fs.new_response_url(fs.base_url, user="U1", channel="C1", message_ts=ts)
    hook = WebhookClient(url)
    assert hook.send(text="bara till dig").status_code == 200
    assert fs.ephemerals("U1")[-1]["text"] == "bara till dig"
    hook.send(text="alla", response_type="in_channel")
    assert fs.messages("C1")[-1]["text"] == "alla"
    hook.send(text="ersatt", replace_original=True)
    assert fs.visible_text(fs.messages("C1")[0]) == "ersatt"
    hook.send_dict({"delete_original": "true"})
    assert [m["text"] for m in fs.messages("C1")] == ["alla"]
    assert hook.send(text="femte").status_code == 200
    assert hook.send(text="sjätte").status_code == 404
    assert fs.problems == ["response_url: used_url"]
    fs.problems.clear()


def test_file_upload_v2(fs, client):
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
    done = client.files_upload_v2(
        channel="C1",
        content=png,
        filename="matris.png",
        title="Matris",
        initial_comment="Veckans matris",
    )
    assert done["file"]["id"].startswith("F")
    [stored] = fs.files
    assert stored["content"] == png and stored["title"] == "Matris"
    assert stored["channels"] == ["C1"]
    [message] = fs.messages("C1")
    assert message["text"] == "Veckans matris" and message["files"][0]["name"] == "matris.png"
    url = message["files"][0]["url_private"]
    assert urllib.request.urlopen(url).read() == png  # noqa: S310
    assert fs.problems == []


def test_visible_text_flattens_what_people_see():
    shown = FakeSlack.visible_text(
        {
            "type": "modal",
            "title": text("Form"),
            "blocks": RICH_MESSAGE[:2] + RICH_MODAL["blocks"][:1],
            "errors": {"title": "Skriv en titel."},
        }
    )
    for piece in ("Form", "Behov #1", "*Titel*", "Go", "Titel", "Skriv en titel.", "x"):
        assert piece in shown.splitlines()
    assert "1" not in shown.splitlines()  # a button's value is not shown


# ---------------------------------------------------------------- a tiny Bolt app end to end


def tiny_app(fs):
    """A Bolt app: /behov opens a form; errors, then a DM with a button; options; home."""
    from slack_bolt import App

    app = App(
        signing_secret=SECRET,
        client=WebClient(base_url=fs.api_url, token=TOKEN),
        token_verification_enabled=False,
    )
    form = modal(
        [
            text_input("title"),
            {
                "type": "input",
                "block_id": "org",
                "label": text("Organisation"),
                "element": {"type": "external_select", "action_id": "org_search"},
            },
            {
                "type": "input",
                "block_id": "level",
                "label": text("Nivå"),
                "element": {
                    "type": "static_select",
                    "action_id": "level",
                    "options": [option("lokal"), option("lansgemensam")],
                },
            },
        ],
        callback_id="form",
    )

    @app.command("/behov")
    def command(ack, body, client, respond):
        if body["text"] == "hjälp":
            ack(text="Skriv /behov ny")
            return
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=form)

    @app.options("org_search")
    def orgs(ack, payload):
        names = [n for n in ("Borås", "Göteborg") if n.lower().startswith(payload["value"].lower())]
        ack(options=[option(n) for n in names])

    @app.view("form")
    def submitted(ack, view, body, client):
        values = view["state"]["values"]
        if not values["title"]["title_in"]["value"]:
            ack(response_action="errors", errors={"title": "Skriv en titel."})
            return
        ack()
        org = values["org"]["org_search"]["selected_option"]["value"]
        level = values["level"]["level"]["selected_option"]["value"]
        client.chat_postMessage(
            channel=body["user"]["id"],
            text="Registrerat",
            blocks=[
                section(
                    f"Registrerat: {org} {level}",
                    block_id="done",
                    accessory=button("again", "Igen", value="1"),
                )
            ],
        )

    @app.action("again")
    def again(ack, respond):
        ack()
        respond(text="Klart", replace_original=True)

    @app.shortcut("quote")
    def quote(ack, shortcut, client):
        ack()
        said = shortcut["message"]["text"] if "message" in shortcut else "global"
        client.views_open(trigger_id=shortcut["trigger_id"], view=modal([section(said)]))

    @app.event("member_joined_channel")
    def welcome(event, client):
        client.chat_postEphemeral(channel=event["channel"], user=event["user"], text="Välkommen")

    @app.event("app_home_opened")
    def home(event, client):
        client.views_publish(
            user_id=event["user"], view={"type": "home", "blocks": [section("Dina behov")]}
        )

    return app


@pytest.fixture
def app_url(fs):
    from slack_bolt.request import BoltRequest

    app = tiny_app(fs)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            headers = {k.lower(): [v] for k, v in self.headers.items()}
            response = app.dispatch(BoltRequest(body=body, headers=headers))
            data = response.body.encode()
            self.send_response(response.status)
            for key, values in response.headers.items():
                for value in values:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    fs.app_url = f"http://127.0.0.1:{server.server_address[1]}/slack/events"
    yield fs.app_url
    server.shutdown()
    server.server_close()


def wait_for(check, timeout=3.0):
    """Bolt runs listeners after the ack; give their Web API calls a moment."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_slash_form_errors_then_success(fs, app_url):
    assert fs.slash("U1", "ny", channel="C1").status == 200
    wait_for(lambda: fs.top_view("U1") is not None)
    assert fs.top_view("U1")["title"]["text"] == "Form"
    assert [o["value"] for o in fs.suggest("U1", "org_search", "Bor")] == ["Borås"], fs.problems

    bad = fs.submit("U1", {"title": "", "org": "Borås", "level": "lokal"})
    assert bad.json == {"response_action": "errors", "errors": {"title": "Skriv en titel."}}
    assert "Skriv en titel." in fs.visible_text(fs.top_view("U1"))

    good = fs.submit("U1", {"title": "Bättre SIP", "org": "Borås", "level": "lansgemensam"})
    assert good.status == 200 and fs.top_view("U1") is None
    wait_for(lambda: fs.dm_messages("U1"))
    assert "Registrerat: Borås lansgemensam" in fs.visible_text(fs.dm_messages("U1")[-1])

    fs.click("U1", "again", message=fs.dm_messages("U1")[-1])
    wait_for(lambda: fs.visible_text(fs.dm_messages("U1")[-1]) == "Klart")
    assert fs.problems == []


def test_platform_rules(fs, app_url):
    fs.slash("U1", "hjälp", channel="C1")
    assert fs.ephemerals("U1")[-1]["text"] == "Skriv /behov ny"
    with pytest.raises(UserActionError):
        fs.slash("U3", "ny", channel="C1")  # not a member
    fs.slash("U1", "ny", channel="C1")
    wait_for(lambda: fs.top_view("U1") is not None)
    with pytest.raises(UserActionError):
        fs.submit("U1", {"level": "nationell"})  # not an option of the select
    with pytest.raises(UserActionError):
        fs.submit("U1", {"nope": "x"})
    with pytest.raises(UserActionError):
        fs.click("U1", "again", view_id=fs.top_view("U1")["id"])
    assert fs.close("U1") is None and fs.top_view("U1") is None
    fs.app_home_opened("U1")
    wait_for(lambda: fs.home("U1") is not None)
    assert fs.visible_text(fs.home("U1")) == "Dina behov"
    assert fs.problems == []


def test_shortcuts_and_membership_events(fs, app_url):
    ts = fs.post_as_user("U2", "C1", "citera mig")
    fs.message_shortcut("U1", channel="C1", ts=ts, callback_id="quote")
    wait_for(lambda: fs.top_view("U1") is not None)
    assert fs.visible_text(fs.top_view("U1")) == "Form\ncitera mig\nSend"
    fs.global_shortcut("U2", "quote")
    wait_for(lambda: fs.top_view("U2") is not None)
    with pytest.raises(UserActionError):
        fs.message_shortcut("U1", channel="C1", ts="1.000001", callback_id="quote")
    fs.emit_events = True
    fs.join("C1", "U3")
    wait_for(lambda: fs.ephemerals("U3"))
    assert fs.ephemerals("U3")[0]["text"] == "Välkommen"
    assert fs.problems == []


def test_bad_signatures_are_refused_and_forged_clicks_reach_the_app(fs, app_url):
    body = b"command=%2Fbehov&text=hj%C3%A4lp&user_id=U1&channel_id=C1&trigger_id=t"
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    assert fs.post_raw(body, {**headers, **fs.sign(body, int(time.time()) - 600)}).status == 401
    assert fs.post_raw(body, {**headers, **fs.sign(b"other")}).status == 401
    assert fs.post_raw(body, {**headers, **fs.sign(body)}).status == 200
    ts = fs.post_as_user("U1", "C1", "hej")
    result = fs.click("U1", "again", channel="C1", ts=ts, force=True, value="999")
    assert result.status == 200


def test_ephemerals_can_be_counted_and_read_from_an_index(fake_slack):
    for n in range(3):
        fake_slack.add_ephemeral("CGENERAL", "U1", {"text": f"svar {n}"})
    fake_slack.add_ephemeral("CGENERAL", "U2", {"text": "annat"})
    assert fake_slack.ephemeral_count("U1") == 3
    assert [e["text"] for e in fake_slack.ephemerals("U1", start=1)] == ["svar 1", "svar 2"]
    assert [e["text"] for e in fake_slack.wait_ephemerals("U1", 3, start=2)] == ["svar 2"]


# ---------------------------------------------------------------- what load tests rely on


def micros(ts: str) -> int:
    seconds, _, fraction = ts.partition(".")
    return int(seconds) * 1_000_000 + int(fraction)


def test_ephemerals_are_kept_per_person_with_many_people_interleaved(fs):
    people = [f"UMANY{n:02d}" for n in range(20)]
    fs.add_channel("C2", "other", members=people)
    for round_ in range(5):
        for person in people:
            fs.add_ephemeral("C1" if round_ % 2 == 0 else "C2", person, {"text": f"{round_}"})
    fs.add_ephemeral("C1", "U1", {"text": "anna"})

    for person in people:
        assert fs.ephemeral_count(person) == 5
        assert [e["text"] for e in fs.ephemerals(person, start=3)] == ["3", "4"]
        assert [e["text"] for e in fs.ephemerals(person, "C2")] == ["1", "3"]
        assert [e["text"] for e in fs.ephemerals(person, "C1", start=1)] == ["2", "4"]
        assert {e["user"] for e in fs.ephemerals(person)} == {person}
    assert fs.ephemeral_count("U1") == 1 and fs.ephemeral_count("U2") == 0
    assert fs.ephemerals("U2") == [] and fs.ephemerals("U2", start=3) == []

    every_ts = [e["ts"] for p in [*people, "U1"] for e in fs.ephemerals(p)]
    assert len(set(every_ts)) == len(every_ts) == 101
    second = fs.ephemerals(people[7])[1]
    fs.remove_ephemeral(people[7], second["ts"])
    assert [e["text"] for e in fs.ephemerals(people[7])] == ["0", "2", "3", "4"]
    assert fs.ephemeral_count(people[8]) == 5
    with pytest.raises(SlackError):
        fs.find_ephemeral(people[8], second["ts"])  # another person's ts is not theirs


def test_a_waiter_is_woken_by_its_own_persons_ephemeral(fs):
    got = {}
    waiter = threading.Thread(target=lambda: got.update(shown=fs.wait_ephemerals("U1", 2, 10)))
    fs.add_ephemeral("C1", "U1", {"text": "first"})
    waiter.start()
    for n in range(5):
        fs.add_ephemeral("C1", "U2", {"text": f"not for anna {n}"})
    fs.add_ephemeral("C1", "U1", {"text": "second"})
    waiter.join(10)
    assert not waiter.is_alive()
    assert [e["text"] for e in got["shown"]] == ["first", "second"]
    assert [e["text"] for e in fs.wait_ephemerals("U1", 3, timeout=0.01, start=1)] == ["second"]


def held_checks(monkeypatch, module, text=None):
    """Make the fake's message checks (in `module`) of `text` (any if None) wait until
    released, like a slow fake; (checking started, release)."""
    entered, release = threading.Event(), threading.Event()
    real = module.check_message

    def held(message_text, blocks):
        if text is None or message_text == text:
            entered.set()
            assert release.wait(10)
        return real(message_text, blocks)

    monkeypatch.setattr(module, "check_message", held)
    return entered, release


def test_an_acks_reply_is_stamped_when_the_ack_arrived(fs, app_url, monkeypatch):
    import fakeslack.platform

    checking, release = held_checks(monkeypatch, fakeslack.platform)
    before = time.time()
    person = threading.Thread(target=fs.slash, args=("U1", "hjälp"), kwargs={"channel": "C1"})
    person.start()
    assert checking.wait(10)
    meanwhile = time.time()  # the ack is in; the fake is still checking the reply in it
    release.set()
    person.join(10)
    [reply] = fs.ephemerals("U1")
    assert reply["text"] == "Skriv /behov ny"
    assert int(before * 1_000_000) <= micros(reply["ts"]) < int(meanwhile * 1_000_000)


def test_a_response_url_post_is_stamped_when_it_arrived_and_checked_unlocked(fs, monkeypatch):
    import fakeslack.webapi

    checking, release = held_checks(monkeypatch, fakeslack.webapi, text="långsam")
    anna = fs.new_response_url(fs.base_url, user="U1", channel="C1")
    bo = fs.new_response_url(fs.base_url, user="U2", channel="C1")
    before = time.time()
    slow = threading.Thread(target=WebhookClient(anna).send, kwargs={"text": "långsam"})
    slow.start()
    assert checking.wait(10)
    meanwhile = time.time()  # the post is in; the fake is still checking it
    # Other posts are not held up by the one being checked (its checks take no lock).
    assert WebhookClient(bo).send(text="bo först").status_code == 200
    assert WebhookClient(anna).send(text="anna först").status_code == 200
    release.set()
    slow.join(10)

    [for_bo] = fs.ephemerals("U2")
    first, late = fs.ephemerals("U1")
    assert (first["text"], late["text"]) == ("anna först", "långsam")
    # Stamped at arrival, before the posts that overtook it, unless the same person already
    # has a later one: a person's ephemerals (like a channel's messages) stay in order.
    assert micros(late["ts"]) > micros(first["ts"]) > micros(for_bo["ts"])
    arrived = [c.time for c in fs.calls("response_url")]
    assert int(before * 1_000_000) <= int(arrived[0] * 1_000_000) < int(meanwhile * 1_000_000)
    assert micros(for_bo["ts"]) == int(arrived[1] * 1_000_000)
    assert fs.problems == []


def test_a_response_url_message_in_the_channel_is_stamped_when_it_arrived(fs, monkeypatch):
    import fakeslack.webapi

    checking, release = held_checks(monkeypatch, fakeslack.webapi, text="långsam")
    url = fs.new_response_url(fs.base_url, user="U1", channel="C1")
    send = WebhookClient(url).send
    slow = threading.Thread(target=send, kwargs={"text": "långsam", "response_type": "in_channel"})
    slow.start()
    assert checking.wait(10)
    meanwhile = time.time()
    ts = fs.post_as_user("U2", "C1", "hej")  # a message that overtakes it in the channel
    release.set()
    slow.join(10)
    said, late = fs.messages("C1")
    assert (said["ts"], late["text"]) == (ts, "långsam")
    # It arrived first but is stored after: the channel's order is kept, its ts follows.
    assert micros(late["ts"]) == micros(said["ts"]) + 1
    assert micros(said["ts"]) >= int(meanwhile * 1_000_000)


class KeptServer:
    """An HTTP/1.1 app on loopback that keeps connections open and counts them; `misbehave`
    says what to do with a connection's n-th request instead of answering; stop() drops
    every connection, as a restarted process would."""

    def __init__(self, port: int = 0, misbehave=None):
        import socket
        import struct

        self.accepted, self.requests, self.misbehave = 0, [], misbehave
        self.sockets, lock, outer = [], threading.Lock(), self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def setup(self):
                super().setup()
                with lock:
                    outer.accepted += 1
                    outer.sockets.append(self.connection)
                    self.number, self.served = outer.accepted, 0

            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                self.served += 1
                outer.requests.append((self.number, self.served))
                what = outer.misbehave(self.number, self.served) if outer.misbehave else None
                if what in ("close", "reset", "partial"):
                    if what == "reset":  # an RST instead of a FIN
                        linger = struct.pack("ii", 1, 0)
                        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
                    if what == "partial":
                        self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{")
                    self.close_connection = True
                    return
                if what == "slow":
                    time.sleep(1.0)
                data = b'{"ok": true}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # a client that gave up (the timeout test): nothing to report

        self.server = Server(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/slack/events"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        import socket

        self.server.shutdown()
        self.server.server_close()
        for sock in self.sockets:
            with contextlib.suppress(OSError):  # already closed by the client
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


@pytest.fixture
def kept():
    servers = []

    def start(port=0, misbehave=None) -> KeptServer:
        servers.append(KeptServer(port, misbehave))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def post(fs):
    return fs.post_raw(b"x=1", {"Content-Type": "application/x-www-form-urlencoded"})


def test_keep_alive_reuses_one_connection_and_survives_a_restart(fs, kept):
    fs.keep_alive = True
    app = kept()
    fs.app_url = app.url
    assert [post(fs).json for _ in range(3)] == [{"ok": True}] * 3
    assert app.accepted == 1 and app.requests == [(1, 1), (1, 2), (1, 3)]

    app.stop()
    again = kept(port=app.port)  # the app restarted: the kept connection is gone
    assert post(fs).json == {"ok": True} and post(fs).json == {"ok": True}
    assert again.accepted == 1 and again.requests == [(1, 1), (1, 2)]
    assert fs.connections.opened == 2


def test_without_keep_alive_every_request_has_its_own_connection(fs, kept):
    app = kept()
    fs.app_url = app.url
    assert [post(fs).status for _ in range(3)] == [200] * 3
    assert app.accepted == 3 and fs.connections.opened == 0


@pytest.mark.parametrize("how", ["close", "reset"])
def test_a_kept_connection_closed_unanswered_is_sent_once_more_on_a_new_one(fs, kept, how):
    """The server closed the kept connection as the request came: it did not act on it."""
    fs.keep_alive = True
    app = kept(misbehave=lambda connection, nth: how if nth == 2 else None)
    fs.app_url = app.url
    assert post(fs).status == 200 and post(fs).status == 200
    assert app.requests == [(1, 1), (1, 2), (2, 1)]


@pytest.mark.parametrize(
    ("misbehave", "seen"),
    [
        # a new connection closed unanswered: the request may have been acted on
        (lambda connection, nth: "close" if connection == 1 else None, [(1, 1)]),
        # a reused one whose answer had begun
        (lambda connection, nth: "partial" if nth == 2 else None, [(1, 1), (1, 2)]),
        # a reused one that did not answer in time
        (lambda connection, nth: "slow" if nth == 2 else None, [(1, 1), (1, 2)]),
    ],
    ids=["new-connection-closed", "answer-cut-short", "timeout"],
)
def test_a_request_the_app_may_have_acted_on_is_never_sent_again(fs, kept, misbehave, seen):
    fs.keep_alive = True
    fs.connections.timeout = 0.3
    app = kept(misbehave=misbehave)
    fs.app_url = app.url
    for _ in seen[1:]:
        assert post(fs).status == 200
    with pytest.raises((OSError, http.client.HTTPException)):
        post(fs)
    assert app.requests == seen
    assert post(fs).status == 200  # the next request goes out on a new connection
    assert app.accepted == 2 and app.requests[-1] == (2, 1)


def test_uvicorn_keeps_the_connection_to_the_bot_alive(bot, fake_slack):
    """The benchmarks rely on it: the bot's server (bot/server.py) does not close kept
    connections."""
    from tests.conftest import STAFF

    fake_slack.keep_alive = True
    for _ in range(3):
        assert fake_slack.slash(STAFF, "hjälp", channel="CGENERAL").status == 200
    assert len(fake_slack.ephemerals(STAFF)) == 3
    assert fake_slack.connections.opened == 1
    assert len(bot.server.server.server_state.connections) == 1


def test_uvicorn_keeps_the_connection_to_the_benchmarks_bare_app_alive(fake_slack, tmp_path):
    from benchmarks.bare import bare_web_app
    from bot.server import ServerThread
    from tests.conftest import STAFF, make_settings

    settings = make_settings(f"sqlite:///{tmp_path / 'unused.db'}", fake_slack.api_url)
    server = ServerThread(bare_web_app(settings, process_before_response=False)).start()
    try:
        fake_slack.keep_alive, fake_slack.app_url = True, server.url + "/slack/events"
        for _ in range(3):
            assert fake_slack.slash(STAFF, "hjälp", channel="CGENERAL").status == 200
        assert fake_slack.connections.opened == 1
        assert len(server.server.server_state.connections) == 1
    finally:
        server.stop()
