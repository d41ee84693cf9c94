"""A published need as open data: one stable record shared by the pages, JSON and CSV.

FIELDS is the documented schema (README, OpenAPI): add fields at the end, never rename or
drop one, and bump SCHEMA_VERSION when a field's meaning changes.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.i18n import SV
from domain.phases import Phase
from domain.publication import scrub, shorten
from domain.reference import Reference

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


def public_record(
    need,
    ref: Reference,
    tz: ZoneInfo,
    *,
    base_url: str,
    product_url: str | None = None,
    merged_into_published: bool = False,
) -> dict:
    """The open-data record of one published need (nothing about who registered it)."""
    redacted = SV("public.redacted")
    origin = ref.origin(need.origin)
    area = ref.area(need.area)
    perspective = area[0] if area else None
    if perspective is None and need.perspective:
        perspective = next((p for p in ref.data.perspectives if p.key == need.perspective), None)
    groups = [g for g in (need.target_groups or []) if ref.target_group(g)]
    level = ref.level(need.level)
    return {
        "number": need.id,
        "url": f"{base_url.rstrip('/')}/public/needs/{need.id}",
        "title": scrub(need.title, redacted),
        "description": scrub(need.description, redacted),
        "origin": origin.key if origin else None,
        "origin_label": origin.sv if origin else None,
        "perspective": perspective.key if perspective else None,
        "perspective_label": perspective.sv if perspective else None,
        "area": area[1].key if area else None,
        "area_label": area[1].sv if area else None,
        "target_groups": groups,
        "target_group_labels": [ref.target_group(g).sv for g in groups],
        "level": level.key if level else None,
        "level_label": level.sv if level else None,
        "phase": need.phase,
        "phase_name": SV(f"phase.{Phase(need.phase).value}"),
        "phase_entered": _day(need.phase_entered_at, tz),
        "registered": _day(need.submitted_at, tz),
        "decision": need.decision,
        "quadrant": need.quadrant,
        "outcome": need.outcome,
        "outcome_label": SV(f"outcome.{need.outcome}") if need.outcome else None,
        "merged_into": need.merged_into if merged_into_published else None,
        "product_url": product_url if need.phase == Phase.COMPLETED else None,
    }


def short_description(record: dict) -> str:
    return shorten(record["description"])


_FORMULA_START = ("=", "+", "@", "\t", "\r")


def _cell(value) -> str:
    """A CSV cell; text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, list):
        value = ";".join(value)
    text = str(value)
    if text.startswith(_FORMULA_START) or (text.startswith("-") and text[1:2].strip()):
        return "'" + text
    return text


def to_csv(records: list[dict]) -> str:
    """RFC 4180 CSV, comma-separated, header row of FIELDS."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(FIELDS)
    for record in records:
        writer.writerow([_cell(record[name]) for name in FIELDS])
    return out.getvalue()
