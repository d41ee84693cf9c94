"""The phases end to end: signed requests to the real bot, the fake Slack behind it, and
assertions on what people see (details view, forms, answers, direct messages) and on what is
stored."""

import pytest
from sqlmodel import select

from commands import ids
from domain.needs import Draft
from fakeslack.forms import UserActionError
from storage import lifecycle
from storage.models import Follower, Milestone, Need, Vote
from storage.needs import history
from tests.conftest import ADMIN, STAFF
from tests.lifecycle_support import advance, mission_draft, new_need

ENGLISH = "UENGLISH"


def seen(fake_slack, obj) -> str:
    return fake_slack.visible_text(obj)


def stored(bot, number):
    with bot.db.session() as s:
        return s.get(Need, number), history(s, need_id=number)


def open_details(fake_slack, user, number):
    """`/behov status <nr>`, then the answer's "Visa detaljer" button."""
    fake_slack.slash(user, f"status {number}", channel="CGENERAL")
    answer = fake_slack.ephemerals(user)[-1]
    fake_slack.click(user, ids.DETAILS, message=answer, value=str(number))
    view = fake_slack.top_view(user)
    assert view["callback_id"] == ids.DETAILS_VIEW
    return view


def buttons(view) -> list[str]:
    return [e["action_id"] for b in view["blocks"]
            if b["type"] == "actions" and b.get("block_id") == ids.DETAILS_BUTTONS
            for e in b["elements"]]  # fmt: skip


def crafted(fake_slack, user, action_id, number):
    """A button payload sent from a message where no such button is shown."""
    ts = fake_slack.post_as_user(user, "CGENERAL", "Titta på behovet")
    return fake_slack.click(user, action_id, channel="CGENERAL", ts=ts, value=str(number),
                            force=True)  # fmt: skip


