"""VVG votes end to end: the real bot over HTTP, the fake Slack, both databases."""

import io
import json
import threading
import urllib.request

import pytest
from PIL import Image
from sqlmodel import select

from bot.scheduler import run_due_work
from commands import ids
from domain.needs import Draft
from storage.models import Ballot, JobClaim, Need, Vote
from storage.needs import change_phase, create_need, history
from tests.at_once import AtOnce
from tests.conftest import ADMIN, STAFF, VOTING_CHANNEL, Bot, make_settings

CHOICE = ids.VOTE_CAST


def add_need(bot, ref, title="Gemensam läkemedelslista", phase=1) -> int:
    draft = Draft(
        title=title,
        description="Alla huvudmän ska se samma läkemedelslista.",
        origin="gemensamt_utvecklingsarbete",
        area="fvm",
    )
    now = bot.services.clock()
    with bot.db.session(write=True) as s:
        need, _ = create_need(s, draft=draft, ref=ref, user_id=STAFF, now=now)
        if phase != 1:
            change_phase(s, need=need, to_phase=phase, actor=ADMIN, now=now)
        return need.id


def add_voters(fake_slack, count: int, prefix="UVOTER") -> list[str]:
    """Members of the voting channel, added silently (as if they were there all along)."""
    users = [f"{prefix}{i:02d}" for i in range(count)]
    for user in users:
        fake_slack.add_user(user, user.lower())
        fake_slack.channel(VOTING_CHANNEL)["members"].append(user)
    return users


def open_vote(fake_slack, number: int) -> dict:
    fake_slack.slash(ADMIN, f"rösta {number}", channel="CGENERAL")
    return vote_message(fake_slack)


def vote_message(fake_slack) -> dict:
    """The latest vote message (the weekly digest may post in the same channel)."""
    posts = fake_slack.messages(VOTING_CHANNEL)
    return [m for m in posts if "Veckosammanfattning" not in fake_slack.visible_text(m)][-1]


def shown(fake_slack) -> str:
    return fake_slack.visible_text(vote_message(fake_slack))


def last_ephemeral(fake_slack, user) -> str:
    return fake_slack.visible_text(fake_slack.ephemerals(user)[-1])


def choose(fake_slack, user, quadrant, message, **kw):
    return fake_slack.click(user, CHOICE[quadrant], channel=VOTING_CHANNEL, ts=message["ts"], **kw)


def crafted_click(fake_slack, user, action_id, value):
    """A request the person's Slack never showed them: a button forged onto their own
    ephemeral help answer in #allmant, with a value of our choosing."""
    fake_slack.slash(user, "hjälp", channel="CGENERAL")
    shown_to_them = fake_slack.ephemerals(user)[-1]
    return fake_slack.click(user, action_id, response_of=shown_to_them, value=value, force=True)


def forged_click(fake_slack, user, action_id, message, value):
    """A click on the vote message in a request crafted by someone who cannot see it there
    (not in the voting channel): a forged request names the right message too."""
    channel, ts = VOTING_CHANNEL, message["ts"]
    return fake_slack.click(user, action_id, channel=channel, ts=ts, value=value, force=True)


def close_from_details(fake_slack, user, message) -> None:
    """ "Visa detaljer" on the vote message, then "Stäng omröstningen" in that view (the
    confirm dialog is Slack's; the request comes only after "Stäng nu")."""
    fake_slack.click(user, ids.DETAILS, channel=VOTING_CHANNEL, ts=message["ts"])
    fake_slack.click(user, ids.VOTE_CLOSE)


def stored_ballots(bot) -> list[Ballot]:
    with bot.db.session() as s:
        return list(s.exec(select(Ballot).order_by(Ballot.user_id)))


def stored_vote(bot) -> Vote:
    with bot.db.session() as s:
        return s.exec(select(Vote)).one()


# ---------------------------------------------------------------- opening


