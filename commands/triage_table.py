"""The weekly triage table (weegteam): its agenda is the referrals waiting for triage that were filed before the
cut-off (e.g. Monday 12:00 for a Tuesday table), oldest first, with their urgency; later ones go to the next."""
from __future__ import annotations

from datetime import datetime, timedelta

from commands.base import Context, Role, RoomKind, command
from commands.recurrence import Recurrence, next_occurrence
from commands.wallclock import local_moment
from storage import referrals

# A table that began less than this long ago is still the one being held: its agenda stays on screen.
RUNNING = timedelta(hours=3)


def table_and_cutoff(ctx: Context) -> tuple[datetime, datetime]:
    """The triage table being held or next, and its cut-off (the last cut-off moment before it)."""
    cfg = ctx.config.meetings
    table = next_occurrence(Recurrence((cfg.triage_weekday,), cfg.triage_time),
                            (ctx.now - RUNNING).astimezone(ctx.config.tz))
    days_back = (table.weekday() - cfg.triage_cutoff_weekday) % 7
    if days_back == 0 and cfg.triage_cutoff_time >= cfg.triage_time:
        days_back = 7
    return table, local_moment(table.date() - timedelta(days=days_back), cfg.triage_cutoff_time, ctx.config.tz)


@command("weegteam", "triageagenda", where={RoomKind.SCREENING: Role.COORDINATOR}, read_only=True)
async def triage_agenda(ctx: Context) -> None:
    table, cutoff = table_and_cutoff(ctx)
    waiting = await referrals.open_queue(ctx.tx)  # oldest first
    on_agenda = [r for r in waiting if datetime.fromisoformat(r.created_at) <= cutoff]
    ctx.reply("triage_table.agenda", table=table, cutoff=cutoff, referrals=on_agenda,
              later=len(waiting) - len(on_agenda), now=ctx.now, prefix=ctx.config.bot.command_prefix)
