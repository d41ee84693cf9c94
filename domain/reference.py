"""The classification lists and organisations, read from a data file VVG can replace."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import yaml
from pydantic import BaseModel, model_validator
from rapidfuzz import fuzz, process

DEFAULT_FILE = Path(__file__).with_name("data") / "classification.yml"


class Item(BaseModel):
    key: str
    sv: str
    en: str

    def label(self, lang: str) -> str:
        return self.en if lang == "en" else self.sv


class Perspective(Item):
    areas: list[Item]


class Organisation(BaseModel):
    name: str
    group: str
    aliases: list[str] = []


class Classification(BaseModel):
    origins: list[Item]
    perspectives: list[Perspective]
    target_groups: list[Item]
    levels: list[Item]
    organisations: list[Organisation]

    @model_validator(mode="after")
    def _unique_keys(self) -> Classification:
        for name, items in [
            ("origins", self.origins),
            ("areas", [a for p in self.perspectives for a in p.areas]),
            ("target_groups", self.target_groups),
            ("levels", self.levels),
        ]:
            keys = [i.key for i in items]
            if len(keys) != len(set(keys)) or not keys:
                raise ValueError(f"{name}: nycklarna måste finnas och vara unika")
        return self


def fold(text: str) -> str:
    """Lower-case and strip diacritics so `Goteborg` and `göteborg` compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).strip()


@dataclass(frozen=True)
class Reference:
    """Lookups over one loaded classification file."""

    data: Classification
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    def origin(self, key: str | None) -> Item | None:
        return next((o for o in self.data.origins if o.key == key), None)

    def area(self, key: str | None) -> tuple[Perspective, Item] | None:
        for perspective in self.data.perspectives:
            for area in perspective.areas:
                if area.key == key:
                    return perspective, area
        return None

    def target_group(self, key: str) -> Item | None:
        return next((t for t in self.data.target_groups if t.key == key), None)

    def level(self, key: str | None) -> Item | None:
        return next((lv for lv in self.data.levels if lv.key == key), None)

    @cached_property
    def _org_choices(self) -> list[tuple[str, str]]:
        """(folded searchable text, organisation name) for names and aliases."""
        pairs = []
        for org in self.data.organisations:
            for text in [org.name, *org.aliases]:
                pairs.append((fold(text), org.name))
        return pairs

    def organisation_names(self) -> list[str]:
        return [o.name for o in self.data.organisations]

    def match_organisations(self, query: str, limit: int = 20) -> list[str]:
        """Type-ahead: prefix matches first, then fuzzy matches, each organisation once."""
        q = fold(query)
        if not q:
            return self.organisation_names()[:limit]
        found: list[str] = []
        for text, name in self._org_choices:
            if text.startswith(q) and name not in found:
                found.append(name)
        texts = [t for t, _ in self._org_choices]
        for _, score, index in process.extract(q, texts, scorer=fuzz.WRatio, limit=40):
            name = self._org_choices[index][1]
            if score >= 70 and name not in found:
                found.append(name)
        return found[:limit]


def load_reference(path: Path | None = None) -> Reference:
    """Read and validate the classification file (the shipped defaults when no path)."""
    with open(path or DEFAULT_FILE, encoding="utf-8") as handle:
        return Reference(Classification.model_validate(yaml.safe_load(handle)))