def test_an_admin_opens_a_vote_in_the_voting_channel(bot, fake_slack, ref):
    add_voters(fake_slack, 3)
    number = add_need(bot, ref, title="Läkemedel <!channel>")
    message = open_vote(fake_slack, number)
    text = fake_slack.visible_text(message)
    assert f"#{number}" in text and "Läkemedel &lt;!channel&gt;" in text
    assert "Alla huvudmän ska se samma läkemedelslista." in text
    assert "Identifierat behov av gemensamt utvecklingsarbete" in text or "Ursprung" in text
    assert "Framtidens vårdinformationsmiljö" in text
    assert "0 av 4 har röstat" in text  # three voters and the admin; the bot is not a voter
    assert "<!date^" in text
    labels = [
        e["text"]["text"]
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    ]
    for start in ("Gör nu", "Planera", "Delegera", "Avvakta", "Visa detaljer"):
        assert any(label.startswith(start) for label in labels)
    assert "har öppnats" in last_ephemeral(fake_slack, ADMIN)
    with bot.db.session() as s:
        assert s.get(Need, number).phase == 2
        kinds = [e.kind for e in history(s, need_id=number)]
    assert kinds == ["registered", "phase_changed", "vote_opened"]
    assert fake_slack.calls("conversations.members")


def test_every_page_of_channel_members_is_read(bot, fake_slack, ref, monkeypatch):
    monkeypatch.setattr("commands.voters.PAGE_SIZE", 2)
    add_voters(fake_slack, 4)
    open_vote(fake_slack, add_need(bot, ref))
    assert "0 av 5 har röstat" in shown(fake_slack)
    assert len(fake_slack.calls("conversations.members")) == 3


def test_a_second_open_vote_is_refused(bot, fake_slack, ref):
    number = add_need(bot, ref)
    open_vote(fake_slack, number)
    fake_slack.slash(ADMIN, f"vote #{number}", channel="CGENERAL")
    assert "redan en öppen omröstning" in last_ephemeral(fake_slack, ADMIN)
    assert len(fake_slack.messages(VOTING_CHANNEL)) == 1


def test_only_admins_open_votes_whatever_the_request(bot, fake_slack, ref):
    number = add_need(bot, ref)
    fake_slack.slash(STAFF, f"rösta {number}", channel="CGENERAL")
    assert "Bara VVG:s presidium" in last_ephemeral(fake_slack, STAFF)
    crafted_click(fake_slack, STAFF, ids.OPEN_VOTE, str(number))
    assert "Bara VVG:s presidium" in last_ephemeral(fake_slack, STAFF)
    assert fake_slack.messages(VOTING_CHANNEL) == []
    crafted_click(fake_slack, ADMIN, ids.OPEN_VOTE, str(number))  # as the details view does
    assert len(fake_slack.messages(VOTING_CHANNEL)) == 1
    with bot.db.session() as s:
        assert s.get(Need, number).phase == 2


def test_without_a_voting_channel_the_answer_says_so(database_url, fake_slack, clock, ref):
    settings = make_settings(database_url, fake_slack.api_url, behov_voting_channel=None)
    other = Bot(settings, clock)
    fake_slack.app_url = other.url + "/slack/events"
    try:
        number = add_need(other, ref)
        fake_slack.slash(ADMIN, f"rösta {number}", channel="CGENERAL")
        other.settle()
        assert "BEHOV_VOTING_CHANNEL" in last_ephemeral(fake_slack, ADMIN)
    finally:
        other.stop()


def test_usage_and_unknown_needs(bot, fake_slack, ref):
    fake_slack.slash(ADMIN, "rösta", channel="CGENERAL")
    assert "/behov rösta #12" in last_ephemeral(fake_slack, ADMIN)
    fake_slack.slash(ADMIN, "rösta 99", channel="CGENERAL")
    assert "99" in last_ephemeral(fake_slack, ADMIN)
    assert fake_slack.messages(VOTING_CHANNEL) == []


# ---------------------------------------------------------------- casting


def test_members_vote_and_others_are_told_why_not(bot, fake_slack, ref):
    (voter,) = add_voters(fake_slack, 1)
    message = open_vote(fake_slack, add_need(bot, ref))
    vote_id = str(stored_vote(bot).id)
    forged_click(fake_slack, STAFF, CHOICE["gor_nu"], message, vote_id)  # not in the channel
    assert "Bara medlemmar i" in last_ephemeral(fake_slack, STAFF)
    assert stored_ballots(bot) == []
    choose(fake_slack, voter, "planera", message)
    assert "Din röst om" in last_ephemeral(fake_slack, voter)
    assert "Planera" in last_ephemeral(fake_slack, voter)
    assert [(b.user_id, b.quadrant) for b in stored_ballots(bot)] == [(voter, "planera")]
    assert "1 av 2 har röstat" in shown(fake_slack)


