"""Messages that ask someone to act ring on their phone: m.text naming exactly them in m.mentions, checked
against the homeserver's own push rule evaluation (GET /notifications). Plain answers stay m.notice and ring
no one; no text a user typed can make the bot mention the whole room."""
import pytest

from bot import pills
from core.render import pill_link
from tests.harness import file_referral, keys_of, notifications, open_case, pill


def asks(user, room: str, bot: str) -> list[dict]:
    """The bot's messages in a room that ask someone to act."""
    return [e for e in user.events.get(room, []) if e["sender"] == bot and e.get("type") == "m.room.message"
            and e["content"].get("msgtype") == "m.text"]


async def newest_ask(user, room: str, bot: str, count_before: int) -> dict:
    await user.wait_for(lambda: len(asks(user, room, bot)) > count_before, what="a notifying message")
    return asks(user, room, bot)[-1]


def rings(world, name: str, event: dict) -> bool:
    """The event notified this user as a mention (highlight: sound and badge). In a group room every m.text
    also counts as an unhighlighted notification (.m.rule.message), as it does for any member's message."""
    found = notifications(world, name).get(event["event_id"])
    return bool(found and found["highlight"])


def mentioned(event: dict) -> set[str]:
    return set(event["content"]["m.mentions"].get("user_ids", []))


@pytest.mark.clock("2026-11-30T10:00:00")  # a Monday
async def test_what_asks_someone_to_act_rings_exactly_them(world):
    bot, ids = world.bot_id, world.ids
    melder, coordinator = await world.user("melder"), await world.user("coordinator")
    dm = await melder.dm(bot)
    number = await file_referral(melder, dm)

    # A triage outcome reaches the referrer's phone; the coordinator's own answer (m.notice) rings no one.
    before = len(asks(melder, dm, bot))
    answer_id = await coordinator.send(world.screening_room, f"!triage {number} advies Bel het wijkteam")
    answer = await coordinator.answer_to(world.screening_room, answer_id)
    assert answer.ok and answer.content["msgtype"] == "m.notice" and answer.content["m.mentions"] == {}
    assert answer.says("triage.done"), answer.keys
    outcome = await newest_ask(melder, dm, bot, before)
    assert "outcome.advice" in keys_of(outcome) and number in outcome["content"]["body"]
    assert mentioned(outcome) == {ids["melder"]} and pill_link(ids["melder"]) in outcome["content"][
        "formatted_body"]
    assert rings(world, "melder", outcome)
    reply = coordinator.reply_to(world.screening_room, answer_id)
    assert reply["event_id"] not in notifications(world, "coordinator")

    # A case: the invitation itself rings the partner.
    case, room = await open_case(world, "politie", "ggz", members=("politie", "ggz"))
    politie = await world.user("politie")
    invites = [n for n in notifications(world, "politie").values() if n["event"]["type"] == "m.room.member"
               and n["room_id"] == room]
    assert invites, "the invitation to the case room did not notify the partner"

    # A new action, its owner picked as a mention pill: exactly the owner rings.
    before = len(asks(coordinator, room, bot))
    created = await coordinator.send(room, "!actie GGZ collega Intake plannen voor vrijdag",
                                     html=f"!actie {pill(ids['ggz'], 'GGZ collega')} Intake plannen voor vrijdag",
                                     mentions=[ids["ggz"]])
    assert (await coordinator.answer_to(room, created)).ok  # the pill was read as @ggz, a member of the case
    action = await newest_ask(coordinator, room, bot, before)
    assert "action.created" in keys_of(action) and "Intake plannen" in action["content"]["body"]
    assert mentioned(action) == {ids["ggz"]}
    assert rings(world, "ggz", action) and not rings(world, "politie", action)

    # User text cannot make the bot ping the room (or anyone it names).
    before = len(asks(coordinator, room, bot))
    assert (await coordinator.command(room, f"!actie politie @room bellen, ook {ids['ggz']}")).ok
    loud = await newest_ask(coordinator, room, bot, before)
    assert "action.created" in keys_of(loud)
    assert "@room" in loud["content"]["body"] and "room" not in loud["content"]["m.mentions"]
    assert mentioned(loud) == {ids["politie"]}
    assert rings(world, "politie", loud) and not rings(world, "ggz", loud)

    # A meeting invitation rings everyone in the case but the one who planned it.
    before = len(asks(coordinator, room, bot))
    assert (await coordinator.command(room, "!overleg morgen 10:00")).ok
    meeting = await newest_ask(coordinator, room, bot, before)
    assert "meeting.planned" in keys_of(meeting)
    assert mentioned(meeting) == {ids["politie"], ids["ggz"], ids["melder"]}
    assert rings(world, "politie", meeting) and rings(world, "ggz", meeting)
    assert not rings(world, "coordinator", meeting)

    # A request for agreement with the plan rings the people of the organisations that have not agreed.
    assert (await politie.command(room, "!plan doel huisvesting Stabiele woonplek")).ok
    assert (await politie.command(room, "!plan akkoord")).ok
    before = len(asks(coordinator, room, bot))
    assert (await coordinator.command(room, "!plan voorleggen")).ok
    request = await newest_ask(coordinator, room, bot, before)
    assert "plan.agreement_requested" in keys_of(request) and case in request["content"]["body"]
    assert ids["ggz"] in mentioned(request) and ids["politie"] not in mentioned(request)
    assert rings(world, "ggz", request) and not rings(world, "politie", request)

    # Plain answers ring no one.
    for name in ("politie", "ggz", "coordinator"):
        user = await world.user(name)
        answers = [e["event_id"] for e in user.events.get(room, []) if e["sender"] == bot
                   and e["content"].get("msgtype") == "m.notice"]
        assert answers and not set(answers) & set(notifications(world, name)), name


def test_pills_are_read_as_the_people_they_name():
    content = {"body": "!regie casus Jan de Vries", "format": "org.matrix.custom.html",
               "formatted_body": '!regie casus <a href="https://matrix.to/#/%40jan%3Aexample.org">Jan de Vries</a>',
               "m.mentions": {"user_ids": ["@jan:example.org"]}}
    assert pills.resolve(content["body"], content) == "!regie casus @jan:example.org"
    # A link the client did not list in m.mentions (pasted, not picked) is left as typed.
    assert pills.resolve(content["body"], {**content, "m.mentions": {"user_ids": []}}) == content["body"]
    # A reply's quoted fallback is not the command.
    quoted = {**content, "formatted_body": '<mx-reply><a href="https://matrix.to/#/@bot:x">bot</a></mx-reply>'
              + content["formatted_body"]}
    assert pills.resolve(content["body"], quoted) == "!regie casus @jan:example.org"
