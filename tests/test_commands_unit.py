"""Pure command logic: catalogues, field readers, declarations, and a fuzzed parser that never crashes."""
from contextlib import asynccontextmanager
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commands.base import REGISTRY, Context, RoomKind, lookup
from commands.fields import read_domain, read_domains, read_informed, read_subjects
from commands.plan import GoalRef, split_goal_ref
from commands.router import dispatch, suggestions
from core.config import load_config
from core.messages import CommandError, Msg
from core.render import catalogue, render
from storage import cases
from storage.db import Database
from tests.harness import config_file as write


def test_catalogues_have_the_same_keys_and_every_command_has_help():
    assert set(catalogue("nl")) == set(catalogue("en"))
    for command in REGISTRY:
        assert f"help.text.{command.key}" in catalogue("nl")
        assert command.names["en"], command.key


def test_no_two_commands_share_a_name():
    names = [n for c in REGISTRY for n in c.all_names()]
    assert len(names) == len(set(names))


def test_a_mistyped_command_is_offered_only_commands_that_change_nothing():
    assert "afsluiten" not in suggestions("besluitt", "nl") and "besluit" not in suggestions("besluitt", "nl")
    for typo in ("besluiten", "afsluitn"):
        assert "afsluiten" not in suggestions(typo, "nl")
    assert "close" not in suggestions("clos", "en")
    assert "acties" in suggestions("actis", "nl")
    assert "casus" in suggestions("casu", "nl") and "help" in suggestions("hlep", "nl")
    assert "partner" in suggestions("partnr", "nl")  # `!partner` alone lists; its changes need more words
    offered = {name for typo in ("actie", "klaar", "triage", "regie", "taal", "plann", "overleg", "stop", "herinner")
               for name in suggestions(typo + "x", "nl")}
    assert offered and all(lookup(name) and lookup(name).read_only for name in offered), offered


def test_subjects_take_initials_and_birth_year_only():
    now = datetime(2026, 11, 23)
    assert read_subjects("J.D. 1985; AB 2010 slachtoffer", None, now) == [
        {"initials": "J.D.", "birth_year": 1985, "role": "subject"},
        {"initials": "A.B.", "birth_year": 2010, "role": "victim"},
    ]
    for bad in ("Jan de Vries", "Jan 1985", "ab 2010", "J.D.", "J.D. 2099", "J.D. 1985 buurman"):
        with pytest.raises(CommandError):
            read_subjects(bad, None, now)


def test_domains_and_informed_accept_dutch_and_english():
    assert read_domains("Financiën, werk & opleiding, housing", None, None) == [
        "financien", "werk_opleiding", "huisvesting"]
    assert read_informed("no: criminal investigation", None, None) == {
        "informed": False, "reason": "criminal investigation"}
    with pytest.raises(CommandError):
        read_informed("nee", None, None)


def test_rendering_escapes_and_derives_plain_text():
    body, html = render(Msg.of("intake.invalid.gemeente", value="<img src=x onerror=alert(1)>", options="Delft"),
                        "en")
    assert "<img" not in html and "&lt;img" in html
    assert "<img src=x onerror=alert(1)>" in body


async def seeded_case(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO referrals(id, referrer, fields, status, created_at) "
                         "VALUES ('HGL-2026-0001', '@melder:localhost', '{}', 'escalated', 'x')")
        await cases.create(tx, "HGL-2026-0001", "overlast", "Delft", "@coord:localhost")
        await cases.set_room(tx, "HGL-2026-0001", "!case")
        await cases.add_member(tx, "HGL-2026-0001", "@coord:localhost", cases.PROCESREGISSEUR)


WORDS = st.sampled_from(["actie", "acties", "klaar", "herinner", "herinnering", "herinneringen", "later", "mijn",
                         "regie", "@coord:localhost", "ggz", "3", "#1", "overdragen", "uitstellen", "vervalt",
                         "voor", "morgen", "elke", "maandag", "9:00", "14u", "over", "2", "weken", "weg", "<b>"])


@settings(max_examples=300, deadline=None)
@given(body=st.one_of(st.text(max_size=200).map(lambda t: "!" + t),
                      st.lists(WORDS, min_size=1, max_size=8).map(lambda w: "!" + " ".join(w))))
async def test_fuzzed_commands_never_crash(body, tmp_path_factory):
    config = load_config(write(tmp_path_factory.mktemp("cfg")))
    db = await Database.open(":memory:")
    await seeded_case(db)
    try:
        for kind in (RoomKind.DM, RoomKind.SCREENING, RoomKind.CASE, RoomKind.OTHER):
            async with db.transaction() as tx:
                case = await cases.get(tx, "HGL-2026-0001") if kind is RoomKind.CASE else None
                ctx = Context(tx=tx, config=config, sender="@coord:localhost", room_id="!r", room_kind=kind,
                              lang="nl", event_id="$e", now=datetime(2026, 11, 23, 10, tzinfo=config.tz), case=case)
                try:
                    async with tx.savepoint():
                        await dispatch(ctx, body)
                except CommandError as exc:
                    render(exc.msg, "nl")  # every refusal renders
                for effect in ctx.intents:
                    if hasattr(effect, "msg"):
                        render(effect.msg, "nl")
    finally:
        await db.close()


