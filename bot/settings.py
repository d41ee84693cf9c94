"""Settings from the environment (and a .env file), loaded once and passed around."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger
from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

_DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it in one line."""


def parse_duration(text: str) -> timedelta:
    """Read `90s`, `15m`, `36h` or `7d`."""
    match = _DURATION.match(text)
    if not match or int(match.group(1)) == 0:
        raise ValueError("ange ett positivt tal följt av s, m, h eller d, till exempel 7d")
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

    @field_validator("behov_admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> frozenset[str]:
        if isinstance(value, str):
            return frozenset(part.strip() for part in value.split(",") if part.strip())
        return frozenset(value or ())

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token_shape(cls, value: str | None) -> str | None:
        if value and not value.startswith("xoxb-"):
            raise ValueError("ska börja med xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token_shape(cls, value: str | None) -> str | None:
        if value and not value.startswith("xapp-"):
            raise ValueError("ska börja med xapp-")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url_shape(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("ska vara en http(s)-adress")
        return value if value.endswith("/") else value + "/"

    @field_validator("database_url")
    @classmethod
    def _database_url_shape(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError(
                "ska vara en SQLite- eller PostgreSQL-adress (sqlite:///… eller postgresql+psycopg://…)"
            )
        return value

    @field_validator("behov_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("okänd tidszon") from exc
        return value

    @field_validator("behov_digest_cron")
    @classmethod
    def _cron_shape(cls, value: str) -> str:
        try:
            CronTrigger.from_crontab(value)
        except ValueError as exc:
            raise ValueError("ska vara ett cron-uttryck med fem fält, t.ex. 0 8 * * mon") from exc
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
                raise SettingsError(f"Inställningen {name.upper()} saknas.")


def load_settings(**overrides: object) -> Settings:
    """Load settings, turning pydantic's report into one line that names the setting."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first.get("loc") else "?"
        message = first.get("msg", "ogiltigt värde").removeprefix("Value error, ")
        raise SettingsError(f"Inställningen {name} är ogiltig: {message}.") from None
