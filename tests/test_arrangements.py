"""Light arrangements (issue 18): `!triage <nr> afstemmen` makes a short-lived private room with the referrer and the
partners, under the case rooms' rules; `!afspraak` records who does what; the room reminds a week before its end
and closes itself on a controlled clock, leaving an archived record of what was arranged; another is extended once
and escalated to a full case in the same room; a partner removed from one is out of its room and its information."""
import asyncio
import hashlib
import json
import re
import sqlite3

import nio
import pytest

from tests.harness import archival_pdf, bot_session, download, file_referral, keys_of, local, state_of
from tests.test_closure import files

KAART = """
[[offer]]
partner = "woning"
interventions = ["huisbezoek", "betalingsregeling"]
tracks = ["bestuur"]
domains = ["huisvesting", "financien"]
"""


def db(world):
    return sqlite3.connect(world.workdir / "zvh.db")


async def align(world, partners: str) -> tuple[str, str]:
    """A referral filed and sent to a light arrangement; the coordinator, the referrer and GGZ in its room."""
    melder = await world.user("melder")
    dm = await melder.dm(world.bot_id)
    number = await file_referral(melder, dm)
    coordinator = await world.user("coordinator")
    answer = await coordinator.command(world.screening_room, f"!triage {number} afstemmen {partners}")
    assert answer.ok and answer.says("triage.aligned"), answer.keys
    await melder.wait_said(dm, "outcome.aligned", world.bot_id, number)
    room = await coordinator.wait_invite(lambda r, state: any(
        getattr(e, "name", None) and number in e.name for e in state))
    for name in ("coordinator", "melder", "ggz"):
        user = await world.user(name)
        await user.wait_invite(lambda r, s: r == room)
        await user.join(room)
    await coordinator.wait_said(room, "arrangement.welcome", world.bot_id, number)
    return number, room


