"""Someone who wants a hidden count back: reads a report's published table (the CSV, as parsed) and what README
says adds up to what, and bounds every hidden cell by integer programming ("<10" is 1-9, since a zero is shown as
0; "x" is at least 10). A cell whose bounds leave one whole number is recomputed. Written apart from
commands/suppression.py on purpose: it works from the published file alone."""
from __future__ import annotations

import math
import re

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

# A breakdown (by its code) adds up to this row (README, "Management figures").
ADDS_UP_TO = {
    "referrals.municipality": "referrals", "referrals.theme": "referrals", "referrals.org": "referrals",
    "referrals.urgency": "referrals", "referrals.outcome": "referrals", "referrals.month": "referrals",
    "referrals.again": "referrals", "cases.reason": "lead.closure", "cases.caseload": "cases.active",
    "tables.type": "tables", "actions.state": "actions", "arrangements.outcome": "arrangements",
    "questions.month": "questions", "questions.org": "questions", "questions.theme": "questions",
}
# A month's breakdown (`<code>.<YYYY-MM>`) adds up to its month (in `month`); a category's months to its cell in
# the breakdown over the period (`code`).
BY_MONTH = {"referrals.month": ("referrals.month", "referrals.outcome"),
            "questions.org": ("questions.month", "questions.org"),
            "questions.theme": ("questions.month", "questions.theme")}


def cells_of(rows: list[list[str]], column: int = 4) -> dict[str, str]:
    """Published value per cell (code, or code:category) from CSV rows (header dropped)."""
    return {f"{r[0]}:{r[2]}" if r[2] else r[0]: r[column] for r in rows}


def relations(cells: dict[str, str]) -> list[tuple[str, list[str]]]:
    """(total, members) for every sum a reader of README knows."""
    found: list[tuple[str, list[str]]] = []
    groups: dict[str, list[str]] = {}
    for cell in cells:
        code = cell.split(":", 1)[0]
        if ":" in cell:
            groups.setdefault(code, []).append(cell)
    for code, members in groups.items():
        if code in ADDS_UP_TO:
            found.append((ADDS_UP_TO[code], members))
        elif (match := re.fullmatch(r"(.+)\.(\d{4}-\d{2})", code)) and match.group(1) in BY_MONTH:
            found.append((f"{BY_MONTH[match.group(1)][0]}:{match.group(2)}", members))
        elif match := re.fullmatch(r"zrm\.(\w+)\.change", code):
            found.append((f"zrm.{match.group(1)}", members))
    for prefix, (_, totals) in BY_MONTH.items():
        for category in {cell.split(":", 1)[1] for cell in groups.get(totals, [])}:
            found.append((f"{totals}:{category}", [c for code, members in groups.items()
                                                   if re.fullmatch(rf"{re.escape(prefix)}\.\d{{4}}-\d{{2}}", code)
                                                   for c in members if c.endswith(f":{category}")]))
    if "referrals.complete" in groups:
        found.append(("referrals", [*groups["referrals.complete"], "referrals.outcome:submitted"]))
    return found


def recomputed(cells: dict[str, str], small: str = "<10", threshold: int = 10) -> dict[str, int]:
    """The hidden cells that only one whole value fits, with that value."""
    hidden = [c for c, v in cells.items() if v in (small, "x")]
    index = {c: i for i, c in enumerate(hidden)}
    rows, rhs = [], []
    for total, members in relations(cells):
        coefficients, constant = np.zeros(len(hidden)), 0.0
        for cell, sign in [(m, 1) for m in members] + [(total, -1)]:
            if cell in index:
                coefficients[index[cell]] += sign
            else:
                constant -= sign * float(cells[cell])
        if coefficients.any():
            rows.append(coefficients)
            rhs.append(constant)
    low = np.array([1.0 if cells[c] == small else threshold for c in hidden])
    high = np.array([threshold - 1.0 if cells[c] == small else math.inf for c in hidden])
    found = {}
    for cell, i in index.items():
        objective = np.zeros(len(hidden))
        objective[i] = 1
        kwargs = {"constraints": LinearConstraint(np.array(rows), rhs, rhs)} if rows else {}
        least = milp(objective, integrality=np.ones(len(hidden)), bounds=Bounds(low, high), **kwargs)
        most = milp(-objective, integrality=np.ones(len(hidden)), bounds=Bounds(low, high), **kwargs)
        assert least.status == 0, f"the published table is inconsistent at {cell}"
        if most.status == 0 and round(least.fun) == round(-most.fun):
            found[cell] = round(least.fun)
    return found
