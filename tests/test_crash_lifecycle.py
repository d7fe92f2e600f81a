"""A case's life, driven while the bot is killed (SIGKILL) twice inside every step, 32 kill points in all: after
each restart the run completes, with no duplicate rooms, invites, messages or items, and nothing missing.

Referral, triage, case room, direction, a meeting, actions, a reminder, the plan (goal, agreement, adoption),
a partner added, closing."""
import asyncio
import re
import sqlite3

from tests.harness import NUMBER, REFERRAL_LINES, WAIT

KILL_DELAYS = [0.0, 0.05, 0.15, 0.3, 0.6, 0.02, 0.1, 0.45, 0.2, 0.08, 0.35]
SETTLE = 2.0


async def step(world, user, room: str, body: str, index: int) -> str:
    """Send a command and kill the bot twice while it works on it: right after sending, and during the restart."""
    event_id = await user.send(room, body)
    for kill in (KILL_DELAYS[index % len(KILL_DELAYS)], KILL_DELAYS[(index + 5) % len(KILL_DELAYS)]):
        await asyncio.sleep(kill)
        world.bot.kill()
        world.bot.start()
    answer = await user.answer_to(room, event_id, timeout=WAIT * 2)
    assert answer.ok, (body, answer.body)
    return event_id


async def test_lifecycle_survives_sigkill_inside_every_step(world):
    melder, coordinator, politie, ggz = [await world.user(n) for n in ("melder", "coordinator", "politie", "ggz")]
    dm = await melder.dm(world.bot_id)
    sent: list[tuple] = []

    async def run(user, room, body):
        sent.append((user, room, await step(world, user, room, body, len(sent))))

    await run(melder, dm, "!melding\n" + REFERRAL_LINES)
    await run(melder, dm, "ja")
    number = re.search(NUMBER, melder.reply_to(dm, sent[-1][2])["content"]["body"]).group(0)
    await run(coordinator, world.screening_room, f"!triage {number} opschalen politie")
    room = await coordinator.wait_invite(lambda r, s: any(number in (getattr(e, "name", "") or "") for e in s),
                                         timeout=WAIT * 2)
    for user in (coordinator, politie):
        await user.wait_invite(lambda r, s: r == room, timeout=WAIT * 2)
        await user.join(room)
    await run(coordinator, room, f"!regie casus {world.ids['politie']}")
    await run(coordinator, room, "!overleg 10 dec 14u 1u Stadskantoor")
    await run(coordinator, room, "!actie politie Huisbezoek voor 15 dec")
    await run(politie, room, "!actie 1 uitstellen 18 dec wacht op het rapport")
    await run(politie, room, "!herinner morgen 10:00 Corporatie bellen")
    await run(coordinator, room, "!plan doel huisvesting Stabiele woonplek")
    await run(politie, room, "!plan akkoord")
    await run(coordinator, room, "!plan akkoord")
    await run(coordinator, room, "!plan vaststellen")
    await run(coordinator, room, "!partner toevoegen ggz")
    await run(politie, room, "!klaar 1 Huisbezoek gedaan")
    await run(coordinator, room, "!casus")
    await run(coordinator, room, "!afsluiten Doelen bereikt")
    await run(coordinator, room, "ja")
    assert len(sent) == 17  # 34 kill points

    await asyncio.sleep(SETTLE)
    for user, where, event_id in sent:  # every command answered once, marked once
        assert len(user.replies_to(where, event_id)) == 1
        assert user.reactions_to(where, event_id) == ["✅"]
    case_rooms = [r for r, state in coordinator.invites.items()
                  if any(number in (getattr(e, "name", "") or "") for e in state)]
    assert case_rooms == [room]  # one room, however often room creation was interrupted
    await ggz.wait_for(lambda: room in ggz.invites, what="ggz invited")
    files = sorted(e["content"]["body"] for e in coordinator.events.get(room, [])
                   if e["content"].get("msgtype") == "m.file")
    # Each document posted once: the invitation, the plan, and at closure the meeting's cancellation and the
    # final report.
    assert files == [f"eindverslag-{number}.pdf", f"overleg-{number}-1.ics", f"overleg-{number}-1.ics",
                     f"plan-{number}-v1.pdf"]
    with sqlite3.connect(world.workdir / "zvh.db") as db:
        count = lambda sql: db.execute(sql).fetchone()[0]  # noqa: E731
        assert count("SELECT COUNT(*) FROM referrals") == 1
        assert count("SELECT COUNT(*) FROM cases WHERE status = 'closed'") == 1
        assert count("SELECT COUNT(*) FROM actions") == 1
        assert count("SELECT status FROM actions") == "done"
        assert count("SELECT COUNT(*) FROM reminders") == 1
        assert count("SELECT COUNT(*) FROM meetings WHERE status = 'cancelled'") == 1
        assert count("SELECT COUNT(*) FROM archive") == 2  # the plan and the final report
        assert count("SELECT COUNT(*) FROM case_members WHERE org_key = 'ggz'") == 1
        assert count("SELECT COUNT(*) FROM outbox WHERE state IN ('pending', 'attempted', 'failed')") == 0
        created = count("SELECT COUNT(*) FROM outbox WHERE kind = 'create_case_room' AND state = 'done'")
        assert created == 1
