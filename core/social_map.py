"""The sociale kaart: what each partner offers (interventions, target group, tracks, life domains, how to reach them,
the area served). It is a data file beside the config (`[kaart] file`, default `kaart.toml`), read and written as
TOML; this module holds its shape, its fields as people name them, and how it is read and written as text."""
from __future__ import annotations

import tomllib
from typing import Literal

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from core.vocabulary import LIFE_DOMAINS

Track = Literal["zorg", "straf", "bestuur", "civiel"]
TRACKS: dict[str, dict[str, str]] = {"zorg": {"nl": "zorg", "en": "care"}, "straf": {"nl": "straf", "en": "criminal"},
                                     "bestuur": {"nl": "bestuur", "en": "administrative"},
                                     "civiel": {"nl": "civiel", "en": "civil"}}
# What people also call a track, in either language (the plan's words for them included).
TRACK_ALIASES: dict[str, tuple[str, ...]] = {
    "zorg": ("zorgspoor", "hulpverlening", "care", "healthcare"),
    "straf": ("strafrecht", "strafrechtelijk", "justitieel spoor", "criminal", "criminal law", "justice track"),
    "bestuur": ("bestuursrecht", "bestuurlijk", "bestuurlijke maatregel", "administrative", "administrative law"),
    "civiel": ("civielrecht", "civiel recht", "civielrechtelijk", "jeugdbescherming", "civil", "civil law"),
}
MAX_TEXT = 500
MAX_ITEMS = 30


class Offer(BaseModel):
    """One organisation's entry. `partner` is its key: the partner directory's key where it is a partner (its name
    then comes from the directory), or a key of its own with a `name` (a local service that is not a ZVH partner)."""

    model_config = ConfigDict(extra="forbid")

    partner: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=40)
    name: str = Field("", max_length=120)
    interventions: list[str] = Field(default_factory=list, max_length=MAX_ITEMS)
    target_group: str = Field("", max_length=MAX_TEXT)
    tracks: list[Track] = Field(default_factory=list)
    domains: list[str] = Field(default_factory=list)  # life domain keys (core.vocabulary.LIFE_DOMAINS)
    contact: str = Field("", max_length=MAX_TEXT)
    area: list[str] = Field(default_factory=list, max_length=MAX_ITEMS)

    @field_validator("domains")
    @classmethod
    def _domains(cls, value: list[str]) -> list[str]:
        unknown = [d for d in value if d not in LIFE_DOMAINS]
        if unknown:
            raise ValueError(f"unknown life domains {', '.join(unknown)}; use {', '.join(LIFE_DOMAINS)}")
        return list(dict.fromkeys(value))

    @field_validator("interventions", "area")
    @classmethod
    def _items(cls, value: list[str]) -> list[str]:
        items = [v.strip() for v in value if v.strip()]
        if any(len(v) > 200 for v in items):
            raise ValueError("an item is at most 200 characters")
        return list(dict.fromkeys(items))


class SocialMap(BaseModel):
    model_config = ConfigDict(extra="forbid")

    offer: list[Offer] = Field(default_factory=list)

    def find(self, key: str) -> Offer | None:
        return next((o for o in self.offer if o.partner == key.lower()), None)

    def with_offer(self, changed: Offer) -> SocialMap:
        """A copy with this entry replaced (or added at the end)."""
        offers = [changed if o.partner == changed.partner else o for o in self.offer]
        if self.find(changed.partner) is None:
            offers.append(changed)
        return SocialMap(offer=offers)


# The fields an admin may change (`!kaart wijzig <partner> <veld> <waarde>`): attribute -> its names, and whether
# it is a list (given comma separated).
FIELDS: dict[str, dict[str, str]] = {
    "name": {"nl": "naam", "en": "name"},
    "interventions": {"nl": "interventies", "en": "interventions"},
    "target_group": {"nl": "doelgroep", "en": "target"},
    "tracks": {"nl": "sporen", "en": "tracks"},
    "domains": {"nl": "leefgebieden", "en": "domains"},
    "contact": {"nl": "bereikbaarheid", "en": "contact"},
    "area": {"nl": "werkgebied", "en": "area"},
}
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "interventions": ("interventie", "aanbod", "intervention", "offer"),
    "target_group": ("target group", "target_group", "doelgroepen"),
    "tracks": ("spoor", "track"),
    "domains": ("leefgebied", "domain"),
    "contact": ("contact", "bereikbaar", "aanmelden", "reach"),
    "area": ("gebied", "gemeenten", "regio", "region"),
}
LIST_FIELDS = ("interventions", "tracks", "domains", "area")


class SocialMapError(ValueError):
    """A kaart file that cannot be used; the message says where."""


def parse(text: str) -> SocialMap:
    try:
        return SocialMap.model_validate(tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        raise SocialMapError(f"not valid TOML: {exc}") from None
    except ValidationError as exc:
        problems = [f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()]
        raise SocialMapError("; ".join(problems)) from None


HEADER = """\
# De sociale kaart van het Zorg- en Veiligheidshuis: wat elke partner biedt. Beheerders wijzigen haar met
# `!kaart wijzig <partner> <veld> <waarde>` (de bot schrijft dit bestand dan opnieuw), of hier met de hand.
# Velden per [[offer]]: partner (de code uit de partnerlijst, of een eigen code met name), name,
# interventions, target_group, tracks (zorg, straf, bestuur, civiel), domains (leefgebieden), contact, area.
"""


def dump(social_map: SocialMap) -> str:
    """As the file holds it: the header, then each entry with only the fields it fills."""
    entries = [{k: v for k, v in offer.model_dump().items() if v not in ("", [])} for offer in social_map.offer]
    return HEADER + "\n" + tomli_w.dumps({"offer": entries})
