"""A published need as open data: one stable record shared by the pages, JSON and CSV.

FIELDS is the documented schema (README, OpenAPI): add fields at the end, never rename or
drop one, and bump SCHEMA_VERSION when a field's meaning changes.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Iterable, Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.i18n import SV
from domain.phases import Phase
from domain.publication import scrub, shorten
from domain.reference import Reference
from domain.text import MAYBE_FORMULA, is_link, spreadsheet_text

SCHEMA_VERSION = 1

# name -> (JSON type, description); the order is the CSV column order.
FIELDS: dict[str, tuple[str, str]] = {
    "number": ("integer", "the need's number (#12 is 12)"),
    "url": ("string", "address of the need's public page"),
    "title": ("string", "title"),
    "description": ("string", "full description"),
    "origin": ("string|null", "how the need arose: key of the classification list"),
    "origin_label": ("string|null", "the origin in Swedish"),
    "perspective": ("string|null", "perspective of the development plan: key"),
    "perspective_label": ("string|null", "the perspective in Swedish"),
    "area": ("string|null", "priority area: key"),
    "area_label": ("string|null", "the priority area in Swedish"),
    "target_groups": ("array", "target groups: keys (CSV: separated by ';')"),
    "target_group_labels": ("array", "target groups in Swedish (CSV: separated by ';')"),
    "level": ("string|null", "länsgemensam, delregional or lokal"),
    "level_label": ("string|null", "the level in Swedish"),
    "phase": ("integer", "current phase, 2-4 (1 is never published)"),
    "phase_name": ("string", "the phase in Swedish"),
    "phase_entered": ("string", "date (YYYY-MM-DD) the need entered its current phase"),
    "registered": ("string", "date (YYYY-MM-DD) the need was registered"),
    "decision": ("string|null", "VVG's decision: prioriterat, parkerat or ej_prioriterat"),
    "quadrant": ("string|null", "Eisenhower quadrant: gor_nu, planera, delegera or avvakta"),
    "outcome": ("string|null", "how it ended early: ej_prioriterat or sammanslaget"),
    "outcome_label": ("string|null", "the outcome in Swedish"),
    "merged_into": ("integer|null", "number of the published need it was merged into"),
    "product_url": ("string|null", "the completed mission's published product"),
}


def _day(moment: datetime | None, tz: ZoneInfo) -> str | None:
    return moment.astimezone(tz).date().isoformat() if moment else None


_NOTHING = (None, None)  # key and label of a value the classification does not know


class Recorder:
    """Builds open-data records of published needs from the rows of storage.public's record
    query (RECORD_COLUMNS, read by position). An export builds thousands of records per
    request, so the classification's keys and labels are looked up in dicts prepared once,
    and each distinct list of target groups (a row holds its JSON text) is decoded once.
    """

    def __init__(self, ref: Reference, tz: ZoneInfo, base_url: str) -> None:
        self.tz = tz
        self.url = f"{base_url.rstrip('/')}/public/needs/"
        self.redacted = SV("public.redacted")
        data = ref.data
        self.origins = {o.key: (o.key, o.sv) for o in data.origins}
        self.perspectives = {p.key: (p.key, p.sv) for p in data.perspectives}
        self.areas = {
            a.key: ((p.key, p.sv), (a.key, a.sv)) for p in data.perspectives for a in p.areas
        }
        self.groups = {g.key: g.sv for g in data.target_groups}
        self.levels = {lv.key: (lv.key, lv.sv) for lv in data.levels}
        self.phase_names = {int(p): SV(f"phase.{p.value}") for p in Phase}
        self.outcome_labels: dict[str, str] = {}
        self.group_lists: dict[str | None, tuple[tuple[str, ...], tuple[str, ...]]] = {}

    def _groups(self, listed: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(known keys, their labels) of a target_groups JSON text; unknown keys are left out."""
        found = self.group_lists.get(listed)
        if found is None:
            keys = tuple(
                g for g in (json.loads(listed) if listed else None) or [] if g in self.groups
            )
            found = self.group_lists[listed] = (keys, tuple(self.groups[g] for g in keys))
        return found

    def __call__(self, row) -> dict:
        """The open-data record of one published need (nothing about who registered it)."""
        (number, title, description, origin, perspective, area, groups, level, phase, entered,
         submitted, decision, quadrant, outcome, merged_into, product_url,
         merged_into_published) = row  # fmt: skip
        origin_key, origin_label = self.origins.get(origin, _NOTHING)
        found = self.areas.get(area)
        if found:
            (perspective_key, perspective_label), (area_key, area_label) = found
        else:
            area_key = area_label = None
            known = self.perspectives.get(perspective) if perspective else None
            perspective_key, perspective_label = known or _NOTHING
        group_keys, group_labels = self._groups(groups)
        level_key, level_label = self.levels.get(level, _NOTHING)
        if outcome and outcome not in self.outcome_labels:
            self.outcome_labels[outcome] = SV(f"outcome.{outcome}")
        tz, redacted = self.tz, self.redacted
        # A link only to a real http(s) address, even one stored before the form checked it.
        product = product_url if phase == Phase.COMPLETED and is_link(product_url) else None
        return {
            "number": number,
            "url": f"{self.url}{number}",
            "title": scrub(title, redacted),
            "description": scrub(description, redacted),
            "origin": origin_key,
            "origin_label": origin_label,
            "perspective": perspective_key,
            "perspective_label": perspective_label,
            "area": area_key,
            "area_label": area_label,
            "target_groups": list(group_keys),
            "target_group_labels": list(group_labels),
            "level": level_key,
            "level_label": level_label,
            "phase": phase,
            "phase_name": self.phase_names[phase],
            "phase_entered": _day(entered, tz),
            "registered": _day(submitted, tz),
            "decision": decision,
            "quadrant": quadrant,
            "outcome": outcome,
            "outcome_label": self.outcome_labels[outcome] if outcome else None,
            "merged_into": merged_into if merged_into_published else None,
            "product_url": product,
        }


