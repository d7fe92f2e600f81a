"""The one shared plan of a case (plan van aanpak): goals per life domain, interventions per partner, an
evaluation date; every organisation in the case agrees to the current version, then the procesregisseur adopts
it: rendered, archived unchangeable with its SHA-256, posted and pinned in the room."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from commands import dates, documents, evaluation
from commands.actions import date_error
from commands.base import Arg, Choice, Context, Number, Rest, Role, RoomKind, Word, command
from commands.fields import LIFE_DOMAINS, read_domain
from commands.persons import split_person_ref, which_person
from commands.plan_document import document, goal_groups
from commands.social_map import suggestions
from core.intents import Reply
from core.messages import Msg, fail
from storage import archive as archives
from storage import audit, cases, referrals
from storage import plan as plans

IN_CASE = {RoomKind.CASE: Role.CASE_MEMBER}
ZVH = "zvh"  # the coordinators' own organisation, for their agreement
MEASURES = {"zorg": {"nl": "zorg", "en": "care"}, "straf": {"nl": "straf", "en": "criminal"},
            "bestuur": {"nl": "bestuur", "en": "administrative"}, "civiel": {"nl": "civiel", "en": "civil"}}


def word(nl: str, en: str) -> dict[str, dict[str, str]]:
    return {nl: {"nl": nl, "en": en}}


class Domain(Arg):
    """A life domain, as people write it: its name in one or more words ("geestelijke gezondheid"), in Dutch or
    English, or a short form ("ggz", "schulden", "wonen"); a typo is refused with the nearest domain."""

    def parse(self, ctx: Context, text: str) -> tuple[Any, str]:
        key, rest, nearest = read_domain(text)
        if key is None:
            raise fail("plan.bad_domain", usage=True, value=rest, suggestion=nearest,
                       options=", ".join(label[ctx.lang] for label in LIFE_DOMAINS.values()))
        return key, rest


# A goal named at the end of an intervention's text: "doel 1", "goal #1", "#1", or a number alone.
GOAL_AT_END = re.compile(r"^(?P<text>.*?)(?:^|\s+)(?:(?:doel|goal)\s*#?\s*(?P<named>\d{1,6})|#(?P<hash>\d{1,6})"
                         r"|(?P<bare>\d{1,6}))\s*$", re.S | re.I)


@dataclass(frozen=True)
class GoalRef:
    text: str
    goal: int | None = None
    bare: bool = False  # a number alone at the end: the goal, or part of the text?


def split_goal_ref(text: str) -> GoalRef:
    """The text and the goal it names at its end. A number alone at the end is marked `bare`: it is read as the
    goal only if that goal exists (see linked_goal)."""
    match = GOAL_AT_END.match(text.strip())
    if not match:
        return GoalRef(text.strip())
    number = match["named"] or match["hash"] or match["bare"]
    return GoalRef(match["text"].strip(), int(number), bare=match["bare"] is not None)


class TextAndGoal(Rest):
    """The rest of the line, and a goal it may name at its end: usage `<tekst> [doel #]`."""

    GOAL = {"nl": "doel", "en": "goal"}

    def usage(self, lang: str) -> str:
        return f"{super().usage(lang)} [{self.GOAL[lang]} #]"

    def parse(self, ctx: Context, text: str) -> tuple[Any, str]:
        whole, rest = super().parse(ctx, text)
        return split_goal_ref(whole), rest


class PersonAndText(Rest):
    """A goal's text, with in front of it the one person of a system it is for: usage `[voor <initialen>] <tekst>`
    (read in commands/persons.py)."""

    FOR = {"nl": "voor <initialen>", "en": "for <initials>"}

    def usage(self, lang: str) -> str:
        return f"[{self.FOR[lang]}] {super().usage(lang)}"


def linked_goal(ctx: Context, current: plans.Plan, ref: GoalRef) -> tuple[int | None, list[Msg]]:
    """The goal an intervention serves, and what to tell about how it was read. A number alone at the end is
    understood as the goal when that goal exists (the answer says so, and `!plan wijzig` undoes it); when it does
    not, nothing is stored and the answer asks whether that goal was meant."""
    if ref.goal is None:
        return None, []
    if ref.goal not in current.goals:
        raise fail("plan.bare_number" if ref.bare else "plan.no_such_goal", usage=True, number=ref.goal,
                   goals=current.goals, text=ref.text)
    if not ref.bare:
        return ref.goal, []
    return ref.goal, [Msg.of("plan.read_as_goal", number=ref.goal, prefix=ctx.config.bot.command_prefix)]


async def goal_domains(ctx: Context, current: plans.Plan, ref: GoalRef) -> list[str]:
    """The life domains an intervention is for: its goal's; without one, those of the plan's goals; without goals,
    the referral's."""
    goal = current.item(ref.goal) if ref.goal is not None else None
    if goal is not None and goal.kind == plans.GOAL and goal.domain:
        return [goal.domain]
    domains = [i.domain for i in current.items if i.kind == plans.GOAL and i.domain]
    if domains:
        return list(dict.fromkeys(domains))
    referral = await referrals.get(ctx.tx, ctx.room_case.id)
    return list(referral.fields.get("leefgebieden") or []) if referral else []


