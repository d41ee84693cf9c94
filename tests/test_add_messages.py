"""tools/add_messages.py: changed messages really change, in both languages."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from babel.messages.pofile import read_po

TOOL = Path(__file__).resolve().parent.parent / "tools" / "add_messages.py"


def _tool(locale: Path):
    spec = importlib.util.spec_from_file_location("add_messages", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.LOCALE = locale
    return module


def _read(locale: Path, lang: str):
    with open(locale / lang / "LC_MESSAGES" / "behov.po", "rb") as handle:
        return read_po(handle, locale=lang)


def test_a_changed_message_takes_its_new_text(tmp_path):
    for lang in ("sv", "en"):
        (tmp_path / lang / "LC_MESSAGES").mkdir(parents=True)
    tool = _tool(tmp_path)
    spec = tmp_path / "first.py"
    spec.write_text(
        'M = {"x.hello": ("Hej", "Hello"),\n'
        '     "x.count": (("1 behov", "{count} behov"), ("1 need", "{count} needs"))}'
    )
    tool.main(str(spec))
    spec.write_text(
        'M = {"x.hello": ("Hej igen", "Hello again"),\n'
        '     "x.count": (("ett behov", "{count} behov"), ("one need", "{count} needs"))}'
    )
    tool.main(str(spec))

    sv, en = _read(tmp_path, "sv"), _read(tmp_path, "en")
    assert sv["x.hello"].string == "Hej igen"
    assert en["x.hello"].string == "Hello again"
    assert sv["x.count"].string == ("ett behov", "{count} behov")
    assert en["x.count"].string == ("one need", "{count} needs")
    assert len([m for m in sv if m.id]) == 2
