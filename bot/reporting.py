"""The annual report as tables, and as JSON, CSV and XLSX files (`behov export`)."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from bot.i18n import Texts
from domain.phases import Phase
from domain.reference import Reference
from domain.report import STATUS_COLUMNS, AnnualReport
from domain.text import spreadsheet_text

FORMATS = ("csv", "xlsx", "json")


@dataclass
class Table:
    """One view of the report: a sheet in XLSX, a block of rows in CSV."""

    name: str  # stable machine name (CSV `view` column, JSON key)
    title: str
    headers: list[str]
    rows: list[list]


def _labelled(counts: dict, label) -> list[list]:
    return [[key or "", label(key), count] for key, count in counts.items()]


def report_tables(report: AnnualReport, ref: Reference, tx: Texts) -> list[Table]:
    lang = tx.lang
    none = tx("report.not_given")

    def item_label(find):
        return lambda key: find(key).label(lang) if key and find(key) else none

    def perspective(key):
        found = next((p for p in ref.data.perspectives if p.key == key), None)
        return found.label(lang) if found else none

    def phase_name(phase: int) -> str:
        return f"{phase}. {tx(f'phase.{phase}')}"

    count_headers = [tx("report.col.key"), tx("report.col.label"), tx("report.col.count")]
    status_headers = [tx("report.col.phase")]
    status_headers += [tx(f"report.status.{column}") for column in STATUS_COLUMNS]
    status_headers.append(tx("report.col.total"))
    return [
        Table(
            "summary",
            tx("report.view.summary"),
            [tx("report.col.measure"), tx("report.col.value")],
            [
                [tx("report.year"), report.year],
                [tx("report.registered"), report.registered],
                [tx("report.total_at_year_end"), report.total_at_year_end],
                [tx("report.completed_count"), len(report.completed)],
            ],
        ),
        Table("origin", tx("report.view.origin"), count_headers,
              _labelled(report.by_origin, item_label(ref.origin))),
        Table("perspective", tx("report.view.perspective"), count_headers,
              _labelled(report.by_perspective, perspective)),
        Table("target_group", tx("report.view.target_group"), count_headers,
              _labelled(report.by_target_group, item_label(ref.target_group))),
        Table("level", tx("report.view.level"), count_headers,
              _labelled(report.by_level, item_label(ref.level))),
        Table(
            "status",
            tx("report.view.status"),
            status_headers,
            [
                [phase_name(p), *(row[c] for c in STATUS_COLUMNS), sum(row.values())]
                for p, row in report.status.items()
            ],
        ),
        Table(
            "phase_time",
            tx("report.view.phase_time"),
            [tx("report.col.phase"), tx("report.col.stays"), tx("report.col.median_days"),
             tx("report.col.longest_days"), tx("report.col.longest_need")],
            [
                [phase_name(t.phase), t.stays, t.median_days, t.longest_days,
                 f"#{t.longest_need}" if t.longest_need else None]
                for t in report.phase_times
                if t.phase != Phase.COMPLETED
            ],
        ),
        Table(
            "completed",
            tx("report.view.completed"),
            [tx("report.col.number"), tx("report.col.title"), tx("report.col.completed_on"),
             tx("report.col.product_url")],
            [[f"#{m.number}", m.title, m.completed_on.isoformat(), m.product_url]
             for m in report.completed],
        ),
    ]  # fmt: skip


def report_json(report: AnnualReport) -> dict:
    """Machine-readable: keys, not labels (null = not given)."""
    return {
        "year": report.year,
        "registered": report.registered,
        "registered_by": {
            "origin": _pairs(report.by_origin),
            "perspective": _pairs(report.by_perspective),
            "target_group": _pairs(report.by_target_group),
            "level": _pairs(report.by_level),
        },
        "status_at_year_end": [
            {"phase": phase, **{column: row[column] for column in STATUS_COLUMNS}}
            for phase, row in report.status.items()
        ],
        "time_in_phase": [
            {
                "phase": t.phase,
                "stays": t.stays,
                "median_days": t.median_days,
                "longest_days": t.longest_days,
                "longest_need": t.longest_need,
            }
            for t in report.phase_times
        ],
        "completed_missions": [
            {
                "number": m.number,
                "title": m.title,
                "completed_on": m.completed_on.isoformat(),
                "product_url": m.product_url,
            }
            for m in report.completed
        ],
    }


def _pairs(counts: dict) -> list[dict]:
    return [{"key": key, "count": count} for key, count in counts.items()]


def write_json(report: AnnualReport, path: Path) -> None:
    path.write_text(json.dumps(report_json(report), ensure_ascii=False, indent=2) + "\n", "utf-8")


def _cell(value):
    """A title such as `=HYPERLINK(…)` is text to a spreadsheet, never a formula."""
    return spreadsheet_text(value) if isinstance(value, str) else value


def write_csv(tables: list[Table], path: Path) -> None:
    """One long table: view, then the view's own columns (header row per view)."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        for table in tables:
            writer.writerow(["view", *table.headers])
            for row in table.rows:
                writer.writerow([table.name, *("" if v is None else _cell(v) for v in row)])


def write_xlsx(tables: list[Table], path: Path, tx: Texts) -> None:
    """One sheet per view; the status sheet has a stacked bar chart of needs per phase."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart
    from openpyxl.chart import Reference as Cells
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for table in tables:
        sheet = book.create_sheet(table.title[:31])
        sheet.append(table.headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([_cell(v) for v in row])
        for cell in (c for cells in sheet.iter_rows() for c in cells if isinstance(c.value, str)):
            cell.data_type = "s"  # openpyxl would read `=…` as a formula, `#N/A` as an error
        for index, header in enumerate(table.headers, start=1):
            width = max([len(str(header))] + [len(str(r[index - 1] or "")) for r in table.rows])
            sheet.column_dimensions[sheet.cell(1, index).column_letter].width = min(width + 2, 60)
        if table.name == "status":
            chart = BarChart()
            chart.type, chart.grouping, chart.overlap = "col", "stacked", 100
            chart.title = tx("report.chart.status")
            chart.y_axis.title = tx("report.col.count")
            last = len(table.rows) + 1
            data = Cells(sheet, min_col=2, max_col=1 + len(STATUS_COLUMNS), min_row=1, max_row=last)
            chart.add_data(data, titles_from_data=True)
            chart.set_categories(Cells(sheet, min_col=1, min_row=2, max_row=last))
            chart.width, chart.height = 18, 9
            sheet.add_chart(chart, f"A{last + 3}")
    book.save(path)


def write_report(report: AnnualReport, ref: Reference, tx: Texts, fmt: str, path: Path) -> None:
    if fmt == "json":
        write_json(report, path)
    elif fmt == "csv":
        write_csv(report_tables(report, ref, tx), path)
    elif fmt == "xlsx":
        write_xlsx(report_tables(report, ref, tx), path, tx)
    else:
        raise ValueError(f"unknown format {fmt}")
