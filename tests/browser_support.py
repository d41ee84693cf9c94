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
