"""What the figures keep of a referral (and its case) when retention deletes it: days, outcome, municipality, theme,
urgency, the referring organisation, life domains, closure reason, the ZRM's first and last score per domain, the
days of its tables and its actions' due and closing days, whether it was a light arrangement (and when it was
escalated to a case). No number, no initials, names or free text; the person concerned and the procesregisseur
only as keyed pseudonyms. And of a consultation question: its day, its first answer's day and wait, the asker's
organisation, theme and municipality; no number, no asker, no text. So the figures of past years stay what they
were."""
from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from storage import zrm
from storage.db import Tx, dumps, iso
from storage.figures import PLAN, answer_hours, day_of, lead_key, person_keys


def _text(day: object) -> str | None:
    return day.isoformat() if day is not None else None  # type: ignore[attr-defined]


async def keep(tx: Tx, referral_id: str, key: bytes, tz: ZoneInfo, now: datetime) -> None:
    """Write the anonymised record of a referral and its case, before both are deleted."""
    referral = await tx.one("SELECT * FROM referrals WHERE id = ?", (referral_id,))
    if referral is None:
        return
    fields = json.loads(referral["fields"])
    case = await tx.one("SELECT * FROM cases WHERE id = ?", (referral_id,))
    record: dict[str, object] = {
        "filed_on": _text(day_of(referral["created_at"], tz)), "triaged_on": _text(day_of(referral["triaged_at"], tz)),
        "outcome": referral["status"], "municipality": fields.get("gemeente"), "theme": fields.get("thema"),
        "urgency": fields.get("urgentie"), "referrer_org": referral["referrer_org"],
        "domains": dumps(list(fields.get("leefgebieden") or [])),
        "asked_after_filing": referral["asked_after_filing"], "person_keys": dumps(list(person_keys(key, fields))),
    }
    if case is not None:
        first_table = await tx.value("SELECT MIN(starts_at) FROM meetings WHERE case_id = ? AND status = 'planned' "
                                     "AND starts_at <= ?", (referral_id, iso(now)))
        adopted = await tx.value("SELECT MIN(created_at) FROM archive WHERE case_id = ? AND kind = ?",
                                 (referral_id, PLAN))
        tables = await tx.all("SELECT starts_at, kind FROM meetings WHERE case_id = ? AND status = 'planned' "
                              "AND starts_at <= ? ORDER BY starts_at", (referral_id, iso(now)))
        actions = await tx.all("SELECT due_date, closed_at, status FROM actions WHERE case_id = ? AND due_date "
                               "IS NOT NULL ORDER BY number", (referral_id,))
        record.update({
            "opened_on": _text(day_of(case["created_at"], tz)), "first_table_on": _text(day_of(first_table, tz)),
            "plan_adopted_on": _text(day_of(adopted, tz)), "closed_on": _text(day_of(case["closed_at"], tz)),
            "close_reason": case["close_reason"], "kind": case["kind"],
            "escalated_on": _text(day_of(case["arrangement_escalated_at"], tz)),
            "lead_key": lead_key(key, case["procesregisseur"]),
            "zrm": dumps({d: list(s) for d, s in zrm.changes(await zrm.scores(tx, referral_id)).items()}),
            "tables": dumps([[_text(day_of(t["starts_at"], tz)), t["kind"]] for t in tables]),
            "actions": dumps([[a["due_date"], _text(day_of(a["closed_at"], tz)), a["status"]] for a in actions]),
        })
    columns = list(record)
    await tx.execute(f"INSERT INTO figure_records({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                     [record[c] for c in columns])


async def keep_question(tx: Tx, number: str, tz: ZoneInfo) -> None:
    """Write the anonymised record of a consultation question, before it is deleted."""
    question = await tx.one("SELECT created_at, first_answer_at, asker_org, theme, municipality FROM questions "
                            "WHERE id = ?", (number,))
    if question is None:
        return
    await tx.execute("INSERT INTO question_records(asked_on, answered_on, answer_hours, asker_org, theme, "
                     "municipality) VALUES (?, ?, ?, ?, ?, ?)",
                     (_text(day_of(question["created_at"], tz)), _text(day_of(question["first_answer_at"], tz)),
                      answer_hours(question["created_at"], question["first_answer_at"]), question["asker_org"],
                      question["theme"], question["municipality"]))
