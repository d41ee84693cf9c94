"""The public list in pages: every need reachable once, filters kept from page to page, a
fixed number of SQL statements whatever the number of needs, and conditional open data."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import event

from tests.public_support import add_many, served_site
from web.public import EMBED_PAGE_SIZE, PAGE_SIZE


@pytest.fixture
def site(database_url, clock):
    """The web app with the portfolio and 130 more needs (about 100 of them published)."""
    with served_site(database_url, clock, 130) as client:
        yield client


def numbers_in(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<article class="need" aria-labelledby="need-(\d+)"', html)]


def next_link(html: str) -> str | None:
    found = re.search(r'<a href="([^"]+)" target="_self" rel="next">', html)
    return unescape(found.group(1)) if found else None


def walk(site, path: str) -> list[list[int]]:
    """Follow "Nästa sida" from `path` to the end: the needs of each page."""
    pages = []
    while path:
        page = site.get(path)
        assert page.status_code == 200
        pages.append(numbers_in(page.text))
        path = next_link(page.text)
        assert len(pages) < 50
    return pages


def exported(site, query: str = "") -> list[int]:
    return [n["number"] for n in site.get(f"/public/needs.json?{query}").json()["needs"]]


def test_every_published_need_is_on_exactly_one_page(site):
    published = exported(site)
    assert len(published) > 2 * PAGE_SIZE  # three pages at least
    pages = walk(site, "/public/")
    assert [len(p) for p in pages[:-1]] == [PAGE_SIZE] * (len(pages) - 1)
    everything = [n for page in pages for n in page]
    assert everything == published  # by number, none twice, none missing
    first = site.get("/public/").text
    assert f"{len(published)} publicerade behov." in first
    assert f"Visar 1–{PAGE_SIZE} (sida 1 av {len(pages)})." in first


@pytest.mark.parametrize(
    "query",
    [
        "phase=2",
        "target_group=aldre",
        "perspective=arbetssatt",
        "q=hemsjukvård",
        "q=behov&phase=2&target_group=aldre",
    ],
)
def test_filters_and_search_are_kept_from_page_to_page(site, query):
    wanted = exported(site, query)
    assert wanted
    pages = walk(site, f"/public/?{query}")
    assert [n for page in pages for n in page] == wanted
    params = parse_qs(query)
    html = site.get(f"/public/?{query}").text
    for link in re.findall(r'<nav class="pager".*?</nav>', html, re.S)[:1]:
        for href in re.findall(r'href="([^"]+)"', link):
            kept = parse_qs(urlparse(unescape(href)).query)
            assert {k: v for k, v in kept.items() if k != "sida"} == params


def test_the_pager_marks_the_current_page_and_links_the_others(site):
    html = site.get("/public/?sida=2").text
    nav = re.search(r'<nav class="pager" aria-label="Sidor med behov">.*?</nav>', html, re.S)
    assert nav, "no labelled navigation"
    nav = nav.group(0)
    assert nav.count('aria-current="page"') == 1
    assert '<a href="/public/?sida=2" target="_self" aria-current="page">' in nav
    assert 'rel="prev"' in nav and 'href="/public/"' in nav  # page 1 has no ?sida=1
    assert '<span class="vh">Sida </span>1' in nav
    assert "<title>Sida 2 av" in html
    assert "<script" not in html


@pytest.mark.parametrize("asked", ["99", "100000000000000000000"])
def test_a_page_past_the_end_shows_the_last_page(site, asked):
    pages = walk(site, "/public/")
    page = site.get(f"/public/?sida={asked}")
    assert page.status_code == 200
    assert numbers_in(page.text) == pages[-1]
    assert f'aria-current="page"><span class="vh">Sida </span>{len(pages)}<' in page.text
    assert next_link(page.text) is None


@pytest.mark.parametrize("asked", ["0", "-1", "abc", "", "2.5"])
def test_a_page_that_is_no_number_is_the_first(site, asked):
    first = numbers_in(site.get("/public/").text)
    assert numbers_in(site.get(f"/public/?sida={asked}").text) == first


def test_a_filter_without_matches_has_no_pager(site):
    html = site.get("/public/?q=finnsinte&sida=3").text
    assert numbers_in(html) == []
    assert "Inga behov matchar" in html and "pager" not in html


def test_the_embed_is_paged_in_its_frame(site):
    html = site.get("/public/embed?phase=2").text
    assert len(numbers_in(html)) == EMBED_PAGE_SIZE
    following = next_link(html)
    assert following.startswith("/public/embed?") and "phase=2" in following
    assert '<form class="filters" method="get" action="/public/embed" target="_self"' in html
    pages = walk(site, "/public/embed?phase=2")
    assert [n for page in pages for n in page] == exported(site, "phase=2")


def test_the_search_finds_words_inside_words_and_numbers_exactly():
    from domain.matching import WordIndex

    words = WordIndex()
    words.put(12, "Trygg hemgång", "Hemsjukvård i Borås, steg 2.")
    words.put(112, "Vårdplanering", "Samordnad individuell plan")
    words.put(7, "Läkemedel", "Genomgång nummer 12 i Skövde")
    assert words.containing_all("vård") == {12, 112}  # inside compounds, accents ignored
    assert words.containing_all("VARD borås") == {12}  # every word must occur
    assert words.containing_all("#12") == {12, 7}  # the number itself, or "12" in a text
    assert words.containing_all("112") == {112}  # not every number holding 112's digits
    assert words.containing_all("vård skövde") == set()
    assert words.containing_all("!!!") == set()


# ---------------------------------------------------------------- cost


def statements_per_request(site, paths: list[str]) -> dict[str, int]:
    counted = [0]

    def count(*_args):
        counted[0] += 1

    engine = site.services.db.engine
    for path in paths:
        site.get(path)  # warm: the word index loads what changed
    event.listen(engine, "before_cursor_execute", count)
    try:
        found = {}
        for path in paths:
            site.services.exports.clear()  # count the export as built, not as kept
            counted[0] = 0
            assert site.get(path).status_code == 200
            found[path] = counted[0]
        return found
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_statements_do_not_grow_with_the_number_of_needs(site, monkeypatch):
    monkeypatch.setattr("storage.title_index.RECOUNT_SECONDS", float("inf"))  # no timed count
    paths = [
        "/public/",
        "/public/?sida=3",
        "/public/?phase=2&target_group=aldre&sida=2",
        "/public/?q=hemsjukvård&sida=2",
        "/public/embed",
        "/public/needs.json",
        "/public/needs.csv?q=behov",
        "/public/needs/2",
    ]
    before = statements_per_request(site, paths)
    add_many(site.services.db, site.services.ref, 200, offset=130)
    after = statements_per_request(site, paths)
    assert after == before
    assert max(before.values()) <= 5, before


# ---------------------------------------------------------------- conditional requests


@pytest.mark.parametrize("path", ["/public/needs.json", "/public/needs.csv?phase=2"])
def test_open_data_answers_304_until_something_changes(site, path):
    from storage.models import Need
    from storage.public import hide_need

    first = site.get(path)
    tag, modified = first.headers["etag"], first.headers["last-modified"]
    assert tag.startswith('W/"') and modified.endswith(" GMT")
    assert "ETag" in first.headers["access-control-expose-headers"]
    same = site.get(path, headers={"If-None-Match": tag})
    assert same.status_code == 304 and same.content == b""
    assert same.headers["etag"] == tag
    assert site.get(path, headers={"If-None-Match": f'"other", {tag}'}).status_code == 304
    assert site.get(path, headers={"If-Modified-Since": modified}).status_code == 304
    assert site.get(path, headers={"If-None-Match": '"other"'}).status_code == 200
    assert site.get(path, headers={"If-Modified-Since": "not a date"}).status_code == 200

    other = path + ("&" if "?" in path else "?") + "q=behov"
    assert site.get(other).headers["etag"] != tag  # another question, another tag

    services = site.services
    number = exported(site, "phase=2")[0]
    with services.db.session(write=True) as s:
        hide_need(s, need=s.get(Need, number), actor="UADMIN1", reason="Fel", now=services.clock())
    changed = site.get(path, headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["etag"] != tag
    assert number not in exported(site)


# ---------------------------------------------------------------- needs.json in windows


@pytest.mark.parametrize("query", ["", "phase=2&", "q=behov&target_group=aldre&"])
def test_limit_and_offset_walk_the_same_list(site, query):
    everything = site.get(f"/public/needs.json?{query}").json()
    assert "total" not in everything  # the default answer is the whole list, as before
    numbers, offset = [], 0
    while True:
        window = site.get(f"/public/needs.json?{query}limit=40&offset={offset}").json()
        assert window["total"] == everything["count"]
        assert (window["offset"], window["limit"]) == (offset, 40)
        assert window["count"] == len(window["needs"]) <= 40
        numbers += [n["number"] for n in window["needs"]]
        offset += 40
        if offset >= window["total"]:
            break
    assert numbers == [n["number"] for n in everything["needs"]]
    rest = site.get(f"/public/needs.json?{query}offset=5").json()
    assert rest["needs"] == everything["needs"][5:] and rest["limit"] is None


@pytest.mark.parametrize(
    ("query", "wrong"),
    [("limit=0", "limit"), ("limit=1001", "limit"), ("limit=x", "limit"), ("offset=-1", "offset"),
     ("offset=99999999999", "offset"), ("limit=%C2%B2", "limit")],
)  # fmt: skip
def test_a_bad_window_is_a_400(site, query, wrong):
    answer = site.get(f"/public/needs.json?{query}")
    assert answer.status_code == 400
    assert list(answer.json()["details"]) == [wrong]
