"""Reading the dates, times and durations that users type, in Dutch or English: the public face of the grammar
(commands/date_grammar.py). Recurrences are in commands/recurrence.py, the local-time rule in
commands/wallclock.py.

Pure logic: nothing here looks at the clock; every function is given `now` and works in that datetime's timezone,
so results are deterministic and DST-correct.

The documented forms ("morgen 10:00", "dinsdag 14u", "3 dec", "over 2 uur", ...) are read by the word-level
grammar, so they always mean the same thing. dateparser is only a fallback for a whole text the grammar cannot
read and that holds a word the grammar does not know ("next week", "noon"): it is slow on first use, reads some
Dutch wrongly ("14u" becomes midnight) and happily turns ordinary words into dates, so it never decides where a
date ends inside a sentence (split_when, split_recurrence).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from commands.date_grammar import (
    IN_WORDS,
    MAX_DURATION,
    MAX_WORDS,
    MONTHS,
    WEEKDAYS,
    Reading,
    fallback,
    mkdate,
    next_yearless,
    norm,
    read,
    spans,
    split_words,
)
from commands.wallclock import later, local_moment, zone

__all__ = [
    "DateError", "When", "parse_when", "parse_due_date", "split_when", "split_due", "parse_duration",
]


class DateError(Exception):
    """reason: "unreadable", "past" or "no_text" (a deadline without the action it is for); text: what the user
    typed (the date's words); suggestion: a nearby future reading (datetime or date), the date read, or None."""

    def __init__(self, reason: str, text: str, suggestion=None):
        super().__init__(f"{reason}: {text!r}")
        self.reason = reason
        self.text = text
        self.suggestion = suggestion


@dataclass(frozen=True)
class When:
    at: datetime          # aware, in now.tzinfo
    has_time: bool        # the user named a time of day


def _reading(text: str, now: datetime) -> Reading:
    reading = read(split_words(text), now.date()) or fallback(text, now)
    if reading is None:
        raise DateError("unreadable", text)
    return reading


def _next_same_date(day: date, at: time, now: datetime) -> datetime | None:
    """The first future moment on the same day and month, from this year on: the suggestion for "2026-11-01"."""
    for year in range(now.year, now.year + 9):
        d = mkdate(year, day.month, day.day)
        if d is not None and later(moment := local_moment(d, at, zone(now)), now):
            return moment
    return None


def _resolve(reading: Reading, text: str, now: datetime, default_time: time) -> When:
    tz = zone(now)
    today = now.date()
    if reading.delta is not None:  # exact: absolute arithmetic, so "over 2 uur" is 2 real hours across DST
        at = (now.astimezone(timezone.utc) + reading.delta).astimezone(tz)
        return When(at, True)
    if reading.day is None:        # a time alone: today if still ahead, else tomorrow
        assert reading.at is not None  # a reading has a day, a time or a delta
        at = local_moment(today, reading.at, tz)
        if not later(at, now):
            at = local_moment(today + timedelta(days=1), reading.at, tz)
        return When(at, True)
    clock = reading.at or default_time
    at = local_moment(reading.day, clock, tz)
    if later(at, now):
        return When(at, reading.at is not None)
    suggestion = None
    if reading.day == today:
        suggestion = local_moment(today + timedelta(days=1), clock, tz)
    elif reading.explicit_year:
        suggestion = _next_same_date(reading.day, clock, now)
    raise DateError("past", text, suggestion)


# --- public API -------------------------------------------------------------------------------------

def parse_when(text: str, now: datetime, default_time: time = time(9, 0)) -> When:
    """The moment the whole `text` names; a missing time becomes `default_time` (has_time False).
    Raises DateError("unreadable") or DateError("past") when the moment is not after `now`."""
    return _resolve(_reading(text, now), text.strip(), now, default_time)


def parse_due_date(text: str, now: datetime) -> date:
    """A deadline: only the date matters, today included. Offsets in hours land on their date."""
    reading = _reading(text, now)
    today = now.date()
    if reading.delta is not None or reading.day is None:
        due = _resolve(reading, text.strip(), now, time(0, 0)).at.date()
    else:
        due = reading.day
    if due >= today:
        return due
    suggestion = None
    if reading.explicit_year:
        suggestion = next_yearless(due.month, due.day, today)
    raise DateError("past", text.strip(), suggestion)


_MAX_WHEN_WORDS = 6


def split_when(text: str, now: datetime, default_time: time = time(9, 0),
               rest_required: bool = True) -> tuple[When, str]:
    """For `!herinner <wanneer> <tekst>`: the longest leading run of at most 6 words that reads as a moment,
    and the text after it (which may be empty only when not `rest_required`, as for `!overleg <wanneer>
    [plaats]`). Uses the grammar only, so ordinary words are never taken for a date."""
    spans = list(re.finditer(r"\S+", text))
    words = [norm(m[0]) for m in spans]
    today = now.date()
    for n in range(min(_MAX_WHEN_WORDS, len(words)), 0, -1):
        reading = read(words[:n], today)
        if reading is None:
            continue
        if n == len(words) and rest_required:  # a moment but nothing to be reminded of
            break
        moment = text[spans[0].start():spans[n - 1].end()]
        rest = text[spans[n].start():].strip() if n < len(words) else ""
        return _resolve(reading, moment, now, default_time), rest
    raise DateError("unreadable", text.strip())


# Words that show a tail after "voor"/"by" was meant as a date even when it cannot be read.
_DATE_HINTS = set(WEEKDAYS) | set(MONTHS) | {
    "vandaag", "today", "morgen", "tomorrow", "overmorgen", "gisteren", "yesterday",
    "week", "weken", "weeks", "dag", "dagen", "days", "maand", "maanden", "month", "months",
    "volgende", "komende", "next", "einde", "eind", "end", "uur", "hours",
}
# "vóór" is how Dutch writes a stressed "voor"; "uiterlijk" (at the latest) and "deadline" introduce a date too.
_KEYWORDS = r"(?:voor|vóór|uiterlijk|deadline|by|before|due)"
_DUE_KEYWORD = re.compile(rf"(?:^|\s){_KEYWORDS}(?=\s)", re.IGNORECASE)
_TRAILING_KEYWORD = re.compile(rf"(?:^|\s){_KEYWORDS}$", re.IGNORECASE)


def split_due(text: str, now: datetime) -> tuple[str, date | None]:
    """For `!actie <wie> <tekst> [voor <datum>]`: split off a trailing deadline after the last "voor"/"by"/...
    ("voor uiterlijk vrijdag" counts once). "Zorgen voor een woning" has none and comes back whole.
    A deadline with no text before it ("voor vrijdag", or "vrijdag" alone) raises DateError("no_text", the date's
    words, the date): taken for the text, it would leave the action unchased while its owner thinks otherwise."""
    whole = text.strip()
    if whole and read(split_words(whole), now.date()) is not None:
        raise DateError("no_text", whole, parse_due_date(whole, now))
    keywords = list(_DUE_KEYWORD.finditer(text))
    if not keywords:
        return whole, None
    last = keywords[-1]
    head, tail = text[:last.start()].strip(), text[last.end():].strip()
    while _TRAILING_KEYWORD.search(head):
        head = _TRAILING_KEYWORD.sub("", head).strip()
    words = split_words(tail)
    if not words:
        return whole, None
    attempt = len(words) <= 4 and any(re.search(r"[0-9]", w) or w in _DATE_HINTS for w in words)
    reading = read(words, now.date())
    if reading is None and attempt:
        reading = fallback(tail, now)
    if reading is None:
        if attempt:
            raise DateError("unreadable", tail)
        return whole, None
    due = parse_due_date(tail, now)
    if not head:
        raise DateError("no_text", tail, due)
    return head, due


def parse_duration(text: str) -> timedelta:
    """For `!later <duur>`: "10 min", "10m", "1u", "2 uur", "1h", "1 dag", "1 week", "half uur", "1u30",
    "1 uur en 30 min"; an optional leading "over"/"in" is allowed. At most 365 days."""
    words = split_words(text)
    if words and words[0] in IN_WORDS:
        words = words[1:]
    if len(words) > MAX_WORDS:
        raise DateError("unreadable", text.strip())
    for span, j in spans(words, 0, allow_months=False):
        if j == len(words) and timedelta(0) < span.delta <= MAX_DURATION:
            return span.delta
    raise DateError("unreadable", text.strip())
