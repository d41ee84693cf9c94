"""Registering needs and asking for their status, end to end: signed requests to the real
bot over HTTP, a fake Slack Web API behind SLACK_API_URL, assertions on what people see and
on what is stored."""

import json
import urllib.request

from sqlmodel import select

from commands import ids
from storage.models import Need, NeedEvent
from tests.conftest import ADMIN, STAFF
from tests.lifecycle_support import advance

GOOD = {
    ids.TITLE: "Samordnad individuell plan i hemsjukvården",
    ids.DESCRIPTION: "Kommuner och region behöver en gemensam rutin för SIP.",
    ids.ORIGIN: "gemensamt_utvecklingsarbete",
    ids.AREA: "kontinuitet",
    ids.TARGET_GROUPS: ["aldre"],
    ids.LEVEL: "lansgemensam",
    ids.ORGANISATION: "Borås",
}


def stored_needs(bot) -> list[Need]:
    with bot.db.session() as s:
        return list(s.exec(select(Need).order_by(Need.id)).all())


def open_form(fake_slack, user=STAFF, text="ny"):
    result = fake_slack.slash(user, text, channel="CGENERAL")
    assert result.status == 200
    view = fake_slack.top_view(user)
    assert view is not None, "the registration form did not open"
    return view


def register(fake_slack, user=STAFF, **changes):
    """Fill in and send the form; if similar needs are shown, register anyway."""
    open_form(fake_slack, user)
    values = dict(GOOD)
    values.update(changes)
    result = fake_slack.submit(user, values)
    if (result.json or {}).get("response_action") == "update" and "Registrera ändå" in str(
        result.json
    ):
        result = fake_slack.submit(user, values)
    return result


def test_ny_opens_the_form_with_the_title_prefilled(bot, fake_slack):
    view = open_form(fake_slack, text="ny Bättre samordning")
    assert view["title"]["text"] == "Registrera behov"
    title = next(b for b in view["blocks"] if b.get("block_id") == ids.TITLE)
    assert title["element"]["initial_value"] == "Bättre samordning"
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert "Titel" in labels and "Beskrivning" in labels
    assert stored_needs(bot) == []


def test_a_title_too_long_for_the_form_is_cut_visibly_and_kept_as_description(bot, fake_slack):
    words = "Samordnad vårdplanering mellan kommun och region för äldre med omfattande behov " * 3
    view = open_form(fake_slack, text="ny " + words)
    initial = {b.get("block_id"): b["element"].get("initial_value") for b in view["blocks"]
               if b["type"] == "input"}  # fmt: skip
    assert len(initial[ids.TITLE]) == 150 and initial[ids.TITLE].endswith("…")
    assert initial[ids.DESCRIPTION] == words.strip()


def test_the_next_form_names_the_organisation_of_the_last_need(bot, fake_slack):
    def organisation_shown(user) -> dict | None:
        view = open_form(fake_slack, user)
        block = next(b for b in view["blocks"] if b.get("block_id") == ids.ORGANISATION)
        fake_slack.close(user)
        return block["element"].get("initial_option")

    assert organisation_shown(STAFF) is None  # nothing to go by yet
    register(fake_slack)  # from Borås
    assert organisation_shown(STAFF)["value"] == "Borås"
    assert organisation_shown(ADMIN) is None  # another person's own


def test_english_alias_and_english_locale(bot, fake_slack):
    view = open_form(fake_slack, user="UENGLISH", text="new Better planning")
    assert view["title"]["text"] == "Register a need"


def test_registering_stores_the_need_and_confirms_number_and_phase(bot, fake_slack, clock):
    register(fake_slack)
    [need] = stored_needs(bot)
    assert (need.id, need.phase, need.submitted_by, need.submitted_at) == (1, 1, STAFF, clock.now)
    assert need.organisation == "Borås" and need.target_groups == ["aldre"]
    assert need.perspective == "arbetssatt" and need.area == "kontinuitet"
    done = fake_slack.visible_text(fake_slack.top_view(STAFF))
    assert "#1" in done and "Fas 1 av 4: Identifierat behov" in done and "Vad händer nu?" in done
    dm = fake_slack.visible_text(fake_slack.dm_messages(STAFF)[-1])
    assert "#1" in dm and "Identifierat behov" in dm
    with bot.db.session() as s:
        events = s.exec(select(NeedEvent)).all()
    assert [(e.kind, e.actor) for e in events] == [("registered", STAFF)]


