"""Management figures end to end, on a real Synapse: the story of 2025 (tests/history.py) is written into the
running bot's database; `!rapport 2025` in the screening room answers with the summary and posts four charts (as
images with alt text) and the table as CSV and .xlsx, which are downloaded and read back, and whose hidden counts
an attacker cannot recompute; in a coordinator's direct chat the files come there, and a manager asks in the
management room; a report is audited; the
monthly and yearly reports go out once on the first working day of January, on the bot's controlled clock."""
from __future__ import annotations

import asyncio
import csv
import io
import json
import sqlite3

import openpyxl
import pytest

from core.config import load_config
from devserver.provision import call
from storage.db import Database
from tests.attacker import cells_of, recomputed
from tests.harness import download, keys_of, local, plain
from tests.history import seed, year_2025

FILES = 6  # four charts, the CSV and the sheet


async def started(world) -> None:
    """The bot has been through its start (it greets in a new direct chat): commands sent before its first sync
    would count as history, and its database is migrated."""
    await (await world.user("coordinator")).dm(world.bot_id)


async def seed_story(world) -> None:
    """The history goes into the running bot's database, beside it."""
    db = await Database.open(world.workdir / "zvh.db")
    try:
        await seed(db, year_2025(), load_config(world.config_path).pseudonym_key)
    finally:
        await db.close()


def files_from(user, room: str, bot: str, after: int = 0) -> list[dict]:
    return [e["content"] for e in user.events.get(room, [])[after:] if e.get("sender") == bot
            and e["content"].get("msgtype") in ("m.image", "m.file")]


@pytest.mark.clock("2026-01-15T10:00:00")
async def test_a_coordinator_asks_for_the_figures_of_2025_and_gets_summary_charts_and_table(world):
    coordinator, politie = await world.user("coordinator"), await world.user("politie")
    await started(world)
    future = await coordinator.command(world.screening_room, "!rapport 2027")
    assert future.failed and future.says("report.not_begun") and "!rapport [periode]" in future.body
    refused = await politie.command(world.screening_room, "!rapport 2025")  # sees the room, is no coordinator
    assert refused.failed and refused.says("error.not_allowed")
    await seed_story(world)

    before = len(coordinator.events.get(world.screening_room, []))
    answer = await coordinator.command(world.screening_room, "!rapport 2025")
    assert answer.ok and answer.says("report.summary"), answer.keys
    assert "Meldingen ontvangen: 49" in answer.body and "melding tot triage 2 / 7" in answer.body
    posted = await coordinator.wait_for(lambda: (lambda f: f if len(f) >= FILES else None)(
        files_from(coordinator, world.screening_room, world.bot_id, before)), what="the report's files")
    images = [f for f in posted if f["msgtype"] == "m.image"]
    assert len(images) == 4 and all(f["info"]["mimetype"] == "image/png" and f["info"]["w"] > 400 for f in images)
    domains = next(f for f in images if f["filename"].endswith("leefgebieden.png"))
    assert "huisvesting 30" in domains["body"] and "justitie <10" in domains["body"]  # the alt text
    assert (await download(coordinator, domains)).startswith(b"\x89PNG")
    table = next(f for f in posted if f["filename"].endswith(".csv"))
    rows = list(csv.reader(io.StringIO((await download(coordinator, table)).decode())))
    cells = cells_of(rows[1:])
    assert cells["referrals"] == "49" and cells["referrals.municipality:Zoetermeer"] == "<10"
    assert cells["referrals.municipality:Delft"] == "x" and cells["referrals.again:yes"] == "13"
    assert recomputed(cells) == {}  # no hidden count can be had back from what was published
    sheet = openpyxl.load_workbook(io.BytesIO(await download(coordinator, next(
        f for f in posted if f["filename"].endswith(".xlsx")))))
    assert [c.value for c in sheet["Cijfers"][3]][:5] == ["referrals.municipality", "meldingen per gemeente",
                                                          "Den Haag", "Den Haag", 30]
    for content in posted:  # nothing names a case or a person
        assert "HGL-" not in json.dumps(content) and "D.A." not in json.dumps(content)
    with sqlite3.connect(world.workdir / "zvh.db") as db:
        audited = db.execute("SELECT actor, detail FROM audit_log WHERE action = 'report.made'").fetchall()
    assert [(actor, json.loads(detail)["period"]) for actor, detail in audited] == [
        (world.ids["coordinator"], ["2025-01-01", "2025-12-31"])]


@pytest.mark.clock("2026-01-15T10:00:00")
async def test_in_a_direct_chat_the_files_come_to_the_one_who_asked(world):
    coordinator = await world.user("coordinator")
    dm = await coordinator.dm(world.bot_id)
    await seed_story(world)
    answer = await coordinator.command(dm, "!rapport 2025 Delft")
    assert answer.ok and answer.says("report.summary") and "gemeente Delft" in answer.body
    posted = await coordinator.wait_for(lambda: (lambda f: f if len(f) >= FILES else None)(
        files_from(coordinator, dm, world.bot_id)), what="the report's files in the direct chat")
    data = await download(coordinator, next(f for f in posted if f["filename"].endswith(".csv")))
    assert cells_of(list(csv.reader(io.StringIO(data.decode())))[1:])["referrals"] == "10"
    bad = await coordinator.command(dm, "!rapport 2025 Rotterdam")
    assert bad.failed and bad.says("report.bad_argument") and "Zoetermeer" in bad.body


