"""Configuration: one TOML file, validated by pydantic; secrets may come from the environment."""
from __future__ import annotations

import fnmatch
import hashlib
import hmac
import os
import re
import stat
import tomllib
from datetime import time
from enum import Enum
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

MXID_PATTERN = r"^@[a-z0-9._=\-/+]+:[A-Za-z0-9.\-]+(:\d+)?$"
MatrixId = Annotated[str, Field(pattern=MXID_PATTERN)]

DEFAULT_THEMES = [
    "huiselijk geweld", "overlast", "jeugdcriminaliteit", "nazorg ex-gedetineerden",
    "personen met verward gedrag", "radicalisering", "high impact crime", "multiproblematiek",
]


class Tier(str, Enum):
    kern = "kern"
    casus = "casus"
    incidenteel = "incidenteel"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MatrixConfig(Strict):
    homeserver: str = Field(pattern=r"^https?://")
    user_id: MatrixId
    device_id: str = "ZVHBOT"
    # Either may be left empty here and given as ZVH_ACCESS_TOKEN / ZVH_PASSWORD instead.
    access_token: str = ""
    password: str = ""
    # End-to-end encryption. Keys live in the crypto store (default: "crypto" next to the database); keep it with
    # the database and back it up together. Device trust: "tofu" sends room keys to every device of the room's
    # members (trust on first use); "cross_signed" only to devices their owner signed with their cross-signing
    # identity (as Element's "exclude insecure devices" does); others are told their device cannot read along.
    crypto_store: Path | None = None
    device_trust: Literal["tofu", "cross_signed"] = "tofu"
    # The secret the crypto store and the bot's cross-signing keys are sealed with (or ZVH_PICKLE_KEY). Keep it
    # apart from the store: whoever has both can read everything the bot can.
    pickle_key: str = ""
    # How long an encrypted message the bot cannot decrypt yet waits for its room key (often a moment late)
    # before the sender is told.
    key_wait_seconds: float = Field(60.0, ge=0)

    @field_validator("device_trust", mode="before")
    @classmethod
    def _trust(cls, value: str) -> str:
        if value == "verified":
            raise ValueError('"verified" is now "cross_signed": room keys only for devices their owner cross-signed')
        return value

    @model_validator(mode="after")
    def _secrets_from_env(self) -> MatrixConfig:
        self.access_token = self.access_token or os.environ.get("ZVH_ACCESS_TOKEN", "")
        self.password = self.password or os.environ.get("ZVH_PASSWORD", "")
        self.pickle_key = self.pickle_key or os.environ.get("ZVH_PICKLE_KEY", "")
        if not (self.access_token or self.password):
            raise ValueError("give access_token or password (or ZVH_ACCESS_TOKEN / ZVH_PASSWORD)")
        if len(self.pickle_key) < 16:
            raise ValueError("give pickle_key (or ZVH_PICKLE_KEY), a secret of at least 16 characters that seals "
                             "the crypto store, e.g. from `openssl rand -hex 32`")
        return self

    @property
    def server_name(self) -> str:
        return self.user_id.split(":", 1)[1]


class Partner(Strict):
    key: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: str
    tier: Tier = Tier.casus
    contacts: list[MatrixId] = []


DEFAULT_STATEMENT = (
    "Ik houd geheim wat ik in het Zorg- en Veiligheidshuis over personen en casussen hoor en lees. Ik gebruik het "
    "alleen voor mijn taak in deze casus, deel het met niemand die het niet voor die taak nodig heeft, en bewaar "
    "niets buiten de casusroom. Dit geldt ook nadat mijn deelname is geëindigd.")