def test_errors_are_shown_next_to_the_fields_and_nothing_is_stored(bot, fake_slack):
    open_form(fake_slack)
    result = fake_slack.submit(
        STAFF,
        {ids.TITLE: "", ids.DESCRIPTION: "x" * 10, ids.ORIGIN: None, ids.ORGANISATION: "Borås"},
    )
    errors = result.json["errors"]
    assert result.json["response_action"] == "errors"
    assert errors[ids.TITLE] == "Skriv en titel." and ids.ORIGIN in errors
    assert ids.DESCRIPTION not in errors
    assert stored_needs(bot) == []


def test_organisation_type_ahead(bot, fake_slack):
    open_form(fake_slack)
    for query in ("gbg", "Goteborg", "göteborg"):
        options = fake_slack.suggest(STAFF, ids.ORGANISATION_SEARCH, query)
        assert options[0]["text"]["text"] == "Göteborg"


def test_a_double_submit_creates_one_need(bot, fake_slack):
    open_form(fake_slack)
    view_id = fake_slack.top_view(STAFF)["id"]
    first = fake_slack.submit(STAFF, GOOD, view_id=view_id, keep_open=True)
    second = fake_slack.submit(STAFF, GOOD, view_id=view_id)
    assert first.status == second.status == 200
    assert len(stored_needs(bot)) == 1
    assert "redan registrerat" in fake_slack.visible_text(second.json["view"])


def test_similar_needs_are_shown_and_can_be_registered_anyway(bot, fake_slack):
    register(fake_slack)
    open_form(fake_slack, user=ADMIN)
    similar = dict(
        GOOD,
        **{
            ids.TITLE: "Samordnad individuell plan i hemsjukvård",
            ids.DESCRIPTION: "Gemensam rutin för SIP mellan kommun och region.",
        },
    )
    result = fake_slack.submit(ADMIN, similar)
    assert result.json["response_action"] == "update"
    warning = fake_slack.visible_text(fake_slack.top_view(ADMIN))
    assert "liknar ditt" in warning and "#1" in warning and "Fas 1 av 4" in warning
    assert len(stored_needs(bot)) == 1
    fake_slack.submit(ADMIN, similar)
    assert [n.submitted_by for n in stored_needs(bot)] == [STAFF, ADMIN]


def test_the_existing_need_can_be_opened_from_the_warning(bot, fake_slack):
    register(fake_slack)
    open_form(fake_slack, user=ADMIN)
    fake_slack.submit(ADMIN, dict(GOOD, **{ids.DESCRIPTION: "Samma sak igen."}))
    fake_slack.click(ADMIN, ids.OPEN_NEED, view_id=fake_slack.top_view(ADMIN)["id"], value="1")
    shown = fake_slack.visible_text(fake_slack.top_view(ADMIN))
    assert "#1" in shown and "Identifierat behov" in shown


def test_message_shortcut_prefills_the_description_and_links_back(bot, fake_slack):
    ts = fake_slack.post_as_user(STAFF, "CGENERAL", "Vi saknar rutiner för läkemedel i hemmet")
    fake_slack.message_shortcut(STAFF, channel="CGENERAL", ts=ts, callback_id=ids.REGISTER_SHORTCUT)
    view = fake_slack.top_view(STAFF)
    description = next(b for b in view["blocks"] if b.get("block_id") == ids.DESCRIPTION)
    assert description["element"]["initial_value"] == "Vi saknar rutiner för läkemedel i hemmet"
    fake_slack.submit(
        STAFF, dict(GOOD, **{ids.DESCRIPTION: description["element"]["initial_value"]})
    )
    [need] = stored_needs(bot)
    assert need.source_permalink and ts.replace(".", "") in need.source_permalink


TYPED = "Läkemedel & <dosering> i hemmet. Fråga @per.presidium i #allmant: https://x.se/?a=1&b=2"
PREFILLED = (
    "Läkemedel & <dosering> i hemmet. Fråga @per.presidium i #allmant: https://x.se/?a=1&b=2"
)


