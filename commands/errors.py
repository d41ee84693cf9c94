"""One error handler: anything a listener did not handle is logged with an id and explained."""

from __future__ import annotations

import logging
import uuid

from slack_sdk.errors import SlackClientError
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from bot.i18n import SV, Texts

log = logging.getLogger(__name__)


def handle_error(error: Exception, body: dict, context, respond) -> None:
    error_id = uuid.uuid4().hex[:8]
    tx: Texts = context.get("tx") or SV
    if isinstance(error, OperationalError):
        key = "error.database"
    elif isinstance(error, SQLAlchemyError):
        key = "error.storage"
    else:
        key = "error.unexpected"
    log.error(
        "unhandled error %s in %s: %s",
        error_id,
        body.get("type") or body.get("command"),
        error,
        exc_info=not isinstance(error, OperationalError),
    )
    if respond is None or not (body.get("response_url") or body.get("response_urls")):
        return
    try:
        respond(text=tx(key, error_id=error_id), response_type="ephemeral", replace_original=False)
    except (SlackClientError, OSError) as exc:
        log.warning("could not report error %s to the user: %s", error_id, exc)