def test_an_admin_takes_a_need_through_all_four_phases(bot, fake_slack, ref, clock):
    number = new_need(bot.db, ref, clock)
    staff_view = open_details(fake_slack, STAFF, number)
    assert buttons(staff_view) == [ids.EDIT, ids.WITHDRAW, ids.UNFOLLOW]
    view = open_details(fake_slack, ADMIN, number)
    assert ids.TAKE_UP in buttons(view) and ids.OPEN_VOTE in buttons(view)
    details_id = view["id"]

    fake_slack.click(ADMIN, ids.TAKE_UP, value=str(number))
    assert fake_slack.top_view(ADMIN)["callback_id"] == ids.CONFIRM_VIEW
    fake_slack.submit(ADMIN, {ids.COMMENT: "Tas upp på VVG:s möte i december"})
    view = fake_slack.top_view(ADMIN)
    assert view["id"] == details_id  # the form closed; the details show the new phase
    text = seen(fake_slack, view)
    assert "Fas 2 av 4: Ställningstagande och prioritering" in text
    assert "flyttade behovet från fas 1 till fas 2" in text
    assert "Tas upp på VVG:s möte i december" in text
    assert buttons(view)[:3] == [ids.ASSESS, ids.DECIDE, ids.OPEN_VOTE]
    told = seen(fake_slack, fake_slack.dm_messages(STAFF))
    assert "Nytt om ett behov du bevakar" in told and "fas 2" in told
    assert fake_slack.dm_messages(ADMIN) == []  # the one who acted is not told
    assert "Ställningstagande och prioritering" in seen(fake_slack, fake_slack.home(STAFF))

    fake_slack.click(ADMIN, ids.ASSESS, value=str(number))
    fake_slack.submit(ADMIN, {ids.RELEVANT: "yes", ids.PERSON_CENTRED: "yes", ids.TRUST: "no"})
    fake_slack.click(ADMIN, ids.DECIDE, value=str(number))
    fake_slack.submit(ADMIN, {ids.DECISION: "prioriterat", ids.REASON: "Gör nu enligt matrisen"})
    view = fake_slack.top_view(ADMIN)
    assert "*Beslut om prioritering:* Prioriterat" in seen(fake_slack, view)
    assert ids.START not in buttons(view)  # no mission document yet
    assert "beslutade: Prioriterat" in seen(fake_slack, fake_slack.dm_messages(STAFF))

    fake_slack.click(ADMIN, ids.MISSION, value=str(number))
    form = fake_slack.top_view(ADMIN)
    mission = {
        ids.PURPOSE_GOALS: "Tryggare övergångar mellan huvudmännen.",
        ids.PROCESS_LEADER: "UENGLISH",
        ids.WORKING_GROUP: [STAFF],
        ids.EXTERNAL_MEMBERS: "Eva Extern, Vänersborg",
        ids.MISSION_FLAGS: ["state_grant"],
        ids.TIMETABLE: "2027-01-15 delrapport Lägesrapport\nnästa vår slutrapport",
    }
    fake_slack.submit(ADMIN, mission)
    form = fake_slack.top_view(ADMIN)
    assert form["callback_id"] == ids.MISSION_VIEW
    assert form["errors"] == {
        ids.TIMETABLE: "Rad 2 ska börja med ett datum ÅÅÅÅ-MM-DD: ”nästa vår slutrapport”"
    }
    mission[ids.TIMETABLE] = "2027-01-15 delrapport Lägesrapport\n2027-06-01 slutrapport"
    fake_slack.submit(ADMIN, mission)
    view = fake_slack.top_view(ADMIN)
    text = seen(fake_slack, view)
    assert view["id"] == details_id and "Uppdragshandling" in text
    assert "Eva Extern" in text and "Delrapport till VVG – Lägesrapport" in text

    fake_slack.click(ADMIN, ids.START, value=str(number))
    fake_slack.submit(ADMIN, {})
    assert "Fas 3 av 4: Genomförande" in seen(fake_slack, fake_slack.top_view(ADMIN))
    english = seen(fake_slack, fake_slack.dm_messages(ENGLISH))  # the process leader
    assert "News about a need you follow" in english and "phase 3" in english

    fake_slack.click(ADMIN, ids.COMPLETE, value=str(number))
    fake_slack.submit(ADMIN, {ids.FINAL_REPORT_URL: "rapport.pdf"})
    errors = fake_slack.top_view(ADMIN)["errors"]
    assert set(errors) == {ids.FINAL_REPORT_DATE, ids.FINAL_REPORT_URL, ids.VVG_POSITION,
                           ids.PRODUCT_URL}  # fmt: skip
    fake_slack.submit(ADMIN, {
        ids.FINAL_REPORT_DATE: "2026-11-20",
        ids.FINAL_REPORT_URL: "https://example.org/slutrapport.pdf",
        ids.VVG_POSITION: "VVG ställer sig bakom rutinen.",
        ids.PRODUCT_URL: "https://example.org/rutin",
    })  # fmt: skip
    view = fake_slack.top_view(ADMIN)
    text = seen(fake_slack, view)
    assert "Fas 4 av 4: Slutfört uppdrag" in text and "slutförde uppdraget" in text
    assert buttons(view) == [ids.HIDE_PUBLIC]  # a completed mission moves no more
    need, events = stored(bot, number)
    assert need.phase == 4 and need.decision == "prioriterat"
    assert [e.new_value for e in events if e.kind == "phase_changed"] == ["2", "3", "4"]
    with bot.db.session() as s:
        assert len(s.exec(select(Milestone)).all()) == 2


LINK_ERROR = (
    "Ange hela webbadressen, som börjar med https:// eller http://, utan mellanslag "
    "och utan tecknen < > |."
)
RANGE_ERROR = "Datumet ska ligga mellan 2000-01-01 och 2100-12-31."