def test_changing_a_vote_replaces_it(bot, fake_slack, ref):
    (voter,) = add_voters(fake_slack, 1)
    message = open_vote(fake_slack, add_need(bot, ref))
    choose(fake_slack, voter, "gor_nu", message)
    choose(fake_slack, voter, "avvakta", message)
    assert [(b.user_id, b.quadrant) for b in stored_ballots(bot)] == [(voter, "avvakta")]
    assert "Avvakta" in last_ephemeral(fake_slack, voter)
    assert "1 av 2 har röstat" in shown(fake_slack)


def test_the_message_never_shows_a_distribution_or_a_voter_before_closing(bot, fake_slack, ref):
    voters = add_voters(fake_slack, 4)
    message = open_vote(fake_slack, add_need(bot, ref, title="Mobila team"))
    for voter, choice in zip(voters, ["gor_nu", "gor_nu", "planera", "avvakta"], strict=True):
        choose(fake_slack, voter, choice, message)
    versions = [message] + [c.args for c in fake_slack.calls("chat.update")]
    assert len(versions) >= 2
    for version in versions:
        text = fake_slack.visible_text(version) + str(version.get("text", ""))
        assert "%" not in text and "Fördelning" not in text
        assert not any(v in text for v in voters) and "<@" not in text
    assert "4 av 5 har röstat" in shown(fake_slack)


def test_a_reason_is_shown_to_the_presidium_without_a_name(bot, fake_slack, ref):
    (voter,) = add_voters(fake_slack, 1)
    message = open_vote(fake_slack, add_need(bot, ref))
    fake_slack.click(voter, ids.VOTE_REASON, channel=VOTING_CHANNEL, ts=message["ts"])
    assert "Rösta först" in last_ephemeral(fake_slack, voter)
    choose(fake_slack, voter, "gor_nu", message)
    fake_slack.click(voter, ids.VOTE_REASON, response_of=fake_slack.ephemerals(voter)[-1])
    assert fake_slack.top_view(voter)["callback_id"] == ids.VOTE_REASON_VIEW
    fake_slack.submit(voter, {ids.VOTE_REASON_INPUT: "Brådskande i Fyrbodal"})
    assert "sparad" in fake_slack.visible_text(fake_slack.top_view(voter))
    assert stored_ballots(bot)[0].reason == "Brådskande i Fyrbodal"
    close_from_details(fake_slack, ADMIN, message)
    reply = fake_slack.visible_text(fake_slack.thread(VOTING_CHANNEL, message["ts"]))
    assert "Brådskande i Fyrbodal" in reply and voter not in reply


def test_a_member_the_cache_missed_votes_once_slack_is_asked(bot, fake_slack, ref, clock):
    message = open_vote(fake_slack, add_need(bot, ref))
    (late,) = add_voters(fake_slack, 1, prefix="ULATE")  # joined unseen: no event reached us
    choose(fake_slack, late, "planera", message)
    assert "Bara medlemmar i" in last_ephemeral(fake_slack, late)  # the cache is fresh
    clock.advance(minutes=11)  # now it may be stale: Slack is asked again
    choose(fake_slack, late, "planera", message)
    assert "Din röst om" in last_ephemeral(fake_slack, late)
    assert [(b.user_id, b.quadrant) for b in stored_ballots(bot)] == [(late, "planera")]
    assert "1 av 2 har röstat" in shown(fake_slack)


# ---------------------------------------------------------------- closing


