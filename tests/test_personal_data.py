"""Personal identity numbers and phone numbers out of public texts and log lines; need
numbers, dates, times, amounts, Slack timestamps and request ids left alone."""

from __future__ import annotations

import io
import json
import logging
import random

import pytest
from sqlalchemy.exc import IntegrityError

from bot import logs
from domain.personal_data import (
    USER_ID,
    redact_contact_details,
    redact_personal_numbers,
    redact_phone_numbers,
)
from domain.publication import scrub

X = "[x]"

PERSONAL_NUMBERS = [
    "121212-1212",  # Skatteverket's test number
    "19121212-1212",
    "191212121212",
    "1212121212",
    "121212+1212",  # born 1912, over a hundred years old
    "20121212-1212",
    "121272-1218",  # samordningsnummer: day 12 + 60
    "811218-9876",
    "811218 9876",  # a space for the dash: check digit right
    "8112189876",
    "198112189876",
    "121212\u20131212",  # an en dash from a word processor
    "180101-0009",
    "460131-1234",  # with the dash, a typo in the last digit is still hidden
]

PHONE_NUMBERS = [
    "070-123 45 67",
    "070-1234567",
    "070 123 45 67",
    "0701234567",
    "073-987 65 43",
    "+46 70 123 45 67",
    "+46701234567",
    "+46 (0)70-123 45 67",
    "+46 070-123 45 67",
    "0046 70 123 45 67",
    "031-123456",
    "031-12 34 56",
    "031-123 45 67",
    "(031) 12 34 56",
    "08-123 456 78",
    "08-12 34 56",
    "08-1234567",
    "+46 8 123 456 78",
    "0322-123 45",
    "0771-123 456",
    "010-123 45 67",
    "020-123 456",
    "070\u2013123 45 67",
    "070\u00a0123\u00a045\u00a067",
]

# What is not personal and must read the same afterwards, in a description or a log line.
KEPT = [
    "#12",
    "#1212121212",
    "behov 12 och 1234",
    "2026",
    "2026-11-23",
    "20261123",
    "2026-11-23T10:00:00Z",
    "2026-11-23T08:00:00.123+00:00",
    "2026-11-23 08:00",
    "20261123T100000Z",
    "1700000000.123456",
    "1711151231.123456",  # a valid date and check digit in the seconds: a Slack ts still
    "1700000000-0123abcd",
    "1711151231-01234567",
    "unhandled error 01234567 in view_submission",
    "slack command /behov answered 200 in 12.3 ms",
    "250 000 kr",
    "1 070 000 kr",
    "3 070 000 000 kr",
    "0,5 mg",
    "kl. 08.30-09.15",
    "kl 08-12",
    "08-12, 13-17",
    "08-12-2026",
    "01 02 03 04",
    "556677-8899",  # an organisation number: month 66
    "212000-1355",
    "2025-01-05",
    "år 1990 och 2000",
    "127.0.0.1:5432",
    "0x7f3c2a1b",
    "version 0.9.1",
    "1234567890",
    "12345678901234",
    "10:05:07",
    "SE-412 96 Göteborg",
    "tel 1234",
    "121212-1213x",
    "121212-12125",
    "121212-1212.5",
    "x121212-1212",
    "121312-1212",  # month 13
    "121232-1212",  # day 32
    "1212121213",  # without a separator the check digit must be right
    "121212 1213",
    "231212121212",  # a twelve-digit number from no century of birth
]


@pytest.mark.parametrize("number", PERSONAL_NUMBERS)
def test_personal_numbers_are_taken_out_wherever_they_stand(number):
    for text, expected in [
        (number, X),
        (f"Patient {number} behöver hjälp.", f"Patient {X} behöver hjälp."),
        (f"pnr: {number}, se journalen", f"pnr: {X}, se journalen"),
        (f"({number})", f"({X})"),
        (f"{number}\n{number}", f"{X}\n{X}"),
    ]:
        assert redact_personal_numbers(text, X) == expected, text
        assert scrub(text, X) == expected, text
        assert redact_contact_details(text, X) == expected, text