def test_completion_refuses_unsafe_links_and_unlikely_dates(bot, fake_slack, ref, clock):
    fake_slack.add_user("ULEADER", "lea.processledare")  # the mission's, told of the completion
    number = new_need(bot.db, ref, clock)
    advance(bot.db, clock, number, 3)
    open_details(fake_slack, ADMIN, number)
    fake_slack.click(ADMIN, ids.COMPLETE, value=str(number))
    good = {
        ids.FINAL_REPORT_DATE: "2026-11-23",
        ids.FINAL_REPORT_URL: "https://example.org/slutrapport.pdf",
        ids.VVG_POSITION: "VVG ställer sig bakom rutinen.",
        ids.PRODUCT_URL: "https://example.org/rutin",
    }
    future = (
        "Slutrapporten kan inte ha ett datum efter i dag (2026-11-23). Slutför uppdraget "
        "när rapporten finns."
    )
    for field, value, error in [
        (ids.PRODUCT_URL, "https://x.se/><!channel>", LINK_ERROR),
        (
            ids.FINAL_REPORT_URL,
            "https://x.se/><https://evil.example/|https://vardsamverkan.se/>",
            LINK_ERROR,
        ),
        (ids.PRODUCT_URL, "https://x.se/slut produkt", LINK_ERROR),
        (ids.FINAL_REPORT_DATE, "0001-01-01", RANGE_ERROR),
        (ids.FINAL_REPORT_DATE, "9999-12-31", RANGE_ERROR),
        (ids.FINAL_REPORT_DATE, "2026-11-24", future),
    ]:
        fake_slack.submit(ADMIN, {**good, field: value})
        assert fake_slack.top_view(ADMIN)["errors"] == {field: error}, value
    assert stored(bot, number)[0].phase == 3
    clock.now = clock.now.replace(hour=23, minute=30)  # 00:30 on 24 November in Stockholm
    fake_slack.submit(ADMIN, {**good, ids.FINAL_REPORT_DATE: "2026-11-24"})
    assert stored(bot, number)[0].phase == 4


def test_a_timetable_date_out_of_range_is_named_in_the_form(bot, fake_slack, ref, clock):
    number = new_need(bot.db, ref, clock)
    advance(bot.db, clock, number, 2)
    open_details(fake_slack, ADMIN, number)
    fake_slack.click(ADMIN, ids.MISSION, value=str(number))
    fake_slack.submit(
        ADMIN,
        {
            ids.PURPOSE_GOALS: "Tryggare övergångar.",
            ids.TIMETABLE: "2027-01-15 delrapport\n9999-12-31 slutrapport",
        },
    )
    assert fake_slack.top_view(ADMIN)["errors"] == {
        ids.TIMETABLE: "Rad 2: datumet 9999-12-31 ska ligga mellan 2000-01-01 och 2100-12-31."
    }


def test_a_mission_form_saved_by_someone_else_meanwhile_does_not_undo_their_change(
    bot, fake_slack, ref, clock
):
    number = new_need(bot.db, ref, clock)
    advance(bot.db, clock, number, 3)  # ULEADER leads it
    open_details(fake_slack, ADMIN, number)
    fake_slack.click(ADMIN, ids.MISSION, value=str(number))  # the admin's form, open for a while
    clock.advance(minutes=5)
    with bot.db.session(write=True) as s:  # the process leader saves a new purpose meanwhile
        lifecycle.save_mission(s, need_id=number, actor="ULEADER", is_admin=False, now=clock(),
                               draft=mission_draft(purpose_goals="Ledarens nya mål."))  # fmt: skip
    fake_slack.submit(ADMIN, {ids.RESOURCING: "Två dagar i veckan."})
    notice = seen(fake_slack, fake_slack.top_view(ADMIN))
    assert "har sparats av någon annan sedan du öppnade formuläret. Inget har sparats" in notice
    with bot.db.session() as s:
        mission = lifecycle.get_mission(s, need_id=number)
    assert (
        mission.purpose_goals == "Ledarens nya mål." and mission.resourcing != "Två dagar i veckan."
    )
    open_details(fake_slack, ADMIN, number)  # opened again, the form shows their change
    fake_slack.click(ADMIN, ids.MISSION, value=str(number))
    fake_slack.submit(ADMIN, {ids.RESOURCING: "Två dagar i veckan."})
    with bot.db.session() as s:
        mission = lifecycle.get_mission(s, need_id=number)
    assert (mission.purpose_goals, mission.resourcing) == (
        "Ledarens nya mål.",
        "Två dagar i veckan.",
    )


