"""Partners in a case: list, add (their contacts are invited), remove (their people leave the room and get no
more of the case's notifications). Need-to-know: only who the case needs is in it."""
from __future__ import annotations

from commands.base import Choice, Context, Role, RoomKind, Word, command, resolve_user
from commands.statement import admit
from core.intents import InviteToCase, RemoveFromCase
from core.messages import fail
from storage import actions, audit, cases, reminders, schedule, statements
from storage.cases import PARTNER

IN_ROOM = {RoomKind.CASE: Role.CASE_MEMBER, RoomKind.ARRANGEMENT: Role.CASE_MEMBER}  # a light arrangement's too
CHANGES = {"add": {"nl": "toevoegen", "en": "add"}, "remove": {"nl": "verwijderen", "en": "remove"}}


@command("partner", "partner", where=IN_ROOM, role=Role.PROCESREGISSEUR,
         args=(Choice("wijziging", "change", CHANGES), Word("org|@gebruiker", "org|@user")))
async def change(ctx: Context, change: str, who: str) -> None:
    """Need-to-know is the procesregisseur's to decide: an organisation (its contacts) or one person from the
    partner directory (the bot talks to no one outside it, so it invites no one outside it either)."""
    ctx.require_open_case()
    if who.startswith("@"):  # someone new to the case may be added; only a member can be removed
        user = await resolve_user(ctx, who, members_only=change == "remove")
        if change == "add" and user not in ctx.config.directory_people():
            raise fail("partner.not_in_directory", value=user)
        org = ctx.config.organisation_of(user)
        people, org_key, whole = [user], org.key if org else None, False
    else:
        org = ctx.config.partner(who)
        if org is None:
            raise fail("error.unknown_partner", usage=True, value=who,
                       known=", ".join(p.key for p in ctx.config.partners))
        people, org_key, whole = list(org.contacts), org.key, True
    if change == "add":
        await within_limit(ctx, org_key)
        await add(ctx, people, org_key)
    else:
        await remove(ctx, people, org_key, whole)


@command("partner", "partner", where=IN_ROOM, read_only=True)
async def partner_list(ctx: Context) -> None:
    case = ctx.room_case
    names = [ctx.config.partner_name(k) for k in await cases.partners(ctx.tx, case.id)]
    ctx.reply("partner.list", partners=names, members=await cases.members(ctx.tx, case.id),
              orgs={p.key: p.name for p in ctx.config.partners})


async def within_limit(ctx: Context, org: str | None) -> None:
    """A light arrangement is with one to three partners (configurable); more, and it is a case."""
    case = ctx.room_case
    partners = await cases.partners(ctx.tx, case.id)
    if case.is_arrangement and org and org not in partners and len(partners) >= ctx.config.arrangements.max_partners:
        raise fail("arrangement.too_many_partners", max=ctx.config.arrangements.max_partners,
                   prefix=ctx.config.bot.command_prefix)


async def add(ctx: Context, people: list[str], org: str | None) -> None:
    """An organisation, or one person (whose organisation, if any, then takes part in the case)."""
    case = ctx.room_case
    if org:
        await cases.add_partner(ctx.tx, case.id, org)
    added, waiting = [], []
    for user in people:
        if await cases.member(ctx.tx, case.id, user) is not None:
            continue
        if org is None:
            await cases.add_member(ctx.tx, case.id, user, PARTNER, org)
        elif not await admit(ctx, case.id, user, org):
            waiting.append(user)
            continue
        ctx.intents.append(InviteToCase(case.id, user))
        added.append(user)
    await audit.append(ctx.tx, ctx.sender, "case.partner_added", case_id=case.id, purpose="case", org=org,
                       users=added)
    ctx.reply("partner.added", org=ctx.config.partner_name(org) if org else None, users=added, waiting=waiting)


async def remove(ctx: Context, people: list[str], org: str | None, whole: bool) -> None:
    """An organisation (all its people in the case), or one person. Nothing may point at someone outside the case
    afterwards: a removed casusregisseur's role ends (escalations go to the procesregisseur) and their open actions,
    and the organisation's, pass to the procesregisseur."""
    case = ctx.room_case
    if not whole:
        if people[0] == case.procesregisseur:
            raise fail("partner.is_director", value=people[0])
        member = await cases.member(ctx.tx, case.id, people[0])
        if member is None or member.role != PARTNER:
            raise fail("partner.not_in_case", value=people[0])
        await cases.remove_member(ctx.tx, case.id, people[0])
        removed = people
        withdrawn: list[str] = []  # only a member can be named: no one waiting for the statement
    else:
        if org not in await cases.partners(ctx.tx, case.id):
            raise fail("partner.not_in_case", value=org)
        removed = await cases.remove_partner(ctx.tx, case.id, org)
        # An incidental partner's contacts still waiting for the statement: their invitation goes with it (or
        # accepting it later would let them into a case their organisation is no longer in).
        withdrawn = await statements.withdraw(ctx.tx, case.id, org)
    lead_ended = case.casusregisseur if case.casusregisseur in removed else None
    if lead_ended:
        await cases.set_lead(ctx.tx, case.id, "case", None)
    handed_over = []
    for action in await actions.of_case(ctx.tx, case.id):
        if action.owner_user in removed or (whole and action.owner_user is None and action.owner_org == org):
            await actions.set_owner(ctx.tx, action, case.procesregisseur, None, ctx.sender)
            handed_over.append(action.number)
    # Their reminders in this room stop too: they would ring for someone who can no longer read it.
    stopped = [r for r in await reminders.active(ctx.tx, case.id) if r.owner in removed]
    for reminder in stopped:
        await reminders.set_status(ctx.tx, reminder.id, reminders.CANCELLED)
        await schedule.cancel(ctx.tx, schedule.REMINDER_KINDS, case.id, reminder.id)
    for user in removed:
        ctx.intents.append(RemoveFromCase(case.id, user))
    await audit.append(ctx.tx, ctx.sender, "case.partner_removed", case_id=case.id, purpose="need-to-know",
                       org=org, users=removed, lead_ended=bool(lead_ended), actions=handed_over,
                       invitations_withdrawn=withdrawn, reminders_stopped=[r.number for r in stopped])
    ctx.reply("partner.removed", org=ctx.config.partner_name(org) if org else None, users=removed,
              lead_ended=lead_ended, handed_over=handed_over, procesregisseur=case.procesregisseur)
