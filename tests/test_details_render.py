"""The details view and the phase forms as pure views: what each person sees, the limits of
Block Kit with a long history, escaping, and the forms read back into drafts."""

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from slack_sdk.models.views import View

from bot.i18n import EN, SV
from commands import ids
from commands.render import lifecycle_forms as forms
from commands.render.details import HISTORY_PAGE, details_modal, history_line
from commands.render.kit import escape
from domain.lifecycle import Action, allowed_actions
from domain.mission import MILESTONE_TITLE_MAX, MILESTONES_MAX, TEXT_MAX, MilestoneKind
from storage import lifecycle
from storage.details import load_details
from storage.models import Completion, Milestone, Mission, Need, NeedEvent, Vote
from storage.needs import record_event
from tests.lifecycle_support import (
    ADMIN,
    STAFF,
    advance,
    completion_draft,
    mission_draft,
    new_need,
)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
HOSTILE = "<!channel> & <@U123>"


def text_of(view) -> str:
    return json.dumps(view, ensure_ascii=False)


def action_ids(view) -> list[str]:
    return [e["action_id"] for b in view["blocks"] if b["type"] == "actions"
            for e in b["elements"] if b.get("block_id") == ids.DETAILS_BUTTONS]  # fmt: skip


def sections(view) -> list[str]:
    return [b["text"]["text"] for b in view["blocks"] if b["type"] == "section"]


def render(db, need_id, user, *, offset=0, tx=SV):
    with db.session() as s:
        d = load_details(s, need_id=need_id, user_id=user, offset=offset)
    view = details_modal(d, allowed_actions(d.situation, user, user == ADMIN), _ref(), tx, UTC,
                         offset=offset)  # fmt: skip
    View(**view).validate_json()  # slack_sdk's own checks of Block Kit limits
    return view


def _ref():
    from domain.reference import load_reference

    return load_reference()


def test_a_new_need_shows_admin_and_submitter_their_own_buttons(db, ref, clock):
    need_id = new_need(db, ref, clock)
    admin = render(db, need_id, ADMIN)
    assert action_ids(admin) == [ids.TAKE_UP, ids.OPEN_VOTE, ids.EDIT, ids.DUPLICATE,
                                 ids.WITHDRAW, ids.FOLLOW, ids.HIDE_PUBLIC]  # fmt: skip
    assert action_ids(render(db, need_id, STAFF)) == [ids.EDIT, ids.WITHDRAW, ids.UNFOLLOW]
    assert action_ids(render(db, need_id, "UOTHER")) == [ids.FOLLOW]
    text = text_of(admin)
    assert "Fas 1 av 4: Identifierat behov" in text and "Behov #1" in text
    assert "Öppna omröstning" in text and "Dölj på den offentliga sidan" in text


def test_a_need_in_execution_shows_mission_timetable_and_decision(db, ref, clock):
    need_id = new_need(db, ref, clock)
    advance(db, clock, need_id, 3)
    with db.session(write=True) as s:
        s.add(Vote(need_id=need_id, channel="C", opened_by=ADMIN, opened_at=NOW, deadline=NOW,
                   closed_at=NOW + timedelta(days=7), eligible_count=10, ballots_count=8,
                   quadrant="gor_nu", importance_share=0.75, urgency_share=0.625,
                   quorum_met=True))  # fmt: skip
    view = render(db, need_id, ADMIN)
    text = text_of(view)
    assert action_ids(view) == [ids.MISSION, ids.REPORT, ids.COMPLETE, ids.EDIT, ids.DUPLICATE,
                                ids.WITHDRAW, ids.FOLLOW, ids.HIDE_PUBLIC]  # fmt: skip
    assert "Ändra uppdragshandling" in text
    for part in (
        "Uppdragshandling",
        "Syfte och mål",
        "Tryggare övergångar",
        "<@ULEADER>",
        "<@UWG1>",
        "Eva Extern",
        "Statsbidrag används: Ja",
        "SRO ska informeras: Nej",
        "`2027-01-15` Delrapport till VVG – Lägesrapport till VVG",
        "`2027-06-01` Slutrapport",
        "*Beslut om prioritering:* Prioriterat",
        "8 av 10 röstade",
        "Resultat: *Gör nu*",
        "Viktigt: 75 % · Bråttom: 62 %",
    ):
        assert part in text, part  # fmt: skip
    english = text_of(render(db, need_id, ADMIN, tx=EN))
    assert "Interim report to VVG" in english and "Result: *Do now*" in english