def test_an_admin_closes_early_and_the_result_is_recorded(bot, fake_slack, ref):
    voters = add_voters(fake_slack, 3)
    number = add_need(bot, ref)
    message = open_vote(fake_slack, number)
    for voter, choice in zip(voters, ["planera", "planera", "gor_nu"], strict=True):
        choose(fake_slack, voter, choice, message)
    vote_id = str(stored_vote(bot).id)
    forged_click(fake_slack, voters[0], ids.VOTE_CLOSE, message, value=vote_id)
    assert "Bara VVG:s presidium" in last_ephemeral(fake_slack, voters[0])
    assert stored_vote(bot).closed_at is None
    close_from_details(fake_slack, ADMIN, message)
    closed = vote_message(fake_slack)
    text = fake_slack.visible_text(closed)
    actions = {
        e["action_id"] for b in closed["blocks"] if b["type"] == "actions" for e in b["elements"]
    }
    assert actions == {ids.DETAILS}
    assert "Resultat: Planera" in text and "Viktigt: 100 %" in text and "Bråttom: 33 %" in text
    reply = fake_slack.visible_text(fake_slack.thread(VOTING_CHANNEL, message["ts"]))
    assert "Fördelning" in reply and "Planera · viktigt + inte bråttom: 2" in reply
    assert "Beslutsför: 3 av 4 röstade, minst 2 behövdes" in reply
    with bot.db.session() as s:
        need = s.get(Need, number)
        assert need.quadrant == "planera" and need.importance_share == 1.0
        assert round(need.urgency_share, 3) == round(1 / 3, 3)
        last = history(s, need_id=number)[-1]
    assert (last.kind, last.new_value, last.actor) == ("vote_closed", "planera", ADMIN)


def test_an_admin_closes_from_the_details_view_once(bot, fake_slack, ref):
    voters = add_voters(fake_slack, 2)
    number = add_need(bot, ref)
    message = open_vote(fake_slack, number)
    choose(fake_slack, voters[0], "gor_nu", message)
    choose(fake_slack, voters[1], "gor_nu", message)
    fake_slack.click(ADMIN, ids.DETAILS, channel=VOTING_CHANNEL, ts=message["ts"])
    details = fake_slack.top_view(ADMIN)
    assert "Stäng omröstningen" in fake_slack.visible_text(details)
    fake_slack.click(ADMIN, ids.VOTE_CLOSE)
    notice = fake_slack.visible_text(fake_slack.top_view(ADMIN))
    assert f"Omröstningen om #{number} är stängd och resultatet visas i röstkanalen." in notice
    refreshed = fake_slack.modal_stack(ADMIN)[-2]  # the details, under the notice, now closed
    assert refreshed["id"] == details["id"]
    assert "Stäng omröstningen" not in fake_slack.visible_text(refreshed)
    assert "Gör nu" in fake_slack.visible_text(refreshed)
    closed = vote_message(fake_slack)
    assert closed["ts"] == message["ts"] and "Resultat: Gör nu" in fake_slack.visible_text(closed)
    assert [e["action_id"] for b in closed["blocks"] if b["type"] == "actions"
            for e in b["elements"]] == [ids.DETAILS]  # fmt: skip
    # The same request again (a double click, a retry): told it is closed, nothing twice.
    fake_slack.click(ADMIN, ids.VOTE_CLOSE, view_id=details["id"], value=str(stored_vote(bot).id),
                     force=True)  # fmt: skip
    assert "Omröstningen är stängd" in fake_slack.visible_text(fake_slack.top_view(ADMIN))
    assert len(fake_slack.thread(VOTING_CHANNEL, message["ts"])) == 1
    with bot.db.session() as s:
        assert s.get(Need, number).quadrant == "gor_nu"
        kinds = [(e.kind, e.actor) for e in history(s, need_id=number)]
    assert kinds.count(("vote_closed", ADMIN)) == 1
    assert stored_vote(bot).closed_by == ADMIN


def test_a_voter_sees_no_close_button_and_a_crafted_one_is_refused(bot, fake_slack, ref):
    (voter,) = add_voters(fake_slack, 1)
    number = add_need(bot, ref)
    message = open_vote(fake_slack, number)
    shown_to_all = [e["action_id"] for b in message["blocks"] if b["type"] == "actions"
                    for e in b["elements"]]  # fmt: skip
    assert ids.VOTE_CLOSE not in shown_to_all and "Stäng omröstningen" not in shown(fake_slack)
    fake_slack.click(voter, ids.DETAILS, channel=VOTING_CHANNEL, ts=message["ts"])
    assert "Stäng omröstningen" not in fake_slack.visible_text(fake_slack.top_view(voter))
    fake_slack.click(voter, ids.VOTE_CLOSE, value=str(stored_vote(bot).id), force=True)
    assert "Bara VVG:s presidium" in fake_slack.visible_text(fake_slack.top_view(voter))
    assert stored_vote(bot).closed_at is None
    assert fake_slack.thread(VOTING_CHANNEL, message["ts"]) == []
    with bot.db.session() as s:
        assert "vote_closed" not in [e.kind for e in history(s, need_id=number)]


