"""Partners on their own homeservers (issue 15): three Synapses federating over TLS on loopback (a throwaway CA,
certificates checked), the bot on the ZVH's, the police (and the referrer) and the mental-health contact each on
their organisation's own. A case's whole life across them: a referral from a remote referrer, a triage that invites
a remote partner, encrypted work in the room, a remote owner's action and its reminder, the room's server ACL
following the partners, a partner's server that is down while the room is made, and the purge."""
from __future__ import annotations

import asyncio
import dataclasses
import json
import re
import sqlite3
import urllib.error

import nio
import pytest

from devserver.provision import call
from devserver.tls import ThrowawayCA
from tests.harness import World, close_case, escalate, file_referral, local, make_world, state_of
from tests.proxy import RateLimitingProxy
from tests.test_encryption import send_raw_encrypted

ACL = ("m.room.server_acl", "")


def server(world: World, name: str) -> str:
    return world.ids[name].split(":", 1)[1]


def allowed(world: World, *names: str) -> list[str]:
    """What a case room's server ACL must allow: the ZVH's server and these people's servers, as hosts (ACLs
    match without the port), and the ZVH's own name with its port too (Synapse checks its own name so)."""
    own = world.syn.server_name
    return sorted({own.rsplit(":", 1)[0]} | {server(world, n).rsplit(":", 1)[0] for n in names}) + [own]


def acl(world: World, room: str) -> dict:
    return state_of(world, world.tokens["coordinator"], room)[ACL]


def membership(world: World, room: str, name: str) -> str | None:
    member = state_of(world, world.tokens["coordinator"], room).get(("m.room.member", world.ids[name]))
    return member and member["membership"]


async def joins(world: World, room: str, *names: str) -> None:
    for name in names:
        user = await world.user(name)
        await user.wait_invite(lambda r, s: r == room, timeout=60)
        await user.join(room)


@pytest.mark.e2e
@pytest.mark.clock("2026-11-30T10:00:00")  # a Monday
@pytest.mark.parametrize("federated_world", [{"matrix": {"key_wait_seconds": 8}}], indirect=True)
async def test_a_case_across_three_homeservers(federated_world):
    world = federated_world
    bot = world.bot_id
    # A referrer on the police's server, allowed by its homeserver's name, files in a direct chat it opened.
    melder = await world.user("melder")
    assert server(world, "melder") != world.syn.server_name
    dm = await melder.dm(bot)
    number = await file_referral(melder, dm)

    # The triage invites the police's contact on their own server; the room allows exactly the two servers.
    coordinator = await world.user("coordinator")
    answer = await coordinator.command(world.screening_room, f"!triage {number} opschalen politie")
    assert answer.ok, answer.keys
    room = await coordinator.wait_invite(lambda r, s: any(number in (getattr(e, "name", "") or "") for e in s))
    await joins(world, room, "coordinator", "politie")
    assert acl(world, room) == {"allow": allowed(world, "politie"), "deny": [], "allow_ip_literals": True}
    assert server(world, "ggz").rsplit(":", 1)[0] not in acl(world, room)["allow"]

    # Encrypted work by the remote member: the bot decrypts their command, and its answer (encrypted for their
    # device on their server) is read there.
    politie = await world.user("politie")
    pdm = await politie.dm(bot)
    created = await politie.command(room, f"!actie {world.ids['politie']} Huisbezoek afleggen voor vrijdag")
    assert created.ok and created.says("action.created") and "#1" in created.body
    assert state_of(world, world.tokens["coordinator"], room)[("m.room.encryption", "")]
    listed = await coordinator.command(room, "!acties")
    assert listed.ok and "Huisbezoek" in listed.body

    # The remote owner is reminded two working days before, in their direct chat.
    world.travel(local("2026-12-02T08:59:57"))
    reminded = await politie.wait_said(pdm, "chase.before", bot, number, timeout=60)
    assert reminded["content"]["m.mentions"]["user_ids"] == [world.ids["politie"]]

    # A message from a remote device whose room key never comes is answered as a local one is.
    garbage = {"algorithm": "m.megolm.v1.aes-sha2", "ciphertext": "AwgAEnAA", "device_id": politie.client.device_id,
               "sender_key": politie.client.olm.account.identity_keys["curve25519"], "session_id": "z" * 43}
    notice = await politie.answer_to(room, await send_raw_encrypted(politie, room, garbage, "t-fed-garbage"))
    assert notice.failed and notice.says("error.undecryptable")

    # A partner on a third server is added: invited, allowed, and at work in the room.
    added = await coordinator.command(room, "!partner toevoegen ggz")
    assert added.ok and added.says("partner.added")
    await joins(world, room, "ggz")
    assert acl(world, room)["allow"] == allowed(world, "politie", "ggz")
    card = await (await world.user("ggz")).command(room, "!casus")
    assert card.ok and number in card.body

    # ... and removed: out of the room, and its server is no longer allowed in it.
    removed = await coordinator.command(room, "!partner verwijderen ggz")
    assert removed.ok and removed.says("partner.removed")
    await coordinator.wait_for(lambda: membership(world, room, "ggz") == "leave", what="ggz kicked")
    await coordinator.wait_for(lambda: acl(world, room)["allow"] == allowed(world, "politie"), what="ACL updated")
    log = world.bot.log()
    assert "Traceback" not in log and "Task exception" not in log


