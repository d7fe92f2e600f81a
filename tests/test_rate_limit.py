"""A 429 from the homeserver is retried after the time it asks for, and the message still goes out once."""
from tests.harness import keys_of, make_world
from tests.proxy import RateLimitingProxy

RETRY_AFTER_MS = 1500


async def test_a_429_is_retried_after_the_time_asked_for(synapse, tmp_path):
    proxy = await RateLimitingProxy(synapse.base_url, r"/send/m\.room\.message/", count=2,
                                    retry_after_ms=RETRY_AFTER_MS).start()
    world = make_world(synapse, tmp_path, homeserver=proxy.url)
    world.bot.start()
    try:
        melder = await world.user("melder")
        dm = await melder.dm(world.bot_id)  # the bot's welcome is its first send: refused twice with a 429
        assert len(proxy.limited) == 2 and proxy.passed
        assert proxy.limited[1] - proxy.limited[0] >= RETRY_AFTER_MS / 1000 - 0.05
        assert proxy.passed[0] - proxy.limited[1] >= RETRY_AFTER_MS / 1000 - 0.05
        assert [keys_of(e) for e in melder.notices(dm, world.bot_id)] == [["dm.welcome"]]  # one welcome, not three
        assert (await melder.command(dm, "!help")).ok
    finally:
        await world.close()
        await proxy.stop()
