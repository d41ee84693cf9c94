"""Reading `/behov <subcommand> [argument]`: Swedish subcommands with English aliases."""

from __future__ import annotations

from dataclasses import dataclass

from domain.text import clean

ALIASES = {
    "hjälp": "help", "hjalp": "help", "help": "help", "?": "help",
    "ny": "new", "new": "new",
    "status": "status", "fas": "status",
    "lista": "list", "list": "list",
    "sök": "search", "sok": "search", "search": "search",
    "rösta": "vote", "rosta": "vote", "vote": "vote",
    "matris": "matrix", "matrix": "matrix",
    "bevaka": "follow", "follow": "follow",
    "rapport": "report", "report": "report",
}  # fmt: skip


@dataclass(frozen=True)
class Command:
    name: str  # canonical English name, or "unknown"
    argument: str
    word: str  # what the person typed, for the answer to an unknown subcommand


def parse(text: str | None) -> Command:
    """Split the text into subcommand and argument at any white space (a tab, or the
    non-breaking space of Alt+Space on a Mac); no text means help."""
    words = clean(text).split(maxsplit=1)
    if not words:
        return Command("help", "", "")
    word, rest = words[0], "".join(words[1:])
    return Command(ALIASES.get(word.casefold(), "unknown"), rest, word)
