"""Small-cell suppression for a report's counts, and the proof that it holds.

A count from 1 to below the threshold is hidden (primary suppression: shown as "<10"); a zero is shown, since it
identifies no one (and hiding zeros would give them away anyway, wherever the rest of a breakdown adds up).
Counts are tied together: a breakdown adds up to its total, a month's outcomes to the month and to the outcome,
several breakdowns share one total. So a hidden cell may be recomputed from what is shown; secondary suppression
hides more cells (shown as "x") until none can. "None can" is checked, not hoped for: for every hidden cell the
attacker's best bounds are computed from everything the report shows (the visible counts, every sum relation
between cells, which README spells out, and what the marks say: "<10" is 1-9, "x" is at least 10); a cell whose
bounds leave one whole number is recomputable. One relation alone is solved by hand; cells tied by several are
bounded by integer programming (HiGHS, through scipy). Pure: counts in, marks out."""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

PRIMARY, SECONDARY = "primary", "secondary"
INF = math.inf


@dataclass(frozen=True)
class Line:
    """total = sum of members, a relation anyone reading the report knows."""

    total: str
    members: tuple[str, ...]

    def terms(self) -> list[tuple[str, int]]:
        return [(m, 1) for m in self.members] + [(self.total, -1)]


def protect(values: Mapping[str, int], lines: Sequence[Line], threshold: int) -> dict[str, str]:
    """Which cells to hide, and why (PRIMARY: below the threshold; SECONDARY: so that no hidden cell can be
    recomputed). Cells are added one at a time, each next to a cell that could still be recomputed, preferring the
    smallest count in the same relation, until the check finds none."""
    hidden = {cell: PRIMARY for cell, value in values.items() if 0 < value < threshold}
    checked: dict[frozenset[tuple[str, str]], list[str]] = {}  # a group of cells unchanged is not checked again
    while True:
        open_cells = recomputable(values, hidden, lines, threshold, checked)
        if not open_cells:
            return hidden
        extra = _companion(open_cells[0], values, hidden, lines)
        if extra is None:  # everything around it is hidden already: nothing more can be done, nor is needed
            return hidden
        hidden[extra] = SECONDARY


def _companion(cell: str, values: Mapping[str, int], hidden: Mapping[str, str], lines: Sequence[Line]) -> str | None:
    """A shown cell (not a zero: "x" says at least the threshold) to hide beside `cell`: in a relation with it that
    hides fewest cells (a member rather than a total, the smallest, the one in fewest relations); failing that,
    anywhere in the relations its hidden neighbours are in."""
    uses: dict[str, int] = {}
    for line in lines:
        for name, _ in line.terms():
            uses[name] = uses.get(name, 0) + 1
    near = [line for line in lines if cell in line.members or cell == line.total]
    for group in (near, _component_lines(cell, hidden, lines)):
        # First the relations that hide least (one alone in a relation is what gives it away), then as above.
        candidates = [(sum(n in hidden for n, _ in line.terms()), name == line.total, values[name], uses[name], name)
                      for line in group for name, _ in line.terms()
                      if name not in hidden and values[name] > 0]  # a zero cannot be "x", which is >= 10
        if candidates:
            return min(candidates)[-1]
    return None


def _component_lines(cell: str, hidden: Mapping[str, str], lines: Sequence[Line]) -> list[Line]:
    seen, todo, found = {cell}, [cell], []
    while todo:
        current = todo.pop()
        for line in lines:
            names = [n for n, _ in line.terms()]
            if current in names and line not in found:
                found.append(line)
                for name in names:
                    if name in hidden and name not in seen:
                        seen.add(name)
                        todo.append(name)
    return found


def bounds_of(mark: str, threshold: int) -> tuple[float, float]:
    """What a mark tells the reader: "<10" is 1-9; "x" (hidden to protect another) is at least the threshold."""
    return (1, threshold - 1) if mark == PRIMARY else (threshold, INF)


