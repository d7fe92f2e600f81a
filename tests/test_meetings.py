"""Case meetings end to end: plan (with an .ics the calendar takes in), list, move, cancel; the case card and
!mijn show what is coming."""
import asyncio
import re
from datetime import datetime, timedelta

import nio
import pytest
from icalendar import Calendar

from core.render import catalogue
from tests.harness import AMSTERDAM, download, keys_of, local, notifications, open_case, plain


def ics_files(user, room: str) -> list[dict]:
    return [e["content"] for e in user.events.get(room, []) if e["content"].get("msgtype") == "m.file"
            and e["content"]["body"].endswith(".ics")]


async def read_ics(user, content: dict):
    return next(iter(Calendar.from_ical(await download(user, content)).walk("VEVENT")))


@pytest.mark.clock("2026-11-30T10:00:00")
async def test_plan_list_move_and_cancel_a_meeting(world):
    number, room = await open_case(world, "politie", members=("politie",))
    coordinator, politie = await world.user("coordinator"), await world.user("politie")
    planned = await coordinator.command(room, "!overleg vrijdag 14u 90 min Stadskantoor, kamer 3")
    assert planned.ok and planned.says("meeting.planned") and "#1" in planned.body
    assert "vr 4 december 2026 14:00" in planned.body and re.search(r"\b90\b", planned.body)  # minutes
    assert "Stadskantoor, kamer 3" in planned.body
    invitation = await coordinator.wait_for(lambda: ics_files(coordinator, room), what=".ics")
    event = await read_ics(coordinator, invitation[0])
    assert event.decoded("dtstart") == datetime(2026, 12, 4, 14, 0, tzinfo=AMSTERDAM)
    assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(minutes=90)
    assert str(event["summary"]) == f"Casusoverleg {number} #1" and "J.D." not in str(event)  # no names

    bad = await politie.command(room, "!overleg gisteren 10:00")
    assert bad.failed and bad.says("date.past"), bad.keys
    listed = await politie.command(room, "!overleg")
    assert "#1" in listed.body and "Stadskantoor" in listed.body
    card = await politie.command(room, "!casus")
    assert card.says("case.card") and "vr 4 december 2026 14:00" in card.body  # the next meeting: its only moment

    refused = await politie.command(room, "!overleg verzetten 1 maandag 9:00")
    assert refused.failed and refused.says("meeting.not_allowed"), refused.keys
    moved = await coordinator.command(room, "!overleg verzetten 1 maandag 9:00")
    assert moved.ok and "ma 7 december 2026 09:00" in moved.body
    updated = await coordinator.wait_for(lambda: (lambda f: f if len(f) >= 2 else None)(ics_files(coordinator, room)),
                                         what="updated .ics")
    event = await read_ics(coordinator, updated[-1])
    assert event.decoded("dtstart") == datetime(2026, 12, 7, 9, 0, tzinfo=AMSTERDAM) and event["sequence"] == 1

    pdm = await politie.dm(world.bot_id)
    assert (await politie.command(room, "!mijn")).ok
    mine = plain((await politie.wait_said(pdm, "mine.list", world.bot_id))["content"]["body"])
    assert re.search(rf"{number}\b.*#1\b.*ma 7 december 2026 09:00", mine)  # one line: case, meeting, moment

    cancelled = await coordinator.command(room, "!overleg annuleren 1 Casus loopt anders")
    assert cancelled.ok and cancelled.says("meeting.cancelled"), cancelled.keys
    last = await coordinator.wait_for(lambda: (lambda f: f if len(f) >= 3 else None)(ics_files(coordinator, room)),
                                      what="cancellation .ics")
    assert str((await read_ics(coordinator, last[-1]))["status"]) == "CANCELLED"
    empty = await politie.command(room, "!overleg")
    assert empty.says("meeting.list") and "#1" not in empty.body  # nothing planned any more


