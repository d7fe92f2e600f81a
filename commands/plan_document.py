"""The adopted plan as a document: goals grouped per life domain (in the ZRM's order), under each goal its
interventions per track (zorg, straf, bestuur, civiel) with the responsible partner, then the evaluation date and
who agreed for which organisation and when. Only what the case room already holds."""
from __future__ import annotations

from dataclasses import dataclass

from commands.base import Context
from commands.fields import LIFE_DOMAINS
from core.messages import Msg
from storage import plan as plans


@dataclass(frozen=True)
class GoalSection:
    goal: plans.Item
    tracks: list[tuple[str, list[plans.Item]]]  # (track, its interventions); a track without any is left out


Tracks = list[tuple[str, list[plans.Item]]]


def per_track(items: list[plans.Item], tracks: tuple[str, ...]) -> Tracks:
    return [(track, steps) for track in tracks if (steps := [i for i in items if i.measure == track])]


def per_domain(plan: plans.Plan, tracks: tuple[str, ...]) -> tuple[list[tuple[str, list[GoalSection]]], Tracks]:
    """(life domain, its goals with their interventions per track) in the ZRM's order; and the interventions that
    serve no goal, per track."""
    steps = [i for i in plan.items if i.kind == plans.INTERVENTION]
    sections: dict[str, list[GoalSection]] = {}
    for goal in (i for i in plan.items if i.kind == plans.GOAL):
        sections.setdefault(goal.domain or "", []).append(
            GoalSection(goal, per_track([i for i in steps if i.goal == goal.number], tracks)))
    order = list(LIFE_DOMAINS)
    domains = sorted(sections.items(), key=lambda d: order.index(d[0]) if d[0] in order else len(order))
    goals = set(plan.goals)
    return domains, per_track([i for i in steps if i.goal not in goals], tracks)


async def document(ctx: Context, plan: plans.Plan, title: str, tracks: tuple[str, ...],
                   partners: dict[str, str]) -> Msg:
    """partners: organisation key -> name, the ZVH's own included (it agrees too)."""
    domains, unlinked = per_domain(plan, tracks)
    return Msg.of("plan.document", title=title, case_id=ctx.room_case.id, plan=plan, domains=domains,
                  unlinked=unlinked, partners=partners, adopted_at=ctx.now, adopted_by=ctx.sender,
                  agreements=await plans.agreements(ctx.tx, ctx.room_case.id, plan.version))
