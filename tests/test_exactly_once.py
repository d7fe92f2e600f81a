"""Exactly once: crashes (SIGKILL) at any point and downtime neither lose nor repeat a command."""
import asyncio
import re

import pytest

from tests.harness import NUMBER, REFERRAL_LINES, bot_session, file_referral, state_of

SETTLE = 2.0  # time for a duplicate to show up, were there one


async def filed_once(melder, dm: str, event_id: str) -> None:
    """The filing was answered once, marked once, and made one referral: never twice, never lost."""
    assert (await melder.answer_to(dm, event_id)).ok
    await asyncio.sleep(SETTLE)  # time for a duplicate to show up, were there one
    assert len(melder.replies_to(dm, event_id)) == 1
    assert melder.reactions_to(dm, event_id) == ["✅"]
    mine = await melder.command(dm, "!meldingen")
    assert len(re.findall(NUMBER, mine.body)) == 1


async def restart_after_crash(world, crash_at: str | None = None) -> None:
    world.bot.stop()
    world.bot.start(crash_at=crash_at)


@pytest.mark.parametrize("crash_at", ["after_handle", "after_send"])
async def test_crash_around_a_command_handles_it_exactly_once(world, crash_at):
    melder = await world.user("melder")
    dm = await melder.dm(world.bot_id)
    assert (await melder.command(dm, "!melding\n" + REFERRAL_LINES)).ok
    await restart_after_crash(world, crash_at)
    await asyncio.sleep(1.5)  # let it finish starting up and sync
    event_id = await melder.send(dm, "ja")
    assert await world.bot.wait_exit() == -9  # it really died at the crash point
    world.bot.start()
    await filed_once(melder, dm, event_id)


@pytest.mark.parametrize("delay", [0.0, 0.05, 0.3])
async def test_sigkill_right_after_a_command(world, delay):
    melder = await world.user("melder")
    dm = await melder.dm(world.bot_id)
    assert (await melder.command(dm, "!melding\n" + REFERRAL_LINES)).ok
    event_id = await melder.send(dm, "ja")
    await asyncio.sleep(delay)
    world.bot.kill()
    world.bot.start()
    await filed_once(melder, dm, event_id)


async def test_crash_between_create_room_and_recording_it_makes_no_second_room(world):
    melder = await world.user("melder")
    dm = await melder.dm(world.bot_id)
    number = await file_referral(melder, dm)
    await restart_after_crash(world, "after_create_room")
    coordinator = await world.user("coordinator")
    await asyncio.sleep(1.5)
    event_id = await coordinator.send(world.screening_room, f"!triage {number} opschalen politie")
    assert await world.bot.wait_exit() == -9
    world.bot.start()
    assert (await coordinator.answer_to(world.screening_room, event_id)).ok
    room = await coordinator.wait_invite(lambda r, s: any(number in (getattr(e, "name", "") or "") for e in s))
    await coordinator.join(room)
    await coordinator.wait_said(room, "case.welcome", world.bot_id, number)
    await asyncio.sleep(SETTLE)
    bot = bot_session(world)
    rooms = bot["get"]("/_matrix/client/v3/joined_rooms")["joined_rooms"]
    with_case = [r for r in rooms
                 if state_of(world, bot["token"], r).get(("nl.zvh.case", ""), {}).get("case_id") == number]
    assert with_case == [room]
    case_invites = [r for r, s in coordinator.invites.items() if any(number in (getattr(e, "name", "") or "")
                                                                     for e in s)]
    assert case_invites == [room]
    assert len(coordinator.notices(room, world.bot_id)) == 1  # one welcome


async def test_command_sent_while_the_bot_is_down_is_handled_when_it_returns(world):
    melder = await world.user("melder")
    dm = await melder.dm(world.bot_id)
    assert world.bot.stop() == 0  # SIGTERM: a clean exit
    event_id = await melder.send(dm, "!meldingen")
    await asyncio.sleep(0.5)
    world.bot.start()
    answer = await melder.answer_to(dm, event_id)
    assert answer.ok and answer.says("referrals.mine") and not re.search(NUMBER, answer.body), answer.body


async def test_many_commands_while_down_none_lost(world):
    """More messages than one sync shows: the bot pages back through the gap."""
    melder = await world.user("melder")
    dm = await melder.dm(world.bot_id)
    world.bot.stop()
    sent = [await melder.send(dm, "!meldingen") for _ in range(5)]
    sent += [await melder.send(dm, f"chat {i}") for i in range(60)]  # pushes the commands out of the window
    sent_last = await melder.send(dm, "!help")
    world.bot.start()
    for event_id in sent[:5] + [sent_last]:
        assert (await melder.answer_to(dm, event_id, timeout=60)).ok


@pytest.mark.parametrize("world", [{"max_command_age_minutes": 0.05}], indirect=True)
async def test_command_older_than_the_maximum_age_is_not_run_and_the_sender_is_told(world):
    melder = await world.user("melder")
    dm = await melder.dm(world.bot_id)
    world.bot.stop()
    event_id = await melder.send(dm, "!melding\n" + REFERRAL_LINES)
    await asyncio.sleep(4)
    world.bot.start()
    answer = await melder.answer_to(dm, event_id, reaction=False)
    assert answer.says("error.too_old"), answer.keys
    await asyncio.sleep(SETTLE)
    assert melder.reactions_to(dm, event_id) == []
    stop = await melder.command(dm, "!stop")
    assert stop.failed and stop.says("intake.nothing_to_stop"), stop.keys  # the old command started no intake


@pytest.mark.parametrize("delay", [0.0, 0.3])
async def test_sigterm_finishes_what_is_in_flight_and_exits_0(world, delay):
    melder = await world.user("melder")
    dm = await melder.dm(world.bot_id)
    assert (await melder.command(dm, "!melding\n" + REFERRAL_LINES)).ok
    event_id = await melder.send(dm, "ja")
    await asyncio.sleep(delay)
    assert world.bot.stop() == 0  # SIGTERM: a clean exit
    assert "stopped cleanly" in world.bot.log()
    world.bot.start()
    await filed_once(melder, dm, event_id)