def test_a_crafted_button_from_someone_else_changes_nothing(bot, fake_slack, ref, clock):
    number = new_need(bot.db, ref, clock)
    for action_id in (ids.TAKE_UP, ids.DECIDE, ids.START, ids.COMPLETE, ids.DUPLICATE):
        crafted(fake_slack, STAFF, action_id, number)
        answer = fake_slack.ephemerals(STAFF)[-1]
        assert "Bara VVG:s presidium och sekretariat" in seen(fake_slack, answer)
        assert "Inget har ändrats" in seen(fake_slack, answer)
    crafted(fake_slack, ENGLISH, ids.WITHDRAW, number)
    assert "Only the person who registered need #1" in seen(
        fake_slack, fake_slack.ephemerals(ENGLISH)[-1]
    )
    need, events = stored(bot, number)
    assert (need.phase, need.outcome, len(events)) == (1, None, 1)
    assert fake_slack.top_view(STAFF) is None


def test_a_form_sent_after_the_rules_changed_is_refused(bot, fake_slack, ref, clock):
    """The same check runs again on sending: an admin's form for a need withdrawn meanwhile."""
    number = new_need(bot.db, ref, clock)
    open_details(fake_slack, ADMIN, number)
    fake_slack.click(ADMIN, ids.TAKE_UP, value=str(number))
    crafted(fake_slack, STAFF, ids.WITHDRAW, number)  # the submitter may, in phase 1
    assert fake_slack.top_view(STAFF)["callback_id"] == ids.CONFIRM_VIEW
    fake_slack.submit(STAFF, {ids.COMMENT: "  "})  # an ended need records why
    assert fake_slack.top_view(STAFF)["errors"] == {
        ids.COMMENT: "Skriv varför behovet återkallas: det sparas i behovets historik."
    }
    assert stored(bot, number)[0].outcome is None
    fake_slack.submit(STAFF, {ids.COMMENT: "Löst lokalt"})
    fake_slack.submit(ADMIN, {})
    notice = fake_slack.top_view(ADMIN)
    assert notice["callback_id"] == ids.NOTICE_VIEW
    assert "Behov #1 är avslutat och kan inte ändras" in seen(fake_slack, notice)
    need, events = stored(bot, number)
    assert (need.phase, need.outcome) == (1, "aterkallat")
    assert events[-1].comment == "Löst lokalt" and events[-1].actor == STAFF


def test_execution_without_a_mission_document_says_what_is_missing(bot, fake_slack, ref, clock):
    number = new_need(bot.db, ref, clock)
    advance(bot.db, clock, number, 2, mission=False)
    open_details(fake_slack, ADMIN, number)
    fake_slack.click(ADMIN, ids.DECIDE, value=str(number))
    fake_slack.submit(ADMIN, {ids.DECISION: "prioriterat"})
    fake_slack.click(ADMIN, ids.START, value=str(number), force=True)  # not shown: crafted
    notice = fake_slack.top_view(ADMIN)
    assert "saknar uppdragshandling" in seen(fake_slack, notice)
    assert stored(bot, number)[0].phase == 2


def test_not_prioritising_asks_for_a_reason_and_closes(bot, fake_slack, ref, clock):
    number = new_need(bot.db, ref, clock)
    advance(bot.db, clock, number, 2, mission=False)
    open_details(fake_slack, ADMIN, number)
    fake_slack.click(ADMIN, ids.DECIDE, value=str(number))
    fake_slack.submit(ADMIN, {ids.DECISION: "ej_prioriterat"})
    assert fake_slack.top_view(ADMIN)["errors"] == {
        ids.REASON: "Skriv varför behovet inte prioriteras."
    }
    fake_slack.submit(ADMIN, {ids.DECISION: "ej_prioriterat", ids.REASON: "Ryms inte i planen"})
    view = fake_slack.top_view(ADMIN)
    assert "Avslutat: Ej prioriterat" in seen(fake_slack, view)
    assert ids.DECIDE not in buttons(view)
    told = seen(fake_slack, fake_slack.dm_messages(STAFF))
    assert "beslutade: Ej prioriterat" in told and "Ryms inte i planen" in told
    assert stored(bot, number)[0].outcome == "ej_prioriterat"