def ranges(values: Mapping[str, int], hidden: Mapping[str, str], lines: Sequence[Line], threshold: int
           ) -> dict[str, tuple[float, float]]:
    """For every hidden cell, the least and the greatest whole value consistent with everything shown."""
    result: dict[str, tuple[float, float]] = {}
    for cells, group in _components(hidden, lines):
        if len(group) == 1:
            result.update(_one_line(group[0], values, hidden, threshold))
        else:
            result.update(_integer_program(cells, group, values, hidden, threshold))
    for cell, mark in hidden.items():
        result.setdefault(cell, bounds_of(mark, threshold))  # in no relation: only its mark bounds it
    return result


def recomputable(values: Mapping[str, int], hidden: Mapping[str, str], lines: Sequence[Line], threshold: int,
                 checked: dict[frozenset[tuple[str, str]], list[str]] | None = None) -> list[str]:
    """The hidden cells whose value the report gives away (one whole number fits), in a stable order. checked:
    results per group of tied cells, kept between calls while the group does not change."""
    checked = {} if checked is None else checked
    found: list[str] = []
    for cells, group in _components(hidden, lines):
        key = frozenset((cell, hidden[cell]) for cell in cells)
        if key not in checked:
            if len(group) == 1:
                ranged = _one_line(group[0], values, hidden, threshold)
                checked[key] = [cell for cell, (low, high) in ranged.items() if _whole_numbers(low, high) <= 1]
            else:
                checked[key] = _pinned(cells, group, values, hidden, threshold)
        found.extend(checked[key])
    return sorted(found)


def _whole_numbers(low: float, high: float) -> float:
    if high == INF:
        return INF
    return math.floor(high + 1e-6) - math.ceil(low - 1e-6) + 1


def _components(hidden: Mapping[str, str], lines: Sequence[Line]) -> list[tuple[list[str], list[Line]]]:
    """Hidden cells tied together by relations, each group with the relations that hold its cells."""
    parent: dict[str, str] = {}

    def root(cell: str) -> str:
        while parent.setdefault(cell, cell) != cell:
            parent[cell] = parent[parent[cell]]
            cell = parent[cell]
        return cell

    touching = [line for line in lines if any(name in hidden for name, _ in line.terms())]
    for line in touching:
        names = [name for name, _ in line.terms() if name in hidden]
        for name in names[1:]:
            parent[root(name)] = root(names[0])
    groups: dict[str, tuple[list[str], list[Line]]] = {}
    for line in touching:
        names = [name for name, _ in line.terms() if name in hidden]
        cells, group = groups.setdefault(root(names[0]), ([], []))
        group.append(line)
        cells.extend(n for n in names if n not in cells)
    return list(groups.values())


def _one_line(line: Line, values: Mapping[str, int], hidden: Mapping[str, str], threshold: int
              ) -> dict[str, tuple[float, float]]:
    """sum(sign * cell) = 0 with each hidden cell in its box: each cell's range, exactly (whole numbers fill any
    range that one relation with unit coefficients leaves)."""
    unknown = [(name, sign) for name, sign in line.terms() if name in hidden]
    rest = -sum(sign * values[name] for name, sign in line.terms() if name not in hidden)
    box = {name: bounds_of(hidden[name], threshold) for name, _ in unknown}
    spans = {name: (box[name][0], box[name][1]) if sign > 0 else (-box[name][1], -box[name][0])
             for name, sign in unknown}
    result = {}
    for name, sign in unknown:
        others_low = sum(spans[other][0] for other, _ in unknown if other != name)
        others_high = sum(spans[other][1] for other, _ in unknown if other != name)
        low, high = rest - others_high, rest - others_low  # the range of sign * cell
        if sign < 0:
            low, high = -high, -low
        result[name] = (max(low, box[name][0]), min(high, box[name][1]))
    return result


