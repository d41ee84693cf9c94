"""Views are pure functions: what they show, and that user text can never ping anyone."""

import json
from datetime import UTC, datetime

from bot.i18n import EN, SV
from commands import ids
from commands.render.help import help_blocks
from commands.render.kit import escape, modal, section, shorten
from commands.render.needs import phase_line, status_blocks
from commands.render.registration import done_view, read_form, registration_modal
from domain.needs import Draft
from storage.models import Need

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
HOSTILE = "<!channel> & <@U123> <https://evil.example|klicka>"


def need(**changes) -> Need:
    values = dict(
        id=12,
        title="Bättre SIP",
        description="d",
        origin="politiskt_uppdrag",
        submitted_by="U1",
        submitted_at=NOW,
        content_hash="x",
        phase=1,
        phase_entered_at=NOW,
        updated_at=NOW,
        target_groups=[],
    )
    values.update(changes)
    return Need(**values)


def all_text(blocks) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def test_escape_neutralises_mentions_and_links():
    assert escape(HOSTILE) == (
        "&lt;!channel&gt; &amp; &lt;@U123&gt; &lt;https://evil.example|klicka&gt;"
    )


def test_shorten_keeps_within_limits():
    assert shorten("å" * 200, 150) == "å" * 149 + "…"
    assert shorten("kort", 150) == "kort"


def test_status_of_a_hostile_title_is_escaped(ref):
    text = all_text(status_blocks(need(title=HOSTILE), ref, SV, UTC))
    assert "<!channel>" not in text and "<@U123>" not in text
    assert "&lt;!channel&gt;" in text


def test_phase_line_marks_the_current_phase():
    line = phase_line(need(phase=2), SV)
    assert line.index(":white_check_mark: Identifierat behov") < line.index(
        ":large_blue_circle: *Ställningstagande och prioritering*"
    )
    assert line.count(":white_circle:") == 2


def test_phase_line_of_a_closed_need_says_how_it_ended():
    line = phase_line(need(phase=1, outcome="aterkallat"), SV)
    assert "Återkallat" in line and ":large_blue_circle:" not in line
    assert line.startswith(":no_entry: *Identifierat behov*")  # where it stopped


def test_completed_need_has_all_steps_ticked():
    assert phase_line(need(phase=4), EN).count(":white_check_mark:") == 4


def test_status_shows_origin_and_dates(ref):
    text = all_text(status_blocks(need(), ref, SV, UTC))
    assert "Fas 1 av 4: Identifierat behov" in text
    assert "Politiskt uppdrag" in text and "<!date^" in text and "2026-11-23" in text


def test_registration_modal_prefills_and_labels_in_swedish(ref):
    view = registration_modal(Draft(title="Min titel"), ref, SV)
    labels = {b["block_id"]: b["label"]["text"] for b in view["blocks"] if b["type"] == "input"}
    assert labels[ids.TITLE] == "Titel" and labels[ids.DESCRIPTION] == "Beskrivning"
    title = next(b for b in view["blocks"] if b.get("block_id") == ids.TITLE)
    assert title["element"]["initial_value"] == "Min titel"
    assert title["element"]["max_length"] == 150
    assert view["title"]["text"] == "Registrera behov" and len(view["title"]["text"]) <= 24


def test_area_select_groups_areas_by_perspective(ref):
    view = registration_modal(Draft(), ref, SV)
    area = next(b for b in view["blocks"] if b.get("block_id") == ids.AREA)
    groups = area["element"]["option_groups"]
    assert [g["label"]["text"] for g in groups] == [p.sv for p in ref.data.perspectives]
    assert sum(len(g["options"]) for g in groups) == 14


def test_registration_modal_in_english(ref):
    view = registration_modal(Draft(), ref, EN)
    assert view["title"]["text"] == "Register a need"


def test_similar_needs_are_listed_with_number_phase_and_a_button(ref):
    view = registration_modal(Draft(title="x"), ref, SV, similar=[need(id=3, phase=2)])
    text = all_text(view["blocks"])
    assert "#3" in text and "Fas 2 av 4" in text and ids.OPEN_NEED in text
    assert view["submit"]["text"] == "Registrera ändå"
    assert json.loads(view["private_metadata"])["seen"] == [3]


def test_read_form_round_trips_what_slack_sends():
    state = {
        "values": {
            ids.TITLE: {
                ids.input_action(ids.TITLE): {"type": "plain_text_input", "value": "  T  "}
            },
            ids.DESCRIPTION: {
                ids.input_action(ids.DESCRIPTION): {"type": "plain_text_input", "value": "D"}
            },
            ids.ORIGIN: {
                ids.input_action(ids.ORIGIN): {
                    "type": "radio_buttons",
                    "selected_option": {"value": "lag_foreskrift"},
                }
            },
            ids.AREA: {
                ids.input_action(ids.AREA): {"type": "static_select", "selected_option": None}
            },
            ids.TARGET_GROUPS: {
                ids.input_action(ids.TARGET_GROUPS): {
                    "type": "multi_static_select",
                    "selected_options": [{"value": "aldre"}],
                }
            },
            ids.ORGANISATION: {
                ids.ORGANISATION_SEARCH: {
                    "type": "external_select",
                    "selected_option": {"value": "Borås"},
                }
            },
        }
    }
    draft, _ = read_form({"state": state, "private_metadata": '{"ch":"C1","ts":"1.2"}'})
    assert draft == Draft(
        title="T",
        description="D",
        origin="lag_foreskrift",
        area=None,
        target_groups=["aldre"],
        level=None,
        organisation="Borås",
        source_channel="C1",
        source_ts="1.2",
    )


def test_done_view_tells_number_phase_and_next_step():
    text = all_text(done_view(need(), SV, created=True)["blocks"])
    assert "#12" in text and "Fas 1 av 4: Identifierat behov" in text
    assert "Vad händer nu?" in text


def test_help_lists_each_available_subcommand():
    _, blocks = help_blocks(SV, ["new", "status", "help"], unknown="<!here>")
    text = all_text(blocks)
    assert "/behov ny" in text and "/behov status" in text and "&lt;!here&gt;" in text


def test_modal_builder_shortens_titles_to_24():
    view = modal("cb", "En mycket lång rubrik som inte får plats", [section("x")])
    assert len(view["title"]["text"]) <= 24
