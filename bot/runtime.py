"""Put the pieces together for one process: services, Bolt app, web app, scheduler."""

from __future__ import annotations

import contextlib
import gc
import logging
from dataclasses import dataclass

from slack_bolt import App
from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette

from bot.app import Services, build_bolt_app, build_services
from bot.scheduler import start_scheduler
from bot.settings import Settings
from bot.web import create_web_app

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    services: Services
    bolt_app: App
    web_app: Starlette


def settle_heap(services: Services | None = None) -> None:
    """Keep what startup built out of the garbage collector's full passes.

    Modules, Bolt, SQLAlchemy and the reference data live as long as the process, yet a
    full pass walks them all while every thread waits, Slack's acks included: 134 ms with
    the 135,000 objects of a started bot (measured under load). The title index (three
    strings and a word list per need) is loaded first so that it is kept out too, and the
    first fuzzy lookup does not pay for loading every title. Called by the entry points
    once the app is built; not by tests, which build many apps in one process.
    """
    if services is not None:
        load_titles(services)
    gc.collect()
    gc.freeze()


def load_titles(services: Services) -> None:
    """Fill the title index now; if the database does not answer, it fills on first use."""
    try:
        with services.db.connection() as conn:
            services.titles.refresh(conn)
    except SQLAlchemyError as error:
        log.warning("titles not loaded at start (%s): loaded on first use", type(error).__name__)


def build_runtime(
    settings: Settings,
    *,
    services: Services | None = None,
    scheduler: bool = True,
    process_before_response: bool = False,
) -> Runtime:
    services = services or build_services(settings)
    if settings.behov_auto_migrate:
        services.db.upgrade()
    bolt_app = build_bolt_app(services, process_before_response=process_before_response)

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        running = start_scheduler(services) if scheduler else None
        try:
            yield
        finally:
            log.info("shutting down: finishing work in progress")
            if running is not None:
                running.shutdown(wait=True)  # finish the tick in progress, start no new one
            services.listeners.wait_idle(timeout=20)  # finish work already acknowledged
            log.info("stopped")

    return Runtime(services, bolt_app, create_web_app(services, bolt_app, lifespan=lifespan))