def test_stored_links_are_shown_as_links_only_when_they_are_real_addresses(db, ref, clock):
    """Links stored before the form checked them (or written by hand) cannot ping a channel
    or hide another address behind a label."""
    need_id = new_need(db, ref, clock)
    advance(db, clock, need_id, 4)
    view = render(db, need_id, ADMIN)
    assert "Slutrapport 2027-06-01: <https://example.org/slutrapport.pdf>" in text_of(view)
    assert "Slutprodukt: <https://example.org/rutin>" in text_of(view)
    with db.session(write=True) as s:
        done = s.get(Completion, need_id)
        done.final_report_url = "https://x.se/><https://evil.example/|https://vardsamverkan.se/>"
        done.product_url = "https://x.se/><!channel>"
        s.get(Need, need_id).source_permalink = "javascript:alert(1)"
    text = text_of(render(db, need_id, ADMIN))
    assert "<!channel>" not in text and "<https://evil.example/" not in text
    assert "Slutprodukt: https://x.se/&gt;&lt;!channel&gt;" in text
    assert "<javascript:" not in text


def test_the_fields_are_labelled_for_the_reader_not_the_form(db, ref, clock):
    need_id = new_need(db, ref, clock)  # organisation Borås
    text = text_of(render(db, need_id, "UOTHER"))
    assert "*Organisation:* Borås" in text and "Din organisation" not in text
    english = text_of(render(db, need_id, "UOTHER", tx=EN))
    assert "*Organisation:* Borås" in english and "Your organisation" not in english


def test_a_milestone_titled_as_its_kind_is_named_once(db, ref, clock):
    need_id = new_need(db, ref, clock)
    timetable = "2027-01-15 delrapport Delrapport till VVG\n2027-03-01 sro Rapport till SRO i mars"
    advance(db, clock, need_id, 3)
    with db.session(write=True) as s:
        lifecycle.save_mission(s, need_id=need_id, draft=mission_draft(timetable=timetable),
                               actor=ADMIN, is_admin=True, now=clock())  # fmt: skip

    def rows(tx):
        lines = "\n".join(sections(render(db, need_id, ADMIN, tx=tx))).split("\n")
        return lines[lines.index(f"*{tx('details.timetable')}*") :]

    assert rows(SV)[1:] == [
        "`2027-01-15` Delrapport till VVG",
        "`2027-03-01` Rapport till SRO – Rapport till SRO i mars",
    ]
    assert rows(EN)[1] == "`2027-01-15` Interim report to VVG"


def test_an_open_vote_is_shown_as_in_progress(db, ref, clock):
    need_id = new_need(db, ref, clock)
    advance(db, clock, need_id, 2, mission=False)
    with db.session(write=True) as s:
        s.add(Vote(need_id=need_id, channel="C", opened_by=ADMIN, opened_at=NOW,
                   deadline=NOW + timedelta(days=7), message_ts="1795424400.000100",
                   eligible_count=5, ballots_count=3))  # fmt: skip
    view = render(db, need_id, ADMIN)
    assert "Omröstning pågår till <!date^" in text_of(view)
    assert ">: 3 av 5 har röstat." in text_of(view)
    assert ids.OPEN_VOTE not in action_ids(view)
    for viewer in (STAFF, "UVOTER"):  # closing early is for the presidium alone
        assert ids.VOTE_CLOSE not in action_ids(render(db, need_id, viewer))


def test_an_admin_closes_an_open_vote_from_the_details_after_confirming(db, ref, clock):
    need_id = new_need(db, ref, clock)
    advance(db, clock, need_id, 2, mission=False)
    with db.session(write=True) as s:
        vote = Vote(need_id=need_id, channel="C", opened_by=ADMIN, opened_at=NOW,
                    deadline=NOW + timedelta(days=7), message_ts="1795424400.000100")  # fmt: skip
        s.add(vote)
        s.flush()
        vote_id = vote.id
    buttons = [e for b in render(db, need_id, ADMIN)["blocks"] if b["type"] == "actions"
               for e in b["elements"] if e["action_id"] == ids.VOTE_CLOSE]  # fmt: skip
    assert [(b["text"]["text"], b["value"], b["style"]) for b in buttons] == [
        ("Stäng omröstningen", str(vote_id), "danger")
    ]
    confirm = buttons[0]["confirm"]
    assert (confirm["title"]["text"], confirm["confirm"]["text"], confirm["deny"]["text"]) == (
        "Stänga omröstningen?",
        "Stäng nu",
        "Avbryt",
    )
    assert confirm["text"]["text"].startswith("Omröstningen stängs nu, före utsatt tid")
    with db.session(write=True) as s:
        s.get(Vote, vote_id).closed_at = NOW
    assert ids.VOTE_CLOSE not in action_ids(render(db, need_id, ADMIN))