def shortcut_form(fake_slack, ts) -> dict:
    fake_slack.message_shortcut(STAFF, channel="CGENERAL", ts=ts, callback_id=ids.REGISTER_SHORTCUT)
    view = fake_slack.top_view(STAFF)
    return next(b for b in view["blocks"] if b.get("block_id") == ids.DESCRIPTION)


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 (loopback)
        return answer.read()


def test_message_markup_becomes_plain_text_once_escaped_everywhere(bot, fake_slack, clock):
    """Slack hands the shortcut `&amp;`, `&lt;` and `<@U…>`: the form shows what the person
    wrote with names, what is stored is plain, and every page escapes it exactly once."""
    ts = fake_slack.type_message(STAFF, "CGENERAL", TYPED)
    assert "&amp; &lt;dosering&gt;" in fake_slack.messages("CGENERAL")[-1]["text"]
    assert f"<@{ADMIN}>" in fake_slack.messages("CGENERAL")[-1]["text"]
    field = shortcut_form(fake_slack, ts)
    assert field["element"]["initial_value"] == PREFILLED
    hint = field["hint"]["text"]  # nothing was cut, but a name was put in: the person is asked
    assert "står med namn" in hint and "den offentliga sidan" in hint and "3 000" not in hint
    fake_slack.submit(STAFF, dict(GOOD, **{ids.DESCRIPTION: PREFILLED}))
    [need] = stored_needs(bot)
    assert need.description == PREFILLED
    fake_slack.slash(ADMIN, "status 1", channel="CGENERAL")
    fake_slack.click(ADMIN, ids.DETAILS, message=fake_slack.ephemerals(ADMIN)[-1], value="1")
    details = fake_slack.visible_text(fake_slack.top_view(ADMIN))
    assert "Läkemedel &amp; &lt;dosering&gt; i hemmet. Fråga @per.presidium" in details
    assert "&amp;amp;" not in details and "&amp;lt;" not in details
    advance(bot.db, clock, need.id, 2, mission=False)  # published from phase 2
    page = get(bot.url + "/public/").decode()
    assert "Läkemedel &amp; &lt;dosering&gt; i hemmet." in page
    assert "&amp;amp;" not in page and "&amp;lt;" not in page
    [public] = json.loads(get(bot.url + "/public/needs.json"))["needs"]
    assert public["description"].startswith("Läkemedel & <dosering> i hemmet. Fråga ")
    for shown in (page, json.dumps(public, ensure_ascii=False)):
        assert ADMIN not in shown and "per.presidium" not in shown  # no ids, no names


def test_a_mention_that_cannot_be_named_is_a_neutral_word(bot, fake_slack):
    ts = fake_slack.post_as_user(STAFF, "CGENERAL", "Fråga <@UGONE42> &amp; <!here>")
    field = shortcut_form(fake_slack, ts)
    assert field["element"]["initial_value"] == "Fråga @någon & @here"
    assert field["hint"]["text"].startswith("Beskriv behovet")  # no name put in, nothing cut
    assert fake_slack.problems == ["users.info: user_not_found"]  # asked, as expected
    fake_slack.problems.clear()


def test_a_message_too_long_for_the_form_is_cut_and_the_person_told(bot, fake_slack):
    ts = fake_slack.type_message(STAFF, "CGENERAL", "Vård & omsorg. " * 250)  # 3,750 characters
    field = shortcut_form(fake_slack, ts)
    prefilled = field["element"]["initial_value"]
    assert len(prefilled) <= 3000 and prefilled.endswith("…") and "&amp;" not in prefilled
    assert "längre än 3 000 tecken" in field["hint"]["text"]


def test_a_message_with_only_a_file_gives_the_file_name(bot, fake_slack):
    ts = fake_slack.post_as_user(STAFF, "CGENERAL", "")
    fake_slack.find_message("CGENERAL", ts)["files"] = [{"id": "F1", "title": "Plan & mål.pdf"}]
    assert shortcut_form(fake_slack, ts)["element"]["initial_value"] == "Plan & mål.pdf"


def test_hostile_title_pings_nobody(bot, fake_slack):
    hostile = "<!channel> & <@U123>"
    register(fake_slack, **{ids.TITLE: hostile})
    fake_slack.slash(STAFF, "status #1", channel="CGENERAL")
    answer = fake_slack.ephemerals(STAFF)[-1]
    text = fake_slack.visible_text(answer)
    assert "&lt;!channel&gt; &amp; &lt;@U123&gt;" in text and "<!channel>" not in text
    for message in fake_slack.dm_messages(STAFF):
        assert "<!channel>" not in str(message)
    assert stored_needs(bot)[0].title == hostile