def test_a_close_from_another_needs_details_is_refused(bot, fake_slack, ref):
    add_voters(fake_slack, 1)
    message = open_vote(fake_slack, add_need(bot, ref))
    other = add_need(bot, ref, title="Mobila team", phase=2)
    fake_slack.slash(ADMIN, f"status {other}", channel="CGENERAL")
    fake_slack.click(ADMIN, ids.DETAILS, response_of=fake_slack.ephemerals(ADMIN)[-1])
    fake_slack.click(ADMIN, ids.VOTE_CLOSE, value=str(stored_vote(bot).id), force=True)
    assert "hör inte till behovet som visas" in fake_slack.visible_text(fake_slack.top_view(ADMIN))
    assert stored_vote(bot).closed_at is None
    assert fake_slack.thread(VOTING_CHANNEL, message["ts"]) == []


def test_a_closed_vote_refuses_clicks_even_from_an_old_message(bot, fake_slack, ref):
    (voter,) = add_voters(fake_slack, 1)
    message = open_vote(fake_slack, add_need(bot, ref))
    close_from_details(fake_slack, ADMIN, message)
    choose(fake_slack, voter, "gor_nu", message, force=True, value=str(stored_vote(bot).id))
    assert "Omröstningen är stängd" in last_ephemeral(fake_slack, voter)
    assert stored_ballots(bot) == []
    fake_slack.click(
        ADMIN,
        ids.VOTE_CLOSE,
        channel=VOTING_CHANNEL,
        ts=message["ts"],
        value=str(stored_vote(bot).id),
        force=True,
    )
    assert len(fake_slack.thread(VOTING_CHANNEL, message["ts"])) == 1


def test_a_tie_is_oavgjort_and_leaves_no_quadrant(bot, fake_slack, ref):
    voters = add_voters(fake_slack, 2)
    number = add_need(bot, ref)
    message = open_vote(fake_slack, number)
    choose(fake_slack, voters[0], "gor_nu", message)
    choose(fake_slack, voters[1], "avvakta", message)
    close_from_details(fake_slack, ADMIN, message)
    assert "Resultat: oavgjort" in shown(fake_slack)
    with bot.db.session() as s:
        assert s.get(Need, number).quadrant is None
        assert history(s, need_id=number)[-1].new_value == "oavgjort"


def test_without_quorum_the_result_is_ej_beslutfort(bot, fake_slack, ref):
    voters = add_voters(fake_slack, 5)
    number = add_need(bot, ref)
    message = open_vote(fake_slack, number)
    choose(fake_slack, voters[0], "gor_nu", message)
    choose(fake_slack, voters[1], "gor_nu", message)
    close_from_details(fake_slack, ADMIN, message)
    assert "Inte beslutsför" in shown(fake_slack) and "minst 3" in shown(fake_slack)
    with bot.db.session() as s:
        assert s.get(Need, number).quadrant is None


