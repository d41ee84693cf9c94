"""The short help that answers `/behov`, `/behov hjälp` and anything unknown."""

from __future__ import annotations

from bot.i18n import Texts
from commands.render.kit import escape, section


def help_blocks(tx: Texts, unknown: str | None = None) -> tuple[str, list[dict]]:
    blocks = []
    if unknown:
        blocks.append(section(tx("help.unknown", word=escape(unknown))))
    blocks.append(section(tx("help.text")))
    return tx("help.fallback"), blocks