@pytest.mark.parametrize("world", [{"arrangements": {"retention_days": 30}}], indirect=True)
@pytest.mark.clock("2026-11-30T10:00:00")  # a Monday: the default term of 4 weeks ends Monday 28 December
async def test_a_light_arrangement_from_triage_to_its_automatic_end(world):
    (world.workdir / "kaart.toml").write_text(KAART)
    melder = await world.user("melder")
    coordinator, bot = await world.user("coordinator"), world.bot_id
    dm = await melder.dm(bot)
    first = await file_referral(melder, dm)
    # Named no partner: refused, with who the kaart has for the referral's life domains (housing, finances, ...).
    asked = await coordinator.command(world.screening_room, f"!triage {first} afstemmen")
    assert asked.failed and asked.says("arrangement.needs_partners") and asked.says("kaart.suggest"), asked.keys
    assert "Woonstichting Delft" in asked.body
    shown = await coordinator.command(world.screening_room, f"!toon {first}")  # the triage sees them too
    assert shown.says("referrals.full") and shown.says("kaart.suggest") and "Woonstichting Delft" in shown.body
    too_many = await coordinator.command(world.screening_room, f"!triage {first} afstemmen ggz politie om woning")
    assert too_many.failed and too_many.says("arrangement.too_many_partners")

    number, room = await align(world, "ggz")
    assert number != first
    ggz = await world.user("ggz")
    state = state_of(world, world.tokens["coordinator"], room)
    assert state[("nl.zvh.case", "")] == {"case_id": number, "status": "open", "theme": "overlast",
                                          "region": "Haaglanden", "approach": "person", "kind": "arrangement",
                                          "term_ends": "2026-12-28"}
    assert state[("m.room.join_rules", "")]["join_rule"] == "invite"
    assert state[("m.room.history_visibility", "")]["history_visibility"] == "invited"
    assert number in state[("m.room.name", "")]["name"] and "J.D." not in str(state)

    made = await ggz.command(room, "!afspraak ggz Intake plannen voor vrijdag")
    assert made.ok and made.says("arrangement.recorded") and "#1" in made.body, made.keys
    assert (await melder.command(room, "!afspraak Melder licht de familie in")).says("arrangement.recorded")
    shown = await coordinator.command(room, "!afstemmen")
    assert shown.says("arrangement.card") and "Melder licht de familie in" in shown.body
    assert (await ggz.command(room, "!klaar 1 Intake staat")).says("action.done")  # the actions machinery
    assert (await ggz.command(room, "!actie ggz Verslag sturen voor 15 dec")).ok
    assert (await coordinator.command(room, "!casus")).says("error.wrong_room")  # not a full case

    world.travel(local("2026-12-21T08:59:58"))  # a week before the end, in the morning
    reminder = await coordinator.wait_said(room, "arrangement.reminder", bot, number)
    assert set(reminder["content"]["m.mentions"]["user_ids"]) == {world.ids[n] for n in ("coordinator", "melder",
                                                                                          "ggz")}
    world.travel(local("2026-12-28T08:59:58"))
    ended = await coordinator.wait_said(room, "arrangement.ended", bot, number)
    assert "Melder licht de familie in" in ended["content"]["body"] and "Verslag sturen" in ended["content"]["body"]
    assert ended["content"]["m.mentions"]["user_ids"] == [world.ids["ggz"]]  # their open action was closed
    # What was arranged, by whom, by when and how it ended: archived as PDF/A, its hash in the message, pinned.
    digest = re.search(r"\b[0-9a-f]{64}\b", ended["content"]["body"]).group(0)
    record = await coordinator.wait_for(lambda: files(coordinator, room, ".pdf"), what="the arrangement's record")
    content = await download(coordinator, record[0]["content"])
    assert hashlib.sha256(content).hexdigest() == digest
    pdf = archival_pdf(content)
    assert pdf.pdfa == ("3", "B") and f"Afstemmingsverslag {number}" in pdf.text
    assert "Intake plannen" in pdf.text and "Melder licht de familie in" in pdf.text and "Verslag sturen" in pdf.text
    assert "termijn verstreken" in pdf.text and "J.D." not in pdf.text
    await coordinator.wait_for(lambda: record[0]["event_id"] in state_of(world, world.tokens["coordinator"], room)
                               .get(("m.room.pinned_events", ""), {}).get("pinned", []), what="pinned")
    await coordinator.wait_for(lambda: (lambda s: s[("nl.zvh.case", "")]["status"] == "closed"
                                        and s[("m.room.power_levels", "")].get("events_default") == 100)(
        state_of(world, world.tokens["coordinator"], room)), what="closed and read-only")
    await asyncio.sleep(1.5)
    assert len(coordinator.said(room, "arrangement.reminder", bot)) == 1
    assert len(coordinator.said(room, "arrangement.ended", bot)) == 1
    with db(world) as conn:
        assert conn.execute("SELECT kind, status, close_reason FROM cases WHERE id = ?", (number,)).fetchone() == (
            "arrangement", "closed", "term_ended")
        assert conn.execute("SELECT status FROM referrals WHERE id = ?", (number,)).fetchone() == ("aligned",)
        assert conn.execute("SELECT COUNT(*) FROM schedule WHERE case_id = ? AND state = 'pending' AND kind != ?",
                            (number, "case.members_out")).fetchone() == (0,)

    reopened = await coordinator.command(world.screening_room, f"!heropenen {number} Toch nodig")
    assert reopened.failed and reopened.says("arrangement.not_reopened"), reopened.keys

    world.travel(local("2027-01-28T03:00:02"))  # its own retention term (30 days) is over: deleted, kind kept
    def deleted():
        with db(world) as conn:
            return conn.execute("SELECT kind FROM deletions WHERE case_id = ?", (number,)).fetchone()
    assert await coordinator.wait_for(deleted, what="deleted after its retention term") == ("arrangement",)
    with db(world) as conn:
        assert conn.execute("SELECT COUNT(*) FROM arrangements WHERE case_id = ?", (number,)).fetchone() == (0,)


