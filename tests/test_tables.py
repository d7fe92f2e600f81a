"""The whole table (issue 12): types and agenda, minutes adopted like the plan, the coordinators' week and the triage
table's agenda, a weekly series with one occurrence moved and one cancelled, reminders across DST and after
downtime, and an answer by reacting from an encrypting client. Every .ics is parsed back with the library."""
import asyncio
import hashlib
import re
from datetime import datetime

import pytest
from icalendar import Calendar

from core.render import catalogue
from tests.harness import AMSTERDAM, archival_pdf, download, file_referral, local, open_case, plain, state_of


def files(user, room: str, suffix: str) -> list[dict]:
    return [e for e in user.events.get(room, []) if e["content"].get("msgtype") == "m.file"
            and e["content"]["body"].endswith(suffix)]


async def calendar_file(user, room: str, nth: int) -> Calendar:
    """The nth .ics posted in the room (1-based), parsed."""
    found = await user.wait_for(lambda: (lambda f: f if len(f) >= nth else None)(files(user, room, ".ics")),
                                what=f".ics number {nth}")
    return Calendar.from_ical(await download(user, found[nth - 1]["content"]))


def event_of(calendar: Calendar):
    return next(iter(calendar.walk("VEVENT")))


def zone_of(calendar: Calendar) -> str:
    return str(next(iter(calendar.walk("VTIMEZONE")))["tzid"])


def answer_word(answer: str) -> str:
    return catalogue("nl")[f"word.rsvp.{answer}"]


@pytest.mark.clock("2026-11-30T10:00:00")  # a Monday
async def test_a_focusoverleg_carries_its_type_and_an_agenda_from_the_case(world):
    number, room = await open_case(world, "politie", "ggz", members=("politie", "ggz"))
    coordinator, politie, ggz = [await world.user(n) for n in ("coordinator", "politie", "ggz")]
    assert (await politie.command(room, "!actie politie Huisbezoek afleggen voor 1 dec")).ok
    assert (await coordinator.command(room, "!besluit Eén contactpersoon voor het gezin")).ok
    assert (await coordinator.command(room, "!plan doel huisvesting Stabiele woonplek")).ok
    assert (await coordinator.command(room, "!plan evaluatie 2 december")).ok  # up for review at Thursday's table

    planned = await coordinator.command(room, "!overleg focusoverleg donderdag 10:00 Stadskantoor")
    assert planned.ok and planned.says("meeting.planned"), planned.keys
    assert "Focusoverleg" in planned.body  # the type's configured name
    for part in ("Huisbezoek afleggen", "Eén contactpersoon voor het gezin", "overlast"):  # actions, decisions, theme
        assert part in planned.body, part
    assert "J.D." not in planned.body  # nothing personal beyond what the room holds
    calendar = await calendar_file(coordinator, room, 1)
    event = event_of(calendar)
    assert str(event["summary"]) == f"Focusoverleg {number} #1" and str(event["uid"]) == f"{number}-1@zvh-bot"
    assert zone_of(calendar) == "Europe/Amsterdam" and event["dtstart"].params["TZID"] == "Europe/Amsterdam"
    assert event.decoded("dtstart") == datetime(2026, 12, 3, 10, 0, tzinfo=AMSTERDAM) and event["sequence"] == 0
    assert str(calendar["method"]) == "PUBLISH"

    point = await ggz.command(room, "!overleg agenda 1 Schuldhulp bespreken")
    assert point.ok and point.says("meeting.point_added")
    detail = await politie.command(room, "!overleg 1")
    assert detail.says("meeting.detail") and "Schuldhulp bespreken" in detail.body and "Focusoverleg" in detail.body
    assert (await ggz.command(room, "!overleg agenda 9 Iets")).says("meeting.not_found")

    other = await coordinator.command(room, "!overleg MDA++ vrijdag 9:00")
    assert other.ok and "MDA++" in other.body
    assert str(event_of(await calendar_file(coordinator, room, 2))["summary"]) == f"MDA++ {number} #2"
    bare = await coordinator.command(room, "!overleg jco")
    assert bare.failed and bare.says("error.missing_argument"), bare.keys
    assert (await coordinator.command(room, "!overleg 14 december 10:00")).ok  # beyond the coming week

    week = await coordinator.command(world.screening_room, "!overleg")  # the coordinators' week, across cases
    assert week.ok and week.says("meeting.week"), week.keys
    assert number in week.body and "do 3 december 2026 10:00" in week.body and "vr 4 december 2026 09:00" in week.body
    assert "14 december" not in week.body
    refused = await politie.command(world.screening_room, "!overleg")
    assert refused.failed and refused.says("error.not_allowed")


