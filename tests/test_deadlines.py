"""When actions are chased: working days (weekends, Dutch public holidays) and moments that keep their local time
across daylight-saving changes. Pure logic; the end-to-end proof is in test_chasing."""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from commands import deadlines
from commands.workdays import WorkCalendar
from core.config import RemindersConfig
from storage.schedule import Kind

TZ = ZoneInfo("Europe/Amsterdam")
CAL = WorkCalendar("NL")
CFG = RemindersConfig()


def test_weekends_and_dutch_public_holidays_are_not_working_days():
    assert CAL.is_working_day(date(2026, 12, 24)) and not CAL.is_working_day(date(2026, 12, 25))
    assert not CAL.is_working_day(date(2026, 12, 26)) and not CAL.is_working_day(date(2027, 4, 27))  # Koningsdag
    assert not CAL.is_working_day(date(2027, 3, 29))  # Easter Monday
    assert CAL.shift(date(2026, 12, 24), 1) == date(2026, 12, 28)  # over Christmas and the weekend
    assert CAL.shift(date(2026, 12, 28), -2) == date(2026, 12, 23)
    assert CAL.shift(date(2026, 12, 6), 0) == date(2026, 12, 4)  # a Sunday deadline: reminded on the Friday
    assert CAL.working_days_between(date(2026, 12, 4), date(2026, 12, 8)) == 2


def test_an_action_gets_reminders_a_nudge_and_two_escalations_at_nine_local():
    now = datetime(2026, 11, 30, 10, 0, tzinfo=TZ)
    moments = deadlines.action_moments(date(2026, 12, 4), now, CAL, CFG, TZ)
    assert [(m.astimezone(TZ).strftime("%a %d %H:%M"), kind) for m, kind in moments] == [
        ("Wed 02 09:00", Kind.ACTION_BEFORE), ("Fri 04 09:00", Kind.ACTION_BEFORE), ("Mon 07 09:00", Kind.ACTION_NUDGE),
        ("Tue 08 09:00", Kind.ESCALATE_CASUS), ("Fri 11 09:00", Kind.ESCALATE_PROCES)]


def test_moments_keep_local_time_across_both_dst_changes():
    spring = deadlines.action_moments(date(2027, 3, 26), datetime(2027, 3, 22, 12, tzinfo=TZ), CAL, CFG, TZ)
    # Due Friday before the change; the nudge after Easter Monday is on Tuesday, in summer time.
    nudge = next(m for m, kind in spring if kind == Kind.ACTION_NUDGE)
    assert nudge.astimezone(TZ).hour == 9 and nudge.astimezone(timezone.utc).hour == 7
    assert nudge.date() == date(2027, 3, 30)
    autumn = deadlines.action_moments(date(2027, 10, 29), datetime(2027, 10, 25, 12, tzinfo=TZ), CAL, CFG, TZ)
    before = next(m for m, kind in autumn if kind == Kind.ACTION_BEFORE)
    after = next(m for m, kind in autumn if kind == Kind.ACTION_NUDGE)
    assert before.astimezone(timezone.utc).hour == 7 and after.astimezone(timezone.utc).hour == 8
    assert before.astimezone(TZ).hour == after.astimezone(TZ).hour == 9


def test_past_moments_are_skipped_and_an_overdue_action_is_nudged_next_morning():
    now = datetime(2026, 12, 9, 15, 0, tzinfo=TZ)  # the deadline was a week ago
    moments = deadlines.action_moments(date(2026, 12, 2), now, CAL, CFG, TZ)
    assert moments[0] == (datetime(2026, 12, 10, 9, 0, tzinfo=TZ), Kind.ACTION_NUDGE)
    assert all(m > now for m, _ in moments)
    # Friday evening: the next nudge is Monday morning, not Saturday.
    assert deadlines.next_morning(datetime(2026, 12, 4, 18, tzinfo=TZ), CAL, CFG, TZ) == datetime(
        2026, 12, 7, 9, 0, tzinfo=TZ)


def test_a_deadline_on_a_weekend_or_holiday_moves_to_the_working_day_before():
    monday = date(2026, 11, 30)
    assert deadlines.working_deadline(date(2026, 12, 5), monday, CAL) == date(2026, 12, 4)  # Saturday: Friday
    assert deadlines.working_deadline(date(2026, 12, 6), monday, CAL) == date(2026, 12, 4)  # Sunday: Friday
    assert deadlines.working_deadline(date(2026, 12, 26), monday, CAL) == date(2026, 12, 24)  # over Christmas
    assert deadlines.working_deadline(date(2027, 4, 27), monday, CAL) == date(2027, 4, 26)  # Koningsdag
    assert deadlines.working_deadline(date(2026, 12, 3), monday, CAL) == date(2026, 12, 3)  # a working day stays
    # Set on the weekend for the weekend: the Friday has passed, so the next working day.
    assert deadlines.working_deadline(date(2026, 12, 6), date(2026, 12, 5), CAL) == date(2026, 12, 7)
