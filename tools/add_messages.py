"""Add or change catalogue messages in both languages at once.

Usage: python tools/add_messages.py messages.py
where messages.py defines M = {"key": ("svensk text", "English text"), ...}.
Plural messages use a pair of tuples: ("1 behov", "{count} behov") per language.
"""

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

LOCALE = Path(__file__).resolve().parent.parent / "bot" / "locale"


def add(entries: list[tuple[str, object]], lang: str) -> None:
    path = LOCALE / lang / "LC_MESSAGES" / "behov.po"
    if path.exists():
        with open(path, "rb") as handle:
            catalog = read_po(handle, locale=lang)
    else:
        catalog = Catalog(locale=lang, project="Behov", domain="behov")
    for key, text in entries:
        # Babel's `add` keeps the text of a message it already has: a change needs a delete.
        catalog.delete(key)
        if isinstance(text, tuple):
            catalog.add((key, key + ".plural"), string=text)
        else:
            catalog.add(key, string=text)
    with open(path, "wb") as handle:
        write_po(handle, catalog, width=0, sort_output=True)


def main(spec: str) -> None:
    namespace: dict = {}
    exec(Path(spec).read_text(encoding="utf-8"), namespace)  # noqa: S102 (a developer's own file)
    messages = namespace["M"]
    add([(k, v[0]) for k, v in messages.items()], "sv")
    add([(k, v[1]) for k, v in messages.items()], "en")


if __name__ == "__main__":
    main(sys.argv[1])
