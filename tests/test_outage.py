"""The homeserver goes away for 30 seconds in the middle of a run: the bot backs off, recovers on its own and
answers every command sent around the outage exactly once. (Runs against the session's Synapse, stopped and
started again; the tests run one at a time.)"""
import asyncio

OUTAGE_S = 30
RECOVERY = 120.0  # the bot and the test clients back off up to 30 s between attempts


async def test_homeserver_outage(world, synapse):
    melder = await world.user("melder")
    dm = await melder.dm(world.bot_id)
    assert (await melder.command(dm, "!help")).ok
    before = await melder.send(dm, "!meldingen")  # sent just before the outage: maybe answered, maybe not yet
    synapse.stop()
    await asyncio.sleep(OUTAGE_S)
    synapse.start()
    after = await melder.send(dm, "!help")
    answered_before = await melder.answer_to(dm, before, timeout=RECOVERY)
    answered_after = await melder.answer_to(dm, after, timeout=RECOVERY)
    assert answered_before.ok and answered_before.says("referrals.mine"), answered_before.keys
    assert answered_after.ok and answered_after.says("help.list") and "!melding" in answered_after.body, \
        answered_after.keys
    await asyncio.sleep(2.0)
    for event_id in (before, after):
        assert len(melder.replies_to(dm, event_id)) == 1 and melder.reactions_to(dm, event_id) == ["✅"]
    assert world.bot.proc.poll() is None  # it stayed up throughout
    log = world.bot.log()  # the outage is in the log from the first failed attempt, and so is the recovery
    assert "the homeserver does not answer (attempt 1)" in log and "the homeserver answers again" in log
