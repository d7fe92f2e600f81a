"""Filing a referral in the DM, as a professional does it with a real Matrix client."""
import re

from tests.harness import NUMBER, REFERRAL_LINES, file_referral


async def test_guided_intake_validates_each_answer_and_files(world):
    melder = await world.user("melder")
    dm = await melder.dm(world.bot_id)
    first = await melder.command(dm, "!melding")
    assert first.ok and "Vraag 1 van 9" in first.body and "initialen" in first.body

    async def answer(text: str, expect: str, error: str | None = None) -> str:
        event_id = await melder.send(dm, text)
        reply = await melder.answer_to(dm, event_id, reaction=error is not None)
        assert expect in reply.body, reply.body
        if error:
            assert reply.reaction == "❌" and error in reply.body, reply.body
        else:
            assert melder.reaction_to(dm, event_id) is None  # plain answers are not decorated
        return reply.body

    await answer("Jan de Vries", "Vraag 1 van 9", error="geen volledige namen")
    await answer("J.D. 1985; A.B. 2010 gezinslid", "Vraag 2 van 9")
    await answer("Amsterdam", "Vraag 2 van 9", error="Onbekende gemeente")
    await answer("delft", "Vraag 3 van 9")
    await answer("overlast", "Vraag 4 van 9")
    await answer("huisvesting, toveren", "Vraag 4 van 9", error="Onbekend leefgebied")
    await answer("Huisvesting, Financiën, werk en opleiding", "Vraag 5 van 9")
    await answer("   ", "Vraag 5 van 9", error="niet leeg")
    await answer("Vastgelopen: schulden, overlast en zorgmijding.", "Vraag 6 van 9")
    await answer("Eén plan", "Vraag 7 van 9")
    await answer("geen", "Vraag 8 van 9")
    await answer("nee", "Vraag 8 van 9", error="reden")
    await answer("nee: veiligheid", "Vraag 9 van 9")
    summary = await answer("spoed", "Samenvatting")
    assert "J.D. (1985, betrokkene); A.B. (2010, gezinslid)" in summary
    assert "huisvesting, financiën, werk & opleiding" in summary
    assert "nee (veiligheid)" in summary and "spoed" in summary

    filed = await melder.command(dm, "ja")
    assert filed.ok
    number = re.search(NUMBER, filed.body).group(0)

    coordinator = await world.user("coordinator")
    notice = await coordinator.wait_notice(world.screening_room, number, sender=world.bot_id)
    # The screening notice is pseudonymised: no initials, no birth years, no free text.
    for personal in ("J.D.", "1985", "A.B.", "2010", "schulden"):
        assert personal not in notice["content"]["body"] and personal not in notice["content"]["formatted_body"]
    assert "overlast" in notice["content"]["body"] and "Delft" in notice["content"]["body"]

    mine = await melder.command(dm, "!meldingen")
    assert mine.ok and number in mine.body and "in screening" in mine.body


async def test_multiline_fills_fields_and_asks_only_what_is_missing(world):
    melder = await world.user("melder")
    dm = await melder.dm(world.bot_id)
    lines = [line for line in REFERRAL_LINES.splitlines() if not line.startswith(("urgentie", "gemeente"))]
    lines.append("gemeente: Gotham")
    reply = await melder.command(dm, "!melding\n" + "\n".join(lines))
    assert reply.reaction == "❌"  # one line was wrong: said so, the rest kept
    assert "Onbekende gemeente" in reply.body and "Vraag 2 van 9" in reply.body
    reply = await melder.answer_to(dm, await melder.send(dm, "Den Haag"), reaction=False)
    assert "Vraag 9 van 9" in reply.body  # all else was given: only urgency is left
    reply = await melder.answer_to(dm, await melder.send(dm, "normaal"), reaction=False)
    assert "Samenvatting" in reply.body and "Den Haag" in reply.body
    # A correction in `veld: waarde` form while confirming, then filing.
    reply = await melder.answer_to(dm, await melder.send(dm, "urgentie: hoog"), reaction=False)
    assert "Samenvatting" in reply.body and "Urgentie: hoog" in reply.body
    filed = await melder.command(dm, "yes")
    assert filed.ok and re.search(NUMBER, filed.body)


async def test_stop_cancels_and_nothing_is_stored(world):
    melder = await world.user("melder")
    dm = await melder.dm(world.bot_id)
    assert (await melder.command(dm, "!melding\nbetrokkene: K.L. 1990")).ok
    stopped = await melder.command(dm, "!stop")
    assert stopped.ok and "geannuleerd" in stopped.body
    hint = await melder.answer_to(dm, await melder.send(dm, "ja"), reaction=False)
    assert "!melding" in hint.body  # no intake any more: a hint, not a filing
    again = await melder.command(dm, "!stop")
    assert again.reaction == "❌"
    mine = await melder.command(dm, "!meldingen")
    assert "nog geen meldingen" in mine.body


async def test_user_outside_the_partnership_is_told_and_the_bot_leaves(world):
    outsider = await world.user("buiten")
    created = await outsider.client.room_create(is_direct=True, invite=[world.bot_id])
    room = created.room_id
    notice = await outsider.wait_notice(room, "partnerlijst", sender=world.bot_id)
    assert notice
    await outsider.wait_for(lambda: any(
        e.get("type") == "m.room.member" and e.get("state_key") == world.bot_id
        and e["content"].get("membership") == "leave" for e in outsider.events.get(room, [])), what="bot leaving")
    assert outsider.user_id not in world.bot.log()  # no Matrix IDs of outsiders in the log


async def test_refusal_of_referral_by_non_referrer_in_dm(world):
    """A partner contact may refer, an unlisted professional in a DM created by someone allowed may not."""
    politie = await world.user("politie")
    dm = await politie.dm(world.bot_id)
    allowed = await politie.command(dm, "!melding")
    assert allowed.ok  # partner contacts may file
    outsider = await world.user("buiten")
    # A DM room the bot shares with someone else is not the outsider's DM: invite the outsider there.
    await politie.client.room_invite(dm, outsider.user_id)
    await outsider.join(dm)
    refused = await outsider.command(dm, "!melding")
    assert refused.reaction == "❌" and "werkt alleen in" in refused.body


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
    await melder.wait_notice(first, f"{number}: advies", sender=world.bot_id)  # the outcome goes to the chat still open
