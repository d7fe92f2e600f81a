"""The desk's pure logic: question numbers, the theme a question names, how long it waited, when it is chased,
the search of saved knowledge, and the questions' rows from asking to deletion."""
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from commands.desk import QuestionNumber, inferred_theme, leading_theme, waited
from commands.knowledge import search, theme_in
from commands.question_chase import chase_moment
from core.config import Config
from core.messages import CommandError
from storage import questions, schedule
from storage.db import Database, iso
from storage.knowledge import Entry
from storage.schedule import Kind
from tests.test_permissions import config

AMS = ZoneInfo("Europe/Amsterdam")


def ctx(cfg: Config | None = None) -> SimpleNamespace:
    return SimpleNamespace(config=cfg or config(), now=datetime(2026, 12, 4, 10, tzinfo=AMS))


def test_question_numbers_in_full_or_short_never_bare():
    arg = QuestionNumber("nr")
    assert arg.convert(ctx(), "V-2025-0042") == "V-2025-0042"
    assert arg.convert(ctx(), "v7") == arg.convert(ctx(), "V-7") == "V-2026-0007"
    assert not arg.accepts("7") and not arg.accepts("3 kinderen")  # a question may start with a number
    with pytest.raises(CommandError):
        arg.convert(ctx(), "X-1")


def test_the_theme_named_at_the_start_or_once_in_the_text():
    c = ctx()
    assert leading_theme(c, "Overlast: een buurman maakt lawaai") == ("overlast", "een buurman maakt lawaai")
    assert leading_theme(c, "Vraag: hoe zit het?") == (None, "Vraag: hoe zit het?")
    assert inferred_theme(c, "Er is huiselijk geweld in het gezin") == "huiselijk geweld"
    assert inferred_theme(c, "Huiselijk geweld en overlast tegelijk") is None  # two: not guessed
    assert inferred_theme(c, "Een vraag over schulden") is None


def test_waiting_time_in_hours_then_days():
    now = datetime(2026, 12, 4, 10, tzinfo=AMS)
    assert waited(now, iso(now - timedelta(minutes=5))) == {"days": None, "hours": 1}
    assert waited(now, iso(now - timedelta(hours=30))) == {"days": None, "hours": 30}
    assert waited(now, iso(now - timedelta(days=3, hours=2)))["days"] == 3


def test_a_question_is_chased_on_the_morning_of_the_nth_working_day():
    cfg = config()
    friday = datetime(2026, 12, 4, 10, tzinfo=AMS)
    assert chase_moment(friday, friday, cfg) == datetime(2026, 12, 8, 9, tzinfo=AMS)  # the weekend does not count
    christmas_eve = datetime(2026, 12, 24, 15, tzinfo=AMS)  # 25 and 26 December are holidays
    assert chase_moment(christmas_eve, christmas_eve, cfg).date() == date(2026, 12, 29)
    long_ago = datetime(2026, 11, 2, 10, tzinfo=AMS)  # a follow-up to a wait long past: the next morning
    assert chase_moment(long_ago, friday, cfg) == datetime(2026, 12, 7, 9, tzinfo=AMS)


def entry(id_: int, theme: str | None, question: str, answer: str) -> Entry:
    return Entry(id_, theme, question, answer, "2026-11-01T10:00:00.000+00:00")


ENTRIES = [
    entry(1, "overlast", "Een oudere man met zorgmijding", "De GGD bemoeizorg en het wijkteam, via een MDO."),
    entry(2, "huiselijk geweld", "Een vader is agressief", "Veilig Thuis adviseert; bij gevaar een huisverbod."),
    entry(3, "overlast", "Jongeren hangen op het plein", "De jongerenwerker en de wijkagent samen."),
]


def test_knowledge_found_by_words_forgiving_typos_and_by_theme():
    assert [e.id for e in search(ENTRIES, "zorgmyding")] == [1]  # a typo
    assert [e.id for e in search(ENTRIES, "huisverbod veilig thuis")] == [2]
    assert search(ENTRIES, "kernenergie") == []
    assert search(ENTRIES, "wijkagent", "huiselijk geweld") == []  # another theme
    assert [e.id for e in search(ENTRIES, "overlast", "overlast")] == [3, 1]  # the theme alone: newest first
    assert search(ENTRIES, "de en") == []  # nothing to search for