def test_the_deadline_closes_the_vote_once_even_after_a_restart(
    bot, fake_slack, ref, database_url, clock
):
    voters = add_voters(fake_slack, 2)
    number = add_need(bot, ref)
    message = open_vote(fake_slack, number)
    choose(fake_slack, voters[0], "delegera", message)
    choose(fake_slack, voters[1], "delegera", message)
    restarted = Bot(make_settings(database_url, fake_slack.api_url), clock)
    another = Bot(make_settings(database_url, fake_slack.api_url), clock)
    try:
        clock.advance(days=7)
        clock.advance(seconds=-1)
        run_due_work(restarted.services)
        assert stored_vote(bot).closed_at is None
        clock.advance(seconds=61)
        threads = [
            threading.Thread(target=run_due_work, args=(b.services,))
            for b in (restarted, another, restarted)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        run_due_work(another.services)
    finally:
        restarted.stop()
        another.stop()
    assert len(fake_slack.thread(VOTING_CHANNEL, message["ts"])) == 1
    assert "Resultat: Delegera" in shown(fake_slack)
    vote = stored_vote(bot)
    assert vote.closed_at == vote.deadline and vote.closed_by is None
    with bot.db.session() as s:
        assert [e.kind for e in history(s, need_id=number)].count("vote_closed") == 1
        assert s.get(Need, number).quadrant == "delegera"


def test_the_reminder_goes_once_to_members_who_have_not_voted(bot, fake_slack, ref, clock):
    voters = add_voters(fake_slack, 3)
    message = open_vote(fake_slack, add_need(bot, ref))
    choose(fake_slack, voters[0], "gor_nu", message)
    clock.advance(days=6, seconds=-1)
    run_due_work(bot.services)
    assert all(fake_slack.dm_messages(u) == [] for u in voters + [ADMIN])
    clock.advance(seconds=1)
    run_due_work(bot.services)
    clock.advance(hours=1)
    run_due_work(bot.services)
    assert fake_slack.dm_messages(voters[0]) == []
    for user in (voters[1], voters[2], ADMIN):
        dms = fake_slack.dm_messages(user)
        assert len(dms) == 1 and "Påminnelse" in fake_slack.visible_text(dms[0])
    with bot.db.session() as s:
        kinds = s.exec(select(JobClaim.kind).where(JobClaim.kind == "vote_reminder")).all()
    assert len(kinds) == 3


def test_joining_and_leaving_the_channel_changes_who_may_vote(bot, fake_slack, ref):
    fake_slack.add_user("UNEW", "ny.medlem")
    fake_slack.channel("CGENERAL")["members"].append("UNEW")
    message = open_vote(fake_slack, add_need(bot, ref))
    assert "0 av 1 har röstat" in shown(fake_slack)
    fake_slack.emit_events = True
    fake_slack.join(VOTING_CHANNEL, "UNEW")
    assert "0 av 2 har röstat" in shown(fake_slack)
    choose(fake_slack, "UNEW", "gor_nu", message)
    assert "1 av 2 har röstat" in shown(fake_slack)
    fake_slack.leave(VOTING_CHANNEL, "UNEW")
    forged_click(fake_slack, "UNEW", CHOICE["planera"], message, str(stored_vote(bot).id))
    assert "Bara medlemmar i" in last_ephemeral(fake_slack, "UNEW")
    assert [b.quadrant for b in stored_ballots(bot)] == ["gor_nu"]


# ---------------------------------------------------------------- bursts and concurrency


def test_a_burst_of_40_voters_gives_few_updates_and_the_exact_count(bot, fake_slack, ref):
    voters = add_voters(fake_slack, 40)
    message = open_vote(fake_slack, add_need(bot, ref))
    start = threading.Barrier(len(voters))
    failures = []

    def vote(user, index):
        start.wait()
        try:
            choose(
                fake_slack, user, ["gor_nu", "planera", "delegera", "avvakta"][index % 4], message
            )
        except Exception as exc:  # collected and asserted below
            failures.append(exc)

    threads = [threading.Thread(target=vote, args=(u, i)) for i, u in enumerate(voters)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    bot.settle()
    assert failures == []
    assert "40 av 41 har röstat" in shown(fake_slack)
    times = fake_slack.updates(VOTING_CHANNEL, message["ts"])
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert 1 <= len(times) <= 8, times
    assert all(gap >= 0.99 for gap in gaps), gaps
    ballots = stored_ballots(bot)
    assert len(ballots) == 40 and len({b.user_id for b in ballots}) == 40
    vote_row = stored_vote(bot)
    assert vote_row.ballots_count == 40 and vote_row.rendered_version == vote_row.tally_version


def test_clicks_racing_the_close_are_counted_or_refused(bot, fake_slack, ref):
    """Never a ballot stored after the tally: each racing voter is in the result or told no."""
    voters = add_voters(fake_slack, 12)
    message = open_vote(fake_slack, add_need(bot, ref))
    start = threading.Barrier(len(voters) + 1)

    def vote(user):
        start.wait()
        choose(fake_slack, user, "gor_nu", message)

    def close():
        start.wait()
        close_from_details(fake_slack, ADMIN, message)

    threads = [threading.Thread(target=vote, args=(u,)) for u in voters]
    threads.append(threading.Thread(target=close))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    bot.settle()
    stored = {b.user_id for b in stored_ballots(bot)}
    for user in voters:
        answer = last_ephemeral(fake_slack, user)
        if user in stored:
            assert "Din röst om" in answer, answer
        else:
            assert "Omröstningen är stängd" in answer, answer
    assert stored_vote(bot).ballots_count == len(stored)
    reply = fake_slack.visible_text(fake_slack.thread(VOTING_CHANNEL, message["ts"]))
    assert f"{len(stored)} av 13 röstade" in reply


# ---------------------------------------------------------------- the matrix


def test_the_matrix_is_uploaded_as_a_png_with_a_text_fallback(bot, fake_slack, ref):
    voters = add_voters(fake_slack, 2)
    first = add_need(bot, ref, title="Läkemedelslista")
    second = add_need(bot, ref, title="Mobila team")
    add_need(bot, ref, title="Inte röstat", phase=2)
    message = open_vote(fake_slack, first)
    for voter in voters:
        choose(fake_slack, voter, "gor_nu", message)
    close_from_details(fake_slack, ADMIN, message)
    open_vote(fake_slack, second)
    fake_slack.slash(STAFF, "matris", channel="CGENERAL")
    answer = last_ephemeral(fake_slack, STAFF)
    assert "Gör nu" in answer and "#1 Läkemedelslista" in answer
    assert "Utan röstresultat" in answer and "#2 Mobila team (omröstning pågår)" in answer
    assert "#3 Inte röstat" in answer
    assert fake_slack.calls("files.getUploadURLExternal")
    assert fake_slack.calls("files.completeUploadExternal")
    (picture,) = fake_slack.files
    assert picture["name"].endswith(".png") and picture["content"].startswith(b"\x89PNG")
    Image.open(io.BytesIO(picture["content"])).verify()
    assert fake_slack.dm_channel(STAFF) in picture["channels"]


@pytest.mark.parametrize("words", ["matrix", "matris"])
def test_the_matrix_without_needs_in_phase_2(bot, fake_slack, words):
    fake_slack.slash(STAFF, words, channel="CGENERAL")
    assert "Inga behov är i fas 2" in last_ephemeral(fake_slack, STAFF)
    assert fake_slack.files == []


def test_two_bot_processes_share_the_coalescing(bot, fake_slack, ref, database_url, clock):
    """Clicks spread over two processes on one database: still at most one update a second."""
    from fakeslack import Result

    second = Bot(make_settings(database_url, fake_slack.api_url), clock)
    voters = add_voters(fake_slack, 30)
    message = open_vote(fake_slack, add_need(bot, ref))
    route, first_post = threading.local(), fake_slack.post_raw

    def post_to_either(body, headers):
        if getattr(route, "bot", None) is not second:
            return first_post(body, headers)
        request = urllib.request.Request(second.url + "/slack/events", body, headers)  # noqa: S310
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            data = answer.read()
            status, got = answer.status, dict(answer.headers)
        second.settle()
        parsed = json.loads(data) if "json" in got.get("content-type", "") and data else None
        return Result(status, data, got, parsed)

    fake_slack.post_raw = post_to_either
    start = threading.Barrier(len(voters))

    def vote(user, index):
        route.bot = second if index % 2 else bot
        start.wait()
        choose(fake_slack, user, "planera", message)

    try:
        threads = [threading.Thread(target=vote, args=(u, i)) for i, u in enumerate(voters)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        bot.settle()
        second.settle()
    finally:
        fake_slack.post_raw = first_post
        second.stop()
    assert "30 av 31 har röstat" in shown(fake_slack)
    times = fake_slack.updates(VOTING_CHANNEL, message["ts"])
    assert all(b - a >= 0.99 for a, b in zip(times, times[1:], strict=False)), times
    assert len(stored_ballots(bot)) == 30


def test_a_short_vote_reminds_halfway_and_honours_the_quorum_setting(
    database_url, fake_slack, clock, ref
):
    settings = make_settings(
        database_url, fake_slack.api_url, behov_vote_duration="36h", behov_vote_quorum=1
    )
    short = Bot(settings, clock)
    fake_slack.app_url = short.url + "/slack/events"
    try:
        voters = add_voters(fake_slack, 3)
        number = add_need(short, ref)
        fake_slack.slash(ADMIN, f"rösta {number}", channel="CGENERAL")
        short.settle()
        message = vote_message(fake_slack)
        choose(fake_slack, voters[0], "planera", message)
        short.settle()
        clock.advance(hours=17, minutes=59)
        run_due_work(short.services)
        assert fake_slack.dm_messages(voters[1]) == []
        clock.advance(minutes=1)
        run_due_work(short.services)
        assert len(fake_slack.dm_messages(voters[1])) == 1
        assert fake_slack.dm_messages(voters[0]) == []
        clock.advance(hours=18)
        run_due_work(short.services)
    finally:
        short.stop()
    assert "Resultat: Planera" in shown(fake_slack)  # 1 of 4 voted; the quorum setting is 1
    with short.db.session() as s:
        assert s.get(Need, number).quadrant == "planera"


# ---------------------------------------------------------------- what it changes elsewhere


def test_opening_tells_the_submitter_and_fills_the_voters_homes(bot, fake_slack, ref):
    voters = add_voters(fake_slack, 2)
    number = add_need(bot, ref)
    message = open_vote(fake_slack, number)
    told = fake_slack.visible_text(fake_slack.dm_messages(STAFF)[-1])
    assert f"#{number}" in told and "Ställningstagande och prioritering" in told
    home = fake_slack.visible_text(fake_slack.home(voters[0]))
    assert "Väntar på din röst" in home and "Gemensam läkemedelslista" in home
    choose(fake_slack, voters[0], "planera", message)
    after = fake_slack.home(voters[0])
    assert "Gemensam läkemedelslista" not in fake_slack.visible_text(after)


def test_first_ballots_at_once_publish_each_voters_tab_once_and_one_tab_at_a_time(
    bot, fake_slack, ref, monkeypatch
):
    import commands.home

    voters = add_voters(fake_slack, 8)
    message = open_vote(fake_slack, add_need(bot, ref))
    at_once, render = AtOnce(), commands.home.render

    def counted_render(*args, **kwargs):
        with at_once:
            return render(*args, **kwargs)

    monkeypatch.setattr(commands.home, "render", counted_render)
    before = len(fake_slack.calls("views.publish"))
    clicking = [
        threading.Thread(target=choose, args=(fake_slack, voter, "planera", message))
        for voter in voters
    ]
    for thread in clicking:
        thread.start()
    for thread in clicking:
        thread.join(30)
    bot.settle()
    published = [c.args["user_id"] for c in fake_slack.calls("views.publish")[before:]]
    assert sorted(published) == sorted(voters) and at_once.most == 1
    for voter in voters:
        assert "Gemensam läkemedelslista" not in fake_slack.visible_text(fake_slack.home(voter))


def test_a_closed_vote_waits_for_the_presidium_in_their_home(bot, fake_slack, ref, clock):
    voters = add_voters(fake_slack, 2)
    number = add_need(bot, ref)
    message = open_vote(fake_slack, number)
    for voter in voters:
        choose(fake_slack, voter, "gor_nu", message)
    clock.advance(days=8)
    run_due_work(bot.services)
    bot.settle()  # the tabs are published after the tick, as after an ack
    home = fake_slack.visible_text(fake_slack.home(ADMIN))
    assert f"#{number}" in home and "Gör nu" in home


def test_the_app_home_sends_the_matrix_to_the_direct_messages(bot, fake_slack, ref):
    number = add_need(bot, ref, phase=2)
    fake_slack.app_home_opened(STAFF)
    fake_slack.click(STAFF, ids.HOME_MATRIX, home=True)
    text = fake_slack.visible_text(fake_slack.dm_messages(STAFF))
    assert f"#{number}" in text
    [upload] = fake_slack.files
    assert upload["name"].endswith(".png")


def test_other_apps_and_deactivated_accounts_in_the_channel_are_not_voters(bot, fake_slack, ref):
    people = add_voters(fake_slack, 2)
    fake_slack.add_user("UWORKFLOW", "arbetsflode", is_bot=True)
    fake_slack.add_user("UGONE", "slutat", deleted=True)
    fake_slack.channel(VOTING_CHANNEL)["members"] += ["UWORKFLOW", "UGONE"]
    number = add_need(bot, ref)
    open_vote(fake_slack, number)
    assert "3 medlemmar kan rösta" in last_ephemeral(fake_slack, ADMIN)  # with the admin
    assert stored_vote(bot).eligible_count == 3
    fake_slack.emit_events = True
    fake_slack.add_user("UAPP", "ny-app", is_bot=True)
    fake_slack.join(VOTING_CHANNEL, "UAPP")  # an app added while the vote is open
    choose(fake_slack, people[0], "planera", vote_message(fake_slack))
    assert "1 av 3" in shown(fake_slack)
