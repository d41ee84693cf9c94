"""Lists, search and the App Home end to end: signed requests to the real bot over HTTP, the
fake Slack recording what people see (and rejecting what Slack would reject)."""

from datetime import timedelta

from commands import ids
from tests.conftest import ADMIN, STAFF, VOTING_CHANNEL
from tests.lists_support import add_needs, cast, members, open_vote
from tests.test_registration_flow import register
from tests.test_render import HOSTILE


def last_ephemeral(fake_slack, user):
    return fake_slack.ephemerals(user)[-1]


def text_of(fake_slack, obj) -> str:
    return fake_slack.visible_text(obj)


def buttons(obj) -> dict[str, dict]:
    """action_id -> button, over every actions block and section accessory."""
    found = {}
    for block in obj["blocks"]:
        elements = block.get("elements", []) if block["type"] == "actions" else []
        if block.get("accessory"):
            elements = [block["accessory"]]
        for element in elements:
            if element.get("type") == "button":
                found.setdefault(element["action_id"], element)
    return found


def test_list_of_500_needs_pages_through_buttons(bot, fake_slack):
    wanted = set(add_needs(bot.db, 500, phase=2, title="Behov {i}"))
    fake_slack.slash(STAFF, "lista 2", channel="CGENERAL")
    message = last_ephemeral(fake_slack, STAFF)
    seen = []
    for number in range(1, 26):
        shown = text_of(fake_slack, message)
        assert f"Sida {number} av 25" in shown
        assert len(message["blocks"]) <= 50
        seen += [
            int(b["accessory"]["value"])
            for b in message["blocks"]
            if b.get("accessory", {}).get("action_id") == "need_details"
        ]
        nxt = buttons(message).get("list_page:next")
        if nxt is None:
            break
        fake_slack.click(STAFF, nxt["action_id"], value=nxt["value"], message=message)
        message = last_ephemeral(fake_slack, STAFF)
    assert number == 25 and len(seen) == 500 and set(seen) == wanted


def test_bad_list_arguments_and_an_empty_search(bot, fake_slack):
    for text in ("lista 7", "lista abc", "sök", "search   "):
        fake_slack.slash(STAFF, text, channel="CGENERAL")
        shown = text_of(fake_slack, last_ephemeral(fake_slack, STAFF))
        if text.startswith("lista"):
            assert "är ingen fas" in shown and "/behov lista [1-4]" in shown
        else:
            assert "Skriv vad du söker efter" in shown and "/behov sök <text>" in shown


def test_search_finds_words_of_descriptions_and_escapes_titles(bot, fake_slack):
    add_needs(bot.db, 1, title=HOSTILE, description="Trygghetslarm i hemtjänsten")
    add_needs(bot.db, 1, title="Annat", description="Inget")
    fake_slack.slash(STAFF, "sok trygghetslarm", channel="CGENERAL")
    message = last_ephemeral(fake_slack, STAFF)
    raw = str(message["blocks"])
    assert "<!channel>" not in raw and "<@U123>" not in raw
    assert "#1" in text_of(fake_slack, message) and "#2" not in text_of(fake_slack, message)


def test_home_for_a_staff_member_and_for_an_admin(bot, fake_slack, clock):
    mine = add_needs(bot.db, 2, submitted_by=STAFF, title="Mitt behov {i}")
    (voting,) = add_needs(bot.db, 1, phase=2, title="Rösta på mig")
    members(bot.db, VOTING_CHANNEL, ADMIN, STAFF)
    open_vote(bot.db, voting, channel=VOTING_CHANNEL, deadline=clock() + timedelta(days=2))
    fake_slack.app_home_opened(STAFF)
    staff_home = text_of(fake_slack, fake_slack.home(STAFF))
    assert "Mina behov" in staff_home and f"#{mine[0]}" in staff_home
    assert "Väntar på din röst" in staff_home and "Rösta på mig" in staff_home
    assert "Väntar på dig som administratör" not in staff_home
    fake_slack.app_home_opened(ADMIN)
    admin_home = text_of(fake_slack, fake_slack.home(ADMIN))
    assert "Nya behov att ta upp" in admin_home and "Beslut att fatta" in admin_home
    assert "Omröstning pågår till" in admin_home


