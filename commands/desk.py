"""The expertise desk: a professional asks an anonymous consultation question in their DM, the ZVH's staff answer
it in the consultation room (by command or by replying to it), the asker follows up, closes it, or turns it into
a referral draft. Nothing that identifies a person is stored (commands/personal_details.py); need-to-know: only the
asker and the staff see a question and its answers."""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from commands import intake, question_chase
from commands.base import Arg, Context, Rest, Role, RoomKind, command, lookup
from commands.fields import MAX_TEXT, fold
from commands.personal_details import find
from core.intents import DirectMessage, RoomMessage
from core.messages import Msg, fail
from storage import audit, events, knowledge, questions
from storage import intake as sessions
from storage.questions import Question

ASKER = {RoomKind.DM: Role.REFERRER}
STAFF = {RoomKind.SCREENING: Role.COORDINATOR, RoomKind.CONSULTATION: Role.COORDINATOR}
CLOSE_WORDS = {"sluiten", "close"}
REFERRAL_WORDS = {"melding", "referral"}
THEME_WORDS = {"thema", "theme"}
KEEP_WORDS = {"bewaar", "keep"}
QUESTION_TAG, ANSWER_TAG = "question:", "answer:"


class QuestionNumber(Arg):
    """`V-2026-0007`, or `V7` for this year's question 7. Never a bare number: a question may start with one."""

    PATTERN = re.compile(r"^V-?(?:(\d{4})-)?(\d{1,4})$", re.I)

    def accepts(self, word: str) -> bool:
        return bool(self.PATTERN.match(word))

    def convert(self, ctx: Context, word: str) -> Any:
        match = self.PATTERN.match(word)
        if not match:
            raise fail("desk.bad_number", usage=True, value=word, example=f"V-{ctx.now.year}-0001")
        return f"V-{match.group(1) or ctx.now.year}-{int(match.group(2)):04d}"


# ---- asking ------------------------------------------------------------------------------------------------------

@command("vraag", "ask", where=ASKER, args=(QuestionNumber("nr"), Rest("tekst|sluiten|melding",
                                                                         "text|close|referral", max_length=MAX_TEXT)))
async def step(ctx: Context, number: str, text: str) -> None:
    question = await own_question(ctx, number)
    word = text.strip().lower().rstrip(".!")
    first, _, rest = text.strip().partition(" ")
    if word in CLOSE_WORDS:
        await close(ctx, question)
    elif word in REFERRAL_WORDS:
        await to_referral(ctx, question)
    elif first.lower() in THEME_WORDS and (theme := theme_named(ctx, rest)):
        await questions.set_theme(ctx.tx, question.id, theme)
        ctx.reply("desk.theme_set", nr=question.id, theme=theme)
    else:
        await follow_up(ctx, question, text)


@command("vraag", "ask", where=ASKER, args=(Rest("tekst", "text", max_length=MAX_TEXT),))
async def ask(ctx: Context, text: str) -> None:
    theme, text = leading_theme(ctx, text)
    if not text:
        raise fail("desk.usage.ask", usage=True)
    await refuse_if_personal(ctx, text)
    theme = theme or inferred_theme(ctx, text)
    municipality = next((m for m in ctx.config.bot.municipalities
                         if re.search(rf"(?<!\w){re.escape(m)}(?!\w)", text, re.I)), None)
    number = await questions.next_number(ctx.tx, ctx.now.year)
    org = ctx.config.organisation_of(ctx.sender)
    await questions.insert(ctx.tx, number, ctx.sender, org.key if org else None, theme, municipality, text)
    await audit.append(ctx.tx, ctx.sender, "question.asked", case_id=number, purpose="consultation", theme=theme)
    ctx.reply("desk.asked", nr=number, theme=theme, themes=ctx.config.bot.themes,
              prefix=ctx.config.bot.command_prefix)
    question = await questions.get(ctx.tx, number)
    assert question is not None
    to_staff(ctx, question, "desk.new", text)
    await question_chase.reschedule(ctx.tx, ctx.config, question, ctx.now)


async def follow_up(ctx: Context, question: Question, text: str) -> None:
    if question.status == questions.CLOSED:
        raise fail("desk.is_closed", nr=question.id)
    await refuse_if_personal(ctx, text)
    await questions.add_message(ctx.tx, question.id, questions.FOLLOWUP, ctx.sender, text)
    await audit.append(ctx.tx, ctx.sender, "question.followed_up", case_id=question.id, purpose="consultation")
    ctx.reply("desk.followed_up", nr=question.id)
    question = await questions.get(ctx.tx, question.id) or question
    to_staff(ctx, question, "desk.followup", text)
    await question_chase.reschedule(ctx.tx, ctx.config, question, ctx.now)


