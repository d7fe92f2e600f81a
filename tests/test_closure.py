"""The end of a case (issue 13): closing asks first and shows what is open; on `ja` future tables are cancelled with
a cancelling .ics, open actions close with their owners told, nothing is left in `!mijn`, the final report is
archived and pinned, the room turns read-only and empties after the grace period; reopening brings it back;
monitoring keeps a case watched until a date."""
import asyncio
import hashlib
import re

import pytest
from icalendar import Calendar

from tests.harness import archival_pdf, bot_session, download, local, open_case, plain, state_of


def files(user, room: str, suffix: str) -> list[dict]:
    return [e for e in user.events.get(room, []) if e["content"].get("msgtype") == "m.file"
            and e["content"]["body"].endswith(suffix)]


def joined(world, room: str) -> list[str]:
    return list(bot_session(world)["get"](f"/_matrix/client/v3/rooms/{room}/joined_members")["joined"])


@pytest.mark.parametrize("world", [{"closed_members_days": 3}], indirect=True)
@pytest.mark.clock("2026-11-30T10:00:00")
async def test_closing_asks_first_then_winds_the_case_down_and_reopening_brings_it_back(world):
    number, room = await open_case(world, "politie", members=("politie",))
    coordinator, politie = await world.user("coordinator"), await world.user("politie")
    assert (await coordinator.command(room, "!actie politie Rapport sturen voor 15 dec")).ok
    assert (await coordinator.command(room, "!overleg donderdag 10:00")).ok
    assert (await coordinator.command(room, "!besluit Dossier overdragen aan wijkteam")).ok

    unknown = await coordinator.command(room, "!afsluiten zomaar")
    assert unknown.failed and unknown.says("case.close_reason"), unknown.keys
    refused = await politie.command(room, "!afsluiten doelen bereikt")
    assert refused.failed and refused.says("error.not_allowed")
    asked = await coordinator.command(room, "!afsluiten doelen bereikt, goed verlopen")
    assert asked.ok and asked.says("case.close_confirm") and "Rapport sturen" in asked.body, asked.keys
    someone_else = await politie.send(room, "ja")  # only the one who asked can answer
    await asyncio.sleep(1.5)
    assert not politie.replies_to(room, someone_else)
    dropped = await coordinator.command(room, "nee")
    assert dropped.says("confirm.dropped") and (await coordinator.command(room, "!casus")).says("case.card")
    assert (await coordinator.command(room, "!afsluiten Doelen bereikt goed verlopen")).says("case.close_confirm")

    closed = await coordinator.command(room, "ja")
    assert closed.ok and closed.says("case.closed"), closed.keys
    assert world.ids["politie"] in closed.content["m.mentions"]["user_ids"]  # their open action was closed
    assert "Rapport sturen" in closed.body
    cancellation = await coordinator.wait_for(lambda: (lambda f: f if len(f) >= 2 else None)(
        files(coordinator, room, ".ics")), what="cancelling .ics")
    assert str(Calendar.from_ical(await download(coordinator, cancellation[-1]["content"]))["method"]) == "CANCEL"
    digest = re.search(r"\b[0-9a-f]{64}\b", closed.body).group(0)
    report = await coordinator.wait_for(lambda: files(coordinator, room, ".pdf"), what="final report")
    content = await download(coordinator, report[0]["content"])
    assert hashlib.sha256(content).hexdigest() == digest
    pdf = archival_pdf(content)
    assert pdf.pdfa == ("3", "B") and "Dossier overdragen aan wijkteam" in pdf.text and "Rapport sturen" in pdf.text
    assert "J.D." not in pdf.text and "J.D." not in pdf.source
    await coordinator.wait_for(lambda: report[0]["event_id"] in state_of(world, world.tokens["coordinator"], room)
                               .get(("m.room.pinned_events", ""), {}).get("pinned", []), what="pinned")
    state = await coordinator.wait_for(lambda: (lambda s: s if s[("nl.zvh.case", "")]["status"] == "closed"
                                                and s[("m.room.power_levels", "")].get("events_default") == 100
                                                else None)(state_of(world, world.tokens["coordinator"], room)),
                                       what="closed and read-only")
    assert state
    pdm = await politie.dm(world.bot_id)
    mine = await politie.command(pdm, "!mijn")
    assert mine.says("mine.list") and number not in mine.body  # nothing of the case left

    world.travel(local("2026-12-03T10:00:05"))  # the grace period is over: everyone leaves the room
    await coordinator.wait_for(lambda: joined(world, room) == [world.bot_id], what="members out")

    reopened = await coordinator.command(world.screening_room, f"!heropenen {number} Nieuwe zorgen")
    assert reopened.ok and reopened.says("case.reopened"), reopened.keys
    for user in (coordinator, politie):
        await user.wait_invite(lambda r, s: r == room)
        await user.join(room)
    await coordinator.wait_for(lambda: (lambda s: s[("nl.zvh.case", "")]["status"] == "open"
                                        and s[("m.room.power_levels", "")].get("events_default") == 0)(
        state_of(world, world.tokens["coordinator"], room)), what="open and writable again")
    assert (await politie.command(room, "!casus")).ok


@pytest.mark.clock("2026-11-30T10:00:00")
async def test_monitoring_keeps_the_case_watched_until_its_date(world):
    number, room = await open_case(world, "politie", members=("politie",))
    coordinator = await world.user("coordinator")
    assert (await coordinator.command(room, "!afsluiten overgedragen monitoring 10 december")).says(
        "case.close_confirm")
    watched = await coordinator.command(room, "ja")
    assert watched.ok and watched.says("case.monitoring") and "10 december" in plain(watched.body)
    assert (await coordinator.command(room, "!actie politie Nog even kijken voor 9 dec")).ok  # work may go on
    world.travel(local("2026-12-10T09:00:02"))
    ends = await coordinator.wait_said(room, "case.monitoring_ends", world.bot_id, number)
    assert ends["content"]["m.mentions"]["user_ids"] == [world.ids["coordinator"]]  # the procesregisseur, ringing
    late = await coordinator.command(room, "!heropenen Toch nodig")
    assert late.ok and late.says("case.reopened")