def required_text(ctx: Context, text: str) -> str:
    if not text:
        raise fail("error.missing_argument", usage=True, name={"nl": "tekst", "en": "text"}[ctx.lang])
    return text


async def show_msg(ctx: Context) -> Msg:
    plan = await plans.get(ctx.tx, ctx.room_case.id)
    persons = await referrals.persons(ctx.tx, ctx.room_case.id)
    return Msg.of("plan.show", plan=plan, case_id=ctx.room_case.id, needed=await needed_orgs(ctx),
                  partners={p.key: p.name for p in ctx.config.partners}, approach=ctx.room_case.approach,
                  groups=goal_groups(plan, persons, ctx.room_case.approach))


async def show(ctx: Context) -> None:
    ctx.intents.append(Reply(await show_msg(ctx)))


async def answer_change(ctx: Context, before: plans.Plan, *notes: Msg) -> None:
    """After a change: what was done, and the plan. A change to a draft withdraws the agreements given to it
    (they were for the text as it was): the answer says whose, and mentions those who gave them, so it notifies
    them."""
    withdrawn = {} if before.adopted else before.agreed
    users = [user for user in withdrawn.values() if user != ctx.sender]
    ctx.ask(users, "plan.updated", notes=list(notes), plan=await show_msg(ctx), withdrawn=Msg.of(
        "plan.agreements_withdrawn", agreed=list(withdrawn.items()), version=before.version,
        partners={p.key: p.name for p in ctx.config.partners}, prefix=ctx.config.bot.command_prefix)
        if withdrawn else None)


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


@command("plan", "plan", where=IN_CASE, args=(Choice("doel", "goal", word("doel", "goal")),
                                              Domain("leefgebied", "domain"), PersonAndText("tekst", "text")))
async def goal(ctx: Context, _: str, domain: str, text: str) -> None:
    """A goal for the whole case (a system: the whole family or group), or with `voor J.D.` for one person."""
    ctx.require_open_case()
    ref = split_person_ref(text)
    person = which_person(ref, await referrals.persons(ctx.tx, ctx.room_case.id))
    if ref is not None and person is not None:
        text = ref.rest
    before = await plans.get(ctx.tx, ctx.room_case.id)
    number = await plans.add_item(ctx.tx, ctx.room_case.id, plans.GOAL, required_text(ctx, text), ctx.sender,
                                  domain=domain, person=person)
    # The audit trail names the person by place only: their initials are in the referral already.
    await audit.append(ctx.tx, ctx.sender, "plan.goal_added", case_id=ctx.room_case.id, purpose="plan", number=number,
                       person=person)
    await answer_change(ctx, before)


@command("plan", "plan", where=IN_CASE, args=(Choice("interventie", "intervention",
                                                     word("interventie", "intervention")),
                                              Choice("soort", "kind", MEASURES), Word("partner"),
                                              TextAndGoal("tekst", "text")))
async def intervention(ctx: Context, _: str, measure: str, partner: str, ref: GoalRef) -> None:
    ctx.require_open_case()
    before = await plans.get(ctx.tx, ctx.room_case.id)
    if ctx.config.partner(partner) is None:  # no partner named (or an unknown one): who the kaart has for it
        raise fail("plan.unknown_partner", usage=True, value=partner,
                   known=", ".join(p.key for p in ctx.config.partners),
                   suggestions=suggestions(ctx.config, await goal_domains(ctx, before, ref), measure))
    goal_ref, notes = linked_goal(ctx, before, ref)
    number = await plans.add_item(ctx.tx, ctx.room_case.id, plans.INTERVENTION, required_text(ctx, ref.text),
                                  ctx.sender, measure=measure, partner=partner.lower(), goal=goal_ref)
    await audit.append(ctx.tx, ctx.sender, "plan.intervention_added", case_id=ctx.room_case.id, purpose="plan",
                       number=number)
    await answer_change(ctx, before, *notes)


@command("plan", "plan", where=IN_CASE, args=(Choice("evaluatie", "review", word("evaluatie", "review")),
                                              Rest("datum", "date")))
async def review(ctx: Context, _: str, text: str) -> None:
    ctx.require_open_case()
    try:
        day = dates.parse_due_date(text, ctx.now)
    except dates.DateError as exc:
        raise date_error(exc) from None
    before = await plans.get(ctx.tx, ctx.room_case.id)
    await plans.set_review(ctx.tx, ctx.room_case.id, day.isoformat())
    await evaluation.schedule_reminder(ctx.tx, ctx.config, ctx.room_case.id, day, ctx.now)
    await audit.append(ctx.tx, ctx.sender, "plan.review_set", case_id=ctx.room_case.id, purpose="plan")
    await answer_change(ctx, before)