def short_description(record: dict) -> str:
    return shorten(record["description"])


def _cell(value) -> str:
    """A CSV cell; text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, list):
        value = ";".join(value)
    return spreadsheet_text(str(value))


def _quoted(cell: str) -> str:
    """The cell as csv.writer writes it (QUOTE_MINIMAL, lines ending in \r\n): quoted, with
    its quotes doubled, when it holds a comma, a quote or a line break."""
    if "," in cell or '"' in cell or "\n" in cell or "\r" in cell:
        return '"' + cell.replace('"', '""') + '"'
    return cell


CSV_BATCH = 500  # rows written at a time


def csv_lines(records: Iterable[dict]) -> Iterator[str]:
    """RFC 4180 CSV, comma-separated, header row of FIELDS: the text in pieces.

    Byte for byte what csv.writer wrote before, in less time (tests compare the two): a row
    none of whose cells holds a comma, a quote or a line break is its cells joined by
    commas, found by one look at the joined row; in any other row each cell is quoted as
    needed. Text cells that need nothing from _cell are taken as they are."""
    values = operator.itemgetter(*FIELDS)
    commas = len(FIELDS) - 1
    maybe_formula = MAYBE_FORMULA
    lines = [",".join(FIELDS)]
    for record in records:
        cells = [
            "" if v is None else v if type(v) is str and v[:1] not in maybe_formula else _cell(v)
            for v in values(record)
        ]
        line = ",".join(cells)
        if line.count(",") != commas or '"' in line or "\n" in line or "\r" in line:
            line = ",".join([_quoted(cell) for cell in cells])
        lines.append(line)
        if len(lines) == CSV_BATCH:
            lines.append("")  # the last line's end
            yield "\r\n".join(lines)
            lines = []
    lines.append("")
    yield "\r\n".join(lines)


def to_csv(records: Iterable[dict]) -> str:
    return "".join(csv_lines(records))
