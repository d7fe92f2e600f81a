"""Screening and triage by coordinators, and what the referrer and partners are told."""
from tests.harness import file_referral


async def test_queue_show_and_each_closing_outcome(world):
    melder = await world.user("melder")
    dm = await melder.dm(world.bot_id)
    numbers = [await file_referral(melder, dm) for _ in range(3)]
    coordinator = await world.user("coordinator")
    room = world.screening_room

    queue = await coordinator.command(room, "!meldingen")
    assert queue.ok
    positions = [queue.body.index(n) for n in numbers]
    assert positions == sorted(positions)  # oldest first

    shown = await coordinator.command(room, f"!toon {numbers[0].lower()}")
    assert shown.ok and "J.D. (1985" in shown.body and "geen regie" in shown.body

    advice = await coordinator.command(room, f"!triage {numbers[0]} advies Bel het wijkteam <b>nu</b>")
    assert advice.ok and "ingelicht" in advice.body
    told = await melder.wait_notice(dm, f"{numbers[0]}: advies", sender=world.bot_id)
    assert "Bel het wijkteam <b>nu</b>" in told["content"]["body"]
    assert "&lt;b&gt;nu&lt;/b&gt;" in told["content"]["formatted_body"]

    referred = await coordinator.command(room, f"!triage {numbers[1]} doorverwijzen ggz Graag oppakken")
    assert referred.ok and "GGZ Delfland" in referred.body
    await melder.wait_notice(dm, f"{numbers[1]}: doorverwezen naar GGZ Delfland", sender=world.bot_id)
    ggz = await world.user("ggz")
    ggz_dm = await ggz.wait_invite()
    await ggz.join(ggz_dm)
    await ggz.wait_notice(ggz_dm, f"melding {numbers[1]} doorverwezen", sender=world.bot_id)
    # Need-to-know: the partner it was referred to may read it; another partner gets "does not exist".
    assert "Graag oppakken" in (await ggz.command(ggz_dm, f"!toon {numbers[1]}")).body
    politie = await world.user("politie")
    politie_dm = await politie.dm(world.bot_id)
    hidden = await politie.command(politie_dm, f"!toon {numbers[1]}")
    missing = await politie.command(politie_dm, "!toon HGL-1999-0999")
    assert hidden.reaction == "❌" and hidden.body.replace(numbers[1], "X") == missing.body.replace(
        "HGL-1999-0999", "X")

    rejected = await coordinator.command(room, f"!triage {numbers[2]} afwijzen Buiten de doelgroep")
    assert rejected.ok
    await melder.wait_notice(dm, f"{numbers[2]}: afgewezen", sender=world.bot_id)

    again = await coordinator.command(room, f"!triage {numbers[0]} afwijzen Toch niet")
    assert again.reaction == "❌" and "al afgehandeld" in again.body

    status = await melder.command(dm, "!meldingen")
    assert "advies" in status.body and "doorverwezen" in status.body and "afgewezen" in status.body
    assert "Er zijn geen open meldingen" in (await coordinator.command(room, "!meldingen")).body


async def test_bad_triage_input_gets_the_usage_line(world):
    melder = await world.user("melder")
    dm = await melder.dm(world.bot_id)
    number = await file_referral(melder, dm)
    coordinator = await world.user("coordinator")
    room = world.screening_room
    cases = {
        f"!triage {number} weggooien": "geen geldige keuze",
        f"!triage {number} advies": "Geef het advies",
        f"!triage {number} doorverwijzen": "Geef de partner",
        f"!triage {number} doorverwijzen brandweer Graag": "Onbekende partner",
        "!triage": "ontbreekt",
        "!triage 12345 advies x": "geen meldingsnummer",
        "!triage HGL-2026-9999 advies x": "bestaat niet",
    }
    for command, expected in cases.items():
        answer = await coordinator.command(room, command)
        assert answer.reaction == "❌", command
        assert expected in answer.body and "Gebruik: !triage <nr>" in answer.body.replace("`", ""), answer.body
        assert "Traceback" not in answer.body


async def test_triage_is_refused_to_non_coordinators(world):
    melder = await world.user("melder")
    dm = await melder.dm(world.bot_id)
    number = await file_referral(melder, dm)
    politie = await world.user("politie")  # a member of the screening room, but not a coordinator
    refused = await politie.command(world.screening_room, f"!triage {number} advies Zelf doen")
    assert refused.reaction == "❌" and "coördinatoren" in refused.body
    in_dm = await melder.command(dm, f"!triage {number} advies Zelf doen")
    assert in_dm.reaction == "❌" and "screeningsroom" in in_dm.body
    queue = await (await world.user("coordinator")).command(world.screening_room, "!meldingen")
    assert number in queue.body  # still open: nothing was changed
