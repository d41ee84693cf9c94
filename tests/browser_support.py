"""Headless Chromium for the browser tests: Debian's binary, never a downloaded one."""

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("BEHOV_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps dialling out on this closed network.
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

needs_chromium = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason=f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run does)",
    ),
]


def serious_violations(page) -> list:
    """What axe-core (WCAG 2.1 A/AA and best practice) rates serious or critical on the page."""
    from axe_playwright_python.sync_playwright import Axe

    rules = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
    results = Axe().run(page, options={"runOnly": rules})
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
