"""Peak memory of a bot process that has answered fuzzy lookups over all stored needs and
built and sent the whole open-data exports (JSON and CSV) once."""

from __future__ import annotations

import json
import subprocess
import sys

CHILD = """
import json, sys
from bot.runtime import build_runtime
from bot.settings import load_settings
settings = load_settings(
    _env_file=None, database_url=sys.argv[1], slack_bot_token="xoxb-bench",
    slack_signing_secret="bench", slack_api_url="http://127.0.0.1:9/api/", behov_auto_migrate=False,
)
runtime = build_runtime(settings, scheduler=False)
svc = runtime.services
with svc.db.session() as session:
    svc.titles.lookup(session, "samordnad vårdplanering borås")
    svc.titles.similar(session, "Samordnad vårdplanering", "för äldre")
from web.public import PublicSite
site = PublicSite(svc)
sent = {}
for kind in ("json", "csv"):  # built as the first download after a change, then sent
    code, download, _ = site.export({}, "https://behov.example.org", kind, {})
    assert code == 200, code
    sent[kind] = sum(len(piece) for piece in download.pieces())
status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
print(json.dumps({**{k: int(status[k].split()[0]) // 1024 for k in ("VmRSS", "VmHWM")},
                  "export_bytes": sent}))
"""


def peak_mb(url: str) -> dict:
    """{"VmRSS": now, "VmHWM": peak} in MB, measured in a fresh process, and the bytes of
    the exports it sent ("export_bytes": {"json": ..., "csv": ...})."""
    out = subprocess.run(
        [sys.executable, "-c", CHILD, url], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])
