"""End-to-end encrypted case rooms, with encrypting clients: the bot reads and answers encrypted commands, and
an event it cannot decrypt gets a clear notice instead of silence."""
import nio
import pytest
from nio.api import Api

from tests.harness import escalate, open_case
from tests.test_case_room import state_of

pytestmark = pytest.mark.e2e


async def joined_case(world) -> tuple[str, str]:
    number, room = await escalate(world, "politie")
    for name in ("coordinator", "politie"):
        user = await world.user(name)
        await user.wait_invite(lambda r, s: r == room)
        await user.join(room)
    return number, room


async def test_the_bot_reads_and_answers_in_an_encrypted_case_room(world):
    number, room = await joined_case(world)
    state = state_of(world, world.tokens["coordinator"], room)
    assert state[("m.room.encryption", "")]["algorithm"] == "m.megolm.v1.aes-sha2"

    politie = await world.user("politie")
    card = await politie.command(room, "!casus")
    assert card.ok and number in card.body
    created = await politie.command(room, "!actie politie Huisbezoek voor 15 dec")
    assert created.ok and "#1" in created.body
    # What went over the wire was ciphertext: the homeserver holds no readable message from the bot.
    messages = await politie.client.room_messages(room, start="", limit=50, direction=nio.MessageDirection.back)
    assert isinstance(messages, nio.RoomMessagesResponse)
    encrypted_from_bot = [e for e in messages.chunk if e.sender == world.bot_id
                          and (e.source.get("type") == "m.room.encrypted" or getattr(e, "decrypted", False))]
    assert encrypted_from_bot

    # The crypto store and the fixed device persist: after a restart the bot still reads and answers.
    world.bot.stop()
    world.bot.start()
    listed = await politie.command(room, "!acties")
    assert listed.ok and "Huisbezoek" in listed.body


async def test_an_undecryptable_message_gets_a_notice(world):
    number, room = await joined_case(world)
    politie = await world.user("politie")
    assert (await politie.command(room, "!casus")).ok
    # An encrypted event whose room key the bot never received, sent as is (not through the client's encryption).
    garbage = {"algorithm": "m.megolm.v1.aes-sha2", "ciphertext": "AwgAEnAA", "device_id": politie.client.device_id,
               "sender_key": "x" * 43, "session_id": "y" * 43}
    method, path, data = Api.room_send(politie.client.access_token, room, "m.room.encrypted", garbage, "t-garbage")
    response = await politie.client._send(nio.RoomSendResponse, method, path, data, (room,))
    assert isinstance(response, nio.RoomSendResponse)
    notice = await politie.answer_to(room, response.event_id)
    assert notice.reaction == "❌" and "ontsleutelen" in notice.body


async def test_members_can_read_the_welcome_sent_before_they_joined(world):
    politie = await world.user("politie")  # a partner's device that exists before the case does
    number, room = await open_case(world, "politie", members=("politie",))  # waits for the welcome, decrypted
    await politie.wait_notice(room, f"casus {number}", sender=world.bot_id)


async def test_a_direct_chat_the_bot_opens_is_encrypted_and_readable(world):
    politie = await world.user("politie")
    number, room = await open_case(world, "politie", members=("politie",))
    assert (await politie.command(room, "!actie politie Huisbezoek voor 15 dec")).ok
    assert (await politie.command(room, "!mijn")).ok  # politie has no direct chat yet: the bot opens one
    dm = await politie.wait_invite(lambda r, s: any((getattr(e, "content", None) or {}).get("is_direct") for e in s))
    await politie.join(dm)
    overview = await politie.wait_notice(dm, "Huisbezoek", sender=world.bot_id)
    assert number in overview["content"]["body"]
    state = state_of(world, world.tokens["politie"], dm)
    assert state[("m.room.encryption", "")]["algorithm"] == "m.megolm.v1.aes-sha2"
