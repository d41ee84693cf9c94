"""The demo's whole story in a real headless Chromium, through the sandbox page only.

Staff registers a need, the chair opens a VVG vote, three members vote, the chair closes it;
the result shows in the channel, the need's phase in the App Home and on the public page. The
test takes a screenshot; with BEHOV_UPDATE_SCREENSHOT=1 it replaces docs/demo.png (the README's
picture), so ordinary runs leave the work tree clean. Without /usr/bin/chromium it skips.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from bot.server import ServerThread
from demo import people
from demo.runner import start
from tests.browser_support import ARGS, CHROMIUM, needs_chromium, serious_violations

SCREENSHOT = Path(__file__).resolve().parent.parent / "docs" / "demo.png"

pytestmark = needs_chromium


@pytest.fixture
def sandbox():
    running = start(scheduler=False)
    server = ServerThread(running.sandbox_app).start()
    server.demo = running
    yield server
    server.stop()
    running.stop()
    assert running.fake.problems == [], running.fake.problems


@pytest.fixture
def page():
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        context = chromium.new_context(viewport={"width": 1280, "height": 860}, locale="sv-SE")
        yield context.new_page()
        context.close()
        chromium.close()


def be(page, user: str) -> None:
    page.select_option("#person", user)
    page.get_by_role("button", name="Byt person").click()
    page.wait_for_load_state()


def say(page, text: str) -> None:
    page.get_by_label(re.compile("^Skriv till")).first.fill(text)
    page.get_by_role("button", name="Skicka").first.click()
    page.wait_for_load_state()


def test_register_vote_and_see_the_result_everywhere(sandbox, page, tmp_path):
    fake = sandbox.demo.fake
    page.goto(sandbox.url + "/")

    # Staff in Borås registers a need with the form, type-ahead included.
    say(page, "/behov ny Digitalt stöd för samordnad individuell plan")
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Beskrivning").fill(
        "SIP görs på papper och når inte alla. Vi behöver ett digitalt stöd som kommun och "
        "region delar, där den enskilde är delaktig."
    )
    dialog.get_by_label("Identifierat behov av gemensamt utvecklingsarbete").check()
    organisation = dialog.get_by_label("Din organisation")
    organisation.press_sequentially("Borå")
    page.wait_for_function(
        "document.querySelector('datalist option[value=\"Borås\"]') !== null", timeout=5000
    )
    organisation.fill("Borås")
    dialog.get_by_role("button", name="Registrera").click()
    page.wait_for_load_state()
    done = page.get_by_role("dialog").inner_text()
    number = int(re.search(r"#(\d+)", done).group(1))
    page.get_by_role("dialog").get_by_role("button").first.click()  # close the done view
    page.wait_for_load_state()

    # The chair opens a vote in the voting channel.
    be(page, people.ADMIN)
    page.get_by_role("link", name="# vvg-prioritering").click()
    say(page, f"/behov rösta {number}")
    vote = page.locator("article.message", has_text="Omröstning i VVG").last
    assert f"#{number}" in vote.inner_text()

    # Three members vote.
    for voter, choice in zip(people.VOTERS, ["Gör nu", "Gör nu", "Planera"], strict=False):
        be(page, voter)
        page.goto(f"{sandbox.url}/c/{people.VOTING_CHANNEL}")
        page.get_by_role("button", name=re.compile("^" + choice)).last.click()
        page.wait_for_load_state()
        assert "Bara du kan se det här meddelandet" in page.inner_text("main")
    assert (
        "3 av 5" in page.locator("article.message", has_text="Omröstning i VVG").last.inner_text()
    )

    # The chair closes it early from the need's details, the one place the button is shown
    # (Slack's confirm dialog first), and everyone sees the result.
    be(page, people.ADMIN)
    page.goto(f"{sandbox.url}/c/{people.VOTING_CHANNEL}")
    vote = page.locator("article.message", has_text="Omröstning i VVG").last
    assert not vote.get_by_role("button", name=re.compile("^Stäng omröstningen")).count()
    vote.get_by_role("button", name="Visa detaljer").click()
    page.wait_for_load_state()
    page.get_by_role("dialog").get_by_role("button", name=re.compile("^Stäng omröstningen")).click()
    page.get_by_role("alertdialog").get_by_role("button").last.click()
    page.wait_for_load_state()
    for _ in range(3):  # the notice, then the details: closed as a person would
        if not page.get_by_role("dialog").count():
            break
        page.get_by_role("dialog").locator("form[action='/view/close'] button").click()
        page.wait_for_load_state()
    assert not page.get_by_role("dialog").count()
    page.goto(f"{sandbox.url}/c/{people.VOTING_CHANNEL}")
    result = page.locator(
        "article.message:not(.ephemeral)", has_text=f"#{number}"
    ).last.inner_text()
    assert "Gör nu" in result
    assert not page.get_by_role("button", name=re.compile("^Planera")).count()
    shot = page.screenshot(path=str(tmp_path / "demo.png"))
    if os.environ.get("BEHOV_UPDATE_SCREENSHOT") == "1":
        SCREENSHOT.write_bytes(shot)

    # The staff member's App Home shows the new phase ...
    be(page, people.STAFF)
    page.get_by_role("button", name="Behov – Hem").click()
    page.wait_for_load_state()
    home = page.inner_text("main")
    assert f"#{number}" in home and "Fas 2 av 4" in home

    # ... and so does the bot's public page, linked from the sandbox.
    with page.context.expect_page() as opened:
        page.get_by_role("link", name="Offentlig sida").click()
    public = opened.value
    public.goto(f"{public.url.rstrip('/')}/needs/{number}")
    text = public.inner_text("body")
    assert "Digitalt stöd för samordnad individuell plan" in text
    assert "Ställningstagande och prioritering" in text
    assert fake.problems == []


@pytest.fixture(scope="module")
def seeded():
    running = start(scheduler=False, seed=True)
    server = ServerThread(running.sandbox_app).start()
    server.demo = running
    yield server
    server.stop()
    running.stop()


@pytest.fixture
def seeded_page(seeded):
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        context = chromium.new_context(viewport={"width": 1280, "height": 860}, locale="sv-SE")
        page = context.new_page()
        page.goto(seeded.url + "/")
        be(page, people.ADMIN)
        yield page
        context.close()
        chromium.close()


def test_keyboard_only_slash_command_modal_and_escape(seeded, seeded_page):
    page = seeded_page
    page.get_by_label(re.compile("^Skriv till")).first.focus()
    page.keyboard.type("/behov ny Tangentbord")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # Enter sends, as in Slack
    dialog = page.get_by_role("dialog")
    assert dialog.get_by_label("Titel").input_value() == "Tangentbord"
    assert page.evaluate("document.activeElement.id") == "in-title"  # focus moved into it
    with page.expect_navigation():
        page.keyboard.press("Escape")
    assert page.get_by_role("dialog").count() == 0


@pytest.mark.parametrize("where", ["general", "voting", "home", "modal"])
def test_axe_finds_no_serious_violations(seeded, seeded_page, where):
    page = seeded_page
    if where == "voting":
        page.goto(f"{seeded.url}/c/{people.VOTING_CHANNEL}")
    elif where == "home":
        page.get_by_role("button", name="Behov – Hem").click()
    elif where == "modal":
        say(page, "/behov ny Tillgänglighet")
    page.wait_for_load_state()
    bad = serious_violations(page)
    assert bad == [], bad
    if where == "modal":
        with page.expect_navigation():
            page.keyboard.press("Escape")