@pytest.mark.clock("2026-11-30T10:00:00")
async def test_attendance_by_command_and_by_reacting_on_the_invitation(world):
    number, room = await open_case(world, "politie", "ggz", members=("politie", "ggz"))
    coordinator, politie, ggz = [await world.user(n) for n in ("coordinator", "politie", "ggz")]
    planned_id = await coordinator.send(room, "!overleg donderdag 10:00")
    await coordinator.answer_to(room, planned_id)
    invitation = coordinator.reply_to(room, planned_id)
    assert "meeting.planned" in keys_of(invitation)

    answered = await ggz.command(room, "!aanwezig 1 misschien")
    assert answered.ok and answered.says("meeting.rsvp")
    answered = await ggz.command(room, "!aanwezig 1 ja")  # the latest answer counts
    assert answered.ok
    reacted = await politie.client.room_send(room, "m.reaction", {"m.relates_to": {
        "rel_type": "m.annotation", "event_id": invitation["event_id"], "key": "❌"}})
    assert isinstance(reacted, nio.RoomSendResponse)

    def shown() -> str:
        return plain(detail.body)

    for _ in range(20):  # the reaction is read by the bot's next sync
        detail = await coordinator.command(room, "!overleg 1")
        if world.ids["politie"] in shown().split("\n", 2)[-1] and "Politie Haaglanden" in shown():
            break
        await asyncio.sleep(0.5)
    assert detail.ok and detail.says("meeting.detail")
    lines = shown().split("\n")
    ggz_line = next(line for line in lines if world.ids["ggz"] in line and ":" in line)
    politie_line = next(line for line in lines if line.strip("• ").startswith(world.ids["politie"]))
    yes, no = catalogue("nl")["word.rsvp.yes"], catalogue("nl")["word.rsvp.no"]
    assert yes in ggz_line and no not in ggz_line and no in politie_line
    waiting = next(line for line in lines if world.ids["melder"] in line)
    assert world.ids["coordinator"] in waiting  # neither has answered
    unrepresented = next(line for line in lines if "Politie Haaglanden" in line and world.ids["politie"] not in line)
    assert "GGZ Delfland" not in unrepresented  # politie comes for no one; ggz does

    wrong = await ggz.command(room, "!aanwezig 7 ja")
    assert wrong.failed and wrong.says("meeting.not_found")


@pytest.mark.clock("2026-11-30T10:00:00")  # a Monday
async def test_those_invited_are_reminded_the_day_before_and_shortly_before_once(world):
    number, room = await open_case(world, "politie", "ggz", members=("politie", "ggz"))
    coordinator, politie, ggz = [await world.user(n) for n in ("coordinator", "politie", "ggz")]
    assert (await coordinator.command(room, "!overleg woensdag 14:00")).ok  # 2 December
    assert (await ggz.command(room, "!aanwezig 1 nee")).ok  # declined: no reminders

    world.travel(local("2026-12-01T13:59:58"))  # the day before, at the meeting's time
    day_before = await politie.wait_said(room, "meeting.reminder", world.bot_id)
    mentioned = set(day_before["content"]["m.mentions"]["user_ids"])
    assert world.ids["politie"] in mentioned and world.ids["ggz"] not in mentioned
    assert notifications(world, "politie")[day_before["event_id"]]["highlight"]  # it rings
    world.travel(local("2026-12-02T12:59:58"))  # an hour before
    await politie.wait_for(lambda: len(politie.said(room, "meeting.reminder", world.bot_id)) == 2, what="soon")
    world.travel(local("2026-12-02T15:00:00"))  # past it: nothing more
    await asyncio.sleep(2.0)
    assert len(politie.said(room, "meeting.reminder", world.bot_id)) == 2


@pytest.mark.clock("2026-11-30T10:00:00")
async def test_a_cancelled_meeting_is_not_reminded(world):
    number, room = await open_case(world, "politie", members=("politie",))
    coordinator, politie = await world.user("coordinator"), await world.user("politie")
    assert (await coordinator.command(room, "!overleg woensdag 14:00")).ok
    assert (await coordinator.command(room, "!overleg annuleren 1 Niet meer nodig")).ok
    assert (await coordinator.command(room, "!herinner 1 dec 14:00 Controle")).ok  # same moment as the reminder
    world.travel(local("2026-12-01T13:59:58"))
    await politie.wait_said(room, "reminder.fire", world.bot_id, "Controle")
    await asyncio.sleep(2.0)
    assert not politie.said(room, "meeting.reminder", world.bot_id)


@pytest.mark.clock("2026-11-30T10:00:00")
async def test_a_decision_is_linked_to_the_meeting_it_was_taken_at(world):
    number, room = await open_case(world, "politie", members=("politie",))
    coordinator, politie = await world.user("coordinator"), await world.user("politie")
    early = await politie.command(room, "!besluit Eerst een huisbezoek")  # no meeting held yet: no link
    assert early.ok and early.says("decision.recorded") and "#1" in early.body
    assert (await coordinator.command(room, "!overleg dinsdag 10:00")).ok  # 1 December
    world.travel(local("2026-12-01T10:20:00"))  # the meeting is running
    await asyncio.sleep(1.0)  # the bot reads its clock file every 0.1 s
    taken = await politie.command(room, "!besluit Politie bezoekt het gezin")
    assert taken.ok and taken.says("decision.recorded") and "#2" in taken.body and "di 1 december 2026" in taken.body
    detail = await coordinator.command(room, "!overleg 1")
    taken_at = detail.html.rsplit("<b>Besluiten</b>", 1)[1]  # the agenda lists earlier ones too
    assert "Politie bezoekt het gezin" in taken_at and "Eerst een huisbezoek" not in taken_at
