"""Pure rules: drafts, numbers, subcommands, phases, fuzzy matching, organisations."""

import random

import pytest
from rapidfuzz import fuzz, process

from domain import matching
from domain.commands import parse
from domain.needs import Draft, content_hash, errors_for, number_digits, parse_number
from domain.phases import Quadrant


def valid_draft(**changes) -> Draft:
    values = dict(
        title="Digital vårdplanering",
        description="Ett behov.",
        origin="lag_foreskrift",
        organisation="Borås",
    )
    values.update(changes)
    return Draft(**values)


def test_a_complete_draft_has_no_errors(ref):
    assert errors_for(valid_draft(area="fvm", target_groups=["aldre"], level="lokal"), ref) == {}


@pytest.mark.parametrize(
    ("changes", "field", "key"),
    [
        ({"title": ""}, "title", "form.error.title_missing"),
        ({"title": "x" * 151}, "title", "form.error.title_too_long"),
        ({"description": ""}, "description", "form.error.description_missing"),
        ({"description": "x" * 3001}, "description", "form.error.description_too_long"),
        ({"origin": None}, "origin", "form.error.origin_missing"),
        ({"origin": "hittepå"}, "origin", "form.error.origin_missing"),
        ({"area": "nope"}, "area", "form.error.unknown_choice"),
        ({"target_groups": ["aldre", "nope"]}, "target_groups", "form.error.unknown_choice"),
        ({"level": "nope"}, "level", "form.error.unknown_choice"),
        ({"organisation": "Atlantis"}, "organisation", "form.error.unknown_choice"),
    ],
)
def test_each_bad_field_is_named(ref, changes, field, key):
    assert errors_for(valid_draft(**changes), ref) == {field: key}


def test_limits_count_characters_not_bytes(ref):
    title = "å" * 150  # 300 bytes in UTF-8, still 150 characters
    assert errors_for(valid_draft(title=title, description="🙂" * 3000), ref) == {}


def test_content_hash_ignores_case_accents_and_spacing():
    assert content_hash("Göteborg  Vård", "a\n b") == content_hash("goteborg vård", "A b")
    assert content_hash("Vård", "a") != content_hash("Vård", "b")


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("#12", 12),
        ("12", 12),
        (" #7 ", 7),
        ("#", None),
        ("abc", None),
        ("12a", None),
        ("", None),
        ("#99999", 99999),
        ("-3", None),
        ("٣", None),  # Arabic-Indic digit three
        ("#３", None),  # full-width digit three
        ("2147483647", 2147483647),  # the database's largest integer
        ("2147483648", None),
        ("#99999999999999999999", None),
        ("9" * 5000, None),
    ],
)
def test_need_numbers(text, number):
    assert parse_number(text) == number


@pytest.mark.parametrize(
    ("text", "digits"),
    [("#99999999999999999999", "99999999999999999999"), (" 12 ", "12"), ("٣", None),
     ("12a", None), ("#", None)],
)  # fmt: skip
def test_typed_numbers_are_numbers_however_large(text, digits):
    assert number_digits(text) == digits


@pytest.mark.parametrize(
    ("text", "name", "argument"),
    [
        ("", "help", ""),
        ("hjälp", "help", ""),
        ("help", "help", ""),
        ("ny Bättre samordning", "new", "Bättre samordning"),
        ("NEW x", "new", "x"),
        ("status #12", "status", "#12"),
        ("fas 12", "status", "12"),
        ("sök digital", "search", "digital"),
        ("rösta 4", "vote", "4"),
        ("gurka", "unknown", ""),
        ("status\u00a01", "status", "1"),  # Alt+Space on a Mac
        ("status\t1", "status", "1"),
        ("  sök \u00a0 digital  vård ", "search", "digital  vård"),
    ],
)
def test_subcommands_and_aliases(text, name, argument):
    command = parse(text)
    assert (command.name, command.argument) == (name, argument)


def test_unknown_keeps_the_typed_word():
    assert parse("gurka 12").word == "gurka"


def test_quadrants_follow_appendix_1():
    assert Quadrant.of(True, True) is Quadrant.DO_NOW
    assert Quadrant.of(True, False) is Quadrant.PLAN
    assert Quadrant.of(False, True) is Quadrant.DELEGATE
    assert Quadrant.of(False, False) is Quadrant.WAIT
    assert [q.important for q in Quadrant] == [True, True, False, False]
    assert [q.urgent for q in Quadrant] == [True, False, True, False]


def test_fuzzy_titles_find_a_misspelt_title():
    titles = {1: "digital vardplanering", 2: "mobila team for aldre", 3: "kompetensforsorjning"}
    found = matching.best_titles("Digital vårdplanring", titles)
    assert found[0].need_id == 1
    assert matching.clear_winner(found).need_id == 1


def test_no_clear_winner_over_another_title_holding_the_whole_query():
    titles = {
        17: "Beroendevård för unga vuxna",
        4: "Gemensam introduktion för nyanställda i vård och omsorg",
        9: "Trygg hemgång efter sjukhusvistelse",
    }
    found = matching.best_titles("vård", titles)
    assert found[0].need_id == 17 and found[0].score - found[1].score >= 15  # WRatio's lead
    assert matching.clear_winner(found, "vård", titles) is None
    found = matching.best_titles("hemgång", titles)
    assert matching.clear_winner(found, "hemgång", titles).need_id == 9