async def draft_item(ctx: Context, number: int) -> tuple[plans.Plan, plans.Item]:
    """The plan and one of its items, for a change: only a draft changes; the adopted version is revised first."""
    ctx.require_open_case()
    current = await plans.get(ctx.tx, ctx.room_case.id)
    if current.adopted:
        raise fail("plan.adopted_unchangeable", version=current.version, prefix=ctx.config.bot.command_prefix)
    item = current.item(number)
    if item is None:
        raise fail("plan.no_such_item", usage=True, number=number, numbers=[i.number for i in current.items])
    return current, item


@command("plan", "plan", where=IN_CASE, args=(Choice("wijzig", "change", word("wijzig", "change")),
                                              Number("#"), Rest("tekst", "text")))
async def change(ctx: Context, _: str, number: int, text: str) -> None:
    """A draft item's new text; for an intervention a goal at the end (`doel 2`) links it anew, and a goal alone
    (`!plan wijzig 3 doel 2`) only that."""
    before, item = await draft_item(ctx, number)
    goal, notes = item.goal, list[Msg]()
    if item.kind == plans.INTERVENTION:
        ref = split_goal_ref(text)
        if ref.goal is not None:
            text = ref.text or (item.text if not ref.bare else "")
            goal, notes = linked_goal(ctx, before, ref)
    version = await plans.change_item(ctx.tx, ctx.room_case.id, number, required_text(ctx, text), goal)
    await audit.append(ctx.tx, ctx.sender, "plan.item_changed", case_id=ctx.room_case.id, purpose="plan",
                       number=number, version=version)
    await answer_change(ctx, before, Msg.of("plan.item_changed", number=number), *notes)


@command("plan", "plan", where=IN_CASE, args=(Choice("weg", "remove", word("weg", "remove")), Number("#")))
async def remove(ctx: Context, _: str, number: int) -> None:
    """A draft item removed; a goal only once no intervention serves it any more."""
    before, item = await draft_item(ctx, number)
    serving = [i.number for i in before.items if i.goal == number]
    if item.kind == plans.GOAL and serving:
        raise fail("plan.goal_in_use", number=number, interventions=serving, prefix=ctx.config.bot.command_prefix)
    version = await plans.remove_item(ctx.tx, ctx.room_case.id, number)
    await audit.append(ctx.tx, ctx.sender, "plan.item_removed", case_id=ctx.room_case.id, purpose="plan",
                       number=number, version=version)
    await answer_change(ctx, before, Msg.of("plan.item_removed", number=number))


@command("plan", "plan", where=IN_CASE, role=Role.CASUSREGISSEUR,
         args=(Choice("herzien", "revise", word("herzien", "revise")),))
async def revise(ctx: Context, _: str) -> None:
    """A new draft from the adopted version (the procesregisseur or the casusregisseur); the adopted version stays
    in the archive as it was adopted."""
    ctx.require_open_case()
    current = await plans.get(ctx.tx, ctx.room_case.id)
    if current.adopted_version is None:
        raise fail("plan.nothing_adopted", prefix=ctx.config.bot.command_prefix)
    if not current.adopted:
        raise fail("plan.draft_open", version=current.version, adopted_version=current.adopted_version)
    version = await plans.revise(ctx.tx, ctx.room_case.id)
    await audit.append(ctx.tx, ctx.sender, "plan.revised", case_id=ctx.room_case.id, purpose="plan",
                       version=version, adopted_version=current.adopted_version)
    ctx.reply("plan.revised", version=version, adopted_version=current.adopted_version, plan=await show_msg(ctx))


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
    filename = f"plan-{ctx.room_case.id}-v{current.version}.pdf"
    partners = {p.key: p.name for p in ctx.config.partners} | {ZVH: f"Zorg- en Veiligheidshuis {ctx.config.bot.region}"}
    # Rendered once, here: the archived bytes, their hash and the posted file are the same document.
    content = documents.render(ctx, await document(ctx, current, title, tuple(MEASURES), partners), title, filename)
    digest = await plans.adopt(ctx.tx, ctx.room_case.id, current.version, title, content, ctx.sender)
    await audit.append(ctx.tx, ctx.sender, "plan.adopted", case_id=ctx.room_case.id, purpose="plan",
                       version=current.version, sha256=digest)
    ctx.reply("plan.adopted", version=current.version, sha256=digest)  # first: it says the document is below
    documents.post(ctx, filename, content)


@command("plan", "plan", where=IN_CASE, read_only=True)
async def show_plan(ctx: Context) -> None:
    await show(ctx)


@command("archief", "archive", where=IN_CASE, read_only=True)
async def archive(ctx: Context) -> None:
    ctx.reply("plan.archive", documents=[dict(r) for r in await archives.listing(ctx.tx, ctx.room_case.id)])
