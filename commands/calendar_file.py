"""The .ics posted with every change to a table (RFC 5545): the calendar apps of the members take it in.
One UID per table, or per series with each changed occurrence as an override (RECURRENCE-ID); SEQUENCE rises with
every change, so an app replaces the event instead of adding a second one. Times carry the configured zone with
its VTIMEZONE, so 10:00 stays 10:00 across DST. Case number and type only: calendars sync to phones and servers
outside the partnership."""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from storage.meetings import Meeting

ICAL_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DOMAIN = "zvh-bot"


def uid(meeting: Meeting) -> str:
    if meeting.series is not None:
        return f"{meeting.case_id}-reeks-{meeting.series}@{DOMAIN}"
    return f"{meeting.case_id}-{meeting.number}@{DOMAIN}"


def ics(meeting: Meeting, label: str, region: str, tz: ZoneInfo, now: datetime, cancelled: bool = False,
        whole_series: bool = False) -> bytes:
    """One table; an occurrence of a series as an override of it; or (whole_series) the series' rule itself."""
    calendar = Calendar()
    calendar.add("prodid", "-//ZVH bot//overleg//NL")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = Event()
    event.add("uid", uid(meeting))
    event.add("dtstamp", now)
    event.add("description", f"Zorg- en Veiligheidshuis {region}")
    if meeting.place:
        event.add("location", meeting.place)
    if whole_series and meeting.series_rule and meeting.original_start:
        rule = json.loads(meeting.series_rule)
        event.add("summary", f"{label} {meeting.case_id}")
        event.add("sequence", 0)
        start = meeting.original_start.astimezone(tz)
        event.add("rrule", {"freq": "weekly", "byday": [ICAL_DAYS[d] for d in rule["weekdays"]],
                            "count": rule["count"]})
    else:
        event.add("summary", f"{label} {meeting.case_id} #{meeting.number}")
        event.add("sequence", meeting.sequence)
        start = meeting.starts_at.astimezone(tz)
        if meeting.series is not None and meeting.original_start:
            event.add("recurrence-id", meeting.original_start.astimezone(tz))
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=meeting.minutes))
    if cancelled:
        event.add("status", "CANCELLED")
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