@asynccontextmanager
async def case_room_context(tmp_path):
    """The procesregisseur in the room of a seeded case, inside an open transaction."""
    config = load_config(write(tmp_path))
    db = await Database.open(":memory:")
    await seeded_case(db)
    try:
        async with db.transaction() as tx:
            yield Context(tx=tx, config=config, sender="@coord:localhost", room_id="!case", room_kind=RoomKind.CASE,
                          lang="nl", event_id="$e", now=datetime(2026, 11, 23, 10, tzinfo=config.tz),
                          case=await cases.get(tx, "HGL-2026-0001"))
    finally:
        await db.close()


@pytest.mark.parametrize("body", [
    "!actie @coord:localhost <script>alert(1)</script> voor morgen",
    "!herinner morgen 10:00 <img src=x onerror=alert(1)>",
    "!afsluiten overig <a href='javascript:alert(1)'>klik</a>",
])
async def test_markup_in_commands_is_escaped_in_every_reply(body, tmp_path):
    async with case_room_context(tmp_path) as ctx:
        await dispatch(ctx, body)
        for effect in [e for e in ctx.intents if hasattr(e, "msg")]:
            _, html = render(effect.msg, "nl")
            assert "<script" not in html and "<img" not in html and "<a href='javascript" not in html
            assert "&lt;" in html


async def test_overlong_text_is_refused_with_the_usage(tmp_path):
    async with case_room_context(tmp_path) as ctx:
        with pytest.raises(CommandError) as refused:
            await dispatch(ctx, "!herinner morgen 10:00 " + "x" * 5000)
        assert "te lang (maximaal 2000 tekens)" in render(refused.value.msg, "nl")[0]


# The thirteen ZRM life domains as DOMAIN.md writes them, each followed by the goal's text.
ZRM_AS_WRITTEN = {
    "financien": "financien", "werk & opleiding": "werk_opleiding", "tijdsbesteding": "tijdsbesteding",
    "huisvesting": "huisvesting", "huiselijke relaties": "huiselijke_relaties",
    "geestelijke gezondheid": "geestelijke_gezondheid", "lichamelijke gezondheid": "lichamelijke_gezondheid",
    "middelengebruik": "middelengebruik", "basale ADL": "basale_adl", "instrumentele ADL": "instrumentele_adl",
    "sociaal netwerk": "sociaal_netwerk", "maatschappelijke participatie": "maatschappelijke_participatie",
    "justitie": "justitie",
}


def test_every_life_domain_is_read_as_written_in_any_case_and_with_or_without_accents():
    for written, key in ZRM_AS_WRITTEN.items():
        for variant in (written, written.upper(), written.title()):
            assert read_domain(f"{variant} Rust en regelmaat") == (key, "Rust en regelmaat", None), variant
    assert read_domain("financiën Schulden saneren")[0] == "financien"
    assert read_domain("werk en opleiding Baan")[:2] == ("werk_opleiding", "Baan")
    assert read_domain("work and education Job")[:2] == ("werk_opleiding", "Job")
    # "en" does not end a name: "werk en inkomen" is the domain werk, then the text.
    assert read_domain("werk en inkomen regelen")[:2] == ("werk_opleiding", "en inkomen regelen")


def test_short_forms_and_english_names_of_life_domains():
    for short, key in {"ggz": "geestelijke_gezondheid", "schulden": "financien", "financien": "financien",
                       "wonen": "huisvesting", "werk": "werk_opleiding", "verslaving": "middelengebruik",
                       "dagbesteding": "tijdsbesteding", "mental health": "geestelijke_gezondheid",
                       "housing": "huisvesting", "debts": "financien", "addiction": "middelengebruik",
                       "substance use": "middelengebruik", "justice": "justitie"}.items():
        assert read_domain(f"{short} x")[:2] == (key, "x"), short
    assert read_domains("GGZ, wonen, schulden", None, None) == ["geestelijke_gezondheid", "huisvesting", "financien"]


def test_a_mistyped_life_domain_gets_the_nearest_as_a_suggestion():
    assert read_domain("geestelijke gezondhied Rust") == (None, "geestelijke gezondhied", "geestelijke_gezondheid")
    assert read_domain("huisvestign Woning")[2] == "huisvesting"
    assert read_domain("financein Schulden")[2] == "financien"
    assert read_domain("geestelijke")[2] == "geestelijke_gezondheid"  # half a name
    assert read_domain("maanreizen Iets") == (None, "maanreizen", None)  # nothing near: no suggestion


def test_a_goal_at_the_end_of_an_intervention():
    assert split_goal_ref("Ambulante begeleiding 2x per week doel #1") == GoalRef(
        "Ambulante begeleiding 2x per week", 1)
    assert split_goal_ref("Begeleiding goal 12") == GoalRef("Begeleiding", 12)
    assert split_goal_ref("Begeleiding DOEL 3") == GoalRef("Begeleiding", 3)
    assert split_goal_ref("Begeleiding #2") == GoalRef("Begeleiding", 2)
    assert split_goal_ref("ggz behandeling 1") == GoalRef("ggz behandeling", 1, bare=True)
    assert split_goal_ref("behandeling fase2") == GoalRef("behandeling fase2")
    assert split_goal_ref("2x per week begeleiding") == GoalRef("2x per week begeleiding")
    assert split_goal_ref("doel 1") == GoalRef("", 1)


def test_the_intervention_usage_shows_the_goal_it_may_serve():
    plan = lookup("plan")
    form = next(f for f in plan.forms if f.handler.__name__ == "intervention")
    assert form.usage("nl", "!plan").endswith("<tekst> [doel #]")
    assert form.usage("en", "!plan").endswith("<text> [goal #]")
