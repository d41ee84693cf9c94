"""Settings from the environment (and a .env file), loaded once and passed around."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger
from pydantic import Field, ValidationError, field_validator
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.i18n import SV, Texts

_DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it in one line."""


class Reason(ValueError):
    """Our validators' refusal: a catalogue key (settings.reason.*), told in plain words."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def parse_duration(text: str) -> timedelta:
    """Read `90s`, `15m`, `36h` or `7d`."""
    match = _DURATION.match(text)
    if not match or int(match.group(1)) == 0:
        raise Reason("settings.reason.duration")
    return timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[match.group(2)])


class Settings(BaseSettings):
    """Every setting of CONTRACT.md, plus a few of our own with safe defaults."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    database_url: str = "sqlite:///behov.db"
    behov_voting_channel: str | None = None
    behov_digest_channel: str | None = None
    behov_admins: Annotated[frozenset[str], NoDecode] = frozenset()
    behov_timezone: str = "Europe/Stockholm"
    behov_digest_cron: str = "0 8 * * mon"
    behov_digest_skip_holidays: bool = True
    behov_vote_duration: str = "7d"
    behov_vote_quorum: int | None = Field(default=None, ge=1)
    behov_tick_seconds: int = Field(default=60, ge=1, le=86400)
    behov_slack_timeout: float = Field(default=10, gt=0, le=120)  # seconds per Web API call
    behov_auto_migrate: bool = True
    behov_classification_file: Path | None = None
    behov_public_url: str | None = None
    behov_log_format: Literal["json", "text"] = "json"
    # Unset: INFO for the servers (serve, socket), WARNING for one-shot commands.
    behov_log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] | None = None
    # Cores a server process may be kept to, one each (bot/cpu.py); empty: any core.
    behov_cpus: Annotated[tuple[int, ...], NoDecode] = ()

    @field_validator("behov_admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> frozenset[str]:
        if isinstance(value, str):
            return frozenset(part.strip() for part in value.split(",") if part.strip())
        return frozenset(value or ())

    @field_validator("behov_cpus", mode="before")
    @classmethod
    def _split_cpus(cls, value: object) -> tuple[int, ...]:
        if not isinstance(value, str):
            return tuple(value or ())
        parts = [part.strip() for part in value.split(",") if part.strip()]
        if not all(part.isdigit() for part in parts):
            raise Reason("settings.reason.cpus")
        return tuple(dict.fromkeys(int(part) for part in parts))  # in order, once each

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token_shape(cls, value: str | None) -> str | None:
        if value and not value.startswith("xoxb-"):
            raise Reason("settings.reason.bot_token")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token_shape(cls, value: str | None) -> str | None:
        if value and not value.startswith("xapp-"):
            raise Reason("settings.reason.app_token")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url_shape(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise Reason("settings.reason.api_url")
        return value if value.endswith("/") else value + "/"

    @field_validator("database_url")
    @classmethod
    def _database_url_shape(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise Reason("settings.reason.database_url")
        return value

    @field_validator("behov_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise Reason("settings.reason.timezone") from exc
        return value

    @field_validator("behov_digest_cron")
    @classmethod
    def _cron_shape(cls, value: str) -> str:
        try:
            CronTrigger.from_crontab(value)
        except ValueError as exc:
            raise Reason("settings.reason.cron") from exc
        return value

    @field_validator("behov_vote_duration")
    @classmethod
    def _duration_shape(cls, value: str) -> str:
        parse_duration(value)
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.behov_timezone)

    @property
    def vote_duration(self) -> timedelta:
        return parse_duration(self.behov_vote_duration)

    @property
    def digest_channel(self) -> str | None:
        return self.behov_digest_channel or self.behov_voting_channel

    def is_admin(self, user_id: str) -> bool:
        return user_id in self.behov_admins

    def require(self, *names: str) -> None:
        """Stop with one line if a setting the chosen mode needs is unset."""
        for name in names:
            if not getattr(self, name):
                raise SettingsError(SV("settings.missing", name=name.upper()))


def load_settings(**overrides: object) -> Settings:
    """Load settings, turning pydantic's report into one Swedish line that names the setting."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise SettingsError(explain(exc.errors()[0], SV)) from None


# pydantic's error types that our settings can raise -> (catalogue key, its limit in ctx)
LIMITS = {
    "greater_than_equal": ("settings.reason.ge", "ge"),
    "greater_than": ("settings.reason.gt", "gt"),
    "less_than_equal": ("settings.reason.le", "le"),
    "less_than": ("settings.reason.lt", "lt"),
}
KINDS = {
    "int_parsing": "settings.reason.integer",
    "int_from_float": "settings.reason.integer",
    "int_type": "settings.reason.integer",
    "float_parsing": "settings.reason.number",
    "float_type": "settings.reason.number",
    "finite_number": "settings.reason.number",
    "bool_parsing": "settings.reason.boolean",
    "bool_type": "settings.reason.boolean",
    "url_parsing": "settings.reason.url",
    "url_scheme": "settings.reason.url",
    "url_syntax_violation": "settings.reason.url",
    "url_type": "settings.reason.url",
}
_QUOTED = re.compile(r"'([^']*)'")


def explain(error: ErrorDetails, tx: Texts) -> str:
    """One line from the catalogue for pydantic's first error; never its English message and
    never the value given (it may be a secret)."""
    loc = error.get("loc") or ("?",)
    name, kind, ctx = str(loc[0]).upper(), error.get("type", ""), error.get("ctx") or {}
    if kind == "missing":
        return tx("settings.missing", name=name)
    reason = None
    if kind == "value_error" and isinstance(ctx.get("error"), Reason):
        reason = tx(ctx["error"].key)
    elif kind in LIMITS and LIMITS[kind][1] in ctx:
        key, bound = LIMITS[kind]
        reason = tx(key, limit=f"{ctx[bound]:g}")  # 0, not 0.0
    elif kind in KINDS:
        reason = tx(KINDS[kind])
    elif kind in ("literal_error", "enum"):
        choices = _QUOTED.findall(str(ctx.get("expected", "")))
        if choices:
            *rest, last = choices
            listed = f"{', '.join(rest)} {tx('settings.reason.or')} {last}" if rest else last
            reason = tx("settings.reason.choice", choices=listed)
    if reason is None:
        return tx("settings.invalid_value", name=name)
    return tx("settings.invalid", name=name, reason=reason)
