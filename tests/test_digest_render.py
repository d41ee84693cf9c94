"""The digest and reminder views: pure, within Slack's limits, user text escaped."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.i18n import EN, SV
from commands import ids
from commands.render.digest import digest_message, digest_text
from commands.render.reminders import stale_reminder
from storage.digest import (
    Change,
    ComingMilestone,
    Cut,
    DigestData,
    NeedRef,
    OpenVote,
)
from storage.reminders import StaleNeed

TZ = ZoneInfo("Europe/Stockholm")
DUE = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
SINCE = DUE - timedelta(days=7)
EVIL = "<!channel> & <@U123> *fet*"


def data(n=0, total=None, counts=None) -> DigestData:
    total = n if total is None else total
    refs = [NeedRef(i + 1, f"Behov {i + 1}") for i in range(n)]
    return DigestData(
        since=SINCE,
        until=DUE,
        new_needs=Cut(refs, total),
        changes=Cut([Change(r, "phase_changed", "1", "2", SINCE) for r in refs], total),
        open_votes=Cut([OpenVote(r, DUE + timedelta(days=2)) for r in refs], total),
        milestones=Cut(
            [ComingMilestone(r, "delrapport_vvg", "Delrapport", date(2026, 12, 4)) for r in refs],
            total,
        ),
        per_phase=counts or {1: 12, 2: 3, 3: 2, 4: 1},
        closed=4,
    )


def texts(blocks) -> str:
    parts = []
    for block in blocks:
        if "text" in block:
            parts.append(block["text"]["text"])
        parts += [e["text"] for e in block.get("elements", []) if "text" in e]
    return "\n".join(parts)


def test_a_quiet_week_is_one_line_with_the_counts():
    text, blocks = digest_message(data(), SV, DUE, TZ)
    assert len(blocks) == 1 and "\n" not in text
    assert text.startswith("Veckosammanfattning, vecka 49: inget nytt")
    assert "Identifierat behov: 12" in text and "Slutfört uppdrag: 1" in text
    assert "Avslutade utan genomförande: 4" in text
    assert digest_text(data(), SV, DUE, TZ) == text


def test_a_full_digest_stays_within_50_blocks_and_says_how_many_more():
    _, blocks = digest_message(data(8, total=10_000), SV, DUE, TZ)
    assert len(blocks) <= 50
    shown = texts(blocks)
    assert "Nya behov (10000)" in shown and "… och 9992 till" in shown
    assert "Fasbyten och beslut (10000)" in shown
    assert "Pågående omröstningar (10000)" in shown
    assert "Milstolpar de kommande två veckorna (10000)" in shown
    buttons = [b["accessory"] for b in blocks if "accessory" in b]
    assert len(buttons) == 32
    assert {b["action_id"] for b in buttons} == {ids.DETAILS}
    assert buttons[0]["value"] == "1"
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")


def test_lines_say_what_happened_with_slack_dates_for_deadlines():
    _, blocks = digest_message(data(1), SV, DUE, TZ)
    shown = texts(blocks)
    assert "*#1 · Behov 1* gick från fas 1 till fas 2, Ställningstagande och prioritering" in shown
    deadline = int((DUE + timedelta(days=2)).timestamp())
    token = f"<!date^{deadline}^{{date_short}} {{time}}|2026-12-02 08:00>"
    assert f"omröstningen stänger {token}" in shown
    assert "2026-12-04 · Delrapport · *#1 · Behov 1*" in shown


def test_titles_are_escaped_so_nobody_is_pinged():
    evil = data(1)
    evil.new_needs.items[0] = NeedRef(1, EVIL)
    _, blocks = digest_message(evil, SV, DUE, TZ)
    shown = texts(blocks)
    assert "<!channel>" not in shown and "<@U123>" not in shown
    assert "&lt;!channel&gt; &amp; &lt;@U123&gt;" in shown


def test_the_plain_text_digest_has_no_slack_markup():
    text = digest_text(data(2, total=3), SV, DUE, TZ)
    assert "<!date" not in text and "*" not in text
    assert "Veckosammanfattning, vecka 49" in text
    assert "  • #1 · Behov 1 · omröstningen stänger 2026-12-02 08:00" in text
    assert "  … och 1 till" in text


def test_english_readers_get_english():
    text, _ = digest_message(data(), EN, DUE, TZ)
    assert text.startswith("Weekly digest, week 49: nothing new")


def test_the_stale_message_lists_the_needs_with_details_buttons():
    stale = Cut([StaleNeed(NeedRef(7, "Gammalt"), SINCE)], 1)
    text, blocks = stale_reminder(stale, 30, SV, TZ)
    assert text == "Ett behov har väntat mer än 30 dagar i fas 1 utan att tas upp:"
    assert blocks[1]["accessory"]["action_id"] == ids.DETAILS
    assert blocks[1]["accessory"]["value"] == "7"
    many = Cut([StaleNeed(NeedRef(i, "x"), SINCE) for i in range(25)], 40)
    text, blocks = stale_reminder(many, 30, SV, TZ)
    assert text.startswith("40 behov har väntat") and "… och 15 till" in texts(blocks)