async def close(ctx: Context, question: Question) -> None:
    if question.status == questions.CLOSED:
        raise fail("desk.is_closed", nr=question.id)
    await questions.close(ctx.tx, question.id)
    await question_chase.reschedule(ctx.tx, ctx.config, question, ctx.now)
    await audit.append(ctx.tx, ctx.sender, "question.closed", case_id=question.id, purpose="consultation")
    ctx.reply("desk.closed", nr=question.id, days=ctx.config.desk.retention_days)
    ctx.post(ctx.config.desk_room, "desk.closed_notice", nr=question.id)  # the staff know; it rings no one


async def to_referral(ctx: Context, question: Question) -> None:
    """A referral draft for the asker, pre-filled from the question (theme, municipality, reason) and completed
    through the intake dialogue; the filed referral is linked to the question."""
    if await sessions.get(ctx.tx, ctx.sender) is not None:
        raise fail("desk.intake_busy", prefix=ctx.config.bot.command_prefix)
    fields: dict[str, Any] = {"reden": (await questions.first_text(ctx.tx, question.id))[:MAX_TEXT]}
    if question.theme:
        fields["thema"] = question.theme
    if question.municipality:
        fields["gemeente"] = question.municipality
    session = sessions.IntakeSession(ctx.sender, ctx.room_id, fields, "", question.id)
    await audit.append(ctx.tx, ctx.sender, "question.to_referral", case_id=question.id, purpose="intake")
    ctx.reply("desk.to_referral", nr=question.id, fields=sorted(fields))
    await intake.advance(ctx, session, [])


# ---- answering ---------------------------------------------------------------------------------------------------

@command("antwoord", "answer", where=STAFF, args=(QuestionNumber("nr"), Rest("tekst [bewaar]", "text [keep]",
                                                                              max_length=MAX_TEXT + 10)))
async def answer(ctx: Context, number: str, text: str) -> None:
    question = await questions.get(ctx.tx, number)
    if question is None:
        raise fail("desk.not_found", nr=number)
    await give_answer(ctx, question, text)


async def give_answer(ctx: Context, question: Question, text: str) -> None:
    words = text.split()
    keep = bool(words) and words[-1].lower().strip(".!") in KEEP_WORDS
    text = text.strip()[: -len(words[-1])].strip() if keep else text.strip()
    if not text:
        raise fail("desk.usage.answer", usage=True)
    if len(text) > MAX_TEXT:
        raise fail("intake.invalid.too_long", max=MAX_TEXT)
    if question.status == questions.CLOSED:
        raise fail("desk.is_closed", nr=question.id)
    asked = await questions.first_text(ctx.tx, question.id)
    await refuse_if_personal(ctx, text)
    if keep:  # checked again on saving: what is kept for good must hold nothing personal
        await refuse_if_personal(ctx, asked, key="desk.personal_question")
    await questions.add_message(ctx.tx, question.id, questions.ANSWER, ctx.sender, text)
    await audit.append(ctx.tx, ctx.sender, "question.answered", case_id=question.id, purpose="consultation",
                       kept=keep)
    kept = None
    if keep:
        kept = await knowledge.save(ctx.tx, question.theme, asked, text)
        await audit.append(ctx.tx, ctx.sender, "knowledge.saved", purpose="knowledge", entry=kept,
                           question=question.id)
    ctx.intents.append(DirectMessage(question.asker, Msg.of(
        "desk.answer", nr=question.id, text=text, theme=question.theme,
        prefix=ctx.config.bot.command_prefix).to(question.asker), tag=ANSWER_TAG + question.id))
    ctx.reply("desk.answered", nr=question.id, kept=kept)
    await question_chase.reschedule(ctx.tx, ctx.config, question, ctx.now)


# ---- replies -----------------------------------------------------------------------------------------------------

async def replied_to(ctx_tx: Any, event_id: str | None) -> str | None:
    """The desk message a reply answers: `question:<nr>` (posted to the staff) or `answer:<nr>` (to the asker)."""
    if not event_id:
        return None
    tag = await events.tag_of(ctx_tx, event_id)
    return tag if tag and tag.startswith((QUESTION_TAG, ANSWER_TAG)) else None


