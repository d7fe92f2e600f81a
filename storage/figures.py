"""The stored history the management figures are counted from: per referral, case, action and table only the facts
a figure needs (days, outcome, municipality, theme, ...), read from the live tables and from the anonymised records
that retention keeps (storage/figure_records.py), alike. Nothing here names anyone: a person concerned and a
procesregisseur appear only as keyed pseudonyms, which no report shows."""
from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from storage import zrm
from storage.db import Tx, iso

PLAN = "plan"  # the archive's kind for an adopted plan


@dataclass(frozen=True)
class Referral:
    filed_on: date
    triaged_on: date | None
    outcome: str  # submitted (not triaged yet), advice, referred, rejected, escalated
    municipality: str
    theme: str
    urgency: str
    org: str | None  # the referring organisation's key (None: not in the partner directory)
    domains: tuple[str, ...]
    asked_after_filing: int
    persons: tuple[str, ...]  # pseudonyms of the people concerned


@dataclass(frozen=True)
class Case:
    opened_on: date
    first_table_on: date | None  # the first table held (not cancelled, begun)
    plan_adopted_on: date | None  # the plan's first adoption
    closed_on: date | None
    close_reason: str | None
    lead: str  # pseudonym of the procesregisseur
    zrm: dict[str, tuple[int, int]]  # life domain -> (first score, last score)


@dataclass(frozen=True)
class Action:
    due: date
    closed_on: date | None
    status: str  # open, done, dropped


@dataclass(frozen=True)
class Table:
    day: date
    kind: str | None


@dataclass
class History:
    referrals: list[Referral] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


@dataclass(frozen=True)
class Window:
    """What to read: the period's days (local, inclusive), from how far back referrals are needed (re-referrals
    look a year back), the moment of asking (a table counts once it has begun) and an optional filter."""

    start: date
    end: date
    lookback: date
    now: datetime
    tz: ZoneInfo
    municipality: str | None = None
    theme: str | None = None


def pseudonym(key: bytes, *parts: Any) -> str:
    """A keyed hash: the same person gives the same pseudonym, and without the key none can be traced back."""
    material = "|".join(str(p) for p in parts).encode()
    return hmac.new(key, material, hashlib.sha256).hexdigest()[:32]


def person_keys(key: bytes, fields: dict[str, Any]) -> tuple[str, ...]:
    """Each person concerned by initials (letters only), birth year and municipality."""
    municipality = str(fields.get("gemeente", "")).strip().lower()
    keys = []
    for subject in fields.get("betrokkene") or []:
        letters = re.sub(r"[^A-Za-z]", "", str(subject.get("initials", ""))).upper()
        keys.append(pseudonym(key, "person", letters, subject.get("birth_year"), municipality))
    return tuple(dict.fromkeys(keys))


def lead_key(key: bytes, procesregisseur: str) -> str:
    return pseudonym(key, "lead", procesregisseur)


def day_of(stamp: str | None, tz: ZoneInfo) -> date | None:
    """The local day of a stored UTC moment."""
    return datetime.fromisoformat(stamp).astimezone(tz).date() if stamp else None


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def utc_bound(day: date, tz: ZoneInfo) -> str:
    """The stored form of local midnight at the start of `day`."""
    return iso(datetime.combine(day, time(0), tz))


async def history(tx: Tx, window: Window, key: bytes) -> History:
    found = History()
    await _live_referrals(tx, window, key, found)
    await _live_cases(tx, window, key, found)
    await _live_actions(tx, window, found)
    await _live_tables(tx, window, found)
    await _records(tx, window, found)
    return found


def _filter(window: Window, municipality: str, theme: str) -> tuple[str, list[str]]:
    sql, args = "", list[str]()
    if window.municipality:
        sql, args = sql + f" AND {municipality} = ?", [*args, window.municipality]
    if window.theme:
        sql, args = sql + f" AND {theme} = ?", [*args, window.theme]
    return sql, args


async def _live_referrals(tx: Tx, w: Window, key: bytes, found: History) -> None:
    """Filed from the look-back on (re-referrals), or triaged in the period (lead time to triage)."""
    extra, args = _filter(w, "json_extract(fields, '$.gemeente')", "json_extract(fields, '$.thema')")
    end = utc_bound(w.end + timedelta(days=1), w.tz)
    rows = await tx.all(
        "SELECT created_at, triaged_at, status, referrer_org, asked_after_filing, fields FROM referrals "
        f"WHERE ((created_at >= ? AND created_at < ?) OR (triaged_at >= ? AND triaged_at < ?)){extra}",
        (utc_bound(w.lookback, w.tz), end, utc_bound(w.start, w.tz), end, *args))
    for r in rows:
        fields = json.loads(r["fields"])
        filed = day_of(r["created_at"], w.tz)
        assert filed is not None
        found.referrals.append(Referral(
            filed, day_of(r["triaged_at"], w.tz), r["status"], str(fields.get("gemeente", "")),
            str(fields.get("thema", "")), str(fields.get("urgentie", "")), r["referrer_org"],
            tuple(fields.get("leefgebieden") or ()), r["asked_after_filing"], person_keys(key, fields)))


