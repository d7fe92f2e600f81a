"""Which period (and which municipality or theme) a report is about, from what the user typed after `!rapport`:
`2026`, `2026-Q3` (`Q3 2026`, `Q3`), `november` (`nov 2025`, `2025-11`), `afgelopen 12 maanden` (`last 12
months`), `dit jaar`, `vorig jaar`, `vorige maand` (`this year`, ...), in either order with a municipality or a theme.

Pure: given today's date. A period that has not begun is refused; one that runs on past today ends today (the
report says so). A month or quarter named without a year is the latest one that has begun."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta

from commands.date_grammar import MONTHS, norm
from commands.fields import fold
from core.config import Config
from core.messages import fail

YEAR, QUARTER, MONTH, MONTHS_BACK = "year", "quarter", "month", "months"
DEFAULT_MONTHS = 12
MAX_MONTHS = 120
PERIOD_WORDS = 4  # the longest period: "afgelopen 12 maanden", "last 12 months"


@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date  # inclusive; for a period still running: today
    full_end: date  # where the period ends by its name (after `end` while it runs)

    @property
    def running(self) -> bool:
        return self.end < self.full_end

    @property
    def year(self) -> int:
        return self.start.year

    @property
    def quarter(self) -> int:
        return (self.start.month - 1) // 3 + 1

    @property
    def month_count(self) -> int:
        return (self.full_end.year - self.start.year) * 12 + self.full_end.month - self.start.month + 1

    def months(self) -> list[date]:
        """The first day of each month the period reaches (up to `end`)."""
        found, day = [], self.start.replace(day=1)
        while day <= self.end:
            found.append(day)
            day = add_months(day, 1)
        return found

    def year_earlier(self) -> Period:
        """The same period a year before (a February 29 becomes the 28th)."""
        return replace(self, start=year_before(self.start), end=year_before(self.end),
                       full_end=year_before(self.full_end))

    def params(self) -> dict[str, object]:
        """What the catalogue's `snippet.period` shows."""
        return {"kind": self.kind, "start": self.start.isoformat(), "end": self.end.isoformat(),
                "full_end": self.full_end.isoformat(), "year": self.year, "quarter": self.quarter,
                "month": self.start.month, "count": self.month_count, "running": self.running}


@dataclass(frozen=True)
class Filter:
    kind: str  # "municipality" or "theme"
    value: str  # as configured


def add_months(day: date, count: int) -> date:
    index = day.year * 12 + day.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def year_before(day: date) -> date:
    return day.replace(year=day.year - 1) if not (day.month == 2 and day.day == 29) else date(day.year - 1, 2, 28)


def _month_end(first: date) -> date:
    return add_months(first, 1) - timedelta(days=1)


def last_months(today: date, count: int) -> Period:
    """The `count` whole months before the current one."""
    first = add_months(today.replace(day=1), -count)
    return Period(MONTHS_BACK, first, _month_end(add_months(first, count - 1)),
                  _month_end(add_months(first, count - 1)))


def month(year: int, number: int) -> Period:
    first = date(year, number, 1)
    return Period(MONTH, first, _month_end(first), _month_end(first))


def year(number: int) -> Period:
    return Period(YEAR, date(number, 1, 1), date(number, 12, 31), date(number, 12, 31))


def quarter(number: int, q: int) -> Period:
    first = date(number, 3 * q - 2, 1)
    return Period(QUARTER, first, _month_end(add_months(first, 2)), _month_end(add_months(first, 2)))