def test_swedish_letters_and_emoji_are_kept(bot, fake_slack):
    register(fake_slack, **{ids.TITLE: "Åtgärder för äldre 👵 på Öckerö"})
    assert stored_needs(bot)[0].title == "Åtgärder för äldre 👵 på Öckerö"


def test_status_by_number(bot, fake_slack):
    register(fake_slack)
    for text in ("status #1", "status 1", "fas #1"):
        fake_slack.slash(ADMIN, text, channel="CGENERAL")
        answer = fake_slack.visible_text(fake_slack.ephemerals(ADMIN)[-1])
        assert "Samordnad individuell plan" in answer and "Fas 1 av 4" in answer
        assert "Identifierat behov av gemensamt utvecklingsarbete" in answer


def test_status_by_fuzzy_title_and_several_matches(bot, fake_slack):
    register(fake_slack)
    register(fake_slack, **{ids.TITLE: "Mobila team för äldre", ids.DESCRIPTION: "Team."})
    register(fake_slack, **{ids.TITLE: "Mobila team för barn", ids.DESCRIPTION: "Barnteam."})
    fake_slack.slash(STAFF, "status samordnad individuel plan", channel="CGENERAL")
    assert "#1 · Samordnad" in fake_slack.visible_text(fake_slack.ephemerals(STAFF)[-1])
    fake_slack.slash(STAFF, "status mobila team", channel="CGENERAL")
    choice = fake_slack.ephemerals(STAFF)[-1]
    text = fake_slack.visible_text(choice)
    assert "Flera behov" in text and "#2" in text and "#3" in text
    fake_slack.click(STAFF, ids.STATUS_PICK, response_of=choice, value="3")
    assert "Mobila team för barn" in fake_slack.visible_text(fake_slack.ephemerals(STAFF)[-1])


def test_a_short_word_in_several_titles_offers_them_all(bot, fake_slack):
    """`vård` scores higher in a short title than in a long one (WRatio), but both hold it."""
    register(fake_slack, **{ids.TITLE: "Beroendevård för unga vuxna", ids.DESCRIPTION: "Unga."})
    register(fake_slack, **{ids.TITLE: "Gemensam introduktion för nyanställda i vård och omsorg",
                            ids.DESCRIPTION: "Introduktion."})  # fmt: skip
    fake_slack.slash(STAFF, "status vård", channel="CGENERAL")
    text = fake_slack.visible_text(fake_slack.ephemerals(STAFF)[-1])
    assert "Flera behov" in text and "#1" in text and "#2" in text


def test_a_lookup_by_number_answers_in_the_ack_by_text_after_it(bot, fake_slack):
    register(fake_slack)
    by_number = fake_slack.slash(STAFF, "status 1", channel="CGENERAL")
    assert "Samordnad individuell plan" in str(by_number.json)  # one indexed read: in the ack
    by_text = fake_slack.slash(STAFF, "status samordnad plan", channel="CGENERAL")
    assert by_text.status == 200 and not by_text.body.strip()  # fuzzy: acknowledged at once
    assert "#1 · Samordnad" in fake_slack.visible_text(fake_slack.ephemerals(STAFF)[-1])


def test_status_unknown_number_text_and_nothing(bot, fake_slack):
    expectations = {
        "status #99999": "inget behov med nummer #99999",
        "status abc": "Inget behov har en titel",
        "status": "Skriv behovets nummer",
    }
    for text, expected in expectations.items():
        fake_slack.slash(STAFF, text, channel="CGENERAL")
        assert expected in fake_slack.visible_text(fake_slack.ephemerals(STAFF)[-1])


def test_help_and_unknown_subcommands(bot, fake_slack):
    for text in ("", "hjälp", "help", "gurka"):
        fake_slack.slash(STAFF, text, channel="CGENERAL")
        answer = fake_slack.visible_text(fake_slack.ephemerals(STAFF)[-1])
        assert "/behov ny" in answer and "/behov status" in answer
    assert "känner inte igen ”gurka”" in answer


