"""Privacy by design, end to end: need-to-know when a partner leaves, pseudonymised rooms, notices and logs, the
privacy officer's audit trail (view, export, tamper check) and access export, and retention."""
import asyncio
import json
import re
import sqlite3

import nio
import pytest

from core.render import catalogue
from devserver.provision import call
from tests.harness import NUMBER, REFERRAL_LINES, bot_session, close_case, download, local, open_case, state_of

NAME, STREET, BIRTH = "Jan de Vries", "Dorpsstraat 12", "14-03-1985"
PERSONAL_LINES = REFERRAL_LINES.replace(
    "reden: Meerdere instanties betrokken, geen regie",
    f"reden: {NAME} woont op de {STREET}, geboren {BIRTH}; <script>alert(1)</script>")


def role(key: str) -> str:
    """How the catalogue names a role (for whom a command is), whatever its wording."""
    return catalogue("nl")[f"word.role.{key}"]


async def test_removing_a_partner_takes_its_people_out_of_the_room_and_the_notifications(world):
    number, room = await open_case(world, "politie", "ggz", members=("politie", "ggz"))
    coordinator, ggz = await world.user("coordinator"), await world.user("ggz")
    assert (await coordinator.command(room, "!actie ggz Intake plannen")).ok
    refused = await ggz.command(room, "!partner verwijderen politie")
    assert refused.failed and refused.says("error.not_allowed") and role("procesregisseur") in refused.body
    removed = await coordinator.command(room, "!partner verwijderen ggz")
    assert removed.ok and world.ids["ggz"] in removed.body
    await coordinator.wait_for(lambda: any(
        e.get("type") == "m.room.member" and e.get("state_key") == world.ids["ggz"]
        and e["content"].get("membership") == "leave" for e in coordinator.events.get(room, [])), what="kick")
    listed = await coordinator.command(room, "!partner")
    assert "GGZ Delfland" not in listed.body and world.ids["ggz"] not in listed.body
    gone = await coordinator.command(room, "!actie ggz Nog iets")
    assert gone.failed and gone.says("action.org_not_partner"), gone.keys
    with sqlite3.connect(world.workdir / "zvh.db") as db:
        members = [r[0] for r in db.execute("SELECT user_id FROM case_members WHERE case_id = ?", (number,))]
    assert world.ids["ggz"] not in members
    back = await coordinator.command(room, "!partner toevoegen ggz")
    assert back.ok
    await ggz.wait_for(lambda: room in ggz.invites, what="invite back")


async def test_names_birth_dates_and_addresses_stay_out_of_rooms_notices_and_logs(world):
    melder = await world.user("melder")
    dm = await melder.dm(world.bot_id)
    summary = await melder.command(dm, "!melding\n" + PERSONAL_LINES)
    assert summary.ok and "&lt;script&gt;" in summary.html and "<script>" not in summary.html
    number = re.search(NUMBER, (await melder.command(dm, "ja")).body).group(0)
    coordinator = await world.user("coordinator")
    await coordinator.wait_notice(world.screening_room, number, sender=world.bot_id)
    shown = await coordinator.command(world.screening_room, f"!toon {number}")
    assert NAME in shown.body  # the coordinator may read it in full ...
    assert (await coordinator.command(world.screening_room, f"!triage {number} opschalen politie")).ok
    room = await coordinator.wait_invite(lambda r, s: any(number in (getattr(e, "name", "") or "") for e in s))
    await coordinator.join(room)
    await coordinator.wait_notice(room, number, sender=world.bot_id)

    session = bot_session(world)
    places = [json.dumps(list(state_of(world, session["token"], room).items()), default=str)]
    with sqlite3.connect(world.workdir / "zvh.db") as db:
        space = db.execute("SELECT value FROM meta WHERE key = 'space_room_id'").fetchone()[0]
    places.append(json.dumps(list(state_of(world, session["token"], space).items()), default=str))
    places.append(json.dumps([e["content"] for e in coordinator.said(world.screening_room, "screening.new",
                                                                     world.bot_id)]))
    places.append(world.bot.log())
    for text in places:  # ... but names, addresses and birth dates appear in none of these
        for personal in (NAME, STREET, BIRTH, "Vries", "Dorpsstraat"):
            assert personal not in text
    with sqlite3.connect(world.workdir / "zvh.db") as db:
        bot_token = db.execute("SELECT value FROM meta WHERE key = 'access_token'").fetchone()[0]
    for secret in (world.bot_password, bot_token, session["token"]):
        assert secret not in world.bot.log()