def test_deciding_the_same_again_records_and_tells_nothing(bot, fake_slack, ref, clock):
    number = new_need(bot.db, ref, clock)
    advance(bot.db, clock, number, 2, mission=False)
    open_details(fake_slack, ADMIN, number)
    for _ in range(2):  # the same decision saved twice (or a double click)
        fake_slack.click(ADMIN, ids.DECIDE, value=str(number))
        fake_slack.submit(ADMIN, {ids.DECISION: "parkerat", ids.REASON: "Nästa år"})
    notice = fake_slack.top_view(ADMIN)
    assert notice["callback_id"] == ids.NOTICE_VIEW
    assert "Behov #1 har redan det beslutet. Inget har ändrats." in seen(fake_slack, notice)
    _, events = stored(bot, number)
    assert [e.new_value for e in events if e.kind == "decided"] == ["parkerat"]
    assert len(fake_slack.dm_messages(STAFF)) == 1  # told once, of the first


def vote_on(fake_slack, number: int) -> None:
    fake_slack.slash(ADMIN, f"rösta {number}", channel="CGENERAL")
    assert "har öppnats" in seen(fake_slack, fake_slack.ephemerals(ADMIN)[-1])


def what_is_stored(bot) -> list:
    """Everything a refused action could have changed: needs, their histories, votes, followers."""
    with bot.db.session() as s:
        needs = [(n.id, n.phase, n.decision, n.outcome, n.merged_into, n.updated_at)
                 for n in s.exec(select(Need).order_by(Need.id))]  # fmt: skip
        events = [len(history(s, need_id=n[0])) for n in needs]
        votes = [(v.id, v.closed_at) for v in s.exec(select(Vote))]
        follows = sorted((f.need_id, f.user_id) for f in s.exec(select(Follower)))
    return [needs, events, votes, follows]


@pytest.mark.parametrize(
    ("button", "values"),
    [
        (ids.WITHDRAW, {ids.COMMENT: "Löst lokalt"}),
        (ids.START, {}),
        (ids.DUPLICATE, {ids.ORIGINAL: "#2"}),
        (ids.DECIDE, {ids.DECISION: "ej_prioriterat", ids.REASON: "Ryms inte i planen"}),
    ],
)
def test_a_form_that_would_end_a_need_under_vote_is_refused(
    bot, fake_slack, ref, clock, button, values
):
    """A form opened before the vote and sent after it opened: refused, nothing changes."""
    number = new_need(bot.db, ref, clock)
    new_need(bot.db, ref, clock, title="Mobila team")  # #2, the original for a duplicate
    advance(bot.db, clock, number, 2)  # prioritised, with a mission document: ready to start
    open_details(fake_slack, ADMIN, number)
    fake_slack.click(ADMIN, button, value=str(number))
    vote_on(fake_slack, number)
    before, told = what_is_stored(bot), len(fake_slack.dm_messages(STAFF))
    fake_slack.submit(ADMIN, values)
    notice = fake_slack.top_view(ADMIN)
    assert notice["callback_id"] == ids.NOTICE_VIEW
    text = seen(fake_slack, notice)
    assert "Omröstningen om behov #1 pågår till <!date^" in text
    assert "|2026-11-30 10:00>" in text  # seven days on, in Stockholm time
    assert "Inget har ändrats" in text and "*Stäng omröstningen* i behovets detaljer" in text
    assert what_is_stored(bot) == before
    assert len(fake_slack.dm_messages(STAFF)) == told


