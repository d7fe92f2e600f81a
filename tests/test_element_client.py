"""The bot with a Matrix client nobody here wrote: matrix-js-sdk with its Rust crypto, the stack Element uses
(tests/jsclient, driven through tests/js_user.py). The referrer and a partner use it in encrypted rooms, the
coordinator is the harness's nio client."""
from __future__ import annotations

import re

import pytest

from tests.harness import NUMBER, REFERRAL_LINES
from tests.js_user import JsUser

pytestmark = pytest.mark.e2e  # encrypted case rooms (and the harness's nio users encrypt too)


@pytest.fixture
async def js(world, request):
    """js(name, isolation) -> a started JsUser for the world's account `name`; closed (logs shown on failure)."""
    users: list[JsUser] = []

    async def make(name: str, isolation: str = "all", cross_signing: bool = True) -> JsUser:
        user = JsUser.of(world, name)
        users.append(user)
        return await user.start(isolation, cross_signing=cross_signing)

    yield make
    for user in users:
        await user.close()
    if getattr(request.node, "rep_call", None) and request.node.rep_call.failed:
        for user in users:
            print(f"---- js client {user.user_id} (stderr tail) ----\n{user.log()}")


def bot_events(user: JsUser, world, *rooms: str) -> list[dict]:
    return [e for room in rooms for e in user.events.get(room, []) if e["sender"] == world.bot_id]


def undecrypted(events: list[dict]) -> list[str]:
    return [f"{e['event_id']}: {e['decryption_failure']}" for e in events if e["decryption_failure"]]


async def wait_said(user: JsUser, room: str, key: str, sender: str, contains: str = "") -> dict:
    """The sender's message rendered from catalogue message `key` (its nl.zvh.keys, as the js client decrypted
    it), with `contains` (a value such as a number) in its body; fails at once on a message that cannot decrypt."""
    def find():
        return next((e for e in user.events.get(room, []) if e["type"] == "m.room.message" and e["sender"] == sender
                     and key in (e["content"].get("nl.zvh.keys") or []) and contains in e["content"].get("body", "")),
                    None)
    return await user.wait_for(find, what=f"a message {key!r} with {contains!r}", room=room,
                               fail_on=user._undecryptable(room, sender, 0))


# The js partner is also in the screening room (as a partner who must not triage); with that room encrypted, its
# join of the case room did not complete in this test client (not understood yet; nio clients are fine there).
@pytest.mark.parametrize("world", [{"screening_encrypted": False}], indirect=True)
@pytest.mark.parametrize("isolation", ["all", "only_signed"])
async def test_an_element_user_refers_and_a_partner_works_the_case(world, js, isolation):
    """isolation "all": Element's default, every device gets room keys, every sender is read (with shields);
    "only_signed": Element's "exclude insecure devices" (MSC4153), keys only for, and messages only from,
    devices their owner cross-signed."""
    # "only_signed" works only because the bot's device is cross-signed: otherwise an Element user in that mode
    # reads nothing from the bot (UNSIGNED_SENDER_DEVICE) and shares no room key with it.
    melder, politie = await js("melder", isolation), await js("politie", isolation)  # devices before the case

    # The referrer opens an encrypted direct chat, as Element does; the bot joins and says welcome.
    dm = await melder.dm(world.bot_id)
    summary = await melder.command(dm, "!melding\n" + REFERRAL_LINES)
    assert summary.ok, summary.body
    filed = await melder.command(dm, "ja")
    assert filed.ok, filed.body
    number = re.search(NUMBER, filed.body).group(0)

    coordinator = await world.user("coordinator")  # the harness's nio client
    triage = await coordinator.command(world.screening_room, f"!triage {number} opschalen politie")
    assert triage.ok, triage.body

    if isolation == "only_signed":
        # In this mode the js crypto refuses, for good, a message from a device it has not fetched yet
        # (UNKNOWN_SENDER_DEVICE is not retried once the device list arrives): a first message that comes in the
        # same sync as the join may beat the client's own key query. A partner who has met the bot before has
        # its devices; so does this one.
        assert (await politie.device_info(world.bot_id))["devices"]

    # The partner is invited to the encrypted case room, joins it, reads the welcome sent before it joined.
    invite = await politie.wait_invite(lambda i: number in (i["name"] or ""))
    assert next(i for i in await politie.invites() if i["roomId"] == invite)["encrypted"]
    await politie.join(invite)
    room = invite
    await wait_said(politie, room, "case.welcome", world.bot_id, number)
    card = await politie.command(room, "!casus")
    assert card.ok and number in card.body, card.body
    action = await politie.command(room, "!actie politie Huisbezoek voor 15 dec")
    assert action.ok and "#1" in action.body, action.body
    await wait_said(melder, dm, "outcome.escalated", world.bot_id, number)  # the referrer hears the outcome

    # Everything the bot said reached the js side decrypted; every message went over the wire encrypted.
    for user, rooms in ((melder, (dm,)), (politie, (room,))):
        await user.refresh()
        said = bot_events(user, world, *rooms)
        assert said and not undecrypted(said), undecrypted(said)
        assert all(e["encrypted"] for e in said if e["type"] == "m.room.message"), \
            [e["event_id"] for e in said if e["type"] == "m.room.message" and not e["encrypted"]]

    if isolation == "only_signed":  # the bot as Element's strictest setting wants it, in the case room too
        said = bot_events(politie, world, room)
        # The ✅ on the partner's commands went over the wire encrypted.
        reactions = [e for e in said if e["type"] == "m.reaction"]
        assert reactions and all(e["encrypted"] and e["relation"] for e in reactions), reactions
        # No shield on anything the bot said.
        shields = {e["event_id"]: e["shield"] for e in said if e["encrypted"]}
        assert all(s == {"colour": "NONE", "reason": None} for s in shields.values()), shields


