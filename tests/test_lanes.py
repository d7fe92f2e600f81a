"""One slow or refusing homeserver call holds up its own room or invitation only (issues 15 and 16): a rate-limited
room creation leaves every other answer going, and the coordinators are told; an invitation the homeserver does
not take yet is retried on its own, the procesregisseur told once that it waits and once that it went through."""
import asyncio
import re

from tests.harness import file_referral, make_world, open_case
from tests.proxy import RateLimitingProxy


async def test_a_rate_limited_room_creation_holds_up_nothing_else(synapse, tmp_path):
    # The case room's creation (its body carries the case state) is refused once and asked to wait.
    proxy = await RateLimitingProxy(synapse.base_url, r"/createRoom$", count=1, retry_after_ms=4000,
                                    body="nl.zvh.case").start()
    world = make_world(synapse, tmp_path, homeserver=proxy.url)
    world.bot.start()
    try:
        melder, coordinator = await world.user("melder"), await world.user("coordinator")
        dm = await melder.dm(world.bot_id)
        number = await file_referral(melder, dm)
        assert (await coordinator.command(world.screening_room, f"!triage {number} opschalen politie")).ok
        helped = await melder.command(dm, "!help")  # answered while the rooms wait for the homeserver
        assert helped.ok and not proxy.passed, "the answer waited for the room creation"
        delayed = await coordinator.wait_said(world.screening_room, "case.room_delayed", world.bot_id, number)
        assert delayed["content"]["m.mentions"]["user_ids"] == [world.ids["coordinator"]]  # it rings
        room = await coordinator.wait_invite(lambda r, s: any(number in (getattr(e, "name", "") or "") for e in s))
        assert room and len(proxy.passed) == 1  # made once, after its wait
    finally:
        await world.close()
        await proxy.stop()


async def test_an_invitation_that_does_not_go_through_is_retried_alone_and_reported(synapse, tmp_path):
    proxy = await RateLimitingProxy(synapse.base_url, r"/invite$", count=2, retry_after_ms=0, status=502).start()
    world = make_world(synapse, tmp_path, homeserver=proxy.url)
    proxy.body = re.compile(re.escape(world.ids["ggz"]))  # the ggz contact's invitation only
    world.bot.start()
    try:
        number, room = await open_case(world, "politie", members=("politie",))
        coordinator, ggz = await world.user("coordinator"), await world.user("ggz")
        assert (await coordinator.command(room, "!partner toevoegen ggz")).ok
        waiting = await coordinator.wait_said(room, "case.invite_pending", world.bot_id, world.ids["ggz"])
        assert waiting["content"]["m.mentions"]["user_ids"] == [world.ids["coordinator"]]
        await coordinator.wait_said(room, "case.invite_delivered", world.bot_id, world.ids["ggz"])
        await ggz.wait_invite(lambda r, s: r == room)
        assert len(proxy.limited) == 2
        assert (await coordinator.command(room, "!casus")).ok  # the room went on meanwhile
        await asyncio.sleep(1.0)
        assert len(coordinator.said(room, "case.invite_pending", world.bot_id)) == 1  # said once
    finally:
        await world.close()
        await proxy.stop()
