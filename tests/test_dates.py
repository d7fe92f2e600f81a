"""Unit tests for commands.dates: every documented form, in Dutch and English, against a fixed `now`."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commands.dates import DateError, When, parse_due_date, parse_duration, parse_when, split_due, split_when
from commands.recurrence import Recurrence, next_occurrence, split_recurrence
from core.render import render_recurrence

AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=AMS)  # a Monday


def at(y, mo, d, h=9, mi=0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=AMS)


def utc(moment: datetime) -> datetime:
    # Python subtracts and compares datetimes that share a tzinfo on the wall clock; UTC gives real elapsed time
    return moment.astimezone(timezone.utc)


def check(text: str, expected: datetime, has_time: bool, now: datetime = NOW) -> None:
    got = parse_when(text, now)
    assert got == When(expected, has_time), text
    assert got.at.tzinfo is now.tzinfo


# --- relative days and weekdays -----------------------------------------------------------------------

@pytest.mark.parametrize("text, day", [
    ("morgen", 24), ("Morgen", 24), ("overmorgen", 25), ("tomorrow", 24), ("TOMORROW", 24),
    ("day after tomorrow", 25), ("the day after tomorrow", 25),
])
def test_relative_days(text, day):
    check(text, at(2026, 11, day), False)


def test_today_with_a_time_ahead():
    check("vandaag 12:00", at(2026, 11, 23, 12), True)
    check("today 11am", at(2026, 11, 23, 11), True)


@pytest.mark.parametrize("text, expected", [
    # Monday: "maandag" is next week's Monday, never today
    ("maandag", date(2026, 11, 30)), ("ma", date(2026, 11, 30)), ("monday", date(2026, 11, 30)),
    ("mon", date(2026, 11, 30)),
    ("dinsdag", date(2026, 11, 24)), ("di", date(2026, 11, 24)), ("tuesday", date(2026, 11, 24)),
    ("tue", date(2026, 11, 24)),
    ("woensdag", date(2026, 11, 25)), ("wo", date(2026, 11, 25)), ("wednesday", date(2026, 11, 25)),
    ("wed", date(2026, 11, 25)),
    ("donderdag", date(2026, 11, 26)), ("do", date(2026, 11, 26)), ("thursday", date(2026, 11, 26)),
    ("thu", date(2026, 11, 26)),
    ("vrijdag", date(2026, 11, 27)), ("vr", date(2026, 11, 27)), ("Friday", date(2026, 11, 27)),
    ("fri", date(2026, 11, 27)),
    ("zaterdag", date(2026, 11, 28)), ("za", date(2026, 11, 28)), ("saturday", date(2026, 11, 28)),
    ("sat", date(2026, 11, 28)),
    ("zondag", date(2026, 11, 29)), ("zo", date(2026, 11, 29)), ("sunday", date(2026, 11, 29)),
    ("sun", date(2026, 11, 29)),
    ("next tuesday", date(2026, 11, 24)), ("volgende dinsdag", date(2026, 11, 24)),
    ("vrijdag a.s.", date(2026, 11, 27)), ("op vrijdag", date(2026, 11, 27)), ("on friday", date(2026, 11, 27)),
    # "volgende week dinsdag": the Tuesday of the coming calendar week
    ("volgende week dinsdag", date(2026, 12, 1)), ("next week tuesday", date(2026, 12, 1)),
    ("di 1 dec", date(2026, 12, 1)),
])
def test_weekdays(text, expected):
    check(text, datetime.combine(expected, time(9, 0), AMS), False)


def test_weekday_is_strictly_after_today_on_every_day():
    for offset in range(7):
        now = NOW + timedelta(days=offset)
        got = parse_when("woensdag", now).at.date()
        assert got.weekday() == 2
        assert 1 <= (got - now.date()).days <= 7


def test_weekday_that_contradicts_the_date_is_unreadable():
    with pytest.raises(DateError) as err:
        parse_when("ma 1 dec", NOW)  # 1 Dec 2026 is a Tuesday
    assert err.value.reason == "unreadable"


# --- offsets ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected, has_time", [
    ("over 2 weken", at(2026, 12, 7), False),
    ("over 3 dagen", at(2026, 11, 26), False),
    ("over een week", at(2026, 11, 30), False),
    ("over 2 maanden", at(2027, 1, 23), False),
    ("in 2 weeks", at(2026, 12, 7), False),
    ("in 3 days", at(2026, 11, 26), False),
    ("in a week", at(2026, 11, 30), False),
    ("over 2 weken om 10:00", at(2026, 12, 7, 10), True),
    ("over 2 uur", at(2026, 11, 23, 12), True),
    ("over 30 minuten", at(2026, 11, 23, 10, 30), True),
    ("over een half uur", at(2026, 11, 23, 10, 30), True),
    ("in 2 hours", at(2026, 11, 23, 12), True),
    ("in 30 minutes", at(2026, 11, 23, 10, 30), True),
    ("in an hour", at(2026, 11, 23, 11), True),
    ("over 1 uur en 15 minuten", at(2026, 11, 23, 11, 15), True),
])
def test_offsets(text, expected, has_time):
    check(text, expected, has_time)


def test_hour_offsets_are_real_hours_across_dst():
    now = datetime(2027, 3, 28, 1, 30, tzinfo=AMS)  # 02:00 CET jumps to 03:00 CEST
    got = parse_when("over 1 uur", now).at
    assert utc(got) - utc(now) == timedelta(hours=1)
    assert (got.hour, got.minute) == (3, 30)


def test_day_offsets_keep_the_wall_clock_across_dst():
    now = datetime(2027, 3, 26, 10, 0, tzinfo=AMS)
    got = parse_when("over 3 dagen 10:00", now).at
    assert (got.date(), got.hour) == (date(2027, 3, 29), 10)
    assert got.utcoffset() == timedelta(hours=2)


# --- dates --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "3 dec", "3 december", "3 December", "3 dec.", "3-12", "3-12-2026", "3/12", "3/12/2026", "3-12-26",
    "2026-12-03", "dec 3", "december 3 2026", "December 3, 2026", "3 dec 2026", "3e december", "3rd december",
    "3.12.2026", "op 3 dec", "on dec 3",
])
def test_dates(text):
    check(text, at(2026, 12, 3), False)


def test_date_with_year():
    check("15 dec 2026", at(2026, 12, 15), False)


@pytest.mark.parametrize("text, month", [
    ("1 jan", 1), ("1 januari", 1), ("1 january", 1), ("1 feb", 2), ("1 februari", 2), ("1 february", 2),
    ("1 mrt", 3), ("1 mar", 3), ("1 maart", 3), ("1 march", 3), ("1 apr", 4), ("1 april", 4),
    ("1 mei", 5), ("1 may", 5), ("1 jun", 6), ("1 juni", 6), ("1 june", 6), ("1 jul", 7), ("1 juli", 7),
    ("1 july", 7), ("1 aug", 8), ("1 augustus", 8), ("1 august", 8), ("1 sep", 9), ("1 sept", 9),
    ("1 september", 9), ("1 okt", 10), ("1 oct", 10), ("1 oktober", 10), ("1 october", 10),
])
def test_month_names_without_year_are_next_year_when_passed(text, month):
    check(text, at(2027, month, 1), False)


def test_yearless_date_today_counts_as_not_past():
    assert parse_due_date("23 nov", NOW) == date(2026, 11, 23)
    check("23 nov 18:00", at(2026, 11, 23, 18), True)
    check("1 dec", at(2026, 12, 1), False)
    check("22 nov", at(2027, 11, 22), False)


def test_leap_day_waits_for_a_leap_year():
    check("29 feb", at(2028, 2, 29), False)


@pytest.mark.parametrize("text", ["31 nov", "32 dec", "3-13", "2026-02-30", "ma 31 nov", "29 feb 2027"])
def test_impossible_dates_are_unreadable(text):
    with pytest.raises(DateError) as err:
        parse_when(text, NOW)
    assert (err.value.reason, err.value.text) == ("unreadable", text)


# --- times --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, h, m", [
    ("10:30", 10, 30), ("11:00", 11, 0), ("14u", 14, 0), ("14U", 14, 0), ("14u30", 14, 30), ("14h30", 14, 30),
    ("14 uur", 14, 0), ("14.00 uur", 14, 0), ("2pm", 14, 0), ("2:30pm", 14, 30), ("2:30 PM", 14, 30),
    ("2 pm", 14, 0), ("11am", 11, 0), ("om 14:00", 14, 0), ("om 14", 14, 0), ("at 2pm", 14, 0),
    ("12pm", 12, 0), ("23:59", 23, 59),
])
def test_times_still_ahead_are_today(text, h, m):
    check(text, at(2026, 11, 23, h, m), True)


@pytest.mark.parametrize("text, h, m", [
    ("10:00", 10, 0), ("9.30", 9, 30), ("10am", 10, 0), ("at 10am", 10, 0), ("08:00", 8, 0), ("0:15", 0, 15),
    ("12am", 0, 0), ("om 8", 8, 0),
])
def test_times_already_passed_are_tomorrow(text, h, m):
    check(text, at(2026, 11, 24, h, m), True)


@pytest.mark.parametrize("text", ["25:00", "14:60", "13pm", "0am", "om 24", "14u75"])
def test_impossible_times_are_unreadable(text):
    with pytest.raises(DateError) as err:
        parse_when(text, NOW)
    assert err.value.reason == "unreadable"


# --- combinations -------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("morgen 10:00", at(2026, 11, 24, 10)),
    ("dinsdag 14u", at(2026, 11, 24, 14)),
    ("3 dec 09:30", at(2026, 12, 3, 9, 30)),
    ("2026-12-03 09:30", at(2026, 12, 3, 9, 30)),
    ("tomorrow 10am", at(2026, 11, 24, 10)),
    ("vrijdag om 9:00", at(2026, 11, 27, 9)),
    ("friday at 2:30pm", at(2026, 11, 27, 14, 30)),
    ("op 3 dec om 14u30", at(2026, 12, 3, 14, 30)),
    ("10:00 morgen", at(2026, 11, 24, 10)),
    ("december 3 2026 at 10am", at(2026, 12, 3, 10)),
    ("volgende week dinsdag 14 uur", at(2026, 12, 1, 14)),
    ("1 januari 2027 om 15:00", at(2027, 1, 1, 15)),
])
def test_combinations(text, expected):
    check(text, expected, True)


def test_default_time_is_used_when_no_time_is_named():
    assert parse_when("morgen", NOW, default_time=time(8, 30)) == When(at(2026, 11, 24, 8, 30), False)


def test_dateparser_fallback_for_other_forms():
    assert parse_when("next week", NOW) == When(at(2026, 11, 30), False)
    assert parse_when("noon", NOW) == When(at(2026, 11, 23, 12), True)


def test_results_are_in_nows_timezone():
    utc_now = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)
    assert parse_when("morgen 10:00", utc_now).at == datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc)


# --- errors -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, suggestion", [
    ("vandaag 08:00", at(2026, 11, 24, 8)),        # tomorrow, same time
    ("today 9am", at(2026, 11, 24, 9)),
    ("vandaag", at(2026, 11, 24, 9)),               # default 09:00 has passed
    ("2026-11-01", at(2027, 11, 1)),                # same date next year
    ("15 nov 2026", at(2027, 11, 15)),
    ("1-1-2020 14:00", at(2027, 1, 1, 14)),
    ("gisteren", None),
    ("yesterday 10:00", None),
])
def test_past_moments(text, suggestion):
    with pytest.raises(DateError) as err:
        parse_when(text, NOW)
    assert (err.value.reason, err.value.text, err.value.suggestion) == ("past", text, suggestion)


@pytest.mark.parametrize("text", ["", "   ", "bla", "morgen bel", "10", "over uur", "over 0 minuten", "in 99999 weeks"])
def test_unreadable(text):
    with pytest.raises(DateError) as err:
        parse_when(text, NOW)
    assert err.value.reason == "unreadable"
    assert err.value.suggestion is None


def test_error_carries_reason_text_and_suggestion():
    err = DateError("past", "vandaag 08:00", at(2026, 11, 24, 8))
    assert (err.reason, err.text, err.suggestion) == ("past", "vandaag 08:00", at(2026, 11, 24, 8))
    assert DateError("unreadable", "x").suggestion is None
    assert "unreadable" in str(DateError("unreadable", "x"))


# --- due dates ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("vandaag", date(2026, 11, 23)), ("today", date(2026, 11, 23)), ("morgen", date(2026, 11, 24)),
    ("vrijdag", date(2026, 11, 27)), ("3 dec", date(2026, 12, 3)), ("2026-12-03", date(2026, 12, 3)),
    ("over 2 weken", date(2026, 12, 7)), ("in 3 days", date(2026, 11, 26)),
    ("over 20 uur", date(2026, 11, 24)), ("over 30 minuten", date(2026, 11, 23)),
    ("vandaag 08:00", date(2026, 11, 23)),  # only the date matters
    ("23 nov", date(2026, 11, 23)), ("22 nov", date(2027, 11, 22)),
])
def test_due_dates(text, expected):
    assert parse_due_date(text, NOW) == expected


@pytest.mark.parametrize("text, suggestion", [
    ("gisteren", None), ("yesterday", None), ("22-11-2026", date(2027, 11, 22)), ("2026-11-01", date(2027, 11, 1)),
])
def test_past_due_dates(text, suggestion):
    with pytest.raises(DateError) as err:
        parse_due_date(text, NOW)
    assert (err.value.reason, err.value.suggestion) == ("past", suggestion)


def test_unreadable_due_date():
    with pytest.raises(DateError) as err:
        parse_due_date("binnenkort", NOW)
    assert err.value.reason == "unreadable"


# --- split_when ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected, rest", [
    ("morgen 10:00 Bel de woningcorporatie", When(at(2026, 11, 24, 10), True), "Bel de woningcorporatie"),
    ("over 2 uur koffie", When(at(2026, 11, 23, 12), True), "koffie"),
    ("3 dec 09:30 Overleg voorbereiden", When(at(2026, 12, 3, 9, 30), True), "Overleg voorbereiden"),
    ("morgen Bel 10 mensen", When(at(2026, 11, 24), False), "Bel 10 mensen"),
    ("morgen om de hoek kijken", When(at(2026, 11, 24), False), "om de hoek kijken"),
    ("vrijdag om 9:00   Verslag   sturen ", When(at(2026, 11, 27, 9), True), "Verslag   sturen"),
    ("tomorrow 10am call the GP", When(at(2026, 11, 24, 10), True), "call the GP"),
    ("in 30 minutes stand-up", When(at(2026, 11, 23, 10, 30), True), "stand-up"),
    ("volgende week dinsdag 14 uur evaluatie", When(at(2026, 12, 1, 14), True), "evaluatie"),
    ("14u30 MDO", When(at(2026, 11, 23, 14, 30), True), "MDO"),
    ("op 15 dec 2026 om 10:00 zitting", When(at(2026, 12, 15, 10), True), "zitting"),
    ("morgen, bel Anna", When(at(2026, 11, 24), False), "bel Anna"),
])
def test_split_when(text, expected, rest):
    assert split_when(text, NOW) == (expected, rest)


def test_split_when_uses_default_time():
    assert split_when("morgen bellen", NOW, default_time=time(8, 0)) == (When(at(2026, 11, 24, 8), False), "bellen")


@pytest.mark.parametrize("text", ["morgen 10:00", "morgen", "Bel de woningcorporatie", "", "   ", "bel morgen"])
def test_split_when_needs_a_leading_moment_and_text(text):
    with pytest.raises(DateError) as err:
        split_when(text, NOW)
    assert (err.value.reason, err.value.text) == ("unreadable", text.strip())


def test_split_when_past():
    with pytest.raises(DateError) as err:
        split_when("vandaag 08:00 Bel de huisarts", NOW)
    assert (err.value.reason, err.value.text, err.value.suggestion) == ("past", "vandaag 08:00", at(2026, 11, 24, 8))


def test_split_when_reads_at_most_six_words():
    # "the day after tomorrow at 10 am" is seven words: only the first six are tried
    when, rest = split_when("the day after tomorrow at 10 am x", NOW)
    assert (when, rest) == (When(at(2026, 11, 25, 10), True), "am x")
    assert split_when("the day after tomorrow at 10am x", NOW) == (When(at(2026, 11, 25, 10), True), "x")


# --- split_due ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("Bel de gemeente voor vrijdag", ("Bel de gemeente", date(2026, 11, 27))),
    ("Zorgen voor een woning", ("Zorgen voor een woning", None)),
    ("Zorgen voor een woning voor 3 dec", ("Zorgen voor een woning", date(2026, 12, 3))),
    ("Zorg voor opvang voor morgen", ("Zorg voor opvang", date(2026, 11, 24))),
    ("Call the landlord by friday", ("Call the landlord", date(2026, 11, 27))),
    ("Send report before 2026-12-03", ("Send report", date(2026, 12, 3))),
    ("Verslag VOOR vandaag", ("Verslag", date(2026, 11, 23))),
    ("Plan gesprek voor over 2 weken", ("Plan gesprek", date(2026, 12, 7))),
    ("Geen deadline", ("Geen deadline", None)),
    ("Plan overleg voor dinsdag voor de wethouder", ("Plan overleg voor dinsdag voor de wethouder", None)),
    ("Bel voor het eind van de maand", ("Bel voor het eind van de maand", None)),  # > 4 words
    ("Rapport voor de zitting", ("Rapport voor de zitting", None)),  # "voor" without a date is text
    ("voor de zitting", ("voor de zitting", None)),
    ("Rapport vóór vrijdag", ("Rapport", date(2026, 11, 27))),  # the stressed Dutch spelling
    ("Rapport uiterlijk vrijdag", ("Rapport", date(2026, 11, 27))),
    ("Rapport voor uiterlijk 3 dec", ("Rapport", date(2026, 12, 3))),
    ("Rapport, deadline 3 dec", ("Rapport,", date(2026, 12, 3))),
    ("Report due friday", ("Report", date(2026, 11, 27))),
    ("Rapport vrijdag", ("Rapport vrijdag", None)),  # no keyword: text (the answer shows "no deadline")
])
def test_split_due(text, expected):
    assert split_due(text, NOW) == expected


@pytest.mark.parametrize("text, tail", [
    ("Regel opvang voor 2 kinderen", "2 kinderen"),
    ("Bel voor 32 dec", "32 dec"),
    ("Huisbezoek voor volgende maandagje", "volgende maandagje"),
    ("Send it by the end of month", "the end of month"),
])
def test_split_due_unreadable_attempt(text, tail):
    with pytest.raises(DateError) as err:
        split_due(text, NOW)
    assert (err.value.reason, err.value.text) == ("unreadable", tail)


@pytest.mark.parametrize("text, words, due", [
    ("voor vrijdag", "vrijdag", date(2026, 11, 27)),  # nothing before the keyword
    ("VOOR morgen", "morgen", date(2026, 11, 24)),
    ("by friday", "friday", date(2026, 11, 27)),
    ("vrijdag", "vrijdag", date(2026, 11, 27)),  # a date alone
    ("over 2 weken", "over 2 weken", date(2026, 12, 7)),
])
def test_split_due_a_deadline_without_text_is_questioned(text, words, due):
    with pytest.raises(DateError) as err:
        split_due(text, NOW)
    assert (err.value.reason, err.value.text, err.value.suggestion) == ("no_text", words, due)


def test_split_due_past():
    with pytest.raises(DateError) as err:
        split_due("Rapport voor 1 nov 2026", NOW)
    assert (err.value.reason, err.value.suggestion) == ("past", date(2027, 11, 1))


# --- recurrence ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, weekdays, at_, rest", [
    ("elke maandag 9:00 Overleg voorbereiden", (0,), time(9, 0), "Overleg voorbereiden"),
    ("Elke maandag en donderdag 14u Bel Anna", (0, 3), time(14, 0), "Bel Anna"),
    ("iedere werkdag om 8:30 check de mail", (0, 1, 2, 3, 4), time(8, 30), "check de mail"),
    ("elke dag 08:30 medicatie", tuple(range(7)), time(8, 30), "medicatie"),
    ("every day at 8:30am stand-up", tuple(range(7)), time(8, 30), "stand-up"),
    ("every weekday 10am timesheet", (0, 1, 2, 3, 4), time(10, 0), "timesheet"),
    ("every workday 10am timesheet", (0, 1, 2, 3, 4), time(10, 0), "timesheet"),
    ("every Friday, Monday and Wednesday 2 pm sync", (0, 2, 4), time(14, 0), "sync"),
    ("elke vrijdag,maandag team", (0, 4), time(9, 0), "team"),
    ("elke vrijdag weekoverzicht", (4,), time(9, 0), "weekoverzicht"),
    ("elke maandag en bel Piet", (0,), time(9, 0), "en bel Piet"),
    ("elke ma 14 uur MDO", (0,), time(14, 0), "MDO"),
    ("elke zondag", (6,), time(9, 0), ""),
])
def test_split_recurrence(text, weekdays, at_, rest):
    assert split_recurrence(text) == (Recurrence(weekdays, at_), rest)


@pytest.mark.parametrize("text", ["morgen 10:00 bel", "Bel elke maandag", "", "elkemaandag"])
def test_split_recurrence_without_keyword(text):
    assert split_recurrence(text) is None


@pytest.mark.parametrize("text", ["elke keer bellen", "every time", "iedere", "elke 2 weken"])
def test_split_recurrence_keyword_with_nonsense(text):
    with pytest.raises(DateError) as err:
        split_recurrence(text)
    assert err.value.reason == "unreadable"


@pytest.mark.parametrize("rec, nl, en", [
    (Recurrence((0,), time(9, 0)), "elke maandag 09:00", "every Monday 09:00"),
    (Recurrence((3, 0), time(14, 0)), "elke maandag en donderdag 14:00", "every Monday and Thursday 14:00"),
    (Recurrence((0, 2, 4), time(10, 0)), "elke maandag, woensdag en vrijdag 10:00",
     "every Monday, Wednesday and Friday 10:00"),
    (Recurrence((0, 1, 2, 3, 4), time(9, 0)), "elke werkdag 09:00", "every weekday 09:00"),
    (Recurrence(tuple(range(7)), time(8, 30)), "elke dag 08:30", "every day 08:30"),
])
def test_a_recurrence_in_words_from_the_catalogue(rec, nl, en):
    assert render_recurrence(rec.to_dict(), "nl") == nl
    assert render_recurrence(rec.to_dict(), "en") == en


def test_recurrence_weekdays_are_sorted():
    assert Recurrence((4, 0, 4), time(9, 0)).weekdays == (0, 4)


# --- next_occurrence ----------------------------------------------------------------------------------

def test_next_occurrence_basic():
    rec = Recurrence((0, 3), time(9, 0))
    assert next_occurrence(rec, NOW) == at(2026, 11, 26)                  # Monday 10:00 -> Thursday
    assert next_occurrence(rec, at(2026, 11, 23, 8, 59)) == at(2026, 11, 23)
    assert next_occurrence(rec, at(2026, 11, 23, 9, 0)) == at(2026, 11, 26)  # strictly after
    assert next_occurrence(Recurrence((0,), time(9, 0)), NOW) == at(2026, 11, 30)


@pytest.mark.parametrize("after, expected_day, before_offset, after_offset", [
    (datetime(2027, 3, 27, 10, 0, tzinfo=AMS), date(2027, 3, 28), 1, 2),    # spring forward
    (datetime(2027, 10, 30, 10, 0, tzinfo=AMS), date(2027, 10, 31), 2, 1),  # fall back
])
def test_next_occurrence_across_dst(after, expected_day, before_offset, after_offset):
    daily = Recurrence(tuple(range(7)), time(9, 0))
    got = next_occurrence(daily, after)
    assert got.date() == expected_day
    assert (got.hour, got.minute) == (9, 0)
    assert after.utcoffset() == timedelta(hours=before_offset)
    assert got.utcoffset() == timedelta(hours=after_offset)
    # 23 wall-clock hours, one real hour fewer in spring and one more in autumn
    assert utc(got) - utc(after) == timedelta(hours=23) - (got.utcoffset() - after.utcoffset())
    # and the day after stays at 09:00 local too
    again = next_occurrence(daily, got)
    assert (again.date(), again.hour, again.minute) == (expected_day + timedelta(days=1), 9, 0)


def test_next_occurrence_weekly_across_dst():
    mondays = Recurrence((0,), time(9, 0))
    got = next_occurrence(mondays, datetime(2027, 3, 22, 9, 0, tzinfo=AMS))
    assert got == datetime(2027, 3, 29, 9, 0, tzinfo=AMS)
    assert got.utcoffset() == timedelta(hours=2)
    assert got.astimezone(timezone.utc).hour == 7


def test_next_occurrence_in_the_spring_gap_moves_forward():
    sundays = Recurrence((6,), time(2, 30))
    got = next_occurrence(sundays, datetime(2027, 3, 27, 12, 0, tzinfo=AMS))
    assert utc(got) == datetime(2027, 3, 28, 1, 30, tzinfo=timezone.utc)
    assert (got.hour, got.minute, got.utcoffset()) == (3, 30, timedelta(hours=2))


def test_next_occurrence_in_the_autumn_overlap_fires_once():
    sundays = Recurrence((6,), time(2, 30))
    got = next_occurrence(sundays, datetime(2027, 10, 30, 12, 0, tzinfo=AMS))
    assert utc(got) == datetime(2027, 10, 31, 0, 30, tzinfo=timezone.utc)  # the first 02:30 (CEST)
    assert next_occurrence(sundays, got).date() == date(2027, 11, 7)
    # after the second 02:15 (CET, fold=1) the first 02:30 is already in the past: next week, not "now"
    second_0215 = datetime(2027, 10, 31, 2, 15, fold=1, tzinfo=AMS)
    assert next_occurrence(sundays, second_0215).date() == date(2027, 11, 7)


def test_next_occurrence_keeps_afters_timezone():
    utc = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)
    assert next_occurrence(Recurrence((1,), time(9, 0)), utc) == datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)


# --- durations ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("10 min", timedelta(minutes=10)), ("10m", timedelta(minutes=10)), ("10 minuten", timedelta(minutes=10)),
    ("1u", timedelta(hours=1)), ("1 uur", timedelta(hours=1)), ("2 uur", timedelta(hours=2)),
    ("1h", timedelta(hours=1)), ("2 hours", timedelta(hours=2)), ("an hour", timedelta(hours=1)),
    ("1 dag", timedelta(days=1)), ("2 dagen", timedelta(days=2)), ("1d", timedelta(days=1)),
    ("1 week", timedelta(weeks=1)), ("2 weeks", timedelta(weeks=2)), ("een week", timedelta(weeks=1)),
    ("half uur", timedelta(minutes=30)), ("een half uur", timedelta(minutes=30)),
    ("half an hour", timedelta(minutes=30)), ("anderhalf uur", timedelta(minutes=90)),
    ("1u30", timedelta(minutes=90)), ("1h30m", timedelta(minutes=90)), ("1,5 uur", timedelta(minutes=90)),
    ("1 uur en 30 min", timedelta(minutes=90)), ("2 hours and 15 minutes", timedelta(minutes=135)),
    ("een kwartier", timedelta(minutes=15)), ("  10 MIN ", timedelta(minutes=10)),
    ("over 10 min", timedelta(minutes=10)), ("365 dagen", timedelta(days=365)),
])
def test_parse_duration(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", [
    "", "10", "0 min", "0u", "366 dagen", "53 weeks", "bla", "10 mensen", "1 maand", "-1 uur", "1u60", "morgen",
])
def test_parse_duration_unreadable(text):
    with pytest.raises(DateError) as err:
        parse_duration(text)
    assert (err.value.reason, err.value.text) == ("unreadable", text.strip())


# --- robustness ---------------------------------------------------------------------------------------

_VOCAB = [
    "morgen", "vandaag", "over", "in", "2", "uur", "weken", "om", "at", "14u", "10:00", "9.30", "3", "dec",
    "2026", "maandag", "en", "elke", "voor", "by", "half", "31-2", "99999", "pm", "een", "week", "0", "ma",
    "volgende", "-", "2027-03-28", "12am", "kwartier", "noon", "next", ",", "1u30", "op",
]
_TEXT = st.one_of(
    st.text(max_size=80),
    st.lists(st.sampled_from(_VOCAB), max_size=12).map(" ".join),
)


@settings(max_examples=300, deadline=None)
@given(text=_TEXT, days=st.integers(min_value=-400, max_value=400), minutes=st.integers(0, 24 * 60))
def test_only_date_errors_escape(text, days, minutes):
    now = NOW + timedelta(days=days, minutes=minutes)
    for call in (
        lambda: parse_when(text, now),
        lambda: parse_due_date(text, now),
        lambda: split_when(text, now),
        lambda: split_due(text, now),
        lambda: split_recurrence(text),
        lambda: parse_duration(text),
    ):
        try:
            result = call()
        except DateError as err:
            assert err.reason in ("unreadable", "past", "no_text")
            continue
        if isinstance(result, When):
            assert utc(result.at) > utc(now)
        elif isinstance(result, tuple) and isinstance(result[0], When):
            assert utc(result[0].at) > utc(now) and result[1]