@pytest.mark.clock("2026-11-30T10:00:00")
async def test_an_arrangement_extended_once_then_escalated_becomes_a_case_in_the_same_room(world):
    number, room = await align(world, "ggz 2 weken")
    coordinator, ggz, bot = await world.user("coordinator"), await world.user("ggz"), world.bot_id
    assert (await ggz.command(room, "!afspraak Wijkagent en GGZ gaan samen op huisbezoek")).ok
    assert (await ggz.command(room, f"!afspraak {world.ids['melder']} Belt de huisarts voor 4 dec")).ok

    assert (await coordinator.command(room, "!partner toevoegen om")).ok
    assert (await coordinator.command(room, "!partner toevoegen politie")).ok  # three partners: the most
    fourth = await coordinator.command(room, "!partner toevoegen woning")
    assert fourth.failed and fourth.says("arrangement.too_many_partners"), fourth.keys
    politie = await world.user("politie")  # invited later: sees nothing from before, so gets the card on joining
    await politie.wait_invite(lambda r, s: r == room)
    await politie.join(room)
    brief = await politie.wait_said(room, "arrangement.brief", bot, "Wijkagent en GGZ gaan samen op huisbezoek")
    assert keys_of(brief)[:2] == ["arrangement.brief", "arrangement.card"]
    refused = await ggz.command(room, "!afstemmen verlengen")
    assert refused.failed and refused.says("error.not_allowed")
    extended = await coordinator.command(room, "!afstemmen verlengen")
    assert extended.ok and extended.says("arrangement.extended") and "11 januari 2027" in extended.body  # +4 weeks
    again = await coordinator.command(room, "!afstemmen verlengen 1 week")
    assert again.failed and again.says("arrangement.already_extended")

    escalated = await ggz.command(room, "!opschalen Er speelt meer dan gedacht")
    assert escalated.ok and escalated.says("arrangement.escalated") and escalated.says("case.card"), escalated.keys
    assert escalated.content["m.mentions"]["user_ids"] == [world.ids["coordinator"]]  # the procesregisseur
    card = await coordinator.command(room, "!casus")  # the same room is the case room now
    assert card.ok and card.says("case.card") and number in card.body
    assert (await ggz.command(room, "!afspraak Nog iets")).says("error.wrong_room")
    actions = await coordinator.command(room, "!acties")
    assert "Belt de huisarts" in actions.body  # the arrangement with a deadline goes on as the case's action
    state = await coordinator.wait_for(lambda: (lambda s: s if s[("nl.zvh.case", "")]["kind"] == "case" else None)(
        state_of(world, world.tokens["coordinator"], room)), what="the room's state a case's")
    assert "term_ends" not in state[("nl.zvh.case", "")]
    name = bot_session(world)["get"](f"/_matrix/client/v3/rooms/{room}/state/m.room.name")["name"]
    assert number in name and not name.startswith("Afstemming")
    with db(world) as conn:
        kind, escalated_at = conn.execute("SELECT kind, arrangement_escalated_at FROM cases WHERE id = ?",
                                          (number,)).fetchone()
        assert kind == "case" and escalated_at
        assert conn.execute("SELECT text FROM decisions WHERE case_id = ?", (number,)).fetchall() == [
            ("Wijkagent en GGZ gaan samen op huisbezoek",)]  # carried over: no deadline, so not an action
        assert conn.execute("SELECT COUNT(*) FROM schedule WHERE case_id = ? AND state = 'pending' AND kind LIKE "
                            "'arrangement.%'", (number,)).fetchone() == (0,)
    world.travel(local("2027-01-11T09:00:30"))  # the old end passes: nothing closes
    await asyncio.sleep(2)
    assert not coordinator.said(room, "arrangement.ended", bot)
    assert (await coordinator.command(room, "!casus")).says("case.card")


@pytest.mark.e2e
@pytest.mark.clock("2026-11-30T10:00:00")
async def test_an_arrangement_room_is_end_to_end_encrypted_like_a_case_room(world):
    """With encrypting clients and `encrypt_rooms`: the room is encrypted from its creation, and the bot reads and
    answers arrangements sent encrypted."""
    number, room = await align(world, "ggz")
    state = state_of(world, world.tokens["coordinator"], room)
    assert state[("m.room.encryption", "")]["algorithm"] == "m.megolm.v1.aes-sha2"
    ggz = await world.user("ggz")
    made = await ggz.command(room, "!afspraak ggz Intake plannen voor vrijdag")
    assert made.ok and made.says("arrangement.recorded") and "#1" in made.body, made.keys
    shown = await ggz.command(room, "!afstemmen")
    assert shown.ok and shown.says("arrangement.card") and "Intake plannen" in shown.body


