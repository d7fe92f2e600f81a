"""Person, system and area, end to end: a referral states how the ZVH works on it, the intake asks what that needs
(and only that), the case keeps it, a system's plan has goals per person, and nothing personal reaches the room's
name, topic, state, the screening notice or the bot's log."""
import json
import re
import sqlite3

from core.render import template
from core.vocabulary import APPROACHES
from tests.harness import NUMBER, REFERRAL_LINES, User, World, archival_pdf, asks, download, state_of

# A family: a mother and two children with the same initials (told apart by birth year).
FAMILY = "Q.X. 1979 moeder; Z.W. 2009 kind; Z.W. 2012 kind"
PERSONAL = ("Q.X.", "Z.W.", "1979", "2009", "2012")
REST_OF_REFERRAL = "\n".join(line for line in REFERRAL_LINES.splitlines() if not line.startswith("betrokkene"))


def word(approach: str) -> str:
    """How the bot names an approach in Dutch (vocabulary data, not wording)."""
    return APPROACHES[approach]["nl"]


def nothing_personal(text: str, personal: tuple[str, ...] = PERSONAL) -> bool:
    """None of these initials, birth years or places appear as such (a year not inside a longer number or id)."""
    return not any(re.search(rf"(?<![\w.]){re.escape(p)}(?![\w])", text) for p in personal)


async def escalate_and_join(world: World, number: str, *partners: str) -> str:
    """The coordinator escalates the referral; the coordinator and the partners' contacts join its room."""
    coordinator = await world.user("coordinator")
    assert (await coordinator.command(world.screening_room, f"!triage {number} opschalen {' '.join(partners)}")).ok
    room = await coordinator.wait_invite(lambda r, s: any(number in (getattr(e, "name", "") or "") for e in s))
    for name in ("coordinator", *partners):
        user = await world.user(name)
        await user.wait_invite(lambda r, s: r == room)
        await user.join(room)
    await coordinator.wait_said(room, "case.welcome", world.bot_id)
    return room


async def file(melder: User, dm: str) -> str:
    filed = await melder.command(dm, "ja")
    assert filed.ok, filed.body
    return re.search(NUMBER, filed.body).group(0)


async def test_a_family_gets_one_plan_with_goals_per_person(world):
    melder = await world.user("melder")
    dm = await melder.dm(world.bot_id)
    one = await melder.command(dm, "!melding\naanpak: systeem\nbetrokkene: Q.X. 1979 moeder\n" + REST_OF_REFERRAL)
    assert one.failed and one.says("intake.invalid.system_persons") and asks(one, "betrokkene_system"), one.keys
    summary = await melder.answer_to(dm, await melder.send(dm, FAMILY), reaction=False)
    assert summary.says("intake.summary") and word("system") in summary.body, summary.keys
    assert "Q.X. (1979, moeder); Z.W. (2009, kind); Z.W. (2012, kind)" in summary.body
    number = await file(melder, dm)

    coordinator = await world.user("coordinator")
    notice = await coordinator.wait_said(world.screening_room, "screening.new", world.bot_id, contains=number)
    assert word("system") in notice["content"]["body"]
    assert nothing_personal(notice["content"]["body"]) and nothing_personal(notice["content"]["formatted_body"])
    shown = await coordinator.command(world.screening_room, f"!toon {number}")
    assert shown.ok and "Z.W. (2012, kind)" in shown.body and word("system") in shown.body

    room = await escalate_and_join(world, number, "politie")
    state = state_of(world, world.tokens["coordinator"], room)
    assert state[("nl.zvh.case", "")]["approach"] == "system"
    assert nothing_personal(json.dumps(list(state.values()), ensure_ascii=False))  # name, topic, state
    card = await coordinator.command(room, "!casus")
    assert card.says("case.card") and word("system") in card.body and re.search(r"\b3\b", card.body), card.body

    politie = await world.user("politie")
    for goal in ("!plan doel wonen Een eigen woning voor het gezin",  # #1, for the whole family
                 "!plan doel werk voor Z.W. 2009 Elke dag naar school",  # #2, the elder child
                 "!plan doel ggz voor Q.X. Behandeling bij de GGZ"):  # #3, the mother
        assert (await politie.command(room, goal)).ok, goal
    which = await politie.command(room, "!plan doel werk voor Z.W. Stage zoeken")
    assert which.failed and which.says("plan.ambiguous_person") and "Z.W. 2009" in which.body, which.body
    assert "Z.W. 2012" in which.body and "[voor <initialen>] <tekst>" in which.body  # the choice, the usage
    nobody = await politie.command(room, "!plan doel werk voor A.A. Stage zoeken")
    assert nobody.failed and nobody.says("plan.no_such_person") and "Q.X. 1979" in nobody.body, nobody.body
    assert (await politie.command(room, "!plan interventie straf politie Halt-traject doel 2")).ok

    plan = (await politie.command(room, "!plan")).body
    assert "Stage zoeken" not in plan  # refused goals were not stored
    at = {label: plan.index(label) for label in ("#1", "Q.X. (1979, moeder)", "#3", "Z.W. (2009, kind)", "#2",
                                                 "Z.W. (2012, kind)")}
    assert list(at.values()) == sorted(at.values()), plan  # each goal under its person; the younger child has none
    assert nothing_personal(world.bot.log())

    assert (await politie.command(room, "!plan akkoord")).ok and (await coordinator.command(room, "!plan akkoord")).ok
    assert (await coordinator.command(room, "!plan vaststellen")).ok
    files = await coordinator.wait_for(lambda: [e for e in coordinator.events.get(room, [])
                                                if e["content"].get("msgtype") == "m.file"], what="plan document")
    source = archival_pdf(await download(coordinator, files[0]["content"])).source
    # The document has the family's goals, then each person's own, per life domain, with their interventions.
    assert re.search(r"<h2>[^<]*</h2>\s*<h3>Huisvesting</h3>\s*<section class=\"goal\"><h4>[^<]*1: Een eigen woning",
                     source), source
    assert re.search(r"<h2>[^<]*Q\.X\. \(1979, moeder\)</h2>\s*<h3>Geestelijke gezondheid</h3>\s*"
                     r"<section class=\"goal\"><h4>[^<]*3: Behandeling", source), source
    assert re.search(r"<h2>[^<]*Z\.W\. \(2009, kind\)</h2>\s*<h3>Werk &amp; opleiding</h3>\s*"
                     r"<section class=\"goal\"><h4>[^<]*2: Elke dag naar school.*?Halt-traject", source, re.S), source
    assert "Z.W. (2012, kind)</h2>" not in source  # no goals of their own: no section


