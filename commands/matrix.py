"""`/behov matris`: the needs in phase 2 on the Eisenhower matrix, as text and as a picture.

The text answers at once (ephemeral); the picture is uploaded to the person's direct
message with the bot, so it stays private like the answer and works from any channel.
"""

from __future__ import annotations

from slack_sdk import WebClient

from bot.i18n import Texts
from bot.posting import post_once, upload_once
from commands.context import telling_user
from commands.render.matrix import Placed, matrix_png, matrix_text, picture_comment
from storage.votes import phase_two_needs

FILENAME = "behovsmatris.png"


def placed_needs(svc) -> list[Placed]:
    with svc.db.session() as session:
        rows = phase_two_needs(session)
    return [
        Placed(
            number=need.id,
            title=need.title,
            quadrant=need.quadrant,
            importance=need.importance_share,
            urgency=need.urgency_share,
            voting=voting,
        )
        for need, voting in rows
    ]


def show_matrix(turn) -> None:
    turn.ack()
    send_matrix(turn.client, turn.svc, turn.tx, user_id=turn.user_id, respond=turn.respond)


def from_home(ack, body: dict, client: WebClient, context) -> None:
    """The App Home's matrix button: no response_url there, so all of it goes to the DM."""
    ack()
    send_matrix(client, context["svc"], context["tx"], user_id=body["user"]["id"], respond=None)


def send_matrix(client: WebClient, svc, tx: Texts, *, user_id: str, respond) -> None:
    """Answer with the text (ephemeral, or in the DM when there is nowhere to answer) and
    upload the picture to the person's direct message."""
    needs = placed_needs(svc)
    text, blocks = matrix_text(needs, tx)
    with telling_user(respond, tx, "showing the matrix"):
        channel = client.conversations_open(users=user_id)["channel"]["id"]
        if respond is None:
            post_once(client, channel=channel, text=text, blocks=blocks)
        else:
            respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)
        if not needs:
            return
        picture = matrix_png(needs, tx)
        upload_once(
            client,
            channel=channel,
            file=picture,
            filename=FILENAME,
            title=tx("matrix.title"),
            alt_txt=tx("matrix.alt"),
            initial_comment=picture_comment(needs, tx),
        )