async def test_a_partner_server_that_is_down_holds_up_only_its_own_invitation(federated_world, federation):
    world = federated_world
    bot = world.bot_id
    ggz_id = world.ids["ggz"]
    await asyncio.to_thread(federation.ggz.stop)
    try:
        number, room = await escalate(world, "politie", "ggz")  # the local coordinator is invited at once
        await joins(world, room, "coordinator", "politie")
        coordinator = await world.user("coordinator")
        waiting = await coordinator.wait_said(room, "case.invite_pending", bot, ggz_id, timeout=60)
        assert waiting["content"]["m.mentions"]["user_ids"] == [world.ids["coordinator"]]  # it rings
        assert (await coordinator.command(room, "!casus")).ok  # the room is at work meanwhile
        assert server(world, "ggz").rsplit(":", 1)[0] in acl(world, room)["allow"]  # allowed from the start
    finally:
        await asyncio.to_thread(federation.ggz.start)
    await coordinator.wait_said(room, "case.invite_delivered", bot, ggz_id, timeout=90)
    await joins(world, room, "ggz")
    assert len(coordinator.said(room, "case.invite_pending", bot)) == 1  # told once, however many retries
    assert len(coordinator.said(room, "case.invite_delivered", bot)) == 1


@pytest.mark.bot_admin
@pytest.mark.clock("2026-12-01T10:00:00")
@pytest.mark.parametrize("federated_world", [{"retention_days": 30}], indirect=True)
async def test_the_purge_leaves_the_partners_copies_and_the_record_names_their_servers(federated_world):
    world = federated_world
    number, room = await escalate(world, "politie", "ggz")
    await joins(world, room, "coordinator", "politie", "ggz")
    coordinator, politie = await world.user("coordinator"), await world.user("politie")
    assert (await coordinator.command(room, "!actie politie Rapport sturen voor 15 dec")).ok
    assert (await coordinator.command(room, "!partner verwijderen ggz")).ok  # its server held the room till now
    assert (await close_case(coordinator, room)).ok

    world.travel(local("2027-01-01T02:59:58"))  # past the term; the daily run is at 03:00

    def deletion() -> tuple | None:
        with sqlite3.connect(world.workdir / "zvh.db") as db:
            return db.execute("SELECT case_id, servers FROM deletions WHERE case_id = ?", (number,)).fetchone()

    await coordinator.wait_for(lambda: (deletion() or (None, None))[1], timeout=60, what="the deletion record")
    assert json.loads(deletion()[1]) == sorted(server(world, n) for n in ("coordinator", "politie", "ggz"))
    # Purged on the ZVH's server: its people are out and the room is blocked there.
    await coordinator.wait_for(lambda: room not in call(world.syn, "GET", "/_matrix/client/v3/joined_rooms",
                                                        world.tokens["coordinator"])["joined_rooms"],
                               what="the room purged")
    assert isinstance(await coordinator.client.join(room), nio.JoinError)
    # What a partner's server held stays there: the police still read what was said while they were in it.
    history = await politie.client.room_messages(room, start="", limit=50, direction=nio.MessageDirection.back)
    assert isinstance(history, nio.RoomMessagesResponse)
    assert any("Rapport sturen" in (e.source.get("content", {}).get("body") or "") for e in history.chunk)


