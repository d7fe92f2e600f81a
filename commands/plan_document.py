"""The adopted plan as a document: goals grouped per life domain (in the ZRM's order), under each goal its
interventions per track (zorg, straf, bestuur, civiel) with the responsible partner, then the evaluation date and
who agreed for which organisation and when. A system's plan has these per person: first the goals for the whole
family or group, then each person's own. Only what the case room already holds."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from commands.base import Context
from commands.fields import LIFE_DOMAINS
from core.messages import Msg
from storage import plan as plans
from storage import referrals


@dataclass(frozen=True)
class GoalSection:
    goal: plans.Item
    tracks: list[tuple[str, list[plans.Item]]]  # (track, its interventions); a track without any is left out


Tracks = list[tuple[str, list[plans.Item]]]


def per_track(items: list[plans.Item], tracks: tuple[str, ...]) -> Tracks:
    return [(track, steps) for track in tracks if (steps := [i for i in items if i.measure == track])]


Domains = list[tuple[str, list[GoalSection]]]


def per_domain(plan: plans.Plan, tracks: tuple[str, ...], goals: list[plans.Item]) -> Domains:
    """(life domain, these goals in it with their interventions per track) in the ZRM's order."""
    steps = [i for i in plan.items if i.kind == plans.INTERVENTION]
    sections: dict[str, list[GoalSection]] = {}
    for goal in goals:
        sections.setdefault(goal.domain or "", []).append(
            GoalSection(goal, per_track([i for i in steps if i.goal == goal.number], tracks)))
    order = list(LIFE_DOMAINS)
    return sorted(sections.items(), key=lambda d: order.index(d[0]) if d[0] in order else len(order))


Person = dict[str, Any]  # initials, birth year, role: as the referral names them


def goal_groups(plan: plans.Plan, persons: list[Person], approach: str) -> list[tuple[Person | None, list[plans.Item]]]:
    """The goals for everyone (person None; always there, if empty), then each person's own, in the order the
    referral names them. A system's plan names every person of the family or group, also one without goals yet;
    another plan only those with goals."""
    goals = [i for i in plan.items if i.kind == plans.GOAL]
    places = range(1, len(persons) + 1)
    groups: list[tuple[Person | None, list[plans.Item]]] = [(None, [g for g in goals if g.person not in places])]
    for number, person in enumerate(persons, 1):
        own = [g for g in goals if g.person == number]
        if own or approach == "system":
            groups.append((person, own))
    return groups


def per_person(plan: plans.Plan, tracks: tuple[str, ...], persons: list[Person]
               ) -> tuple[list[tuple[Person | None, Domains]], Tracks]:
    """For the document: each group of goals (see goal_groups; only persons with goals) per life domain; and the
    interventions that serve no goal, per track."""
    groups = [(person, per_domain(plan, tracks, goals)) for person, goals in goal_groups(plan, persons, "")]
    steps = [i for i in plan.items if i.kind == plans.INTERVENTION]
    return groups, per_track([i for i in steps if i.goal not in set(plan.goals)], tracks)


async def document(ctx: Context, plan: plans.Plan, title: str, tracks: tuple[str, ...],
                   partners: dict[str, str]) -> Msg:
    """partners: organisation key -> name, the ZVH's own included (it agrees too)."""
    case = ctx.room_case
    persons = await referrals.persons(ctx.tx, case.id)
    groups, unlinked = per_person(plan, tracks, persons)
    return Msg.of("plan.document", title=title, case_id=case.id, plan=plan, groups=groups, unlinked=unlinked,
                  partners=partners, adopted_at=ctx.now, adopted_by=ctx.sender, case=case, persons=persons,
                  agreements=await plans.agreements(ctx.tx, case.id, plan.version))