@pytest.mark.parametrize("number", PHONE_NUMBERS)
def test_phone_numbers_are_taken_out_wherever_they_stand(number):
    for text, expected in [
        (number, X),
        (f"Ring {number} efter kl. 13.", f"Ring {X} efter kl. 13."),
        (f"Tel: {number}.", f"Tel: {X}."),
        (f"({number})", f"({X})"),
        (f"{number}, {number}", f"{X}, {X}"),
    ]:
        assert redact_phone_numbers(text, X) == expected, text
        assert scrub(text, X) == expected, text
        assert redact_contact_details(text, X) == expected, text


@pytest.mark.parametrize("text", KEPT)
def test_numbers_that_are_not_personal_stay(text):
    for around in (text, f"Se {text} i texten.", f"({text})"):
        assert redact_personal_numbers(around, X) == around
        assert redact_phone_numbers(around, X) == around
        assert redact_contact_details(around, X) == around
        assert scrub(around, X) == around


def test_a_bare_unix_time_may_look_personal():
    """Ten bare digits with a real date and a right check digit are hidden: the price of
    finding YYMMDDNNNN written without a dash. Slack's ts and request ids keep theirs."""
    assert redact_personal_numbers("1711151231", X) == X
    assert redact_personal_numbers("ts 1711151231.123456", X) == "ts 1711151231.123456"


def test_a_phone_number_is_taken_only_as_far_as_it_goes():
    assert scrub("Ring 070-123 45 67 2026 eller 08-123 456 78 i vår", X) == (
        f"Ring {X} 2026 eller {X} i vår"
    )
    assert scrub("070-123 45 67 070-765 43 21", X) == f"{X} {X}"
    assert scrub("Öppet 08-17 på 08-123 456 78.", X) == f"Öppet 08-17 på {X}."


def test_every_kind_together_in_a_description():
    text = (
        "Kontakta <@U012ABCDEF> eller anna.andersson@vgregion.se, 031-123 45 67. Gäller "
        "brukare 19460131-1234 (samordningsnummer 460191-1234) i #12, beslut 2026-11-23."
    )
    assert scrub(text, X) == (
        f"Kontakta {X} eller {X}, {X}. Gäller brukare {X} (samordningsnummer {X}) i #12, "
        "beslut 2026-11-23."
    )


def test_random_digit_texts_keep_what_is_not_personal():
    """Whatever digits, dashes and spaces come, a text stays as it was unless a number in
    it has a personal number's date (and check digit) or a phone number's digits."""
    rng = random.Random(12)
    for _ in range(5000):
        text = "".join(rng.choice("0123456789 -.:#+") for _ in range(rng.randint(0, 30)))
        redacted = redact_contact_details(text, X)
        if redacted != text:
            assert X in redacted, text
        assert scrub(text, X) == redact_contact_details(text, X), text


def test_scrub_still_takes_user_ids_but_the_log_keeps_them():
    assert scrub("Fråga U012ABCDEF", X) == f"Fråga {X}"
    assert redact_contact_details("could not tell U012ABCDEF about #12", X) == (
        "could not tell U012ABCDEF about #12"
    )
    assert USER_ID.search("U012ABCDEF")


def test_an_e_mail_address_leaves_the_log_but_a_urls_user_stays():
    line = "connecting to postgresql+psycopg://behov@db.example.org:5432/behov for anna@vgr.se"
    assert redact_contact_details(line, X) == (
        f"connecting to postgresql+psycopg://behov@db.example.org:5432/behov for {X}"
    )


@pytest.fixture
def captured():
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    logs.configure(None, fmt="json", stream=stream)
    yield stream
    root.handlers[:], root.level = saved


def test_a_need_text_inside_a_database_error_reaches_the_log_without_contact_details(captured):
    """A failed INSERT carries its parameters, a need's description among them, into the
    error message and the traceback the error handler logs."""
    description = "Brukare 19121212-1212, anhörig 070-123 45 67, anna@vgr.se"
    try:
        raise IntegrityError("INSERT INTO need", {"description": description}, Exception("x"))
    except IntegrityError as error:
        logging.getLogger("behov.test").error(
            "unhandled error 0123abcd in x: %s", error, exc_info=True
        )
    [line] = [json.loads(x) for x in captured.getvalue().splitlines()]
    for secret in ("19121212-1212", "070-123 45 67", "anna@vgr.se"):
        assert secret not in line["message"] and secret not in line["exc"]
    assert "Brukare ***, anhörig ***, ***" in line["message"]
    assert "0123abcd" in line["message"]
