"""Filing a referral in the DM: a guided dialogue, or `veld: waarde` lines that fill fields at once."""
from __future__ import annotations

from commands.base import Context, Rest, Role, RoomKind, command
from commands.fields import FIELDS, NO, YES, approach_of, asked_fields, field_named, missing, settle, too_few_persons
from core.messages import CommandError, Msg, fail
from storage import audit, questions, referrals
from storage import intake as sessions

CONFIRM = "confirm"


@command("melding", "referral", where={RoomKind.DM: Role.REFERRER},
         args=(Rest("velden", "fields", required=False, max_length=20_000),))
async def start(ctx: Context, text: str | None) -> None:
    if ctx.config.bot.encrypt_rooms and not ctx.room_encrypted:  # said once, at the start: the referrer decides
        ctx.reply("intake.not_encrypted")
    session = await sessions.get(ctx.tx, ctx.sender) or sessions.IntakeSession(ctx.sender, ctx.room_id, {}, "")
    session.room_id = ctx.room_id
    if text and ":" not in text and len(text.split()) == 1:  # `!melding gebied`: the approach, named at the start
        text = f"aanpak: {text}"
    errors = apply_lines(ctx, session, text) if text else []
    await advance(ctx, session, errors)


@command("stop", "stop", aliases=("annuleer", "cancel"), where={RoomKind.DM: Role.ANYONE})
async def stop(ctx: Context) -> None:
    if not await sessions.delete(ctx.tx, ctx.sender):
        raise fail("intake.nothing_to_stop")
    ctx.reply("intake.cancelled")


async def answer(ctx: Context, body: str) -> bool:
    """A plain DM message: the answer to the open question, if there is an intake under way."""
    session = await sessions.get(ctx.tx, ctx.sender)
    if session is None:
        return False
    session.room_id = ctx.room_id
    if looks_like_lines(body):
        await advance(ctx, session, apply_lines(ctx, session, body))
    elif session.awaiting == CONFIRM:
        word = body.strip().lower().rstrip(".!")
        if word in YES:
            await file(ctx, session)
        elif word in NO:
            ctx.reply("intake.change_hint")
        else:
            ctx.failed = True
            ctx.reply("intake.confirm_again")
    else:
        field = field_named(session.awaiting) or missing(session.fields)[0]
        errors = []
        try:
            session.fields[field.key] = field.read(body, ctx.config, ctx.now)
        except CommandError as exc:
            errors.append(exc.msg)
        await advance(ctx, session, errors)
    return True


def looks_like_lines(text: str) -> bool:
    """`veld: waarde` lines, recognised by a known field name before the first colon."""
    first = text.strip().splitlines()[0] if text.strip() else ""
    name, colon, _ = first.partition(":")
    return bool(colon) and field_named(name) is not None


def apply_lines(ctx: Context, session: sessions.IntakeSession, text: str) -> list[Msg]:
    """Fill every valid `veld: waarde` line; return the problems with the others."""
    errors: list[Msg] = []
    repeated: dict[str, list] = {}
    for line in text.strip().splitlines():
        if not line.strip():
            continue
        name, colon, value = line.partition(":")
        field = field_named(name) if colon else None
        if field is None:
            errors.append(Msg.of("intake.unknown_line", line=line.strip()[:100],
                                 fields=[f.key if ctx.lang == "nl" else f.en for f in FIELDS]))
            continue
        try:
            parsed = field.read(value, ctx.config, ctx.now)
        except CommandError as exc:
            errors.append(Msg.of("intake.field_error", field=field.key, error=exc.msg))
            continue
        if field.repeatable:
            repeated.setdefault(field.key, []).extend(parsed)
            session.fields[field.key] = repeated[field.key]
        else:
            session.fields[field.key] = parsed
    return errors


async def advance(ctx: Context, session: sessions.IntakeSession, errors: list[Msg]) -> None:
    """Fit the fields to the approach, report problems, then ask the next missing field, or show the summary for
    confirmation."""
    fields = session.fields
    approach = approach_of(fields)
    dropped = settle(fields)
    if too_few_persons(fields):
        errors = [*errors, Msg.of("intake.invalid.system_persons", count=len(fields["betrokkene"]))]
    if errors:
        ctx.failed = True
    notes = [Msg.of("intake.dropped", fields=dropped, approach=approach)] if dropped else []
    todo = missing(fields)
    session.awaiting = todo[0].key if todo else CONFIRM
    await sessions.save(ctx.tx, session)
    if todo:
        asked = asked_fields(approach)
        question = "betrokkene_system" if todo[0].key == "betrokkene" and approach == "system" else todo[0].key
        ctx.reply("intake.ask", errors=errors, notes=notes, field=todo[0].key, question=question,
                  number=asked.index(todo[0]) + 1, total=len(asked), config=ctx.config,
                  approach_hint="aanpak" not in fields and todo[0] == asked[0])
    else:
        ctx.reply("intake.summary", errors=errors, notes=notes, fields=fields, approach=approach)


async def file(ctx: Context, session: sessions.IntakeSession) -> None:
    number = await referrals.next_number(ctx.tx, ctx.config.bot.referral_prefix, ctx.now.year)
    org = ctx.config.organisation_of(ctx.sender)
    await referrals.insert(ctx.tx, number, ctx.sender, org.key if org else None, session.fields)
    await sessions.delete(ctx.tx, ctx.sender)
    await audit.append(ctx.tx, ctx.sender, "referral.filed", case_id=number, purpose="intake")
    if session.question_id:  # made from a consultation question (`!vraag <nr> melding`): the link is kept
        await questions.link_referral(ctx.tx, session.question_id, number)
        await audit.append(ctx.tx, ctx.sender, "question.referral_filed", case_id=session.question_id,
                           purpose="intake", referral=number)
    ctx.reaction = True  # filing is the act the dialogue was for: confirm it like a command
    ctx.reply("intake.filed", nr=number, question=session.question_id)
    fields = session.fields
    # Pseudonymised: the screening notice carries no initials, birth years, area or free text.
    ctx.post(ctx.config.bot.screening_room, "screening.new", nr=number, theme=fields["thema"],
             municipality=fields["gemeente"], urgency=fields["urgentie"], domains=len(fields["leefgebieden"]),
             subjects=len(fields.get("betrokkene", [])), approach=approach_of(fields),
             prefix=ctx.config.bot.command_prefix)