def test_a_long_history_is_paged_within_block_kit_limits(db, ref, clock):
    need_id = new_need(db, ref, clock)
    with db.session(write=True) as s:
        need = s.get(Need, need_id)
        for i in range(300):
            record_event(s, need=need, at=clock.advance(minutes=1), actor=STAFF, kind="edited",
                         field="description", old="x" * 3000, new=f"version {i} " + "y" * 3000,
                         comment="kommentar " * 400)  # fmt: skip
    first = render(db, need_id, STAFF)
    assert len(first["blocks"]) <= 100
    history = [b for b in first["blocks"] if b["type"] == "context"][1:-1]
    assert len(history) == HISTORY_PAGE
    assert "version 299" in text_of(history[0])  # newest first
    assert "Händelser 1–15 av 301, nyast först." in text_of(first)
    pager = first["blocks"][-1]["elements"]
    assert [(b["action_id"], b["value"]) for b in pager] == [(ids.DETAILS_OLDER, f"{need_id}:15")]
    last = render(db, need_id, STAFF, offset=300)
    assert "registrerade behovet" in text_of(last)
    assert [b["value"] for b in last["blocks"][-1]["elements"]] == [f"{need_id}:285"]
    assert json.loads(last["private_metadata"]) == {"n": need_id, "o": 300}


def test_history_lines_say_who_what_old_new_and_why():
    event = NeedEvent(
        need_id=1,
        at=NOW,
        actor=ADMIN,
        kind="edited",
        field="title",
        old_value="Gammal",
        new_value=HOSTILE,
        comment="För att " + HOSTILE,
    )
    line = history_line(event, _ref(), SV, UTC)
    assert line.startswith("<!date^")
    assert "<@UADMIN1>: ändrade titeln: ”Gammal” → ”&lt;!channel&gt; &amp; &lt;@U123&gt;”" in line
    assert "\n> För att &lt;!channel&gt;" in line and "<@U123>" not in line
    phase = NeedEvent(need_id=1, at=NOW, actor=ADMIN, kind="phase_changed", field="phase",
                      old_value="2", new_value="3")  # fmt: skip
    assert "flyttade behovet från fas 2 till fas 3, Genomförande" in history_line(
        phase, _ref(), SV, UTC
    )
    area = NeedEvent(need_id=1, at=NOW, actor=STAFF, kind="edited", field="area", new_value="fvm")
    assert "Framtidens vårdinformationsmiljö" in history_line(area, _ref(), SV, UTC)
    organisation = NeedEvent(need_id=1, at=NOW, actor=STAFF, kind="edited", field="organisation",
                             old_value="Borås", new_value="Skövde")  # fmt: skip
    assert "ändrade organisationen: ”Borås” → ”Skövde”" in history_line(
        organisation, _ref(), SV, UTC
    )
    assert "changed the organisation: ”Borås” → ”Skövde”" in history_line(
        organisation, _ref(), EN, UTC
    )
    origin = NeedEvent(need_id=1, at=NOW, actor=STAFF, kind="edited", field="origin",
                       new_value="politiskt_uppdrag")  # fmt: skip
    assert "ändrade ursprunget: – → Politiskt uppdrag" in history_line(origin, _ref(), SV, UTC)
    unknown = NeedEvent(need_id=1, at=NOW, actor=None, kind="something_new")
    assert "Behov: something_new" in history_line(unknown, _ref(), SV, UTC)


def test_a_vote_without_a_result_says_why_in_words():
    for verdict, sv, en in (("oavgjort", "oavgjort", "a tie"),
                            ("ej_beslutfort", "inte beslutsför", "no quorum")):  # fmt: skip
        event = NeedEvent(need_id=1, at=NOW, actor=None, kind="vote_closed", new_value=verdict)
        assert history_line(event, _ref(), SV, UTC).endswith(f"omröstningen stängdes: {sv}")
        assert history_line(event, _ref(), EN, UTC).endswith(f"the vote closed: {en}")