def test_the_theme_a_search_names():
    themes = config().bot.themes
    assert theme_in("Huiselijk geweld huisverbod", themes) == "huiselijk geweld"
    assert theme_in("overlast plein", themes) == "overlast"
    assert theme_in("overlastig", themes) is None


@pytest.fixture
async def db():
    database = await Database.open(":memory:")
    yield database
    await database.close()


async def test_questions_from_asking_to_deletion(db):
    async with db.transaction() as tx:
        first = await questions.next_number(tx, 2026)
        second = await questions.next_number(tx, 2026)
        assert (first, second) == ("V-2026-0001", "V-2026-0002")
        await questions.insert(tx, first, "@a:x", None, "overlast", "Delft", "Wie helpt?")
        await questions.insert(tx, second, "@b:x", "ggz", None, None, "Welke partner?")
        await questions.add_message(tx, first, questions.ANSWER, "@coord:x", "Het wijkteam.")
        answered = await questions.get(tx, first)
        assert answered.waiting_since is None and answered.first_answer_at is not None
        assert [q.id for q in await questions.open_ones(tx)] == [second, first]  # waiting first
        assert [q.id for q in await questions.open_ones(tx, "@a:x")] == [first]
        await questions.add_message(tx, first, questions.FOLLOWUP, "@a:x", "En verder?")
        assert (await questions.get(tx, first)).waiting_since is not None
        assert [m.kind for m in await questions.messages(tx, first)] == ["question", "answer", "followup"]
        await schedule.add(tx, datetime(2026, 12, 8, 9, tzinfo=AMS), Kind.QUESTION_CHASE, first)
        await questions.close(tx, first)
        assert await questions.open_ones(tx, "@a:x") == []
        assert await questions.expired(tx, "2000-01-01") == []
        assert await questions.expired(tx, "9999-01-01") == [first, second]
        await questions.delete(tx, first, AMS)
        assert await questions.get(tx, first) is None and await questions.messages(tx, first) == []
        assert await tx.value("SELECT COUNT(*) FROM schedule WHERE case_id = ?", (first,)) == 0
        assert await questions.get(tx, second) is not None


async def test_retention_deletes_old_questions_and_keeps_knowledge(db):
    from commands.firing import Firing
    from commands.question_chase import purge
    from commands.workdays import WorkCalendar
    from storage import knowledge

    cfg = config()
    now = datetime.now(AMS)  # the rows are stamped with the bot's clock
    async with db.transaction() as tx:
        for number in ("V-2026-0001", "V-2026-0002"):
            await questions.insert(tx, number, "@a:x", None, None, None, "Wie helpt?")
        await tx.execute("UPDATE questions SET closed_at = ?, status = 'closed' WHERE id = 'V-2026-0001'",
                         (iso(now - timedelta(days=cfg.desk.retention_days + 1)),))
        await knowledge.save(tx, "overlast", "Wie helpt?", "Het wijkteam.")
        item = schedule.Item(1, now, Kind.RETENTION, None, None)
        await purge(Firing(tx, cfg, WorkCalendar(), item, now))
        assert await questions.get(tx, "V-2026-0001") is None  # closed longer ago than the term
        assert await questions.get(tx, "V-2026-0002") is not None  # asked just now
        assert len(await knowledge.all_entries(tx)) == 1  # knowledge stays
        deleted = await tx.value("SELECT COUNT(*) FROM audit_log WHERE action = 'question.deleted'")
        assert deleted == 1


async def test_a_consultation_room_of_its_own_is_a_room_kind_of_its_own(db):
    from bot.handler import Handler
    from commands.base import RoomKind
    from core.clock import Clock

    plain = config()
    own = Config.model_validate({**plain.model_dump(), "desk": {"room": "!desk:zvh.example"}})
    async with db.transaction() as tx:
        assert plain.desk_room == plain.bot.screening_room
        kind, _ = await Handler(db, plain, "@bot:zvh.example", Clock()).room_kind(tx, plain.bot.screening_room, "@a:x")
        assert kind is RoomKind.SCREENING
        kind, _ = await Handler(db, own, "@bot:zvh.example", Clock()).room_kind(tx, "!desk:zvh.example", "@a:x")
        assert kind is RoomKind.CONSULTATION
