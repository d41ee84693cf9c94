"""`behov serve` as an operator runs it: JSON logs without secrets, a clean stop on SIGTERM."""

from __future__ import annotations

import shutil
import signal

import pytest

from tests.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.production_support import ServeProcess


def serve_env(database_url: str, api_url: str = "http://127.0.0.1:9/api/") -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": api_url,
        "DATABASE_URL": database_url,
        "BEHOV_VOTING_CHANNEL": "CVOTE01",
        "BEHOV_TICK_SECONDS": "1",
    }


@pytest.mark.parametrize("workers", [1, 2])
def test_sigterm_stops_every_worker_cleanly_and_logs_hold_no_secret(
    tmp_path, sqlite_template, workers
):
    path = tmp_path / "behov.db"
    shutil.copy(sqlite_template, path)
    server = ServeProcess(serve_env(f"sqlite:///{path}"), tmp_path / "serve.log", workers=workers)

    # uvicorn re-raises the signal after its clean shutdown (one process); the supervisor exits 0
    assert server.stop(signal.SIGTERM) in (0, -signal.SIGTERM)

    lines = server.log_lines()
    assert [line["message"] for line in lines].count("stopped") == workers
    assert all({"time", "level", "logger", "request_id", "message"} <= set(line) for line in lines)
    text = server.log_path.read_text()
    assert BOT_TOKEN not in text and SIGNING_SECRET not in text


def test_a_served_app_keeps_what_startup_built_out_of_full_collections(monkeypatch):
    """`bot.asgi:create_app` (each worker of `behov serve --workers N`) freezes the heap."""
    import gc

    from bot import asgi

    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv("BEHOV_AUTO_MIGRATE", "0")
    import logging

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    gc.unfreeze()
    try:
        asgi.create_app()
        assert gc.get_freeze_count() > 10_000  # modules, Bolt, SQLAlchemy, reference data
    finally:
        gc.unfreeze()
        root.handlers[:], root.level = handlers, level  # create_app configured logging


def test_startup_loads_the_titles_before_it_freezes_the_heap(tmp_path, sqlite_template, caplog):
    """The first fuzzy lookup finds the titles loaded; a database that does not answer at
    start only postpones that (logged), it does not stop the bot."""
    import gc

    from benchmarks.data import seed_needs
    from bot.runtime import build_runtime, settle_heap
    from bot.settings import Settings
    from storage.db import Database

    path = tmp_path / "behov.db"
    shutil.copy(sqlite_template, path)
    seed_needs(Database.from_url(f"sqlite:///{path}"), 30)

    def runtime_on(url: str):
        settings = Settings(
            slack_bot_token=BOT_TOKEN,
            slack_signing_secret=SIGNING_SECRET,
            database_url=url,
            behov_auto_migrate=False,
        )
        return build_runtime(settings, scheduler=False)

    runtime = runtime_on(f"sqlite:///{path}")
    gc.unfreeze()
    try:
        settle_heap(runtime.services)
        assert len(runtime.services.titles.titles) == 30
        titles = runtime.services.titles.titles
        assert not any(o is titles for o in gc.get_objects())  # frozen: no full pass walks it

        down = runtime_on(f"sqlite:///{tmp_path}/missing/behov.db")
        settle_heap(down.services)
        assert down.services.titles.titles == {}
        assert "titles not loaded at start (OperationalError)" in caplog.text
    finally:
        gc.unfreeze()
