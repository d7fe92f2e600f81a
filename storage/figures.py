"""The stored history the management figures are counted from: per referral, case, light arrangement, action, table
and consultation question only the facts a figure needs (days, outcome, municipality, theme, ...), read from the
live tables and from the anonymised records that retention keeps (storage/figure_records.py), alike. Nothing here
names anyone: a person concerned and a procesregisseur appear only as keyed pseudonyms, which no report shows."""
from __future__ import annotations

import hashlib
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
    """A full case; one that began as a light arrangement is one from the day it was escalated."""

    opened_on: date
    first_table_on: date | None  # the first table held (not cancelled, begun)
    plan_adopted_on: date | None  # the plan's first adoption
    closed_on: date | None
    close_reason: str | None
    lead: str  # pseudonym of the procesregisseur
    zrm: dict[str, tuple[int, int]]  # life domain -> (first score, last score)


@dataclass(frozen=True)
class Arrangement:
    """A light arrangement: begun on a day, then ended at its term, or escalated to a full case, or neither yet."""

    begun_on: date
    ended_on: date | None
    escalated_on: date | None


@dataclass(frozen=True)
class Consultation:
    """A question to the expertise desk: nothing of its text or asker, only its day, its organisation and theme."""

    asked_on: date
    answered_on: date | None  # the day of its first answer
    answer_hours: float | None  # from the question to its first answer
    org: str | None  # the asker's organisation (a partner key)
    theme: str | None


@dataclass(frozen=True)
class Actions:
    """How many actions due on one day ended one way (they are counted, not listed: there are tens of thousands)."""

    due: date
    status: str  # open, done, dropped
    in_time: bool  # closed on or before its due day
    count: int = 1


@dataclass(frozen=True)
class Table:
    day: date
    kind: str | None


@dataclass
class History:
    referrals: list[Referral] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    actions: list[Actions] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    arrangements: list[Arrangement] = field(default_factory=list)
    consultations: list[Consultation] = field(default_factory=list)


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
    """A keyed hash (BLAKE2b in its keyed mode, a MAC like HMAC and faster: a report makes thousands): the same
    person gives the same pseudonym, and without the key none can be traced back."""
    material = "|".join(str(p) for p in parts).encode()
    return hashlib.blake2b(material, key=_mac_key(key), digest_size=16).hexdigest()


def _mac_key(key: bytes) -> bytes:
    return key if len(key) <= 64 else hashlib.sha256(key).digest()  # BLAKE2b takes keys of up to 64 bytes


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


def answer_hours(asked: str, answered: str | None) -> float | None:
    """Hours from a question to its first answer (two decimals: a figure needs no more)."""
    if not answered:
        return None
    return round((datetime.fromisoformat(answered) - datetime.fromisoformat(asked)).total_seconds() / 3600, 2)


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
    await _live_arrangements(tx, window, found)
    await _live_consultations(tx, window, found)
    await _records(tx, window, found)
    await _question_records(tx, window, found)
    return found


def _filter(window: Window, municipality: str, theme: str) -> tuple[str, list[str]]:
    sql, args = "", list[str]()
    if window.municipality:
        sql, args = sql + f" AND {municipality} = ?", [*args, window.municipality]
    if window.theme:
        sql, args = sql + f" AND {theme} = ?", [*args, window.theme]
    return sql, args


async def _live_referrals(tx: Tx, w: Window, key: bytes, found: History) -> None:
    """Filed from the look-back on (re-referrals), or triaged in the period (lead time to triage). Only the fields
    a figure needs are read out of the stored JSON."""
    extra, args = _filter(w, "json_extract(fields, '$.gemeente')", "json_extract(fields, '$.thema')")
    end = utc_bound(w.end + timedelta(days=1), w.tz)
    rows = await tx.all(
        "SELECT created_at, triaged_at, status, referrer_org, asked_after_filing, "
        "json_extract(fields, '$.gemeente'), json_extract(fields, '$.thema'), json_extract(fields, '$.urgentie'), "
        "json_extract(fields, '$.leefgebieden'), json_extract(fields, '$.betrokkene') FROM referrals "
        f"WHERE ((created_at >= ? AND created_at < ?) OR (triaged_at >= ? AND triaged_at < ?)){extra}",
        (utc_bound(w.lookback, w.tz), end, utc_bound(w.start, w.tz), end, *args))
    for created, triaged, status, org, asked, municipality, theme, urgency, domains, subjects in rows:
        filed = day_of(created, w.tz)
        assert filed is not None
        fields = {"gemeente": municipality, "betrokkene": json.loads(subjects) if subjects else []}
        found.referrals.append(Referral(
            filed, day_of(triaged, w.tz), status, str(municipality or ""), str(theme or ""), str(urgency or ""), org,
            tuple(json.loads(domains) if domains else ()), asked, person_keys(key, fields)))