def test_mission_changes_name_the_part_in_lower_case_mid_sentence():
    purpose = NeedEvent(need_id=1, at=NOW, actor=ADMIN, kind="mission_saved",
                        field="purpose_goals", old_value="Gammalt", new_value="Nytt")  # fmt: skip
    assert "ändrade syfte och mål i uppdragshandlingen: ”Gammalt” → ”Nytt”" in history_line(
        purpose, _ref(), SV, UTC
    )
    assert "changed the purpose and goals in the mission document" in history_line(
        purpose, _ref(), EN, UTC
    )
    grant = NeedEvent(need_id=1, at=NOW, actor=ADMIN, kind="mission_saved",
                      field="state_grant", old_value="0", new_value="1")  # fmt: skip
    assert "ändrade om statsbidrag används i uppdragshandlingen: nej → ja" in history_line(
        grant, _ref(), SV, UTC
    )


def test_every_part_of_the_mission_document_has_a_name_in_the_history():
    for field in lifecycle._mission_values(mission_draft()):
        event = NeedEvent(need_id=1, at=NOW, actor=ADMIN, kind="mission_saved", field=field,
                          old_value="a", new_value="b")  # fmt: skip
        for tx in (SV, EN):
            label = tx(f"details.changed.mission.{field}")
            assert label[0].islower() and label in history_line(event, _ref(), tx, UTC)


# ---------------------------------------------------------------- forms read back


def submitted(view: dict, values: dict) -> dict:
    """The view as Slack sends it back: state values keyed by block and action."""
    state = {}
    for block_id, value in values.items():
        state[block_id] = {ids.input_action(block_id): value}
    return {**view, "state": {"values": state}}


def need_row(**kw) -> Need:
    values = dict(id=7, title=HOSTILE, description="Beskrivning", origin="politiskt_uppdrag",
                  submitted_by=STAFF, submitted_at=NOW, content_hash="x", phase=2,
                  phase_entered_at=NOW, updated_at=NOW, target_groups=[])  # fmt: skip
    values.update(kw)
    return Need(**values)


def test_the_mission_form_is_prefilled_and_read_back():
    mission = Mission(need_id=7, description="Uppdraget", purpose_goals="Syftet",
                      process_leader="ULEADER", working_group=["UWG1"], state_grant=True,
                      updated_by=ADMIN, updated_at=NOW)  # fmt: skip
    rows = [Milestone(need_id=7, kind=MilestoneKind.FINAL, title="Slut", due=date(2027, 6, 1))]
    view = forms.mission_modal(need_row(), mission, rows, SV, {"v": "V1"})
    View(**view).validate_json()
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks[ids.PROCESS_LEADER]["element"]["initial_user"] == "ULEADER"
    assert blocks[ids.WORKING_GROUP]["element"]["initial_users"] == ["UWG1"]
    assert blocks[ids.TIMETABLE]["element"]["initial_value"] == "2027-06-01 slutrapport Slut"
    assert [o["value"] for o in blocks[ids.MISSION_FLAGS]["element"]["initial_options"]] == [
        "state_grant"
    ]
    assert json.loads(view["private_metadata"]) == {"n": 7, "v": "V1"}
    assert "<!channel>" not in text_of(view)
    back = forms.read_mission(submitted(view, {
        ids.MISSION_DESCRIPTION: {"value": " Uppdraget "},
        ids.PURPOSE_GOALS: {"value": "Syftet"},
        ids.PROCESS_LEADER: {"selected_user": "ULEADER"},
        ids.WORKING_GROUP: {"selected_users": ["UWG1", "UWG2"]},
        ids.MISSION_FLAGS: {"selected_options": [{"value": "inform_sro"}]},
        ids.TIMETABLE: {"value": "2027-06-01 slutrapport Slut"},
    }))  # fmt: skip
    assert back == mission_draft(
        description="Uppdraget",
        purpose_goals="Syftet",
        working_group=["UWG1", "UWG2"],
        external_members="",
        state_grant=False,
        inform_sro=True,
        timetable="2027-06-01 slutrapport Slut",
    )


def test_a_new_mission_form_starts_from_the_need_description():
    view = forms.mission_modal(need_row(), None, [], SV, {})
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks[ids.MISSION_DESCRIPTION]["element"]["initial_value"] == "Beskrivning"
    assert "initial_user" not in blocks[ids.PROCESS_LEADER]["element"]