class BotConfig(Strict):
    database: Path = Path("zvh.db")
    command_prefix: str = Field("!", min_length=1, max_length=3)
    language: Literal["nl", "en"] = "nl"
    timezone: str = "Europe/Amsterdam"
    region: str = "Regio"
    referral_prefix: str = Field("ZVH", pattern=r"^[A-Z]{2,6}$")
    # Commands that waited longer than this while the bot was down are not run; the sender is told.
    max_command_age_minutes: float = Field(8 * 60, gt=0)
    screening_room: str = Field(pattern=r"^[!#]\S+$")
    coordinators: list[MatrixId] = []
    managers: list[MatrixId] = []  # see anonymised figures only
    privacy_officers: list[MatrixId] = []  # audit trail and data-subject requests
    admins: list[MatrixId] = []  # run the bot: its health and settings, no case data
    # Who may file referrals: full Matrix IDs, glob patterns ("@*:politie.example"), or bare homeserver domains.
    referrers: list[str] = []
    municipalities: list[str] = Field(min_length=1)
    # Case rooms and the direct chats the bot opens are end-to-end encrypted.
    encrypt_rooms: bool = True
    # Prometheus metrics and /health, /ready on this port (off when not set); loopback unless said otherwise.
    metrics_port: int | None = Field(None, ge=1, le=65535)
    metrics_host: str = "127.0.0.1"
    # Days after closure before a case's data is deleted (the regional privacy protocol sets the term).
    retention_days: int = Field(5 * 365, ge=1)
    # Days after closure before the members leave the (read-only) case room, and within which it may be reopened.
    closed_members_days: int = Field(14, ge=0, le=365)
    reopen_days: int = Field(90, ge=0, le=3650)
    # An unfinished referral dialogue is dropped after this many hours without an answer (its free text with it).
    intake_expiry_hours: float = Field(24, gt=0)
    themes: list[str] = Field(default_factory=lambda: list(DEFAULT_THEMES), min_length=1)
    # What incidental partners accept in their direct chat before they are invited to a case (audited; a changed
    # text is asked again).
    confidentiality_statement: str = Field(DEFAULT_STATEMENT, min_length=20, max_length=4000)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {value!r}") from None
        return value


class RemindersConfig(Strict):
    """When actions are chased. Working days exclude weekends and the public holidays of `holidays_country`."""

    # Reminders, overdue nudges and escalations go out at this local time, on working days.
    morning: time = time(9, 0)
    # Reminders this many working days before the due date (0: on the morning of the day itself).
    before_working_days: list[Annotated[int, Field(ge=0, le=20)]] = [2, 0]
    # Escalation when an action is this many working days overdue: first to the casusregisseur, then to the
    # procesregisseur; each once.
    escalate_casusregisseur_after: int = Field(2, ge=1, le=60)
    escalate_procesregisseur_after: int = Field(5, ge=1, le=60)
    # Those invited to a meeting (and not declining) are reminded this many days before, at the meeting's own time
    # of day, and this many minutes before it starts; 0 switches either off.
    meeting_days_before: int = Field(1, ge=0, le=14)
    meeting_minutes_before: int = Field(60, ge=0, le=24 * 60)
    # The procesregisseur and the casusregisseur are reminded of the plan's evaluation date this many working days
    # before it, in the morning (0: on the morning of the day itself).
    evaluation_working_days_before: int = Field(5, ge=0, le=60)
    # The weekly digest: weekday (0 = Monday) and local time.
    digest_weekday: int = Field(0, ge=0, le=6)
    digest_time: time = time(8, 30)
    holidays_country: str = "NL"

    @field_validator("holidays_country")
    @classmethod
    def _country(cls, value: str) -> str:
        import holidays

        if value not in holidays.list_supported_countries():
            raise ValueError(f"no public holidays known for country {value!r}")
        return value


DEFAULT_MEETING_TYPES = {"casusoverleg": "Casusoverleg", "focusoverleg": "Focusoverleg", "jco": "JCO",
                         "mda": "MDA++", "topx": "Top X", "nazorg": "Nazorgoverleg", "evaluatie": "Evaluatieoverleg"}


class MeetingsConfig(Strict):
    """The tables: their types, series, and the weekly triage table (weegteam)."""

    # Types of table, key (typed after !overleg) and the name shown in invitations, calendars and minutes; the
    # first is the default.
    types: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_MEETING_TYPES), min_length=1)
    # A series (`!overleg elke dinsdag 10:00`) is planned this many times; each occurrence can be moved or cancelled.
    series_count: int = Field(10, ge=2, le=52)
    # The triage table: weekday (0 = Monday) and time; referrals filed before the cut-off are on its agenda.
    triage_weekday: int = Field(1, ge=0, le=6)
    triage_time: time = time(10, 0)
    triage_cutoff_weekday: int = Field(0, ge=0, le=6)
    triage_cutoff_time: time = time(12, 0)

    @field_validator("types")
    @classmethod
    def _type_keys(cls, value: dict[str, str]) -> dict[str, str]:
        bad = [k for k in value if not re.fullmatch(r"[a-z][a-z0-9]{1,19}", k)]
        if bad:
            raise ValueError(f"meeting type keys are one lower-case word: {', '.join(bad)}")
        return value


