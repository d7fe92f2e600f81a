"""The one rule for local time: a wall-clock moment in the configured zone, and comparing moments in real time.
Dates read from users, recurrences and the chase of actions all use it, so 09:00 is 09:00 across DST everywhere."""
from __future__ import annotations

from datetime import date, datetime, time, timezone, tzinfo


def local_moment(day: date, at: time, tz: tzinfo) -> datetime:
    """The aware moment a wall clock in `tz` shows `at` on `day`.

    The round trip through UTC moves a time inside a spring-forward gap forward by the gap
    (02:30 on 2027-03-28 becomes 03:30 CEST); an ambiguous autumn time takes its first occurrence.
    """
    naive = datetime.combine(day, at)
    localize = getattr(tz, "localize", None)
    if localize is not None:  # pytz zones cannot be attached with replace()
        return tz.normalize(localize(naive))  # type: ignore[attr-defined]
    return naive.replace(tzinfo=tz).astimezone(timezone.utc).astimezone(tz)


def zone(moment: datetime) -> tzinfo:
    """The timezone of an aware moment: every moment here is aware, in the configured zone."""
    if moment.tzinfo is None:
        raise ValueError("a naive moment: times are always in the configured timezone")
    return moment.tzinfo


def later(a: datetime, b: datetime) -> bool:
    """a is after b in real time. Python compares datetimes sharing a tzinfo on the wall clock, which is
    wrong inside the repeated autumn hour."""
    return a.astimezone(timezone.utc) > b.astimezone(timezone.utc)
