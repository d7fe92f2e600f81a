"""The management report over five years of a large region: 12,500 referrals, 3,000 cases, 60,000 actions.

    python -m bench.figures [--referrals 12500] [--cases 3000] [--actions-per-case 20] [--purged 300] [--runs 5]

1. Generate: five years (2021-2025) of history written straight into the bot's schema (bulk inserts: the storage
   API would take minutes at this size): referrals over nine municipalities, eight themes and six referring
   organisations; the escalated ones become cases with 1-6 tables, an adopted plan for most, ZRM scores and
   `--actions-per-case` actions each; 90% of the cases closed. `--purged` of the oldest closed cases are then
   deleted by retention (storage/dossier.py), so the report also reads their anonymised records.
2. Measure, for the report of the five years (`!rapport afgelopen 60 maanden` on 15 January 2026):
   - storage: reading the history the figures are counted from (storage/figures.py, the target: well under 1 s),
   - counting (commands/report_tables.py), suppression and its proof (commands/suppression.py),
   - the whole report: summary, four charts, CSV and .xlsx (commands/report.py `make`);
   and the same for one municipality (a ninth of the region), where small cells make suppression work.
   Each is timed `--runs` times (wall clock; for storage also the process's CPU time, the database's thread
   included, which a busy machine disturbs less); the median and the slowest are printed, and written to
   bench/results/figures.json.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import tempfile
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from commands import report_period
from commands.report import make
from commands.report_period import Filter
from commands.report_tables import compute
from commands.report_view import Shown
from core.config import Config
from storage import dossier, figures
from storage.db import Database, dumps, iso

RESULTS = Path(__file__).resolve().parent / "results"
TZ = ZoneInfo("Europe/Amsterdam")
TARGET_STORAGE_S = 1.0
MUNICIPALITIES = ["Den Haag", "Delft", "Zoetermeer", "Leidschendam-Voorburg", "Midden-Delfland", "Pijnacker-Nootdorp",
                  "Rijswijk", "Wassenaar", "Westland"]
ORGS = ["politie", "om", "gemeente", "ggz", "reclassering", "veiligthuis"]
DOMAINS = ["financien", "huisvesting", "huiselijke_relaties", "geestelijke_gezondheid", "middelengebruik",
           "justitie", "werk_opleiding"]
KINDS = ["casusoverleg", "focusoverleg", "jco", "mda", "nazorg"]
REASONS = ["goals_met", "scaled_down", "handed_over", "not_needed", "moved", "other"]
LEADS = [f"@regisseur{i}:bench.local" for i in range(12)]
START, DAYS = datetime(2021, 1, 1, 8, tzinfo=TZ), 5 * 365
NOW = datetime(2026, 1, 15, 10, tzinfo=TZ)


def config() -> Config:
    return Config.model_validate({
        "matrix": {"homeserver": "http://127.0.0.1:1", "user_id": "@bot:bench.local", "password": "x",
                   "pickle_key": "bench-pickle-key-0123456789"},
        "bot": {"screening_room": "!screening:bench.local", "municipalities": MUNICIPALITIES},
        "partners": [{"key": key, "name": key.title()} for key in ORGS],
    })


def moment(day: float, rng: random.Random) -> datetime:
    return START + timedelta(days=day, hours=rng.uniform(0, 9))


async def generate(db: Database, referrals: int, cases: int, per_case: int, seed: int = 14) -> list[str]:
    """Returns the closed cases, oldest closure first."""
    rng = random.Random(seed)
    escalated = set(rng.sample(range(referrals), cases))
    rows: dict[str, list[tuple]] = {t: [] for t in ("referrals", "cases", "meetings", "archive", "actions", "zrm")}
    closed: list[tuple[str, str]] = []
    for i in range(referrals):
        day = DAYS * i / referrals
        filed = moment(day, rng)
        number = f"HGL-{filed.year}-{i:05d}"
        municipality = rng.choice(MUNICIPALITIES)
        fields = {"betrokkene": [{"initials": f"{chr(65 + rng.randrange(26))}.{chr(65 + rng.randrange(26))}.",
                                  "birth_year": rng.randint(1950, 2010), "role": "subject"}],
                  "gemeente": municipality, "thema": rng.choice(config().bot.themes),
                  "leefgebieden": rng.sample(DOMAINS, rng.randint(1, 4)), "urgentie": rng.choice(
                      ["normal", "normal", "high", "urgent"]), "reden": "r", "doel": "d", "partners": [],
                  "geinformeerd": {"informed": True}}
        triaged = filed + timedelta(days=rng.randint(1, 20)) if day < DAYS - 10 else None
        outcome = "escalated" if i in escalated else rng.choice(["advice", "referred", "rejected"])
        rows["referrals"].append((number, "@melder:bench.local", rng.choice(ORGS + [None]), dumps(fields),
                                  outcome if triaged else "submitted", outcome if triaged else None,
                                  iso(triaged) if triaged else None, iso(filed), int(rng.random() < 0.1)))
        if i not in escalated or triaged is None:
            continue
        ends = triaged + timedelta(days=rng.randint(60, 400))
        is_closed = rng.random() < 0.9 and ends < NOW
        rows["cases"].append((number, "closed" if is_closed else "open", fields["thema"], municipality,
                              rng.choice(LEADS), iso(triaged), iso(ends) if is_closed else None,
                              rng.choice(REASONS) if is_closed else None))
        if is_closed:
            closed.append((iso(ends), number))
        for n in range(rng.randint(1, 6)):
            rows["meetings"].append((number, n + 1, iso(triaged + timedelta(days=7 + 30 * n)), rng.choice(KINDS)))
        if rng.random() < 0.85:
            rows["archive"].append((number, iso(triaged + timedelta(days=rng.randint(14, 60)))))
        for n in range(per_case):
            due = (triaged + timedelta(days=rng.randint(5, 300))).date()
            done = rng.random()
            status = "done" if done < 0.75 else "dropped" if done < 0.85 else "open"
            at = triaged + timedelta(days=(due - triaged.date()).days + rng.randint(-5, 4))
            rows["actions"].append((number, n + 1, due.isoformat(), status, iso(at) if status != "open" else None))
        for domain in rng.sample(DOMAINS, 3):
            rows["zrm"].append((number, domain, rng.randint(1, 3), "start", iso(triaged + timedelta(days=3))))
            if is_closed:
                rows["zrm"].append((number, domain, rng.randint(2, 5), "closure", iso(ends - timedelta(days=1))))
    async with db.transaction() as tx:
        conn = tx.conn
        await conn.executemany(
            "INSERT INTO referrals(id, referrer, referrer_org, fields, status, outcome_text, triaged_at, created_at, "
            "asked_after_filing) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows["referrals"])
        await conn.executemany(
            "INSERT INTO cases(id, status, theme, municipality, procesregisseur, created_at, closed_at, close_reason) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows["cases"])
        await conn.executemany(
            "INSERT INTO meetings(case_id, number, starts_at, minutes, status, created_by, created_at, kind) "
            "VALUES (?, ?, ?, 60, 'planned', 'bench', ?, ?)", [(c, n, s, s, k) for c, n, s, k in rows["meetings"]])
        await conn.executemany(
            "INSERT INTO archive(case_id, kind, version, title, content, sha256, created_by, created_at) "
            "VALUES (?, 'plan', 1, 'Plan', x'00', '0', 'bench', ?)", rows["archive"])
        await conn.executemany(
            "INSERT INTO actions(case_id, number, text, owner_org, due_date, status, created_by, created_at, "
            "closed_at) VALUES (?, ?, 'Actie', 'politie', ?, ?, 'bench', ?, ?)",
            [(c, n, due, status, iso(START), closed_at) for c, n, due, status, closed_at in rows["actions"]])
        await conn.executemany(
            "INSERT INTO zrm_scores(case_id, domain, score, moment, scored_by, scored_at) VALUES (?, ?, ?, ?, 'b', ?)",
            rows["zrm"])
    return [number for _, number in sorted(closed)]


async def purge(db: Database, numbers: list[str], key: bytes) -> None:
    async with db.transaction() as tx:
        for number in numbers:
            await dossier.delete(tx, number, NOW.astimezone(timezone.utc), key, TZ)


def timed(samples: list[float]) -> dict[str, float]:
    return {"median_s": round(statistics.median(samples), 4), "max_s": round(max(samples), 4)}


async def passes(db: Database, cfg: Config, window: figures.Window, period: Any, where: Filter | None, runs: int
                 ) -> tuple[Any, Any, Any, dict[str, list[float]]]:
    """The report made `runs` times: the last pass's history, counts and what is shown, and each step's times
    (storage, its CPU, counting, suppression, the whole report with its files)."""
    times: dict[str, list[float]] = {k: [] for k in ("storage", "storage_cpu", "counting", "suppression", "whole")}
    for _ in range(runs):
        async with db.transaction() as tx:
            c0, t0 = time.process_time(), time.perf_counter()
            history = await figures.history(tx, window, cfg.pseudonym_key)
            c1, t1 = time.process_time(), time.perf_counter()
            counted = compute(history, period, where, cfg, NOW.date())
            t2 = time.perf_counter()
            shown = Shown.of(counted, cfg.reports.threshold)
            t3 = time.perf_counter()
            await make(tx, cfg, NOW, [period], where, "nl", None, "!room")
            t4 = time.perf_counter()
        for key, took in zip(times, (t1 - t0, c1 - c0, t2 - t1, t3 - t2, t4 - t3), strict=True):
            times[key].append(took)
    return history, counted, shown, times


async def run(referrals: int, cases: int, per_case: int, purged: int, runs: int) -> dict:
    cfg = config()
    with tempfile.TemporaryDirectory() as tmp:
        db = await Database.open(Path(tmp) / "bench.db")
        try:
            started = time.perf_counter()
            closed = await generate(db, referrals, cases, per_case)
            await purge(db, closed[:purged], cfg.pseudonym_key)
            generated = time.perf_counter() - started
            period = report_period.last_months(NOW.date(), 60)
            window = figures.Window(period.start, period.end, report_period.year_before(period.start), NOW, TZ)
            history, counted, shown, region = await passes(db, cfg, window, period, None, runs)
            # One municipality (a ninth of the region): many small cells, so suppression and its proof work hard.
            small_town = Filter("municipality", "Wassenaar")
            _, local, local_shown, town = await passes(db, cfg, replace(window, municipality=small_town.value),
                                                       period, small_town, runs)
            async with db.transaction() as tx:
                sizes = {table: await tx.value(f"SELECT COUNT(*) FROM {table}") for table in
                         ("referrals", "cases", "actions", "meetings", "zrm_scores", "figure_records")}
        finally:
            await db.close()
    return {
        "period": [period.start.isoformat(), period.end.isoformat()], "rows": sizes, "generate_s": round(generated, 1),
        "read": {"referrals": len(history.referrals), "cases": len(history.cases),
                 "actions": sum(a.count for a in history.actions),
                 "tables": len(history.tables)},
        "hidden": {"primary": sum(v == "primary" for v in shown.hidden.values()),
                   "secondary": sum(v == "secondary" for v in shown.hidden.values()), "cells": len(counted.values)},
        "storage": timed(region["storage"]), "storage_cpu": timed(region["storage_cpu"]),
        "counting": timed(region["counting"]), "suppression": timed(region["suppression"]),
        "whole_report": timed(region["whole"]), "runs": runs,
        "one_municipality": {
            "referrals": local.values["referrals"], "storage": timed(town["storage"]),
            "suppression": timed(town["suppression"]), "whole_report": timed(town["whole"]),
            "hidden": {"primary": sum(v == "primary" for v in local_shown.hidden.values()),
                       "secondary": sum(v == "secondary" for v in local_shown.hidden.values()),
                       "cells": len(local.values)}},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--referrals", type=int, default=12_500)
    parser.add_argument("--cases", type=int, default=3_000)
    parser.add_argument("--actions-per-case", type=int, default=20)
    parser.add_argument("--purged", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    result = asyncio.run(run(args.referrals, args.cases, args.actions_per_case, args.purged, args.runs))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "figures.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    ok = result["storage"]["max_s"] < TARGET_STORAGE_S
    print(f"storage {result['storage']['median_s']:.3f} s median, {result['storage']['max_s']:.3f} s slowest, CPU "
          f"{result['storage_cpu']['median_s']:.3f} s median (target well under {TARGET_STORAGE_S} s): "
          f"{'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
