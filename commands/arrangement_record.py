"""What stays of a light arrangement when its term is over: a record of what was arranged, by whom, by when and
how it ended, rendered once as archival PDF/A like a case's final report (commands/closure.py), its SHA-256
kept with it in the archive, and posted and pinned in the arrangement's room. It goes with the room's data at
the end of the retention term."""
from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from commands import documents
from core.messages import Msg
from storage import actions, archive, arrangements, cases, referrals

if TYPE_CHECKING:
    from commands.firing import Firing

RECORD = "arrangement_record"  # the archive's kind


async def keep(firing: Firing, case: cases.Case, actor: str) -> tuple[str, bytes, str]:
    """Render and archive the record of an arrangement just ended: (file name, PDF, SHA-256)."""
    tx = firing.tx
    ended = await cases.require(tx, case.id)
    made = await arrangements.of_case(tx, case.id)
    every = await actions.of_case(tx, case.id, (actions.OPEN, actions.DONE, actions.DROPPED))
    by_number = {a.number: a for a in every}
    title, filename = f"Afstemmingsverslag {case.id}", f"afstemmingsverslag-{case.id}.pdf"
    content = documents.render(firing, Msg.of(
        "arrangement.record", title=title, case=ended, referral=await referrals.get(tx, case.id),
        ends=date.fromisoformat(ended.term_ends) if ended.term_ends else None,
        partners=[firing.config.partner_name(k) for k in await cases.partners(tx, case.id)],
        orgs={p.key: p.name for p in firing.config.partners},
        arrangements=[(a, by_number.get(a.action_number) if a.action_number else None) for a in made],
        actions=[a for a in every if a.number not in {m.action_number for m in made}]), title, filename)
    digest = await archive.store(tx, case.id, RECORD, 1, title, content, actor)
    return filename, content, digest
