"""The import-string app factory uvicorn needs for several workers: `bot.asgi:create_app`.

Each worker process builds its own runtime from the environment (the same settings as
`behov serve`); only the first may migrate, so `behov serve` migrates before it forks and
tells the workers not to (BEHOV_AUTO_MIGRATE=0).
"""

from __future__ import annotations

from starlette.applications import Starlette

from bot import logs
from bot.settings import load_settings


def create_app() -> Starlette:
    from bot.cpu import keep_to_one_cpu
    from bot.runtime import build_runtime, settle_heap

    settings = load_settings()
    logs.configure(
        settings, fmt=settings.behov_log_format, level=settings.behov_log_level or "INFO"
    )
    settings.require("slack_bot_token", "slack_signing_secret")
    keep_to_one_cpu(settings.behov_cpus)  # each worker its own core
    runtime = build_runtime(settings)
    settle_heap(runtime.services)
    return runtime.web_app
