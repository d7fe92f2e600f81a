"""Filing a referral in the DM, as a professional does it with a real Matrix client."""
import asyncio
import re

from core.render import catalogue
from tests.harness import NUMBER, REFERRAL_LINES, asks, file_referral


async def test_guided_intake_validates_each_answer_and_files(world):
    melder = await world.user("melder")
    dm = await melder.dm(world.bot_id)
    first = await melder.command(dm, "!melding")
    assert first.ok and asks(first, "betrokkene")

    async def answer(text: str, field: str | None, error: str | None = None) -> str:
        """Answer the open question; the reply asks `field` next (None: shows the summary), with `error`."""
        event_id = await melder.send(dm, text)
        reply = await melder.answer_to(dm, event_id, reaction=error is not None)
        assert asks(reply, field) if field else reply.says("intake.summary"), (reply.keys, reply.body)
        if error:
            assert reply.failed and reply.says(error), reply.keys
        else:
            assert melder.reaction_to(dm, event_id) is None  # plain answers are not decorated
        return reply.body

    await answer("Jan de Vries", "betrokkene", error="intake.invalid.betrokkene")  # no full names
    await answer("J.D. 1985; A.B. 2010 gezinslid", "gemeente")
    await answer("Amsterdam", "gemeente", error="intake.invalid.gemeente")
    await answer("delft", "thema")
    await answer("overlast", "leefgebieden")
    await answer("huisvesting, toveren", "leefgebieden", error="intake.invalid.leefgebieden")
    await answer("Huisvesting, Financiën, werk en opleiding", "reden")
    await answer("   ", "reden", error="intake.invalid.empty")
    await answer("Vastgelopen: schulden, overlast en zorgmijding.", "doel")
    await answer("Eén plan", "partners")
    await answer("geen", "geinformeerd")
    await answer("nee", "geinformeerd", error="intake.invalid.informed_reason")
    await answer("nee: veiligheid", "urgentie")
    summary = await answer("spoed", None)
    assert "J.D. (1985, betrokkene); A.B. (2010, gezinslid)" in summary
    assert "huisvesting, financiën, werk & opleiding" in summary
    assert "veiligheid" in summary and "spoed" in summary  # not informed, and why; the urgency

    filed = await melder.command(dm, "ja")
    assert filed.ok
    number = re.search(NUMBER, filed.body).group(0)

    coordinator = await world.user("coordinator")
    notice = await coordinator.wait_said(world.screening_room, "screening.new", world.bot_id, contains=number)
    # The screening notice is pseudonymised: no initials, no birth years, no free text.
    for personal in ("J.D.", "1985", "A.B.", "2010", "schulden"):
        assert personal not in notice["content"]["body"] and personal not in notice["content"]["formatted_body"]
    assert "overlast" in notice["content"]["body"] and "Delft" in notice["content"]["body"]

    mine = await melder.command(dm, "!meldingen")
    assert mine.ok and mine.says("referrals.mine") and number in mine.body
    assert catalogue("nl")["word.status.submitted"] in mine.body  # its status, as the catalogue words it


async def test_multiline_fills_fields_and_asks_only_what_is_missing(world):
    melder = await world.user("melder")
    dm = await melder.dm(world.bot_id)
    lines = [line for line in REFERRAL_LINES.splitlines() if not line.startswith(("urgentie", "gemeente"))]
    lines.append("gemeente: Gotham")
    reply = await melder.command(dm, "!melding\n" + "\n".join(lines))
    assert reply.failed  # one line was wrong: said so, the rest kept
    assert reply.says("intake.invalid.gemeente") and asks(reply, "gemeente"), reply.keys
    reply = await melder.answer_to(dm, await melder.send(dm, "Den Haag"), reaction=False)
    assert asks(reply, "urgentie")  # all else was given: only urgency is left
    reply = await melder.answer_to(dm, await melder.send(dm, "normaal"), reaction=False)
    assert reply.says("intake.summary") and "Den Haag" in reply.body and "normaal" in reply.body
    # A correction in `veld: waarde` form while confirming, then filing.
    reply = await melder.answer_to(dm, await melder.send(dm, "urgentie: hoog"), reaction=False)
    assert reply.says("intake.summary") and "hoog" in reply.body and "normaal" not in reply.body
    filed = await melder.command(dm, "yes")
    assert filed.ok and re.search(NUMBER, filed.body)


