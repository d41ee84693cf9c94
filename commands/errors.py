"""One error handler: anything a listener did not handle is logged with an id and explained."""

from __future__ import annotations

import logging
import uuid

from slack_bolt import BoltResponse
from slack_sdk.errors import SlackClientError
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from bot.i18n import SV, Texts
from commands.context import acknowledged

log = logging.getLogger(__name__)


def explain(error: Exception, where: str, tx: Texts) -> str:
    """Log the error under a short id; the text that tells the person (with the id)."""
    error_id = uuid.uuid4().hex[:8]
    if isinstance(error, OperationalError):
        key = "error.database"
    elif isinstance(error, SQLAlchemyError):
        key = "error.storage"
    else:
        key = "error.unexpected"
    log.error(
        "unhandled error %s in %s: %s",
        error_id,
        where,
        error,
        exc_info=not isinstance(error, OperationalError),
    )
    return tx(key, error_id=error_id)


def handle_error(error: Exception, body: dict, context, respond) -> BoltResponse | None:
    tx: Texts = context.get("tx") or SV
    text = explain(error, body.get("type") or body.get("command"), tx)
    if not acknowledged(context.ack):  # failed before the ack: the ack itself can explain
        answer = explaining_ack(body, text)
        if answer is not None:
            return answer
    if respond is None or not (body.get("response_url") or body.get("response_urls")):
        return None
    try:
        respond(text=text, response_type="ephemeral", replace_original=False)
    except (SlackClientError, OSError) as exc:
        log.warning("could not report an error to the user: %s", exc)
    return None


def explaining_ack(body: dict, text: str) -> BoltResponse | None:
    """A 200 ack that shows the person what went wrong, instead of Slack's "dispatch_failed".

    A slash command's ack becomes an ephemeral reply; a form's ack shows the text on its
    first input, so the modal stays open with everything the person typed.
    """
    if body.get("command"):
        return BoltResponse(status=200, body={"response_type": "ephemeral", "text": text})
    if body.get("type") == "view_submission":
        blocks = (body.get("view") or {}).get("blocks") or []
        inputs = [b["block_id"] for b in blocks if b.get("type") == "input" and b.get("block_id")]
        if inputs:
            return BoltResponse(
                status=200, body={"response_action": "errors", "errors": {inputs[0]: text}}
            )
    return None