def test_following_an_unknown_number_names_it_and_offers_no_details(bot, fake_slack):
    register(fake_slack)
    fake_slack.slash(STAFF, "bevaka 99", channel="CGENERAL")
    answer = fake_slack.ephemerals(STAFF)[-1]
    assert "Det finns inget behov med nummer #99." in fake_slack.visible_text(answer)
    assert not [b for b in answer.get("blocks", []) if b["type"] == "actions"]  # no button
    with bot.db.session() as s:
        assert not s.exec(select(NeedEvent).where(NeedEvent.kind == "followed")).all()
    fake_slack.slash(STAFF, "bevaka 1", channel="CGENERAL")  # a need that exists: the button
    answer = fake_slack.ephemerals(STAFF)[-1]
    assert [b for b in answer["blocks"] if b["type"] == "actions"]


def test_every_usage_error_ends_with_the_help_line_of_its_subcommand(bot, fake_slack):
    expectations = [
        (STAFF, "status", "Skriv behovets nummer", "• `/behov status <nr|text>`"),
        (STAFF, "bevaka", "Skriv behovets nummer", "• `/behov bevaka <nr>`"),
        (STAFF, "lista 9", "är ingen fas", "• `/behov lista [1-4]`"),
        (STAFF, "sök", "Skriv vad du söker efter", "• `/behov sök <text>`"),
        (ADMIN, "rösta", "Skriv behovets nummer", "• `/behov rösta <nr>`"),
        (ADMIN, "rapport förra", "Skriv ett årtal", "• `/behov rapport [år]`"),
    ]
    for user, text, usage, help_line in expectations:
        fake_slack.slash(user, text, channel="CGENERAL")
        shown = fake_slack.visible_text(fake_slack.ephemerals(user)[-1])
        assert usage in shown and help_line in shown, text


def test_an_invisible_title_is_no_title_and_bidi_controls_are_dropped(bot, fake_slack):
    for invisible in ("\u200b\u200b", "\ufeff", "\u00a0\u00a0", "\u202e"):
        open_form(fake_slack)
        result = fake_slack.submit(STAFF, {**GOOD, ids.TITLE: invisible})
        assert result.json["errors"][ids.TITLE] == "Skriv en titel.", repr(invisible)
    assert stored_needs(bot) == []
    register(fake_slack, **{ids.TITLE: "Vård\u202e för\u00a0äldre\u200b 👩‍💻"})
    assert stored_needs(bot)[0].title == "Vård för äldre 👩‍💻"


def test_status_reads_the_subcommand_after_any_white_space(bot, fake_slack):
    register(fake_slack)
    for text in ("status\u00a01", "status\t#1", "\u00a0fas\u00a0\u00a01\u00a0"):
        fake_slack.slash(STAFF, text, channel="CGENERAL")
        answer = fake_slack.visible_text(fake_slack.ephemerals(STAFF)[-1])
        assert "Samordnad individuell plan" in answer and "känner inte igen" not in answer, text


def test_a_need_number_is_ascii_digits_and_a_huge_one_exists_nowhere(bot, fake_slack):
    for title in ("Första behovet", "Andra behovet", "Tredje behovet"):
        register(fake_slack, **{ids.TITLE: title, ids.DESCRIPTION: f"Om {title}."})
    huge = "99999999999999999999"
    for user, text in ((STAFF, f"status #{huge}"), (STAFF, f"bevaka {huge}"),
                       (ADMIN, f"rösta {huge}")):  # fmt: skip
        result = fake_slack.slash(user, text, channel="CGENERAL")
        assert result.status == 200
        answer = fake_slack.visible_text(fake_slack.ephemerals(user)[-1])
        assert f"Det finns inget behov med nummer #{huge}." in answer, text
    ack = fake_slack.slash(STAFF, f"status {huge}", channel="CGENERAL")
    assert f"#{huge}" in str(ack.json)  # answered in the ack: not searched for
    for digit in ("٣", "３"):  # Arabic-Indic and full-width three are no need numbers
        fake_slack.slash(STAFF, f"status {digit}", channel="CGENERAL")
        answer = fake_slack.visible_text(fake_slack.ephemerals(STAFF)[-1])
        assert "Tredje behovet" not in answer and "Inget behov har en titel" in answer
