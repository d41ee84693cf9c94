"""Logs an operator can search: one line per event, a request id on each, no secrets in any.

The request id is set once per Slack request (bot/web.py) in a contextvar; Starlette's thread
pool and Bolt's listener executor (bot/executor.py) carry it to the threads that do the work.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import re
import sys
import time
import uuid

from bot.log_privacy import bolt_message, describe, format_exception
from domain.personal_data import redact_contact_details

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

# Slack tokens of every kind, and the password part of any URL (postgresql://user:pw@host).
_TOKEN = re.compile(r"\b(xox[abpeorsc]|xapp)-[A-Za-z0-9-]+")
_URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/@\s]+:)[^@\s]+@", re.IGNORECASE)
# PostgreSQL's detail line of a constraint error quotes the row ("Failing row contains
# (…)", "Key (…)=(…)"): people's texts. In English (the server's default) and Swedish.
_SERVER_DETAIL = re.compile(r"^(DETAIL|DETALJ|CONTEXT|KONTEXT):.*$", re.MULTILINE)
# The value PostgreSQL could not read, quoted in its message: `…for type integer: "Ek"`.
_SERVER_VALUE = re.compile(r'((?:invalid input|ogiltig indata)[^:\n]*:) ".*"', re.IGNORECASE)
MASK = "***"


def new_request_id(timestamp: str | None) -> str:
    """Slack's request timestamp (to find the request in Slack's logs) plus a unique part."""
    stamp = timestamp if timestamp and timestamp.isdigit() else str(int(time.time()))
    return f"{stamp}-{uuid.uuid4().hex[:8]}"


class Redactor:
    """Removes tokens, URL passwords and the configured secret values from text, and the
    contact details a need's text may carry into an error (e-mail addresses, personnummer,
    phone numbers: domain.personal_data). Slack user ids stay: the bot's own lines name
    them on purpose, so an operator can follow one person's requests."""

    def __init__(self, secrets: tuple[str, ...] = ()):
        self.secrets = tuple(s for s in secrets if s and len(s) >= 4)

    def __call__(self, text: str) -> str:
        text = _TOKEN.sub(lambda m: f"{m.group(1)}-{MASK}", text)
        text = _URL_PASSWORD.sub(rf"\g<1>{MASK}@", text)
        text = _SERVER_DETAIL.sub(rf"\g<1>: {MASK}", text)
        text = _SERVER_VALUE.sub(rf"\g<1> {MASK}", text)
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return redact_contact_details(text, MASK)


class RedactingFilter(logging.Filter):
    """Bakes the message (and traceback) into the record, redacted, before any formatter.

    An exception, as an argument or in the traceback, is told by bot.log_privacy.describe:
    its message only where it cannot quote what people wrote.
    """

    def __init__(self, redactor: Redactor):
        super().__init__()
        self.redact = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = _told(record.msg), _safe_args(record.args)
        message = record.getMessage()
        if record.name.startswith("slack_bolt"):
            message = bolt_message(message)
        record.msg = self.redact(message)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:  # never a cached, unsafe text
            record.exc_text = format_exception(record.exc_info[1])
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


def _told(value):
    return describe(value) if isinstance(value, BaseException) else value


def _safe_args(args):
    if isinstance(args, tuple):
        return tuple(_told(a) for a in args)
    if isinstance(args, dict):
        return {k: _told(v) for k, v in args.items()}
    return args


class OwnDebugOnly(logging.Filter):
    """DEBUG lines of the bot's own modules only. At DEBUG slack_sdk logs every request and
    answer body, Bolt every ack it sends, SQLAlchemy the rows it reads: people's texts.
    (Bolt copies the root's level into its loggers, so a level on them would not hold.)"""

    OWN = ("behov", "bot", "commands", "domain", "storage", "web")

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.INFO or record.name.split(".")[0] in self.OWN


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, request_id, message (and exc)."""

    converter = time.gmtime

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exc"] = record.exc_text
        return json.dumps(line, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """key=value on one line; a traceback is folded into the same line."""

    converter = time.gmtime

    def format(self, record: logging.LogRecord) -> str:
        stamp = self.formatTime(record, "%Y-%m-%dT%H:%M:%SZ")
        text = (
            f"{stamp} level={record.levelname} logger={record.name} "
            f"request_id={getattr(record, 'request_id', '-')} msg={json.dumps(record.getMessage())}"
        )
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            text += f" exc={json.dumps(record.exc_text)}"
        return text


def secrets_of(settings) -> tuple[str, ...]:
    """The values that must never appear in a log line."""
    from sqlalchemy.engine import make_url

    values = [settings.slack_bot_token, settings.slack_signing_secret, settings.slack_app_token]
    with contextlib.suppress(Exception):  # a malformed URL has no password to hide
        values.append(make_url(settings.database_url).password)
    return tuple(str(v) for v in values if v)


def make_handler(stream=None, *, fmt: str = "json", secrets: tuple[str, ...] = ()):
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(OwnDebugOnly())
    handler.addFilter(RequestIdFilter())
    handler.addFilter(RedactingFilter(Redactor(secrets)))
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    return handler


def configure(settings=None, *, fmt: str = "json", level: str = "INFO", stream=None) -> None:
    """Replace the root handlers with one structured, redacting handler (idempotent)."""
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "behov", False):
            root.removeHandler(old)
    handler = make_handler(
        stream, fmt=fmt, secrets=secrets_of(settings) if settings is not None else ()
    )
    handler.behov = True
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # noise at start
