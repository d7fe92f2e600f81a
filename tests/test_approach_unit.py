"""Person, system and area, the pure parts: reading the approach and the area, which fields each approach asks,
fitting the fields to the approach, reading `voor J.D.` in a goal, and grouping a plan's goals per person."""
from datetime import datetime

import pytest

from commands.fields import asked_fields, missing, read_approach, read_area, read_subjects, settle
from commands.persons import split_person_ref, which_person
from commands.plan_document import goal_groups, per_person
from core.config import load_config
from core.messages import CommandError
from storage import cases
from storage.db import Database
from storage.plan import GOAL, INTERVENTION, Item, Plan
from storage.referrals import Referral
from tests.harness import GOOD_CONFIG

NOW = datetime(2026, 11, 23)
FAMILY = [{"initials": "Q.X.", "birth_year": 1979, "role": "mother"},
          {"initials": "Z.W.", "birth_year": 2009, "role": "child"},
          {"initials": "Z.W.", "birth_year": 2012, "role": "child"}]


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(GOOD_CONFIG.format(secret='password = "x"', extra="").replace(
        'municipalities = ["Delft"]', 'municipalities = ["Delft", "Den Haag"]'))
    path.chmod(0o600)
    return load_config(path)


def refused(read, text: str, config=None) -> str:
    with pytest.raises(CommandError) as caught:
        read(text, config, NOW)
    return caught.value.msg.key


def test_the_approach_is_read_in_dutch_english_and_common_words(config):
    for typed, key in (("persoon", "person"), ("Systeem", "system"), ("gebied", "area"), ("area", "area"),
                       ("gezin", "system"), ("groep", "system"), ("gebiedsgericht", "area"), ("wijk", "area")):
        assert read_approach(typed, config, NOW) == key, typed
    for wrong in ("familie", "wijkaanpak", "", "persoon systeem"):
        assert refused(read_approach, wrong, config) == "intake.invalid.aanpak"


def test_an_area_is_a_municipality_and_a_neighbourhood_never_an_address(config):
    assert read_area("Delft, Tanthof", config, NOW) == {"municipality": "Delft", "neighbourhood": "Tanthof"}
    assert read_area("den haag moerwijk-oost", config, NOW) == {"municipality": "Den Haag",
                                                               "neighbourhood": "moerwijk-oost"}
    assert read_area("  Delft ,  Tanthof  ", config, NOW)["neighbourhood"] == "Tanthof"
    assert refused(read_area, "Gotham, Centrum", config) == "intake.invalid.gemeente"
    assert refused(read_area, "Delft", config) == "intake.invalid.gebied"  # no neighbourhood
    assert refused(read_area, "Tanthof", config) == "intake.invalid.gebied"  # no municipality
    assert refused(read_area, "Delft, Dorpsstraat 12", config) == "intake.invalid.gebied_address"
    assert refused(read_area, "Delft, " + "x" * 101, config) == "intake.invalid.too_long"


def test_a_family_names_its_members_with_roles(config):
    assert read_subjects("Q.X. 1979 moeder; Z.W. 2009 kind; A.B. 2000 group member", config, NOW) == [
        {"initials": "Q.X.", "birth_year": 1979, "role": "mother"},
        {"initials": "Z.W.", "birth_year": 2009, "role": "child"},
        {"initials": "A.B.", "birth_year": 2000, "role": "group_member"}]
    assert refused(read_subjects, "Q.X. 1979 buurman", config) == "intake.invalid.subject_role"


def test_each_approach_asks_what_it_needs_and_only_that():
    keys = {approach: [f.key for f in asked_fields(approach)] for approach in ("person", "system", "area")}
    assert keys["person"] == keys["system"] == ["betrokkene", "gemeente", "thema", "leefgebieden", "reden", "doel",
                                                "partners", "geinformeerd", "urgentie"]
    assert keys["area"] == ["gebied", "thema", "leefgebieden", "reden", "doel", "partners", "urgentie"]
    assert [f.key for f in missing({})][0] == "betrokkene"  # no approach given: a person, as before
    assert [f.key for f in missing({"aanpak": "area"})][0] == "gebied"
    one = {"aanpak": "system", "betrokkene": FAMILY[:1]}
    assert [f.key for f in missing(one)][0] == "betrokkene"  # a family of one is no system: asked again
    assert "betrokkene" not in [f.key for f in missing({**one, "betrokkene": FAMILY[:2]})]