async def test_privacy_officer_views_exports_and_verifies_the_audit_trail(world):
    number, room = await open_case(world, "politie", members=("politie",))
    coordinator = await world.user("coordinator")
    assert (await coordinator.command(room, "!casus")).ok
    privacy, politie = await world.user("privacy"), await world.user("politie")
    pdm = await privacy.dm(world.bot_id)
    refused = await politie.command(await politie.dm(world.bot_id), f"!audit {number}")
    assert refused.failed and refused.says("error.not_allowed") and role("privacy_officer") in refused.body

    trail = await privacy.command(pdm, f"!audit {number}")
    assert trail.ok and "case.card_shown" in trail.body and world.ids["coordinator"] in trail.body
    assert (await privacy.command(pdm, f"!audit {number} export")).ok
    exported = await privacy.wait_for(lambda: [e for e in privacy.events.get(pdm, [])
                                               if e["content"].get("msgtype") == "m.file"], what="file")
    entries = json.loads(await download(privacy, exported[0]["content"]))
    assert "case.card_shown" in {e["action"] for e in entries}
    assert all(e["case_id"] == number and len(e["hash"]) == 64 for e in entries)

    access = await privacy.command(pdm, f"!inzage {number}")
    assert access.ok
    files = await privacy.wait_for(lambda: (lambda f: f if len(f) >= 3 else None)(
        [e for e in privacy.events.get(pdm, []) if e["content"].get("msgtype") == "m.file"]), what="two files")
    by_name = {e["content"]["body"]: e["content"] for e in files}
    dossier = json.loads(await download(privacy, by_name[f"inzage-{number}.json"]))
    assert dossier["referral"]["fields"]["reden"] == "Meerdere instanties betrokken, geen regie"
    assert dossier["case"]["id"] == number and dossier["audit_log"]
    document = (await download(privacy, by_name[f"inzage-{number}.html"])).decode()
    assert number in document and "geen regie" in document

    intact = await privacy.command(pdm, "!audit controle")
    assert intact.says("privacy.verified") and not re.search(r"\d", intact.body)  # no broken line named
    with sqlite3.connect(world.workdir / "zvh.db") as db:
        target = db.execute("SELECT MIN(id) FROM audit_log WHERE case_id = ?", (number,)).fetchone()[0]
        db.execute("UPDATE audit_log SET actor = '@someone-else:localhost' WHERE id = ?", (target,))
    tampered = await privacy.command(pdm, "!audit verify")
    assert tampered.says("privacy.verified") and re.search(rf"\b{target}\b", tampered.body)  # the broken line


@pytest.mark.clock("2026-12-01T10:00:00")
@pytest.mark.parametrize("world", [pytest.param({"retention_days": 30}, marks=pytest.mark.bot_admin, id="admin"),
                                   pytest.param({"retention_days": 30}, id="no-admin")], indirect=True)
async def test_retention_deletes_the_case_and_purges_or_leaves_its_room(world, request):
    admin = request.node.get_closest_marker("bot_admin") is not None
    number, room = await open_case(world, "politie", members=("politie",))
    coordinator, politie = await world.user("coordinator"), await world.user("politie")
    assert (await coordinator.command(room, "!actie politie Rapport sturen voor 15 dec")).ok
    closed = await close_case(coordinator, room)
    assert closed.ok and closed.says("case.closed") and re.search(r"\b30\b", closed.body)  # days kept
    # Closed: the room is read-only (the homeserver refuses what members write) and the bot refuses changes.
    await politie.wait_for(lambda: state_of(world, world.tokens["politie"], room)[("m.room.power_levels", "")].get(
        "events_default") == 100, what="the room read-only")
    for user in (politie, coordinator):  # the procesregisseur too: only the bot writes in a closed case's room
        refused = await user.client.room_send(room, "m.room.message", {"msgtype": "m.text", "body": "!actie x"})
        assert isinstance(refused, nio.RoomSendError)

    world.travel(local("2026-12-30T03:00:05"))  # 29 days: not yet
    await asyncio.sleep(2.0)
    with sqlite3.connect(world.workdir / "zvh.db") as db:
        assert db.execute("SELECT COUNT(*) FROM cases WHERE id = ?", (number,)).fetchone()[0] == 1
    world.travel(local("2027-01-01T02:59:58"))  # past the term; the daily run is at 03:00

    def case_rows() -> int:
        with sqlite3.connect(world.workdir / "zvh.db") as db:
            return db.execute("SELECT COUNT(*) FROM cases WHERE id = ?", (number,)).fetchone()[0]

    # (the members left the read-only room after the grace period already; the bot is the last one in it)
    await coordinator.wait_for(lambda: case_rows() == 0, what="the case deleted")
    if admin:  # purged: everyone is out, and the room is blocked
        await coordinator.wait_for(lambda: room not in call(world.syn, "GET", "/_matrix/client/v3/joined_rooms",
                                                            world.tokens["coordinator"])["joined_rooms"],
                                   what="room purged")
    else:  # the bot leaves (and forgets) it
        bot = bot_session(world)
        await coordinator.wait_for(lambda: room not in bot["get"]("/_matrix/client/v3/joined_rooms")["joined_rooms"],
                                   what="the bot leaving")
    with sqlite3.connect(world.workdir / "zvh.db") as db:
        assert db.execute("SELECT COUNT(*) FROM cases WHERE id = ?", (number,)).fetchone()[0] == 0
        assert db.execute("SELECT COUNT(*) FROM referrals WHERE id = ?", (number,)).fetchone()[0] == 0
        assert db.execute("SELECT COUNT(*) FROM actions WHERE case_id = ?", (number,)).fetchone()[0] == 0
        record = db.execute("SELECT case_id, closed_at FROM deletions").fetchall()
    assert record and record[0][0] == number and record[0][1]
    if admin:
        assert isinstance(await politie.client.join(room), nio.JoinError)  # blocked on the homeserver