def test_a_need_under_vote_offers_no_way_out_until_the_vote_is_closed(bot, fake_slack, ref, clock):
    fake_slack.add_user("ULEADER", "lea.processledare")  # the mission document's, told of the start
    number = new_need(bot.db, ref, clock)
    advance(bot.db, clock, number, 2)
    vote_on(fake_slack, number)
    view = open_details(fake_slack, ADMIN, number)
    assert not {ids.START, ids.WITHDRAW, ids.DUPLICATE} & set(buttons(view))
    assert {ids.DECIDE, ids.VOTE_CLOSE} <= set(buttons(view))
    fake_slack.click(ADMIN, ids.DECIDE, value=str(number))
    form = fake_slack.top_view(ADMIN)
    [choice] = [b["element"] for b in form["blocks"] if b.get("block_id") == ids.DECISION]
    assert [o["value"] for o in choice["options"]] == ["prioriterat", "parkerat"]
    assert "*Ej prioriterat* kan inte väljas förrän den är stängd" in seen(fake_slack, form)
    with pytest.raises(UserActionError):  # not among the options shown
        fake_slack.submit(ADMIN, {ids.DECISION: "ej_prioriterat", ids.REASON: "Nej"})
    fake_slack.close(ADMIN)

    before = what_is_stored(bot)
    crafted(fake_slack, ADMIN, ids.START, number)  # a button no view shows now
    answer = seen(fake_slack, fake_slack.ephemerals(ADMIN)[-1])
    assert "Omröstningen om behov #1 pågår till" in answer
    assert what_is_stored(bot) == before

    fake_slack.click(ADMIN, ids.VOTE_CLOSE)  # from the details, closing early
    view = open_details(fake_slack, ADMIN, number)
    assert {ids.START, ids.WITHDRAW, ids.DUPLICATE} <= set(buttons(view))
    fake_slack.click(ADMIN, ids.START, value=str(number))
    fake_slack.submit(ADMIN, {})
    assert stored(bot, number)[0].phase == 3


def test_following_by_command_and_stopping_from_the_message(bot, fake_slack, ref, clock):
    number = new_need(bot.db, ref, clock)
    fake_slack.slash(ENGLISH, f"follow #{number}", channel="CGENERAL")
    assert "You now follow need #1" in seen(fake_slack, fake_slack.ephemerals(ENGLISH)[-1])
    fake_slack.slash(ENGLISH, "bevaka 1", channel="CGENERAL")
    assert "You already follow need #1" in seen(fake_slack, fake_slack.ephemerals(ENGLISH)[-1])
    fake_slack.slash(ENGLISH, "bevaka", channel="CGENERAL")
    assert "/behov follow #12" in seen(fake_slack, fake_slack.ephemerals(ENGLISH)[-1])
    open_details(fake_slack, ADMIN, number)
    fake_slack.click(ADMIN, ids.TAKE_UP, value=str(number))
    fake_slack.submit(ADMIN, {})
    message = fake_slack.dm_messages(ENGLISH)[-1]
    assert "moved the need from phase 1 to phase 2" in seen(fake_slack, message)
    fake_slack.click(ENGLISH, ids.UNFOLLOW, message=message, value=str(number))
    assert "You no longer follow need #1" in seen(fake_slack, fake_slack.ephemerals(ENGLISH)[-1])
    fake_slack.click(ADMIN, ids.DECIDE, value=str(number))
    fake_slack.submit(ADMIN, {ids.DECISION: "parkerat"})
    assert len(fake_slack.dm_messages(ENGLISH)) == 1  # nothing more after unfollowing
    assert len(fake_slack.dm_messages(STAFF)) == 2