async def test_stop_cancels_and_nothing_is_stored(world):
    melder = await world.user("melder")
    dm = await melder.dm(world.bot_id)
    assert (await melder.command(dm, "!melding\nbetrokkene: K.L. 1990")).ok
    stopped = await melder.command(dm, "!stop")
    assert stopped.ok and stopped.says("intake.cancelled")
    hint = await melder.answer_to(dm, await melder.send(dm, "ja"), reaction=False)
    assert hint.says("dm.hint")  # no intake any more: a hint, not a filing
    again = await melder.command(dm, "!stop")
    assert again.failed and again.says("intake.nothing_to_stop")
    mine = await melder.command(dm, "!meldingen")
    assert mine.says("referrals.mine") and not re.search(NUMBER, mine.body)  # none filed


async def test_user_outside_the_partnership_is_told_and_the_bot_leaves(world):
    outsider = await world.user("buiten")
    created = await outsider.client.room_create(is_direct=True, invite=[world.bot_id])
    room = created.room_id
    notice = await outsider.wait_said(room, "dm.not_partner", world.bot_id)
    assert notice
    await outsider.wait_for(lambda: any(
        e.get("type") == "m.room.member" and e.get("state_key") == world.bot_id
        and e["content"].get("membership") == "leave" for e in outsider.events.get(room, [])), what="bot leaving")
    assert outsider.user_id not in world.bot.log()  # no Matrix IDs of outsiders in the log


async def test_refusal_of_referral_by_non_referrer_in_dm(world):
    """A partner contact may refer; an unlisted professional brought into that direct chat gets no service there:
    with a third person in it the chat is no longer private, so the bot says so and leaves."""
    politie = await world.user("politie")
    dm = await politie.dm(world.bot_id)
    allowed = await politie.command(dm, "!melding")
    assert allowed.ok  # partner contacts may file
    outsider = await world.user("buiten")
    await politie.client.room_invite(dm, outsider.user_id)
    await politie.wait_said(dm, "room.no_longer_private", world.bot_id)
    await outsider.join(dm)
    asked = await outsider.send(dm, "!melding")
    await asyncio.sleep(2.0)
    assert outsider.reply_to(dm, asked) is None  # the bot has left: nothing in this room is answered


async def test_user_text_is_escaped_in_html(world):
    melder = await world.user("melder")
    dm = await melder.dm(world.bot_id)
    lines = REFERRAL_LINES.replace("reden: Meerdere instanties betrokken, geen regie",
                                   'reden: <script>alert("x")</script> <b>vet</b> & zo')
    reply = await melder.command(dm, "!melding\n" + lines)
    assert "<script>" not in reply.html and "<b>vet</b>" not in reply.html
    assert "&lt;script&gt;" in reply.html and "&amp; zo" in reply.html
    assert '<script>alert("x")</script>' in reply.body  # the plain body shows what was typed
    number = await file_referral(melder, dm)
    assert number


async def test_a_second_direct_chat_works_and_leaving_one_is_respected(world):
    melder = await world.user("melder")
    first = await melder.dm(world.bot_id)
    second = await melder.dm(world.bot_id)
    assert (await melder.command(first, "!meldingen")).ok  # both chats are the melder's DM
    assert (await melder.command(second, "!meldingen")).ok
    await melder.client.room_leave(second)
    number = await file_referral(melder, first)
    coordinator = await world.user("coordinator")
    assert (await coordinator.command(world.screening_room, f"!triage {number} advies Zo doen")).ok
    await melder.wait_said(first, "outcome.advice", world.bot_id, contains=number)  # to the chat still open
