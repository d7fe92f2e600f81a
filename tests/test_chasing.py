"""Chasing actions end to end, on a controlled clock: reminders before the due date, daily nudges while overdue,
and both escalation steps, each exactly once; the weekly digest and !mijn across cases."""
import asyncio
import re
import sqlite3
import time

import pytest

from core.render import catalogue
from tests.harness import local, notifications, open_case, plain

SETTLE = 2.0


def rings(world, name: str, event: dict) -> bool:
    """The homeserver's push rules notify this user of the event as a mention (their phone rings)."""
    found = notifications(world, name).get(event["event_id"])
    return bool(found and found["highlight"]) and event["content"]["m.mentions"] == {"user_ids": [world.ids[name]]}


def words(key: str, condition: str) -> str:
    """What catalogue message `key` says when `condition` holds (no value of its own, e.g. due today), read from the
    catalogue: the test does not pin its wording."""
    said = re.search(re.escape(condition) + r" %\}(.*?)\{", catalogue("nl")[key]).group(1)
    return re.sub(r"<[^>]+>", "", said).strip(" ·")


def body(event: dict) -> str:
    return plain(event["content"]["body"])


@pytest.mark.clock("2026-11-30T10:00:00")  # a Monday
async def test_owner_is_reminded_nudged_and_leads_are_escalated_to_once(world):
    number, room = await open_case(world, "politie", "ggz", members=("politie", "ggz"))
    coordinator, politie, ggz = [await world.user(n) for n in ("coordinator", "politie", "ggz")]
    dms = {name: await (await world.user(name)).dm(world.bot_id) for name in ("coordinator", "politie", "ggz")}
    bot = world.bot_id
    assert (await coordinator.command(room, f"!regie casus {world.ids['politie']}")).ok
    assert (await coordinator.command(room, "!actie ggz Intake plannen voor vrijdag")).ok  # Friday 4 December

    moved_at_ms = time.time() * 1000
    world.travel(local("2026-12-02T08:59:57"))  # two working days before, just before the morning
    before = await ggz.wait_said(dms["ggz"], "chase.before", bot, number)
    assert before["origin_server_ts"] >= moved_at_ms + 2500  # at 09:00 on the bot's clock, not when it jumped
    assert re.search(r"\b2\b", body(before))  # working days left
    assert not re.search(r"\d\d:\d\d", body(before))  # on time: no "sent late" moment (the due date has no time)
    assert rings(world, "ggz", before)

    world.travel(local("2026-12-04T08:59:58"))
    await ggz.wait_said(dms["ggz"], "chase.before", bot, words("chase.before", "left == 0"))  # due today
    world.travel(local("2026-12-07T08:59:58"))  # Monday after: overdue
    assert rings(world, "ggz", await ggz.wait_said(dms["ggz"], "chase.overdue", bot))
    world.travel(local("2026-12-08T08:59:58"))  # two working days overdue: the casusregisseur
    first = await politie.wait_said(dms["politie"], "chase.escalation", bot)
    assert re.search(r"\b2\b", body(first)) and rings(world, "politie", first)  # working days overdue
    world.travel(local("2026-12-11T08:59:58"))  # five working days overdue: the procesregisseur
    second = await coordinator.wait_said(dms["coordinator"], "chase.escalation", bot)
    assert re.search(r"\b5\b", body(second)) and rings(world, "coordinator", second)

    await asyncio.sleep(SETTLE)
    assert len(politie.said(dms["politie"], "chase.escalation", bot)) == 1
    assert len(coordinator.said(dms["coordinator"], "chase.escalation", bot)) == 1
    assert len(ggz.said(dms["ggz"], "chase.before", bot)) == 2  # two working days before, and on the day: once each
    # A nudge each working day it stays overdue: Monday 7, Tuesday 8, the one of Wednesday 9 that fell due while
    # the clock jumped to Friday (sent late, once; nothing for Thursday), and Friday 11.
    await ggz.wait_for(lambda: len(ggz.said(dms["ggz"], "chase.overdue", bot)) >= 4, what="four nudges")
    await asyncio.sleep(SETTLE)
    assert len(ggz.said(dms["ggz"], "chase.overdue", bot)) == 4

    assert (await ggz.command(room, "!klaar 1 Intake staat op 14 december")).ok
    with sqlite3.connect(world.workdir / "zvh.db") as db:
        pending = db.execute("SELECT COUNT(*) FROM schedule WHERE state = 'pending' AND kind LIKE 'action.%'")
        assert pending.fetchone()[0] == 0  # done: the chase stops