@pytest.mark.parametrize(
    "build",
    [
        lambda: forms.confirm_modal(need_row(), Action.TAKE_UP, SV, {}),
        lambda: forms.confirm_modal(need_row(), Action.WITHDRAW, EN, {}),
        lambda: forms.assessment_modal(need_row(), None, SV, {}),
        lambda: forms.decision_modal(need_row(decision="parkerat"), SV, {}),
        lambda: forms.completion_modal(need_row(phase=3), SV, {}),
        lambda: forms.duplicate_modal(need_row(), SV, {}),
        lambda: forms.notice_modal("x" * 5000, SV),
    ],
)
def test_every_form_is_valid_block_kit(build):
    view = build()
    View(**view).validate_json()
    assert "<!channel>" not in text_of(view)


def test_completion_and_decision_forms_read_back():
    view = submitted(forms.completion_modal(need_row(phase=3), SV, {}), {
        ids.FINAL_REPORT_DATE: {"selected_date": "2027-06-01"},
        ids.FINAL_REPORT_URL: {"value": "https://example.org/r.pdf"},
        ids.VVG_POSITION: {"value": "Ja"},
        ids.SRO_POSITION: {"value": None},
        ids.PRODUCT_URL: {"value": " https://example.org/p "},
    })  # fmt: skip
    draft = forms.read_completion(view)
    assert (draft.final_report_date, draft.product_url, draft.sro_position) == (
        date(2027, 6, 1),
        "https://example.org/p",
        "",
    )
    decided = submitted(forms.decision_modal(need_row(), SV, {}), {
        ids.DECISION: {"selected_option": {"value": "ej_prioriterat"}},
        ids.REASON: {"value": "Ryms inte"},
    })  # fmt: skip
    assert forms.read_decision(decided) == ("ej_prioriterat", "Ryms inte")
    assessed = submitted(forms.assessment_modal(need_row(), None, SV, {}), {
        ids.RELEVANT: {"selected_option": {"value": "yes"}},
        ids.PERSON_CENTRED: {"selected_option": {"value": "no"}},
        ids.TRUST: {"selected_option": None},
    })  # fmt: skip
    draft = forms.read_assessment(assessed)
    assert (draft.relevant, draft.person_centred, draft.trust) == (True, False, None)


def test_followers_of_the_process_leader(db, ref, clock):
    need_id = new_need(db, ref, clock)
    advance(db, clock, need_id, 3)
    with db.session() as s:
        assert lifecycle.situation(s, need=s.get(Need, need_id), user_id="ULEADER").following


def test_every_lifecycle_key_exists_in_both_languages():
    """Keys passed around as values (refusals, problems) and f-string families are complete."""
    import re
    from pathlib import Path

    from bot.i18n import catalogue
    from domain.history import EventKind
    from domain.phases import Decision, Quadrant

    root = Path(__file__).resolve().parent.parent
    keys = set()
    for path in ["domain/lifecycle.py", "domain/mission.py", "storage/lifecycle.py",
                 "commands/lifecycle.py"]:  # fmt: skip
        keys |= set(re.findall(r'"(lifecycle\.[a-z_.]+)"', (root / path).read_text()))
    own_texts = {Action.HIDE_PUBLIC, Action.CLOSE_VOTE}  # their features' buttons and texts
    keys |= {f"details.button.{a.value}" for a in Action if a not in own_texts}
    keys |= {f"lifecycle.confirm.{a.value}" for a in forms.CONFIRMED}
    keys |= {f"lifecycle.confirm.{a.value}.submit" for a in forms.CONFIRMED}
    keys |= {f"lifecycle.decision.{d.value}" for d in Decision}
    keys |= {f"details.quadrant.{q.value}" for q in Quadrant}
    keys |= {f"details.milestone.{k.value}" for k in MilestoneKind}
    keys |= {f"details.event.moved.{f}" for f in ("followers", "ballots")}
    from commands.render.details import SIMPLE_KINDS
    from storage.lifecycle import _mission_values

    keys |= {f"details.event.{k.value}" for k in SIMPLE_KINDS}
    keys |= {f"lifecycle.mission.{name}" for name in _mission_values(mission_draft())}
    assert EventKind.MOVED.value == "moved"
    for lang in ("sv", "en"):
        missing = keys - set(catalogue(lang))
        assert not missing, f"{lang}: {sorted(missing)}"
    assert len(SV("details.button.take_up")) <= 24  # reused as a modal title
    for action in set(Action) - own_texts:
        assert len(SV(f"details.button.{action.value}")) <= 75


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