@pytest.mark.clock("2026-11-30T10:00:00")
async def test_a_partner_removed_from_an_arrangement_is_out_of_its_room_and_its_information(world):
    """Need-to-know as in a case room: the procesregisseur removes a partner; its contact is kicked, no longer a
    member, told nothing more and refused what it could read before, in the room and from its DM; the room's server
    ACL keeps the ZVH's server; the removal is audited; the arrangement goes on with the others."""
    number, room = await align(world, "ggz politie")
    coordinator, ggz, politie, bot = (await world.user("coordinator"), await world.user("ggz"),
                                      await world.user("politie"), world.bot_id)
    await politie.wait_invite(lambda r, s: r == room)
    await politie.join(room)
    gid = world.ids["ggz"]
    made = await ggz.command(room, "!afspraak ggz Intake plannen voor vrijdag")
    assert made.ok and made.says("arrangement.recorded") and "#1" in made.body, made.keys
    gdm = await ggz.dm(bot)
    mine = await ggz.command(gdm, "!mijn")
    assert mine.says("mine.list") and number in mine.body  # GGZ's action, seen from the DM while in it
    assert (await ggz.command(room, "!herinner 15 dec 09:00 Terugbellen")).ok  # would ring for no one who reads

    refused = await ggz.command(room, "!partner verwijderen politie")  # the procesregisseur's to decide
    assert refused.failed and refused.says("error.not_allowed"), refused.keys
    removed = await coordinator.command(room, "!partner verwijderen ggz")
    assert removed.ok and removed.says("partner.removed"), removed.keys
    assert gid in removed.body and "#1" in removed.body  # its open action passed to the procesregisseur
    await coordinator.wait_for(lambda: any(
        e.get("type") == "m.room.member" and e.get("state_key") == gid and e["content"].get("membership") == "leave"
        for e in coordinator.events.get(room, [])), what="GGZ kicked")
    state = state_of(world, world.tokens["coordinator"], room)
    assert state[("m.room.member", gid)]["membership"] == "leave"
    assert world.syn.server_name in state[("m.room.server_acl", "")]["allow"]  # the bot never locks itself out

    # Out of the room: it cannot write there or come back (invite-only).
    sent = await ggz.client.room_send(room, "m.room.message", {"msgtype": "m.text", "body": "!afstemmen"})
    assert isinstance(sent, nio.RoomSendError), sent
    assert isinstance(await ggz.client.join(room), nio.JoinError)
    # No longer a member, anywhere the arrangement names its people.
    listed = await coordinator.command(room, "!partner")
    assert listed.says("partner.list") and "GGZ Delfland" not in listed.body and gid not in listed.body
    card = await politie.command(room, "!afstemmen")
    assert card.says("arrangement.card") and gid not in card.body and "Politie Haaglanden" in card.body
    gone = await coordinator.command(room, "!actie ggz Nog iets")
    assert gone.failed and gone.says("action.org_not_partner"), gone.keys
    # From its DM, nothing of the arrangement any more: not its action, not the referral behind it.
    mine = await ggz.command(gdm, "!mijn")
    assert mine.says("mine.list") and number not in mine.body
    shown = await ggz.command(gdm, f"!toon {number}")
    assert shown.failed and shown.says("referrals.not_found"), shown.keys
    with db(world) as conn:
        members = [r[0] for r in conn.execute("SELECT user_id FROM case_members WHERE case_id = ?", (number,))]
        assert gid not in members and world.ids["politie"] in members
        assert conn.execute("SELECT owner_user, owner_org FROM actions WHERE case_id = ? AND number = 1",
                            (number,)).fetchone() == (world.ids["coordinator"], None)
        trail = conn.execute("SELECT actor, purpose, detail FROM audit_log WHERE case_id = ? AND action = ?",
                             (number, "case.partner_removed")).fetchall()
    assert len(trail) == 1 and trail[0][:2] == (world.ids["coordinator"], "need-to-know")
    assert json.loads(trail[0][2])["users"] == [gid] and json.loads(trail[0][2])["org"] == "ggz"
    assert json.loads(trail[0][2])["reminders_stopped"] == [1]

    # The arrangement goes on for the others, and its reminder rings for them only.
    more = await politie.command(room, "!afspraak politie Huisbezoek voor 11 dec")
    assert more.ok and more.says("arrangement.recorded"), more.keys
    world.travel(local("2026-12-21T08:59:58"))
    reminder = await coordinator.wait_said(room, "arrangement.reminder", bot, number)
    assert set(reminder["content"]["m.mentions"]["user_ids"]) == {world.ids[n] for n in ("coordinator", "melder",
                                                                                          "politie")}
    assert not ggz.said(room, "arrangement.reminder", bot)
    assert not coordinator.said(room, "reminder.fire", bot)  # the removed contact's reminder (15 dec) stopped


@pytest.mark.clock("2026-11-30T10:00:00")
async def test_an_incidental_partner_removed_before_its_statement_is_not_let_in_by_accepting_it_later(world):
    """An incidental partner's contact is invited only once they accept the confidentiality statement; removed
    before that, the waiting invitation goes with the organisation: accepting afterwards lets no one in."""
    number, room = await align(world, "ggz")
    coordinator, incidental, iid = await world.user("coordinator"), await world.user("incidenteel"), \
        world.ids["incidenteel"]
    dm = await incidental.dm(world.bot_id)
    added = await coordinator.command(room, "!partner toevoegen woning")
    assert added.ok and added.says("partner.added") and iid in added.body, added.keys  # waits for the statement
    await incidental.wait_said(dm, "statement.request", world.bot_id)
    removed = await coordinator.command(room, "!partner verwijderen woning")
    assert removed.ok and removed.says("partner.removed"), removed.keys
    accepted = await incidental.command(dm, "!verklaring akkoord")
    assert accepted.ok and accepted.says("statement.accepted") and number not in accepted.body, accepted.keys
    with db(world) as conn:
        members = [r[0] for r in conn.execute("SELECT user_id FROM case_members WHERE case_id = ?", (number,))]
        detail = conn.execute("SELECT detail FROM audit_log WHERE case_id = ? AND action = ?",
                              (number, "case.partner_removed")).fetchone()[0]
    assert iid not in members and json.loads(detail)["invitations_withdrawn"] == [iid]
    card = await coordinator.command(room, "!afstemmen")
    assert card.says("arrangement.card") and "Woonstichting Delft" not in card.body and iid not in card.body
