"""The App Home without Slack: who sees what, awaiting-my-vote, limits, and a fixed query count."""

from datetime import UTC, timedelta

import pytest
from sqlalchemy import event

from bot.i18n import EN, SV
from commands import ids
from commands.render.home import (
    ALL_SIZE,
    MAX_BLOCKS,
    SECTION_SIZE,
    decode_pages,
    encode_pages,
    home_view,
)
from fakeslack import check_view
from storage import listing
from storage.listing import CLOSED, HomePages
from tests.lists_support import NOW, add_needs, cast, lead, members, open_vote
from tests.test_render import HOSTILE, all_text

ME, OTHER, VOTES = "UME", "UOTHER", "CVOTE01"


def home_of(db, user_id=ME, *, admin=False, pages=HomePages(), now=NOW, channel=None):
    with db.session() as s:
        return listing.home(
            s,
            user_id=user_id,
            admin=admin,
            now=now,
            pages=pages,
            size=SECTION_SIZE,
            all_size=ALL_SIZE,
            voting_channel=channel,
        )


def view_of(db, user_id=ME, *, admin=False, pages=HomePages(), tx=SV, now=NOW, channel=None):
    home = home_of(db, user_id, admin=admin, pages=pages, now=now, channel=channel)
    return home_view(home, tx, UTC, pages=pages)


def rows_under(view, title: str) -> list[str]:
    """The need numbers listed under a heading that starts with `title`."""
    blocks = view["blocks"]
    start = next(
        i
        for i, b in enumerate(blocks)
        if b["type"] == "section" and b["text"]["text"].startswith("*" + title)
    )
    numbers = []
    for block in blocks[start + 1 :]:
        if block.get("accessory", {}).get("action_id") != ids.DETAILS:
            break
        numbers.append(block["accessory"]["value"])
    return numbers


# ---------------------------------------------------------------- awaiting my vote


def test_awaiting_my_vote_open_votes_in_my_channel_without_my_ballot(db):
    mine, voted, closed, late, elsewhere, withdrawn = add_needs(db, 6, phase=2)
    members(db, VOTES, ME, OTHER)
    members(db, "COTHER", OTHER)
    open_vote(db, mine, channel=VOTES, deadline=NOW + timedelta(days=2))
    cast(db, open_vote(db, voted, channel=VOTES), ME)
    open_vote(db, closed, channel=VOTES, closed=True)
    open_vote(db, late, channel=VOTES, deadline=NOW - timedelta(minutes=1))
    open_vote(db, elsewhere, channel="COTHER")  # I am not a member there
    open_vote(db, withdrawn, channel=VOTES)
    with db.session(write=True) as s:
        need = s.get(listing.Need, withdrawn)
        need.outcome = "aterkallat"
        s.add(need)
    assert [r.need.id for r in home_of(db).vote.rows] == [mine]
    # someone else who has not voted on `voted` sees it too, and the other channel's vote
    assert {r.need.id for r in home_of(db, OTHER).vote.rows} == {mine, voted, elsewhere}
    assert home_of(db, "UNOBODY").vote.total == 0


def test_awaiting_vote_rows_say_where_and_by_when(db):
    (need_id,) = add_needs(db, 1, phase=2, title="Rösta på mig")
    members(db, VOTES, ME)
    open_vote(db, need_id, channel=VOTES, deadline=NOW + timedelta(days=3))
    view = view_of(db)
    assert rows_under(view, "Väntar på din röst") == [str(need_id)]
    text = all_text(view["blocks"])
    assert f"Rösta i <#{VOTES}> senast <!date^" in text and "2026-11-26" in text


# ---------------------------------------------------------------- who sees what


