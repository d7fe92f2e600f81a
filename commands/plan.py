"""The one shared plan of a case (plan van aanpak): goals per life domain, interventions per partner, an
evaluation date; every organisation in the case agrees to the current version, then the procesregisseur adopts
it: rendered, archived unchangeable with its SHA-256, posted and pinned in the room."""
from __future__ import annotations

from commands import dates
from commands.actions import date_error
from commands.base import Choice, Context, Rest, Role, RoomKind, Word, command
from commands.fields import LIFE_DOMAINS, match_word
from core.intents import SendFile
from core.messages import Msg, fail
from core.render import html_document
from storage import archive as archives
from storage import audit, cases
from storage import plan as plans

IN_CASE = {RoomKind.CASE: Role.CASE_MEMBER}
ZVH = "zvh"  # the coordinators' own organisation, for their agreement
MEASURES = {"zorg": {"nl": "zorg", "en": "care"}, "straf": {"nl": "straf", "en": "criminal"},
            "bestuur": {"nl": "bestuur", "en": "administrative"}, "civiel": {"nl": "civiel", "en": "civil"}}


def word(nl: str, en: str) -> dict[str, dict[str, str]]:
    return {nl: {"nl": nl, "en": en}}


async def show(ctx: Context) -> None:
    current = await plans.get(ctx.tx, ctx.room_case.id)
    ctx.reply("plan.show", plan=current, case_id=ctx.room_case.id, needed=await needed_orgs(ctx),
              partners={p.key: p.name for p in ctx.config.partners})


async def needed_orgs(ctx: Context) -> list[str]:
    """Whose agreement adoption needs: the ZVH and every partner organisation with people in the case."""
    orgs = [ZVH]
    for member in await cases.members(ctx.tx, ctx.room_case.id):
        if member.org_key and member.org_key not in orgs:
            orgs.append(member.org_key)
    return orgs


async def organisation(ctx: Context) -> str:
    member = await cases.member(ctx.tx, ctx.room_case.id, ctx.sender)
    if member and member.org_key:
        return member.org_key
    if ctx.config.is_coordinator(ctx.sender):
        return ZVH
    raise fail("plan.no_organisation")


@command("plan", "plan", where=IN_CASE, args=(Choice("doel", "goal", word("doel", "goal")), Word("leefgebied",
                                                                                                  "domain"),
                                              Rest("tekst", "text")))
async def goal(ctx: Context, _: str, domain: str, text: str) -> None:
    ctx.require_open_case()
    key = match_word(domain, LIFE_DOMAINS)
    if key is None:
        raise fail("plan.bad_domain", usage=True, value=domain,
                   options=", ".join(label[ctx.lang] for label in LIFE_DOMAINS.values()))
    number = await plans.add_item(ctx.tx, ctx.room_case.id, plans.GOAL, text, ctx.sender, domain=key)
    await audit.append(ctx.tx, ctx.sender, "plan.goal_added", case_id=ctx.room_case.id, purpose="plan", number=number)
    await show(ctx)


@command("plan", "plan", where=IN_CASE, args=(Choice("interventie", "intervention",
                                                     word("interventie", "intervention")),
                                              Choice("soort", "kind", MEASURES), Word("partner"),
                                              Rest("tekst [doel #]", "text [goal #]")))
async def intervention(ctx: Context, _: str, measure: str, partner: str, text: str) -> None:
    ctx.require_open_case()
    if ctx.config.partner(partner) is None:
        raise fail("error.unknown_partner", usage=True, value=partner,
                   known=", ".join(p.key for p in ctx.config.partners))
    goal_ref = None
    words = text.rsplit(None, 2)
    if len(words) == 3 and words[1].lower() in ("doel", "goal") and words[2].lstrip("#").isdigit():
        text, goal_ref = words[0], int(words[2].lstrip("#"))
        current = await plans.get(ctx.tx, ctx.room_case.id)
        if not any(i.number == goal_ref and i.kind == plans.GOAL for i in current.items):
            raise fail("plan.no_such_goal", number=goal_ref)
    number = await plans.add_item(ctx.tx, ctx.room_case.id, plans.INTERVENTION, text, ctx.sender, measure=measure,
                                  partner=partner.lower(), goal=goal_ref)
    await audit.append(ctx.tx, ctx.sender, "plan.intervention_added", case_id=ctx.room_case.id, purpose="plan",
                       number=number)
    await show(ctx)