class KaartConfig(Strict):
    """The sociale kaart: a data file beside the config (relative to it), read at each use and written back by
    `!kaart wijzig`. A missing file is an empty kaart."""

    file: Path = Path("kaart.toml")


class ArrangementsConfig(Strict):
    """Light arrangements (afstemming): a short-lived room with the referrer and one to three partners."""

    term_weeks: int = Field(4, ge=1, le=26)  # the room closes itself after this, unless a term is given
    max_term_weeks: int = Field(12, ge=1, le=52)  # the longest term that may be given (or extended to, per step)
    reminder_days_before: int = Field(7, ge=0, le=60)  # procesregisseur and members reminded (0: no reminder)
    max_partners: int = Field(3, ge=1, le=10)
    # Days after its end before an arrangement's data is deleted; unset: the case term (`bot.retention_days`).
    retention_days: int | None = Field(None, ge=1)


class DeskConfig(Strict):
    """The expertise desk: consultation questions from professionals, answered by the ZVH's staff."""

    # Where questions are posted for the staff on duty (the coordinators); the screening room unless set. A room
    # for the ZVH's staff only: the questions and answers are need-to-know.
    room: str | None = Field(None, pattern=r"^[!#]\S+$")
    # A question waiting this many working days for an answer is chased: the staff are rung in the consultation
    # room, and again after as many working days while it still waits.
    chase_after_working_days: int = Field(2, ge=1, le=30)
    # Saved knowledge (earlier advice, nothing personal) may be searched by every referrer, not only the staff.
    knowledge_for_referrers: bool = False
    # Days after a question was closed (or last had anything happen) before it and its answers are deleted.
    # Saved knowledge stays: it holds nothing personal.
    retention_days: int = Field(365, ge=1)
    # Load the personal-details check's word lists (seconds, about 1 GB) at start, in the background, rather than
    # at the first question.
    preload: bool = True


class ReportsConfig(Strict):
    """Management information (`!rapport`): where managers ask, how small a count may be shown, the automatic
    monthly and yearly reports, and the secret that keys the pseudonyms the figures count re-referrals by."""

    # A room for managers (they may also ask in their direct chat); coordinators ask in the screening room.
    management_room: str | None = Field(None, pattern=r"^[!#]\S+$")
    # A count below this is shown as "<threshold>"; other cells are hidden too where it could be recomputed.
    threshold: int = Field(10, ge=2, le=100)
    # The monthly report (first working day of the month, the month before beside the same month a year earlier)
    # and the yearly one (first working day of January): posted in this room (default: the management room, else
    # the screening room) at this local time.
    room: str | None = Field(None, pattern=r"^[!#]\S+$")
    monthly: bool = True
    yearly: bool = True
    at: time = time(8, 0)
    # Keys the pseudonym of a person concerned (initials + birth year + municipality) and of a procesregisseur in
    # the figures; never shown. Or ZVH_PSEUDONYM_SECRET; when neither is given it is derived from the pickle key.
    # Keep it: a new secret makes earlier pseudonyms unrecognisable (re-referrals before it are not found).
    pseudonym_secret: str = ""

    @model_validator(mode="after")
    def _secret_from_env(self) -> ReportsConfig:
        self.pseudonym_secret = self.pseudonym_secret or os.environ.get("ZVH_PSEUDONYM_SECRET", "")
        if self.pseudonym_secret and len(self.pseudonym_secret) < 16:
            raise ValueError("pseudonym_secret must be at least 16 characters")
        return self


