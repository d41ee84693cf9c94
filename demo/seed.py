"""`behov demo --seed`: about thirty needs across the four phases, with votes and missions.

Needs registered today go through Slack exactly as a person registers them (`/behov ny`, the
form, submit), and so do the open votes (`/behov rösta`, members clicking). The older ones
carry months of history that the bot cannot produce with its real clock, so they are written
back-dated with the bot's own storage functions (storage/lifecycle.py for taking up,
assessing, deciding, mission documents, execution, completion and withdrawal;
storage/votes.py for votes), each step recorded in the need's history as the bot records it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import yaml

from bot.digest import coming_digest, send_due_digest
from commands import ids
from demo import people
from domain.mission import AssessmentDraft, CompletionDraft, MissionDraft
from domain.needs import Draft
from domain.phases import Decision, Quadrant
from storage import lifecycle
from storage.casting import cast_in
from storage.driver import Driver
from storage.models import Need
from storage.needs import create_need
from storage.votes import close_vote, publish_vote, start_vote

DATA = Path(__file__).with_name("data") / "needs.yml"
WHO = {
    "sara": people.STAFF,
    "eva": people.ADMIN,
    "karin": people.VOTERS[0],
    "jonas": people.VOTERS[1],
    "maria": people.VOTERS[2],
    "leila": people.VOTERS[3],
}
VOTERS = [people.ADMIN, *people.VOTERS]
# A plausible spread of ballots that yields each quadrant: (important?, urgent?) per voter.
OTHER_QUADRANT = {
    "gor_nu": "planera",
    "planera": "gor_nu",
    "delegera": "avvakta",
    "avvakta": "planera",
}


@dataclass
class Timeline:
    """When each step happened, as fractions of the need's age (registration -> today)."""

    registered: datetime
    now: datetime

    def at(self, share: float) -> datetime:
        return self.registered + (self.now - self.registered) * share


def load_needs() -> list[dict]:
    return yaml.safe_load(DATA.read_text(encoding="utf-8"))


def seed(fake, services, settle: Callable[[], None]) -> None:
    """Fill the demo: history first (storage), then today's registrations (Slack), then homes."""
    now, needs = services.clock(), load_needs()
    for item in needs:
        if not item.get("slack"):
            with services.db.session(write=True) as session:
                _with_history(session, services.ref, item, now)
    for item in needs:
        if item.get("slack"):
            register_in_slack(fake, item, settle)
    for item in needs:
        if item.get("open_vote") is not None:
            vote_in_slack(fake, item["number"], item["open_vote"], settle)
    post_coming_digest(services, now)
    settle()
    fake.slash(people.ADMIN, "matris", channel=people.VOTING_CHANNEL)  # the picture in her DMs
    settle()
    for person in people.PEOPLE:
        fake.app_home_opened(person.id)
        settle()


def post_coming_digest(services, now: datetime) -> None:
    """The scheduler's own digest job, run as at the next digest time, so the digest channel
    has something to show at once (that occurrence is then done and not posted twice)."""
    due = coming_digest(services.settings, now)
    if due is not None:
        send_due_digest(services, due)


def draft_of(item: dict) -> Draft:
    return Draft(
        title=item["title"],
        description=item["description"],
        origin=item["origin"],
        area=item.get("area"),
        target_groups=list(item.get("targets") or []),
        level=item.get("level"),
        organisation=item.get("org"),
    )


def register_in_slack(fake, item: dict, settle: Callable[[], None]) -> None:
    """`/behov ny <title>` and the form, as the person would fill it in."""
    user = WHO[item["by"]]
    fake.slash(user, f"ny {item['title']}", channel=people.GENERAL_CHANNEL)
    settle()
    values = {
        ids.TITLE: item["title"],
        ids.DESCRIPTION: item["description"],
        ids.ORIGIN: item["origin"],
        ids.AREA: item.get("area"),
        ids.TARGET_GROUPS: list(item.get("targets") or []),
        ids.LEVEL: item.get("level"),
        ids.ORGANISATION: {
            "text": {"type": "plain_text", "text": item["org"]},
            "value": item["org"],
        },
    }
    for _ in range(2):  # a second time if the bot first showed similar needs
        view = fake.top_view(user)
        if view is None or view.get("callback_id") != ids.REGISTER_VIEW:
            break
        shown = {b["block_id"] for b in view["blocks"] if b.get("type") == "input"}
        fake.submit(user, {k: v for k, v in values.items() if k in shown})
        settle()
    while fake.top_view(user) is not None:
        fake.close(user)


