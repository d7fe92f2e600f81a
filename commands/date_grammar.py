"""The word-level grammar for dates, times and durations as users type them, in Dutch and English: the words
it knows and the readers that turn a list of words into a reading. commands/dates.py is its public face.

Numeric dates are day-first (3-12 is 3 December), as written in the Netherlands."""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from commands.wallclock import local_moment, zone

# --- vocabulary -------------------------------------------------------------------------------------

WEEKDAYS: dict[str, int] = {}
for _i, _names in enumerate([
    ("maandag", "ma", "monday", "mon"),
    ("dinsdag", "di", "tuesday", "tue", "tues"),
    ("woensdag", "wo", "wednesday", "wed"),
    ("donderdag", "do", "thursday", "thu", "thur", "thurs"),
    ("vrijdag", "vr", "friday", "fri"),
    ("zaterdag", "za", "saturday", "sat"),
    ("zondag", "zo", "sunday", "sun"),
]):
    WEEKDAYS.update(dict.fromkeys(_names, _i))

MONTHS: dict[str, int] = {}
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
    MONTHS.update(dict.fromkeys(_names, _i))

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
IN_WORDS = {"over", "in"}            # "over 2 uur", "in 3 days"
AND_WORDS = {"en", "and", ","}
_HOUR_WORDS = {"uur", "u", "h"}       # "14 uur", "14.00 uur"
_WEEKDAY_MODIFIERS = {"volgende", "komende", "aanstaande", "deze", "next", "this", "coming"}
_NEXT_WEEK = {("volgende", "week"), ("komende", "week"), ("next", "week")}

_MAX_OFFSET = timedelta(days=3660)    # beyond ten years an offset is a typo, not a plan
MAX_DURATION = timedelta(days=365)
_YEARS = range(1900, 3000)            # keeps date arithmetic far from datetime's limits
MAX_WORDS = 10                       # the longest real expression is ~7 words; also bounds the recursion

_TRIM = ".,;:!?()[]{}\"'"


def norm(word: str) -> str:
    """Lower-case a word and drop surrounding punctuation ("dec." -> "dec", "10:00," -> "10:00")."""
    return word.casefold().strip(_TRIM)


def split_words(text: str) -> list[str]:
    return [norm(w) for w in text.split()]


# --- small helpers ----------------------------------------------------------------------------------

def mkdate(y: int, m: int, d: int) -> date | None:
    if y not in _YEARS:
        return None
    try:
        return date(y, m, d)
    except ValueError:
        return None


def next_yearless(month: int, day: int, today: date) -> date | None:
    """The first `day month` that is today or later (29 Feb waits for a leap year)."""
    for year in range(today.year, today.year + 9):
        d = mkdate(year, month, day)
        if d is not None and d >= today:
            return d
    return None


def _add_months(d: date, months: int) -> date | None:
    y, m = divmod(d.month - 1 + months, 12)
    for day in range(d.day, 27, -1):  # 31 Jan + 1 month -> 28/29 Feb
        out = mkdate(d.year + y, m + 1, day)
        if out is not None:
            return out
    return mkdate(d.year + y, m + 1, d.day)


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


def spans(words: list[str], i: int, allow_months: bool) -> Iterator[tuple[_Span, int]]:
    """Every duration starting at words[i]: terms joined by nothing, "en"/"and" or a comma ("1 uur en 30 min")."""
    for span, j in _terms(words, i, allow_months):
        yield span, j
        k = j + 1 if j < len(words) and words[j] in AND_WORDS else j
        for more, end in spans(words, k, allow_months):
            yield span + more, end


def _offsets(words: list[str], i: int) -> Iterator[tuple[_Span, int]]:
    """ "over 2 weken", "in 30 minutes", "over een maand"."""
    if i < len(words) and words[i] in IN_WORDS:
        for span, j in spans(words, i + 1, allow_months=True):
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


