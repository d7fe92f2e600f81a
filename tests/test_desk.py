"""The expertise desk end to end: a professional asks an anonymous consultation question in their DM; what
identifies a person is refused before anything is stored; the staff answer it (ringing the asker), the asker
follows up and closes it; a waiting question is chased after the working days; a question becomes a referral;
an answer is kept as knowledge and found again; a consultation room of its own serves the desk, the questions
count in `!rapport`, and go after their retention term while the figures and the knowledge stay."""
import asyncio
import csv
import io
import re
import sqlite3

import pytest

from core.render import catalogue
from devserver.provision import call
from tests.attacker import cells_of
from tests.harness import Answer, asks, download, local
from tests.test_chasing import rings
from tests.test_report import files_from

QUESTION = re.compile(r"V-\d{4}-\d{4}")
FIRST = 240.0  # the first check loads Deduce's tables in the bot (seconds, more on a busy machine)
SETTLE = 2.0

# One Dutch example per kind of personal detail, with the fragment the refusal must show.
PERSONAL = [
    ("Ik maak me zorgen over Jan de Vries, wie kan ik inschakelen?", "Jan de Vries"),
    ("De vader, geboren 12-03-1985, drinkt. Wat nu?", "12-03-1985"),
    ("Er is veel overlast rond de Hoefkade 12, wie pakt dat op?", "Hoefkade 12"),
    ("Een gezin in 2526 AB heeft schulden; welke partner past?", "2526 AB"),
    ("Zijn BSN is 123456782, mag ik dat delen met de GGZ?", "123456782"),
    ("De moeder belt steeds vanaf 06-12345678, wat moet ik doen?", "06-12345678"),
    ("De zoon mailt vanaf k.jansen@example.nl naar school; wie helpt?", "k.jansen@example.nl"),
    ("Een auto met kenteken 12-ABC-3 staat steeds voor de school.", "12-ABC-3"),
]
ORDINARY = ("Ik heb de moeder van drie kinderen in Delft met schulden en er is overlast in de straat. "
            "Wie kan ik erbij halen?")


def db(world) -> sqlite3.Connection:
    return sqlite3.connect(world.workdir / "zvh.db")


def count(world, sql: str, *args) -> int:
    with db(world) as conn:
        return conn.execute(sql, args).fetchone()[0]


async def ask(melder, dm: str, text: str, timeout: float = FIRST) -> str:
    answer = await melder.command(dm, f"!vraag {text}", timeout=timeout)
    assert answer.ok and answer.says("desk.asked"), (answer.keys, answer.body)
    return QUESTION.search(answer.body).group(0)


