"""The sociale kaart in commands: `!kaart [zoekterm]` shows what each partner offers (by word, life domain or track,
typos and synonyms forgiven: commands/map_search.py); `!kaart wijzig <partner> <veld> <waarde>` lets an admin change
an entry, audited and written back to the file (storage/social_map_file.py). The plan and the triage ask it which
partners offer something for a life domain."""
from __future__ import annotations

import re

from pydantic import ValidationError

from commands import map_search
from commands.base import Choice, Context, Rest, Role, RoomKind, Word, command
from commands.fields import match_domain
from core.config import Config
from core.messages import Msg, fail
from core.social_map import FIELD_ALIASES, FIELDS, LIST_FIELDS, Offer, SocialMap, SocialMapError
from core.vocabulary import LIFE_DOMAINS
from storage import audit, social_map_file

WHERE = {RoomKind.DM: Role.ANYONE, RoomKind.SCREENING: Role.ANYONE, RoomKind.CASE: Role.CASE_MEMBER,
         RoomKind.ARRANGEMENT: Role.CASE_MEMBER}
EDIT = {"edit": {"nl": "wijzig", "en": "edit"}}
CLEAR = {"-", "leeg", "empty", "geen", "none"}
MAX_SHOWN = 10
MAX_SUGGESTED = 5


def load(config: Config) -> SocialMap:
    try:
        return social_map_file.load(config.kaart.file)
    except SocialMapError as exc:
        raise fail("kaart.unreadable", problem=str(exc)[:300]) from None


def names(config: Config, social_map: SocialMap) -> dict[str, str]:
    """The name to show per entry: the partner directory's, else the entry's own, else its key."""
    return {o.partner: config.partner_name(o.partner) if config.partner(o.partner) else o.name or o.partner
            for o in social_map.offer}


def shown(config: Config, social_map: SocialMap, offers: list[Offer]) -> list[dict]:
    named = names(config, social_map)
    return [{"offer": o, "name": named[o.partner]} for o in offers]


@command("kaart", "directory", where=WHERE, role=Role.ADMIN,
         args=(Choice("wijzig", "edit", EDIT), Word("partner"), Word("veld", "field"), Rest("waarde", "value")))
async def edit(ctx: Context, _: str, key: str, field_word: str, value: str) -> None:
    """One field of one entry; a new entry for a directory partner, or (with `naam` first) for another service."""
    social_map = load(ctx.config)
    key = key.lower()
    field = read_field(field_word)
    if field is None:
        raise fail("kaart.bad_field", usage=True, value=field_word[:40],
                   fields=", ".join(labels[ctx.lang] for labels in FIELDS.values()))
    before = social_map.find(key)
    if before is None and ctx.config.partner(key) is None and field != "name":
        raise fail("kaart.new_needs_name", usage=True, value=key[:40], prefix=ctx.config.bot.command_prefix,
                   known=", ".join(p.key for p in ctx.config.partners))
    current = before or Offer(partner=key)
    try:
        changed = Offer.model_validate({**current.model_dump(), field: read_value(ctx, field, value)})
    except ValidationError as exc:
        raise fail("kaart.bad_value", usage=True, problem="; ".join(e["msg"] for e in exc.errors())[:300]) from None
    old = getattr(current, field)
    await audit.append(ctx.tx, ctx.sender, "kaart.changed", purpose="sociale kaart", partner=key, field=field,
                       before=old, after=getattr(changed, field), new_entry=before is None)
    social_map_file.save(ctx.config.kaart.file, social_map.with_offer(changed))  # last: the audit entry is written
    updated = social_map.with_offer(changed)
    ctx.reply("kaart.changed", field=field, entry=shown(ctx.config, updated, [changed])[0], new=before is None)


def read_field(word: str) -> str | None:
    lowered = word.lower()
    for field, labels in FIELDS.items():
        if lowered in {field, *labels.values(), *FIELD_ALIASES.get(field, ())}:
            return field
    return None


def read_value(ctx: Context, field: str, value: str) -> object:
    """What a field is set to: a list (comma separated) or a text; `-` empties it. Tracks and life domains are read
    as people write them (`strafrecht`, `ggz`, `schulden`) and refused with the options when unknown."""
    text = value.strip()
    if text.lower() in CLEAR:
        return [] if field in LIST_FIELDS else ""
    if field not in LIST_FIELDS:
        return text
    items = [i.strip() for i in re.split(r"[,;\n]+", text) if i.strip()]
    if field == "tracks":
        tracks = [map_search.TRACK_WORDS.get(map_search.normal(i)) for i in items]
        if None in tracks:
            raise fail("kaart.bad_track", usage=True, value=", ".join(i for i, t in zip(items, tracks, strict=True)
                                                                        if t is None)[:80])
        return list(dict.fromkeys(tracks))
    if field == "domains":
        domains = [match_domain(i) for i in items]
        if None in domains:
            raise fail("kaart.bad_domain", usage=True, value=", ".join(i for i, d in zip(items, domains, strict=True)
                                                                         if d is None)[:80],
                       options=", ".join(label[ctx.lang] for label in LIFE_DOMAINS.values()))
        return list(dict.fromkeys(domains))
    return items


@command("kaart", "directory", where=WHERE, read_only=True, args=(Rest("zoekterm", "search", required=False,
                                                                        max_length=200),))
async def show(ctx: Context, text: str | None) -> None:
    """Everything on the kaart (short), or what a search finds (in full)."""
    social_map = load(ctx.config)
    if not social_map.offer:
        ctx.reply("kaart.empty", prefix=ctx.config.bot.command_prefix)
        return
    if not (text or "").strip():
        ctx.reply("kaart.list", offers=shown(ctx.config, social_map, social_map.offer),
                  prefix=ctx.config.bot.command_prefix)
        return
    query = map_search.read_query(text or "")
    hits = map_search.search(social_map, names(ctx.config, social_map), text or "")
    ctx.reply("kaart.found", query=text, domains=sorted(query.domains), tracks=sorted(query.tracks),
              offers=shown(ctx.config, social_map, [h.offer for h in hits[:MAX_SHOWN]]), more=len(hits) - MAX_SHOWN,
              prefix=ctx.config.bot.command_prefix)


def suggestions(config: Config, domains: list[str], track: str | None = None) -> Msg | None:
    """Who on the kaart offers something for these life domains (on this track, where any does): a line for the
    triage and the plan; None when the kaart has no one (or cannot be read: then it is no help here either)."""
    try:
        social_map = social_map_file.load(config.kaart.file)
    except SocialMapError:
        return None
    offers = map_search.for_domains(social_map, domains, track)[:MAX_SUGGESTED]
    if not offers:
        return None
    return Msg.of("kaart.suggest", domains=domains, track=track, offers=shown(config, social_map, offers),
                  directory=[o.partner for o in offers if config.partner(o.partner)], prefix=config.bot.command_prefix)
