"""Which bot scopes the code needs, read from the Web API methods it calls."""

import re
from pathlib import Path

# Web API method (as slack_sdk names it) -> the bot scope(s) it needs (None: no scope).
METHOD_SCOPES = {
    "chat_postMessage": "chat:write",
    "chat_postEphemeral": "chat:write",
    "chat_update": "chat:write",
    "chat_delete": "chat:write",
    "chat_getPermalink": None,
    "views_open": None,
    "views_push": None,
    "views_update": None,
    "views_publish": None,
    "users_info": "users:read",
    "conversations_members": ("channels:read", "groups:read"),  # public and private channels
    "conversations_info": "channels:read",
    "conversations_open": "im:write",
    # Scheduled posts are looked for again in channels, private channels and DMs.
    "conversations_history": ("channels:history", "groups:history", "im:history"),
    "conversations_replies": ("channels:history", "groups:history", "im:history"),
    "files_upload_v2": "files:write",
    "auth_test": None,
}
CALL = re.compile(r"\.(\w+)\(")


def scopes_used(root: Path) -> set[str]:
    scopes = {"commands"}  # the slash command and the shortcut
    for folder in ("bot", "commands", "domain", "storage"):
        for path in (root / folder).rglob("*.py"):
            for name in CALL.findall(path.read_text(encoding="utf-8")):
                needed = METHOD_SCOPES.get(name)
                if needed:
                    scopes.update((needed,) if isinstance(needed, str) else needed)
    return scopes