@pytest.mark.clock("2026-01-15T10:00:00")
async def test_a_manager_asks_in_the_management_room(world):
    """The management room (configured; the bot joins it at start) serves managers and coordinators."""
    manager = await world.user("beheer")
    made = call(world.syn, "POST", "/_matrix/client/v3/createRoom", world.tokens["beheer"],
                {"preset": "private_chat", "name": "ZVH management", "invite": [world.bot_id]})
    room = made["room_id"]
    world.bot.stop()
    text = world.config_path.read_text()
    text = text.replace("[bot]\n", f'[bot]\nmanagers = ["{world.ids["beheer"]}"]\n', 1)
    world.config_path.write_text(text + f'\n[reports]\nmanagement_room = "{room}"\n')
    world.bot.start()
    await manager.wait_for(lambda: world.bot_id in call(world.syn, "GET", f"/_matrix/client/v3/rooms/{room}/"
                                                        "joined_members", world.tokens["beheer"])["joined"],
                           what="the bot in the management room")
    await seed_story(world)
    answer = await manager.command(room, "!rapport 2025")
    assert answer.ok and answer.says("report.summary") and "Meldingen ontvangen: 49" in answer.body
    await manager.wait_for(lambda: len(files_from(manager, room, world.bot_id)) >= FILES, what="the files")


@pytest.mark.clock("2026-12-31T10:00:00")
@pytest.mark.parametrize("world", [{"reports": {"at": "08:00"}}], indirect=True)
async def test_the_monthly_and_the_yearly_report_go_out_once_on_the_first_working_day(world):
    coordinator = await world.user("coordinator")
    await started(world)  # and has scheduled the reports
    await seed_story(world)
    room, bot = world.screening_room, world.bot_id
    assert not coordinator.said(room, "report.automatic", bot)
    world.travel(local("2027-01-04T07:59:58"))  # 1 January is a holiday, 2 and 3 a weekend: Monday the 4th
    monthly = await coordinator.wait_said(room, "report.automatic", bot, "december 2026", timeout=60)
    yearly = await coordinator.wait_said(room, "report.automatic", bot, "Het jaaroverzicht", timeout=60)
    assert "report.summary" in keys_of(monthly) and "een jaar eerder" in monthly["content"]["body"]
    assert "Meldingen ontvangen: 0 (een jaar eerder: 0)" in plain(monthly["content"]["body"])  # December: none
    assert "Managementinformatie 2026" in plain(yearly["content"]["body"])
    assert "Meldingen ontvangen: 0 (een jaar eerder: 49)" in plain(yearly["content"]["body"])
    await coordinator.wait_for(lambda: len(files_from(coordinator, room, bot)) >= 2 * FILES, what="both reports' files")
    world.travel(local("2027-01-04T09:30:00"))
    await asyncio.sleep(3)
    assert len(coordinator.said(room, "report.automatic", bot)) == 2  # each once
    with sqlite3.connect(world.workdir / "zvh.db") as db:
        pending = dict(db.execute("SELECT kind, due_at FROM schedule WHERE state = 'pending' "
                                  "AND kind LIKE 'report.%'").fetchall())
    assert pending == {"report.monthly": "2027-02-01T07:00:00.000+00:00",
                       "report.yearly": "2028-01-03T07:00:00.000+00:00"}


@pytest.mark.clock("2026-01-15T10:00:00")
async def test_the_expertise_desks_figures_stand_beside_the_cases(world):
    """The desk's story of 2025 (tests/test_report_desk.py) in the running bot's database: the summary shows the
    consultation questions, their time to a first answer and the light arrangements; the table holds them by
    month, organisation and theme, hidden where small, with nothing recomputable."""
    from tests.test_report_desk import desk_story

    coordinator = await world.user("coordinator")
    await started(world)
    db = await Database.open(world.workdir / "zvh.db")
    try:
        await desk_story(db)
    finally:
        await db.close()
    before = len(coordinator.events.get(world.screening_room, []))
    answer = await coordinator.command(world.screening_room, "!rapport 2025")
    assert answer.ok and answer.says("report.summary"), answer.keys
    text = plain(answer.body)
    assert "Consultatievragen: 16" in text and "7,5 / 36" in text, text
    assert "Lichte afstemmingen (naast de casussen): begonnen <10" in text, text
    posted = await coordinator.wait_for(lambda: (lambda f: f if len(f) >= FILES else None)(
        files_from(coordinator, world.screening_room, world.bot_id, before)), what="the report's files")
    rows = list(csv.reader(io.StringIO((await download(coordinator, next(
        f for f in posted if f["filename"].endswith(".csv")))).decode())))
    cells = cells_of(rows[1:])
    assert cells["questions"] == "16" and cells["questions.month:2025-06"] == "<10"
    assert cells["questions.org:ggz"] == "<10" and cells["questions.theme:none"] == "<10"
    assert cells["lead.answer"] == "16" and cells["lead.answer.p90"] == "36.0"
    assert cells["arrangements.outcome:escalated"] == "<10" and cells["referrals.outcome:aligned"] == "<10"
    assert recomputed(cells) == {}
    assert not any("V-20" in json.dumps(content) or "wijkagent" in json.dumps(content) for content in posted)
