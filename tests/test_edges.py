"""Need-to-know at the edges, as careless and hostile users would find them: private output only in a room that
is private when it is sent, no service in rooms with others, the space, partners removed and added, a closed
case, the room's record, text that spoofs direction, answers too large for one event, bad outbox rows, and what
outlives a case after retention."""
import asyncio
import json
import re
import sqlite3
from urllib.parse import quote

import nio
import pytest

from devserver.provision import call
from tests.harness import bot_session, close_case, file_referral, keys_of, local, open_case, plain, state_of

SETTLE = 2.0


async def test_private_output_never_reaches_a_room_with_others_in_it(world):
    number, room = await open_case(world, "politie", members=("politie",))
    politie, ggz = await world.user("politie"), await world.user("ggz")
    dm = await politie.dm(world.bot_id)
    assert (await politie.command(room, "!actie politie Huisbezoek voor 15 dec")).ok

    # The owner invites someone into their direct chat: it is private no more, and the bot says so and leaves.
    assert isinstance(await politie.client.room_invite(dm, world.ids["ggz"]), nio.RoomInviteResponse)
    await politie.wait_said(dm, "room.no_longer_private", world.bot_id)
    await ggz.wait_invite(lambda r, s: r == dm)
    await ggz.join(dm)

    # Private output now goes to a fresh direct chat, never to the shared one.
    assert (await politie.command(room, "!mijn")).ok
    fresh = await politie.wait_invite(lambda r, s: r != dm and r != room)
    await politie.join(fresh)
    overview = await politie.wait_said(fresh, "mine.list", world.bot_id)
    assert "Huisbezoek" in plain(overview["content"]["body"])
    await asyncio.sleep(SETTLE)
    assert not [e for e in ggz.events.get(dm, []) if "mine.list" in keys_of(e)]
    members = state_of(world, world.tokens["politie"], fresh)
    assert {k for (t, k), c in members.items() if t == "m.room.member" and c["membership"] in ("join", "invite")} \
        == {world.bot_id, world.ids["politie"]}


async def test_the_bot_serves_no_room_with_others_in_it(world):
    coordinator = await world.user("coordinator")
    created = await coordinator.client.room_create(name="Overleg", invite=[world.ids["buiten"], world.bot_id])
    assert isinstance(created, nio.RoomCreateResponse)
    await coordinator.wait_said(created.room_id, "room.not_served", world.bot_id)
    await coordinator.wait_for(lambda: any(
        e.get("type") == "m.room.member" and e.get("state_key") == world.bot_id
        and e["content"].get("membership") == "leave" for e in coordinator.events.get(created.room_id, [])),
        what="the bot leaving")


async def test_removing_an_organisation_leaves_no_role_or_action_with_it(world):
    number, room = await open_case(world, "politie", "ggz", members=("politie", "ggz"))
    coordinator = await world.user("coordinator")
    pid = world.ids["politie"]
    assert (await coordinator.command(room, f"!regie casus {pid}")).ok
    assert (await coordinator.command(room, f"!actie {pid} Huisbezoek voor 15 dec")).ok
    assert (await coordinator.command(room, "!actie politie Dossier delen")).ok
    removed = await coordinator.command(room, "!partner verwijderen politie")
    assert removed.ok and removed.says("partner.removed")
    assert pid in removed.body and "#1" in removed.body and "#2" in removed.body
    with sqlite3.connect(world.workdir / "zvh.db") as db:
        assert db.execute("SELECT casusregisseur FROM cases WHERE id = ?", (number,)).fetchone()[0] is None
        owners = db.execute("SELECT owner_user, owner_org FROM actions WHERE case_id = ?", (number,)).fetchall()
    assert owners == [(world.ids["coordinator"], None)] * 2  # passed to the procesregisseur, nobody outside

    outside = await coordinator.command(room, f"!partner toevoegen {world.ids['buiten']}")
    assert outside.failed and outside.says("partner.not_in_directory")


