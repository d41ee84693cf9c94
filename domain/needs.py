"""A need as someone drafts it, and the rules a draft must meet before it is stored."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from domain.reference import Reference, fold

TITLE_MAX = 150
DESCRIPTION_MAX = 3000


@dataclass
class Draft:
    """What the registration form holds, already stripped of surrounding white space."""

    title: str = ""
    description: str = ""
    origin: str | None = None
    area: str | None = None
    target_groups: list[str] = field(default_factory=list)
    level: str | None = None
    organisation: str | None = None
    source_channel: str | None = None
    source_ts: str | None = None


def errors_for(draft: Draft, ref: Reference) -> dict[str, str]:
    """Field name -> catalogue key of what is wrong; empty when the draft can be stored."""
    errors: dict[str, str] = {}
    if not draft.title:
        errors["title"] = "form.error.title_missing"
    elif len(draft.title) > TITLE_MAX:
        errors["title"] = "form.error.title_too_long"
    if not draft.description:
        errors["description"] = "form.error.description_missing"
    elif len(draft.description) > DESCRIPTION_MAX:
        errors["description"] = "form.error.description_too_long"
    if ref.origin(draft.origin) is None:
        errors["origin"] = "form.error.origin_missing"
    if draft.area is not None and ref.area(draft.area) is None:
        errors["area"] = "form.error.unknown_choice"
    if any(ref.target_group(key) is None for key in draft.target_groups):
        errors["target_groups"] = "form.error.unknown_choice"
    if draft.level is not None and ref.level(draft.level) is None:
        errors["level"] = "form.error.unknown_choice"
    if draft.organisation is not None and draft.organisation not in ref.organisation_names():
        errors["organisation"] = "form.error.unknown_choice"
    return errors


def content_hash(title: str, description: str) -> str:
    """Same words, same hash: catches double clicks and retried submissions."""
    normal = re.sub(r"\s+", " ", fold(title) + "\n" + fold(description)).strip()
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()


def retired_hash(digest: str, need_id: int) -> str:
    """The hash an ended need keeps instead: its text may be registered again as a new need
    (the same text is caught only as a double submission of a need still open)."""
    return hashlib.sha256(f"{digest}:ended:{need_id}".encode()).hexdigest()


NUMBER_MAX = 2**31 - 1  # PostgreSQL's integer: no need (or vote) has a larger number
_NUMBER = re.compile(r"#?([0-9]+)")  # ASCII digits: `\d` would read `٣` or `３` as 3


def number_digits(text: str | None) -> str | None:
    """The digits of `#12` or `12`, however many; None when the text is no number."""
    match = _NUMBER.fullmatch((text or "").strip())
    return match.group(1) if match else None


def parse_number(text: str | None) -> int | None:
    """`#12` or `12` -> 12; anything else, or a number too large for any need, -> None."""
    digits = number_digits(text)
    if digits is None or len(digits.lstrip("0")) > len(str(NUMBER_MAX)):
        return None  # (and no int() of thousands of digits)
    number = int(digits)
    return number if number <= NUMBER_MAX else None
