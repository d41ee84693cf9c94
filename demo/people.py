"""The demo workspace: who is in it, which channels exist, who is an admin."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    real_name: str
    title: str  # shown in the person switcher: role and organisation
    admin: bool = False
    voter: bool = False
    locale: str = "sv-SE"


STAFF = "USARA01"
ADMIN = "UEVA001"
VOTERS = ("UKARIN1", "UJONAS1", "UMARIA1", "ULEILA1")
PEOPLE = (
    Person(STAFF, "sara.lind", "Sara Lind", "Enhetschef hemtjänst, Borås Stad"),
    Person(
        ADMIN, "eva.nilsson", "Eva Nilsson", "Ordförande VVG (presidiet)", admin=True, voter=True
    ),
    Person(VOTERS[0], "karin.berg", "Karin Berg", "VVG-ledamot, Fyrbodal", voter=True),
    Person(VOTERS[1], "jonas.ek", "Jonas Ek", "VVG-ledamot, Skaraborg", voter=True),
    Person(VOTERS[2], "maria.holm", "Maria Holm", "VVG-ledamot, Göteborgsregionen", voter=True),
    Person(VOTERS[3], "leila.haddad", "Leila Haddad", "VVG-ledamot, Sjuhärad", voter=True),
    Person("UTOM001", "tom.wright", "Tom Wright", "Developer, VGR (English)", locale="en-GB"),
)

VOTING_CHANNEL = "CVVGPRIO"
DIGEST_CHANNEL = "CBEHOVNY"
GENERAL_CHANNEL = "CALLMANT"
CHANNELS = (  # id, name, members (None: everyone)
    (GENERAL_CHANNEL, "allmänt", None),
    (VOTING_CHANNEL, "vvg-prioritering", [p.id for p in PEOPLE if p.voter]),
    (DIGEST_CHANNEL, "behov-nyheter", None),
)


def populate(fake) -> None:
    """Add the people and channels to a FakeSlack."""
    for person in PEOPLE:
        fake.add_user(
            person.id,
            person.name,
            real_name=person.real_name,
            locale=person.locale,
            tz="Europe/London" if person.locale == "en-GB" else "Europe/Stockholm",
        )
        fake.users[person.id]["profile"]["title"] = person.title
    everyone = [p.id for p in PEOPLE]
    for id, name, members in CHANNELS:
        fake.add_channel(id, name, members=members if members is not None else everyone)


def person(user_id: str) -> Person | None:
    return next((p for p in PEOPLE if p.id == user_id), None)
