"""What the house has learned: `!kennis <zoekterm>` finds earlier advice (saved with `!antwoord <nr> ... bewaar`)
by words and theme, forgiving typos (rapidfuzz), for the staff and, if configured, for every referrer."""
from __future__ import annotations

import re
from collections.abc import Sequence

from rapidfuzz import fuzz, process, utils

from commands.base import Context, Rest, Role, RoomKind, command
from commands.desk import STAFF
from commands.fields import fold
from core.messages import fail
from storage import knowledge
from storage.knowledge import Entry

WORD_MATCH = 80  # how alike a searched word and a word of the advice must be: "zorgmyding" finds "zorgmijding"
MIN_WORD = 3  # shorter words ("de", "en", "bij") say nothing about the advice
MOST = 5


@command("kennis", "knowledge", where={**STAFF, RoomKind.DM: Role.REFERRER}, read_only=True,
         args=(Rest("zoekterm", "search", max_length=200),))
async def search_command(ctx: Context, query: str) -> None:
    if ctx.room_kind is RoomKind.DM and not (ctx.config.desk.knowledge_for_referrers
                                             or ctx.config.is_coordinator(ctx.sender)):
        raise fail("error.not_allowed", role=Role.COORDINATOR.value)
    theme = theme_in(query, ctx.config.bot.themes)
    found = search(await knowledge.all_entries(ctx.tx), query, theme)
    ctx.reply("knowledge.found" if found else "knowledge.none", query=query, theme=theme, entries=found)


def theme_in(query: str, themes: Sequence[str]) -> str | None:
    """The configured theme the search names, if any (`overlast schulden`: theme overlast, word schulden)."""
    folded = f" {fold_words(query)} "
    return next((t for t in sorted(themes, key=len, reverse=True) if f" {fold_words(t)} " in folded), None)


def search(entries: list[Entry], query: str, theme: str | None = None) -> list[Entry]:
    """Advice whose words are like every searched word, best first; with a theme, only that theme's advice (and
    the theme's own words need not match again)."""
    if theme:
        entries = [e for e in entries if e.theme == theme]
        query = re.sub(re.escape(theme), " ", query, flags=re.I)
    words = [w for w in utils.default_process(query).split() if len(w) >= MIN_WORD]
    if not words:
        return list(reversed(entries))[:MOST] if theme else []
    scored = []
    for entry in entries:
        vocabulary = set(utils.default_process(f"{entry.theme or ''} {entry.question} {entry.answer}").split())
        scores = [best[1] if (best := process.extractOne(w, vocabulary, scorer=fuzz.ratio)) else 0 for w in words]
        if min(scores) >= WORD_MATCH:
            scored.append((sum(scores) / len(scores), entry.id, entry))
    return [entry for _, _, entry in sorted(scored, key=lambda s: (-s[0], -s[1]))][:MOST]


def fold_words(text: str) -> str:
    """Lower case without accents, words kept apart (fields.fold also drops the spaces)."""
    return " ".join(fold(word) for word in text.split())