def times(words: list[str], i: int) -> Iterator[tuple[time, int]]:
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
        d = mkdate(_full_year(year), month, day) if year else next_yearless(month, day, today)
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
    if (m := _DAY.fullmatch(w)) and nxt in MONTHS:
        if _YEAR.fullmatch(after):
            yield from dated(int(m[1]), MONTHS[nxt], after, i + 3)
        yield from dated(int(m[1]), MONTHS[nxt], None, i + 2)
    # "dec 3 [2026]"
    if w in MONTHS and (m := _DAY.fullmatch(nxt)):
        if _YEAR.fullmatch(after):
            yield from dated(int(m[1]), MONTHS[w], after, i + 3)
        yield from dated(int(m[1]), MONTHS[w], None, i + 2)


def _weekday_dates(words: list[str], i: int, today: date) -> Iterator[tuple[date, bool, int]]:
    """ "dinsdag", "volgende dinsdag", "next tuesday", "dinsdag a.s.", "volgende week dinsdag", "di 1 dec"."""
    next_week = tuple(words[i:i + 2]) in _NEXT_WEEK
    k = i + 2 if next_week else i + 1 if i < len(words) and words[i] in _WEEKDAY_MODIFIERS else i
    if k >= len(words) or words[k] not in WEEKDAYS:
        return
    wd = WEEKDAYS[words[k]]
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
class Reading:
    day: date | None = None          # None: a time alone
    at: time | None = None           # None: no time named
    delta: timedelta | None = None   # an exact offset from now ("over 2 uur")
    explicit_year: bool = False


def read(words: list[str], today: date) -> Reading | None:
    """The reading of the whole word list as one date and/or time expression, or None."""
    n = len(words)
    if not 0 < n <= MAX_WORDS:
        return None
    for span, j in _offsets(words, 0):
        if span.exact:
            if j == n and span.months == 0 and span.delta <= _MAX_OFFSET:
                return Reading(delta=span.delta)
            continue
        if span.delta > _MAX_OFFSET or span.months > 120:
            continue
        base = _add_months(today, span.months)
        if base is None:
            continue
        day = base + span.delta
        if j == n:
            return Reading(day=day)
        for t, k in times(words, j):
            if k == n:
                return Reading(day=day, at=t)
    for day, explicit, j in _dates(words, 0, today):
        if j == n:
            return Reading(day=day, explicit_year=explicit)
        for t, k in times(words, j):
            if k == n:
                return Reading(day=day, at=t, explicit_year=explicit)
    for t, j in times(words, 0):
        if j == n:
            return Reading(at=t)
        for day, explicit, k in _dates(words, j, today):
            if k == n:
                return Reading(day=day, at=t, explicit_year=explicit)
    return None


# Words the grammar fully handles: when it still cannot read a text made of these and numbers, the text is
# malformed ("32 dec", "di 31 nov", "om 25:00") and dateparser's guess would only hide that (it reads "32 dec"
# as 23 Dec 2032, a bare "10" as the 10th even when past).
_GRAMMAR_WORDS = (set(WEEKDAYS) | set(MONTHS) | set(_UNITS) | _MONTH_UNITS | _AT_WORDS | _ON_WORDS | IN_WORDS
                  | AND_WORDS | set(_AMPM) | {w for phrase in _RELATIVE_DAYS for w in phrase})


def fallback(text: str, now: datetime) -> Reading | None:
    """dateparser's reading of the whole text, only for texts with a word the grammar does not know
    ("next week", "noon")."""
    text = text.strip()
    if not 0 < len(text) <= 60:
        return None
    if not any(re.fullmatch(r"[^\W\d_]{2,}", w) and w not in _GRAMMAR_WORDS for w in split_words(text)):
        return None
    tz = zone(now)
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
            found = local_moment(found.date(), found.time(), tz)
        found = found.astimezone(tz)
    except Exception:  # a third-party parser on arbitrary user text: any failure just means "unreadable"
        return None
    if data.period == "time":
        return Reading(day=found.date(), at=found.time().replace(second=0, microsecond=0))
    return Reading(day=found.date())