RELATIVE: dict[tuple[str, ...], str] = {
    ("dit", "jaar"): "this_year", ("this", "year"): "this_year",
    ("vorig", "jaar"): "last_year", ("last", "year"): "last_year", ("afgelopen", "jaar"): "last_year",
    ("deze", "maand"): "this_month", ("this", "month"): "this_month",
    ("vorige", "maand"): "last_month", ("last", "month"): "last_month",
}
BACK = {"afgelopen", "laatste", "last", "past"}
MONTH_WORDS = {"maanden", "maand", "months", "month", "mnd"}
QUARTER_WORD = re.compile(r"^(?:q|k|kw)([1-4])$")
YEAR_WORD = re.compile(r"^(\d{4})$")
YEAR_QUARTER = re.compile(r"^(\d{4})-?(?:q|k|kw)([1-4])$")
YEAR_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def read_period(words: list[str], today: date) -> Period | None:
    """The period these words name, or None."""
    words = [norm(w) for w in words]
    if not words:
        return None
    if tuple(words) in RELATIVE:
        which = RELATIVE[tuple(words)]
        if which == "this_year":
            return year(today.year)
        if which == "last_year":
            return year(today.year - 1)
        if which == "this_month":
            return month(today.year, today.month)
        back = add_months(today.replace(day=1), -1)
        return month(back.year, back.month)
    if words[0] in BACK and len(words) in (2, 3) and words[-1] in MONTH_WORDS:
        count = int(words[1]) if len(words) == 3 and words[1].isdigit() else 1 if len(words) == 2 else 0
        return last_months(today, count) if 1 <= count <= MAX_MONTHS else None
    if len(words) == 1:
        word = words[0]
        if match := YEAR_WORD.match(word):
            return year(int(match.group(1)))
        if match := YEAR_QUARTER.match(word):
            return quarter(int(match.group(1)), int(match.group(2)))
        if match := YEAR_MONTH.match(word):
            return month(int(match.group(1)), int(match.group(2))) if 1 <= int(match.group(2)) <= 12 else None
        if match := QUARTER_WORD.match(word):
            q = int(match.group(1))
            return quarter(today.year if 3 * q - 2 <= today.month else today.year - 1, q)
        if word in MONTHS:
            number = MONTHS[word]
            return month(today.year if number <= today.month else today.year - 1, number)
        return None
    if len(words) == 2:
        first, second = words
        if YEAR_WORD.match(second):
            if match := QUARTER_WORD.match(first):
                return quarter(int(second), int(match.group(1)))
            if first in MONTHS:
                return month(int(second), MONTHS[first])
        if YEAR_WORD.match(first) and (match := QUARTER_WORD.match(second)):
            return quarter(int(first), int(match.group(1)))
    return None


def read_filter(text: str, config: Config) -> Filter | None:
    wanted = fold(text)
    for name in config.bot.municipalities:
        if fold(name) == wanted:
            return Filter("municipality", name)
    for name in config.bot.themes:
        if fold(name) == wanted:
            return Filter("theme", name)
    return None


def parse(text: str | None, today: date, config: Config) -> tuple[Period, Filter | None]:
    """The period and the filter, in either order; nothing given: the last twelve whole months, everywhere."""
    words = (text or "").split()
    period: Period | None = None
    chosen: Filter | None = None
    if not words:
        period = last_months(today, DEFAULT_MONTHS)
    for size in range(min(PERIOD_WORDS, len(words)), 0, -1):
        if period is not None:
            break
        head, tail = words[:size], words[size:]
        if (found := read_period(head, today)) is not None:
            if tail and (chosen := read_filter(" ".join(tail), config)) is None:
                raise unknown(" ".join(tail), config)
            period = found
        elif (found := read_period(tail, today)) is not None:
            if (chosen := read_filter(" ".join(head), config)) is None:
                continue
            period = found
    if period is None:
        chosen = read_filter(" ".join(words), config)
        if chosen is None:
            raise unknown(" ".join(words), config)
        period = last_months(today, DEFAULT_MONTHS)
    if period.start > today:
        raise fail("report.not_begun", usage=True, period=period.params())
    if period.end > today:
        period = replace(period, end=today)
    return period, chosen


def unknown(text: str, config: Config):
    return fail("report.bad_argument", usage=True, value=text[:80], municipalities=config.bot.municipalities,
                themes=config.bot.themes)