async def test_refused_for_personal_details_then_answered_followed_up_and_closed(world):
    melder, coordinator, politie = [await world.user(n) for n in ("melder", "coordinator", "politie")]
    dm = await melder.dm(world.bot_id)
    bot, room = world.bot_id, world.screening_room  # the consultation room is the screening room by default

    for i, (text, fragment) in enumerate(PERSONAL):
        refused = await melder.command(dm, f"!vraag {text}", timeout=FIRST if i == 0 else 30)
        assert refused.failed and refused.says("desk.personal"), (text, refused.keys, refused.body)
        assert fragment in refused.body, (fragment, refused.body)
    assert count(world, "SELECT COUNT(*) FROM questions") == 0  # nothing stored
    assert count(world, "SELECT COUNT(*) FROM question_messages") == 0

    number = await ask(melder, dm, ORDINARY, timeout=30)  # a municipality and ordinary words are no one's
    posted = await coordinator.wait_said(room, "desk.new", bot, number)
    assert "Delft" in posted["content"]["body"] and "overlast" in posted["content"]["body"]  # municipality, theme
    assert world.syn.server_name in posted["content"]["body"]  # the asker's organisation (here: their server)
    assert melder.user_id not in posted["content"]["body"]  # not who asked
    assert rings(world, "coordinator", posted)  # the staff on duty are rung

    # The staff answer by replying to the posted question; the asker is rung in their DM.
    reply = await coordinator.reply(room, posted["event_id"], "Betrek het wijkteam en de schuldhulp van de gemeente.")
    assert await coordinator.wait_for(lambda: coordinator.reaction_to(room, reply)) == "✅"
    answer = await melder.wait_said(dm, "desk.answer", bot, "schuldhulp")
    assert rings(world, "melder", answer)

    # The asker follows up by replying to the answer, and by command; both reach the room, ringing the staff.
    await melder.reply(dm, answer["event_id"], "Het wijkteam is al betrokken. Wie nog meer?")
    await coordinator.wait_said(room, "desk.followup", bot, "Wie nog meer?")
    again = await melder.command(dm, f"!vraag {number} En de woningcorporatie?")
    assert again.ok and again.says("desk.followed_up"), again.keys
    followup = await coordinator.wait_said(room, "desk.followup", bot, "woningcorporatie")
    assert rings(world, "coordinator", followup)

    waiting = await coordinator.command(room, "!vragen")
    assert waiting.ok and waiting.says("desk.list") and number in waiting.body, waiting.keys
    own = await melder.command(dm, "!vragen")
    assert own.ok and number in own.body

    # An answer is checked like the question; a follow-up of someone else's question is refused as unknown.
    personal = await coordinator.command(room, f"!antwoord {number} Bel mevrouw Jansen op 06-12345678.")
    assert personal.failed and personal.says("desk.personal") and "06-12345678" in personal.body
    assert count(world, "SELECT COUNT(*) FROM question_messages WHERE kind = 'answer'") == 1
    answered = await coordinator.command(room, f"!antwoord {number} Vraag ook de corporatie aan tafel.")
    assert answered.ok and answered.says("desk.answered"), answered.keys
    await melder.wait_said(dm, "desk.answer", bot, "corporatie aan tafel")
    pdm = await politie.dm(bot)
    other = await politie.command(pdm, f"!vraag {number} sluiten")
    assert other.failed and other.says("desk.not_found"), other.keys

    closed = await melder.command(dm, f"!vraag {number} sluiten")
    assert closed.ok and closed.says("desk.closed"), closed.keys
    await coordinator.wait_said(room, "desk.closed_notice", bot, number)
    late = await coordinator.command(room, f"!antwoord {number} Nog iets.")
    assert late.failed and late.says("desk.is_closed"), late.keys
    with db(world) as conn:
        actions = [r[0] for r in conn.execute("SELECT action FROM audit_log WHERE case_id = ? ORDER BY id", (number,))]
    assert actions == ["question.asked", "question.answered", "question.followed_up", "question.followed_up",
                       "question.answered", "question.closed"]


@pytest.mark.clock("2026-12-04T10:00:00")  # a Friday
@pytest.mark.parametrize("world", [{"desk": {"chase_after_working_days": 2}}], indirect=True)
async def test_a_waiting_question_rings_the_staff_after_the_working_days(world):
    melder, coordinator = await world.user("melder"), await world.user("coordinator")
    dm = await melder.dm(world.bot_id)
    room, bot = world.screening_room, world.bot_id
    assert (await melder.command(dm, "!taal en")).ok  # in English, with the English command name
    asked = await melder.command(dm, "!ask Who helps with a confused neighbour causing overlast?", timeout=FIRST)
    assert asked.ok and asked.says("desk.asked"), asked.keys
    assert asked.body.startswith(catalogue("en")["desk.asked"][:10]), asked.body  # the English catalogue's words
    number = QUESTION.search(asked.body).group(0)

    world.travel(local("2026-12-07T09:30:00"))  # Monday: one working day, not yet
    await asyncio.sleep(SETTLE)
    assert not coordinator.said(room, "desk.chase", bot)
    world.travel(local("2026-12-08T08:59:57"))  # Tuesday morning: two working days (the weekend does not count)
    chase = await coordinator.wait_said(room, "desk.chase", bot, number)
    assert rings(world, "coordinator", chase)
    assert re.search(r"\b2\b", chase["content"]["body"])  # working days waited
    await asyncio.sleep(SETTLE)
    assert len(coordinator.said(room, "desk.chase", bot)) == 1  # once, until the next working days have passed

    # A reply to the chase answers the question too; then nothing more is chased.
    reply = await coordinator.reply(room, chase["event_id"], "Het sociaal wijkteam en de GGZ samen.")
    assert await coordinator.wait_for(lambda: coordinator.reaction_to(room, reply)) == "✅"
    await melder.wait_said(dm, "desk.answer", bot, "sociaal wijkteam")
    assert count(world, "SELECT COUNT(*) FROM schedule WHERE state = 'pending' AND kind = 'question.chase'") == 0


