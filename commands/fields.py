"""The referral's intake fields: names in both languages, and how each answer is read and checked."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from commands.base import parse_partner_keys
from core.config import Config
from core.messages import fail
from core.vocabulary import LIFE_DOMAINS, REFERRAL_FIELDS, SUBJECT_ROLES, URGENCY

YES = {"ja", "yes", "j", "y"}
NO = {"nee", "no", "n"}
NONE = {"geen", "none", "-", "nee", "no"}
MAX_TEXT = 2000


def fold(text: str) -> str:
    """Lower case, accents and punctuation dropped, 'en'/'and'/'&' ignored: for matching list answers."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"(&|\ben\b|\band\b)", " ", text)
    return re.sub(r"[^a-z0-9]+", "", text)


def match_word(answer: str, options: dict[str, dict[str, str]]) -> str | None:
    folded = fold(answer)
    for key, labels in options.items():
        if folded in {fold(key), *(fold(label) for label in labels.values())}:
            return key
    return None


@dataclass(frozen=True)
class Field:
    key: str  # canonical (Dutch) name, also the catalogue key suffix
    aliases: tuple[str, ...]
    read: Callable[[str, Config, datetime], Any]
    repeatable: bool = False

    @property
    def en(self) -> str:
        return REFERRAL_FIELDS[self.key]

    def names(self) -> set[str]:
        return {self.key, self.en, *self.aliases}


def read_subjects(answer: str, config: Config, now: datetime) -> list[dict[str, Any]]:
    """Initials and birth year only ('J.D. 1985'), optionally a role; several separated by ';' or lines."""
    subjects = []
    for part in re.split(r"[;\n]+", answer):
        part = part.strip()
        if not part:
            continue
        m = re.fullmatch(r"((?:[A-Z]\.?\s?|[a-z]\.\s?){1,4})\s+(\d{4})(?:\s*[,(]?\s*([A-Za-z]+)\)?)?", part)
        if not m:
            raise fail("intake.invalid.betrokkene", value=part)
        year = int(m.group(2))
        if not 1900 <= year <= now.year:
            raise fail("intake.invalid.birth_year", value=m.group(2))
        role = "subject"
        if m.group(3):
            role = match_word(m.group(3), SUBJECT_ROLES) or ""
            if not role:
                raise fail("intake.invalid.subject_role", value=m.group(3))
        letters = re.sub(r"[^A-Za-z]", "", m.group(1)).upper()
        subjects.append({"initials": "".join(f"{c}." for c in letters), "birth_year": year, "role": role})
    if not subjects:
        raise fail("intake.invalid.empty")
    return subjects


def read_municipality(answer: str, config: Config, now: datetime) -> str:
    wanted = fold(answer)
    for name in config.bot.municipalities:
        if fold(name) == wanted:
            return name
    raise fail("intake.invalid.gemeente", value=answer.strip(), options=", ".join(config.bot.municipalities))


def read_theme(answer: str, config: Config, now: datetime) -> str:
    wanted = fold(answer)
    for name in config.bot.themes:
        if fold(name) == wanted:
            return name
    raise fail("intake.invalid.thema", value=answer.strip(), options=", ".join(config.bot.themes))


def read_domains(answer: str, config: Config, now: datetime) -> list[str]:
    words = [w.strip() for w in re.split(r"[,;\n]+", answer) if w.strip()]
    if not words:
        raise fail("intake.invalid.empty")
    found: list[str] = []
    unknown: list[str] = []
    for word in words:
        key = match_word(word, LIFE_DOMAINS)
        (found if key else unknown).append(key or word)
    if unknown:
        raise fail("intake.invalid.leefgebieden", value=", ".join(unknown), options=list(LIFE_DOMAINS))
    return list(dict.fromkeys(found))


def read_text(answer: str, config: Config, now: datetime) -> str:
    text = answer.strip()
    if not text:
        raise fail("intake.invalid.empty")
    if len(text) > MAX_TEXT:
        raise fail("intake.invalid.too_long", max=MAX_TEXT)
    return text


def read_partners(answer: str, config: Config, now: datetime) -> list[str]:
    text = answer.strip().lower()
    if not text:
        raise fail("intake.invalid.empty")
    if text in NONE:
        return []
    return parse_partner_keys(config, [k for k in re.split(r"[\s,;]+", text) if k])


def read_informed(answer: str, config: Config, now: datetime) -> dict[str, Any]:
    text = answer.strip()
    head, _, reason = text.partition(":")
    word = head.strip().lower()
    if word in YES and not reason.strip():
        return {"informed": True}
    if word in NO:
        if not reason.strip():
            raise fail("intake.invalid.informed_reason")
        return {"informed": False, "reason": read_text(reason, config, now)}
    raise fail("intake.invalid.geinformeerd", value=text)


def read_urgency(answer: str, config: Config, now: datetime) -> str:
    key = match_word(answer, URGENCY)
    if key is None:
        raise fail("intake.invalid.urgentie", value=answer.strip())
    return key


FIELDS: list[Field] = [
    Field("betrokkene", ("betrokkenen", "subjects"), read_subjects, repeatable=True),
    Field("gemeente", (), read_municipality),
    Field("thema", (), read_theme),
    Field("leefgebieden", ("leefgebied", "domain", "life domains"), read_domains),
    Field("reden", (), read_text),
    Field("doel", (), read_text),
    Field("partners", ("partner",), read_partners),
    Field("geinformeerd", ("geïnformeerd",), read_informed),
    Field("urgentie", (), read_urgency),
]


def field_named(name: str) -> Field | None:
    name = name.strip().lower()
    return next((f for f in FIELDS if name in f.names()), None)


def missing(fields: dict[str, Any]) -> list[Field]:
    return [f for f in FIELDS if f.key not in fields]