async def _live_cases(tx: Tx, w: Window, key: bytes, found: History) -> None:
    """Every full case open at some moment of the period: the opened, closed, active and lead-time counts are of
    these. A light arrangement is none (it counts apart) until it is escalated: from then on it is a case."""
    extra, args = _filter(w, "c.municipality", "c.theme")
    rows = await tx.all(
        "SELECT c.id, COALESCE(c.arrangement_escalated_at, c.created_at) AS created_at, c.closed_at, "
        "c.close_reason, c.procesregisseur FROM cases c WHERE c.kind = 'case' "
        "AND COALESCE(c.arrangement_escalated_at, c.created_at) < ? AND (c.closed_at IS NULL OR c.closed_at >= ?)"
        + extra,
        (utc_bound(w.end + timedelta(days=1), w.tz), utc_bound(w.start, w.tz), *args))
    # One grouped query each (a subquery per case would scan the meetings by their time index, case after case).
    first_tables: dict[str, str] = {r[0]: r[1] for r in await tx.all(
        "SELECT case_id, MIN(starts_at) FROM meetings WHERE status = 'planned' AND starts_at <= ? GROUP BY case_id",
        (iso(w.now),))}
    adopted: dict[str, str] = {r[0]: r[1] for r in await tx.all(
        f"SELECT case_id, MIN(created_at) FROM archive WHERE kind = '{PLAN}' GROUP BY case_id")}
    scores = await zrm.changes_of(tx, [r["id"] for r in rows if r["closed_at"]])
    for r in rows:
        opened = day_of(r["created_at"], w.tz)
        assert opened is not None
        found.cases.append(Case(opened, day_of(first_tables.get(r["id"]), w.tz), day_of(adopted.get(r["id"]), w.tz),
                                day_of(r["closed_at"], w.tz), r["close_reason"], lead_key(key, r["procesregisseur"]),
                                scores.get(r["id"], {})))


async def _live_actions(tx: Tx, w: Window, found: History) -> None:
    """Actions due in the period, counted per due day, status and whether they closed in time: before local
    midnight after the due day, a bound made once per day of the period and compared as stored text."""
    extra, args = _filter(w, "c.municipality", "c.theme")
    join = " JOIN cases c ON c.id = a.case_id" if extra else ""
    days = [w.start + timedelta(days=i) for i in range((w.end - w.start).days + 1)]
    bounds = ", ".join("(?, ?)" for _ in days)
    rows = await tx.all(
        f"WITH bounds(day, bound) AS (VALUES {bounds}) "
        f"SELECT a.due_date, a.status, a.closed_at IS NOT NULL AND a.closed_at < b.bound AS in_time, COUNT(*) "
        f"FROM actions a JOIN bounds b ON b.day = a.due_date{join} WHERE 1{extra} GROUP BY 1, 2, 3",
        (*(v for day in days for v in (day.isoformat(), utc_bound(day + timedelta(days=1), w.tz))), *args))
    found.actions.extend(Actions(date.fromisoformat(due), status, bool(in_time), count)
                         for due, status, in_time, count in rows)


