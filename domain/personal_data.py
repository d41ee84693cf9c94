"""What identifies a person in free text, found by its shape: Slack mentions and user ids,
e-mail addresses, Swedish personal identity numbers and Swedish phone numbers.

Health and social care staff paste such things into need descriptions. The public page takes
all of them out (domain.publication.scrub); the log takes out the ones an operator never
needs (bot.logs.Redactor), since a need's text can reach a log line inside an error.

The number patterns would rather miss than hit what is not personal: need numbers, dates,
years, times, amounts, Slack timestamps and request ids stay as they are. Each pattern starts
with a fixed character or string, so the regular expression engine jumps from candidate to
candidate (an export scrubs every published need's title and description).
"""

from __future__ import annotations

import re

# Slack mentions (<@U123>, <!channel>, <#C1|name>), e-mail addresses, bare Slack user ids.
MENTION = re.compile(r"<[@!#][^>]*>")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A mention as the message shortcut writes it: a handle (`@anna.andersson`) or a full name
# (`@Anna Andersson`). A lone `@word` (`@alla`, `@here`) is ordinary text and stays.
_UPPER = "A-ZÅÄÖÆØÉÜ"
AT_NAME = re.compile(
    rf"(?<![\w.+-])@(?:\w+[._-]\w[\w._-]*|[{_UPPER}]\w*(?:[ \u00a0][{_UPPER}][\w-]*)+)"
)
USER_ID = re.compile(r"\b[UW](?=[A-Z0-9]*\d)[A-Z0-9]{5,}\b")

_DASH_CHARS = "-\u2010\u2011\u2012\u2013"  # the hyphen, and the dashes word processors put instead
_DASHES = _DASH_CHARS.replace("-", r"\-")  # for a character class
_SPACES = " \u00a0"
_PARTS = _SPACES + _DASHES
_AFTER = rf"(?!\w|[.,:/{_DASHES}][0-9])"  # not going on as a word, decimal or longer number


def _alone(start: str) -> str:
    """Placed right after `start`, the pattern's fixed beginning: nothing before it makes it
    part of a longer number or word, a decimal, a Slack timestamp (1700000000.123456), a
    request id (1700000000-0123abcd) or an amount (1 070 000 kr)."""
    return rf"(?<![\w.,+/#{_DASHES}]{start})(?<![0-9][{_SPACES}]{start})"


# ---------------------------------------------------------------- personnummer

# Personnummer and samordningsnummer: YYMMDD-NNNN, YYMMDD+NNNN (100 or older), YYYYMMDD-NNNN,
# or the same without the separator. A match starts at the month's first digit, 0 or 1 (a
# fixed character), with two digits of the year just before it; the rest of the year and
# what stands before it are looked at in `_birth_year`.
_PERSONNUMMER = tuple(
    (
        first,
        re.compile(
            rf"{first}(?<=[0-9]{{2}}{first})[0-9]{{3}}(?P<sep>[+ {_DASHES}]?)"
            rf"(?P<serial>[0-9]{{4}}){_AFTER}"
        ),
    )
    for first in "01"
)
_CENTURIES = ("18", "19", "20")
_NOT_BEFORE = set(".,+/#" + _DASH_CHARS)  # as in `_alone`, besides letters and digits


def redact_personal_numbers(text: str, placeholder: str) -> str:
    """Personnummer and samordningsnummer (birth day + 60) with a real date; written without
    a separator (or with a space) they must also pass the check digit, since ten or twelve
    bare digits are often something else."""
    spans = []
    for first, pattern in _PERSONNUMMER:
        if first in text:
            for match in pattern.finditer(text):
                start = _birth_year(text, match.start() - 2)
                if start is not None and _is_personal_number(text, match):
                    spans.append((start, match.end()))
    if not spans:
        return text
    kept, end = [], 0
    for start, stop in sorted(spans):
        if start >= end:  # one number is one match; this only guards against overlaps
            kept += (text[end:start], placeholder)
            end = stop
    kept.append(text[end:])
    return "".join(kept)


