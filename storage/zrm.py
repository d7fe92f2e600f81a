"""Self-reliance scores (Zelfredzaamheid-Matrix) per life domain of a case: each score with who gave it, when, and
the moment it belongs to (start, an evaluation, closure). Every score is kept; per domain and moment the latest
counts, so a correction is simply a new score."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Tx, iso

START, EVALUATION, CLOSURE = "start", "evaluation", "closure"
MOMENTS = (START, EVALUATION, CLOSURE)


@dataclass(frozen=True)
class Score:
    domain: str
    score: int
    moment: str
    review_date: str | None  # for an evaluation: the evaluation date it was given for
    scored_by: str
    scored_at: str


@dataclass(frozen=True)
class Column:
    """One moment shown side by side with the others: the start, one evaluation (by its date), or closure."""

    moment: str
    review_date: str | None
    scores: dict[str, Score]  # domain -> the latest score given for this moment


async def record(tx: Tx, case_id: str, domain: str, score: int, moment: str, review_date: str | None,
                 scored_by: str, at: datetime) -> None:
    if moment not in MOMENTS or not 1 <= score <= 5:
        raise ValueError(f"not a ZRM score: {score} at {moment}")
    await tx.execute("INSERT INTO zrm_scores(case_id, domain, score, moment, review_date, scored_by, scored_at) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?)",
                     (case_id, domain, score, moment, review_date if moment == EVALUATION else None, scored_by,
                      iso(at)))


async def scores(tx: Tx, case_id: str) -> list[Score]:
    rows = await tx.all("SELECT domain, score, moment, review_date, scored_by, scored_at FROM zrm_scores "
                        "WHERE case_id = ? ORDER BY id", (case_id,))
    return [Score(r["domain"], r["score"], r["moment"], r["review_date"], r["scored_by"], r["scored_at"])
            for r in rows]


def columns(given: list[Score]) -> list[Column]:
    """The moments in order: start, the evaluations by date (one without a date last among them), closure; in
    each the latest score per domain."""
    found: dict[tuple[str, str | None], dict[str, Score]] = {}
    for score in given:  # in the order given: a later score for the same moment replaces an earlier one
        found.setdefault((score.moment, score.review_date), {})[score.domain] = score

    def order(key: tuple[str, str | None]) -> tuple[int, bool, str]:
        return MOMENTS.index(key[0]), key[1] is None, key[1] or ""

    return [Column(moment, day, found[(moment, day)]) for moment, day in sorted(found, key=order)]


async def first_and_last(tx: Tx, case_id: str) -> dict[str, tuple[int, int]]:
    """Per life domain, the first score and the last (by moment, as `columns` orders them): what the final report
    and the management figures compare. A domain scored once has the same first and last."""
    return first_last(await scores(tx, case_id))


async def changes_of(tx: Tx, case_ids: list[str]) -> dict[str, dict[str, tuple[int, int]]]:
    """`changes` for many cases in one query (the figures: every case closed in a period)."""
    given: dict[str, list[Score]] = {}
    for chunk in range(0, len(case_ids), 500):
        part = case_ids[chunk:chunk + 500]
        rows = await tx.all(f"SELECT case_id, domain, score, moment, review_date, scored_by, scored_at FROM zrm_scores "
                            f"WHERE case_id IN ({','.join('?' * len(part))}) ORDER BY id", part)
        for r in rows:
            given.setdefault(r["case_id"], []).append(
                Score(r["domain"], r["score"], r["moment"], r["review_date"], r["scored_by"], r["scored_at"]))
    return {case_id: changes(found) for case_id, found in given.items()}


def first_last(given: list[Score]) -> dict[str, tuple[int, int]]:
    result: dict[str, tuple[int, int]] = {}
    for column in columns(given):
        for domain, score in column.scores.items():
            first = result[domain][0] if domain in result else score.score
            result[domain] = (first, score.score)
    return result


def changes(given: list[Score]) -> dict[str, tuple[int, int]]:
    """Per life domain scored at more than one moment, its first and last score: the change the figures count (a
    domain scored once has none to show)."""
    moments: dict[str, int] = {}
    for column in columns(given):
        for domain in column.scores:
            moments[domain] = moments.get(domain, 0) + 1
    return {domain: pair for domain, pair in first_last(given).items() if moments[domain] > 1}