def scenario(db):
    """My two needs, one I lead, one awaiting my vote, and needs in every phase."""
    mine = add_needs(db, 2, phase=1, submitted_by=ME, title="Mitt behov {i}")
    others = add_needs(db, 3, phase=1, submitted_by=OTHER, title="Nytt {i}")
    undecided = add_needs(db, 3, phase=2, submitted_by=OTHER, title="Att besluta {i}")
    add_needs(db, 1, phase=2, submitted_by=OTHER, title="Beslutat", decision="prioriterat")
    led = add_needs(db, 1, phase=3, submitted_by=OTHER, title="Leds av mig")
    add_needs(db, 1, phase=4, submitted_by=OTHER, title="Klart")
    add_needs(db, 1, phase=1, submitted_by=OTHER, title="Återkallat", outcome="aterkallat")
    lead(db, led[0], ME)
    members(db, VOTES, ME)
    open_vote(db, undecided[0], channel=VOTES, deadline=NOW + timedelta(days=1))
    open_vote(db, undecided[1], channel=VOTES, closed=True, quadrant="planera")
    return dict(mine=mine, others=others, undecided=undecided, led=led)


def test_a_non_admin_sees_own_needs_votes_missions_and_all_phases(db):
    ids_ = scenario(db)
    view = view_of(db, admin=False)
    text = all_text(view["blocks"])
    assert "Väntar på dig som administratör" not in text and "Beslut att fatta" not in text
    assert rows_under(view, "Mina behov") == [str(i) for i in reversed(ids_["mine"])]
    assert rows_under(view, "Väntar på din röst") == [str(ids_["undecided"][0])]
    assert rows_under(view, "Behov jag leder") == [str(ids_["led"][0])]
    # the tabs count open needs per phase and the closed ones; phase 1 is shown first
    tabs = next(b for b in view["blocks"] if b["type"] == "actions" and len(b["elements"]) == 5)
    labels = [e["text"]["text"] for e in tabs["elements"]]
    assert labels == ["Fas 1 · 5", "Fas 2 · 4", "Fas 3 · 1", "Fas 4 · 1", "Avslutade · 1"]
    assert tabs["elements"][0].get("style") == "primary"
    assert len(rows_under(view, "Fas 1 av 4: Identifierat behov")) == 5
    register, matrix = view["blocks"][2]["elements"]
    assert register["action_id"] == ids.HOME_REGISTER and register["text"]["text"] == (
        "Registrera behov"
    )
    assert matrix["action_id"] == ids.HOME_MATRIX and matrix["text"]["text"] == "Visa matrisen"


def test_an_admin_also_sees_needs_to_take_up_and_decisions_to_make(db):
    ids_ = scenario(db)
    view = view_of(db, admin=True)
    assert rows_under(view, "Nya behov att ta upp") == [
        str(i) for i in ids_["mine"] + ids_["others"]
    ]  # oldest first: they have waited longest
    assert rows_under(view, "Beslut att fatta") == [str(i) for i in ids_["undecided"]]
    text = all_text(view["blocks"])
    assert "Omröstning pågår till <!date^" in text
    assert "Omröstningen är stängd: Planera" in text and "Ingen omröstning ännu" in text


def test_empty_home_says_so_for_each_list(db):
    text = all_text(view_of(db, admin=True)["blocks"])
    for sentence in (
        "Du har inte registrerat några behov ännu.",
        "Inga omröstningar väntar på dig.",
        "Du är inte processledare",
        "Inga nya behov väntar.",
        "Inga behov väntar på beslut.",
        "Inga behov här just nu.",
    ):
        assert sentence in text


def test_only_members_of_the_voting_channel_see_the_votes_awaiting_them(db):
    scenario(db)  # ME is a member of VOTES, OTHER is not
    assert "Väntar på din röst" in all_text(view_of(db, ME, channel=VOTES)["blocks"])
    assert "Väntar på din röst" not in all_text(view_of(db, OTHER, channel=VOTES)["blocks"])


def test_the_home_in_english(db):
    scenario(db)
    text = all_text(view_of(db, admin=True, tx=EN)["blocks"])
    assert "My needs" in text and "Awaiting your vote" in text and "Phase 1 · 5" in text
    assert "Waiting for you as administrator" in text


