"""The weekly digest: everyone with open actions gets theirs, procesregisseurs their cases' overdue ones."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from commands.chase import describe
from commands.recurrence import Recurrence, next_occurrence
from core.config import Config
from core.intents import DirectMessage
from core.messages import Msg
from storage import actions, cases, schedule
from storage.schedule import Kind

if TYPE_CHECKING:
    from commands.firing import Firing


async def fire(firing: Firing) -> None:
    today = firing.now.date()
    people = set(await actions.users_with_open_actions(firing.tx))
    leads = await cases.open_by_procesregisseur(firing.tx)
    people.update(leads)

    def shown(action: actions.Action) -> dict:
        return describe(action, today, firing.cal, firing.config)

    for user in sorted(people):
        own = [shown(a) for a in await actions.open_for_user(firing.tx, user)]
        overdue = []
        for case_id in leads.get(user, []):
            late = await actions.open_with_due_before(firing.tx, case_id, today)
            if late:
                overdue.append({"case_id": case_id, "actions": [shown(a) for a in late]})
        if own or overdue:
            firing.intents.append(DirectMessage(user, Msg.of("digest.weekly", own=own, overdue=overdue,
                                                           late=firing.late).to(user)))
    await schedule.add(firing.tx, next_digest(firing.now, firing.config), Kind.DIGEST)


def next_digest(after: datetime, config: Config) -> datetime:
    cfg = config.reminders
    return next_occurrence(Recurrence((cfg.digest_weekday,), cfg.digest_time), after.astimezone(config.tz))