def test_the_vote_leaves_my_home_once_i_have_voted(bot, fake_slack):
    (need_id,) = add_needs(bot.db, 1, phase=2, title="Rösta på mig")
    members(bot.db, VOTING_CHANNEL, STAFF)
    vote_id = open_vote(bot.db, need_id, channel=VOTING_CHANNEL)
    fake_slack.app_home_opened(STAFF)
    assert "Rösta på mig" in text_of(fake_slack, fake_slack.home(STAFF))
    cast(bot.db, vote_id, STAFF)
    fake_slack.app_home_opened(STAFF)
    assert "Inga omröstningar väntar på dig." in text_of(fake_slack, fake_slack.home(STAFF))


def test_home_tabs_and_pages_republish_the_home(bot, fake_slack):
    add_needs(bot.db, 40, phase=3, title="Genomförs {i}")
    fake_slack.app_home_opened(STAFF)
    tab = buttons(fake_slack.home(STAFF))["home_nav:tab3"]
    fake_slack.click(STAFF, tab["action_id"], value=tab["value"], home=True)
    home = fake_slack.home(STAFF)
    assert "Fas 3 av 4: Genomförande* · 40 behov · sida 1 av 3" in str(home["blocks"])
    nxt = buttons(home)["home_nav:all:next"]
    fake_slack.click(STAFF, nxt["action_id"], value=nxt["value"], home=True)
    assert "sida 2 av 3" in str(fake_slack.home(STAFF)["blocks"])


def test_registering_a_need_refreshes_the_submitters_and_the_admins_homes(bot, fake_slack):
    fake_slack.app_home_opened(STAFF)
    fake_slack.app_home_opened(ADMIN)
    assert "Du har inte registrerat några behov ännu." in text_of(
        fake_slack, fake_slack.home(STAFF)
    )
    register(fake_slack, STAFF, **{ids.TITLE: "Mobil närvård för äldre"})
    assert "Mobil närvård för äldre" in text_of(fake_slack, fake_slack.home(STAFF))
    assert "Mobil närvård för äldre" in text_of(fake_slack, fake_slack.home(ADMIN))


def test_the_register_button_at_home_opens_the_form(bot, fake_slack):
    fake_slack.app_home_opened(STAFF)
    fake_slack.click(STAFF, "home_register", home=True)
    assert fake_slack.top_view(STAFF)["callback_id"] == "register_need_form"


def test_the_home_in_english_for_an_english_speaker(bot, fake_slack):
    add_needs(bot.db, 1, submitted_by="UENGLISH", title="Mine")
    fake_slack.app_home_opened("UENGLISH")
    shown = text_of(fake_slack, fake_slack.home("UENGLISH"))
    assert "My needs" in shown and "Register a need" in shown and "Phase 1 · 1" in shown


def test_crafted_navigation_values_answer_sensibly(bot, fake_slack):
    add_needs(bot.db, 3, title="Behov {i}")
    fake_slack.slash(STAFF, "lista", channel="CGENERAL")
    message = last_ephemeral(fake_slack, STAFF)
    fake_slack.click(STAFF, "list_page:next", value="not json", message=message, force=True)
    assert "Listan kunde inte visas igen" in text_of(fake_slack, last_ephemeral(fake_slack, STAFF))
    fake_slack.app_home_opened(STAFF)
    fake_slack.click(STAFF, "home_nav:all:next", value='{"b": 99, "a": -5}', home=True, force=True)
    assert "Fas 1 av 4: Identifierat behov* · 3 behov · sida 1 av 1" in str(
        fake_slack.home(STAFF)["blocks"]
    )


def test_a_failing_views_publish_is_logged_and_the_bot_answers(bot, fake_slack):
    fake_slack.fail("views.publish", error="internal_error")
    result = fake_slack.app_home_opened(STAFF)
    assert result.status == 200 and fake_slack.home(STAFF) is None
    fake_slack.app_home_opened(STAFF)
    assert "Mina behov" in text_of(fake_slack, fake_slack.home(STAFF))


def test_a_failure_after_the_ack_is_told_in_swedish_and_the_ack_stands(
    bot, fake_slack, monkeypatch, caplog
):
    from sqlalchemy.exc import OperationalError

    from commands import lists

    def database_gone(*_args):
        raise OperationalError("SELECT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(lists, "answer_search", database_gone)
    answer = fake_slack.slash(STAFF, "sök hemsjukvård", channel="CGENERAL")
    assert answer.status == 200 and not answer.body.strip()  # the ack Slack got stays given
    told = fake_slack.visible_text(fake_slack.ephemerals(STAFF)[-1])
    assert "Databasen svarar inte just nu" in told and "Fel-id" in told
    assert any("unhandled error" in r.getMessage() for r in caplog.records)