async def test_certificates_are_checked_a_server_the_ca_did_not_sign_for_is_refused(federation, tmp_path):
    """federation_verify_certificates stays on: the police's server restarted with a certificate from another CA
    (same host, same key format) cannot be invited into a room on the ZVH's server; with its own, it can."""
    police = federation.politie
    _, token = federation.zvh.register("cert-check", "pw")
    invitee, _ = police.register("cert-invitee", "pw")

    def invite_to_new_room() -> int:
        try:
            call(federation.zvh, "POST", "/_matrix/client/v3/createRoom", token, {"invite": [invitee]})
        except urllib.error.HTTPError as exc:
            return exc.code
        return 200

    genuine = police.federation
    rogue = ThrowawayCA(tmp_path / "rogue").issue(genuine.host)
    await asyncio.to_thread(police.stop)
    police.federation = dataclasses.replace(genuine, certificate=rogue.certificate, key=rogue.key)
    try:
        await asyncio.to_thread(police.start)
        assert await asyncio.to_thread(invite_to_new_room) == 502
    finally:
        await asyncio.to_thread(police.stop)
        police.federation = genuine
        await asyncio.to_thread(police.start)
    for _ in range(20):  # Synapse's backoff for a server that failed lasts seconds here
        if await asyncio.to_thread(invite_to_new_room) == 200:
            break
        await asyncio.sleep(0.5)
    else:
        raise AssertionError("the police's server with its own certificate was not reached again")


async def test_a_remote_invitation_refused_at_first_is_joined_on_a_retry(federation, tmp_path):
    """An invitation from another server reaches the bot before that server has stored it: a join at once is
    refused ("not invited"). The bot tries again, and the direct chat gets its welcome."""
    proxy = await RateLimitingProxy(federation.zvh.base_url, r"/join/", count=2, retry_after_ms=0, status=403).start()
    world = make_world(federation.zvh, tmp_path, homeserver=proxy.url, elsewhere={"melder": federation.politie},
                       referrers=[federation.politie.server_name])
    proxy.pattern = re.compile(r"/join/(?!" + re.escape(world.screening_room) + ")")  # the direct chat's
    world.bot.start()
    try:
        melder = await world.user("melder")
        dm = await melder.dm(world.bot_id)
        assert (await melder.command(dm, "!help")).ok
        assert len(proxy.limited) == 2 and proxy.passed
    finally:
        await world.close()
        await proxy.stop()


async def test_a_direct_message_to_someone_whose_server_is_down_arrives_when_it_is_back(federated_world, federation):
    """The bot opens a direct chat to tell a partner's contact of a referral; their server is down, so the room is
    made without them: they are invited on a retry once their server answers, and the message is there."""
    world = federated_world
    melder = await world.user("melder")
    number = await file_referral(melder, await melder.dm(world.bot_id))
    coordinator = await world.user("coordinator")
    await asyncio.to_thread(federation.ggz.stop)
    try:
        answer = await coordinator.command(world.screening_room, f"!triage {number} doorverwijzen ggz Graag oppakken")
        assert answer.ok, answer.keys
        await asyncio.sleep(3.0)  # the direct chat's first tries fail meanwhile
    finally:
        await asyncio.to_thread(federation.ggz.start)
    ggz = await world.user("ggz")
    dm = await ggz.wait_invite(timeout=90)
    await ggz.join(dm)
    told = await ggz.wait_said(dm, "outcome.referred_partner", world.bot_id, number)
    assert world.ids["ggz"] in told["content"]["m.mentions"]["user_ids"]
