"""Minutes of a table (notulen): rendered from what was recorded (attendance per organisation, the agenda,
decisions, actions agreed at it); adopted by the procesregisseur like the plan: archived unchangeable with its
SHA-256, posted and pinned."""
from __future__ import annotations

from commands import documents
from commands.base import Choice, Context, Number, Role, RoomKind, command
from commands.chase import owner_name
from commands.meetings import agenda, attendance, type_label
from core.messages import Msg, fail
from storage import actions, archive, audit, meetings

IN_CASE = {RoomKind.CASE: Role.CASE_MEMBER}
ADOPT = {"adopt": {"nl": "vaststellen", "en": "adopt"}}
KIND = "minutes"


async def held(ctx: Context, number: int) -> meetings.Meeting:
    """A table that took place: minutes of a cancelled or future one make no sense."""
    meeting = await meetings.get(ctx.tx, ctx.room_case.id, number)
    if meeting is None or meeting.status != meetings.PLANNED:
        raise fail("meeting.not_found", number=number)
    if meeting.starts_at > ctx.now:
        raise fail("minutes.not_held", meeting=meeting)
    return meeting


async def params(ctx: Context, meeting: meetings.Meeting) -> dict:
    found = await attendance(ctx, meeting)
    agreed = await actions.agreed_at(ctx.tx, meeting.case_id, meeting.number)
    by_org: dict[str, list] = {}
    for answer in found["answers"]:
        name = ctx.config.partner_name(answer.org_key) if answer.org_key else f"ZVH {ctx.config.bot.region}"
        by_org.setdefault(name, []).append(answer)
    return {"meeting": meeting, "label": type_label(ctx, meeting), "case_id": meeting.case_id, "by_org": by_org,
            "waiting": found["waiting"], "unrepresented": found["unrepresented"],
            "agenda": await agenda(ctx, meeting),
            "decisions": await meetings.decisions(ctx.tx, meeting.case_id, meeting.number),
            "actions": agreed, "owners": {a.number: owner_name(ctx.config, a) for a in agreed}}


@command("notulen", "minutes", where=IN_CASE, args=(Number("#"), Choice("vaststellen", "adopt", ADOPT,
                                                                                 required=False)))
async def minutes(ctx: Context, number: int, adopting: str | None) -> None:
    """`!notulen <#>` shows them; `!notulen <#> vaststellen` (the procesregisseur) adopts them."""
    meeting = await held(ctx, number)
    if not adopting:
        ctx.reply("minutes.show", **await params(ctx, meeting))
        return
    if not await ctx.has_role(Role.PROCESREGISSEUR):
        raise fail("error.not_allowed", role=Role.PROCESREGISSEUR.value)
    ctx.require_open_case()
    if meeting.minutes_sha256:
        raise fail("minutes.already_adopted", meeting=meeting, sha256=meeting.minutes_sha256)
    title = f"Notulen {type_label(ctx, meeting)} {meeting.case_id} #{meeting.number}"
    filename = f"notulen-{meeting.case_id}-{meeting.number}.pdf"
    # Rendered once: the archived bytes, their hash and the posted file are the same document.
    content = documents.render(ctx, Msg.of("minutes.document", title=title, **await params(ctx, meeting)), title,
                               filename)
    digest = await archive.store(ctx.tx, meeting.case_id, KIND, meeting.number, title, content, ctx.sender)
    await meetings.set_minutes_adopted(ctx.tx, meeting, digest)
    await audit.append(ctx.tx, ctx.sender, "minutes.adopted", case_id=meeting.case_id, purpose="case",
                       number=number, sha256=digest)
    ctx.reply("minutes.adopted", meeting=meeting, sha256=digest)  # first: it says the document is below
    documents.post(ctx, filename, content)
