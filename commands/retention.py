"""Retention: the data of cases closed longer ago than the term is deleted, their rooms purged or left; the
deletion record and the audit trail remain."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from commands.recurrence import Recurrence, next_occurrence
from core.intents import AnchorAudit, DirectMessage, PurgeRoom
from core.messages import Msg
from storage import audit, cases, dossier, intake, schedule
from storage.db import iso
from storage.schedule import Kind

if TYPE_CHECKING:
    from commands.firing import Firing

RETENTION_AT = time(3, 0)  # the daily retention run, local time


async def fire(firing: Firing) -> None:
    await _expire_intakes(firing)
    entry, head = await audit.head(firing.tx)  # the night's anchor of the audit trail, kept outside the database
    if entry:
        firing.intents.append(AnchorAudit(entry, head, iso(firing.now)))
    """Cases closed longer ago than the term: their data is deleted, their room purged or left."""
    cutoff = firing.now - timedelta(days=firing.config.bot.retention_days)
    for case in await cases.closed_before(firing.tx, iso(cutoff)):
        await dossier.delete(firing.tx, case.id, firing.now, firing.config.pseudonym_key, firing.tz)
        await audit.append(firing.tx, "retention", "case.deleted", case_id=case.id, purpose="retention")
        if case.room_id:
            firing.intents.append(PurgeRoom(case.room_id))
    await schedule.add(firing.tx, next_retention(firing.now), Kind.RETENTION)


async def _expire_intakes(firing: Firing) -> None:
    """A referral dialogue left unfinished holds free text about a person: it does not stay."""
    before = firing.now - timedelta(hours=firing.config.bot.intake_expiry_hours)
    for user in await intake.expire(firing.tx, iso(before)):
        firing.intents.append(DirectMessage(user, Msg.of("intake.expired", hours=firing.config.bot.intake_expiry_hours,
                                                         prefix=firing.config.bot.command_prefix)))


def next_retention(after: datetime) -> datetime:
    return next_occurrence(Recurrence(tuple(range(7)), RETENTION_AT), after)
