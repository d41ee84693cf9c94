"""The kinds of entries in a need's history; the public page shows the public ones."""

from enum import StrEnum


class EventKind(StrEnum):
    REGISTERED = "registered"
    EDITED = "edited"  # field, old and new value
    PHASE_CHANGED = "phase_changed"  # old and new phase number
    ASSESSED = "assessed"  # VVG's position-taking on the three questions
    DECIDED = "decided"  # decision: prioriterat | parkerat | ej_prioriterat
    CLOSED = "closed"  # outcome: ej_prioriterat | aterkallat | sammanslaget
    MERGED_IN = "merged_in"  # on the original: which duplicate was merged into it
    MOVED = "moved"  # field followers|ballots moved from need `old` to need `new` (a duplicate)
    VOTE_OPENED = "vote_opened"
    VOTE_CLOSED = "vote_closed"  # new value: the quadrant or the reason there is none
    MISSION_SAVED = "mission_saved"
    MILESTONES_CHANGED = "milestones_changed"
    REPORTED = "reported"  # a milestone's report handed in: field its kind, new its title
    COMPLETED = "completed"
    HIDDEN = "hidden"  # hidden from the public page, with the reason
    SHOWN = "shown"
    FOLLOWED = "followed"
    UNFOLLOWED = "unfollowed"


# What the public page may show: phase changes and decisions, never who.
PUBLIC_KINDS = frozenset(
    {
        EventKind.REGISTERED,
        EventKind.PHASE_CHANGED,
        EventKind.DECIDED,
        EventKind.CLOSED,
        EventKind.VOTE_CLOSED,
        EventKind.COMPLETED,
    }
)
