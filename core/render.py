"""Messages from the per-language catalogue: HTML through Jinja2 (user text always escaped) and a plain body."""
from __future__ import annotations

import html
import re
import tomllib
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, get_day_names
from babel.numbers import format_decimal
from jinja2 import Environment, FunctionLoader, StrictUndefined
from markupsafe import Markup

from core.messages import Msg
from core.social_map import FIELDS as SOCIAL_MAP_FIELDS
from core.vocabulary import APPROACHES, CLOSE_REASONS, LIFE_DOMAINS, REFERRAL_FIELDS, SUBJECT_ROLES, URGENCY

LOCALES = Path(__file__).with_name("locales")
LANGUAGES = ("nl", "en")
_timezone: Any = ZoneInfo("Europe/Amsterdam")


def set_timezone(tz: Any) -> None:
    """Times are shown in the configured zone, whatever zone they were stored in."""
    global _timezone
    _timezone = tz


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


@cache
def catalogue(lang: str) -> dict[str, str]:
    return _flatten(tomllib.loads((LOCALES / f"{lang}.toml").read_text(encoding="utf-8")))


def _label(lang: str, table: dict[str, dict[str, str]]):
    return lambda key: table.get(key, {}).get(lang, key)


def _word(lang: str, group: str):
    return lambda key: catalogue(lang).get(f"{group}.{key}", key)


@cache
def environment(lang: str) -> Environment:
    # Catalogue entries can include each other ({% include "snippet.action" %}): one wording, one place.
    env = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      finalize=without_direction_controls,
                      loader=FunctionLoader(lambda name: catalogue(lang).get(name)))
    env.filters.update(
        domain=_label(lang, LIFE_DOMAINS),
        urgency=_label(lang, URGENCY),
        close_reason=_label(lang, CLOSE_REASONS),
        subject_role=_label(lang, SUBJECT_ROLES),
        approach=_label(lang, APPROACHES),
        field=lambda key: key if lang == "nl" else REFERRAL_FIELDS.get(key, key),
        status=_word(lang, "word.status"),
        status_filter=_word(lang, "word.filter"),
        measure=_word(lang, "word.measure"),
        kaart_field=_label(lang, SOCIAL_MAP_FIELDS),
        outcome=_word(lang, "word.outcome"),
        room=_word(lang, "word.room"),
        role=_word(lang, "word.role"),
        rsvp=_word(lang, "word.rsvp"),
        zrm_moment=_word(lang, "word.zrm_moment"),
        member=_word(lang, "word.member"),
        help_text=lambda key: Markup(template(lang, key).render()),
        tier=_word(lang, "word.tier"),
        personal=_word(lang, "word.personal"),
        when=lambda value: format_when(value, lang),
        month=lambda value: format_month(value, lang),
        number=lambda value: format_number(value, lang),
        word=lambda key: catalogue(lang).get(key, key),
        day=lambda value: format_day(value, lang),
        mention=mention,
        recurrence=lambda spec: render_recurrence(spec, lang),
        nl2br=_nl2br,
    )
    return env


@cache
def template(lang: str, key: str):
    try:
        source = catalogue(lang)[key]
    except KeyError:
        raise KeyError(f"message {key!r} missing from the {lang} catalogue") from None
    return environment(lang).from_string(source)


def format_when(value: datetime | str, lang: str) -> str:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    value = value.astimezone(_timezone)
    return format_datetime(value, "EEE d MMMM y HH:mm", locale=lang)


def format_month(value: date | str, lang: str) -> str:
    """A month ("2026-11" or a date) as "november 2026"."""
    if isinstance(value, str):
        value = date.fromisoformat(value if len(value) > 7 else f"{value}-01")
    return format_date(value, "MMMM y", locale=lang)


def format_number(value: Any, lang: str) -> str:
    """A figure as the reader writes numbers (1.234 / 1,234; 4,5 / 4.5); text ("<10") as it is."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return format_decimal(value, locale=lang)


def format_day(value: date | str, lang: str) -> str:
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return format_date(value, "EEE d MMMM y", locale=lang)


def render_recurrence(spec: dict[str, Any], lang: str) -> str:
    """A recurrence as stored ({"weekdays": [0..6], "at": "HH:MM"}) in words: "elke maandag en donderdag 14:00"."""
    weekdays = sorted(set(spec["weekdays"]))
    kind = "all" if weekdays == list(range(7)) else "work" if weekdays == list(range(5)) else "days"
    names = get_day_names("wide", locale=lang)
    return str(template(lang, "snippet.recurrence").render(kind=kind, names=[names[d] for d in weekdays],
                                                          at=spec["at"]))


# Explicit direction controls (embeddings, overrides, isolates and marks): in text a user typed they can turn the
# bot's own words after them around ("a deadline displayed backwards"). Stripped from every value a message shows.
_DIRECTION_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"
                                               "\u061c"))


def without_direction_controls(value: Any) -> Any:
    if isinstance(value, Markup):
        return Markup(str(value).translate(_DIRECTION_CONTROLS))
    if isinstance(value, str):
        return value.translate(_DIRECTION_CONTROLS)
    return value


def pill_link(user_id: str) -> str:
    return f"https://matrix.to/#/{user_id}"


def mention(user_id: str) -> Markup:
    """A pill in Matrix clients; the plain body keeps the Matrix ID."""
    return Markup('<a href="{0}">{1}</a>').format(pill_link(user_id), user_id)


def render_html(msg: Msg, lang: str) -> Markup:
    params = {name: _prepare(value, lang) for name, value in msg.params.items()}
    params.setdefault("mentions", list(msg.mentions))
    return Markup(template(lang, msg.key).render(**params).strip())


def html_document(msg: Msg, lang: str, title: str | None = None) -> bytes:
    """A message as a stand-alone HTML file (an export, an answer too long for one event, an archived document)."""
    head = f"<title>{html.escape(title)}</title>" if title else ""
    return f"<!doctype html><meta charset=utf-8>{head}{render_html(msg, lang)}".encode()


def _nl2br(text: str) -> Markup:
    """Keep the line breaks of text a user typed, escaped."""
    return Markup("<br>").join(Markup.escape(text).split("\n"))


def _prepare(value: Any, lang: str) -> Any:
    """Nested messages (an error inside a question) are rendered first, in the same language."""
    if isinstance(value, Msg):
        return render_html(value, lang)
    if isinstance(value, list):
        return [_prepare(v, lang) for v in value]
    return value


def render(msg: Msg, lang: str) -> tuple[str, str]:
    """(plain body, HTML formatted_body)."""
    formatted = str(render_html(msg, lang))
    return html_to_text(formatted), formatted


_BLOCK_END = re.compile(r"<br\s*/?>|</p>|</li>|</h\d>|</tr>|</div>|</blockquote>", re.I)


def html_to_text(markup: str) -> str:
    text = re.sub(r"\s*\n\s*", " ", markup)  # source line breaks are layout; <br> and blocks make lines
    text = _BLOCK_END.sub("\n", text)
    text = re.sub(r"<ul>", "\n", text, flags=re.I)
    text = re.sub(r"<li>", "• ", text, flags=re.I)
    text = re.sub(r"</?(b|strong)>", "*", text, flags=re.I)
    text = re.sub(r"</?code>", "`", text, flags=re.I)
    text = re.sub(r"<[^>]+>", "", text)
    lines = [line.strip() for line in html.unescape(text).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