def _birth_year(text: str, at: int) -> int | None:
    """Where the number starts: its two-digit year at `at`, or the century before it; None
    when what stands before makes it part of something else (see `_alone`)."""
    if at >= 2 and text[at - 1].isdigit():
        at -= 2
        if text[at : at + 2] not in _CENTURIES:
            return None
    before = text[at - 1] if at else " "
    if before.isalnum() or before == "_" or before in _NOT_BEFORE:
        return None
    if before in _SPACES and at >= 2 and text[at - 2].isdigit():
        return None
    return at


def _is_personal_number(text: str, match: re.Match) -> bool:
    date = text[match.start() - 2 : match.start() + 4]
    month, day = int(date[2:4]), int(date[4:6])
    if not (1 <= month <= 12 and (1 <= day <= 31 or 61 <= day <= 91)):
        return False
    if match.group("sep") in ("", " "):
        return _luhn_valid(date + match.group("serial"))
    return True


def _luhn_valid(digits: str) -> bool:
    """The check digit of the ten digits YYMMDDNNNC."""
    total = 0
    for position, digit in enumerate(int(d) for d in digits):
        if position % 2 == 0:  # from the left over ten digits: every other one doubled
            digit *= 2
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


# ---------------------------------------------------------------- phone numbers

# +46, 0046 or the trunk 0, then the area code and the subscriber's digits in groups parted
# by single spaces or dashes (the area code may stand in brackets: (031) 12 34 56).
_COUNTRY = rf"46[{_PARTS}]?(?:\(0\)[{_PARTS}]?|0)?"  # +46 70, +46 (0)70, +46 070
_NUMBER = rf"(?P<number>[1-9][0-9]*\)?(?:[{_PARTS}][0-9]+)*)(?!\w|[.,][0-9])"
_PHONES = (  # +46 before the trunk 0: `+46 070 …` is one number
    ("+46", re.compile(r"\+46" + _alone(r"\+46") + _COUNTRY[2:] + _NUMBER)),
    ("(0", re.compile(r"\(0" + _alone(r"\(0") + r"(?=[1-9][0-9]{0,2}\))" + _NUMBER)),
    ("0", re.compile("0" + _alone("0") + f"(?:0{_COUNTRY})?" + _NUMBER)),
)
_DIGIT_GROUP = re.compile(r"[0-9]+")
_DAY_MONTH_YEAR = re.compile(rf"0[0-9][{_DASHES}][01][0-9][{_DASHES}](?:19|20)[0-9]{{2}}")
PHONE_DIGITS = (7, 9)  # after the trunk 0: from 08-12 34 56 to 070-123 45 67


def redact_phone_numbers(text: str, placeholder: str) -> str:
    """Swedish phone numbers: 7 to 9 digits after the trunk 0 (or +46), a one-digit area
    code only for Stockholm's 8, at least 8 digits when nothing parts them."""
    for start, pattern in _PHONES:
        if start in text:
            text = pattern.sub(lambda match: _phone_or_kept(match, placeholder), text)
    return text


def _phone_or_kept(match: re.Match, placeholder: str) -> str:
    """The number as far as it is a phone number; what follows it is looked at again (two
    numbers in a row, or a year after one)."""
    number = match.group("number")
    groups = list(_DIGIT_GROUP.finditer(number))
    taken = digits = 0
    while taken < len(groups) and digits + len(groups[taken].group()) <= PHONE_DIGITS[1]:
        digits += len(groups[taken].group())
        taken += 1
    if taken == 0 or digits < PHONE_DIGITS[0] + (1 if taken == 1 else 0):
        return match.group(0)
    area = groups[0].group()
    if taken > 1 and len(area) == 1 and area != "8":
        return match.group(0)  # 01 23 45 67: only Stockholm's area code has one digit
    end = groups[taken - 1].end()
    whole = match.group(0)
    if _DAY_MONTH_YEAR.fullmatch(whole[: len(whole) - len(number) + end]):
        return whole  # 08-12-2026 is a date
    return placeholder + redact_phone_numbers(number[end:], placeholder)


def redact_contact_details(text: str, placeholder: str) -> str:
    """What a log line must never carry: e-mail addresses, personal identity numbers and
    phone numbers. A URL's user (postgresql://behov@host) is no e-mail address."""
    if "@" in text:
        original = text
        text = EMAIL.sub(
            lambda m: m.group(0) if original.endswith("//", 0, m.start()) else placeholder, text
        )
    return redact_phone_numbers(redact_personal_numbers(text, placeholder), placeholder)
