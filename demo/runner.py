"""Start the whole demo on loopback: the fake Slack, the real bot over HTTP, the sandbox page."""

from __future__ import annotations

import logging
import secrets
import signal
import socket
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from bot.i18n import SV
from bot.runtime import build_runtime
from bot.server import ServerThread
from bot.settings import load_settings
from demo import people
from fakeslack import FakeSlack

log = logging.getLogger(__name__)
HOST = "127.0.0.1"


@dataclass
class Demo:
    """The running pieces; `sandbox_app` is served by the caller (foreground or thread)."""

    fake: FakeSlack
    bot: ServerThread
    runtime: object
    sandbox_app: object
    workdir: tempfile.TemporaryDirectory | None

    def stop(self) -> None:
        self.bot.stop()
        self.fake.stop()
        self.runtime.services.db.engine.dispose()
        if self.workdir is not None:
            self.workdir.cleanup()


def start(*, database: Path | None = None, scheduler: bool = True, seed: bool = False) -> Demo:
    """Fake Slack first (the bot talks to it), then the bot, then the sandbox app over both."""
    from demo.routes import create_sandbox

    workdir = None
    if database is None:
        workdir = tempfile.TemporaryDirectory(prefix="behov-demo-")
        database = Path(workdir.name) / "behov-demo.db"
    bot_port = free_port()
    token = "xoxb-demo-" + secrets.token_hex(8)
    fake = FakeSlack(signing_secret=secrets.token_hex(16), bot_token=token).start()
    people.populate(fake)
    settings = load_settings(
        slack_bot_token=token,
        slack_signing_secret=fake.signing_secret,
        slack_api_url=fake.api_url,
        database_url=f"sqlite:///{database}",
        behov_voting_channel=people.VOTING_CHANNEL,
        behov_digest_channel=people.DIGEST_CHANNEL,
        behov_admins=people.ADMIN,
        behov_auto_migrate=True,
        behov_public_url=f"http://{HOST}:{bot_port}",
        _env_file=None,
    )
    runtime = build_runtime(settings, scheduler=scheduler)
    bot = ServerThread(runtime.web_app, HOST, bot_port).start()
    fake.app_url = bot.url + "/slack/events"

    def settle() -> None:  # wait for the bot's after-ack work, as a person waits to look
        runtime.services.listeners.wait_idle(timeout=15)

    if seed:
        from demo.seed import seed as fill

        fill(fake, runtime.services, settle)
    sandbox = create_sandbox(fake, bot_url=bot.url, settle=settle)
    return Demo(fake, bot, runtime, sandbox, workdir)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def run(port: int = 8080, *, seed: bool = False, database: Path | None = None) -> None:
    """`behov demo`: start everything, print one URL once it answers, serve until stopped."""
    demo = start(seed=seed, database=database)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        page = ServerThread(demo.sandbox_app, HOST, port).start()
    except RuntimeError:
        demo.stop()
        raise SystemExit(SV("demo.port_busy", port=port)) from None
    print(SV("demo.started", url=f"http://{HOST}:{port}/"), flush=True)
    try:
        while not stopped.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        page.stop()
        demo.stop()
