"""A published need as open data: one stable record shared by the pages, JSON and CSV.

FIELDS is the documented schema (README, OpenAPI): add fields at the end, never rename or
drop one, and bump SCHEMA_VERSION when a field's meaning changes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
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


class Recorder:
    """Builds open-data records of published needs, with the classification's lookups
    prepared once (an export builds thousands of records per request).

    A need is anything with Need's attributes: a Need, or a row of storage.public's record
    query, which also carries `product_url` and `merged_into_published`.
    """

    def __init__(self, ref: Reference, tz: ZoneInfo, base_url: str) -> None:
        self.tz = tz
        self.url = f"{base_url.rstrip('/')}/public/needs/"
        self.redacted = SV("public.redacted")
        data = ref.data
        self.origins = {o.key: o for o in data.origins}
        self.perspectives = {p.key: p for p in data.perspectives}
        self.areas = {a.key: (p, a) for p in data.perspectives for a in p.areas}
        self.groups = {g.key: g for g in data.target_groups}
        self.levels = {lv.key: lv for lv in data.levels}
        self.phase_names = {int(p): SV(f"phase.{p.value}") for p in Phase}
        self.outcome_labels: dict[str, str] = {}

    def __call__(self, need, *, product_url=None, merged_into_published=None) -> dict:
        """The open-data record of one published need (nothing about who registered it)."""
        if product_url is None:
            product_url = getattr(need, "product_url", None)
        if merged_into_published is None:
            merged_into_published = bool(getattr(need, "merged_into_published", False))
        origin = self.origins.get(need.origin)
        area = self.areas.get(need.area)
        perspective = area[0] if area else None
        if perspective is None and need.perspective:
            perspective = self.perspectives.get(need.perspective)
        groups = [g for g in (need.target_groups or []) if g in self.groups]
        level = self.levels.get(need.level)
        outcome = need.outcome
        if outcome and outcome not in self.outcome_labels:
            self.outcome_labels[outcome] = SV(f"outcome.{outcome}")
        tz = self.tz
        return {
            "number": need.id,
            "url": f"{self.url}{need.id}",
            "title": scrub(need.title, self.redacted),
            "description": scrub(need.description, self.redacted),
            "origin": origin.key if origin else None,
            "origin_label": origin.sv if origin else None,
            "perspective": perspective.key if perspective else None,
            "perspective_label": perspective.sv if perspective else None,
            "area": area[1].key if area else None,
            "area_label": area[1].sv if area else None,
            "target_groups": groups,
            "target_group_labels": [self.groups[g].sv for g in groups],
            "level": level.key if level else None,
            "level_label": level.sv if level else None,
            "phase": need.phase,
            "phase_name": self.phase_names[need.phase],
            "phase_entered": _day(need.phase_entered_at, tz),
            "registered": _day(need.submitted_at, tz),
            "decision": need.decision,
            "quadrant": need.quadrant,
            "outcome": outcome,
            "outcome_label": self.outcome_labels[outcome] if outcome else None,
            "merged_into": need.merged_into if merged_into_published else None,
            "product_url": product_url if need.phase == Phase.COMPLETED else None,
        }


def public_record(
    need,
    ref: Reference,
    tz: ZoneInfo,
    *,
    base_url: str,
    product_url: str | None = None,
    merged_into_published: bool = False,
) -> dict:
    """The open-data record of one published need (see Recorder)."""
    return Recorder(ref, tz, base_url)(
        need, product_url=product_url, merged_into_published=merged_into_published
    )


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


def csv_lines(records: Iterable[dict]) -> Iterator[str]:
    """RFC 4180 CSV, comma-separated, header row of FIELDS: the text in pieces."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(FIELDS)
    names = list(FIELDS)
    for count, record in enumerate(records, 1):
        writer.writerow([_cell(record[name]) for name in names])
        if count % 500 == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def to_csv(records: Iterable[dict]) -> str:
    return "".join(csv_lines(records))
