"""Escalation to a case: one private room with the right state, invites and space, and the case card."""
import asyncio
import re
import sqlite3

import pytest

from core.render import catalogue
from tests.harness import bot_session, escalate, open_case, plain, state_of

PERSONAL = ("J.D.", "1985", "geen regie")


def room_word(kind: str) -> str:
    """How the catalogue names a kind of room (screening, case), whatever its wording."""
    return catalogue("nl")[f"word.room.{kind}"]


async def test_escalation_creates_one_private_case_room(world):
    number, room = await escalate(world, "politie", "ggz")
    coordinator = await world.user("coordinator")
    await coordinator.join(room)
    state = state_of(world, world.tokens["coordinator"], room)

    assert state[("m.room.join_rules", "")]["join_rule"] == "invite"
    assert state[("m.room.history_visibility", "")]["history_visibility"] == "invited"
    assert state[("m.room.name", "")]["name"] == f"{number} · overlast"
    levels = state[("m.room.power_levels", "")]
    create = state[("m.room.create", "")]
    # The bot holds full power: listed at 100, or (room version 12+) as the room's creator.
    bot_power = levels["users"].pop(world.bot_id, None)
    assert bot_power == 100 or (int(create.get("room_version", "1")) >= 12 and create.get("creator", world.bot_id)
                                == world.bot_id)
    assert levels["users"] == {world.ids["coordinator"]: 50}
    assert levels["users_default"] == 0 and levels["state_default"] == 100 and levels["invite"] == 100
    case_state = state[("nl.zvh.case", "")]
    assert case_state["case_id"] == number and case_state["status"] == "open" and case_state["theme"] == "overlast"
    invited = {key for (kind, key), content in state.items()
               if kind == "m.room.member" and content["membership"] == "invite"}
    assert invited == {world.ids["melder"], world.ids["politie"], world.ids["ggz"]}

    # Nothing personal in the name, topic or any state event.
    for content in state.values():
        for personal in PERSONAL:
            assert personal not in str(content)

    # The room sits in the region's space, and the coordinator is invited to the space.
    parent = next(key for (kind, key) in state if kind == "m.space.parent")
    await coordinator.wait_invite(lambda r, s: r == parent)  # the space entry is made just before this invite
    bot = bot_session(world)
    space_state = state_of(world, bot["token"], parent)
    assert (("m.space.child", room) in space_state)
    create = space_state[("m.room.create", "")]
    assert create["type"] == "m.space"

    # Exactly one room for this case among the bot's rooms.
    rooms = bot["get"]("/_matrix/client/v3/joined_rooms")["joined_rooms"]
    with_case = [r for r in rooms if state_of(world, bot["token"], r).get(("nl.zvh.case", ""), {}).get(
        "case_id") == number]
    assert with_case == [room]

    card = await coordinator.command(room, "!casus")
    assert card.ok and card.says("case.card"), card.keys
    for expected in (number, "overlast", "Politie Haaglanden", "GGZ Delfland", world.ids["coordinator"]):
        assert expected in card.body, card.body
    assert re.search(r"\b0\b", card.body), card.body  # no open actions
    assert not re.search(r"\b\d\d:\d\d\b", card.body), card.body  # no meeting planned: no time shown
    welcome = await coordinator.wait_said(room, "case.welcome", world.bot_id)
    assert number in welcome["content"]["body"]


async def test_case_members_use_the_room_and_others_are_refused(world):
    number, room = await escalate(world, "politie")
    politie = await world.user("politie")
    await politie.wait_invite(lambda r, s: r == room)
    await politie.join(room)
    card = await politie.command(room, "!case")
    assert card.ok and card.says("case.card") and number in card.body
    wrong = await politie.command(room, f"!triage {number} advies x")
    assert wrong.failed and wrong.says("error.wrong_room") and room_word("screening") in wrong.body, wrong.keys
    ggz = await world.user("ggz")
    assert room not in ggz.invites  # not named at escalation: not invited (need-to-know)
    in_dm = await (await world.user("melder")).command(next(iter(world.users["melder"].events)), "!casus")
    assert in_dm.failed and in_dm.says("error.wrong_room") and room_word("case") in in_dm.body, in_dm.keys


@pytest.mark.clock("2026-11-30T10:00:00")
async def test_a_member_who_joins_later_gets_a_brief_and_the_first_ones_do_not(world):
    number, room = await open_case(world, "politie", members=("politie",))
    coordinator, ggz = await world.user("coordinator"), await world.user("ggz")
    assert (await coordinator.command(room, "!actie politie Rapport sturen voor 15 dec")).ok
    assert (await coordinator.command(room, "!overleg donderdag 10:00")).ok
    assert (await coordinator.command(room, "!partner toevoegen ggz")).ok
    await ggz.wait_invite(lambda r, s: r == room)
    await ggz.join(room)
    brief = await ggz.wait_said(room, "case.brief", world.bot_id, number)
    body = plain(brief["content"]["body"])
    assert "Rapport sturen" in body and "do 3 december 2026 10:00" in body and world.ids["ggz"] in body
    await asyncio.sleep(1.5)
    assert len(coordinator.said(room, "case.brief", world.bot_id)) == 1  # only for the one who came later


@pytest.mark.clock("2026-11-30T10:00:00")
async def test_an_incidental_partner_accepts_the_statement_before_being_invited(world):
    number, room = await open_case(world, "politie", members=("politie",))
    coordinator, incidental = await world.user("coordinator"), await world.user("incidenteel")
    dm = await incidental.dm(world.bot_id)
    added = await coordinator.command(room, "!partner toevoegen woning")
    assert added.ok and added.says("partner.added") and world.ids["incidenteel"] in added.body
    asked = await incidental.wait_said(dm, "statement.request", world.bot_id)
    assert world.ids["incidenteel"] in asked["content"]["m.mentions"]["user_ids"]  # it rings
    await asyncio.sleep(1.5)
    assert room not in incidental.client.invited_rooms  # not before the statement

    accepted = await incidental.command(dm, "!verklaring akkoord")
    assert accepted.ok and accepted.says("statement.accepted") and number in accepted.body
    await incidental.wait_invite(lambda r, s: r == room)
    told = await coordinator.wait_said(room, "statement.joined", world.bot_id)
    assert told["content"]["m.mentions"]["user_ids"] == [world.ids["coordinator"]]
    await incidental.join(room)
    await incidental.wait_said(room, "case.brief", world.bot_id, number)
    with sqlite3.connect(world.workdir / "zvh.db") as db:  # audited
        actions = [a for (a,) in db.execute("SELECT action FROM audit_log WHERE action LIKE 'statement.%'")]
    assert actions == ["statement.requested", "statement.accepted"]
