"""Reminders set with !herinner, end to end on a controlled clock: one-off, recurring (across both DST changes),
snoozed with !later, personal ones in the DM, and what fell due while the bot was down (sent late, once)."""
import asyncio
import re

import pytest

from tests.harness import count, local, notifications, open_case, plain

SETTLE = 2.0


@pytest.mark.clock("2026-11-30T10:00:00")
async def test_adhoc_recurring_and_snoozed_reminders(world):
    number, room = await open_case(world, "politie", members=("politie",))
    politie = await world.user("politie")
    pid, bot = world.ids["politie"], world.bot_id

    adhoc = await politie.command(room, "!herinner morgen 10:00 Bel de <b>woningcorporatie</b>")
    assert adhoc.ok and "#1" in adhoc.body and "di 1 december 2026 10:00" in adhoc.body
    weekly = await politie.command(room, "!herinner elke maandag 9:00 Weekstart voorbereiden")
    assert weekly.ok and "#2" in weekly.body and "ma 7 december 2026 09:00" in weekly.body
    for bad, says in (("!herinner vandaag 08:00 Te laat", "date.past"),
                      ("!herinner ooit eens iets", "date.unreadable"),
                      ("!later 1u", "reminder.reply_needed")):
        answer = await politie.command(room, bad)
        assert answer.failed and answer.says(says), (bad, answer.keys)
    listed = await politie.command(room, "!herinneringen")
    assert "Weekstart" in listed.body and "woningcorporatie" in listed.body
    assert (await politie.command(room, "!herinnering 2 weg")).ok
    assert "Weekstart" not in (await politie.command(room, "!reminders")).body

    world.travel(local("2026-12-01T09:59:57"))
    fired = await politie.wait_said(room, "reminder.fire", bot, "#1")
    assert fired["content"]["m.mentions"] == {"user_ids": [pid]} and fired["content"]["msgtype"] == "m.text"
    assert notifications(world, "politie")[fired["event_id"]]["highlight"]  # it rings
    assert "&lt;b&gt;woningcorporatie" in fired["content"]["formatted_body"]
    reply = await politie.reply(room, fired["event_id"], "!later 1u")
    snoozed = await politie.answer_to(room, reply)
    assert snoozed.ok and "di 1 december 2026 11:00" in snoozed.body
    world.travel(local("2026-12-01T10:59:58"))
    await politie.wait_for(lambda: len(politie.said(room, "reminder.fire", bot, "#1")) == 2, what="snoozed")

    dm = await politie.dm(bot)
    personal = await politie.command(dm, "!herinner over 2 uur Koffie halen")
    assert personal.ok and "13:00" in personal.body
    world.travel(local("2026-12-01T12:59:59"))
    own = await politie.wait_said(dm, "reminder.fire", bot, "Koffie halen")
    assert "#1" in plain(own["content"]["body"]) and notifications(world, "politie")[own["event_id"]]["highlight"]
    assert count(politie, room, "Koffie", bot) == 0  # personal: only in the DM

    # The cancelled weekly one would have fired on Monday 09:00: one for the same moment shows the clock got there.
    assert (await politie.command(room, "!herinner 7 dec 9:00 Controle")).ok
    world.travel(local("2026-12-07T08:59:58"))
    await politie.wait_said(room, "reminder.fire", bot, "Controle")
    await asyncio.sleep(SETTLE)
    assert not politie.said(room, "reminder.fire", bot, "Weekstart")  # cancelled: never sent


@pytest.mark.clock("2027-03-26T10:00:00")  # a Friday; summer time starts Sunday 28 March
async def test_recurring_reminder_keeps_its_time_across_both_dst_changes(world):
    politie = await world.user("politie")
    dm = await politie.dm(world.bot_id)
    made = await politie.command(dm, "!herinner elke maandag 9:00 Weekstart")
    assert made.ok and "ma 29 maart 2027 09:00" in made.body
    world.travel(local("2027-03-29T08:59:57"))  # 07:00 UTC now; an hour off would never arrive in time
    spring = plain((await politie.wait_said(dm, "reminder.fire", world.bot_id, "Weekstart"))["content"]["body"])
    assert "#1" in spring and not re.search(r"\d\d:\d\d", spring)  # on time: no "sent late" moment shown

    world.travel(local("2027-10-29T10:00:00"))  # winter time from Sunday 31 October
    # The one missed meanwhile, sent late: it shows the moment it was planned for.
    await politie.wait_said(dm, "reminder.fire", world.bot_id, "ma 5 april 2027 09:00")
    listed = await politie.command(dm, "!herinneringen")
    assert "ma 1 november 2027 09:00" in listed.body
    world.travel(local("2027-11-01T08:59:57"))
    await politie.wait_for(lambda: len(politie.said(dm, "reminder.fire", world.bot_id, "Weekstart")) == 3,
                           what="autumn reminder")
    assert "ma 8 november 2027 09:00" in (await politie.command(dm, "!herinneringen")).body


@pytest.mark.parametrize("crash_at", ["after_fire", "after_send"])
@pytest.mark.clock("2026-11-30T10:00:00")
async def test_what_fell_due_while_down_is_sent_late_exactly_once(world, crash_at):
    number, room = await open_case(world, "politie", members=("politie",))
    politie = await world.user("politie")
    dm = await politie.dm(world.bot_id)
    assert (await politie.command(room, "!herinner morgen 9:00 Rapport opvragen")).ok
    assert (await politie.command(room, "!actie politie Rapport sturen voor morgen")).ok
    world.bot.stop()
    world.travel(local("2026-12-01T12:00:00"))
    world.bot.start(crash_at=crash_at)  # dies right after firing (or after the first send)
    assert await world.bot.wait_exit() == -9
    world.bot.start()
    # Both sent late: they show the moment they were planned for (the action's due date shows without a time).
    late = await politie.wait_said(room, "reminder.fire", world.bot_id, "#1")
    assert "di 1 december 2026 09:00" in plain(late["content"]["body"])
    chase = await politie.wait_said(dm, "chase.before", world.bot_id, "Rapport sturen")
    assert "di 1 december 2026 09:00" in plain(chase["content"]["body"])
    await asyncio.sleep(SETTLE)
    assert len(politie.said(room, "reminder.fire", world.bot_id, "#1")) == 1
    assert count(politie, dm, "Rapport sturen", world.bot_id) == 1  # whatever it says: one message about the action
