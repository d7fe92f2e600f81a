"""Chasing an action when one of its moments falls due: a reminder before the due date, a nudge while overdue,
an escalation to the casusregisseur and then the procesregisseur; and how actions are described in lists."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from commands import deadlines
from commands.workdays import WorkCalendar
from core.config import Config
from core.intents import DirectMessage, RoomMessage
from core.messages import Msg
from storage import actions, cases, schedule
from storage.db import Tx
from storage.schedule import Kind

if TYPE_CHECKING:
    from commands.firing import Firing


async def fire(firing: Firing) -> None:
    """One of an open action's moments: remind, nudge (and plan the next nudge) or escalate."""
    if firing.item.case_id is None or firing.item.ref is None:
        return
    action = await actions.get(firing.tx, firing.item.case_id, firing.item.ref)
    case = await cases.get(firing.tx, firing.item.case_id)
    if action is None or case is None or action.status != actions.OPEN or action.due_date is None:
        return
    today = firing.now.date()
    params = {"action": action, "case_id": case.id, "late": firing.late,
              "overdue": deadlines.days_overdue(action.due_date, today, firing.cal),
              "left": deadlines.days_left(action.due_date, today, firing.cal)}
    kind = firing.item.kind
    if kind == Kind.ACTION_BEFORE:
        await to_owners(firing, case, action, Msg.of("chase.before", **params))
    elif kind == Kind.ACTION_NUDGE:
        await to_owners(firing, case, action, Msg.of("chase.overdue", **params))
        following = deadlines.next_morning(firing.now, firing.cal, firing.config.reminders, firing.tz)
        await schedule.add(firing.tx, following, Kind.ACTION_NUDGE, case.id, action.number)
    else:
        lead = case.casusregisseur if kind == Kind.ESCALATE_CASUS else None
        target = lead or case.procesregisseur
        firing.intents.append(DirectMessage(target, Msg.of(
            "chase.escalation", **params, owner=owner_name(firing.config, action), step=kind,
            no_casusregisseur=kind == Kind.ESCALATE_CASUS and lead is None).to(target)))


async def to_owners(firing: Firing, case: cases.Case, action: actions.Action, msg: Msg) -> None:
    owners = await owners_of(firing.tx, action)
    for user in owners:
        firing.intents.append(DirectMessage(user, msg.to(user)))
    if not owners and case.room_id:
        firing.intents.append(RoomMessage(case.room_id, msg))  # an organisation without people in the case


async def owners_of(tx: Tx, action: actions.Action) -> list[str]:
    """The person who owns the action, or the organisation's people in this case."""
    members = await cases.members(tx, action.case_id)
    if action.owner_user:  # someone removed from the case gets nothing more about it
        return [action.owner_user] if any(m.user_id == action.owner_user for m in members) else []
    return [m.user_id for m in members if m.org_key == action.owner_org]


def org_name(config: Config, action: actions.Action) -> str | None:
    """The owning organisation as people know it (the directory's name, not its key)."""
    return config.partner_name(action.owner_org) if action.owner_org else None


def owner_name(config: Config, action: actions.Action) -> str:
    return action.owner_user or org_name(config, action) or ""


def describe(action: actions.Action, today: Any, cal: WorkCalendar, config: Config) -> dict[str, Any]:
    """An action as lists show it: its owner by name, overdue and days left counted in working days."""
    due = action.due_date
    return {"action": action, "owner": owner_name(config, action), "late": bool(due and today > due),
            "overdue": deadlines.days_overdue(due, today, cal) if due else 0,
            "left": deadlines.days_left(due, today, cal) if due else None}
