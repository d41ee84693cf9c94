"""The public page in a real headless Chromium: it renders, works by keyboard, passes axe-core.

Debian's `chromium` (installed by .ci/run) is driven by Playwright from PyPI; Playwright never
downloads a browser of its own here. axe-core comes bundled in the `axe-playwright-python`
package (PyPI). Without /usr/bin/chromium these tests skip and say why.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from bot.app import build_services
from bot.runtime import build_runtime
from bot.server import ServerThread
from storage.db import Database
from tests.browser_support import ARGS, CHROMIUM, needs_chromium, serious_violations
from tests.conftest import Clock, make_settings
from tests.public_support import START, add_many, add_need, build_portfolio, move

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One running bot with the portfolio for the whole module (SQLite)."""
    path = tmp_path_factory.mktemp("browser") / "behov.db"
    url = f"sqlite:///{path}"
    Database.from_url(url).upgrade()
    settings = make_settings(url, "http://127.0.0.1:9/")
    services = build_services(settings, clock=Clock())
    runtime = build_runtime(settings, services=services, scheduler=False)
    portfolio = build_portfolio(services.db, services.ref)
    running = ServerThread(runtime.web_app).start()
    running.portfolio = portfolio
    yield running
    running.stop()
    services.db.engine.dispose()


def _serve(path: Path, extra: int = 0):
    url = f"sqlite:///{path}"
    Database.from_url(url).upgrade()
    settings = make_settings(url, "http://127.0.0.1:9/")
    services = build_services(settings, clock=Clock())
    runtime = build_runtime(settings, services=services, scheduler=False)
    portfolio = build_portfolio(services.db, services.ref)
    if extra:
        add_many(services.db, services.ref, extra)
    running = ServerThread(runtime.web_app).start()
    running.portfolio = portfolio
    return running, services


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    """A bot with enough published needs for three pages of the list."""
    running, services = _serve(tmp_path_factory.mktemp("browser-many") / "behov.db", extra=130)
    yield running
    running.stop()
    services.db.engine.dispose()


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="sv-SE")
    page = context.new_page()
    yield page
    context.close()


def listed(page) -> set[int]:
    labels = page.locator("article.need").evaluate_all(
        "els => els.map(e => e.getAttribute('aria-labelledby'))"
    )
    return {int(label.removeprefix("need-")) for label in labels}


def tab_to(page, selector: str, limit: int = 40) -> None:
    """Press Tab until the element is focused, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("sel => document.activeElement.matches(sel)", selector):
            return
    raise AssertionError(f"{selector} is not reachable by Tab")


def submit(page) -> None:
    """Press Enter and wait for the page it loads."""
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_the_page_renders(server, page):
    page.goto(server.url + "/public/")
    assert page.locator("html").get_attribute("lang") == "sv"
    assert page.locator("h1").inner_text() == "Utvecklingsbehov i Vårdsamverkan Västra Götaland"
    assert listed(page) == set(server.portfolio.published)
    assert page.get_by_role("main").count() == 1
    assert page.get_by_label("Sök", exact=True).count() == 1


def test_search_and_filters_by_keyboard(server, page):
    page.goto(server.url + "/public/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # focus is visible
    tab_to(page, "#f-q")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.type("digitala")
    submit(page)
    assert parse_qs(urlparse(page.url).query)["q"] == ["digitala"]
    assert listed(page) == {server.portfolio.execution, server.portfolio.merged}

    tab_to(page, "#f-phase")
    page.keyboard.press("ArrowDown")  # Alla faser -> 2
    page.keyboard.press("ArrowDown")  # -> 3
    assert page.locator("#f-phase").input_value() == "3"
    tab_to(page, "button[type=submit]")
    submit(page)
    query = parse_qs(urlparse(page.url).query)
    assert query["phase"] == ["3"] and query["q"] == ["digitala"]
    assert listed(page) == {server.portfolio.execution}

    tab_to(page, "a.reset")
    submit(page)
    assert listed(page) == set(server.portfolio.published)


def test_a_need_opens_by_keyboard(server, page):
    page.goto(server.url + "/public/")
    tab_to(page, f'a[href="/public/needs/{server.portfolio.execution}"]')
    submit(page)
    assert urlparse(page.url).path == f"/public/needs/{server.portfolio.execution}"
    assert "Gick till fas 3: Genomförande" in page.locator("main").inner_text()


@pytest.mark.parametrize("path", ["/public/", "/public/?phase=2&q=behov", "need", "/public/embed"])
def test_axe_finds_no_serious_violations(server, page, path):
    if path == "need":
        path = f"/public/needs/{server.portfolio.execution}"
    page.goto(server.url + path)
    bad = serious_violations(page)
    assert bad == [], bad


def test_narrow_screen_and_print(server, page):
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(server.url + "/public/")
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow  # no sideways scrolling on a phone (1.4.10 reflow)
    page.emulate_media(media="print")
    assert page.locator("form.filters").is_hidden()
    assert page.locator("article.need").first.is_visible()


LONG_WORD = "Läkemedelsgenomgångsuppföljningsdokumentationsstandardiseringsarbetsgruppsrutiner"


def test_a_long_compound_word_wraps_instead_of_widening_the_page(tmp_path, page):
    running, services = _serve(tmp_path / "behov.db")
    try:
        with services.db.session(write=True) as s:
            need = add_need(s, services.ref, LONG_WORD + " för hela länet", at=START,
                            description=LONG_WORD * 3)  # fmt: skip
            move(s, need, 2, START)
            number = need.id
        page.set_viewport_size({"width": 375, "height": 800})
        for path in ("/public/", f"/public/needs/{number}"):
            page.goto(running.url + path)
            assert page.get_by_text(LONG_WORD).first.is_visible()
            wide = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
            assert not wide, path  # no sideways scrolling (1.4.10 reflow)
    finally:
        running.stop()
        services.db.engine.dispose()


def test_pages_by_keyboard_keep_the_filter(many, page):
    page.goto(many.url + "/public/?phase=2")
    first = listed(page)
    assert len(first) == 50
    tab_to(page, "a[rel=next]", limit=200)  # past the 50 needs, as a keyboard user would
    submit(page)
    query = parse_qs(urlparse(page.url).query)
    assert query == {"phase": ["2"], "sida": ["2"]}
    pages = page.get_by_role("navigation", name="Sidor med behov")
    assert pages.get_by_role("link", name="Sida 2", exact=True).get_attribute("aria-current") == (
        "page"
    )
    assert listed(page).isdisjoint(first)
    tab_to(page, "a[rel=prev]", limit=200)
    submit(page)
    assert listed(page) == first


@pytest.mark.parametrize("path", ["/public/?sida=2", "/public/embed?sida=3&phase=2"])
def test_axe_finds_no_serious_violations_in_pages(many, page, path):
    page.goto(many.url + path)
    assert page.locator("nav.pager").count() == 1
    bad = serious_violations(page)
    assert bad == [], bad