def test_a_button_for_a_need_that_is_not_there_names_the_number(bot, fake_slack, ref, clock):
    new_need(bot.db, ref, clock)
    for action_id in (ids.TAKE_UP, ids.FOLLOW):
        crafted(fake_slack, ADMIN, action_id, 999)
        answer = seen(fake_slack, fake_slack.ephemerals(ADMIN)[-1])
        assert "Det finns inget behov med nummer #999" in answer
    with bot.db.session() as s:
        assert len(s.exec(select(Need)).all()) == 1
    assert fake_slack.top_view(ADMIN) is None


def test_follow_buttons_in_the_details_view(bot, fake_slack, ref, clock):
    number = new_need(bot.db, ref, clock)
    view = open_details(fake_slack, ENGLISH, number)
    assert buttons(view) == [ids.FOLLOW]
    fake_slack.click(ENGLISH, ids.FOLLOW, value=str(number))
    view = fake_slack.top_view(ENGLISH)
    assert buttons(view) == [ids.UNFOLLOW]
    assert "started following the need" in seen(fake_slack, view)
    fake_slack.click(ENGLISH, ids.UNFOLLOW, value=str(number))
    assert buttons(fake_slack.top_view(ENGLISH)) == [ids.FOLLOW]


def test_marking_a_duplicate_in_slack(bot, fake_slack, ref, clock):
    original = new_need(bot.db, ref, clock, title="Mobila team")
    duplicate = new_need(bot.db, ref, clock, title="Mobila vårdteam", user=ENGLISH)
    open_details(fake_slack, ADMIN, duplicate)
    fake_slack.click(ADMIN, ids.DUPLICATE, value=str(duplicate))
    fake_slack.submit(ADMIN, {ids.ORIGINAL: "tolv"})
    assert fake_slack.top_view(ADMIN)["errors"] == {
        ids.ORIGINAL: "Skriv ett behovsnummer, till exempel #12."
    }
    fake_slack.submit(ADMIN, {ids.ORIGINAL: f"#{duplicate}"})
    assert "sig självt" in fake_slack.top_view(ADMIN)["errors"][ids.ORIGINAL]
    fake_slack.submit(ADMIN, {ids.ORIGINAL: "#99"})
    assert "#99" in fake_slack.top_view(ADMIN)["errors"][ids.ORIGINAL]
    fake_slack.submit(ADMIN, {ids.ORIGINAL: f"#{original}", ids.COMMENT: "Samma behov"})
    text = seen(fake_slack, fake_slack.top_view(ADMIN))
    assert "markerade behovet som dubblett av #1" in text and "Sammanslaget med #1" in text
    assert "marked the need as a duplicate of #1" in seen(
        fake_slack, fake_slack.dm_messages(ENGLISH)[-1]
    )
    with bot.db.session() as s:
        assert s.get(Follower, (original, ENGLISH)) is not None
    orig_text = seen(fake_slack, open_details(fake_slack, ADMIN, original))
    assert "slog ihop dubbletten #2 med detta behov" in orig_text


def test_editing_reuses_the_registration_form(bot, fake_slack, ref, clock):
    number = new_need(bot.db, ref, clock)
    open_details(fake_slack, STAFF, number)
    fake_slack.click(STAFF, ids.EDIT, value=str(number))
    form = fake_slack.top_view(STAFF)
    assert form["callback_id"] == ids.EDIT_VIEW
    fake_slack.submit(STAFF, {ids.TITLE: ""})
    assert ids.TITLE in fake_slack.top_view(STAFF)["errors"]
    fake_slack.submit(STAFF, {ids.TITLE: "Samordnad vårdplanering för äldre", ids.LEVEL: "lokal"})
    text = seen(fake_slack, fake_slack.top_view(STAFF))
    assert "ändrade titeln: ”Samordnad vårdplanering” → ”Samordnad vårdplanering för äldre”" in text
    assert "ändrade nivån: – → Lokal" in text
    need, _ = stored(bot, number)
    assert need.title == "Samordnad vårdplanering för äldre" and need.level == "lokal"


