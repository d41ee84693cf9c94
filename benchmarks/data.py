"""Realistic needs in bulk: Swedish titles and descriptions, fast inserts, deterministic."""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from storage.db import Database
from storage.models import Need, NeedEvent

ORIGINS = ["politiskt_uppdrag", "lag_foreskrift", "gemensamt_utvecklingsarbete"]
START = datetime(2025, 1, 1, 8, 0, tzinfo=UTC)
_ACTIONS = [
    "Gemensam",
    "Samordnad",
    "Digital",
    "Förbättrad",
    "Utökad",
    "Tydligare",
    "Säker",
    "Regional",
    "Förenklad",
    "Strukturerad",
    "Nära",
    "Likvärdig",
    "Snabbare",
    "Uppföljning av",
]
_SUBJECTS = [
    "vårdplanering",
    "informationsöverföring",
    "läkemedelsgenomgång",
    "utskrivning från slutenvård",
    "hemsjukvård",
    "psykiatrisk öppenvård",
    "rehabilitering",
    "munhälsobedömning",
    "demensvård",
    "palliativ vård",
    "barnhälsovård",
    "missbruksvård",
    "elevhälsa",
    "äldreomsorg",
    "hjälpmedelsförsörjning",
    "samordnad individuell plan",
    "egenvårdsbedömning",
    "nutritionsbedömning",
    "fallprevention",
    "suicidprevention",
    "vaccinationsinsatser",
    "journalåtkomst",
    "digitala vårdmöten",
    "trygg hemgång",
    "tandvårdsstöd",
]
_GROUPS = [
    "äldre",
    "barn och unga",
    "personer med funktionsnedsättning",
    "vuxna med psykisk ohälsa",
    "personer med beroende",
    "nyanlända",
    "anhöriga",
    "personer i palliativt skede",
]
_PLACES = [
    "Göteborg",
    "Borås",
    "Skövde",
    "Trollhättan",
    "Uddevalla",
    "Kungälv",
    "Alingsås",
    "Lidköping",
    "Mölndal",
    "Falköping",
    "Vänersborg",
    "Mariestad",
    "Ulricehamn",
    "Lerum",
    "Partille",
]


def title(rng: random.Random) -> str:
    return (
        f"{rng.choice(_ACTIONS)} {rng.choice(_SUBJECTS)} för {rng.choice(_GROUPS)} "
        f"i {rng.choice(_PLACES)} ({rng.randint(1, 999)})"
    )


def description(rng: random.Random) -> str:
    return (
        f"Behov av {rng.choice(_SUBJECTS)} och {rng.choice(_SUBJECTS)} mellan region och kommun. "
        f"Gäller {rng.choice(_GROUPS)}; i dag saknas gemensamma rutiner."
    )


def seed_needs(db: Database, count: int, *, seed: int = 7, batch: int = 5000) -> list[str]:
    """Insert `count` needs (each with its registration event); return their titles in order."""
    rng = random.Random(seed)
    titles = []
    with db.engine.begin() as conn:
        for start in range(0, count, batch):
            rows, events = [], []
            for i in range(start, min(start + batch, count)):
                text, body = title(rng), description(rng)
                at = START + timedelta(minutes=i)
                titles.append(text)
                rows.append(
                    dict(
                        id=i + 1,
                        title=text,
                        description=body,
                        origin=rng.choice(ORIGINS),
                        target_groups=[],
                        submitted_by=f"U{i % 500:05d}",
                        submitted_at=at,
                        content_hash=hashlib.sha256(f"{i}{text}".encode()).hexdigest(),
                        phase=1 + i % 4,
                        phase_entered_at=at,
                        public_hidden=False,
                        updated_at=at,
                    )
                )
                events.append(
                    dict(
                        need_id=i + 1,
                        at=at,
                        actor=f"U{i % 500:05d}",
                        kind="registered",
                        new_value="1",
                        public=True,
                    )
                )
            conn.execute(insert(Need), rows)
            conn.execute(insert(NeedEvent), events)
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.exec_driver_sql("SELECT setval('need_id_seq', (SELECT max(id) FROM need))")
            conn.exec_driver_sql("ANALYZE")
    return titles


def queries(titles: list[str], count: int, *, seed: int = 11) -> list[str]:
    """What people type: pieces of real titles with typos, and a few words of the vocabulary."""
    rng = random.Random(seed)
    found = []
    for n in range(count):
        if n % 3 == 0:
            found.append(f"{rng.choice(_SUBJECTS)} {rng.choice(_PLACES).lower()}")
            continue
        words = rng.choice(titles).split()
        piece = " ".join(words[: rng.randint(2, min(5, len(words)))])
        at = rng.randrange(len(piece))
        found.append(piece[:at] + piece[at + 1 :])  # one letter missing
    return found
