"""End-to-end encrypted case rooms, with encrypting clients: the bot reads and answers encrypted commands, and
an event it cannot decrypt gets a clear notice instead of silence."""
import asyncio

import nio
import pytest
from nio.api import Api

from tests.harness import escalate, open_case, state_of

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
    assert card.ok and card.says("case.card") and number in card.body
    created = await politie.command(room, "!actie politie Huisbezoek voor 15 dec")
    assert created.ok and created.says("action.created") and "#1" in created.body
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
    assert listed.ok and listed.says("action.list") and "Huisbezoek" in listed.body


SHORT_KEY_WAIT = {"matrix": {"key_wait_seconds": 3}}


async def send_raw_encrypted(user, room: str, content: dict, txn: str) -> str:
    """An m.room.encrypted event sent as is, not through the client's encryption."""
    method, path, data = Api.room_send(user.client.access_token, room, "m.room.encrypted", content, txn)
    response = await user.client._send(nio.RoomSendResponse, method, path, data, (room,))
    assert isinstance(response, nio.RoomSendResponse), response
    return response.event_id


@pytest.mark.parametrize("world", [SHORT_KEY_WAIT], indirect=True)
async def test_an_undecryptable_message_gets_a_notice_once_the_wait_runs_out(world):
    number, room = await joined_case(world)
    politie = await world.user("politie")
    assert (await politie.command(room, "!casus")).ok
    # Two encrypted events of one session whose room key the bot never receives.
    garbage = {"algorithm": "m.megolm.v1.aes-sha2", "ciphertext": "AwgAEnAA", "device_id": politie.client.device_id,
               "sender_key": politie.client.olm.account.identity_keys["curve25519"], "session_id": "y" * 43}
    first = await send_raw_encrypted(politie, room, garbage, "t-garbage-1")
    second = await send_raw_encrypted(politie, room, garbage, "t-garbage-2")
    for event_id in (first, second):
        notice = await politie.answer_to(room, event_id)
        assert notice.failed and notice.says("error.undecryptable"), notice.keys
        assert notice.content["msgtype"] == "m.notice"
    # The key was asked of the device that sent the messages (not of the bot's own devices), once for the session.
    requests = [m for m in politie.to_device if m.get("type") == "m.room_key_request"
                and m.get("sender") == world.bot_id]
    assert len(requests) == 1 and requests[0]["content"]["body"]["session_id"] == "y" * 43
    log = world.bot.log()
    assert "Task exception" not in log and "Traceback" not in log


async def test_a_late_room_key_is_waited_for_and_the_command_handled(world):
    number, room = await joined_case(world)
    politie = await world.user("politie")
    assert (await politie.command(room, "!casus")).ok
    client = politie.client
    # A new session whose key is held back: the message arrives before its room key (as happens when the
    # sender's to-device messages are slow).
    client.olm.create_outbound_group_session(room)
    session = client.olm.outbound_group_sessions[room]
    key_at_first_message = session.session_key
    session.shared = True
    _, content = client.encrypt(room, "m.room.message", {"msgtype": "m.text", "body": "!acties"})
    event_id = await send_raw_encrypted(politie, room, content, "t-late-key")
    await asyncio.sleep(4)
    assert politie.reply_to(room, event_id) is None  # waiting, not "could not decrypt"
    # Now the same session's key goes out, from the message's index (as the original to-device message would).
    session.shared = False
    kind = type(session)
    exported = kind.session_key
    kind.session_key = property(lambda self: key_at_first_message)
    try:
        await client.share_group_session(room, ignore_unverified_devices=True)
    finally:
        kind.session_key = exported
    answer = await politie.answer_to(room, event_id)
    assert answer.ok and answer.says("action.list") and not answer.says("error.undecryptable"), answer.keys


async def test_members_can_read_the_welcome_sent_before_they_joined(world):
    politie = await world.user("politie")  # a partner's device that exists before the case does
    number, room = await open_case(world, "politie", members=("politie",))  # waits for the welcome, decrypted
    await politie.wait_said(room, "case.welcome", world.bot_id, number)


async def test_a_direct_chat_the_bot_opens_is_encrypted_and_readable(world):
    politie = await world.user("politie")
    number, room = await open_case(world, "politie", members=("politie",))
    assert (await politie.command(room, "!actie politie Huisbezoek voor 15 dec")).ok
    assert (await politie.command(room, "!mijn")).ok  # politie has no direct chat yet: the bot opens one
    dm = await politie.wait_invite(lambda r, s: any((getattr(e, "content", None) or {}).get("is_direct") for e in s))
    await politie.join(dm)
    overview = await politie.wait_said(dm, "mine.list", world.bot_id, "Huisbezoek")
    assert number in overview["content"]["body"]
    state = state_of(world, world.tokens["politie"], dm)
    assert state[("m.room.encryption", "")]["algorithm"] == "m.megolm.v1.aes-sha2"
