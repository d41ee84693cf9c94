"""A small portfolio of needs in every state the public page must tell apart."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert

from domain.history import EventKind
from domain.needs import Draft
from storage.models import Completion, Need
from storage.needs import change_phase, create_need, record_event
from storage.public import hide_need

ADMIN = "UADMIN1"
STAFF = "USTAFF1"
# What must never leave the bot on a public page or feed.
SECRETS = [
    *(ADMIN, STAFF, "Per Presidium", "anna.andersson", "vgregion.se", "Anna tycker", "hemlig"),
    *("19121212-1212", "070-765 98 90"),  # no 4 in them: #4 is searched for by number
]
START = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)


@dataclass
class Portfolio:
    phase1: int
    prioritisation: int
    execution: int
    completed: int
    hidden: int
    withdrawn: int
    not_prioritised: int
    merged: int

    @property
    def published(self) -> list[int]:
        return [
            self.prioritisation,
            self.execution,
            self.completed,
            self.not_prioritised,
            self.merged,
        ]

    @property
    def unpublished(self) -> list[int]:
        return [self.phase1, self.hidden, self.withdrawn]


def add_need(session, ref, title: str, *, at: datetime, user: str = STAFF, **fields) -> Need:
    draft = Draft(
        title=title,
        description=fields.pop("description", f"Beskrivning av {title.lower()}."),
        origin=fields.pop("origin", "gemensamt_utvecklingsarbete"),
        area=fields.pop("area", "personcentrerat"),
        target_groups=fields.pop("target_groups", ["aldre"]),
        level=fields.pop("level", "lansgemensam"),
        organisation="Borås",
    )
    need, _ = create_need(session, draft=draft, ref=ref, user_id=user, now=at)
    for name, value in fields.items():
        setattr(need, name, value)
    session.add(need)
    session.flush()
    return need


def move(session, need: Need, to_phase: int, at: datetime, comment: str | None = None) -> None:
    change_phase(session, need=need, to_phase=to_phase, actor=ADMIN, now=at, comment=comment)


def close(session, need: Need, outcome: str, at: datetime, comment: str) -> None:
    need.outcome = outcome
    need.closed_at = at
    session.add(need)
    record_event(
        session, need=need, at=at, actor=ADMIN, kind=EventKind.CLOSED, field="outcome",
        new=outcome, comment=comment,
    )  # fmt: skip


def build_portfolio(db, ref) -> Portfolio:
    day = timedelta(days=1)
    with db.session(write=True) as s:
        p1 = add_need(s, ref, "Nytt behov i fas ett", at=START)
        p2 = add_need(
            s,
            ref,
            "Samordnad vård för äldre",
            at=START + day,
            description="Äldre behöver samordnad vård. Kontakta anna.andersson@vgregion.se "
            f"eller <@{STAFF}> för mer. Brukaren 19121212-1212 nås på 070-765 98 90.",
        )
        move(s, p2, 2, START + 3 * day, comment="Per Presidium tog upp behovet")
        p3 = add_need(
            s,
            ref,
            "Digitala vårdmöten för unga",
            at=START + 2 * day,
            area="digitalisering",
            target_groups=["barn_unga", "psykisk_missbruk"],
            level="delregional",
        )
        move(s, p3, 2, START + 4 * day)
        record_event(
            s, need=p3, at=START + 10 * day, actor=ADMIN, kind=EventKind.VOTE_CLOSED, new="gor_nu"
        )
        p3.decision, p3.quadrant = "prioriterat", "gor_nu"
        record_event(
            s, need=p3, at=START + 11 * day, actor=ADMIN, kind=EventKind.DECIDED,
            new="prioriterat", comment="Anna tycker att det är viktigt",
        )  # fmt: skip
        move(s, p3, 3, START + 12 * day)
        p4 = add_need(
            s, ref, "Gemensam uppföljning", at=START + 3 * day, area="uppfoljning_analys",
            origin="politiskt_uppdrag", target_groups=[],
        )  # fmt: skip
        move(s, p4, 2, START + 5 * day)
        move(s, p4, 3, START + 20 * day)
        move(s, p4, 4, START + 60 * day)
        s.add(
            Completion(
                need_id=p4.id,
                final_report_date=date(2026, 4, 1),
                vvg_position="Godkänd",
                product_url="https://example.org/produkt",
                completed_by=ADMIN,
                completed_at=START + 60 * day,
            )
        )
        record_event(s, need=p4, at=START + 60 * day, actor=ADMIN, kind=EventKind.COMPLETED)
        p5 = add_need(s, ref, "Dolt behov med hemlig titel", at=START + 4 * day)
        move(s, p5, 2, START + 6 * day)
        hide_need(s, need=p5, actor=ADMIN, reason="Innehåller personuppgifter", now=START + 7 * day)
        p6 = add_need(s, ref, "Återkallat behov", at=START + 5 * day)
        move(s, p6, 2, START + 6 * day)
        close(s, p6, "aterkallat", START + 8 * day, "Anna tycker inte längre")
        p7 = add_need(s, ref, "Ej prioriterat behov", at=START + 6 * day, area="kontinuitet")
        move(s, p7, 2, START + 7 * day)
        p7.decision = "ej_prioriterat"
        close(s, p7, "ej_prioriterat", START + 9 * day, "Per Presidium motiverade")
        p8 = add_need(s, ref, "Dubblett av digitala vårdmöten", at=START + 7 * day)
        move(s, p8, 2, START + 8 * day)
        p8.merged_into = p3.id
        close(s, p8, "sammanslaget", START + 9 * day, "dubblett")
        numbers = [p.id for p in (p1, p2, p3, p4, p5, p6, p7, p8)]
    return Portfolio(*numbers)


AREAS = ["personcentrerat", "digitalisering", "uppfoljning_analys", "kompetensforsorjning"]
GROUPS = [["aldre"], ["barn_unga"], ["aldre", "psykisk_missbruk"], []]
WORDS = ["hemsjukvård", "läkemedel", "utskrivning"]


def add_many(db, ref, count: int, *, offset: int = 0) -> None:
    """`count` more needs in varied phases, areas and target groups; every seventh stays in
    phase 1 and every eleventh is hidden (neither may ever be listed)."""
    day = timedelta(days=1)
    with db.session(write=True) as s:
        for i in range(offset, offset + count):
            at = START + i * timedelta(hours=1)
            need = add_need(
                s,
                ref,
                f"Behov nummer {i} om {WORDS[i % len(WORDS)]}",
                at=at,
                area=AREAS[i % len(AREAS)],
                target_groups=GROUPS[i % len(GROUPS)],
            )
            if i % 7 == 0:
                continue
            move(s, need, 2, at + day)
            if i % 3 == 1:
                move(s, need, 3, at + 2 * day)
            if i % 11 == 0:
                hide_need(s, need=need, actor=ADMIN, reason="Test", now=at + 3 * day)


def insert_published(db, count: int) -> None:
    """`count` more published needs (phase 2) with descriptions of a few hundred characters,
    inserted in bulk: an export of some MB in a second or two."""
    rows = [
        dict(
            title=f"Publicerat behov {i} om {WORDS[i % len(WORDS)]}",
            description=f"Behov {i}: " + "samordnad vård och omsorg mellan region och kommun " * 8,
            origin="gemensamt_utvecklingsarbete",
            area=AREAS[i % len(AREAS)],
            target_groups=GROUPS[i % len(GROUPS)],
            level="lansgemensam",
            submitted_by=STAFF,
            submitted_at=START + i * timedelta(hours=1),
            content_hash=f"bulk-{i}",
            phase=2,
            phase_entered_at=START,
            public_hidden=False,
            updated_at=START,
        )
        for i in range(count)
    ]
    with db.engine.begin() as conn:
        for start in range(0, count, 1000):
            conn.execute(insert(Need), rows[start : start + 1000])


def build_awkward(db, ref) -> list[int]:
    """Published needs whose text a CSV or JSON writer can get wrong: quotes, commas,
    semicolons and line breaks, formula starts, tabs, control characters, non-ASCII, Slack
    user ids, mentions and e-mail addresses to scrub, unknown target groups, a perspective
    without an area, and dates on either side of midnight and of the switch to summer time
    in Stockholm. Their numbers, in order."""
    day = timedelta(days=1)
    texts = [
        dict(
            title='Citat "inom" citattecken, komma; semikolon',
            description='Rad ett\nrad två\r\nrad tre med "citat", komma och semikolon; slut.\n'
            "Kontakta <@U012ABCDEF> eller <!channel> i <#C0123ABCD|allmänt>, skriv till "
            "förnamn.efternamn+vvg@example.org eller fråga U0ABCDE12 och W0123ABCD "
            "(inte U123, men UPPSALA1).",
            target_groups=["aldre", "barn_unga", "okand"],
            level="lokal",
            area="tillit",
        ),
        dict(
            title="=SUMMA(A1:A2) ser ut som en formel",
            description="+46 70 123 45 67 är ett telefonnummer.\tTabb, emoji 🚑, “typografiska” "
            "citat, ellips… och tankstreck – samt radavgränsare\u2028och hårt\u00a0mellanslag.",
            origin="lag_foreskrift",
            area=None,
            perspective="forutsattningar",
            decision="parkerat",
            quadrant="planera",
        ),
        dict(
            title="-12 grader: minus först",
            description="@alla: snabel-a först. Backslash \\ och snedstreck /, kontrolltecken "
            "\x07 och \x1f, och ett ensamt minus:\n-",
            level="delregional",
            target_groups=["psykisk_missbruk", "aldre"],
        ),
        dict(
            title="\tTabb först",
            description=' - minus efter mellanslag; \'apostrof\' och ""dubbla"" citat',
            target_groups=[],
            area="fvm",
        ),
        dict(title="-", description="Åäö ÅÄÖ éü ß Ø æ — 𝄞 ﷽ \\u00e5 \\n"),
        dict(
            title="@Uppföljning med W-nummer WABCDE123",
            description="Slutar med radbrytning och komma,\n",
            origin="politiskt_uppdrag",
            area="mobila_team",
        ),
    ]
    numbers = []
    with db.session(write=True) as s:
        for i, fields in enumerate(texts):
            at = START + (20 + i) * day
            need = add_need(s, ref, fields.pop("title"), at=at, user=f"U0AWKWARD{i}", **fields)
            move(s, need, 2 + i % 2, at + day)
            numbers.append(need.id)
        # Registered before midnight UTC, after midnight in Stockholm; taken up in the
        # first hour of summer time.
        late = add_need(
            s, ref, "Sent på kvällen", at=datetime(2026, 3, 28, 23, 30, tzinfo=UTC),
            description="Registrerat 00.30 svensk tid.",
        )  # fmt: skip
        move(s, late, 2, datetime(2026, 3, 29, 1, 30, tzinfo=UTC))
        numbers.append(late.id)
    return numbers


@contextmanager
def served_site(database_url: str, clock, more: int) -> Iterator:
    """The web app over the portfolio and `more` needs, as a TestClient that also carries
    the services and runtime; the base URL is the request's."""
    from starlette.testclient import TestClient

    from bot.app import build_services
    from bot.runtime import build_runtime
    from tests.conftest import make_settings

    settings = make_settings(database_url, "http://127.0.0.1:9/")
    services = build_services(settings, clock=clock)
    runtime = build_runtime(settings, services=services, scheduler=False)
    build_portfolio(services.db, services.ref)
    add_many(services.db, services.ref, more)
    try:
        with TestClient(runtime.web_app) as client:
            client.services, client.runtime = services, runtime
            yield client
    finally:
        services.exports.clear()  # closes the kept exports' temporary files
        services.db.engine.dispose()
