"""The message catalogue: complete in Swedish and English, and every key the code uses exists."""

import re
import string
from pathlib import Path

import pytest

from bot.i18n import EN, LANGUAGES, SV, Texts, catalogue, language_for

ROOT = Path(__file__).resolve().parent.parent
KEY_USE = re.compile(r"""\btx(?:\.plural)?\(\s*f?["']([a-z_]+(?:\.[a-z0-9_{}]+)+)["']""")


def used_keys() -> set[str]:
    keys = set()
    for folder in ("bot", "commands", "domain", "storage", "web"):
        for path in (ROOT / folder).rglob("*.py"):
            keys |= set(KEY_USE.findall(path.read_text(encoding="utf-8")))
    return keys


def placeholders(text) -> set[str]:
    forms = text if isinstance(text, tuple) else (text,)
    return {name for form in forms for _, name, _, _ in string.Formatter().parse(form) if name}


def test_both_languages_have_the_same_keys_and_no_empty_text():
    sv, en = catalogue("sv"), catalogue("en")
    assert set(sv) == set(en)
    for key in sv:
        for lang, messages in (("sv", sv), ("en", en)):
            forms = messages[key] if isinstance(messages[key], tuple) else (messages[key],)
            assert all(f.strip() for f in forms), f"{lang}: {key} is empty"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_catalogue_is_sorted_by_key(lang):
    """Sorted files put a new key in one findable place and keep the diffs of both small."""
    keys = list(catalogue(lang))
    assert keys == sorted(keys), next(
        f"{a} before {b}" for a, b in zip(keys, keys[1:], strict=False) if a > b
    )


def test_placeholders_agree_between_languages():
    sv, en = catalogue("sv"), catalogue("en")
    for key in sv:
        assert placeholders(sv[key]) == placeholders(en[key]), key


def test_every_key_used_in_code_exists():
    known = set(catalogue("sv"))
    for key in used_keys():
        if "{" in key:  # f-string keys such as phase.{n}: check the family exists
            prefix = key.split("{")[0]
            assert any(k.startswith(prefix) for k in known), key
        else:
            assert key in known, f"{key} is used in the code but missing from the catalogue"


def test_phase_and_outcome_families_are_complete():
    for n in (1, 2, 3, 4):
        assert SV(f"phase.{n}") and EN(f"phase.{n}")
    for outcome in ("ej_prioriterat", "aterkallat", "sammanslaget"):
        assert SV(f"outcome.{outcome}")


def test_swedish_uses_the_domain_terms():
    assert SV("phase.1") == "Identifierat behov"
    assert SV("phase.2") == "Ställningstagande och prioritering"
    assert SV("phase.3") == "Genomförande"
    assert SV("phase.4") == "Slutfört uppdrag"
    assert SV("form.title") == "Titel" and SV("form.description") == "Beskrivning"


@pytest.mark.parametrize(
    ("locale", "lang"),
    [("sv-SE", "sv"), ("en-US", "en"), ("en-GB", "en"), (None, "sv"), ("de-DE", "sv"), ("", "sv")],
)
def test_language_follows_the_slack_locale(locale, lang):
    assert language_for(locale) == lang


def test_placeholders_are_filled():
    assert Texts("sv")("phase.of_four", phase=2, name="X") == "Fas 2 av 4: X"
    assert set(LANGUAGES) == {"sv", "en"}


def test_every_help_line_is_a_bullet_in_both_languages():
    for lang in LANGUAGES:
        lines = {k: v for k, v in catalogue(lang).items() if k.startswith("help.line.")}
        assert len(lines) >= 9
        for key, text in lines.items():
            assert text.startswith("• `/behov "), f"{lang}: {key}"


def test_swedish_wording_the_reviewer_asked_for():
    """One word for a vote (omröstning), the quorum adjective spelled right (beslutsför), and
    admin-only texts that name everyone in BEHOV_ADMINS: presidium and secretariat."""
    sv = catalogue("sv")
    texts = [t for v in sv.values() for t in (v if isinstance(v, tuple) else (v,))]
    for text in texts:
        assert "beslutfört" not in text.casefold(), text
        assert "viktighet" not in text, text
        for word in text.replace("*", " ").replace(":", " ").split():
            assert not word.casefold().startswith("röstning"), text
        if text.startswith("Bara VVG:s presidium"):
            assert text.startswith("Bara VVG:s presidium och sekretariat"), text
    for key in ("help.line.report", "help.line.vote"):
        assert SV(key).endswith("(bara VVG:s presidium och sekretariat)")
        assert EN(key).endswith("(VVG's presidium and secretariat only)")
    assert "VVG:s sekretariat" in SV("error.unexpected", error_id="ab12cd34")
    assert "VVG secretariat" in EN("error.unexpected", error_id="ab12cd34")


def test_counts_and_numbers_read_right_in_both_languages():
    one = {"number": 3, "channel": "CVOTE"}
    assert SV.plural("vote.opened", 1, **one).endswith("1 medlem kan rösta.")
    assert EN.plural("vote.opened", 1, **one).endswith("1 member can vote.")
    assert SV.plural("vote.result.no_quorum", 1, quorum=3).startswith("*Inte beslutsför*: 1 röst,")
    assert SV.plural("report.days", 1, days=SV.number(1)) == "1 dag"
    assert SV.plural("report.days", 2.5, days=SV.number(2.5)) == "2,5 dagar"
    assert EN.plural("report.days", 2.5, days=EN.number(2.5)) == "2.5 days"
    assert SV.number(3000) == "3\xa0000" and EN.number(3000) == "3,000"
