"""Reading the dates, times, durations and recurrences that users type, in Dutch or English.

Pure logic: nothing here looks at the clock; every function is given `now` (or `after`) and works in
that datetime's timezone, so results are deterministic and DST-correct.

The documented forms ("morgen 10:00", "dinsdag 14u", "3 dec", "over 2 uur", "elke maandag 9:00", ...)
are read by the small word-level grammar below, so they always mean the same thing. dateparser is only
a fallback for a whole text the grammar cannot read and that holds a word the grammar does not know
("next week", "noon"): it is slow on first use, reads some Dutch wrongly ("14u" becomes midnight) and
happily turns ordinary words into dates, so it never decides where a date ends inside a sentence
(split_when, split_recurrence).

Numeric dates are day-first (3-12 is 3 December), as written in the Netherlands.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo

__all__ = [
    "DateError", "When", "Recurrence", "WEEKDAY_NAMES",
    "parse_when", "parse_due_date", "split_when", "split_due",
    "split_recurrence", "next_occurrence", "parse_duration",
]


class DateError(Exception):
    """reason: "unreadable" or "past"; text: what the user typed;
    suggestion: a nearby future reading (datetime or date) or None."""

    def __init__(self, reason: str, text: str, suggestion=None):
        super().__init__(f"{reason}: {text!r}")
        self.reason = reason
        self.text = text
        self.suggestion = suggestion


@dataclass(frozen=True)
class When:
    at: datetime          # aware, in now.tzinfo
    has_time: bool        # the user named a time of day


# --- vocabulary -------------------------------------------------------------------------------------

# Display names, 0=Monday.
WEEKDAY_NAMES = {
    "nl": ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}

_WEEKDAYS: dict[str, int] = {}
for _i, _names in enumerate([
    ("maandag", "ma", "monday", "mon"),
    ("dinsdag", "di", "tuesday", "tue", "tues"),
    ("woensdag", "wo", "wednesday", "wed"),
    ("donderdag", "do", "thursday", "thu", "thur", "thurs"),
    ("vrijdag", "vr", "friday", "fri"),
    ("zaterdag", "za", "saturday", "sat"),
    ("zondag", "zo", "sunday", "sun"),
]):
    _WEEKDAYS.update(dict.fromkeys(_names, _i))

_MONTHS: dict[str, int] = {}
for _i, _names in enumerate([
    ("januari", "january", "jan"),
    ("februari", "february", "feb"),
    ("maart", "march", "mrt", "mar"),
    ("april", "apr"),
    ("mei", "may"),
    ("juni", "june", "jun"),
    ("juli", "july", "jul"),
    ("augustus", "august", "aug"),
    ("september", "sep", "sept"),
    ("oktober", "october", "okt", "oct"),
    ("november", "nov"),
    ("december", "dec"),
], start=1):
    _MONTHS.update(dict.fromkeys(_names, _i))

# Days from today.
_RELATIVE_DAYS = {
    ("vandaag",): 0, ("today",): 0,
    ("morgen",): 1, ("tomorrow",): 1,
    ("overmorgen",): 2, ("day", "after", "tomorrow"): 2, ("the", "day", "after", "tomorrow"): 2,
    ("gisteren",): -1, ("yesterday",): -1,   # read so that they are reported as past, not unreadable
}

_NUMBER_WORDS = {
    "een": 1, "één": 1, "a": 1, "an": 1, "one": 1, "twee": 2, "two": 2, "drie": 3, "three": 3,
    "vier": 4, "four": 4, "vijf": 5, "five": 5, "zes": 6, "six": 6, "tien": 10, "ten": 10,
}

_UNITS: dict[str, timedelta] = {}
for _delta, _names in [
    (timedelta(minutes=1), ("m", "min", "mins", "minuut", "minuten", "minute", "minutes")),
    (timedelta(hours=1), ("u", "h", "uur", "uren", "hr", "hrs", "hour", "hours")),
    (timedelta(days=1), ("d", "dag", "dagen", "day", "days")),
    (timedelta(weeks=1), ("w", "wk", "week", "weken", "weeks")),
]:
    _UNITS.update(dict.fromkeys(_names, _delta))
_MONTH_UNITS = {"maand", "maanden", "month", "months"}

_AT_WORDS = {"om", "at"}              # "om 14:00", "at 10am"
_ON_WORDS = {"op", "on"}              # "op 3 dec", "on monday"
_IN_WORDS = {"over", "in"}            # "over 2 uur", "in 3 days"
_AND_WORDS = {"en", "and", ","}
_HOUR_WORDS = {"uur", "u", "h"}       # "14 uur", "14.00 uur"
_WEEKDAY_MODIFIERS = {"volgende", "komende", "aanstaande", "deze", "next", "this", "coming"}
_NEXT_WEEK = {("volgende", "week"), ("komende", "week"), ("next", "week")}

_MAX_OFFSET = timedelta(days=3660)    # beyond ten years an offset is a typo, not a plan
_MAX_DURATION = timedelta(days=365)
_YEARS = range(1900, 3000)            # keeps date arithmetic far from datetime's limits
_MAX_WORDS = 10                       # the longest real expression is ~7 words; also bounds the recursion

_TRIM = ".,;:!?()[]{}\"'"


def _norm(word: str) -> str:
    """Lower-case a word and drop surrounding punctuation ("dec." -> "dec", "10:00," -> "10:00")."""
    return word.casefold().strip(_TRIM)


def _words(text: str) -> list[str]:
    return [_norm(w) for w in text.split()]


# --- small helpers ----------------------------------------------------------------------------------

def _mkdate(y: int, m: int, d: int) -> date | None:
    if y not in _YEARS:
        return None
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _localize(day: date, at: time, tz: tzinfo) -> datetime:
    """The aware moment a wall clock in `tz` shows `at` on `day`.

    The round trip through UTC moves a time inside a spring-forward gap forward by the gap
    (02:30 on 2027-03-28 becomes 03:30 CEST); an ambiguous autumn time takes its first occurrence.
    """
    naive = datetime.combine(day, at)
    localize = getattr(tz, "localize", None)
    if localize is not None:  # pytz zones cannot be attached with replace()
        return tz.normalize(localize(naive))  # type: ignore[attr-defined]
    return naive.replace(tzinfo=tz).astimezone(timezone.utc).astimezone(tz)


def _zone(moment: datetime) -> tzinfo:
    """The timezone of an aware moment: every moment here is aware, in the configured zone."""
    if moment.tzinfo is None:
        raise ValueError("a naive moment: times are always in the configured timezone")
    return moment.tzinfo


def _later(a: datetime, b: datetime) -> bool:
    """a is after b in real time. Python compares datetimes sharing a tzinfo on the wall clock, which is
    wrong inside the repeated autumn hour."""
    return a.astimezone(timezone.utc) > b.astimezone(timezone.utc)


def _next_yearless(month: int, day: int, today: date) -> date | None:
    """The first `day month` that is today or later (29 Feb waits for a leap year)."""
    for year in range(today.year, today.year + 9):
        d = _mkdate(year, month, day)
        if d is not None and d >= today:
            return d
    return None


def _add_months(d: date, months: int) -> date | None:
    y, m = divmod(d.month - 1 + months, 12)
    for day in range(d.day, 27, -1):  # 31 Jan + 1 month -> 28/29 Feb
        out = _mkdate(d.year + y, m + 1, day)
        if out is not None:
            return out
    return _mkdate(d.year + y, m + 1, d.day)


def _number(word: str) -> float | None:
    if re.fullmatch(r"[0-9]{1,4}(?:[.,][0-9]{1,2})?", word):
        return float(word.replace(",", "."))
    return _NUMBER_WORDS.get(word)


# --- durations and offsets --------------------------------------------------------------------------

@dataclass(frozen=True)
class _Span:
    """A length of time: `delta` plus calendar `months`; `exact` when it names hours/minutes or fractions."""
    delta: timedelta
    months: int = 0
    exact: bool = False

    def __add__(self, other: _Span) -> _Span:
        return _Span(self.delta + other.delta, self.months + other.months, self.exact or other.exact)


def _unit_span(amount: float, unit: str, allow_months: bool) -> _Span | None:
    if unit in _MONTH_UNITS:
        if not allow_months or amount != int(amount):
            return None
        return _Span(timedelta(0), months=int(amount))
    step = _UNITS.get(unit)
    if step is None:
        return None
    delta = step * amount
    exact = step < timedelta(days=1) or delta % timedelta(days=1) != timedelta(0)
    return _Span(delta, exact=exact)


_COMPACT = re.compile(r"([0-9]{1,4}(?:[.,][0-9]{1,2})?)([a-z]+)")     # "10m", "2d", "1,5u"
_HOURS_MINUTES = re.compile(r"([0-9]{1,3})[uh]([0-9]{1,2})m?")          # "1u30", "1h30m"


def _terms(words: list[str], i: int, allow_months: bool) -> Iterator[tuple[_Span, int]]:
    """Every way one duration term ("2 uur", "10m", "1u30", "half uur", "een kwartier") starts at words[i]."""
    if i >= len(words):
        return
    w = words[i]
    nxt = words[i + 1] if i + 1 < len(words) else ""
    if m := _COMPACT.fullmatch(w):
        if span := _unit_span(float(m[1].replace(",", ".")), m[2], allow_months):
            yield span, i + 1
    if (m := _HOURS_MINUTES.fullmatch(w)) and int(m[2]) < 60:
        yield _Span(timedelta(hours=int(m[1]), minutes=int(m[2])), exact=True), i + 1
    if w == "kwartier":
        yield _Span(timedelta(minutes=15), exact=True), i + 1
    if w in ("een", "a") and nxt == "kwartier":
        yield _Span(timedelta(minutes=15), exact=True), i + 2
    # "half uur", "halve dag", "half an hour", "een half uur", "anderhalf uur"
    k, factor = i, 0.5
    if w in ("een", "a") and nxt in ("half", "halve"):
        k += 1
    elif w == "anderhalf":
        factor = 1.5
    if words[k] in ("half", "halve", "anderhalf"):
        k += 1
        if k < len(words) and words[k] in ("an", "a") and factor == 0.5:
            k += 1
        if k < len(words) and (span := _unit_span(factor, words[k], False)):
            yield span, k + 1
    amount = _number(w)
    if amount is not None and (span := _unit_span(amount, nxt, allow_months)):
        yield span, i + 2


def _spans(words: list[str], i: int, allow_months: bool) -> Iterator[tuple[_Span, int]]:
    """Every duration starting at words[i]: terms joined by nothing, "en"/"and" or a comma ("1 uur en 30 min")."""
    for span, j in _terms(words, i, allow_months):
        yield span, j
        k = j + 1 if j < len(words) and words[j] in _AND_WORDS else j
        for more, end in _spans(words, k, allow_months):
            yield span + more, end


def _offsets(words: list[str], i: int) -> Iterator[tuple[_Span, int]]:
    """ "over 2 weken", "in 30 minutes", "over een maand"."""
    if i < len(words) and words[i] in _IN_WORDS:
        for span, j in _spans(words, i + 1, allow_months=True):
            if span.delta > timedelta(0) or span.months > 0:
                yield span, j


# --- times of day -----------------------------------------------------------------------------------

_CLOCK = re.compile(r"([0-9]{1,2})(?:[:.]([0-9]{2}))?(u|h|uur|am|pm|a\.m|p\.m)?")  # 10:00 9.30 14u 2:30pm
_DUTCH_CLOCK = re.compile(r"([0-9]{1,2})[uh]([0-9]{2})")                           # 14u30 14h30
_AMPM = {"am": "am", "a.m": "am", "pm": "pm", "p.m": "pm"}


def _clock(hour: int, minute: int, ampm: str | None) -> time | None:
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _times(words: list[str], i: int) -> Iterator[tuple[time, int]]:
    """Every time of day starting at words[i]. A bare number is a time only after "om"/"at" or before
    "uur"/"am"/"pm", so "morgen Bel 10 mensen" keeps its 10."""
    prefixed = i < len(words) and words[i] in _AT_WORDS
    k = i + 1 if prefixed else i
    if k >= len(words):
        return
    w = words[k]
    nxt = words[k + 1] if k + 1 < len(words) else ""
    if m := _DUTCH_CLOCK.fullmatch(w):
        if t := _clock(int(m[1]), int(m[2]), None):
            yield t, k + 1
    m = _CLOCK.fullmatch(w)
    if not m:
        return
    hour, minute, suffix = int(m[1]), int(m[2] or 0), m[3]
    if suffix:
        if t := _clock(hour, minute, _AMPM.get(suffix)):
            yield t, k + 1
        return
    if nxt in _AMPM:
        if t := _clock(hour, minute, _AMPM[nxt]):
            yield t, k + 2
    if nxt in _HOUR_WORDS:
        if t := _clock(hour, minute, None):
            yield t, k + 2
    if m[2] is not None or prefixed:
        if t := _clock(hour, minute, None):
            yield t, k + 1


# --- dates ------------------------------------------------------------------------------------------

_ISO = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_DMY = re.compile(r"([0-9]{1,2})([-/])([0-9]{1,2})(?:\2([0-9]{2}|[0-9]{4}))?")   # 3-12, 3/12/2026
_DOTTED = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})")                  # 3.12.2026 (not 3.12: a time)
_DAY = re.compile(r"([0-9]{1,2})(?:e|ste|de|st|nd|rd|th)?")                       # 3, 3e, 3rd
_YEAR = re.compile(r"[0-9]{4}")


def _full_year(text: str) -> int:
    return int(text) + 2000 if len(text) == 2 else int(text)


def _calendar_dates(words: list[str], i: int, today: date) -> Iterator[tuple[date, bool, int]]:
    """Dates written with a day and month: (date, year given, end). Without a year: the next one from today."""
    if i >= len(words):
        return
    w = words[i]
    nxt = words[i + 1] if i + 1 < len(words) else ""

    def dated(day: int, month: int, year: str | None, end: int):
        d = _mkdate(_full_year(year), month, day) if year else _next_yearless(month, day, today)
        if d is not None:
            yield d, year is not None, end

    if m := _ISO.fullmatch(w):
        yield from dated(int(m[3]), int(m[2]), m[1], i + 1)
    if m := _DMY.fullmatch(w):
        yield from dated(int(m[1]), int(m[3]), m[4], i + 1)
    if m := _DOTTED.fullmatch(w):
        yield from dated(int(m[1]), int(m[2]), m[3], i + 1)
    after = words[i + 2] if i + 2 < len(words) else ""
    # "3 dec [2026]"
    if (m := _DAY.fullmatch(w)) and nxt in _MONTHS:
        if _YEAR.fullmatch(after):
            yield from dated(int(m[1]), _MONTHS[nxt], after, i + 3)
        yield from dated(int(m[1]), _MONTHS[nxt], None, i + 2)
    # "dec 3 [2026]"
    if w in _MONTHS and (m := _DAY.fullmatch(nxt)):
        if _YEAR.fullmatch(after):
            yield from dated(int(m[1]), _MONTHS[w], after, i + 3)
        yield from dated(int(m[1]), _MONTHS[w], None, i + 2)


def _weekday_dates(words: list[str], i: int, today: date) -> Iterator[tuple[date, bool, int]]:
    """ "dinsdag", "volgende dinsdag", "next tuesday", "dinsdag a.s.", "volgende week dinsdag", "di 1 dec"."""
    next_week = tuple(words[i:i + 2]) in _NEXT_WEEK
    k = i + 2 if next_week else i + 1 if i < len(words) and words[i] in _WEEKDAY_MODIFIERS else i
    if k >= len(words) or words[k] not in _WEEKDAYS:
        return
    wd = _WEEKDAYS[words[k]]
    if next_week:  # that day in the coming calendar week (Monday to Sunday)
        day = today + timedelta(days=7 - today.weekday() + wd)
    else:          # strictly after today: on a Tuesday, "dinsdag" is next week's
        day = today + timedelta(days=(wd - today.weekday()) % 7 or 7)
    end = k + 1
    if end < len(words) and words[end] in ("a.s", "aanstaande"):
        end += 1
    yield day, False, end
    # "di 1 dec": the explicit date decides; a weekday that does not match it makes the text unreadable
    for d, explicit, j in _calendar_dates(words, k + 1, today):
        if d.weekday() == wd:
            yield d, explicit, j


def _dates(words: list[str], i: int, today: date) -> Iterator[tuple[date, bool, int]]:
    """Every date starting at words[i], optionally after "op"/"on": (date, year given, end)."""
    starts = [i, i + 1] if i < len(words) and words[i] in _ON_WORDS else [i]
    for k in starts:
        for phrase, days in _RELATIVE_DAYS.items():
            if tuple(words[k:k + len(phrase)]) == phrase:
                yield today + timedelta(days=days), False, k + len(phrase)
        yield from _weekday_dates(words, k, today)
        yield from _calendar_dates(words, k, today)


# --- whole expressions ------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Reading:
    day: date | None = None          # None: a time alone
    at: time | None = None           # None: no time named
    delta: timedelta | None = None   # an exact offset from now ("over 2 uur")
    explicit_year: bool = False


def _read(words: list[str], today: date) -> _Reading | None:
    """The reading of the whole word list as one date and/or time expression, or None."""
    n = len(words)
    if not 0 < n <= _MAX_WORDS:
        return None
    for span, j in _offsets(words, 0):
        if span.exact:
            if j == n and span.months == 0 and span.delta <= _MAX_OFFSET:
                return _Reading(delta=span.delta)
            continue
        if span.delta > _MAX_OFFSET or span.months > 120:
            continue
        base = _add_months(today, span.months)
        if base is None:
            continue
        day = base + span.delta
        if j == n:
            return _Reading(day=day)
        for t, k in _times(words, j):
            if k == n:
                return _Reading(day=day, at=t)
    for day, explicit, j in _dates(words, 0, today):
        if j == n:
            return _Reading(day=day, explicit_year=explicit)
        for t, k in _times(words, j):
            if k == n:
                return _Reading(day=day, at=t, explicit_year=explicit)
    for t, j in _times(words, 0):
        if j == n:
            return _Reading(at=t)
        for day, explicit, k in _dates(words, j, today):
            if k == n:
                return _Reading(day=day, at=t, explicit_year=explicit)
    return None


# Words the grammar fully handles: when it still cannot read a text made of these and numbers, the text is
# malformed ("32 dec", "di 31 nov", "om 25:00") and dateparser's guess would only hide that (it reads "32 dec"
# as 23 Dec 2032, a bare "10" as the 10th even when past).
_GRAMMAR_WORDS = (set(_WEEKDAYS) | set(_MONTHS) | set(_UNITS) | _MONTH_UNITS | _AT_WORDS | _ON_WORDS | _IN_WORDS
                  | _AND_WORDS | set(_AMPM) | {w for phrase in _RELATIVE_DAYS for w in phrase})


def _fallback(text: str, now: datetime) -> _Reading | None:
    """dateparser's reading of the whole text, only for texts with a word the grammar does not know
    ("next week", "noon")."""
    text = text.strip()
    if not 0 < len(text) <= 60:
        return None
    if not any(re.fullmatch(r"[^\W\d_]{2,}", w) and w not in _GRAMMAR_WORDS for w in _words(text)):
        return None
    tz = _zone(now)
    settings = {
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": now.replace(tzinfo=None),
        "RETURN_TIME_AS_PERIOD": True,
        "DATE_ORDER": "DMY",
    }
    name = getattr(tz, "key", None) or getattr(tz, "zone", None)
    if name:  # a named zone; for a fixed offset dateparser works on the naive wall clock, attached below
        settings.update(TIMEZONE=name, RETURN_AS_TIMEZONE_AWARE=True)
    try:
        from dateparser.date import DateDataParser  # imported late: loading it costs a noticeable moment

        parser = DateDataParser(languages=["nl", "en"], settings=settings)
        data = parser.get_date_data(text)
        found = data.date_obj
        if found is None or found.year not in _YEARS:
            return None
        if found.tzinfo is None:
            found = _localize(found.date(), found.time(), tz)
        found = found.astimezone(tz)
    except Exception:  # a third-party parser on arbitrary user text: any failure just means "unreadable"
        return None
    if data.period == "time":
        return _Reading(day=found.date(), at=found.time().replace(second=0, microsecond=0))
    return _Reading(day=found.date())


def _reading(text: str, now: datetime) -> _Reading:
    reading = _read(_words(text), now.date()) or _fallback(text, now)
    if reading is None:
        raise DateError("unreadable", text)
    return reading


def _next_same_date(day: date, at: time, now: datetime) -> datetime | None:
    """The first future moment on the same day and month, from this year on: the suggestion for "2026-11-01"."""
    for year in range(now.year, now.year + 9):
        d = _mkdate(year, day.month, day.day)
        if d is not None and _later(moment := _localize(d, at, _zone(now)), now):
            return moment
    return None


def _resolve(reading: _Reading, text: str, now: datetime, default_time: time) -> When:
    tz = _zone(now)
    today = now.date()
    if reading.delta is not None:  # exact: absolute arithmetic, so "over 2 uur" is 2 real hours across DST
        at = (now.astimezone(timezone.utc) + reading.delta).astimezone(tz)
        return When(at, True)
    if reading.day is None:        # a time alone: today if still ahead, else tomorrow
        assert reading.at is not None  # a reading has a day, a time or a delta
        at = _localize(today, reading.at, tz)
        if not _later(at, now):
            at = _localize(today + timedelta(days=1), reading.at, tz)
        return When(at, True)
    clock = reading.at or default_time
    at = _localize(reading.day, clock, tz)
    if _later(at, now):
        return When(at, reading.at is not None)
    suggestion = None
    if reading.day == today:
        suggestion = _localize(today + timedelta(days=1), clock, tz)
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
        suggestion = _next_yearless(due.month, due.day, today)
    raise DateError("past", text.strip(), suggestion)


_MAX_WHEN_WORDS = 6


def split_when(text: str, now: datetime, default_time: time = time(9, 0),
               rest_required: bool = True) -> tuple[When, str]:
    """For `!herinner <wanneer> <tekst>`: the longest leading run of at most 6 words that reads as a moment,
    and the text after it (which may be empty only when not `rest_required`, as for `!overleg <wanneer>
    [plaats]`). Uses the grammar only, so ordinary words are never taken for a date."""
    spans = list(re.finditer(r"\S+", text))
    words = [_norm(m[0]) for m in spans]
    today = now.date()
    for n in range(min(_MAX_WHEN_WORDS, len(words)), 0, -1):
        reading = _read(words[:n], today)
        if reading is None:
            continue
        if n == len(words) and rest_required:  # a moment but nothing to be reminded of
            break
        moment = text[spans[0].start():spans[n - 1].end()]
        rest = text[spans[n].start():].strip() if n < len(words) else ""
        return _resolve(reading, moment, now, default_time), rest
    raise DateError("unreadable", text.strip())


# Words that show a tail after "voor"/"by" was meant as a date even when it cannot be read.
_DATE_HINTS = set(_WEEKDAYS) | set(_MONTHS) | {
    "vandaag", "today", "morgen", "tomorrow", "overmorgen", "gisteren", "yesterday",
    "week", "weken", "weeks", "dag", "dagen", "days", "maand", "maanden", "month", "months",
    "volgende", "komende", "next", "einde", "eind", "end", "uur", "hours",
}
_DUE_KEYWORD = re.compile(r"\s(voor|by|before)\s", re.IGNORECASE)


def split_due(text: str, now: datetime) -> tuple[str, date | None]:
    """For `!actie <wie> <tekst> [voor <datum>]`: split off a trailing deadline after the last
    "voor"/"by"/"before". "Zorgen voor een woning" has none and comes back whole."""
    keywords = list(_DUE_KEYWORD.finditer(text))
    if not keywords:
        return text.strip(), None
    last = keywords[-1]
    head, tail = text[:last.start()].strip(), text[last.end():].strip()
    words = _words(tail)
    if not head or not words:
        return text.strip(), None
    attempt = len(words) <= 4 and any(re.search(r"[0-9]", w) or w in _DATE_HINTS for w in words)
    reading = _read(words, now.date())
    if reading is None and attempt:
        reading = _fallback(tail, now)
    if reading is None:
        if attempt:
            raise DateError("unreadable", tail)
        return text.strip(), None
    return head, parse_due_date(tail, now)


@dataclass(frozen=True)
class Recurrence:
    weekdays: tuple[int, ...]   # 0=Monday..6=Sunday, sorted
    at: time

    def __post_init__(self):
        object.__setattr__(self, "weekdays", tuple(sorted(set(self.weekdays))))

    def to_dict(self) -> dict:
        """As stored with a reminder."""
        return {"weekdays": list(self.weekdays), "at": self.at.strftime("%H:%M")}

    @classmethod
    def from_dict(cls, spec: dict) -> Recurrence:
        return cls(tuple(spec["weekdays"]), time.fromisoformat(spec["at"]))

    def describe(self, lang: str) -> str:
        """ "elke maandag 09:00", "every Monday and Thursday 14:00", "elke werkdag 09:00", "elke dag 08:30"."""
        en = lang.lower().startswith("en")
        if self.weekdays == tuple(range(7)):
            days = "day" if en else "dag"
        elif self.weekdays == tuple(range(5)):
            days = "weekday" if en else "werkdag"
        else:
            names = [WEEKDAY_NAMES["en" if en else "nl"][d] for d in self.weekdays]
            days = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {'and' if en else 'en'} {names[-1]}"
        return f"{'every' if en else 'elke'} {days} {self.at:%H:%M}"


_EVERY = {"elke", "iedere", "every"}
_ALL_DAYS = {("dag",): tuple(range(7)), ("day",): tuple(range(7))}
_WORKDAYS = {("werkdag",), ("weekday",), ("workday",), ("working", "day")}


def _recurring_days(words: list[str], i: int) -> tuple[tuple[int, ...], int] | None:
    """ "dag", "werkdag", or weekday names joined by "en"/"and"/"," starting at words[i]."""
    for phrase, every in _ALL_DAYS.items():
        if tuple(words[i:i + len(phrase)]) == phrase:
            return every, i + len(phrase)
    for workday in _WORKDAYS:
        if tuple(words[i:i + len(workday)]) == workday:
            return tuple(range(5)), i + len(workday)
    days: list[int] = []
    j = i
    while j < len(words) and words[j] in _WEEKDAYS:
        days.append(_WEEKDAYS[words[j]])
        i = j + 1
        j = i + 1 if i < len(words) and words[i] in _AND_WORDS else i
    return (tuple(days), i) if days else None


def split_recurrence(text: str) -> tuple[Recurrence, str] | None:
    """For `!herinner elke maandag 9:00 <tekst>`: the recurrence and the text after it ("" when none).
    None when the text does not start with elke/iedere/every; DateError("unreadable") when what follows
    the keyword is not a day."""
    tokens = list(re.finditer(r"[^\s,]+|,", text))
    words = [t[0] if t[0] == "," else _norm(t[0]) for t in tokens]
    if not words or words[0] not in _EVERY:
        return None
    found = _recurring_days(words, 1)
    if found is None:
        raise DateError("unreadable", text.strip())
    days, j = found
    at, end = time(9, 0), j
    if timed := max(_times(words, j), key=lambda found: found[1], default=None):
        at, end = timed
    rest = text[tokens[end].start():].strip() if end < len(tokens) else ""
    return Recurrence(days, at), rest


def next_occurrence(rec: Recurrence, after: datetime) -> datetime:
    """The first moment strictly after `after` on one of rec.weekdays at rec.at on the wall clock of
    after's timezone (09:00 stays 09:00 local across DST; 02:30 on the spring change becomes 03:30)."""
    if not rec.weekdays:
        raise ValueError("a recurrence needs at least one weekday")
    tz = _zone(after)
    start = after.date()
    for days in range(8):
        day = start + timedelta(days=days)
        if day.weekday() in rec.weekdays and _later(moment := _localize(day, rec.at, tz), after):
            return moment
    raise AssertionError("unreachable: every weekday occurs within 8 days")


def parse_duration(text: str) -> timedelta:
    """For `!later <duur>`: "10 min", "10m", "1u", "2 uur", "1h", "1 dag", "1 week", "half uur", "1u30",
    "1 uur en 30 min"; an optional leading "over"/"in" is allowed. At most 365 days."""
    words = _words(text)
    if words and words[0] in _IN_WORDS:
        words = words[1:]
    if len(words) > _MAX_WORDS:
        raise DateError("unreadable", text.strip())
    for span, j in _spans(words, 0, allow_months=False):
        if j == len(words) and timedelta(0) < span.delta <= _MAX_DURATION:
            return span.delta
    raise DateError("unreadable", text.strip())
