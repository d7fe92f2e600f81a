"""Screening and triage by coordinators, and what the referrer and partners are told."""
import re

from core.render import catalogue
from tests.harness import NUMBER, file_referral

# The usage line of !triage (the command's syntax, not the catalogue's wording), as a refusal shows it.
TRIAGE_USAGE = "!triage <nr> advies|doorverwijzen|afwijzen|opschalen|afstemmen"


def word(key: str) -> str:
    """A word the bot fills in (a status, a room, a role), as the catalogue has it: its wording is not pinned."""
    return catalogue("nl")[key]


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
    assert advice.ok and advice.says("triage.done")
    told = await melder.wait_said(dm, "outcome.advice", world.bot_id, contains=numbers[0])
    assert "Bel het wijkteam <b>nu</b>" in told["content"]["body"]
    assert "&lt;b&gt;nu&lt;/b&gt;" in told["content"]["formatted_body"]

    referred = await coordinator.command(room, f"!triage {numbers[1]} doorverwijzen ggz Graag oppakken")
    assert referred.ok and referred.says("triage.done") and "GGZ Delfland" in referred.body
    told = await melder.wait_said(dm, "outcome.referred", world.bot_id, contains=numbers[1])
    assert "GGZ Delfland" in told["content"]["body"]
    ggz = await world.user("ggz")
    ggz_dm = await ggz.wait_invite()
    await ggz.join(ggz_dm)
    await ggz.wait_said(ggz_dm, "outcome.referred_partner", world.bot_id, contains=numbers[1])
    # Need-to-know: the partner it was referred to may read it; another partner gets "does not exist".
    assert "Graag oppakken" in (await ggz.command(ggz_dm, f"!toon {numbers[1]}")).body
    politie = await world.user("politie")
    politie_dm = await politie.dm(world.bot_id)
    hidden = await politie.command(politie_dm, f"!toon {numbers[1]}")
    missing = await politie.command(politie_dm, "!toon HGL-1999-0999")
    assert hidden.failed and hidden.says("referrals.not_found")
    assert hidden.body.replace(numbers[1], "X") == missing.body.replace("HGL-1999-0999", "X")

    rejected = await coordinator.command(room, f"!triage {numbers[2]} afwijzen Buiten de doelgroep")
    assert rejected.ok
    await melder.wait_said(dm, "outcome.rejected", world.bot_id, contains=numbers[2])

    again = await coordinator.command(room, f"!triage {numbers[0]} afwijzen Toch niet")
    assert again.failed and again.says("triage.already_done")

    status = await melder.command(dm, "!meldingen")
    assert status.says("referrals.mine")
    for number, outcome in zip(numbers, ("advice", "referred", "rejected"), strict=True):  # each with its outcome
        assert word(f"word.status.{outcome}") in next(line for line in status.body.splitlines() if number in line)
    empty = await coordinator.command(room, "!meldingen")
    assert empty.says("referrals.queue") and not re.search(NUMBER, empty.body)  # no open referrals left


async def test_bad_triage_input_gets_the_usage_line(world):
    melder = await world.user("melder")
    dm = await melder.dm(world.bot_id)
    number = await file_referral(melder, dm)
    coordinator = await world.user("coordinator")
    room = world.screening_room
    cases = {
        f"!triage {number} weggooien": "error.bad_choice",
        f"!triage {number} advies": "triage.usage.advice",
        f"!triage {number} doorverwijzen": "triage.usage.referred",
        f"!triage {number} doorverwijzen brandweer Graag": "error.unknown_partner",
        "!triage": "error.missing_argument",
        "!triage 12345 advies x": "error.bad_number",
        "!triage HGL-2026-9999 advies x": "referrals.not_found",
    }
    for command, expected in cases.items():
        answer = await coordinator.command(room, command)
        assert answer.failed, command
        assert answer.says("error.failed") and answer.says(expected), (command, answer.keys)
        assert TRIAGE_USAGE in answer.body and "Traceback" not in answer.body, answer.body


async def test_triage_is_refused_to_non_coordinators(world):
    melder = await world.user("melder")
    dm = await melder.dm(world.bot_id)
    number = await file_referral(melder, dm)
    politie = await world.user("politie")  # a member of the screening room, but not a coordinator
    refused = await politie.command(world.screening_room, f"!triage {number} advies Zelf doen")
    assert refused.failed and refused.says("error.not_allowed") and word("word.role.coordinator") in refused.body
    in_dm = await melder.command(dm, f"!triage {number} advies Zelf doen")
    assert in_dm.failed and in_dm.says("error.wrong_room") and word("word.room.screening") in in_dm.body
    queue = await (await world.user("coordinator")).command(world.screening_room, "!meldingen")
    assert number in queue.body  # still open: nothing was changed