@pytest.mark.parametrize("word", ["&&&& ", "<<&> ", "a&b<c>d\n", "&" * 40])
def test_the_whole_description_is_shown_however_much_escaping_grows_it(db, ref, clock, word):
    """3,000 characters (the form's maximum) of `&` and `<` grow up to fivefold when escaped:
    the details view shows every one, over sections within Slack's 3,000 characters."""
    description = (word * 3000)[:2996] + "SLUT"
    need_id = new_need(db, ref, clock)
    advance(db, clock, need_id, 3)  # a mission, timetable and history beside it
    with db.session(write=True) as s:
        s.get(Need, need_id).description = description
    view = render(db, need_id, ADMIN)  # validated by slack_sdk: limits of text and blocks
    sections = [b["text"]["text"] for b in view["blocks"] if b["type"] == "section"]
    start = next(i for i, t in enumerate(sections) if t.startswith("*Beskrivning*\n"))
    shown = [sections[start].removeprefix("*Beskrivning*\n")]
    for text in sections[start + 1 :]:
        if "SLUT" in shown[-1]:
            break
        shown.append(text)
    assert all(len(t) <= 3000 for t in sections)
    assert "&amp;" in shown[0] and "<" not in "".join(shown) and "…" not in "".join(shown)
    squeezed = "".join(_unescape(t) for t in shown)
    assert "".join(squeezed.split()) == "".join(description.split())
    assert len(view["blocks"]) <= 100 and view["blocks"][-1]["type"] == "context"  # history kept


def _longest(name: str) -> str:
    """A text at the form's maximum that escaping grows about fourfold, with a few spaces."""
    return (f"{name} " + "&<&& <b>&" * 400)[: TEXT_MAX - 4] + "SLUT"


def test_a_maximal_mission_document_and_completion_are_shown_whole(db, ref, clock):
    """Every part at 3,000 `&`- and `<`-heavy characters and 30 milestones titled with 150:
    all of it is shown, in sections of at most 3,000 characters and at most 100 blocks, with
    the SRO position, the product link and a full page of history after it."""
    texts = {name: _longest(name) for name in ("description", "purpose_goals", "delimitations",
             "group_composition", "time_needed", "external_members", "resourcing")}  # fmt: skip
    titles = [(f"M{i:02d} " + "&<" * 80)[:MILESTONE_TITLE_MAX] for i in range(MILESTONES_MAX)]
    timetable = "\n".join(f"2027-01-{i + 1:02d} delrapport {t}" for i, t in enumerate(titles))
    positions = {name: _longest(name) for name in ("vvg_position", "sro_position")}
    need_id = new_need(db, ref, clock)
    advance(db, clock, need_id, 3)
    with db.session(write=True) as s:
        s.get(Need, need_id).description = _longest("behovet")
        lifecycle.save_mission(s, need_id=need_id, actor=ADMIN, is_admin=True, now=clock(),
                               draft=mission_draft(**texts, timetable=timetable))  # fmt: skip
    with db.session(write=True) as s:
        lifecycle.complete(s, need_id=need_id, actor=ADMIN, is_admin=True, now=clock(),
                           draft=completion_draft(**positions))  # fmt: skip
    with db.session(write=True) as s:
        need = s.get(Need, need_id)
        for i in range(HISTORY_PAGE):
            record_event(s, need=need, at=clock.advance(minutes=1), actor=STAFF, kind="edited",
                         field="title", old="x", new=f"v{i}", comment="&<" * 250)  # fmt: skip
    view = render(db, need_id, ADMIN)  # validated by slack_sdk: limits of text and blocks
    shown = sections(view)
    assert len(view["blocks"]) <= 100 and all(len(t) <= 3000 for t in shown)
    assert view["blocks"][-1]["type"] == "actions"  # the history's pager is still there
    assert "…" not in "".join(shown) and "<b>" not in "".join(shown)
    squeezed = "".join("".join(_unescape(t).split()) for t in shown)
    for text in [*texts.values(), *positions.values()]:
        assert "".join(text.split()) in squeezed, text[:20]
    lines = "\n".join(shown).split("\n")
    rows = [line for line in lines if line.startswith("`2027-01-")]
    assert rows == [f"`2027-01-{i + 1:02d}` Delrapport till VVG – {escape(t)}"
                    for i, t in enumerate(titles)]  # fmt: skip
    assert any(line.startswith("SRO:s ställningstagande: sro_position &amp;&lt;") for line in lines)
    assert "Slutprodukt: <https://example.org/rutin>" in lines
