"""The composition root: settings, database, Slack app and surfaces, built on demand."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from slack_bolt import App

from bot.executor import TrackedExecutor
from bot.given_up import GivenUpVotes
from bot.languages import UserLanguages
from bot.settings import Settings
from bot.slack_client import make_client
from bot.turns import BackSeat, FairLimit, OneAtATime, Unanswered
from domain.reference import Reference, load_reference
from storage.db import Database
from storage.title_index import TitleIndex
from web.export_cache import ExportCache

log = logging.getLogger(__name__)

# CPU-heavy answers (fuzzy lookups, lists and searches over many needs, App Home tabs) at
# once per process: each holds the GIL for milliseconds at a time, and every ack waiting for
# the GIL behind them is late; more at once is not faster (one GIL, and one core per process
# as advised). With two, fuzzy lookups at 16 clients on one core had an ack p99 of 49-52 ms
# on SQLite, with one 31-35 ms, and their answers came sooner too (p99 128-135 -> 104-113).
HEAVY_AT_ONCE = 1
# ... on threads of their own at this lower priority (nice), so that on the process's core an
# ack about to be given runs before them (bot/turns.py BackSeat). A/B, fuzzy lookups at 16
# clients on one core, SQLite: ack p99 1.09-1.37x the bare app's at the same priority,
# 0.67-0.80x at nice 10 and 0.71-0.84x at 19; the answers a little later, more so at 19
# (benchmarks/README.md, the reading of 23:08-23:30).
HEAVY_NICE = 10
# Builds of the open-data exports at once per process: apart from the answers, so that a
# build over many needs (a second or more at 100,000) does not hold up people's answers.
BUILDS_AT_ONCE = 1


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    """What every handler and job needs, made once per process."""

    settings: Settings
    db: Database
    ref: Reference
    languages: UserLanguages
    titles: TitleIndex = field(default_factory=TitleIndex)
    clock: Callable[[], datetime] = utc_now
    listeners: TrackedExecutor = field(default_factory=TrackedExecutor)
    heavy: BackSeat = field(default_factory=lambda: BackSeat(HEAVY_AT_ONCE, HEAVY_NICE))
    builds: FairLimit = field(default_factory=lambda: FairLimit(BUILDS_AT_ONCE))
    exports: ExportCache = field(default_factory=ExportCache)  # open-data bodies last built
    given_up: GivenUpVotes = field(default_factory=GivenUpVotes)  # unposted votes to drop
    # Slack requests not answered yet (counted by bot/web.py): work after an ack lets them
    # go first.
    unanswered: Unanswered = field(default_factory=Unanswered)
    # App Home tabs to publish again after a change, one at a time (commands/home.py).
    homes: OneAtATime = field(init=False)

    def __post_init__(self) -> None:
        self.homes = OneAtATime(self.listeners.submit, quiet=self.unanswered)


def build_services(settings: Settings, *, clock: Callable[[], datetime] = utc_now) -> Services:
    return Services(
        settings=settings,
        db=Database.from_url(settings.database_url),
        ref=load_reference(settings.behov_classification_file),
        languages=UserLanguages(make_client(settings, timeout=3, retries=False)),
        clock=clock,
    )


def build_bolt_app(services: Services, *, process_before_response: bool = False) -> App:
    """The Bolt app with every surface registered; nothing here runs at import time."""
    from commands import register_all
    from commands.context import AddServices, ReplaceRespond
    from commands.errors import handle_error
    from commands.redelivery import RefuseRedeliveries
    from commands.status import read_ahead

    settings = services.settings
    app = App(
        client=make_client(settings),
        signing_secret=settings.slack_signing_secret,
        process_before_response=process_before_response,
        token_verification_enabled=False,
        raise_error_for_unhandled_request=False,
        listener_executor=services.listeners,
    )
    app.middleware(ReplaceRespond(settings))  # first: even errors of the next answer with it
    app.middleware(RefuseRedeliveries(services, read_ahead=read_ahead))
    app.middleware(AddServices(services, wait_for_ack=not process_before_response))
    app.error(handle_error)
    register_all(app)
    return app
