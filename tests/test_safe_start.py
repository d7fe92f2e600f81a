"""Safe start: a screening room the bot cannot join does not stop it. It works in DMs meanwhile, retries, and
says in the screening room what went wrong once it gets in."""
from devserver.provision import call
from tests.harness import make_world


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