async def test_the_space_shows_partners_nothing_and_a_closed_room_is_read_only(world):
    number, room = await open_case(world, "politie", members=("politie",))
    coordinator, politie = await world.user("coordinator"), await world.user("politie")
    state = state_of(world, world.tokens["coordinator"], room)
    space = next(key for (kind, key) in state if kind == "m.space.parent")
    await coordinator.wait_invite(lambda r, s: r == space)
    await asyncio.sleep(SETTLE)
    assert space not in politie.invites  # a partner learns of no other case through the space
    await coordinator.join(space)
    child = state_of(world, world.tokens["coordinator"], space)
    assert child[("m.space.child", room)] == {"via": [world.syn.server_name]}  # no case number in it
    levels = state[("m.room.power_levels", "")]
    assert levels["redact"] == 100 and levels["events"]["m.room.pinned_events"] == 100  # the record is the bot's

    assert (await close_case(coordinator, room)).ok
    await coordinator.wait_for(lambda: state_of(world, world.tokens["coordinator"], room)[
        ("m.room.power_levels", "")].get("events_default") == 100, what="the room read-only")
    refused = await politie.client.room_send(room, "m.room.message", {"msgtype": "m.text", "body": "nog iets"})
    assert isinstance(refused, nio.RoomSendError)
    assert world.bot.proc.poll() is None


