"""Recurring moments (`elke maandag 9:00`, `every weekday 8:30`): reading them, storing them, the next one.
Wall-clock times in the configured zone, so 09:00 stays 09:00 across DST."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from commands.date_grammar import AND_WORDS, WEEKDAYS, norm, times
from commands.dates import DateError
from commands.wallclock import later, local_moment, zone


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
    while j < len(words) and words[j] in WEEKDAYS:
        days.append(WEEKDAYS[words[j]])
        i = j + 1
        j = i + 1 if i < len(words) and words[i] in AND_WORDS else i
    return (tuple(days), i) if days else None


def split_recurrence(text: str) -> tuple[Recurrence, str] | None:
    """For `!herinner elke maandag 9:00 <tekst>`: the recurrence and the text after it ("" when none).
    None when the text does not start with elke/iedere/every; DateError("unreadable") when what follows
    the keyword is not a day."""
    tokens = list(re.finditer(r"[^\s,]+|,", text))
    words = [t[0] if t[0] == "," else norm(t[0]) for t in tokens]
    if not words or words[0] not in _EVERY:
        return None
    found = _recurring_days(words, 1)
    if found is None:
        raise DateError("unreadable", text.strip())
    days, j = found
    at, end = time(9, 0), j
    if timed := max(times(words, j), key=lambda found: found[1], default=None):
        at, end = timed
    rest = text[tokens[end].start():].strip() if end < len(tokens) else ""
    return Recurrence(days, at), rest


def next_occurrence(rec: Recurrence, after: datetime) -> datetime:
    """The first moment strictly after `after` on one of rec.weekdays at rec.at on the wall clock of
    after's timezone (09:00 stays 09:00 local across DST; 02:30 on the spring change becomes 03:30)."""
    if not rec.weekdays:
        raise ValueError("a recurrence needs at least one weekday")
    tz = zone(after)
    start = after.date()
    for days in range(8):
        day = start + timedelta(days=days)
        if day.weekday() in rec.weekdays and later(moment := local_moment(day, rec.at, tz), after):
            return moment
    raise AssertionError("unreachable: every weekday occurs within 8 days")