def _with_history(session, ref, item: dict, now: datetime) -> None:
    """One need's past, step by step through the bot's own phase functions, back-dated."""
    user = WHO[item["by"]]
    time = Timeline(now - timedelta(days=item["days"], hours=3), now)
    need, _ = create_need(session, draft=draft_of(item), ref=ref, user_id=user, now=time.registered)
    session.flush()
    item["number"] = need.id
    chair = {"actor": people.ADMIN, "is_admin": True}
    phase = item["phase"]
    if phase == "closed" and item["outcome"] == "aterkallat":
        comment = "Hanteras inom FVM-programmet."
        lifecycle.withdraw(session, need_id=need.id, now=time.at(0.5), comment=comment, **chair)
        return
    if item.get("quadrant"):
        _closed_vote(session, need, item["quadrant"], time.at(0.08), time.at(0.15))
    elif phase != 1:
        comment = "Tas upp i VVG."
        lifecycle.take_up(session, need_id=need.id, now=time.at(0.08), comment=comment, **chair)
    if phase == "closed":
        reason = "Frågan hör hemma i respektive huvudmans lönebildning."
        decision = Decision.NOT_PRIORITISE
        lifecycle.decide(
            session, need_id=need.id, now=time.at(0.2), decision=decision, reason=reason, **chair
        )
        return
    if phase in (1, 2):
        return
    answers = AssessmentDraft(True, True, True, "Relevant och görbart; stärker samverkan.")
    lifecycle.assess(session, need_id=need.id, now=time.at(0.18), draft=answers, **chair)
    lifecycle.decide(
        session, need_id=need.id, now=time.at(0.2), decision=Decision.PRIORITISE, **chair
    )
    mission = mission_of(item, time)
    lifecycle.save_mission(session, need_id=need.id, now=time.at(0.25), draft=mission, **chair)
    comment = "Uppdragshandlingen är beslutad."
    lifecycle.start_execution(session, need_id=need.id, now=time.at(0.3), comment=comment, **chair)
    if phase == 4:
        done = time.at(0.92)
        report = CompletionDraft(
            final_report_date=done.date(),
            final_report_url="https://www.vardsamverkan.se/",
            vvg_position="VVG godkänner slutrapporten och rekommenderar att arbetssättet införs.",
            product_url="https://www.vardsamverkan.se/",
        )
        lifecycle.complete(session, need_id=need.id, now=done, draft=report, **chair)


def _closed_vote(session, need: Need, quadrant: str, opened: datetime, closed: datetime) -> None:
    """A past vote through the bot's own vote storage: opened, four ballots, closed."""
    vote = start_vote(
        session,
        need=need,
        channel=people.VOTING_CHANNEL,
        opened_by=people.ADMIN,
        now=opened,
        duration=closed - opened,
        eligible=len(VOTERS),
        abandoned_before=opened,
    )
    ts = f"{opened.timestamp():.6f}"  # as if posted then (the demo's channel starts empty)
    publish_vote(session, vote=vote, ts=ts, now=opened)
    picks = [quadrant, quadrant, quadrant, OTHER_QUADRANT[quadrant]]
    driver = Driver.of(session.connection())  # in the session's transaction
    for voter, pick in zip(VOTERS, picks, strict=False):
        cast_in(
            driver,
            vote_id=vote.id,
            user_id=voter,
            quadrant=Quadrant(pick),
            now=opened,
            message_ts=ts,
        )
    close_vote(
        session,
        vote_id=vote.id,
        now=closed,
        closed_by=None,
        eligible=len(VOTERS),
        quorum_setting=None,
    )


def vote_in_slack(fake, need_id: int, ballots: list[str], settle: Callable[[], None]) -> None:
    """The chair opens a vote with `/behov rösta`; the first members click their quadrant."""
    fake.slash(people.ADMIN, f"rösta {need_id}", channel=people.VOTING_CHANNEL)
    settle()
    message = fake.messages(people.VOTING_CHANNEL)[-1]
    for voter, quadrant in zip(people.VOTERS, ballots, strict=False):
        fake.click(voter, ids.VOTE_CAST[quadrant], channel=people.VOTING_CHANNEL, ts=message["ts"])
        settle()


def mission_of(item: dict, time: Timeline) -> MissionDraft:
    """A mission document in the shape of seed 002, with a timetable of three reports."""
    leader = WHO[item["by"]]
    today = time.now.date()
    spread = timedelta(days=item["days"] % 45)  # not every report on the same day
    if item["phase"] == 4:  # all reports before the final one
        reports = [time.at(0.55).date(), time.at(0.75).date(), time.at(0.9).date()]
    else:
        reports = [time.at(0.55).date(), today + timedelta(days=5) + spread]
        reports.append(today + timedelta(days=120) + spread)
    timetable = "\n".join(
        [
            f"{reports[0].isoformat()} delrapport Delrapport till VVG",
            f"{reports[1].isoformat()} sro Delrapport till VVG och SRO",
            f"{reports[2].isoformat()} slutrapport Slutrapport till VVG",
        ]
    )
    return MissionDraft(
        description=item["description"],
        purpose_goals=item.get("goal") or "Ett gemensamt arbetssätt i hela länet.",
        delimitations="Omfattar inte frågor om finansiering mellan huvudmännen.",
        group_composition="Processledare, två representanter per delregion och en från VGR.",
        time_needed="Cirka tolv månader.",
        process_leader=leader,
        working_group=[p for p in people.VOTERS if p != leader][:2],
        resourcing="Inom ordinarie budget; processledaren på 20 procent.",
        state_grant=item.get("level") == "lansgemensam",
        inform_sro=item.get("level") == "lansgemensam",
        timetable=timetable,
    )
