"""Retention: the data of cases closed longer ago than the term is deleted, their rooms purged or left; the
deletion record and the audit trail remain."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from commands import question_chase
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
    # Cases closed longer ago than their term (a light arrangement's may be shorter): their data is deleted (an
    # anonymised record stays for the figures), their room purged or left.
    due = []
    for kind, days in ((cases.CASE, firing.config.bot.retention_days),
                       (cases.ARRANGEMENT, firing.config.arrangement_retention_days)):
        due += await cases.closed_before(firing.tx, iso(firing.now - timedelta(days=days)), kind)
    for case in due:
        await dossier.delete(firing.tx, case.id, firing.now, firing.config.pseudonym_key, firing.tz)
        await audit.append(firing.tx, "retention", "case.deleted", case_id=case.id, purpose="retention")
        if case.room_id:
            firing.intents.append(PurgeRoom(case.room_id, case.id))
    await question_chase.purge(firing)  # consultation questions and their answers; saved knowledge stays
    await schedule.add(firing.tx, next_retention(firing.now), Kind.RETENTION)


async def _expire_intakes(firing: Firing) -> None:
    """A referral dialogue left unfinished holds free text about a person: it does not stay."""
    before = firing.now - timedelta(hours=firing.config.bot.intake_expiry_hours)
    for user in await intake.expire(firing.tx, iso(before)):
        firing.intents.append(DirectMessage(user, Msg.of("intake.expired", hours=firing.config.bot.intake_expiry_hours,
                                                         prefix=firing.config.bot.command_prefix)))


def next_retention(after: datetime) -> datetime:
    return next_occurrence(Recurrence(tuple(range(7)), RETENTION_AT), after)