@pytest.mark.clock("2026-11-30T10:00:00")
async def test_minutes_rendered_from_the_table_and_adopted_unchangeable(world):
    number, room = await open_case(world, "politie", "ggz", members=("politie", "ggz"))
    coordinator, politie, ggz = [await world.user(n) for n in ("coordinator", "politie", "ggz")]
    assert (await coordinator.command(room, "!overleg dinsdag 10:00")).ok  # 1 December
    early = await coordinator.command(room, "!notulen 1")
    assert early.failed and early.says("minutes.not_held"), early.keys
    assert (await politie.command(room, "!aanwezig 1 ja")).ok
    assert (await ggz.command(room, "!aanwezig 1 nee")).ok
    assert (await coordinator.command(room, "!actie ggz Intake plannen voor 4 dec")).ok  # before the table

    world.travel(local("2026-12-01T10:20:00"))  # the table is running
    await asyncio.sleep(1.0)
    assert (await politie.command(room, "!besluit Politie bezoekt het gezin")).ok
    agreed = await coordinator.command(room, "!actie politie Huisbezoek voor 8 dec")
    assert agreed.ok and re.search(r"#1\b", agreed.body.split("#2", 1)[1]), agreed.body  # action #2, at meeting #1
    world.travel(local("2026-12-01T12:00:00"))
    await asyncio.sleep(1.0)

    shown = await politie.command(room, "!notulen 1")
    assert shown.ok and shown.says("minutes.show"), shown.keys
    for part in ("Politie bezoekt het gezin", "Huisbezoek", "Politie Haaglanden", "GGZ Delfland", "Casusoverleg"):
        assert part in shown.body, part
    agreed_at = shown.html.rsplit("<ul>", 1)[1]  # the last list: the actions agreed at the table
    assert "Huisbezoek" in agreed_at and "Intake plannen" not in agreed_at
    assert "Politie Haaglanden" in agreed_at and "Intake plannen (GGZ Delfland" in shown.body  # owners by name

    refused = await politie.command(room, "!notulen 1 vaststellen")
    assert refused.failed and refused.says("error.not_allowed")
    adopted = await coordinator.command(room, "!notulen 1 vaststellen")
    assert adopted.ok and adopted.says("minutes.adopted"), adopted.keys
    digest = re.search(r"\b[0-9a-f]{64}\b", adopted.body).group(0)
    document = await coordinator.wait_for(lambda: files(coordinator, room, ".pdf"), what="minutes document")
    content = await download(coordinator, document[0]["content"])
    assert hashlib.sha256(content).hexdigest() == digest
    minutes_pdf = archival_pdf(content)
    assert minutes_pdf.pdfa == ("3", "B") and "Politie bezoekt het gezin" in minutes_pdf.text
    await coordinator.wait_for(lambda: document[0]["event_id"] in state_of(world, world.tokens["coordinator"], room)
                               .get(("m.room.pinned_events", ""), {}).get("pinned", []), what="pinned")
    again = await coordinator.command(room, "!notulen 1 vaststellen")
    assert again.failed and again.says("minutes.already_adopted")
    archive = await politie.command(room, "!archief")
    assert digest in archive.body

    late = await politie.command(room, "!besluit Nog een afspraak")  # adopted minutes stay as they were
    assert late.ok and "Nog een afspraak" not in (await politie.command(room, "!notulen 1")).body


