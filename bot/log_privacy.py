"""Exceptions told in the log without the texts they may quote.

Patterns (bot/logs.py Redactor) cannot find a name or a diagnosis in a need's text, and many
exception messages quote the value they choke on: `int("Karin Ek")`, a KeyError, pydantic's
`input_value=…`, Slack's error body, a Jinja error. So an exception's message is kept only
for the kinds known not to quote values; of the rest the log keeps the type and the
traceback's frames (file, line, function), which is what an operator needs to find the bug.
"""

from __future__ import annotations

import json
import re
import traceback

from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import DBAPIError, SQLAlchemyError, StatementError

LEFT_OUT = "(message left out: it may quote what people wrote)"

# Their messages name code (attributes, modules, limits) or the network, never a value.
_MESSAGE_KEPT = (
    OSError,  # timeouts, refused and broken connections, URLError
    AttributeError,
    NameError,
    ImportError,
    IndexError,
    ZeroDivisionError,
    NotImplementedError,
    RecursionError,
    MemoryError,
)
_CODE = re.compile(r"[a-z0-9_.:-]{1,80}")  # a Slack error code or method name, nothing more
_CAUSE = "\nThe above exception was the direct cause of the following exception:\n\n"
_CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n\n"


def _code(value) -> str:
    return value if isinstance(value, str) and _CODE.fullmatch(value) else "?"


def describe(exc: BaseException) -> str:
    """One line for the log: the exception's type, and its message if it cannot quote people."""
    name = type(exc).__name__
    if isinstance(exc, SlackApiError):  # str() holds Slack's whole answer; keep its error code
        response = exc.response
        method = str(getattr(response, "api_url", "") or "").rstrip("/").rsplit("/", 1)[-1]
        data = getattr(response, "data", None)
        error = data.get("error") if isinstance(data, dict) else None
        status = getattr(response, "status_code", "?")
        return f"{name}: {_code(method)} answered {status} {_code(error)}"
    if getattr(exc, "log_safe", False):  # our own errors whose message says only codes
        return f"{name}: {exc}"
    if isinstance(exc, SQLAlchemyError):
        if isinstance(exc, StatementError) and not isinstance(exc, DBAPIError):
            # A Python error while binding a value (a type's check): its message may quote it.
            return f"{name}: wraps {type(exc.orig).__name__} {LEFT_OUT}"
        return f"{name}: {exc}"  # parameters hidden (storage/db.py), the row redacted (logs)
    if isinstance(exc, _MESSAGE_KEPT):
        return f"{name}: {exc}"
    if isinstance(exc, BaseExceptionGroup):
        inner = ", ".join(type(e).__name__ for e in exc.exceptions)
        return f"{name} of {inner} {LEFT_OUT}"
    return f"{name} {LEFT_OUT}"


def format_exception(exc: BaseException) -> str:
    """A traceback as Python prints it, chained exceptions too, each told by `describe`."""
    blocks: list[str] = []
    seen: set[int] = set()
    link = ""
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        frames = traceback.format_tb(exc.__traceback__) if exc.__traceback__ else []
        head = "Traceback (most recent call last):\n" if frames else ""
        blocks.append(head + "".join(frames) + describe(exc) + "\n" + link)
        if exc.__cause__ is not None:
            exc, link = exc.__cause__, _CAUSE
        elif exc.__context__ is not None and not exc.__suppress_context__:
            exc, link = exc.__context__, _CONTEXT
        else:
            exc = None
    return "".join(reversed(blocks)).rstrip("\n")


def response_error(body: str) -> str:
    """The error code in a response_url's answer (plain `invalid_blocks` or JSON), or "?"."""
    text = (body or "").strip()
    try:
        data = json.loads(text)
    except ValueError:
        return _code(text)
    return _code(data.get("error")) if isinstance(data, dict) else "?"


# Bolt's "Unhandled request ({...})" and "A global middleware ... ({...})" quote the request:
# the text typed in a type-ahead, or the whole body. Keep the ids that say what it was.
_BOLT_BODY = re.compile(r"\(\{.*\}\)", re.DOTALL)
_BOLT_IDS = re.compile(r"'(type|command|callback_id|action_id|block_id)': '([A-Za-z0-9_./:-]*)'")


def bolt_message(message: str) -> str:
    """A Bolt log message without the request body it quotes."""
    found = _BOLT_BODY.search(message)
    if found is None:
        return message
    ids = ", ".join(f"{k}={v}" for k, v in _BOLT_IDS.findall(found.group(0)))
    return message[: found.start()] + f"({ids or 'body left out'})"
