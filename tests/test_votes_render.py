"""The vote's views and the matrix as pure functions: secrecy, escaping, buttons, PNG."""

import io
import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from PIL import Image

from bot.i18n import EN, SV
from commands import ids
from commands.render.matrix import Placed, matrix_png, matrix_text, picture_comment
from commands.render.votes import (
    closed_message,
    confirmation,
    read_reason,
    reason_modal,
    result_details,
    vote_message,
)
from domain.phases import Quadrant
from domain.votes import Tally, result
from storage.models import Need, Vote

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
TZ = ZoneInfo("Europe/Stockholm")
NASTY = "<!channel> & <@U123> *fet*"


def need(**kw) -> Need:
    values = dict(
        id=12,
        title=NASTY,
        description="Beskrivning " + NASTY,
        origin="gemensamt_utvecklingsarbete",
        area="fvm",
        target_groups=["aldre"],
        level="lansgemensam",
        organisation="Borås",
        submitted_by="U1",
        submitted_at=NOW,
        content_hash="x",
        phase=2,
        phase_entered_at=NOW,
        updated_at=NOW,
    )
    values.update(kw)
    return Need(**values)


def vote(**kw) -> Vote:
    values = dict(
        id=7,
        need_id=12,
        channel="CVOTE",
        message_ts="1.2",
        opened_by="UADMIN",
        opened_at=NOW,
        deadline=NOW + timedelta(days=7),
    )
    values.update(kw)
    return Vote(**values)


def texts_of(blocks) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def buttons(blocks) -> list[dict]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


def test_the_open_vote_shows_need_deadline_count_and_four_choices(ref):
    text, blocks = vote_message(need(), vote(), ref, SV, TZ, voted=3, eligible=12)
    shown = texts_of(blocks)
    assert "#12" in shown and "Beskrivning" in shown and "3 av 12 har röstat" in shown
    assert f"<!date^{int((NOW + timedelta(days=7)).timestamp())}^" in shown
    assert "Ursprung" in shown and "Framtidens vårdinformationsmiljö" in shown
    labels = [b["text"]["text"] for b in buttons(blocks)]
    for label, start in zip(labels, ["Gör nu", "Planera", "Delegera", "Avvakta"], strict=False):
        assert label.startswith(start)
    assert "viktigt + bråttom" in labels[0] and "inte viktigt + inte bråttom" in labels[3]
    by_action = {b["action_id"]: b.get("value") for b in buttons(blocks)}
    assert {by_action[ids.VOTE_CAST[q.value]] for q in Quadrant} == {"7"}
    assert by_action[ids.DETAILS] == "12"
    assert ids.VOTE_CLOSE not in by_action  # every member sees it: closing is in the details
    assert "3 av 12" in text


def test_user_text_in_the_vote_is_escaped(ref):
    text, blocks = vote_message(need(), vote(), ref, SV, TZ, voted=0, eligible=2)
    for shown in (text, texts_of(blocks)):
        assert "<!channel>" not in shown and "<@U123>" not in shown
        assert "&lt;!channel&gt; &amp; &lt;@U123&gt;" in shown


def test_the_open_vote_never_shows_a_distribution_or_a_voter(ref):
    _, blocks = vote_message(
        need(title="T", description="D"), vote(), ref, SV, TZ, voted=5, eligible=9
    )
    shown = texts_of(blocks)
    assert "%" not in shown and "<@" not in shown and "Fördelning" not in shown


def test_the_closed_vote_has_no_voting_buttons_and_shows_the_result(ref):
    outcome = result(Tally.of(["planera"] * 3 + ["gor_nu"]), eligible=6, quorum=3)
    closed = vote(closed_at=NOW + timedelta(days=7))
    text, blocks = closed_message(need(), closed, outcome, ref, SV, TZ)
    actions = {b["action_id"] for b in buttons(blocks)}
    assert actions == {ids.DETAILS}
    shown = texts_of(blocks)
    assert "Resultat: Planera" in shown and "Viktigt: 100 %" in shown and "Bråttom: 25 %" in shown
    assert "4 av 6 röstade" in shown and "Resultat: Planera" in text


