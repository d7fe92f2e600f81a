"""ZRM scores and the evaluation reminder without a homeserver: which moment a score belongs to, the scores side
by side, first and last per domain, the refusal of a score outside 1-5, and when an evaluation is reminded. The
end-to-end proof is in test_zrm."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from commands import evaluation
from commands import zrm as zrm_commands
from commands.workdays import WorkCalendar
from core.config import RemindersConfig
from core.messages import CommandError
from storage import plan as plans
from storage import zrm
from storage.db import Database

TZ = ZoneInfo("Europe/Amsterdam")
CAL = WorkCalendar("NL")
CASE = "HGL-2026-0001"


def plan(adopted: int | None) -> plans.Plan:
    return plans.Plan(version=adopted or 1, review_date=None, adopted_version=adopted, items=[], agreed={})


def test_a_score_belongs_to_the_start_until_adoption_then_to_the_evaluation_and_in_monitoring_to_closure():
    assert zrm_commands.default_moment("open", plan(None)) == zrm.START
    assert zrm_commands.default_moment("open", plan(3)) == zrm.EVALUATION
    assert zrm_commands.default_moment("monitoring", plan(3)) == zrm.CLOSURE


@pytest.mark.parametrize("word", ["0", "6", "3.5", "drie", "-1", "10"])
def test_a_score_outside_one_to_five_is_refused_with_the_usage(word):
    with pytest.raises(CommandError) as refused:
        zrm_commands.Score("1-5").convert(None, word)  # type: ignore[arg-type]
    assert refused.value.msg.key == "zrm.bad_score" and refused.value.usage


async def test_scores_side_by_side_and_first_and_last_per_domain():
    db = await Database.open(":memory:")
    at = datetime(2026, 12, 1, 10, tzinfo=TZ)
    async with db.transaction() as tx:
        for domain, score, moment, day in [
                ("huisvesting", 2, zrm.START, None), ("financien", 1, zrm.START, None),
                ("huisvesting", 1, zrm.START, None),  # a correction: the latest counts
                ("huisvesting", 3, zrm.EVALUATION, "2027-06-01"), ("huisvesting", 2, zrm.EVALUATION, "2027-03-01"),
                ("financien", 4, zrm.CLOSURE, None), ("justitie", 5, zrm.EVALUATION, "2027-03-01")]:
            await zrm.record(tx, CASE, domain, score, moment, day, "@pr:zvh.example", at)
        given = await zrm.scores(tx, CASE)
        table = zrm_commands.table(given)
        assert [(c.moment, c.review_date) for c in table["columns"]] == [
            (zrm.START, None), (zrm.EVALUATION, "2027-03-01"), (zrm.EVALUATION, "2027-06-01"), (zrm.CLOSURE, None)]
        assert table["rows"] == [("financien", [1, None, None, 4]), ("huisvesting", [1, 2, 3, None]),
                                 ("justitie", [None, 5, None, None])]  # in the ZRM's order
        assert await zrm.first_and_last(tx, CASE) == {"financien": (1, 4), "huisvesting": (1, 3), "justitie": (5, 5)}
        assert await zrm.first_and_last(tx, "HGL-2026-0002") == {}
        with pytest.raises(ValueError):
            await zrm.record(tx, CASE, "justitie", 6, zrm.START, None, "@pr:zvh.example", at)
    await db.close()


def test_an_evaluation_is_reminded_the_configured_working_days_before_in_the_morning():
    cfg = RemindersConfig(evaluation_working_days_before=5)
    now = datetime(2026, 11, 30, 10, tzinfo=TZ)  # a Monday
    moment = evaluation.reminder_moment(date(2026, 12, 14), now, CAL, cfg, TZ)
    assert moment == datetime(2026, 12, 7, 9, 0, tzinfo=TZ)  # five working days before the Monday: a Monday
    over_christmas = evaluation.reminder_moment(date(2027, 1, 4), now, CAL, cfg, TZ)
    assert over_christmas == datetime(2026, 12, 24, 9, 0, tzinfo=TZ)  # not 25, 26 Dec nor the weekends
    on_the_day = evaluation.reminder_moment(date(2026, 12, 14), now, CAL, RemindersConfig(
        evaluation_working_days_before=0), TZ)
    assert on_the_day == datetime(2026, 12, 14, 9, 0, tzinfo=TZ)


def test_an_evaluation_set_closer_than_that_is_reminded_the_next_working_morning_if_still_ahead():
    cfg = RemindersConfig(evaluation_working_days_before=5)
    friday = datetime(2026, 12, 4, 10, tzinfo=TZ)
    assert evaluation.reminder_moment(date(2026, 12, 8), friday, CAL, cfg, TZ) == datetime(2026, 12, 7, 9, 0,
                                                                                           tzinfo=TZ)
    assert evaluation.reminder_moment(date(2026, 12, 4), friday, CAL, cfg, TZ) is None  # today: nothing left