async def test_the_bots_answer_in_an_encrypted_room_reads_in_element_as_it_should(world, js):
    """Its reaction encrypted like its messages, relations in the clear: a ✅ on the command, a reply to it."""
    melder = await js("melder")
    dm = await melder.dm(world.bot_id)
    command = await melder.send(dm, "!help")
    answer = await melder.answer_to(dm, command)
    assert answer.ok, answer.body
    # matrix-nio would send the ✅ as a plain m.reaction; the bot encrypts it like its messages.
    # (Element Web itself sends reactions in the clear, on purpose, see matrix-js-sdk's shouldEncryptEventForRoom;
    # Element X encrypts them. Element Web reads encrypted ones fine as long as m.relates_to stays in the clear.)
    assert answer.reaction["encrypted"], f"the bot's reaction went over the wire as {answer.reaction['wire_type']}"
    # An encrypted reaction must keep its m.relates_to in the clear (the spec asks it, and
    # matrix-js-sdk aggregates annotations from the wire content only), or Element shows no ✅ on the command.
    assert answer.reaction["relation"] == {"rel_type": "m.annotation", "event_id": command, "key": "✅"}, \
        answer.reaction
    assert answer.reply["encrypted"]
    # matrix-js-sdk takes the reply target from the wire content (MatrixEvent.replyEventId), so Element shows an
    # encrypted answer as a reply only when its m.relates_to is also in the clear on the m.room.encrypted event
    # (matrix-nio's encrypt() copies it there; a hand-made encryption path must too).
    assert answer.reply["reply_to"] == command, "Element does not see the bot's answer as a reply to the command"


async def test_element_shows_no_warning_on_the_bots_messages(world, js):
    melder = await js("melder")
    dm = await melder.dm(world.bot_id)
    assert (await melder.command(dm, "!help")).ok
    await melder.refresh(dm)
    said = [e for e in bot_events(melder, world, dm) if e["encrypted"]]
    assert said and not undecrypted(said)
    devices = (await melder.device_info(world.bot_id))["devices"]
    # Were the bot's device not signed by a cross-signing identity of the bot, Element would put a red shield
    # ("Encrypted by a device not verified by its owner", UNSIGNED_DEVICE) on each of its messages. Once signed,
    # an unverified but cross-signed bot gets no shield at all.
    assert devices and all(d["signedByOwner"] for d in devices), devices
    shields = {e["event_id"]: e["shield"] for e in said}
    assert all(s == {"colour": "NONE", "reason": None} for s in shields.values()), shields


@pytest.mark.parametrize("world", [{"matrix": {"device_trust": "cross_signed"}}], indirect=True)
async def test_cross_signed_trust_gives_keys_only_to_devices_their_owner_signed(world, js):
    """device_trust = "cross_signed": the bot shares room keys with a device its owner cross-signed (as Element
    does at first login) and withholds them from one nobody signed."""
    signed = await js("melder")
    dm = await signed.dm(world.bot_id)
    answer = await signed.command(dm, "!help")
    assert answer.ok and answer.reply["encrypted"]

    unsigned = await js("politie", cross_signing=False)
    room = await unsigned.create_dm(world.bot_id)
    withheld = await unsigned.wait_for(
        lambda: [e for e in unsigned.events.get(room, []) if e["sender"] == world.bot_id and e["encrypted"]
                 and e["decryption_failure"]], room=room, what="the bot's welcome, withheld from this device")
    assert not [e for e in unsigned.events.get(room, []) if e["sender"] == world.bot_id
                and e["type"] == "m.room.message"], "an unsigned device could read the bot's message"
    assert withheld


async def test_an_administrator_verifies_the_bot_once_from_element(world, js):
    """Element's "Verify" on the bot's profile: emoji verification in the DM. Element shows the same emoji as the
    bot's log (where the administrator compares them), and afterwards the bot's identity is verified for them."""
    admin = await js("beheer")
    dm = await admin.dm(world.bot_id)
    result = await admin.verify_user(world.bot_id, dm)
    assert result["phase"] == "done" and result["verified"], result
    shown = next(line for line in world.bot.log().splitlines() if "VERIFY:" in line)
    assert len(result["emoji"]) == 7
    assert [item.split(" ")[0] for item in shown.split("emoji: ")[1].split("  ")] == result["emoji"]
    assert (await admin.device_info(world.bot_id))["user"]["verified"]

    # Someone who is not an administrator of the bot is told no.
    melder = await js("melder")
    mdm = await melder.dm(world.bot_id)
    refused = await melder.verify_user(world.bot_id, mdm)
    assert refused["phase"] == "cancelled" and refused["cancel"] == "m.user", refused