def test_tie_and_missing_quorum_are_named(ref):
    tie = result(Tally.of(["gor_nu", "avvakta"]), eligible=2, quorum=1)
    _, blocks = closed_message(need(), vote(closed_at=NOW), tie, ref, SV, TZ)
    assert "oavgjort" in texts_of(blocks) and "presidiet avgör" in texts_of(blocks)
    few = result(Tally.of(["gor_nu"]), eligible=8, quorum=4)
    _, blocks = closed_message(need(), vote(closed_at=NOW, closed_by="UADMIN"), few, ref, SV, TZ)
    assert "Inte beslutsför" in texts_of(blocks) and "<@UADMIN>" in texts_of(blocks)


def test_the_thread_reply_lists_reasons_without_names(ref):
    outcome = result(Tally.of(["gor_nu", "planera", "planera"]), eligible=3, quorum=2)
    reasons = [("planera", "Kan vänta till hösten <@U999>"), ("gor_nu", "Akut i Skaraborg")]
    _, blocks = result_details(need(), outcome, reasons, SV)
    shown = texts_of(blocks)
    assert (
        "Gör nu · viktigt + bråttom: 1" in shown and "Planera · viktigt + inte bråttom: 2" in shown
    )
    assert "Akut i Skaraborg" in shown and "&lt;@U999&gt;" in shown and "<@U999>" not in shown
    assert shown.index("Akut") < shown.index("Kan vänta")  # ordered by quadrant, not by time
    assert "Beslutsför: 3 av 3" in shown


def test_many_long_reasons_stay_within_block_kit_limits(ref):
    outcome = result(Tally.of(["gor_nu"] * 60), eligible=60, quorum=30)
    reasons = [("gor_nu", "x" * 500)] * 60
    _, blocks = result_details(need(), outcome, reasons, SV)
    assert len(blocks) <= 50
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")


def test_the_confirmation_and_reason_form_in_the_voters_language():
    text, blocks = confirmation(need().id, vote(), Quadrant.PLAN, "Därför", EN, TZ)
    assert text == "Your vote on #12: *Plan · important + not urgent*."
    assert "Därför" in texts_of(blocks)
    form = reason_modal(need(), vote(), "Tidigare", SV)
    assert form["callback_id"] == ids.VOTE_REASON_VIEW
    element = form["blocks"][1]["element"]
    assert element["initial_value"] == "Tidigare" and element["max_length"] == 500
    submitted = dict(
        form,
        state={
            "values": {
                ids.VOTE_REASON_INPUT: {
                    ids.input_action(ids.VOTE_REASON_INPUT): {"value": " Ny motivering "}
                }
            }
        },
    )
    assert read_reason(submitted) == (7, "Ny motivering")


PLACED = [
    Placed(1, "Läkemedelslista", "gor_nu", 0.8, 0.9),
    Placed(2, "Mobila team", "planera", 0.75, 0.25),
    Placed(3, "Samma plats", "planera", 0.75, 0.25),
    Placed(4, "Oavgjort <b>", None, 0.5, 0.75),
    Placed(5, "Ej röstat", None, None, None, voting=True),
    Placed(6, "Inte beslutsför", None, None, None),
]


def test_the_matrix_picture_is_a_valid_png():
    data = matrix_png(PLACED, SV)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(data))
    image.verify()
    assert image.format == "PNG" and image.size[0] >= 800 and image.size[1] >= 800


def test_the_pictures_comment_says_how_many_it_places():
    assert picture_comment(PLACED, SV) == (
        "Eisenhowermatrisen: 4 av 6 behov i fas 2 har ett röstresultat och är placerade. "
        "De övriga finns i listan."
    )
    assert "1 av 2 behov i fas 2 har ett röstresultat och är placerat." in picture_comment(
        PLACED[3:5], SV
    )


def test_the_matrix_text_groups_by_quadrant_and_lists_the_rest_apart():
    _, blocks = matrix_text(PLACED, SV)
    shown = "\n".join(b["text"]["text"] for b in blocks)
    order = [shown.index(s) for s in ("*Gör nu", "*Planera", "*Oavgjort", "*Utan röstresultat")]
    assert order == sorted(order)
    assert "#1 Läkemedelslista (viktigt 80 %, bråttom 90 %)" in shown
    assert "#5 Ej röstat (omröstning pågår)" in shown and "#6 Inte beslutsför" in shown
    assert "&lt;b&gt;" in shown and "Delegera" not in shown
    assert matrix_text([], SV)[0] == "Inga behov är i fas 2 just nu."
