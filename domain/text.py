"""What a person types, made safe to keep and to show again: text without invisible
characters, links that are real web addresses, spreadsheet cells that are never formulas."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

URL_MAX = 500

# Spaces that only look different (Alt+Space on a Mac types U+00A0): read as a space.
_SPACES = str.maketrans(dict.fromkeys("\u00a0\u2007\u202f", " "))
_KEPT_CONTROLS = frozenset("\n\t")
_ZWJ = "\u200d"
_BLACK_FLAG = "\U0001f3f4"  # the base of subdivision flags such as Scotland's
_TAGS = range(0xE0020, 0xE0080)


def clean(text: str | None) -> str:
    """A person's text as it is kept: without control characters (line breaks and tabs
    stay), zero-width and other invisible format characters (U+200B, U+FEFF, soft hyphen)
    or bidi controls (U+202E would flip the rest of a line in Slack), non-breaking spaces as
    spaces, stripped. Emoji keep what they are made of: a zero-width joiner between two
    emoji (👩‍💻) and the tags of a flag (🏴󠁧󠁢󠁳󠁣󠁴󠁿)."""
    text = (text or "").translate(_SPACES)
    kept: list[str] = []
    for at, ch in enumerate(text):
        if _visible(ch) or _emoji_part(ch, kept[-1] if kept else "", text[at + 1 : at + 2]):
            kept.append(ch)
    return "".join(kept).strip()


def _visible(ch: str) -> bool:
    category = unicodedata.category(ch)
    return category not in ("Cc", "Cf") or ch in _KEPT_CONTROLS


def _emoji_part(ch: str, before: str, after: str) -> bool:
    """A joiner between two emoji, or a tag after a black flag or another tag."""
    if ch == _ZWJ:
        return _emoji(before, ending=True) and _emoji(after)
    return ord(ch) in _TAGS and before != "" and (before == _BLACK_FLAG or ord(before) in _TAGS)


def _emoji(ch: str, *, ending: bool = False) -> bool:
    """An emoji symbol; at the end of one, also its presentation selector or skin tone."""
    if not ch:
        return False
    if ending and (ch == "\ufe0f" or 0x1F3FB <= ord(ch) <= 0x1F3FF):
        return True
    return unicodedata.category(ch) == "So"


_NOT_IN_LINK = re.compile(r"[\s<>|]")  # Slack's `<url|text>` ends at `>` and `|`


def is_link(text: str | None) -> bool:
    """A real http(s) web address, safe inside Slack's `<url|text>` and an HTML href: no
    white space, control or format characters, `<`, `>` or `|`."""
    if not text or len(text) > URL_MAX or _NOT_IN_LINK.search(text):
        return False
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text):
        return False
    try:
        parts = urlsplit(text)
    except ValueError:  # such as an unclosed `[` of an IPv6 address
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


FORMULA_START = frozenset("=+@\t\r")
MAYBE_FORMULA = FORMULA_START | {"-"}  # "-" only before something that is not a space


def spreadsheet_text(text: str) -> str:
    """Text a spreadsheet would run as a formula (`=HYPERLINK(…)`) gets a leading apostrophe."""
    if text[:1] in MAYBE_FORMULA and (text[0] in FORMULA_START or text[1:2].strip()):
        return "'" + text
    return text
