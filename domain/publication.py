"""What the public page may show: which needs, which filters, which history, and no one's name.

Published: a need an admin has taken up (phase 2 or later), not hidden by an admin, not
withdrawn. Needs that ended without execution stay visible with their outcome: a need that
was not prioritised shows "Ej prioriterat" (VVG's prioritisation is what the public account
is about), and a merged need shows "Sammanslaget" with the number of the need it went into.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.history import PUBLIC_KINDS, EventKind
from domain.personal_data import (
    AT_NAME,
    EMAIL,
    MENTION,
    USER_ID,
    redact_personal_numbers,
    redact_phone_numbers,
)
from domain.phases import Decision, Outcome, Phase, Quadrant
from domain.reference import Reference

PUBLISHED_FROM = Phase.PRIORITISATION
SEARCH_MAX = 100
SHORT_DESCRIPTION = 280


def is_published(need) -> bool:
    """Phase 2 or later, not hidden, not withdrawn."""
    return (
        need.phase >= PUBLISHED_FROM
        and not need.public_hidden
        and need.outcome != Outcome.WITHDRAWN
    )


def scrub(text: str | None, placeholder: str) -> str:
    """Take out what could name a person in free text: mentions, e-mail addresses, user ids,
    personal identity numbers and phone numbers (domain.personal_data)."""
    text = text or ""
    if "<" in text:  # the placeholder holds neither `<` nor `@`: skipping is exact
        text = MENTION.sub(placeholder, text)
    if "@" in text:
        text = AT_NAME.sub(placeholder, EMAIL.sub(placeholder, text))
    if "U" in text or "W" in text:  # every user id starts with one; most texts have neither
        text = USER_ID.sub(placeholder, text)
    text = redact_personal_numbers(text, placeholder)
    return redact_phone_numbers(text, placeholder)


def shorten(text: str, limit: int = SHORT_DESCRIPTION) -> str:
    """Cut at a word boundary with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:–-") + "…"


@dataclass(frozen=True)
class PublicQuery:
    """The public page's filters; None means "all"."""

    phase: int | None = None
    perspective: str | None = None
    target_group: str | None = None
    q: str = ""

    @property
    def active(self) -> bool:
        return bool(self.phase or self.perspective or self.target_group or self.q)


@dataclass
class ParsedQuery:
    query: PublicQuery
    errors: dict[str, str] = field(default_factory=dict)  # parameter -> what is wrong


def parse_query(params: dict[str, str], ref: Reference) -> ParsedQuery:
    """Read filters from a query string; unknown values become errors (empty means all)."""
    errors: dict[str, str] = {}
    phase = None
    raw_phase = (params.get("phase") or "").strip()
    if raw_phase:
        if raw_phase in {str(p.value) for p in Phase}:
            phase = int(raw_phase)
        else:
            errors["phase"] = "phase must be 1, 2, 3 or 4"
    perspective = (params.get("perspective") or "").strip() or None
    if perspective and perspective not in {p.key for p in ref.data.perspectives}:
        errors["perspective"] = "unknown perspective"
        perspective = None
    group = (params.get("target_group") or "").strip() or None
    if group and ref.target_group(group) is None:
        errors["target_group"] = "unknown target group"
        group = None
    q = " ".join((params.get("q") or "").split())
    if len(q) > SEARCH_MAX:
        errors["q"] = f"at most {SEARCH_MAX} characters"
        q = q[:SEARCH_MAX]
    return ParsedQuery(PublicQuery(phase, perspective, group, q), errors)


@dataclass(frozen=True)
class PublicEvent:
    """One line of a need's public history: what and when, never who or why."""

    kind: str
    at: object  # datetime
    value: str | None  # a phase number, decision, outcome or quadrant key; nothing free-form


_KNOWN_VALUES = {
    EventKind.PHASE_CHANGED: {str(p.value) for p in Phase},
    EventKind.DECIDED: {d.value for d in Decision},
    EventKind.CLOSED: {o.value for o in Outcome},
    EventKind.VOTE_CLOSED: {q.value for q in Quadrant},
}


def public_event(event) -> PublicEvent | None:
    """The public form of a history entry, or None when the public may not see it.

    Only the value itself, and only when it is one of the known keys: the comment, the
    actor and any free-form value (a reason) never leave the bot.
    """
    if event.kind not in PUBLIC_KINDS or not event.public:
        return None
    known = _KNOWN_VALUES.get(event.kind)
    value = event.new_value if known and event.new_value in known else None
    if event.kind == EventKind.VOTE_CLOSED and value is None:
        return None  # a vote without a result says nothing the public needs
    return PublicEvent(kind=str(event.kind), at=event.at, value=value)
