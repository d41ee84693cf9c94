"""Shared fixtures: both databases, a controllable clock, the fake Slack and a running bot.

PostgreSQL: set BEHOV_TEST_POSTGRES_URL to a database the tests may empty, or leave it unset
to let the tests create (and drop) a scratch database on postgres@127.0.0.1:5432. Without a
reachable server the PostgreSQL variants skip, unless BEHOV_REQUIRE_POSTGRES=1 (as in CI).
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel

from bot.app import build_services
from bot.settings import load_settings
from storage.db import Database, make_engine

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
ADMIN = "UADMIN1"
STAFF = "USTAFF1"
VOTING_CHANNEL = "CVOTE01"
SERVER_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


class Clock:
    """A clock tests can move; aware UTC like the real one."""

    def __init__(self, start: datetime | None = None):
        self.now = start or datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now


# ---------------------------------------------------------------- databases


def _postgres_required() -> bool:
    return os.environ.get("BEHOV_REQUIRE_POSTGRES") == "1"


@pytest.fixture(scope="session")
def postgres_url():
    """A migrated PostgreSQL database for this test run, or a skip with the reason."""
    url = os.environ.get("BEHOV_TEST_POSTGRES_URL")
    scratch = None
    try:
        if url is None:
            scratch = f"behov_test_{uuid.uuid4().hex[:8]}"
            admin = make_engine(SERVER_URL, isolation_level="AUTOCOMMIT", pool_size=1)
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{scratch}"'))
            admin.dispose()
            url = SERVER_URL.rsplit("/", 1)[0] + "/" + scratch
        Database.from_url(url).upgrade()
    except sa.exc.OperationalError as exc:
        reason = (
            f"PostgreSQL is not reachable ({type(exc.orig).__name__}); set BEHOV_TEST_POSTGRES_URL"
        )
        if _postgres_required():
            pytest.fail("BEHOV_REQUIRE_POSTGRES=1 but " + reason)
        pytest.skip(reason)
    yield url
    if scratch:
        admin = make_engine(SERVER_URL, isolation_level="AUTOCOMMIT", pool_size=1)
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A migrated SQLite file that each test copies (faster than migrating every time)."""
    path = tmp_path_factory.mktemp("template") / "behov.db"
    db = Database.from_url(f"sqlite:///{path}")
    db.upgrade()
    db.engine.dispose()
    return path


def _empty_postgres(url: str) -> None:
    engine = make_engine(url, pool_size=1)
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path, sqlite_template):
    """Every storage test runs on both databases, each test on an empty one."""
    if request.param == "sqlite":
        path = tmp_path / "behov.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_url")
    _empty_postgres(url)
    return url


@pytest.fixture
def db(database_url):
    database = Database.from_url(database_url)
    yield database
    database.engine.dispose()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def ref():
    from domain.reference import load_reference

    return load_reference()


# ---------------------------------------------------------------- Slack and the bot


def make_settings(database_url: str, api_url: str, **extra):
    values = dict(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=api_url,
        database_url=database_url,
        behov_voting_channel=VOTING_CHANNEL,
        behov_admins=ADMIN,
        behov_auto_migrate=False,
        _env_file=None,
    )
    values.update(extra)
    return load_settings(**values)


@pytest.fixture
def fake_slack():
    from fakeslack import FakeSlack

    slack = FakeSlack(signing_secret=SIGNING_SECRET, bot_token=BOT_TOKEN)
    slack.start()
    slack.add_user(STAFF, "anna.andersson", real_name="Anna Andersson")
    slack.add_user(ADMIN, "per.presidium", real_name="Per Presidium")
    slack.add_user("UENGLISH", "emma.english", real_name="Emma English", locale="en-US")
    slack.add_channel("CGENERAL", "allmant", members=[STAFF, ADMIN, "UENGLISH"])
    slack.add_channel(VOTING_CHANNEL, "vvg-prioritering", members=[ADMIN])
    yield slack
    slack.stop()


class Bot:
    """The bot as it runs in production, over HTTP on loopback, talking to the fake Slack."""

    def __init__(self, settings, clock):
        from bot.runtime import build_runtime
        from bot.server import ServerThread

        self.services = build_services(settings, clock=clock)
        self.runtime = build_runtime(settings, services=self.services, scheduler=False)
        self.server = ServerThread(self.runtime.web_app).start()
        self.url = self.server.url

    def settle(self) -> None:
        """Wait until the work the bot does after acknowledging is finished."""
        assert self.services.listeners.wait_idle(timeout=15), "the bot's listeners did not finish"

    @property
    def db(self) -> Database:
        return self.services.db

    def stop(self) -> None:
        self.server.stop()
        self.services.db.engine.dispose()


def connect(fake_slack, running: Bot) -> Bot:
    """Point the fake Slack at the bot; every request then waits for the bot's after-ack work,
    like a person who looks only once the bot has finished."""
    fake_slack.app_url = running.url + "/slack/events"
    deliver = fake_slack.post_raw

    def post_and_settle(body, headers):
        result = deliver(body, headers)
        running.settle()
        return result

    fake_slack.post_raw = post_and_settle
    return running


# BEHOV_SLACK_TIMEOUT of `impatient_bot`: short, so an answer that comes late times out.
IMPATIENT_TIMEOUT = 1.0


@pytest.fixture
def impatient_bot(database_url, fake_slack, clock):
    """The bot with a short BEHOV_SLACK_TIMEOUT (IMPATIENT_TIMEOUT), so a late answer times out."""
    timeout = IMPATIENT_TIMEOUT
    settings = make_settings(database_url, fake_slack.api_url, behov_slack_timeout=timeout)
    running = connect(fake_slack, Bot(settings, clock))
    yield running
    running.stop()
    assert fake_slack.problems == [], fake_slack.problems


@pytest.fixture
def bot(database_url, fake_slack, clock):
    running = connect(fake_slack, Bot(make_settings(database_url, fake_slack.api_url), clock))
    yield running
    running.stop()
    assert fake_slack.problems == [], "the fake Slack rejected calls: " + "; ".join(
        fake_slack.problems
    )


@pytest.fixture
def proxy(postgres_url):
    """A TCP proxy of our own in front of PostgreSQL: cut it for an outage, restore it."""
    from tests.production_support import TcpProxy

    target = sa.engine.make_url(postgres_url)
    running = TcpProxy(target.host or "127.0.0.1", target.port or 5432)
    yield running
    running.close()


@pytest.fixture
def bot_via_proxy(postgres_url, proxy, fake_slack, clock):
    """The bot on an empty PostgreSQL database, reached through `proxy`."""
    _empty_postgres(postgres_url)
    url = sa.engine.make_url(postgres_url).set(host="127.0.0.1", port=proxy.port)
    running = Bot(
        make_settings(url.render_as_string(hide_password=False), fake_slack.api_url), clock
    )
    connect(fake_slack, running)
    yield running
    running.stop()


def wait_for(condition, what: str, limit: float = 15.0):
    """Until `condition()` holds (its value is returned): an event a test waits for, not a
    measured time; `limit` only bounds a failing test."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.01)
    raise AssertionError(f"gave up waiting for {what}")