def test_an_edit_form_sent_after_someone_else_changed_the_need_is_refused(
    bot, fake_slack, ref, clock
):
    number = new_need(bot.db, ref, clock)
    open_details(fake_slack, STAFF, number)
    fake_slack.click(STAFF, ids.EDIT, value=str(number))
    with bot.db.session(write=True) as s:  # an admin corrects the title meanwhile
        need = s.get(Need, number)
        draft = Draft(title="Samordnad vårdplanering i Fyrbodal", description=need.description,
                      origin=need.origin, area=need.area)  # fmt: skip
        lifecycle.edit(s, need_id=number, actor=ADMIN, is_admin=True, now=clock(), draft=draft,
                       ref=ref)  # fmt: skip
    fake_slack.submit(STAFF, {ids.LEVEL: "lokal"})
    notice = seen(fake_slack, fake_slack.top_view(STAFF))
    assert "har ändrats av någon annan sedan du öppnade formuläret. Inget har sparats" in notice
    need, _ = stored(bot, number)
    assert (need.title, need.level) == ("Samordnad vårdplanering i Fyrbodal", None)


def test_a_long_history_pages_in_the_details_view(bot, fake_slack, ref, clock):
    number = new_need(bot.db, ref, clock)
    for _ in range(40):
        crafted(fake_slack, STAFF, ids.UNFOLLOW if _ % 2 == 0 else ids.FOLLOW, number)
    view = open_details(fake_slack, STAFF, number)
    assert "Händelser 1–15 av 41, nyast först." in seen(fake_slack, view)
    fake_slack.click(STAFF, ids.DETAILS_OLDER, value=f"{number}:15")
    view = fake_slack.top_view(STAFF)
    assert "Händelser 16–30 av 41, nyast först." in seen(fake_slack, view)
    fake_slack.click(STAFF, ids.DETAILS_OLDER, value=f"{number}:30")
    assert "registrerade behovet" in seen(fake_slack, fake_slack.top_view(STAFF))
    fake_slack.click(STAFF, ids.DETAILS_NEWER, value=f"{number}:15")
    assert "Händelser 16–30 av 41" in seen(fake_slack, fake_slack.top_view(STAFF))
    assert len(fake_slack.top_view(STAFF)["blocks"]) <= 100


def test_the_process_leader_hands_in_an_interim_report(bot, fake_slack, ref, clock):
    fake_slack.add_user("ULEADER", "lea.processledare")
    fake_slack.channel("CGENERAL")["members"].append("ULEADER")
    number = new_need(bot.db, ref, clock)
    advance(bot.db, clock, number, 3)  # timetable: an interim report, then the final one
    assert ids.REPORT not in buttons(open_details(fake_slack, STAFF, number))
    details = open_details(fake_slack, "ULEADER", number)
    assert ids.REPORT in buttons(details)
    fake_slack.click("ULEADER", ids.REPORT, value=str(number))
    form = seen(fake_slack, fake_slack.top_view("ULEADER"))
    assert "2027-01-15 Delrapport till VVG – Lägesrapport till VVG" in form
    fake_slack.submit("ULEADER", {ids.REPORT_URL: "https://x.se/><!channel>"})
    assert fake_slack.top_view("ULEADER")["errors"] == {ids.REPORT_URL: LINK_ERROR}
    url = "https://vardsamverkan.se/lagesrapport.pdf"
    fake_slack.submit("ULEADER", {ids.REPORT_URL: url})
    with bot.db.session() as s:
        interim, final = s.exec(select(Milestone).order_by(Milestone.due)).all()
    assert (interim.done_at, interim.report_url, final.done_at) == (clock(), url, None)
    refreshed = fake_slack.top_view("ULEADER")
    assert refreshed["id"] == details["id"]
    shown = seen(fake_slack, refreshed)
    assert ":white_check_mark: inlämnad <!date^" in shown
    assert f"|2026-11-23> · <{url}|rapporten>" in shown
    told = seen(fake_slack, fake_slack.dm_messages(STAFF)[-1])  # the submitter follows
    assert "lämnade in Delrapport till VVG: ”Lägesrapport till VVG”" in told
