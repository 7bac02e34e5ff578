"""Small-cell suppression for the client council's tables.

A table is a grid of counts with its row totals, column totals and grand total: an extended grid of
(R + 1) x (C + 1) cells in which every line (each row with its total, each column with its total,
the totals row and the totals column) is one equation: the cells add up to the line's total.

Primary: every cell below THRESHOLD (totals included) is hidden and shown as "<10".
Secondary: a hidden cell must not be derivable from what is shown. The equations only constrain the
hidden cells together; a hidden cell can be worked out exactly when no other filling of the hidden
cells fits every equation and every known bound (a "<10" cell lies in 0..9, a cell hidden for the
second reason is 10 or more). So every hidden cell must lie on a cycle of hidden cells along which the
values can be shifted by one (up in one cell, down in the next, alternating per line) without leaving
those bounds: then a second filling exists that shows the same table, with a different value in that
cell. While some hidden cell has no such cycle, the smallest shown cell of its row or column is hidden
too ("x"), and the check starts again.

Periods: the council sees fixed, non-overlapping calendar quarters only (reports.periods), never a
month within a shown quarter, a custom range or a year next to its quarters: no published figure is
the sum or the difference of two others across periods.
"""
from __future__ import annotations

from collections import deque

THRESHOLD = 10
PRIMARY = "primary"
SECONDARY = "secondary"


def extended(values: list[list[int]]) -> list[list[int]]:
    """The grid with its row totals (last column), column totals (last row) and grand total."""
    rows = [list(row) + [sum(row)] for row in values]
    totals = [sum(row[j] for row in rows) for j in range(len(rows[0]))] if rows else [0]
    return rows + [totals]


def _sign_in_row(grid, i, j) -> int:
    return -1 if j == len(grid[0]) - 1 else 1


def _sign_in_column(grid, i, j) -> int:
    return -1 if i == len(grid) - 1 else 1


def _fits(value: int, mark: str, shift: int) -> bool:
    new = value + shift
    if mark == PRIMARY:
        return 0 <= new < THRESHOLD
    return new >= THRESHOLD


def _shiftable(grid, marks, cell) -> bool:
    """Is there a second filling of the hidden cells with another value in `cell`? Searched as a
    cycle of hidden cells, alternating row and column, with shifts of +1/-1 that keep the equations."""
    rows, cols = len(grid), len(grid[0])
    i0, j0 = cell
    for d in (1, -1):
        if not _fits(grid[i0][j0], marks[i0][j0], d):
            continue
        # A state is (at a row line?, index, flow): the signed shift that arrived at that line.
        start = (False, j0, d * _sign_in_column(grid, i0, j0))
        goal = (True, i0, -d * _sign_in_row(grid, i0, j0))
        parent = {start: None}
        queue = deque([start])
        while queue:
            state = queue.popleft()
            at_row, index, flow = state
            if state == goal and state != start:
                if _path_fits(grid, marks, cell, d, parent, state):
                    return True
                continue
            others = ([(index, j) for j in range(cols)] if at_row else [(i, index) for i in range(rows)])
            for (i, j) in others:
                if (i, j) == cell or marks[i][j] is None:
                    continue
                sign_here = _sign_in_row(grid, i, j) if at_row else _sign_in_column(grid, i, j)
                shift = -flow * sign_here
                if not _fits(grid[i][j], marks[i][j], shift):
                    continue
                nxt = (False, j, shift * _sign_in_column(grid, i, j)) if at_row else \
                      (True, i, shift * _sign_in_row(grid, i, j))
                if nxt not in parent:
                    parent[nxt] = (state, (i, j), shift)
                    queue.append(nxt)
    return False


def _path_fits(grid, marks, cell, d, parent, state) -> bool:
    """The walk found may pass a cell twice: add up its shifts and check the bounds once more."""
    shifts = {cell: d}
    while parent[state] is not None:
        state, (i, j), shift = parent[state]
        shifts[(i, j)] = shifts.get((i, j), 0) + shift
    return all(_fits(grid[i][j], marks[i][j], s) for (i, j), s in shifts.items())


def suppress(values: list[list[int]]) -> tuple[list[list[int]], list[list[str | None]]]:
    """The extended grid and, per cell, None (shown), PRIMARY ("<10") or SECONDARY ("x")."""
    grid = extended(values)
    rows, cols = len(grid), len(grid[0])
    marks: list[list[str | None]] = [[PRIMARY if grid[i][j] < THRESHOLD else None for j in range(cols)]
                                     for i in range(rows)]
    safe: set[tuple[int, int]] = set()  # hiding more cells only adds cycles: a safe cell stays safe
    while True:
        unsafe = None
        for cell in ((i, j) for i in range(rows) for j in range(cols) if marks[i][j] is not None):
            if cell in safe:
                continue
            if not _shiftable(grid, marks, cell):
                unsafe = cell
                break
            safe.add(cell)
        if unsafe is None:
            return grid, marks
        candidate = _second_cell(grid, marks, unsafe)
        if candidate is None:  # everything is hidden: nothing is left to derive it from
            return grid, marks
        marks[candidate[0]][candidate[1]] = SECONDARY


def _second_cell(grid, marks, unsafe):
    """The cell to hide next: the smallest shown cell that by itself makes `unsafe` safe, else the
    smallest shown cell of its row or column, else of the table."""
    rows, cols = len(grid), len(grid[0])
    everywhere = sorted((grid[i][j], i, j) for i in range(rows) for j in range(cols) if marks[i][j] is None)
    for _, i, j in everywhere:
        marks[i][j] = SECONDARY
        fixed = _shiftable(grid, marks, unsafe)
        marks[i][j] = None
        if fixed:
            return i, j
    # No single cell will do: hide a cell of the same row or column, an inner cell before a total
    # (a hidden total hides more), and go on from there in the next round.
    i0, j0 = unsafe
    line = sorted(((i == rows - 1 or j == cols - 1), value, i, j) for value, i, j in everywhere
                  if i == i0 or j == j0) or [(False, *cell) for cell in everywhere]
    return (line[0][2], line[0][3]) if line else None