class Config(Strict):
    matrix: MatrixConfig
    bot: BotConfig
    reminders: RemindersConfig = RemindersConfig()
    meetings: MeetingsConfig = MeetingsConfig()
    kaart: KaartConfig = KaartConfig()
    arrangements: ArrangementsConfig = ArrangementsConfig()
    desk: DeskConfig = DeskConfig()
    reports: ReportsConfig = Field(default_factory=ReportsConfig)
    partners: list[Partner] = []
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"

    @model_validator(mode="after")
    def _unique_partners(self) -> Config:
        keys = [p.key for p in self.partners]
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        if duplicates:
            raise ValueError(f"partner keys must be unique: {', '.join(duplicates)}")
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.bot.timezone)

    @property
    def desk_room(self) -> str:
        """The consultation room: configured, or the screening room."""
        return self.desk.room or self.bot.screening_room

    @property
    def pseudonym_key(self) -> bytes:
        """The secret that keys pseudonyms in the figures: configured, or derived from the pickle key."""
        if self.reports.pseudonym_secret:
            return self.reports.pseudonym_secret.encode()
        return hmac.new(self.matrix.pickle_key.encode(), b"zvh figures pseudonyms", hashlib.sha256).digest()

    @property
    def report_room(self) -> str:
        """Where the automatic reports go."""
        return self.reports.room or self.reports.management_room or self.bot.screening_room

    def is_management_room(self, room_id: str) -> bool:
        return self.reports.management_room is not None and room_id == self.reports.management_room

    def partner_name(self, key: str) -> str:
        """The organisation's name, or its key when it is not (or no longer) in the directory."""
        found = self.partner(key)
        return found.name if found else key

    def contacts_of(self, key: str) -> list[str]:
        found = self.partner(key)
        return list(found.contacts) if found else []

    def partner(self, key: str) -> Partner | None:
        key = key.lower()
        return next((p for p in self.partners if p.key == key), None)

    @property
    def arrangement_retention_days(self) -> int:
        return self.arrangements.retention_days or self.bot.retention_days

    def is_coordinator(self, user_id: str) -> bool:
        return user_id in self.bot.coordinators

    def is_manager(self, user_id: str) -> bool:
        return user_id in self.bot.managers

    def is_privacy_officer(self, user_id: str) -> bool:
        return user_id in self.bot.privacy_officers

    def is_admin(self, user_id: str) -> bool:
        return user_id in self.bot.admins

    def may_refer(self, user_id: str) -> bool:
        """Coordinators, partner contacts and the configured patterns may file referrals."""
        if self.is_coordinator(user_id) or any(user_id in p.contacts for p in self.partners):
            return True
        domain = user_id.split(":", 1)[-1]
        for pattern in self.bot.referrers:
            if pattern.startswith("@"):
                if fnmatch.fnmatchcase(user_id, pattern):
                    return True
            elif pattern == domain:
                return True
        return False

    def is_known(self, user_id: str) -> bool:
        """May talk to the bot at all: everyone with a role in the partnership."""
        return (self.may_refer(user_id) or self.is_manager(user_id) or self.is_privacy_officer(user_id)
                or self.is_admin(user_id))

    def organisation_of(self, user_id: str) -> Partner | None:
        return next((p for p in self.partners if user_id in p.contacts), None)

    def directory_people(self) -> set[str]:
        """Everyone the partner directory names (the partners' contacts and the coordinators): who may be added to
        a case; the bot invites no one outside it."""
        return {*self.bot.coordinators, *(user for p in self.partners for user in p.contacts)}


class ConfigError(Exception):
    """A config that cannot be used; the message names the field and what is wrong."""


def load_config(path: Path) -> Config:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        lines = [f"{path}: invalid configuration"]
        for err in exc.errors():
            where = ".".join(str(part) for part in err["loc"]) or "(top level)"
            lines.append(f"  {where}: {err['msg']}")
        raise ConfigError("\n".join(lines)) from None
    if not config.bot.database.is_absolute():
        config.bot.database = (path.parent / config.bot.database).resolve()
    if not config.kaart.file.is_absolute():
        config.kaart.file = (path.parent / config.kaart.file).resolve()
    if config.matrix.crypto_store is None:
        config.matrix.crypto_store = config.bot.database.parent / "crypto"
    elif not config.matrix.crypto_store.is_absolute():
        config.matrix.crypto_store = (path.parent / config.matrix.crypto_store).resolve()
    return config


def config_is_private(path: Path) -> bool:
    """A config may hold secrets: warn when others can read it."""
    return not (path.stat().st_mode & (stat.S_IRGRP | stat.S_IROTH))