def _program(cells: list[str], group: list[Line], values: Mapping[str, int], hidden: Mapping[str, str],
             threshold: int) -> tuple[Any, Any, Any, Any, dict[str, int]]:
    """The group as an integer program: (matrix, right-hand side, lower and upper bounds, cell -> column)."""
    import numpy as np  # only when cells are tied by several relations (and not at the bot's start)

    index = {cell: i for i, cell in enumerate(cells)}
    matrix = np.zeros((len(group), len(cells)))
    rhs = np.zeros(len(group))
    for row, line in enumerate(group):
        for name, sign in line.terms():
            if name in index:
                matrix[row, index[name]] += sign
            else:
                rhs[row] -= sign * values[name]
    low = np.array([bounds_of(hidden[c], threshold)[0] for c in cells], dtype=float)
    # "x" has no upper bound; a finite one far above any count keeps every program bounded (HiGHS reports an
    # unbounded integer program only as "unbounded or infeasible").
    cap = 10.0 * (max(values.values(), default=0) + threshold)
    high = np.array([min(bounds_of(hidden[c], threshold)[1], cap) for c in cells], dtype=float)
    return matrix, rhs, low, high, index


def _pinned(cells: list[str], group: list[Line], values: Mapping[str, int], hidden: Mapping[str, str],
            threshold: int) -> list[str]:
    """The cells of a group that only one whole value fits. Each cell is pushed above and below its true value;
    any solution found that way is a witness for every cell it moves, so most cells need no solve of their own."""
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp

    matrix, rhs, low, high, index = _program(cells, group, values, hidden, threshold)
    true = np.array([values[c] for c in cells], dtype=float)
    constraint, box, whole = LinearConstraint(matrix, rhs, rhs), Bounds(low, high), np.ones(len(cells))
    free = np.zeros(len(cells), dtype=bool)

    def witness(objective: Any) -> None:
        nonlocal free
        found = milp(objective, constraints=constraint, integrality=whole, bounds=box)
        if found.status == 0:
            free |= np.abs(np.round(found.x) - true) > 0.5

    # First a few solutions that move many cells at once: every cell pushed away from where it is (up from its
    # lower bound, down from its upper), then in fixed random directions.
    away = np.where(true <= low, -1.0, np.where(true >= high, 1.0, 0.0))
    rng = np.random.default_rng(0)
    for objective in (away + (away == 0) * -1.0, away + (away == 0) * 1.0,
                      *(rng.choice((-1.0, 1.0), len(cells)) for _ in range(2))):
        witness(objective)
    pinned = []
    for cell, i in index.items():
        for direction in (-1.0, 1.0):  # maximise, then minimise the cell (not past a bound it is at)
            if free[i]:
                break
            if (direction < 0 and true[i] >= high[i]) or (direction > 0 and true[i] <= low[i]):
                continue
            objective = np.zeros(len(cells))
            objective[i] = direction
            found = milp(objective, constraints=constraint, integrality=whole, bounds=box)
            if found.status == 0:
                free |= np.abs(np.round(found.x) - true) > 0.5
        if not free[i]:
            pinned.append(cell)
    return pinned


def _integer_program(cells: list[str], group: list[Line], values: Mapping[str, int], hidden: Mapping[str, str],
                     threshold: int) -> dict[str, tuple[float, float]]:
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp

    matrix, rhs, low, high, index = _program(cells, group, values, hidden, threshold)
    constraint = LinearConstraint(matrix, rhs, rhs)
    whole = np.ones(len(cells))
    result = {}
    for cell, i in index.items():
        objective = np.zeros(len(cells))
        objective[i] = 1
        least = milp(objective, constraints=constraint, integrality=whole, bounds=Bounds(low, high))
        most = milp(-objective, constraints=constraint, integrality=whole, bounds=Bounds(low, high))
        result[cell] = (least.fun if least.status == 0 else low[i],
                        -most.fun if most.status == 0 else INF)
    return result
