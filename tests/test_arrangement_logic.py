"""Light arrangements, the pure parts: how a term is read, and how an arrangement is told apart from a case."""
import hashlib
from datetime import date, datetime
from zoneinfo import ZoneInfo

from commands.arrangements import read_term
from storage import arrangements, cases
from storage.db import Database


def test_a_term_at_the_end_of_the_partners():
    assert read_term(["ggz", "politie", "6", "weken"]) == (["ggz", "politie"], 42)
    assert read_term(["ggz", "3w"]) == (["ggz"], 21)
    assert read_term(["ggz", "10", "dagen"]) == (["ggz"], 10)
    assert read_term(["ggz", "2", "weeks"]) == (["ggz"], 14)
    assert read_term(["ggz", "politie"]) == (["ggz", "politie"], None)
    assert read_term([]) == ([], None)


async def test_an_arrangement_is_a_case_row_of_its_own_kind_until_it_is_escalated():
    """(What the figures make of them: tests/test_report_desk.py.)"""
    db = await Database.open(":memory:")
    async with db.transaction() as tx:
        for n, status in enumerate(("escalated", "aligned", "aligned", "aligned"), start=1):
            number = f"HGL-2026-000{n}"
            await tx.execute("INSERT INTO referrals(id, referrer, fields, status, created_at) VALUES (?, ?, ?, ?, ?)",
                             (number, "@m:x", "{}", status, "2026-11-01"))
            await cases.create(tx, number, "overlast", "Delft", "@c:x")
            if status == "aligned":
                await arrangements.begin(tx, number, date(2026, 12, 28))
        await cases.close(tx, "HGL-2026-0003", "2026-12-28T08:00:00.000+00:00", "term_ended")
        await arrangements.escalate(tx, "HGL-2026-0004", "2026-12-10T08:00:00.000+00:00")
        assert [(await cases.get(tx, f"HGL-2026-000{n}")).kind for n in (1, 2, 3)] == [cases.CASE, *[
            cases.ARRANGEMENT] * 2]
        assert (await cases.get(tx, "HGL-2026-0004")).kind == cases.CASE  # a case now, counted as one too
    await db.close()


async def test_the_end_of_an_arrangement_leaves_an_archived_record_pinned_in_its_room():
    """What was arranged, by whom, by when and how it ended: rendered once as PDF/A, archived with its SHA-256,
    named in the closing message and pinned in the room."""
    from commands.arrangement_record import RECORD
    from commands.firing import Firing
    from commands.workdays import WorkCalendar
    from core.intents import RoomMessage, SendFile
    from storage import actions, archive, schedule
    from tests.harness import archival_pdf
    from tests.test_permissions import config

    cfg, tz = config(), ZoneInfo("Europe/Amsterdam")
    number, room, now = "HGL-2026-0001", "!afstemming:x", datetime(2026, 12, 28, 9, tzinfo=tz)
    db = await Database.open(":memory:")
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO referrals(id, referrer, fields, status, created_at, triaged_by, triaged_at) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?)", (number, "@m:x", '{"thema": "overlast"}', "aligned",
                                                          "2026-11-28", "@c:x", "2026-11-30T09:00:00+00:00"))
        await cases.create(tx, number, "overlast", "Delft", "@c:x")
        await cases.set_room(tx, number, room)
        await arrangements.begin(tx, number, date(2026, 12, 28))
        action = await actions.create(tx, number, "Intake plannen", None, "ggz", date(2026, 12, 4), "@g:x")
        await arrangements.record(tx, number, "Intake plannen", None, "ggz", action.number, "@g:x")
        await arrangements.record(tx, number, "Melder licht de familie in", "@m:x", None, None, "@m:x")
        item = schedule.Item(1, now, schedule.Kind.ARRANGEMENT_END, number, None)
        intents = await Firing(tx, cfg, WorkCalendar("NL"), item, now).run()
        stored = await archive.listing(tx, number)
        content = await archive.content(tx, number, RECORD, 1)
    await db.close()
    assert [(d["kind"], d["title"]) for d in stored] == [(RECORD, f"Afstemmingsverslag {number}")]
    assert content is not None and hashlib.sha256(content).hexdigest() == stored[0]["sha256"]
    ended = next(i for i in intents if isinstance(i, RoomMessage))
    assert ended.msg.key == "arrangement.ended" and ended.msg.params["sha256"] == stored[0]["sha256"]
    posted = [i for i in intents if isinstance(i, SendFile)]
    assert [(f.room_id, f.pin, f.data) for f in posted] == [(room, True, content)]
    assert intents.index(posted[0]) > intents.index(ended)  # below the message that names it
    pdf = archival_pdf(content)
    assert pdf.pdfa == ("3", "B")
    assert "Intake plannen" in pdf.text and "Melder licht de familie in" in pdf.text and "@m:x" in pdf.text
    assert "4 december 2026" in pdf.text and "termijn verstreken" in pdf.text  # by when, and how it ended
