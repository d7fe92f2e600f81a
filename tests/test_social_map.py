"""The sociale kaart (issue 18): searching it forgives typos and synonyms; an admin changes it, audited and written
back to its file; nobody else may. Pure search logic first, then end to end."""
import sqlite3
from pathlib import Path

from commands.map_search import for_domains, read_query, search
from core.social_map import Offer, SocialMap, dump, parse
from storage import social_map_file
from tests.harness import open_case

REPO = Path(__file__).resolve().parent.parent
KAART = """
[[offer]]
partner = "ggz"
interventions = ["FACT-team", "verslavingszorg"]
target_group = "volwassenen met psychische problemen"
tracks = ["zorg"]
domains = ["geestelijke_gezondheid", "middelengebruik"]
contact = "aanmeldpunt 015 000 0000"

[[offer]]
partner = "schuldhulp"
name = "Schuldhulpverlening Delft"
interventions = ["budgetcoaching", "schuldregeling"]
tracks = ["zorg"]
domains = ["financien"]

[[offer]]
partner = "politie"
interventions = ["wijkagent", "aangifte"]
tracks = ["straf", "bestuur"]
domains = ["justitie"]
"""
NAMES = {"ggz": "GGZ Delfland", "politie": "Politie Haaglanden", "schuldhulp": "Schuldhulpverlening Delft"}


def found(text: str) -> list[str]:
    return [hit.offer.partner for hit in search(parse(KAART), NAMES, text)]


def test_a_typo_and_a_synonym_find_the_same_partner():
    assert found("ggz") == ["ggz"]
    assert found("geestelijke gezondheid") == ["ggz"]  # the domain the short form stands for
    assert found("geestlijke gezondhied") == ["ggz"]  # typos in both words
    assert found("schulden") == ["schuldhulp"]  # schulden is financiën
    assert found("schuldn") == ["schuldhulp"]
    assert found("verslavng") == ["ggz"]  # a typo of a word in an intervention
    assert found("strafrecht") == ["politie"]  # a track by another name
    assert found("wijkagnet") == ["politie"]
    assert found("maanreizen") == []
    assert found("ggz politie") == []  # every word must be found
    assert read_query("geestelijke gezondheid jongeren").domains == {"geestelijke_gezondheid"}


def test_suggestions_for_life_domains_prefer_the_track():
    kaart = parse(KAART)
    assert [o.partner for o in for_domains(kaart, ["financien", "huisvesting"])] == ["schuldhulp"]
    assert [o.partner for o in for_domains(kaart, ["justitie"], track="bestuur")] == ["politie"]
    assert [o.partner for o in for_domains(kaart, ["middelengebruik"], track="straf")] == ["ggz"]  # none on it


def test_the_file_is_written_back_whole_and_reads_back_the_same(tmp_path):
    path = tmp_path / "kaart.toml"
    path.write_text(KAART)
    kaart = social_map_file.load(path)
    changed = kaart.with_offer(Offer(partner="om", interventions=["strafbeschikking"], tracks=["straf"]))
    social_map_file.save(path, changed)
    assert social_map_file.load(path) == changed == parse(dump(changed))
    assert parse((tmp_path / "kaart.toml.bak").read_text()) == kaart  # the version before, beside it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kaart.toml", "kaart.toml.bak"]  # no temporary left


def test_the_example_file_is_a_valid_kaart():
    assert isinstance(parse((REPO / "kaart.example.toml").read_text()), SocialMap)


async def test_searching_the_kaart_with_a_typo_and_a_synonym(world):
    (world.workdir / "kaart.toml").write_text(KAART)
    melder = await world.user("melder")
    dm = await melder.dm(world.bot_id)
    everything = await melder.command(dm, "!kaart")
    assert everything.ok and everything.says("kaart.list") and "Schuldhulpverlening Delft" in everything.body
    typo = await melder.command(dm, "!kaart verslavng")
    assert typo.ok and typo.says("kaart.found") and "GGZ Delfland" in typo.body and "Politie" not in typo.body
    synonym = await melder.command(dm, "!kaart schulden")
    assert synonym.says("kaart.found") and "Schuldhulpverlening Delft" in synonym.body and "GGZ" not in synonym.body
    english = await melder.command(dm, "!directory mental health")
    assert english.says("kaart.found") and "FACT-team" in english.body
    nothing = await melder.command(dm, "!kaart maanreizen")
    assert nothing.ok and nothing.says("kaart.found") and "GGZ" not in nothing.body


async def test_an_admin_changes_the_kaart_audited_and_no_one_else_may(world):
    path = world.workdir / "kaart.toml"
    path.write_text(KAART)
    admin, politie = await world.user("beheer"), await world.user("politie")
    admin_dm, politie_dm = await admin.dm(world.bot_id), await politie.dm(world.bot_id)

    refused = await politie.command(politie_dm, "!kaart wijzig ggz doelgroep iedereen")
    assert refused.failed and refused.says("error.not_allowed"), refused.keys
    bad = await admin.command(admin_dm, "!kaart wijzig ggz kleur blauw")
    assert bad.failed and bad.says("kaart.bad_field") and "!kaart wijzig" in bad.body  # with the usage line
    assert (await admin.command(admin_dm, "!kaart wijzig ggz sporen zorg, maanreis")).says("kaart.bad_track")
    assert parse(path.read_text()) == parse(KAART)  # nothing written

    changed = await admin.command(admin_dm, "!kaart wijzig ggz leefgebieden ggz, schulden")
    assert changed.ok and changed.says("kaart.changed"), changed.keys
    assert parse(path.read_text()).find("ggz").domains == ["geestelijke_gezondheid", "financien"]
    added = await admin.command(admin_dm, "!directory edit om interventions strafbeschikking, OM-hoorzitting")
    assert added.ok and added.says("kaart.changed")
    assert parse(path.read_text()).find("om").interventions == ["strafbeschikking", "OM-hoorzitting"]
    assert (await admin.command(admin_dm, "!kaart wijzig buurtwerk interventies inloop")).says("kaart.new_needs_name")

    found = await politie.command(politie_dm, "!kaart geld")  # the change is what the next search reads
    assert found.says("kaart.found") and "GGZ Delfland" in found.body
    with sqlite3.connect(world.workdir / "zvh.db") as db:
        trail = db.execute("SELECT actor, detail FROM audit_log WHERE action = 'kaart.changed' ORDER BY id").fetchall()
    assert [actor for actor, _ in trail] == [world.ids["beheer"]] * 2
    assert "financien" in trail[0][1] and "strafbeschikking" in trail[1][1]


async def test_the_plan_suggests_partners_from_the_kaart_when_it_names_none(world):
    (world.workdir / "kaart.toml").write_text(KAART)
    number, room = await open_case(world, "ggz", members=("ggz",))
    ggz = await world.user("ggz")
    assert (await ggz.command(room, "!plan doel schulden Schulden onder controle")).ok
    asked = await ggz.command(room, "!plan interventie zorg budgetcoaching starten doel 1")
    assert asked.failed and asked.says("plan.unknown_partner") and asked.says("kaart.suggest"), asked.keys
    assert "Schuldhulpverlening Delft" in asked.body and "GGZ Delfland" not in asked.body.split("kaart")[-1]
    assert "!plan interventie" in asked.body  # with the usage line
    assert (await ggz.command(room, "!plan interventie zorg ggz Budgetcoaching starten doel 1")).ok
