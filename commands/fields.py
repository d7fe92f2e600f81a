"""The referral's intake fields: names in both languages, and how each answer is read and checked."""
from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from commands.base import parse_partner_keys
from core.config import Config
from core.messages import fail
from core.vocabulary import (
    APPROACH_ALIASES,
    APPROACHES,
    DEFAULT_APPROACH,
    DOMAIN_ALIASES,
    LIFE_DOMAINS,
    REFERRAL_FIELDS,
    SUBJECT_ROLES,
    SYSTEM_MIN_PERSONS,
    URGENCY,
)

YES = {"ja", "yes", "j", "y"}
NO = {"nee", "no", "n"}
NONE = {"geen", "none", "-", "nee", "no"}
MAX_TEXT = 2000
MAX_NEIGHBOURHOOD = 100


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


# Every way to write a life domain, folded: its key, its names in both languages and its short forms.
DOMAIN_WORDS = {fold(word): key for key, labels in LIFE_DOMAINS.items()
                for word in (key, *labels.values(), *DOMAIN_ALIASES.get(key, ()))}
DOMAIN_MAX_WORDS = 4  # the longest way to write one ("work and education", "werk & opleiding")
NEAREST_DOMAIN_CUTOFF = 0.75  # how alike a typo must be to be suggested: "huisvestign", not "maanreizen"


def match_domain(answer: str) -> str | None:
    """The life domain (its key) a whole answer names, by name in either language or short form."""
    return DOMAIN_WORDS.get(fold(answer))


def read_domain(text: str) -> tuple[str | None, str, str | None]:
    """The life domain a text starts with, whose name may take several words ("geestelijke gezondheid Rust"):
    (key, the rest, None). Else (None, what was taken for the domain, the nearest domain or None), to suggest."""
    words = text.split()
    for n in range(min(DOMAIN_MAX_WORDS, len(words)), 0, -1):
        if not fold(words[n - 1]):  # a name never ends on "en"/"&": "werk en inkomen" is werk, then text
            continue
        key = match_domain(" ".join(words[:n]))
        if key:
            return key, text.split(None, n)[n] if len(words) > n else "", None
    return None, *nearest_domain(words)


def nearest_domain(words: list[str]) -> tuple[str, str | None]:
    """A typo's nearest domain, over the first one to four words: (the words it was read from, key or None).
    difflib, as the router's command suggestions: a handful of short names needs no faster matcher."""
    best: tuple[float, int, str | None] = (0.0, 1, None)
    for n in range(1, min(DOMAIN_MAX_WORDS, len(words)) + 1):
        folded = fold(" ".join(words[:n]))
        for candidate, key in DOMAIN_WORDS.items():
            score = difflib.SequenceMatcher(None, folded, candidate).ratio()
            if len(folded) >= 5 and candidate.startswith(folded):  # half a name: "geestelijke"
                score = max(score, NEAREST_DOMAIN_CUTOFF)
            if score > best[0]:
                best = (score, n, key)
    score, n, nearest = best
    if nearest is None or score < NEAREST_DOMAIN_CUTOFF:
        return (words[0] if words else ""), None
    return " ".join(words[:n]), nearest


@dataclass(frozen=True)
class Field:
    key: str  # canonical (Dutch) name, also the catalogue key suffix
    aliases: tuple[str, ...]
    read: Callable[[str, Config, datetime], Any]
    repeatable: bool = False
    approaches: tuple[str, ...] = tuple(APPROACHES)  # the approaches that need it
    asked: bool = True  # False: it has a default and is only set by a `veld: waarde` line (the approach)

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
        m = re.fullmatch(r"((?:[A-Z]\.?\s?|[a-z]\.\s?){1,4})\s+(\d{4})(?:\s*[,(]?\s*([A-Za-z][A-Za-z -]*?)\)?)?", part)
        if not m:
            raise fail("intake.invalid.betrokkene", value=part)
        year = int(m.group(2))
        if not 1900 <= year <= now.year:
            raise fail("intake.invalid.birth_year", value=m.group(2))
        role = "subject"
        if m.group(3):
            role = match_word(m.group(3), SUBJECT_ROLES) or ""
            if not role:
                raise fail("intake.invalid.subject_role", value=m.group(3), options=list(SUBJECT_ROLES))
        letters = re.sub(r"[^A-Za-z]", "", m.group(1)).upper()
        subjects.append({"initials": "".join(f"{c}." for c in letters), "birth_year": year, "role": role})
    if not subjects:
        raise fail("intake.invalid.empty")
    return subjects


