"""Who is told when a need moves, and what the direct message says, in each language."""

from datetime import UTC
from types import SimpleNamespace

from bot.i18n import EN, SV
from commands import ids
from commands.notify import change_message, recipients
from domain.phases import Decision
from storage import lifecycle
from storage.models import Need
from tests.lifecycle_support import ADMIN, STAFF, advance, completion_draft, new_need


def services(db, ref):
    return SimpleNamespace(db=db, ref=ref, settings=SimpleNamespace(tz=UTC))


def test_followers_submitter_and_leader_are_told_but_not_the_actor(db, ref, clock):
    svc = services(db, ref)
    need_id = new_need(db, ref, clock)
    with db.session(write=True) as s:
        lifecycle.follow(s, need_id=need_id, user_id="UFAN", now=clock())
        lifecycle.follow(s, need_id=need_id, user_id=ADMIN, now=clock())
    with db.session(write=True) as s:
        applied = lifecycle.take_up(s, need_id=need_id, actor=ADMIN, is_admin=True, now=clock())
    assert recipients(svc, applied.need, applied.notable[0]) == ["UFAN", STAFF]
    advance(db, clock, need_id, 3)  # through the decision and the mission document (ULEADER)
    with db.session(write=True) as s:
        lifecycle.unfollow(s, need_id=need_id, user_id=STAFF, now=clock())
        applied = lifecycle.complete(
            s, need_id=need_id, actor=ADMIN, is_admin=True, now=clock(), draft=completion_draft()
        )
    assert recipients(svc, applied.need, applied.notable[0]) == ["UFAN", "ULEADER"]


def test_a_merge_tells_the_followers_of_both_needs(db, ref, clock):
    svc = services(db, ref)
    original = new_need(db, ref, clock, title="Mobila team", user="UORIG")
    duplicate = new_need(db, ref, clock, title="Mobila vårdteam")
    with db.session(write=True) as s:
        lifecycle.follow(s, need_id=duplicate, user_id="UFAN", now=clock())
    with db.session(write=True) as s:
        applied = lifecycle.mark_duplicate(s, need_id=duplicate, original_id=original,
                                           actor=ADMIN, is_admin=True, now=clock())  # fmt: skip
    assert recipients(svc, applied.need, applied.notable[0]) == ["UFAN", "UORIG", STAFF]
    with db.session() as s:
        need = s.get(Need, duplicate)
    _, blocks = change_message(need, applied.notable[0], svc, SV)
    assert f"bevakar nu #{original}, som det har slagits ihop med" in str(blocks)
    assert [e["value"] for e in blocks[-1]["elements"]] == [str(original)] * 2  # the original's


def test_the_message_names_the_change_with_buttons_to_details_and_unfollow(db, ref, clock):
    svc = services(db, ref)
    need_id = new_need(db, ref, clock, title="<!here> Bättre SIP")
    advance(db, clock, need_id, 2, mission=False)
    with db.session(write=True) as s:
        applied = lifecycle.decide(
            s,
            need_id=need_id,
            actor=ADMIN,
            is_admin=True,
            now=clock(),
            decision=Decision.NOT_PRIORITISE,
            reason="Ryms inte",
        )
    with db.session() as s:
        need = s.get(Need, need_id)
    text, blocks = change_message(need, applied.notable[0], svc, SV)
    shown = str(blocks)
    assert text == "Nytt om behov #1 &lt;!here&gt; Bättre SIP"
    assert "Nytt om ett behov du bevakar" in shown and "beslutade: Ej prioriterat" in shown
    assert "> Ryms inte" in shown and "<!here>" not in shown
    assert [(e["action_id"], e["value"]) for e in blocks[-1]["elements"]] == [
        (ids.DETAILS, "1"),
        (ids.UNFOLLOW, "1"),
    ]
    _, english = change_message(need, applied.notable[0], svc, EN)
    assert "News about a need you follow" in str(english) and "decided: Not prioritised" in str(
        english
    )