def test_hostile_titles_ping_nobody_at_home(db):
    add_needs(db, 1, submitted_by=ME, title=HOSTILE)
    view = view_of(db, admin=True)
    assert check_view(view) == []
    text = all_text(view["blocks"])
    assert "<!channel>" not in text and "<@U123>" not in text and "&lt;!channel&gt;" in text


# ---------------------------------------------------------------- limits and pages


def test_every_list_full_stays_within_100_blocks_and_every_need_is_reachable(db):
    mine = add_needs(db, 40, phase=1, submitted_by=ME, title="Mitt {i}")
    phase2 = add_needs(db, 40, phase=2, title="Fas två {i}")
    members(db, VOTES, ME)
    for need_id in phase2[:12]:
        open_vote(db, need_id, channel=VOTES)
    for need_id in add_needs(db, 12, phase=3, title="Leder {i}"):
        lead(db, need_id, ME)
    view = view_of(db, admin=True)
    assert len(view["blocks"]) == MAX_BLOCKS <= 100
    assert check_view(view) == []  # what views.publish would refuse
    # walk phase 1 of "all needs" through the buttons: each need once
    pages, seen = HomePages(), []
    while True:
        view = view_of(db, admin=True, pages=pages)
        assert len(view["blocks"]) <= MAX_BLOCKS and check_view(view) == []
        seen += rows_under(view, "Fas 1 av 4")
        nxt = [
            e
            for b in view["blocks"]
            if b["type"] == "actions"
            for e in b["elements"]
            if e["action_id"] == "home_nav:all:next"
        ]
        if not nxt:
            break
        pages = decode_pages(nxt[0]["value"])
    assert sorted(seen, key=int) == [str(i) for i in mine]
    assert len(seen) == len(set(seen)) == 40


def test_buttons_keep_the_other_lists_where_they_were(db):
    add_needs(db, 20, submitted_by=ME)
    pages = HomePages(bucket=2, all=0, mine=2)
    view = view_of(db, pages=pages)
    buttons = {
        e["action_id"]: decode_pages(e["value"])
        for b in view["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if "value" in e
    }
    assert buttons["home_nav:mine:prev"] == HomePages(bucket=2, mine=1)
    assert buttons["home_nav:mine:next"] == HomePages(bucket=2, mine=3)
    assert buttons["home_nav:tab1"] == HomePages(bucket=1, mine=2)
    assert buttons[f"home_nav:tab{CLOSED}"] == HomePages(bucket=CLOSED, mine=2)
    assert "Mina behov* · 20 behov · sida 3 av 4" in all_text(view["blocks"])


@pytest.mark.parametrize(
    ("value", "pages"),
    [
        (None, HomePages()),
        ("", HomePages()),
        ("[1]", HomePages()),
        ('{"b": 9, "a": 2}', HomePages(all=2)),
        ('{"m": -3}', HomePages()),
        ('{"m": "x"}', HomePages()),
        ('{"b": 0}', HomePages(bucket=CLOSED)),
    ],
)
def test_crafted_home_states_fall_back_to_something_sensible(value, pages):
    assert decode_pages(value) == pages


def test_state_round_trips_and_stays_small():
    pages = HomePages(bucket=3, all=7, mine=1, vote=2, lead=3, new=4, decide=5)
    assert decode_pages(encode_pages(pages)) == pages
    assert len(encode_pages(pages)) < 100 and encode_pages(HomePages()) == "{}"


def test_the_number_of_queries_does_not_grow_with_the_needs(db):
    def queries_for_home() -> int:
        statements = []

        def count(*_args):
            statements.append(1)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            view_of(db, admin=True)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    scenario(db)
    few = queries_for_home()
    add_needs(db, 300, phase=1, submitted_by=ME, title="Fler {i}")
    add_needs(db, 300, phase=2, title="Ännu fler {i}")
    assert queries_for_home() == few <= 15
