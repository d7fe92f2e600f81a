"""Help per room and user, suggestions for unknown commands, usage lines, and switching language."""
from core.messages import Msg
from core.render import catalogue, render, template


def rendered(key: str, lang: str, /, **params) -> str:
    """A message (its HTML) in one language, as the catalogue words it: tells the language."""
    return render(Msg.of(key, **params), lang)[1]


async def test_help_lists_what_this_user_can_do_here(world):
    melder = await world.user("melder")
    dm = await melder.dm(world.bot_id)
    help_dm = await melder.command(dm, "!help")
    assert help_dm.ok and help_dm.says("help.list") and "!melding" in help_dm.body and "!meldingen" in help_dm.body
    assert "!triage" not in help_dm.body and "!casus" not in help_dm.body
    coordinator = await world.user("coordinator")
    help_screening = await coordinator.command(world.screening_room, "!hulp")
    assert "!triage <nr> advies|doorverwijzen|afwijzen|opschalen" in help_screening.body
    politie = await world.user("politie")  # in the screening room but no coordinator: no triage offered
    assert "!triage" not in (await politie.command(world.screening_room, "!help")).body
    one = await melder.command(dm, "!help triage")
    assert one.ok and one.says("help.one") and catalogue("nl")["word.room.screening"] in one.body  # where it works


async def test_unknown_command_gets_suggestions(world):
    melder = await world.user("melder")
    dm = await melder.dm(world.bot_id)
    answer = await melder.command(dm, "!meldng")
    assert answer.failed and answer.says("error.unknown_command") and "!melding" in answer.body  # the suggestion


async def test_missing_argument_gets_usage_in_the_users_language(world):
    melder = await world.user("melder")
    dm = await melder.dm(world.bot_id)
    # The usage line shows the command's syntax in the user's language: `!toon <nr>`, `!show <nr>`.
    nl = await melder.command(dm, "!toon")
    assert nl.failed and nl.says("error.missing_argument") and "!toon <nr>" in nl.body
    switched = await melder.command(dm, "!taal en")
    assert switched.ok and switched.html == rendered("language.set", "en", lang="en", shared=False)
    en = await melder.command(dm, "!show")
    assert en.failed and en.says("error.missing_argument") and "!show <nr>" in en.body
    help_en = await melder.command(dm, "!help")
    assert help_en.says("help.list") and "!referral" in help_en.body and "!melding" not in help_en.body
    intake = await melder.command(dm, "!referral")  # the first question, in English
    assert intake.says("intake.ask") and template("en", "intake.question.betrokkene").render() in intake.html
    assert (await melder.command(dm, "!language nl")).html == rendered("language.set", "nl", lang="nl", shared=False)
    bad = await melder.command(dm, "!taal fr")
    assert bad.failed and bad.says("error.bad_choice") and "nl, en" in bad.body