async def reply(ctx: Context, body: str) -> bool:
    """A reply to a posted question (staff: the answer) or to an answer in the DM (the asker: a follow-up), as if
    typed as `!antwoord <nr> ...` or `!vraag <nr> ...`. False when the message is no such reply."""
    tag = await replied_to(ctx.tx, ctx.in_reply_to)
    if tag is None:
        return False
    number = tag.split(":", 1)[1]
    if tag.startswith(QUESTION_TAG) and ctx.room_kind in STAFF and ctx.config.is_coordinator(ctx.sender):
        ctx.command = lookup("antwoord")
        question = await questions.get(ctx.tx, number)
        if question is None:
            raise fail("desk.not_found", nr=number)
        await give_answer(ctx, question, body)
        return True
    if tag.startswith(ANSWER_TAG) and ctx.room_kind is RoomKind.DM:
        ctx.command = lookup("vraag")
        ctx.reaction = True
        await follow_up(ctx, await own_question(ctx, number), body.strip())
        return True
    return False


# ---- listing -----------------------------------------------------------------------------------------------------

@command("vragen", "questions", where={**ASKER, **STAFF}, read_only=True)
async def list_questions(ctx: Context) -> None:
    mine = ctx.room_kind is RoomKind.DM
    found = await questions.open_ones(ctx.tx, ctx.sender if mine else None)
    if not mine:
        await audit.append(ctx.tx, ctx.sender, "questions.listed", purpose="consultation", count=len(found))
    ctx.reply("desk.list", mine=mine, questions=[{
        "q": q, "org": org_label(ctx, q),
        "waited": waited(ctx.now, q.waiting_since) if q.waiting_since else None} for q in found],
        prefix=ctx.config.bot.command_prefix)


def waited(now: datetime, since: str) -> dict[str, int | None]:
    """How long a question has waited: in days when it is two or more, else in hours (at least one)."""
    hours = max(0, int((now - datetime.fromisoformat(since)).total_seconds() // 3600))
    return {"days": hours // 24 if hours >= 48 else None, "hours": max(1, hours)}


# ---- shared ------------------------------------------------------------------------------------------------------

async def own_question(ctx: Context, number: str) -> Question:
    """Need-to-know: the asker's own question; anyone else gets the answer for a number that does not exist."""
    question = await questions.get(ctx.tx, number)
    if question is None or question.asker != ctx.sender:
        raise fail("desk.not_found", nr=number)
    return question


def known_names(ctx: Context) -> list[str]:
    """Names the deployment itself uses, which identify no one (Deduce may read a partner's name as a surname)."""
    config = ctx.config
    return [*config.bot.municipalities, *config.bot.themes, config.bot.region,
            *(p.name for p in config.partners), *(p.key for p in config.partners)]


async def refuse_if_personal(ctx: Context, text: str, key: str = "desk.personal") -> None:
    """Nothing is stored when the text identifies a person: the asker is told what looked personal."""
    found = await find(text, known_names(ctx), ctx.now.date())
    if found:
        raise fail(key, findings=[{"kind": f.kind, "fragment": f.fragment} for f in found])


def leading_theme(ctx: Context, text: str) -> tuple[str | None, str]:
    """`overlast: ...` names the theme at the start."""
    head, colon, rest = text.partition(":")
    theme = theme_named(ctx, head) if colon else None
    return (theme, rest.strip()) if theme else (None, text.strip())


def theme_named(ctx: Context, text: str) -> str | None:
    wanted = fold(text)
    return next((t for t in ctx.config.bot.themes if fold(t) == wanted), None)


def inferred_theme(ctx: Context, text: str) -> str | None:
    """The one configured theme the text names (`huiselijk geweld`, `overlast`); none when it names none or
    several."""
    named = [t for t in ctx.config.bot.themes if re.search(rf"(?<!\w){re.escape(t)}", text, re.I)]
    return named[0] if len(named) == 1 else None


def org_label(ctx: Context, question: Question) -> str:
    """The asker's organisation as the staff know it, or their homeserver's name (an organisation's own server)."""
    if question.asker_org:
        return ctx.config.partner_name(question.asker_org)
    return question.asker.split(":", 1)[-1]


def to_staff(ctx: Context, question: Question, key: str, text: str) -> None:
    """To the consultation room, ringing the staff on duty (the coordinators); replying to it answers it."""
    ctx.intents.append(RoomMessage(ctx.config.desk_room, Msg.of(
        key, nr=question.id, text=text, theme=question.theme, org=org_label(ctx, question),
        municipality=question.municipality, prefix=ctx.config.bot.command_prefix).to(*ctx.config.bot.coordinators),
        tag=QUESTION_TAG + question.id))
