"""A fake Slack workspace on loopback for end-to-end tests and the demo sandbox.

    fs = FakeSlack(signing_secret, bot_token="xoxb-fake").start()   # or `with FakeSlack(...)`
    fs.add_user("U1", "anna"); fs.add_channel("C1", "general", members=["U1"])
    WebClient(base_url=fs.api_url, token="xoxb-fake")                # the app's Web API
    fs.app_url = "http://127.0.0.1:3000/slack/events"                 # where Slack posts to

Web API (/api/<method>): auth.test, chat.postMessage/postEphemeral/update/delete/getPermalink,
conversations.open/info/members/history/replies, users.info, views.open/push/update/publish,
files.getUploadURLExternal/completeUploadExternal/info, plus response_urls and upload URLs.
Arguments are checked like Slack does (Block Kit via `fakeslack.blockkit`); every rejection is
kept in `fs.problems`, every call in `fs.calls()`; `fs.fail(method, ...)` injects 429/5xx/errors
and delays, before the call or (`processed=True`) after it was carried out; `fs.hold(method)`
keeps the next call waiting until the test releases it. Posts to
response_urls count as the method "response_url" in both. History and replies
honour oldest/latest/inclusive and paging, and show message metadata only with
include_all_metadata, as Slack does.

The person's side, signed like Slack: slash, message_shortcut, global_shortcut, click, submit,
close, suggest, event, app_home_opened, post_raw/sign; type_message stores what a person types
encoded as Slack does (post_as_user stores text as given). Each returns a `Result` (status, body,
json) and applies the ack; what a person cannot see or pick raises UserActionError. State to
assert on: messages, thread, ephemerals, dm_messages, top_view, modal_stack, home, files,
updates, visible_text. Knobs: emit_events (join/leave send member_*_channel), trigger_ttl,
keep_alive (FakeSlack(..., keep_alive=True): requests to the app reuse kept connections, for
load tests). A message's ts is when Slack got it: an ack's reply when the ack arrived, a
response_url post when its request arrived, not when the fake had finished checking them.
"""

from fakeslack.blockkit import check_blocks, check_view
from fakeslack.forms import UserActionError
from fakeslack.platform import Result
from fakeslack.server import Call, FakeSlack, Hold
from fakeslack.signing import signature
from fakeslack.state import SlackError
from fakeslack.text import visible_text

__all__ = [
    "Call",
    "FakeSlack",
    "Hold",
    "Result",
    "SlackError",
    "UserActionError",
    "check_blocks",
    "check_view",
    "signature",
    "visible_text",
]
