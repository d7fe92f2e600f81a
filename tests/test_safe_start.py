"""Safe start: a screening room the bot cannot join does not stop it. It works in DMs meanwhile, retries, and
says in the screening room what went wrong once it gets in."""
import asyncio

from devserver.provision import call
from tests.harness import make_world
from tests.proxy import RateLimitingProxy


async def test_bot_starts_without_its_screening_room_and_reports_when_it_gets_in(synapse, tmp_path):
    world = make_world(synapse, tmp_path)
    # A screening room the coordinator made and has not invited the bot to yet.
    room = call(synapse, "POST", "/_matrix/client/v3/createRoom", world.tokens["coordinator"],
                {"preset": "private_chat", "name": "screening"})["room_id"]
    world.config_path.write_text(world.config_path.read_text().replace(world.screening_room, room))
    world.bot.start()
    try:
        melder = await world.user("melder")
        dm = await melder.dm(world.bot_id)
        assert (await melder.command(dm, "!help")).ok  # up and answering
        assert world.bot.proc.poll() is None
        coordinator = await world.user("coordinator")
        call(synapse, "POST", f"/_matrix/client/v3/rooms/{room}/invite", world.tokens["coordinator"],
             {"user_id": world.bot_id})
        report = await coordinator.wait_said(room, "startup.recovered", world.bot_id)
        assert "M_FORBIDDEN" in report["content"]["body"]
        assert (await coordinator.command(room, "!meldingen")).ok
    finally:
        await world.close()


async def test_a_command_sent_while_the_first_sync_is_on_its_way_is_answered(synapse, tmp_path):
    """A new database: its first sync acts on no history, but what was sent after the bot started is no history
    (a command right after the bot joined a room). The homeserver holds that first sync back a few seconds."""
    proxy = await RateLimitingProxy(synapse.base_url, r"/sync$", count=1, retry_after_ms=4000).start()
    world = make_world(synapse, tmp_path, homeserver=proxy.url)
    try:
        coordinator = await world.user("coordinator")
        old = await coordinator.send(world.screening_room, "!meldingen")  # before the bot ever ran: history
        await asyncio.sleep(1.0)  # the homeserver's clock and ours agree to well within a second
        world.bot.start()
        await coordinator.wait_for(lambda: proxy.limited, what="the bot's first sync, held back")
        answer = await coordinator.command(world.screening_room, "!meldingen")
        assert answer.ok, answer.keys
        assert proxy.passed and proxy.passed[0] > proxy.limited[0]  # answered through the first sync that went
        await asyncio.sleep(2.0)
        assert not coordinator.reply_to(world.screening_room, old)  # history stays history
    finally:
        await world.close()
        await proxy.stop()
