"""The four phases of seed 004, the ways a need can end early, and VVG's decisions."""

from __future__ import annotations

from enum import IntEnum, StrEnum


class Phase(IntEnum):
    IDENTIFIED = 1  # Identifierat behov
    PRIORITISATION = 2  # Ställningstagande och prioritering
    EXECUTION = 3  # Genomförande
    COMPLETED = 4  # Slutfört uppdrag


class Outcome(StrEnum):
    """How a need ended without (or before) execution; the need itself stays."""

    NOT_PRIORITISED = "ej_prioriterat"
    WITHDRAWN = "aterkallat"
    MERGED = "sammanslaget"


class Decision(StrEnum):
    """VVG's position on the prioritisation."""

    PRIORITISE = "prioriterat"
    PARK = "parkerat"
    NOT_PRIORITISE = "ej_prioriterat"


class Quadrant(StrEnum):
    """The Eisenhower matrix of Appendix 1: (important, urgent)."""

    DO_NOW = "gor_nu"  # viktigt + bråttom
    PLAN = "planera"  # viktigt + inte bråttom
    DELEGATE = "delegera"  # inte viktigt + bråttom
    WAIT = "avvakta"  # inte viktigt + inte bråttom

    @property
    def important(self) -> bool:
        return self in (Quadrant.DO_NOW, Quadrant.PLAN)

    @property
    def urgent(self) -> bool:
        return self in (Quadrant.DO_NOW, Quadrant.DELEGATE)

    @classmethod
    def of(cls, important: bool, urgent: bool) -> Quadrant:
        if important:
            return cls.DO_NOW if urgent else cls.PLAN
        return cls.DELEGATE if urgent else cls.WAIT
