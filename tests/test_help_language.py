"""Help per room and user, suggestions for unknown commands, usage lines, and switching language."""


async def test_help_lists_what_this_user_can_do_here(world):
    melder = await world.user("melder")
    dm = await melder.dm(world.bot_id)
    help_dm = await melder.command(dm, "!help")
    assert help_dm.ok and "!melding" in help_dm.body and "!meldingen" in help_dm.body
    assert "!triage" not in help_dm.body and "!casus" not in help_dm.body
    coordinator = await world.user("coordinator")
    help_screening = await coordinator.command(world.screening_room, "!hulp")
    assert "!triage <nr> advies|doorverwijzen|afwijzen|opschalen" in help_screening.body
    politie = await world.user("politie")  # in the screening room but no coordinator: no triage offered
    assert "!triage" not in (await politie.command(world.screening_room, "!help")).body
    one = await melder.command(dm, "!help triage")
    assert one.ok and "screeningsroom" in one.body


async def test_unknown_command_gets_suggestions(world):
    melder = await world.user("melder")
    dm = await melder.dm(world.bot_id)
    answer = await melder.command(dm, "!meldng")
    assert answer.reaction == "❌" and "!melding" in answer.body and "!help" in answer.body


async def test_missing_argument_gets_usage_in_the_users_language(world):
    melder = await world.user("melder")
    dm = await melder.dm(world.bot_id)
    nl = await melder.command(dm, "!toon")
    assert nl.reaction == "❌" and "Gebruik: !toon <nr>" in nl.body
    switched = await melder.command(dm, "!taal en")
    assert switched.ok and "English" in switched.body
    en = await melder.command(dm, "!show")
    assert "Usage: !show <nr>" in en.body
    help_en = await melder.command(dm, "!help")
    assert "What you can do here" in help_en.body and "!referral" in help_en.body
    intake = await melder.command(dm, "!referral")
    assert "Question 1 of 9" in intake.body
    assert (await melder.command(dm, "!language nl")).body.startswith("Taal ingesteld")
    bad = await melder.command(dm, "!taal fr")
    assert bad.reaction == "❌" and "nl, en" in bad.body
