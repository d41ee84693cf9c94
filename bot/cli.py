"""`behov`: serve, socket, db upgrade, export, digest --preview, demo (more as it grows)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from bot import logs
from bot.settings import Settings, SettingsError, load_settings

log = logging.getLogger("behov")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="behov", description="Behov – utvecklingsbehov i VVG")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="kör boten i HTTP-läge")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=3000)
    serve.add_argument("--workers", type=int, default=1, help="antal processer (uvicorn)")
    commands.add_parser("socket", help="kör boten över Socket Mode")
    db = commands.add_parser("db", help="databasen")
    db.add_argument("action", choices=["upgrade"])
    export = commands.add_parser("export", help="årsrapporten som fil")
    export.add_argument("--format", required=True, choices=["csv", "xlsx", "json"])
    export.add_argument("--out", required=True, type=Path, help="filen som skrivs")
    export.add_argument("--year", type=int, help="kalenderår (standard: innevarande år)")
    digest = commands.add_parser("digest", help="veckosammanfattningen")
    digest.add_argument(
        "--preview",
        action="store_true",
        required=True,
        help="skriv ut nästa veckosammanfattning som text utan att skicka den",
    )
    demo = commands.add_parser("demo", help="prova Behov utan Slack, i webbläsaren")
    demo.add_argument("--port", type=int, default=8080)
    demo.add_argument("--seed", action="store_true", help="fyll på med ett trettiotal behov")
    demo.add_argument("--db", type=Path, help="SQLite-fil (standard: en ny i en tillfällig mapp)")
    return parser


def serve(settings: Settings, host: str, port: int, workers: int = 1) -> None:
    from bot.server import make_server

    settings.require("slack_bot_token", "slack_signing_secret")
    log.info("Behov listens on http://%s:%s/slack/events (%d workers)", host, port, workers)
    if workers > 1:
        _serve_workers(settings, host, port, workers)
        return
    from bot.cpu import keep_to_one_cpu
    from bot.runtime import build_runtime, settle_heap

    keep_to_one_cpu(settings.behov_cpus)
    runtime = build_runtime(settings)
    settle_heap(runtime.services)
    make_server(runtime.web_app, host, port).run()


def _serve_workers(settings: Settings, host: str, port: int, workers: int) -> None:
    """Several processes: migrate once here, then each worker builds its own app."""
    import os

    import uvicorn

    from bot.server import SERVER_OPTIONS
    from storage.db import Database

    if settings.behov_auto_migrate:
        Database.from_url(settings.database_url).upgrade()
    os.environ["BEHOV_AUTO_MIGRATE"] = "0"  # the workers inherit it: they must not race
    uvicorn.run(
        "bot.asgi:create_app", factory=True, host=host, port=port, workers=workers, **SERVER_OPTIONS
    )


def socket_mode(settings: Settings) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.cpu import keep_to_one_cpu
    from bot.runtime import build_runtime, settle_heap
    from bot.scheduler import start_scheduler

    settings.require("slack_bot_token", "slack_app_token")
    keep_to_one_cpu(settings.behov_cpus)
    runtime = build_runtime(settings, scheduler=False)
    settle_heap(runtime.services)
    scheduler = start_scheduler(runtime.services)
    try:
        SocketModeHandler(runtime.bolt_app, settings.slack_app_token).start()
    finally:
        scheduler.shutdown(wait=True)


def db_upgrade(settings: Settings) -> None:
    from storage.db import Database

    Database.from_url(settings.database_url).upgrade()
    print("Databasen är uppdaterad.")


def export(settings: Settings, fmt: str, out: Path, year: int | None) -> None:
    from bot.app import utc_now
    from bot.i18n import SV
    from bot.reporting import write_report
    from domain.reference import load_reference
    from domain.report import annual_report
    from storage.db import Database
    from storage.report import report_facts

    db = Database.from_url(settings.database_url)
    if settings.behov_auto_migrate:
        db.upgrade()
    year = year or utc_now().astimezone(settings.tz).year
    with db.session() as session:
        facts = report_facts(session)
    report = annual_report(facts, year, settings.tz)
    write_report(report, load_reference(settings.behov_classification_file), SV, fmt, out)
    print(SV("report.export.done", year=year, path=out))


def digest_preview(settings: Settings) -> None:
    """Print the next digest; needs only the database (no Slack tokens), writes nothing."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.app import utc_now
    from bot.digest import preview
    from bot.i18n import SV
    from storage.db import Database

    db = Database.from_url(settings.database_url)
    try:
        print(preview(db, settings, utc_now()))
    except SQLAlchemyError as exc:
        raise SettingsError(SV("digest.preview.no_database", error=type(exc).__name__)) from None
    finally:
        db.engine.dispose()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logs.configure()
    try:
        if args.command == "demo":  # makes its own settings: no tokens, nothing outside
            from demo.runner import run

            logs.configure(fmt="text", level="WARNING")  # the one URL, then only what went wrong
            run(args.port, seed=args.seed, database=args.db)
            return 0
        settings = load_settings()
        quiet = args.command not in ("serve", "socket")  # a one-shot command prints its result
        level = settings.behov_log_level or ("WARNING" if quiet else "INFO")
        logs.configure(settings, fmt=settings.behov_log_format, level=level)
        if args.command == "serve":
            serve(settings, args.host, args.port, args.workers)
        elif args.command == "socket":
            socket_mode(settings)
        elif args.command == "db":
            db_upgrade(settings)
        elif args.command == "export":
            export(settings, args.format, args.out, args.year)
        elif args.command == "digest":
            digest_preview(settings)
    except SettingsError as exc:
        print(f"behov: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