async def _live_tables(tx: Tx, w: Window, found: History) -> None:
    """Tables held: planned (not cancelled) and begun."""
    extra, args = _filter(w, "c.municipality", "c.theme")
    join = " JOIN cases c ON c.id = m.case_id" if extra else ""
    end = min(utc_bound(w.end + timedelta(days=1), w.tz), iso(w.now + timedelta(milliseconds=1)))
    rows = await tx.all(f"SELECT m.starts_at, m.kind FROM meetings m{join} WHERE m.status = 'planned' "
                        f"AND m.starts_at >= ? AND m.starts_at < ?{extra}", (utc_bound(w.start, w.tz), end, *args))
    found.tables.extend(Table(day, r["kind"]) for r in rows if (day := day_of(r["starts_at"], w.tz)))


async def _live_arrangements(tx: Tx, w: Window, found: History) -> None:
    """Light arrangements begun in the period (escalated ones too: they began as arrangements)."""
    extra, args = _filter(w, "municipality", "theme")
    rows = await tx.all(
        "SELECT created_at, kind, closed_at, arrangement_escalated_at FROM cases WHERE (kind = 'arrangement' OR "
        f"arrangement_escalated_at IS NOT NULL) AND created_at >= ? AND created_at < ?{extra}",
        (utc_bound(w.start, w.tz), utc_bound(w.end + timedelta(days=1), w.tz), *args))
    for r in rows:
        begun = day_of(r["created_at"], w.tz)
        assert begun is not None
        found.arrangements.append(Arrangement(begun, day_of(r["closed_at"], w.tz) if r["kind"] == "arrangement"
                                              else None, day_of(r["arrangement_escalated_at"], w.tz)))


async def _live_consultations(tx: Tx, w: Window, found: History) -> None:
    """Questions asked in the period, or first answered in it (the time to first answer ends there)."""
    extra, args = _filter(w, "municipality", "theme")
    start, end = utc_bound(w.start, w.tz), utc_bound(w.end + timedelta(days=1), w.tz)
    rows = await tx.all(
        "SELECT created_at, first_answer_at, asker_org, theme FROM questions WHERE ((created_at >= ? AND "
        f"created_at < ?) OR (first_answer_at >= ? AND first_answer_at < ?)){extra}", (start, end, start, end, *args))
    for r in rows:
        asked = day_of(r["created_at"], w.tz)
        assert asked is not None
        found.consultations.append(Consultation(asked, day_of(r["first_answer_at"], w.tz),
                                                answer_hours(r["created_at"], r["first_answer_at"]), r["asker_org"],
                                                r["theme"]))


async def _question_records(tx: Tx, w: Window, found: History) -> None:
    """The anonymised records of deleted questions count as the live ones do."""
    extra, args = _filter(w, "municipality", "theme")
    rows = await tx.all("SELECT * FROM question_records WHERE ((asked_on >= ? AND asked_on <= ?) OR "
                        f"(answered_on >= ? AND answered_on <= ?)){extra}",
                        (*(w.start.isoformat(), w.end.isoformat()) * 2, *args))
    found.consultations.extend(Consultation(date.fromisoformat(r["asked_on"]), _day(r["answered_on"]),
                                            r["answer_hours"], r["asker_org"], r["theme"]) for r in rows)


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
        opened, closed, escalated = _day(r["opened_on"]), _day(r["closed_on"]), _day(r["escalated_on"])
        if opened is None:
            continue
        if (r["kind"] == "arrangement" or escalated) and w.start <= opened <= w.end:
            found.arrangements.append(Arrangement(opened, closed if r["kind"] == "arrangement" else None, escalated))
        opened = escalated or opened  # a case from its escalation on
        if r["kind"] == "case" and opened <= w.end and (closed is None or closed >= w.start):
            found.cases.append(Case(opened, _day(r["first_table_on"]), _day(r["plan_adopted_on"]), closed,
                                    r["close_reason"], r["lead_key"] or "",
                                    {d: (s[0], s[1]) for d, s in json.loads(r["zrm"]).items()}))
        for due, closed_on, status in json.loads(r["actions"]):
            if w.start.isoformat() <= due <= w.end.isoformat():
                found.actions.append(Actions(date.fromisoformat(due), status, bool(closed_on) and closed_on <= due))
        for day, kind in json.loads(r["tables"]):
            if w.start.isoformat() <= day <= w.end.isoformat() and day <= w.now.astimezone(w.tz).date().isoformat():
                found.tables.append(Table(date.fromisoformat(day), kind))