async def test_a_question_becomes_a_referral_draft_completed_through_the_intake(world):
    melder = await world.user("melder")
    dm = await melder.dm(world.bot_id)
    number = await ask(melder, dm, "Een vader in Delft is agressief tegen zijn partner en de kinderen zien het. "
                                   "Hulp wordt afgehouden.")  # no theme named: the asker is asked for one
    assert (await melder.wait_said(dm, "desk.asked", world.bot_id, "thema <thema>"))
    themed = await melder.command(dm, f"!vraag {number} thema huiselijk geweld")
    assert themed.ok and themed.says("desk.theme_set"), themed.keys
    event_id = await melder.send(dm, f"!vraag {number} melding")
    replies = await melder.wait_for(lambda: len(melder.replies_to(dm, event_id)) >= 2 and melder.replies_to(
        dm, event_id), what="the draft and the intake's first question")
    keys = [k for r in replies for k in r["content"]["nl.zvh.keys"]]
    assert "desk.to_referral" in keys and "intake.ask" in keys, keys
    question = next(Answer(r["content"], None) for r in replies if "intake.ask" in r["content"]["nl.zvh.keys"])
    assert asks(question, "betrokkene"), question.body  # theme, municipality and reason are filled in

    lines = await melder.send(dm, "betrokkene: J.D. 1985\nleefgebieden: huiselijke relaties\n"
                                  "doel: Veiligheid in het gezin\npartners: geen\ngeinformeerd: ja\nurgentie: hoog")
    summary = await melder.answer_to(dm, lines, reaction=False)  # answers in the dialogue are not decorated
    assert summary.says("intake.summary"), (summary.keys, summary.body)
    assert "huiselijk geweld" in summary.body and "Delft" in summary.body and "agressief" in summary.body
    filed = await melder.command(dm, "ja")
    assert filed.ok and filed.says("intake.filed") and number in filed.body, filed.body
    referral = re.search(r"HGL-\d{4}-\d{4}", filed.body).group(0)
    with db(world) as conn:
        assert conn.execute("SELECT referral_id FROM questions WHERE id = ?", (number,)).fetchone()[0] == referral
    mine = await melder.command(dm, "!vragen")
    assert referral in mine.body  # the link shows with the question


@pytest.mark.parametrize("world", [{"desk": {"preload": True}}], indirect=True)  # as deployed: loaded at start
async def test_an_answer_kept_as_knowledge_is_found_by_words_and_theme(world):
    melder, coordinator = await world.user("melder"), await world.user("coordinator")
    dm = await melder.dm(world.bot_id)
    room = world.screening_room
    number = await ask(melder, dm, "Een oudere man met zorgmijding veroorzaakt overlast. Wie kan ik betrekken?")
    kept = await coordinator.command(room, f"!antwoord {number} Bij zorgmijding: de GGD bemoeizorg en het "
                                           "wijkteam samen, via een MDO. bewaar")
    assert kept.ok and kept.says("desk.answered") and "K1" in kept.body, kept.body
    sent = await melder.wait_said(dm, "desk.answer", world.bot_id, "bemoeizorg")
    assert "bewaar" not in sent["content"]["body"]  # the word is an instruction, not part of the answer

    typo = await coordinator.command(room, "!kennis zorgmyding")  # a typo
    assert typo.ok and typo.says("knowledge.found") and "bemoeizorg" in typo.body, typo.body
    themed = await coordinator.command(room, "!kennis overlast bemoeizorg")  # a theme and a word
    assert themed.says("knowledge.found") and "K1" in themed.body
    other = await coordinator.command(room, "!kennis radicalisering bemoeizorg")  # another theme: not this
    assert other.ok and other.says("knowledge.none"), other.keys
    nothing = await coordinator.command(room, "!kennis kernenergie")
    assert nothing.ok and nothing.says("knowledge.none")
    referrer = await melder.command(dm, "!kennis zorgmijding")  # not for referrers unless configured
    assert referrer.failed and referrer.says("error.not_allowed"), referrer.keys
    with db(world) as conn:
        row = conn.execute("SELECT theme, question, answer FROM knowledge").fetchone()
    assert row[0] == "overlast" and "MDO" in row[2] and not row[2].endswith("bewaar")


async def own_consultation_room(world) -> str:
    """A room of the ZVH's staff for the desk (`[desk] room`), apart from the screening room: made by the
    coordinator, the bot invited, the config pointing at it; the bot joins it at start."""
    made = call(world.syn, "POST", "/_matrix/client/v3/createRoom", world.tokens["coordinator"],
                {"preset": "private_chat", "name": "ZVH consultatie", "invite": [world.bot_id]})
    room = made["room_id"]
    world.bot.stop()
    text = world.config_path.read_text()
    assert "[desk]\n" in text
    world.config_path.write_text(text.replace("[desk]\n", f'[desk]\nroom = "{room}"\n', 1))
    world.bot.start()
    coordinator = await world.user("coordinator")
    await coordinator.wait_for(lambda: world.bot_id in call(
        world.syn, "GET", f"/_matrix/client/v3/rooms/{room}/joined_members", world.tokens["coordinator"])["joined"],
        what="the bot in the consultation room")
    return room