def test_a_new_approach_drops_what_it_does_not_need_and_an_area_brings_its_municipality():
    fields = {"aanpak": "area", "betrokkene": FAMILY, "gemeente": "Den Haag", "geinformeerd": {"informed": True},
              "gebied": {"municipality": "Delft", "neighbourhood": "Tanthof"}, "thema": "overlast"}
    assert settle(fields) == ["betrokkene", "geinformeerd"]
    assert fields == {"aanpak": "area", "gebied": {"municipality": "Delft", "neighbourhood": "Tanthof"},
                      "gemeente": "Delft", "thema": "overlast"}
    no_area_yet = {"aanpak": "area", "gemeente": "Delft"}
    assert settle(no_area_yet) == [] and no_area_yet == {"aanpak": "area"}  # asked with the area
    person = {"gebied": {"municipality": "Delft", "neighbourhood": "Tanthof"}, "gemeente": "Delft"}
    assert settle(person) == ["gebied"] and person == {"gemeente": "Delft"}


@pytest.mark.parametrize("text, person, rest", [
    ("voor Q.X. Naar de GGZ", 1, "Naar de GGZ"),
    ("for q.x. Treatment\nweekly", 1, "Treatment\nweekly"),
    ("voor QX Naar de GGZ", 1, "Naar de GGZ"),  # capitals that are someone's initials
    ("voor Z.W. 2012 Naar school", 3, "Naar school"),
    ("Voor de zomer een woning", None, None),  # not initials: the goal's text
    ("voor GGZ-behandeling zorgen", None, None),
    ("voor GGZ behandeling", None, None),  # capitals that are no one's initials: text
    ("Een woning voor Q.X.", None, None),  # only at the start
])
def test_a_goal_names_its_person_by_initials(text, person, rest):
    ref = split_person_ref(text)
    assert which_person(ref, FAMILY) == person
    if person is not None:
        assert ref is not None and ref.rest == rest


@pytest.mark.parametrize("text, key", [
    ("voor Z.W. Naar school", "plan.ambiguous_person"),  # two children: the birth year tells them apart
    ("voor A.A. Iets", "plan.no_such_person"),
    ("voor Q.X. 1980 Iets", "plan.no_such_person"),  # the initials fit, the year does not
])
def test_initials_with_full_stops_that_fit_no_one_or_several_are_refused(text, key):
    with pytest.raises(CommandError) as caught:
        which_person(split_person_ref(text), FAMILY)
    assert caught.value.msg.key == key
    with pytest.raises(CommandError):
        which_person(split_person_ref("voor Q.X. Iets"), [])  # a case without persons (an area)


def test_goals_are_grouped_for_everyone_then_per_person():
    plan = Plan(4, None, None, [Item(1, GOAL, "huisvesting", None, None, None, "Woning"),
                                Item(2, GOAL, "werk_opleiding", None, None, None, "School", 2),
                                Item(3, INTERVENTION, None, "straf", "politie", 2, "Halt"),
                                Item(4, GOAL, "justitie", None, None, None, "Onbekend", 9)], {})
    groups = goal_groups(plan, FAMILY, "system")
    assert [(p and p["birth_year"], [g.number for g in goals]) for p, goals in groups] == [
        (None, [1, 4]), (1979, []), (2009, [2]), (2012, [])]  # a goal for no known person is everyone's
    assert [p and p["birth_year"] for p, _ in goal_groups(plan, FAMILY, "person")] == [None, 2009]
    document, unlinked = per_person(plan, ("zorg", "straf"), FAMILY)
    assert [(p and p["birth_year"], [d for d, _ in domains]) for p, domains in document] == [
        (None, ["huisvesting", "justitie"]), (2009, ["werk_opleiding"])]
    assert document[1][1][0][1][0].tracks[0][0] == "straf" and unlinked == []


async def test_cases_and_referrals_from_before_approaches_are_about_a_person():
    db = await Database.open(":memory:")
    try:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO referrals(id, referrer, fields, status, created_at) "
                             "VALUES ('HGL-2026-0001', '@m:localhost', '{}', 'escalated', 'x')")
            await cases.create(tx, "HGL-2026-0001", "overlast", "Delft", "@coord:localhost")
            case = await cases.require(tx, "HGL-2026-0001")
        assert case.approach == "person" and case.area is None
    finally:
        await db.close()
    old = Referral("HGL-2026-0001", "@m:x", None, {"betrokkene": FAMILY[:1]}, "submitted", None, None, None, None,
                   "x")
    assert old.approach == "person" and old.persons == FAMILY[:1] and old.area is None
