"""Working days: not a weekend, not a public holiday (from the `holidays` package, per configured country)."""
from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def public_holidays(country: str, year: int) -> holidays.HolidayBase:
    return holidays.country_holidays(country, years=year)


class WorkCalendar:
    def __init__(self, country: str = "NL") -> None:
        self.country = country

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in public_holidays(self.country, day.year)

    def shift(self, day: date, working_days: int) -> date:
        """The Nth working day after (N > 0) or before (N < 0) `day`; N = 0 is `day` itself, or the last working
        day before it when `day` is not one (a reminder due on a Sunday comes on the Friday)."""
        step = 1 if working_days > 0 else -1
        remaining = abs(working_days)
        if remaining == 0:
            while not self.is_working_day(day):
                day -= timedelta(days=1)
            return day
        while remaining:
            day += timedelta(days=step)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def next_working_day(self, after: date) -> date:
        return self.shift(after, 1)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]: how many working days `end` is past `start`."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count
