"""response_url posts over kept-alive connections (bot/hooks.py), against the fake Slack."""

from __future__ import annotations

from urllib.error import URLError

import pytest

from bot import hooks
from bot.slack_client import Respond
from tests.conftest import STAFF


def response_url(fake_slack) -> str:
    return fake_slack.new_response_url(fake_slack.base_url, user=STAFF, channel="CGENERAL")


def test_posts_to_response_urls_share_one_connection(fake_slack):
    before = fake_slack.connections_accepted
    for word in ("ett", "två", "tre"):
        Respond(response_url(fake_slack), timeout=2)(text=word, response_type="ephemeral")
    assert [m["text"] for m in fake_slack.ephemerals(STAFF)] == ["ett", "två", "tre"]
    assert fake_slack.connections_accepted - before == 1


def test_a_kept_connection_the_server_closed_is_replaced_and_the_post_arrives_once(fake_slack):
    Respond(response_url(fake_slack), timeout=2)(text="före")
    fake_slack.stop()  # closes the server and with it the kept connection
    fake_slack.start()  # same port
    Respond(response_url(fake_slack), timeout=2)(text="efter")
    assert [m["text"] for m in fake_slack.ephemerals(STAFF)] == ["före", "efter"]
    assert [c.status for c in fake_slack.calls("response_url")] == [200, 200]


def test_a_response_url_nobody_answers_fails_as_a_connection_error(fake_slack):
    url = response_url(fake_slack)
    fake_slack.stop()
    with pytest.raises(URLError):
        Respond(url, timeout=1)(text="ingen där")
    fake_slack.start()
    assert fake_slack.ephemerals(STAFF) == []


@pytest.fixture
def proxy_env(monkeypatch):
    for name in ("http_proxy", "HTTP_PROXY", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    hooks._proxy.cache_clear()
    yield monkeypatch
    hooks._proxy.cache_clear()


def test_the_environments_proxy_is_used_unless_the_host_is_excluded(fake_slack, proxy_env):
    # The fake Slack serves as the proxy: it answers by the path of the absolute URL it gets.
    path = response_url(fake_slack).removeprefix(fake_slack.base_url)
    proxy_env.setenv("http_proxy", fake_slack.base_url)
    Respond(f"http://hooks.slack.invalid/{path}", timeout=2)(text="via proxyn")
    assert [m["text"] for m in fake_slack.ephemerals(STAFF)] == ["via proxyn"]

    proxy_env.setenv("no_proxy", "hooks.slack.invalid")
    hooks._proxy.cache_clear()
    with pytest.raises(URLError):  # straight to a host that does not exist
        Respond(f"http://hooks.slack.invalid/{path}", timeout=2)(text="förbi proxyn")