def read_approach(answer: str, config: Config, now: datetime) -> str:
    """persoon, systeem or gebied (person, system, area), or what people also call them ("gezinsaanpak" is not)."""
    key = match_word(answer, APPROACHES)
    if key is None:
        key = next((k for k, words in APPROACH_ALIASES.items() if fold(answer) in {fold(w) for w in words}), None)
    if key is None:
        raise fail("intake.invalid.aanpak", value=answer.strip(), options=list(APPROACHES))
    return key


def municipality_named(text: str, config: Config) -> str | None:
    wanted = fold(text)
    return next((name for name in config.bot.municipalities if fold(name) == wanted), None)


def read_municipality(answer: str, config: Config, now: datetime) -> str:
    name = municipality_named(answer, config)
    if name is None:
        raise fail("intake.invalid.gemeente", value=answer.strip(), options=", ".join(config.bot.municipalities))
    return name


def read_area(answer: str, config: Config, now: datetime) -> dict[str, str]:
    """An area: its municipality and neighbourhood, `Delft, Tanthof` (or without the comma, `Den Haag Moerwijk`).
    A neighbourhood, not an address: a house number is refused, so no one's home ends up in the case."""
    text = " ".join(answer.split())
    head, comma, hood = text.partition(",")
    municipality = municipality_named(head, config) if comma else None
    if not comma:
        words = text.split()
        for n in range(len(words) - 1, 0, -1):  # the longest municipality name in front: "Den Haag Moerwijk"
            municipality = municipality_named(" ".join(words[:n]), config)
            if municipality:
                hood = " ".join(words[n:])
                break
    if comma and municipality is None:
        raise fail("intake.invalid.gemeente", value=head.strip(), options=", ".join(config.bot.municipalities))
    hood = hood.strip(" ,")
    if municipality is None or not hood:
        raise fail("intake.invalid.gebied", value=text, options=", ".join(config.bot.municipalities))
    if re.search(r"\d", hood):
        raise fail("intake.invalid.gebied_address", value=hood)
    if len(hood) > MAX_NEIGHBOURHOOD:
        raise fail("intake.invalid.too_long", max=MAX_NEIGHBOURHOOD)
    return {"municipality": municipality, "neighbourhood": hood}


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
        key = match_domain(word)
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


PEOPLE = ("person", "system")  # the approaches with persons concerned; an area has none at its centre

FIELDS: list[Field] = [
    Field("aanpak", ("approach",), read_approach, asked=False),
    Field("betrokkene", ("betrokkenen", "subjects"), read_subjects, repeatable=True, approaches=PEOPLE),
    Field("gebied", ("area", "wijk"), read_area, approaches=("area",)),
    # An area's municipality is the area's own (see settle): asked only where there is no area.
    Field("gemeente", (), read_municipality, approaches=PEOPLE),
    Field("thema", (), read_theme),
    Field("leefgebieden", ("leefgebied", "domain", "life domains"), read_domains),
    Field("reden", (), read_text),
    Field("doel", (), read_text),
    Field("partners", ("partner",), read_partners),
    Field("geinformeerd", ("geïnformeerd",), read_informed, approaches=PEOPLE),  # no one to inform about an area
    Field("urgentie", (), read_urgency),
]


def field_named(name: str) -> Field | None:
    name = name.strip().lower()
    return next((f for f in FIELDS if name in f.names()), None)


def approach_of(fields: dict[str, Any]) -> str:
    return fields.get("aanpak", DEFAULT_APPROACH)


def asked_fields(approach: str) -> list[Field]:
    """The questions the intake asks for this approach, in order: only what the approach needs."""
    return [f for f in FIELDS if f.asked and approach in f.approaches]


def too_few_persons(fields: dict[str, Any]) -> bool:
    """A system is a family or a group: it names at least two people."""
    return approach_of(fields) == "system" and 0 < len(fields.get("betrokkene", [])) < SYSTEM_MIN_PERSONS


def missing(fields: dict[str, Any]) -> list[Field]:
    return [f for f in asked_fields(approach_of(fields))
            if f.key not in fields or (f.key == "betrokkene" and too_few_persons(fields))]


def settle(fields: dict[str, Any]) -> list[str]:
    """Fit the fields to the approach: what it does not need is dropped (returned, so the referrer is told; an
    area referral keeps no persons), and an area's municipality is the area's own."""
    approach = approach_of(fields)
    dropped = [f.key for f in FIELDS if f.key in fields and approach not in f.approaches and f.key != "gemeente"]
    for key in dropped:
        del fields[key]
    if approach == "area":
        if "gebied" in fields:
            fields["gemeente"] = fields["gebied"]["municipality"]
        else:
            fields.pop("gemeente", None)
    return dropped