@pytest.mark.clock("2026-11-30T09:00:00")  # Monday; the triage table is on Tuesday 10:00, cut-off Monday 12:00
async def test_the_triage_table_agenda_holds_the_referrals_before_its_cut_off(world):
    melder, coordinator = await world.user("melder"), await world.user("coordinator")
    dm = await melder.dm(world.bot_id)
    first = await file_referral(melder, dm)
    world.travel(local("2026-11-30T13:00:00"))  # after the cut-off
    await asyncio.sleep(1.0)
    second = await file_referral(melder, dm)

    agenda = await coordinator.command(world.screening_room, "!weegteam")
    assert agenda.ok and agenda.says("triage_table.agenda"), agenda.keys
    assert "di 1 december 2026 10:00" in agenda.body and "ma 30 november 2026 12:00" in agenda.body
    assert first in agenda.body and second not in agenda.body
    english = await coordinator.command(world.screening_room, "!triageagenda")
    assert english.ok and english.says("triage_table.agenda")

    world.travel(local("2026-12-01T14:00:00"))  # Tuesday's table is over: next week's agenda, both on it
    await asyncio.sleep(1.0)
    agenda = await coordinator.command(world.screening_room, "!weegteam")
    assert "di 8 december 2026 10:00" in agenda.body
    assert first in agenda.body and second in agenda.body and agenda.body.index(first) < agenda.body.index(second)
    politie = await world.user("politie")  # in the screening room, but no coordinator
    assert (await politie.command(world.screening_room, "!weegteam")).says("error.not_allowed")


@pytest.mark.parametrize("world", [{"meetings": {"series_count": 4}}], indirect=True)
@pytest.mark.clock("2026-11-30T10:00:00")
async def test_a_weekly_series_with_one_occurrence_moved_and_one_cancelled(world):
    number, room = await open_case(world, "politie", "ggz", members=("politie", "ggz"))
    coordinator, politie, ggz = [await world.user(n) for n in ("coordinator", "politie", "ggz")]
    sent = await coordinator.send(room, "!overleg jco elke dinsdag 10:00 Politiebureau")
    planned = await coordinator.answer_to(room, sent)
    assert planned.ok and planned.says("meeting.series_planned"), planned.keys
    assert "#1" in planned.body and "#4" in planned.body and "JCO" in planned.body
    calendar = await calendar_file(coordinator, room, 1)
    series = event_of(calendar)
    rule = series["rrule"]
    assert rule["FREQ"] == ["WEEKLY"] and rule["BYDAY"] == ["TU"] and rule["COUNT"] == [4]
    assert series.decoded("dtstart") == datetime(2026, 12, 1, 10, 0, tzinfo=AMSTERDAM)
    assert str(series["uid"]) == f"{number}-reeks-1@zvh-bot" and zone_of(calendar) == "Europe/Amsterdam"
    listed = await politie.command(room, "!overleg")
    for day in ("di 1 december", "di 8 december", "di 15 december", "di 22 december"):
        assert day in listed.body, day

    moved = await coordinator.command(room, "!overleg verzetten 2 woensdag 9 december 14:00")
    assert moved.ok and moved.says("meeting.moved")
    override = event_of(await calendar_file(coordinator, room, 2))
    assert str(override["uid"]) == str(series["uid"]) and override["sequence"] == 1
    assert override.decoded("recurrence-id") == datetime(2026, 12, 8, 10, 0, tzinfo=AMSTERDAM)
    assert override.decoded("dtstart") == datetime(2026, 12, 9, 14, 0, tzinfo=AMSTERDAM)
    cancelled = await coordinator.command(room, "!overleg annuleren 3 Vakantie")
    assert cancelled.ok and cancelled.says("meeting.cancelled")
    cancellation = await calendar_file(coordinator, room, 3)
    gone = event_of(cancellation)
    assert str(cancellation["method"]) == "CANCEL" and str(gone["status"]) == "CANCELLED"
    assert gone.decoded("recurrence-id") == datetime(2026, 12, 15, 10, 0, tzinfo=AMSTERDAM)
    assert str(gone["uid"]) == str(series["uid"]) and gone["sequence"] == 1
    listed = plain((await politie.command(room, "!overleg")).body)
    assert "wo 9 december 2026 14:00" in listed and "di 22 december 2026 10:00" in listed
    assert "15 december" not in listed and "di 8 december" not in listed

    # Reacting on the series' invitation answers for each occurrence still to come; one can differ.
    await politie.client.room_send(room, "m.reaction", {"m.relates_to": {
        "rel_type": "m.annotation", "event_id": coordinator.reply_to(room, sent)["event_id"], "key": "✅"}})
    for _ in range(20):
        four = await coordinator.command(room, "!overleg 4")
        if any(world.ids["politie"] in line and answer_word("yes") in line for line in plain(four.body).split("\n")):
            break
        await asyncio.sleep(0.5)
    else:
        raise AssertionError(f"the reaction did not count for #4: {four.body}")
    assert (await politie.command(room, "!aanwezig 2 nee")).ok
    two, four = [plain((await coordinator.command(room, f"!overleg {n}")).body).split("\n") for n in (2, 4)]
    assert any(world.ids["politie"] in line and answer_word("no") in line for line in two)
    assert any(world.ids["politie"] in line and answer_word("yes") in line for line in four)

    # Reminders follow each occurrence: none for the cancelled one, the moved one's at its new time.
    world.travel(local("2026-12-08T09:59:58"))
    world.travel(local("2026-12-08T13:59:58"))  # (the bot reads its clock file every 0.1 s)
    await ggz.wait_said(room, "meeting.reminder", world.bot_id, "#2")
    world.travel(local("2026-12-14T09:59:58"))  # the day before the cancelled one
    await asyncio.sleep(2.0)
    assert not ggz.said(room, "meeting.reminder", world.bot_id, "#3")
    world.travel(local("2026-12-21T09:59:58"))
    await ggz.wait_said(room, "meeting.reminder", world.bot_id, "#4")