async def desk_cells(world, coordinator, period: str) -> dict[str, str]:
    """`!rapport <period>` in the screening room: the published table's desk cells."""
    before = len(coordinator.events.get(world.screening_room, []))
    answer = await coordinator.command(world.screening_room, f"!rapport {period}")
    assert answer.ok and answer.says("report.summary") and "Consultatievragen" in answer.body, answer.keys
    table = await coordinator.wait_for(lambda: next((f for f in files_from(
        coordinator, world.screening_room, world.bot_id, before) if f["filename"].endswith(".csv")), None),
        what="the report's table")
    rows = list(csv.reader(io.StringIO((await download(coordinator, table)).decode())))
    return {cell: value for cell, value in cells_of(rows[1:]).items() if cell.startswith(("questions", "lead.answer"))}


@pytest.mark.clock("2026-12-01T10:00:00")  # a Tuesday
@pytest.mark.parametrize("world", [{"desk": {"retention_days": 30, "knowledge_for_referrers": True}}], indirect=True)
async def test_a_consultation_room_of_its_own_the_figures_and_the_retention_term(world):
    """The desk's room is not the screening room: the question lands there only, the staff answer from there and
    the asker gets it in their DM. `!rapport` counts it; after the desk's retention term it is deleted (the kept
    knowledge stays, here for referrers too) and the report's figures stay as they were."""
    room = await own_consultation_room(world)
    melder, coordinator, bot = await world.user("melder"), await world.user("coordinator"), world.bot_id
    dm = await melder.dm(bot)
    number = await ask(melder, dm, "Een oudere man met zorgmijding veroorzaakt overlast. Wie kan ik betrekken?")
    posted = await coordinator.wait_said(room, "desk.new", bot, number)
    assert rings(world, "coordinator", posted)
    waiting = await coordinator.command(room, "!vragen")
    assert waiting.ok and waiting.says("desk.list") and number in waiting.body, waiting.keys

    kept = await coordinator.command(room, f"!antwoord {number} Bij zorgmijding: de GGD bemoeizorg en het "
                                           "wijkteam samen, via een MDO. bewaar")
    assert kept.ok and kept.says("desk.answered"), kept.keys
    answer = await melder.wait_said(dm, "desk.answer", bot, "bemoeizorg")
    assert rings(world, "melder", answer)
    await melder.reply(dm, answer["event_id"], "Dank. En als hij de deur niet opendoet?")
    followup = await coordinator.wait_said(room, "desk.followup", bot, "deur niet opendoet")
    reply = await coordinator.reply(room, followup["event_id"], "Dan gaat de wijkagent mee met de GGD.")
    assert await coordinator.wait_for(lambda: coordinator.reaction_to(room, reply)) == "✅"
    await melder.wait_said(dm, "desk.answer", bot, "wijkagent")
    assert (await melder.command(dm, f"!vraag {number} sluiten")).says("desk.closed")
    await coordinator.wait_said(room, "desk.closed_notice", bot, number)
    await asyncio.sleep(SETTLE)
    for key in ("desk.new", "desk.followup", "desk.closed_notice"):  # nothing of the desk in the screening room
        assert not coordinator.said(world.screening_room, key, bot), key

    cells = await desk_cells(world, coordinator, "2026-12")
    assert cells["questions"] == "<10" and cells["questions.month:2026-12"] == "<10"
    assert cells["lead.answer"] == "<10" and cells["lead.answer.median"] == ""  # too few to show

    world.travel(local("2027-01-01T03:00:02"))  # closed on 1 December: 30 days on, the nightly run deletes it
    await coordinator.wait_for(lambda: count(world, "SELECT COUNT(*) FROM questions") == 0,
                               what="the question deleted after its retention term")
    assert count(world, "SELECT COUNT(*) FROM question_messages") == 0
    assert count(world, "SELECT COUNT(*) FROM question_records") == 1
    assert count(world, "SELECT COUNT(*) FROM knowledge") == 1  # saved knowledge stays
    found = await coordinator.command(room, "!kennis zorgmijding")
    assert found.ok and found.says("knowledge.found"), found.keys
    theirs = await melder.command(dm, "!kennis bemoeizorg")  # configured: every referrer may search it
    assert theirs.ok and theirs.says("knowledge.found") and "MDO" in theirs.body, theirs.keys
    gone = await melder.command(dm, f"!vraag {number} Nog een vraag")
    assert gone.failed and gone.says("desk.not_found"), gone.keys
    assert await desk_cells(world, coordinator, "2026-12") == cells  # the figures stay as they were