@command("plan", "plan", where=IN_CASE, args=(Choice("evaluatie", "review", word("evaluatie", "review")),
                                              Rest("datum", "date")))
async def review(ctx: Context, _: str, text: str) -> None:
    ctx.require_open_case()
    try:
        day = dates.parse_due_date(text, ctx.now)
    except dates.DateError as exc:
        raise date_error(exc) from None
    await plans.set_review(ctx.tx, ctx.room_case.id, day.isoformat())
    await audit.append(ctx.tx, ctx.sender, "plan.review_set", case_id=ctx.room_case.id, purpose="plan")
    await show(ctx)


async def current_draft(ctx: Context) -> plans.Plan:
    """The current version, for a step that needs something to agree to: an open case, a plan with items."""
    ctx.require_open_case()
    current = await plans.get(ctx.tx, ctx.room_case.id)
    if not current.items:
        raise fail("plan.empty")
    return current


@command("plan", "plan", where=IN_CASE, args=(Choice("akkoord", "agree", word("akkoord", "agree")),))
async def agree(ctx: Context, _: str) -> None:
    current = await current_draft(ctx)
    org = await organisation(ctx)
    await plans.agree(ctx.tx, ctx.room_case.id, current.version, org, ctx.sender)
    await audit.append(ctx.tx, ctx.sender, "plan.agreed", case_id=ctx.room_case.id, purpose="plan",
                       version=current.version, org=org)
    await show(ctx)


@command("plan", "plan", where=IN_CASE, args=(Choice("voorleggen", "submit", word("voorleggen", "submit")),))
async def submit(ctx: Context, _: str) -> None:
    """Ask the organisations that have not agreed to the current version yet: their people are notified."""
    current = await current_draft(ctx)
    missing = [org for org in await needed_orgs(ctx) if org not in current.agreed]
    if not missing:
        raise fail("plan.all_agreed", version=current.version, prefix=ctx.config.bot.command_prefix)
    people = [m.user_id for m in await cases.members(ctx.tx, ctx.room_case.id) if m.user_id != ctx.sender
              and (m.org_key in missing or (ZVH in missing and ctx.config.is_coordinator(m.user_id)))]
    await audit.append(ctx.tx, ctx.sender, "plan.submitted", case_id=ctx.room_case.id, purpose="plan",
                       version=current.version)
    ctx.ask(people, "plan.agreement_requested", version=current.version, orgs=missing, case_id=ctx.room_case.id,
            partners={p.key: p.name for p in ctx.config.partners}, prefix=ctx.config.bot.command_prefix)


@command("plan", "plan", where=IN_CASE, role=Role.PROCESREGISSEUR,
         args=(Choice("vaststellen", "adopt", word("vaststellen", "adopt")),))
async def adopt(ctx: Context, _: str) -> None:
    current = await current_draft(ctx)
    if current.adopted_version == current.version:
        raise fail("plan.already_adopted", version=current.version)
    missing = [org for org in await needed_orgs(ctx) if org not in current.agreed]
    if missing:
        raise fail("plan.missing_agreement", orgs=missing, version=current.version)
    title = f"Plan van aanpak {ctx.room_case.id} versie {current.version}"
    # Rendered once, here: the archived bytes, their hash and the posted file are the same document.
    content = html_document(Msg.of("plan.document", plan=current, case_id=ctx.room_case.id, title=title,
                                   partners={p.key: p.name for p in ctx.config.partners}), ctx.config.bot.language,
                            title)
    digest = await plans.adopt(ctx.tx, ctx.room_case.id, current.version, title, content, ctx.sender)
    await audit.append(ctx.tx, ctx.sender, "plan.adopted", case_id=ctx.room_case.id, purpose="plan",
                       version=current.version, sha256=digest)
    ctx.reply("plan.adopted", version=current.version, sha256=digest)  # first: it says the document is below
    ctx.intents.append(SendFile(None, f"plan-{ctx.room_case.id}-v{current.version}.html", "text/html", content,
                                room_id=ctx.room_id, pin=True))


@command("plan", "plan", where=IN_CASE, read_only=True)
async def show_plan(ctx: Context) -> None:
    await show(ctx)


@command("archief", "archive", where=IN_CASE, read_only=True)
async def archive(ctx: Context) -> None:
    ctx.reply("plan.archive", documents=[dict(r) for r in await archives.listing(ctx.tx, ctx.room_case.id)])