def test_no_clear_winner_between_close_titles():
    titles = {1: "mobila team for aldre", 2: "mobila team for barn"}
    found = matching.best_titles("mobila team", titles)
    assert {m.need_id for m in found} == {1, 2}
    assert matching.clear_winner(found) is None


def test_similar_needs_by_title_and_description():
    titles = {1: "battre samordnad individuell plan", 2: "rekrytering av sjukskoterskor"}
    texts = {1: titles[1] + " sip mellan kommun och region", 2: titles[2] + " brist"}
    found = matching.similar_needs(
        "Bättre samordnad individuell plan (SIP)", "kommun och region", titles, texts
    )
    assert [m.need_id for m in found] == [1]


WORDS = ["vård", "omsorg", "digital", "samverkan", "äldre", "barn", "psykisk", "hälsa", "plan"]


@pytest.mark.parametrize(
    ("scorer", "limit", "cutoff"),
    [
        (fuzz.WRatio, 5, matching.TITLE_MATCH_MIN),
        (fuzz.token_set_ratio, 10, 0.0),
        (fuzz.WRatio, 3, 99.0),
        (fuzz.ratio, 50, 0.0),
    ],  # fmt: skip
)
def test_best_ranks_as_rapidfuzz_extract_does_ties_included(scorer, limit, cutoff):
    rng = random.Random(7)
    titles = {
        n: " ".join(rng.choices(WORDS, k=rng.randint(1, 4)))
        for n in rng.sample(range(1, 9999), 400)
    }
    choices = matching.Choices.of(titles)
    queries = ["", "zz", *(" ".join(rng.choices(WORDS, k=rng.randint(1, 3))) for _ in range(60))]
    for query in queries:
        expected = process.extract(query, titles, scorer=scorer, processor=None,
                                   limit=limit, score_cutoff=cutoff)  # fmt: skip
        got = matching.best(query, choices, scorer, limit, cutoff)
        assert got == [(number, score) for _, score, number in expected], query
    assert matching.best("vård", matching.Choices.of({}), fuzz.WRatio, 5) == []
    assert matching.best("vård", choices, fuzz.WRatio, 0) == []


def test_a_query_word_finds_the_words_rapidfuzz_extract_finds():
    vocabulary = ["vardplanering", "vardplan", "planering", "hemsjukvard", "omsorg", "vardag"]
    for token in ("vardplanring", "hemsjukvrd", "omsrog", "xxxxx"):
        near = process.extract(token, vocabulary, scorer=fuzz.ratio, processor=None,
                               limit=None, score_cutoff=matching.FUZZY_WORD_MIN)  # fmt: skip
        expected = {w for w in vocabulary if w.startswith(token) or token in w}
        assert matching.matching_words(token, vocabulary) == expected | {w for w, _, _ in near}
    assert matching.matching_words("vardplanring", []) == set()


@pytest.mark.parametrize("query", ["gbg", "Goteborg", "göteborg", "GÖTEBORG", "Göteborg"])
def test_organisation_typeahead_finds_goteborg(ref, query):
    assert ref.match_organisations(query)[0] == "Göteborg"


def test_organisations_are_the_region_vastkom_and_49_municipalities(ref):
    groups = [o.group for o in ref.data.organisations]
    assert len(groups) == 51
    assert groups.count("Region") == 1 and groups.count("VästKom") == 1
    assert {
        g: groups.count(g) for g in ("Fyrbodal", "Göteborgsregionen", "Sjuhärad", "Skaraborg")
    } == {"Fyrbodal": 14, "Göteborgsregionen": 12, "Sjuhärad": 8, "Skaraborg": 15}


def test_classification_can_be_replaced_by_a_file(tmp_path):
    from domain.reference import load_reference

    path = tmp_path / "own.yml"
    path.write_text(
        "origins: [{key: a, sv: A, en: A}]\n"
        "perspectives: [{key: p, sv: P, en: P, areas: [{key: x, sv: X, en: X}]}]\n"
        "target_groups: [{key: t, sv: T, en: T}]\nlevels: [{key: l, sv: L, en: L}]\n"
        "organisations: [{name: Testkommun, group: Test}]\n",
        encoding="utf-8",
    )
    own = load_reference(path)
    assert own.origin("a").sv == "A" and own.area("x")[0].key == "p"
    assert own.match_organisations("test") == ["Testkommun"]


def test_a_classification_with_duplicate_keys_is_refused(tmp_path):
    from pydantic import ValidationError

    from domain.reference import load_reference

    path = tmp_path / "bad.yml"
    path.write_text(
        "origins: [{key: a, sv: A, en: A}, {key: a, sv: B, en: B}]\n"
        "perspectives: [{key: p, sv: P, en: P, areas: [{key: x, sv: X, en: X}]}]\n"
        "target_groups: [{key: t, sv: T, en: T}]\nlevels: [{key: l, sv: L, en: L}]\n"
        "organisations: []\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationError):
        load_reference(path)
