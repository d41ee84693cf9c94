"""The message catalogue: every text a person sees, Swedish first, English second.

Messages live in gettext catalogues (bot/locale/<lang>/LC_MESSAGES/behov.po), read with Babel.
The msgid is a stable key such as `status.not_found`; placeholders use `{name}`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po
from babel.numbers import format_decimal

LOCALE_DIR = Path(__file__).with_name("locale")
LANGUAGES = ("sv", "en")
DEFAULT = "sv"


@cache
def catalogue(lang: str) -> dict[str, str | tuple[str, ...]]:
    """Key -> text (or plural forms) for one language, read once."""
    with open(LOCALE_DIR / lang / "LC_MESSAGES" / "behov.po", "rb") as handle:
        po = read_po(handle, locale=lang)
    messages: dict[str, str | tuple[str, ...]] = {}
    for message in po:
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        messages[key] = message.string
    return messages


def language_for(locale: str | None) -> str:
    """Slack locales look like `sv-SE` or `en-US`; anything not English is Swedish."""
    return "en" if (locale or "").lower().startswith("en") else DEFAULT


@dataclass(frozen=True)
class Texts:
    """Texts in one language; call it with a key and the values of its placeholders."""

    lang: str = DEFAULT

    def __call__(self, key: str, **values: object) -> str:
        text = catalogue(self.lang).get(key) or catalogue(DEFAULT)[key]
        if isinstance(text, tuple):
            raise KeyError(f"{key} has plural forms: use .plural()")
        return text.format(**values) if values else text

    def plural(self, key: str, count: int, **values: object) -> str:
        forms = catalogue(self.lang).get(key) or catalogue(DEFAULT)[key]
        form = forms[0] if count == 1 else forms[-1]
        return form.format(count=count, **values)

    def number(self, number: float) -> str:
        """A number as the language writes it: `3 000` and `2,5` in Swedish."""
        return format_decimal(number, locale=self.lang)


SV = Texts("sv")
EN = Texts("en")
