"""The short help that answers `/behov`, `/behov hjälp` and anything unknown."""

from __future__ import annotations

from bot.i18n import Texts
from commands.render.kit import context, escape, section


def help_blocks(tx: Texts, commands: list[str], unknown: str | None = None) -> tuple[str, list]:
    """One line per available subcommand (catalogue key `help.line.<name>`), in order."""
    lines = [tx("help.intro")] + [tx(f"help.line.{name}") for name in commands]
    lines.append(tx("help.shortcut"))
    blocks = [section(tx("help.unknown", word=escape(unknown)))] if unknown else []
    blocks.append(section("\n".join(lines)))
    return tx("help.fallback"), blocks


def usage(text: str, tx: Texts, subcommand: str) -> tuple[str, list[dict]]:
    """A short answer to a bad argument, with the help line of the subcommand."""
    return text, [section(text), context(tx(f"help.line.{subcommand}"))]