@pytest.mark.clock("2027-03-25T10:00:00")  # Thursday; summer time starts on Sunday 28 March at 02:00
async def test_meeting_reminders_keep_local_time_across_dst_and_come_late_only_before_the_start(world):
    number, room = await open_case(world, "politie", members=("politie",))
    coordinator, politie = await world.user("coordinator"), await world.user("politie")
    assert (await coordinator.command(room, "!overleg zondag 10:00")).ok  # #1: Sunday 28 March, summer time
    assert (await coordinator.command(room, "!overleg zondag 9:15")).ok  # #2

    world.travel(local("2027-03-27T09:00:30"))  # 24 hours before #1 by the clock of UTC: not the day before's time
    await asyncio.sleep(2.0)
    assert not politie.said(room, "meeting.reminder", world.bot_id, "#1")
    world.travel(local("2027-03-27T09:59:58"))
    await politie.wait_said(room, "meeting.reminder", world.bot_id, "#1")

    world.bot.stop()  # down across the hour-before moments of both (09:00 and 08:15 summer time)
    world.travel(local("2027-03-28T09:30:00"))  # #2 has begun, #1 has not
    world.bot.start()
    await politie.wait_for(lambda: len(politie.said(room, "meeting.reminder", world.bot_id, "#1")) == 2,
                           what="the late reminder of #1")
    late = politie.said(room, "meeting.reminder", world.bot_id, "#1")[-1]
    assert "zo 28 maart 2027 09:00" in plain(late["content"]["body"])  # says when it was due
    await asyncio.sleep(2.0)
    assert len(politie.said(room, "meeting.reminder", world.bot_id, "#2")) == 1  # only its day-before one


@pytest.mark.e2e  # an encrypted case room; the partner's client encrypts its reaction as Element X does
@pytest.mark.clock("2026-11-30T10:00:00")
async def test_an_encrypted_reaction_on_the_invitation_counts_as_the_answer(world):
    number, room = await open_case(world, "politie", members=("politie",))
    coordinator, politie = await world.user("coordinator"), await world.user("politie")
    sent = await coordinator.send(room, "!overleg donderdag 10:00")
    assert (await coordinator.answer_to(room, sent)).ok
    invitation = coordinator.reply_to(room, sent)
    seen = await politie.wait_for(lambda: next((e for e in politie.events.get(room, [])
                                                if e["event_id"] == invitation["event_id"]), None), what="invitation")
    assert "meeting.planned" in seen["content"].get("nl.zvh.keys", [])
    response = await politie.client.room_send(room, "m.reaction", {"m.relates_to": {
        "rel_type": "m.annotation", "event_id": invitation["event_id"], "key": "❓\ufe0f"}},
        ignore_unverified_devices=True)
    assert getattr(response, "event_id", None), response
    for _ in range(30):
        detail = await coordinator.command(room, "!overleg 1")
        line = next((li for li in plain(detail.body).split("\n") if world.ids["politie"] in li
                     and answer_word("maybe") in li), None)
        if line:
            break
        await asyncio.sleep(0.5)
    else:
        raise AssertionError(f"the encrypted reaction was not counted: {detail.body}")