async def test_an_area_referral_names_no_person_and_its_case_shows_the_area(world):
    melder = await world.user("melder")
    dm = await melder.dm(world.bot_id)
    first = await melder.command(dm, "!melding gebied")
    assert first.ok and asks(first, "gebied"), first.keys

    async def answer(text: str, question: str | None, error: str | None = None) -> str:
        reply = await melder.answer_to(dm, await melder.send(dm, text), reaction=error is not None)
        assert asks(reply, question) if question else reply.says("intake.summary"), (reply.keys, reply.body)
        assert not error or (reply.failed and reply.says(error)), reply.keys
        return reply.body

    await answer("Delft, Dorpsstraat 12", "gebied", error="intake.invalid.gebied_address")  # an address, not an area
    await answer("Delft, Tanthof", "thema")  # no person, and the municipality is the area's
    await answer("overlast", "leefgebieden")
    await answer("justitie, sociaal netwerk", "reden")
    await answer("Een jeugdgroep maakt de wijk onveilig; niemand staat centraal.", "doel")
    await answer("Eén gebiedsgerichte aanpak", "partners")
    await answer("politie", "urgentie")  # no one to have informed
    summary = await answer("hoog", None)
    assert "Delft, Tanthof" in summary and word("area") in summary
    number = await file(melder, dm)

    coordinator = await world.user("coordinator")
    notice = await coordinator.wait_said(world.screening_room, "screening.new", world.bot_id, contains=number)
    assert word("area") in notice["content"]["body"] and "Tanthof" not in notice["content"]["body"]
    shown = await coordinator.command(world.screening_room, f"!toon {number}")
    assert shown.ok and "Delft, Tanthof" in shown.body
    with sqlite3.connect(world.workdir / "zvh.db") as db:
        fields = json.loads(db.execute("SELECT fields FROM referrals WHERE id = ?", (number,)).fetchone()[0])
    assert "betrokkene" not in fields and "geinformeerd" not in fields and fields["gemeente"] == "Delft"

    room = await escalate_and_join(world, number, "politie")
    state = state_of(world, world.tokens["coordinator"], room)
    assert state[("nl.zvh.case", "")]["approach"] == "area"
    assert nothing_personal(json.dumps(list(state.values()), ensure_ascii=False), ("Tanthof", "Dorpsstraat"))
    card = await coordinator.command(room, "!casus")
    assert card.says("case.card") and word("area") in card.body and "Tanthof" in card.body, card.body
    nobody = await coordinator.command(room, "!plan doel justitie voor A.B. Iets")
    assert nobody.failed and nobody.says("plan.no_such_person"), nobody.keys
    goal = await coordinator.command(room, "!plan doel justitie Minder overlast rond het winkelcentrum")
    assert goal.ok and re.search(r"#1\b.*justitie: Minder overlast", goal.body), goal.body
    assert nothing_personal(world.bot.log(), ("Tanthof", "Dorpsstraat"))


async def test_a_wrong_approach_gets_the_choices_and_a_new_approach_drops_what_it_does_not_need(world):
    melder = await world.user("melder")
    dm = await melder.dm(world.bot_id)
    for typed in ("!melding\naanpak: familie", "!melding wijkaanpak"):
        wrong = await melder.command(dm, typed)
        assert wrong.failed and wrong.says("intake.invalid.aanpak") and asks(wrong, "betrokkene"), wrong.keys
        assert all(word(a) in wrong.body for a in APPROACHES), wrong.body  # the choices

    summary = await melder.command(dm, "!melding\n" + REFERRAL_LINES)
    assert summary.says("intake.summary") and "J.D." in summary.body
    switched = await melder.answer_to(dm, await melder.send(dm, "aanpak: gebied"), reaction=False)
    assert switched.says("intake.dropped") and asks(switched, "gebied") and "J.D." not in switched.body
    summary = await melder.answer_to(dm, await melder.send(dm, "gebied: Delft, Tanthof"), reaction=False)
    assert summary.says("intake.summary") and "J.D." not in summary.body and "1985" not in summary.body
    number = await file(melder, dm)
    with sqlite3.connect(world.workdir / "zvh.db") as db:
        stored = db.execute("SELECT fields FROM referrals WHERE id = ?", (number,)).fetchone()[0]
    assert "J.D." not in stored and "1985" not in stored and json.loads(stored)["aanpak"] == "area"

    assert (await melder.command(dm, "!taal en")).ok
    english = await melder.command(dm, "!referral\napproach: family-ish")
    assert english.failed and english.says("intake.invalid.aanpak"), english.keys
    assert all(APPROACHES[a]["en"] in english.body for a in APPROACHES), english.body
    system = await melder.answer_to(dm, await melder.send(dm, "approach: system"), reaction=False)  # a line
    assert system.says("intake.ask") and template("en", "intake.question.betrokkene_system").render() in system.html
