"""Slack's message markup turned into plain text for the registration form (pure, no Slack)."""

import pytest

from domain.needs import DESCRIPTION_MAX
from domain.publication import scrub
from domain.slack_text import Names, cut, decode, message_text, plain_text
from fakeslack.text import composed

PEOPLE = {"U1": "Anna Andersson", "U2": "per.p"}
CHANNELS = {"C1": "allmant"}
NAMES = Names(
    user=PEOPLE.get,
    channel=CHANNELS.get,
    unknown_user="@någon",
    unknown_channel="#en kanal",
    unknown_group="@en grupp",
)


@pytest.mark.parametrize(
    ("slack", "plain"),
    [
        ("Vård &amp; omsorg &lt;3 &gt; allt", "Vård & omsorg <3 > allt"),
        ("&amp;lt; is how you write &amp;lt;", "&lt; is how you write &lt;"),  # one pass
        ("&quot;citat&quot; &#39;x&#39;", "&quot;citat&quot; &#39;x&#39;"),  # Slack sends as is
        ("Fråga <@U1> och <@U2>", "Fråga @Anna Andersson och @per.p"),
        ("<@U1|anna>", "@anna"),  # the older form carries its name
        ("<@UGONE> vet", "@någon vet"),  # never the raw id
        ("<@W9ENTERPRISE>", "@någon"),
        ("I <#C1|allmant> och <#C1|> och <#C1>", "I #allmant och #allmant och #allmant"),
        ("<#C404|>", "#en kanal"),
        ("<!here> <!channel> <!everyone>", "@here @channel @everyone"),
        ("<!here|@here> hej", "@here hej"),
        ("<!subteam^S123|@vvg-presidiet> tycker", "@vvg-presidiet tycker"),
        ("<!subteam^S123>", "@en grupp"),
        ("<!date^1392734382^{date} at {time}|18 feb 2014> möte", "18 feb 2014 möte"),
        ("<!date^1392734382^{date}>", ""),
        ("Se <https://example.org|rutinen>.", "Se rutinen (https://example.org)."),
        ("<https://example.org>", "https://example.org"),
        ("<https://example.org/|example.org>", "https://example.org/"),
        ("<https://x.se/?a=1&amp;b=2|A &amp; B>", "A & B (https://x.se/?a=1&b=2)"),
        ("<mailto:a@b.se|a@b.se>", "a@b.se"),
        ("<mailto:a@b.se|Anna>", "Anna (a@b.se)"),
        ("<tel:+4631123|ring>", "ring (+4631123)"),
        ("a &lt;b&gt; c", "a <b> c"),
        ("", ""),
    ],
)
def test_markup_becomes_what_a_person_reads(slack, plain):
    assert plain_text(slack, NAMES) == plain


def test_lookups_are_asked_only_for_ids_without_a_name():
    asked = []
    names = Names(user=lambda u: asked.append(u) or "X", channel=lambda c: asked.append(c))
    plain_text("<@U1|anna> <@U2> <#C1|allmant> <#C2>", names)
    assert asked == ["U2", "C2"]


def test_typed_text_goes_there_and_back():
    """What a person types, encoded as Slack does (the fake's `composed`), comes back as typed
    but with names for mentions."""
    users = {"U1": {"name": "anna"}}
    channels = {"C1": {"name": "allmant"}}
    typed = "A & B <vård> i #allmant, @anna @here https://x.se?a=1&b=2 a@b.se"
    encoded = composed(typed, users, channels)
    assert encoded == (
        "A &amp; B &lt;vård&gt; i <#C1|allmant>, <@U1> <!here> "
        "<https://x.se?a=1&amp;b=2> <mailto:a@b.se|a@b.se>"
    )
    names = Names(user={"U1": "anna"}.get, channel=lambda c: None)
    assert plain_text(encoded, names) == typed
    assert decode("&amp;amp;") == "&amp;"


def test_a_message_without_text_uses_its_blocks_attachments_and_files():
    assert message_text({"text": "Hej &amp; då", "files": [{"name": "x.pdf"}]}) == "Hej &amp; då"
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Rubrik <1>"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "Fråga <@U1> &amp; co"}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "liten"}]},
        {"type": "divider"},
    ]
    message = {"text": "", "blocks": blocks, "files": [{"title": "Plan & mål.pdf"}]}
    assert plain_text(message_text(message), NAMES) == (
        "Rubrik <1>\nFråga @Anna Andersson & co\nliten\nPlan & mål.pdf"
    )
    attachment = {"attachments": [{"pretext": "Före", "fallback": "Reserv &lt;x&gt;"}]}
    assert plain_text(message_text(attachment), NAMES) == "Före\nReserv <x>"
    assert message_text({}) == "" and message_text({"blocks": "trasig", "files": [None]}) == ""


def test_rich_text_blocks_are_read_like_message_text():
    rich = {
        "type": "rich_text",
        "elements": [
            {
                "type": "rich_text_section",
                "elements": [
                    {"type": "text", "text": "Hej & "},
                    {"type": "user", "user_id": "U1"},
                    {"type": "text", "text": " i "},
                    {"type": "channel", "channel_id": "C1"},
                    {"type": "link", "url": "https://x.se", "text": "länk"},
                    {"type": "broadcast", "range": "here"},
                    {"type": "emoji", "name": "tada"},
                ],
            },
            {
                "type": "rich_text_list",
                "elements": [
                    {"type": "rich_text_section", "elements": [{"type": "text", "text": "ett"}]},
                    {"type": "rich_text_section", "elements": [{"type": "text", "text": "två"}]},
                ],
            },
        ],
    }
    text = plain_text(message_text({"blocks": [rich]}), NAMES)
    assert text == "Hej & @Anna Andersson i #allmantlänk (https://x.se)@here:tada:• ett\n• två"


def test_too_long_text_is_cut_visibly():
    assert cut("kort", DESCRIPTION_MAX) == ("kort", False)
    exact = "x" * DESCRIPTION_MAX
    assert cut(exact, DESCRIPTION_MAX) == (exact, False)
    long, was_cut = cut("ord " * 1000, DESCRIPTION_MAX)
    assert was_cut and len(long) <= DESCRIPTION_MAX and long.endswith("ord…")


def test_names_from_mentions_never_reach_the_public_page():
    text = plain_text("Fråga <@U1> eller <@U2>, mejla anna@vgr.se, <!here>", NAMES)
    assert scrub(text, "[x]") == "Fråga [x] eller [x], mejla [x], @here"
    for kept in ("Möte kl. 13 i Borås om vård & omsorg", "@alla: hej", "@Uppföljning med VVG"):
        assert scrub(kept, "[x]") == kept