async def _live_cases(tx: Tx, w: Window, key: bytes, found: History) -> None:
    """Every case open at some moment of the period: the opened, closed, active and lead-time counts are of these."""
    extra, args = _filter(w, "c.municipality", "c.theme")
    rows = await tx.all(
        "SELECT c.id, c.created_at, c.closed_at, c.close_reason, c.procesregisseur, "
        "(SELECT MIN(m.starts_at) FROM meetings m WHERE m.case_id = c.id AND m.status = 'planned' "
        " AND m.starts_at <= ?) AS first_table, "
        f"(SELECT MIN(a.created_at) FROM archive a WHERE a.case_id = c.id AND a.kind = '{PLAN}') AS adopted "
        "FROM cases c WHERE c.created_at < ? AND (c.closed_at IS NULL OR c.closed_at >= ?)" + extra,
        (iso(w.now), utc_bound(w.end + timedelta(days=1), w.tz), utc_bound(w.start, w.tz), *args))
    scores = await zrm.changes_of(tx, [r["id"] for r in rows if r["closed_at"]])
    for r in rows:
        opened = day_of(r["created_at"], w.tz)
        assert opened is not None
        found.cases.append(Case(opened, day_of(r["first_table"], w.tz), day_of(r["adopted"], w.tz),
                                day_of(r["closed_at"], w.tz), r["close_reason"], lead_key(key, r["procesregisseur"]),
                                scores.get(r["id"], {})))


async def _live_actions(tx: Tx, w: Window, found: History) -> None:
    extra, args = _filter(w, "c.municipality", "c.theme")
    join = " JOIN cases c ON c.id = a.case_id" if extra else ""
    rows = await tx.all(f"SELECT a.due_date, a.closed_at, a.status FROM actions a{join} "
                        f"WHERE a.due_date >= ? AND a.due_date <= ?{extra}",
                        (w.start.isoformat(), w.end.isoformat(), *args))
    tz = w.tz
    found.actions.extend(Action(date.fromisoformat(r[0]), day_of(r[1], tz), r[2]) for r in rows)


async def _live_tables(tx: Tx, w: Window, found: History) -> None:
    """Tables held: planned (not cancelled) and begun."""
    extra, args = _filter(w, "c.municipality", "c.theme")
    join = " JOIN cases c ON c.id = m.case_id" if extra else ""
    end = min(utc_bound(w.end + timedelta(days=1), w.tz), iso(w.now + timedelta(milliseconds=1)))
    rows = await tx.all(f"SELECT m.starts_at, m.kind FROM meetings m{join} WHERE m.status = 'planned' "
                        f"AND m.starts_at >= ? AND m.starts_at < ?{extra}", (utc_bound(w.start, w.tz), end, *args))
    found.tables.extend(Table(day, r["kind"]) for r in rows if (day := day_of(r["starts_at"], w.tz)))


async def _records(tx: Tx, w: Window, found: History) -> None:
    """The anonymised records of deleted referrals and cases count as the live ones do, by the same rules."""
    extra, args = _filter(w, "municipality", "theme")
    rows = await tx.all("SELECT * FROM figure_records WHERE filed_on <= ? "
                        f"AND COALESCE(closed_on, triaged_on, filed_on) >= ?{extra}",
                        (w.end.isoformat(), w.lookback.isoformat(), *args))
    for r in rows:
        filed, triaged = date.fromisoformat(r["filed_on"]), _day(r["triaged_on"])
        if w.lookback <= filed <= w.end or (triaged and w.start <= triaged <= w.end):
            found.referrals.append(Referral(
                filed, triaged, r["outcome"], r["municipality"] or "", r["theme"] or "", r["urgency"] or "",
                r["referrer_org"], tuple(json.loads(r["domains"])), r["asked_after_filing"],
                tuple(json.loads(r["person_keys"]))))
        opened, closed = _day(r["opened_on"]), _day(r["closed_on"])
        if opened is None:
            continue
        if opened <= w.end and (closed is None or closed >= w.start):
            found.cases.append(Case(opened, _day(r["first_table_on"]), _day(r["plan_adopted_on"]), closed,
                                    r["close_reason"], r["lead_key"] or "",
                                    {d: (s[0], s[1]) for d, s in json.loads(r["zrm"]).items()}))
        for due, closed_on, status in json.loads(r["actions"]):
            if w.start.isoformat() <= due <= w.end.isoformat():
                found.actions.append(Action(date.fromisoformat(due), _day(closed_on), status))
        for day, kind in json.loads(r["tables"]):
            if w.start.isoformat() <= day <= w.end.isoformat() and day <= w.now.astimezone(w.tz).date().isoformat():
                found.tables.append(Table(date.fromisoformat(day), kind))