async def test_user_text_cannot_turn_the_bots_words_around(world):
    number, room = await open_case(world, "politie", members=("politie",))
    politie = await world.user("politie")
    created = await politie.command(room, "!actie politie Bel \u202eterug\u202c en \u2067meer\u2069 voor 15 dec")
    assert created.ok
    for text in (created.content["body"], created.content["formatted_body"]):
        assert not any(c in text for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    assert "Bel terug en meer" in created.body


async def test_an_answer_too_large_for_one_event_arrives_as_a_file(world):
    number, room = await open_case(world, "politie", members=("politie",))
    politie = await world.user("politie")
    for n in range(25):
        assert (await politie.command(room, f"!plan doel huisvesting {n:02d} " + "woonplek " * 220)).ok
    shown = await politie.command(room, "!plan")
    assert shown.ok and shown.says("answer.as_file")
    document = await politie.wait_for(lambda: next((e for e in reversed(politie.events.get(room, []))
                                                    if e["content"].get("msgtype") == "m.file"), None),
                                      what="the plan as a file")
    assert document["content"]["body"].endswith(".html")
    with sqlite3.connect(world.workdir / "zvh.db") as db:
        assert db.execute("SELECT COUNT(*) FROM outbox WHERE state = 'failed'").fetchone()[0] == 0


async def test_bad_outbox_rows_never_stop_the_bot(world):
    melder = await world.user("melder")
    dm = await melder.dm(world.bot_id)
    with sqlite3.connect(world.workdir / "zvh.db") as db:
        for key, kind, payload in (("bad-json", "send", "{not json"), ("bad-kind", "teleport", "{}"),
                                   ("bad-key", "send", json.dumps({"room_id": dm}))):
            db.execute("INSERT INTO outbox(key, kind, payload, created_at) VALUES (?, ?, ?, ?)",
                       (key, kind, payload, "2026-01-01T00:00:00.000+00:00"))
    assert (await melder.command(dm, "!help")).ok  # still answering
    with sqlite3.connect(world.workdir / "zvh.db") as db:
        states = dict(db.execute("SELECT key, state FROM outbox WHERE key LIKE 'bad-%'").fetchall())
    assert states == {"bad-json": "failed", "bad-kind": "failed", "bad-key": "failed"}
    await melder.wait_said(dm, "error.not_delivered", world.bot_id)  # the one with a room says so there


@pytest.mark.parametrize("world", [{"retention_days": 30}], indirect=True)
@pytest.mark.clock("2026-11-30T10:00:00")
async def test_after_retention_nothing_of_the_case_is_left_in_the_database_file(world):
    number, room = await open_case(world, "politie", members=("politie",))
    coordinator = await world.user("coordinator")
    secret = "Zeldzaamwoord-Kwartelkoning"
    assert (await coordinator.command(room, f"!actie politie {secret} bellen voor 15 dec")).ok
    assert (await coordinator.command(room, f"!plan doel huisvesting {secret} woonplek")).ok
    assert (await close_case(coordinator, room)).ok
    with sqlite3.connect(world.workdir / "zvh.db") as db:  # what was sent keeps no content once performed
        payloads = [p for (p,) in db.execute("SELECT payload FROM outbox WHERE state = 'done'")]
    assert payloads and all(p == "{}" for p in payloads)
    world.travel(local("2027-01-01T02:59:58"))
    await coordinator.wait_for(lambda: any(
        e.get("type") == "m.room.member" and e.get("state_key") == world.bot_id
        and e["content"].get("membership") == "leave" for e in coordinator.events.get(room, [])),
        what="the bot leaving the purged case's room")
    await asyncio.sleep(SETTLE)
    world.bot.stop()  # everything written through
    raw = b"".join(p.read_bytes() for p in world.workdir.glob("zvh.db*"))
    assert secret.encode() not in raw  # not in any table, nor in free pages (secure_delete), nor in the WAL


@pytest.mark.parametrize("world", [{"encrypt_rooms": True, "intake_expiry_hours": 24}], indirect=True)
@pytest.mark.clock("2026-11-30T10:00:00")
async def test_referral_details_stay_out_of_unencrypted_rooms_and_unfinished_ones_expire(world):
    """A deployment that encrypts (the default) with a screening room and a DM that are not encrypted."""
    bot = world.bot_id
    coordinator, melder = await world.user("coordinator"), await world.user("melder")
    await coordinator.wait_said(world.screening_room, "screening.not_encrypted", bot)  # said at start
    dm = await melder.dm(bot)
    number = await file_referral(melder, dm)
    assert any("intake.not_encrypted" in keys_of(e) for e in melder.events.get(dm, []))  # the referrer is warned
    shown = await coordinator.command(world.screening_room, f"!toon {number}")
    assert shown.failed and shown.says("error.needs_encryption") and "J.D." not in shown.body

    unfinished = await melder.send(dm, "!melding\nreden: Zorgen om de buren")
    await melder.answer_to(dm, unfinished)
    world.travel(local("2026-12-02T02:59:58"))  # a day and a half later: the night's run drops it
    await melder.wait_said(dm, "intake.expired", bot)
    with sqlite3.connect(world.workdir / "zvh.db") as db:
        assert db.execute("SELECT COUNT(*) FROM intake_sessions").fetchone()[0] == 0


@pytest.mark.clock("2026-11-30T10:00:00")
async def test_a_truncated_audit_trail_is_named_by_its_anchors_outside_the_database(world):
    melder, privacy = await world.user("melder"), await world.user("privacy")
    dm, pdm = await melder.dm(world.bot_id), await privacy.dm(world.bot_id)
    await file_referral(melder, dm)
    first = await privacy.send(pdm, "!audit controle")
    await privacy.wait_for(lambda: any("privacy.anchors" in keys_of(r) for r in privacy.replies_to(pdm, first)),
                           what="the anchor check")
    session = bot_session(world)
    world.travel(local("2026-12-01T02:59:58"))  # the nightly run anchors the chain's head
    anchors = await privacy.wait_for(lambda: anchors_of(session, world), what="an anchor")
    anchored = anchors[-1]["id"]

    # Someone with the database file deletes the newest entries: the chain itself still verifies.
    with sqlite3.connect(world.workdir / "zvh.db") as db:
        db.execute("DELETE FROM audit_log WHERE id >= ?", (anchored - 1,))
    asked = await privacy.send(pdm, "!audit controle")
    answers = await privacy.wait_for(lambda: len(privacy.replies_to(pdm, asked)) >= 2
                                     and privacy.replies_to(pdm, asked), what="both checks")
    by_key = {keys_of(a)[0]: a for a in answers}
    assert not re.search(r"\b\d+\b", plain(by_key["privacy.verified"]["content"]["body"]))  # the chain looks intact
    named = plain(by_key["privacy.anchors"]["content"]["body"])
    assert str(anchored) in named and "❌" in named


def anchors_of(session: dict, world) -> list[dict]:
    """The anchors in the bot's account data on the homeserver."""
    try:
        return session["get"](f"/_matrix/client/v3/user/{world.bot_id}/account_data/nl.zvh.audit_anchors")["anchors"]
    except Exception:  # not there yet (404)
        return []


async def test_a_case_room_made_before_gets_the_levels_rooms_have_now(world):
    number, room = await open_case(world, "politie", members=("politie",))
    coordinator = await world.user("coordinator")
    session = bot_session(world)
    levels = state_of(world, session["token"], room)[("m.room.power_levels", "")]
    old = {**levels, "redact": 50, "events": {**levels["events"], "m.room.pinned_events": 50}}  # as rooms were
    call(world.syn, "PUT", f"/_matrix/client/v3/rooms/{quote(room)}/state/m.room.power_levels", session["token"], old)
    world.bot.stop()
    with sqlite3.connect(world.workdir / "zvh.db") as db:
        db.execute("DELETE FROM meta WHERE key = 'rooms_version'")  # a database from before
    world.bot.start()
    await coordinator.wait_for(lambda: state_of(world, world.tokens["coordinator"], room)[
        ("m.room.power_levels", "")]["redact"] == 100, what="the room brought up to date")