@pytest.mark.clock("2026-12-02T10:00:00")  # a Wednesday
async def test_mine_across_two_cases_and_the_weekly_digest(world):
    first, room1 = await open_case(world, "politie", members=("politie",))
    second, room2 = await open_case(world, "politie", members=("politie",))
    coordinator, politie = await world.user("coordinator"), await world.user("politie")
    pdm, cdm = await politie.dm(world.bot_id), await coordinator.dm(world.bot_id)
    pid = world.ids["politie"]
    assert (await coordinator.command(room2, "!actie politie Huisbezoek voor 15 dec")).ok
    assert (await coordinator.command(room2, f"!actie {pid} Buren spreken")).ok
    assert (await coordinator.command(room1, f"!actie {pid} Dossier aanvullen voor morgen")).ok

    world.travel(local("2026-12-07T08:29:57"))  # Monday: the digest is due at 08:30; the first action is late
    weekly = await politie.wait_said(pdm, "digest.weekly", world.bot_id)
    assert rings(world, "politie", weekly)
    digest = body(weekly)
    assert digest.index("Dossier aanvullen") < digest.index("Huisbezoek") < digest.index("Buren spreken")
    assert words("snippet.action", "d.late") in digest.split("Huisbezoek")[0]  # the first is marked late
    huisbezoek = next(line for line in digest.splitlines() if "Huisbezoek" in line)
    assert "Politie Haaglanden" in huisbezoek  # owned by the organisation: shown by its name
    lead = body(await coordinator.wait_said(cdm, "digest.weekly", world.bot_id))
    assert first in lead and "Dossier aanvullen" in lead  # the lead owns no actions: the case's overdue ones
    assert first not in lead.splitlines()[0]  # the heading stands on its own line, not glued to the section
    assert second not in lead and "Huisbezoek" not in lead  # only what is overdue, per case

    answer = await politie.command(room1, "!mijn")
    assert answer.ok and answer.says("mine.sent_to_dm"), answer.keys
    overview = await politie.wait_said(pdm, "mine.list", world.bot_id)
    assert overview["content"]["msgtype"] == "m.notice"  # an answer to a command: it asks nothing, rings nothing
    mine = body(overview)
    assert mine.index(first) < mine.index("Huisbezoek") < mine.index("Buren spreken")
    assert second in mine


@pytest.mark.clock("2026-11-30T10:00:00")  # a Monday
async def test_a_weekend_deadline_is_chased_as_the_working_day_before(world):
    number, room = await open_case(world, "ggz", members=("ggz",))
    coordinator, ggz = await world.user("coordinator"), await world.user("ggz")
    gdm = await ggz.dm(world.bot_id)
    assert (await coordinator.command(room, "!actie ggz Rapport voor zaterdag")).ok  # Saturday 5 December
    world.travel(local("2026-12-04T08:59:58"))  # Friday morning: due today, and the reminder says which day
    friday = await ggz.wait_said(gdm, "chase.before", world.bot_id, words("chase.before", "left == 0"))
    assert "vr 4 december 2026" in body(friday) and "za 5 december" not in body(friday)
    world.travel(local("2026-12-07T08:59:58"))  # Monday: one working day overdue, not zero
    overdue = await ggz.wait_said(gdm, "chase.overdue", world.bot_id)
    assert re.search(r"\b1\b", body(overdue)) and "vr 4 december 2026" in body(overdue)
