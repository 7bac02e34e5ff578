"""CSV of a report table for Dutch Excel: UTF-8 with a byte order mark, ";" between cells, every
cell quoted where needed; a cell that a spreadsheet would read as a formula (starting with =, +, -,
@, a tab or a carriage return) starts with a single quote instead; a figure (-3) stays a figure."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

from reports.tables import Table, cell_text

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    text = cell_text(value)
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return text  # a number such as -3 is a number to a spreadsheet, not a formula
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def table_csv(table: Table, heading: list[str] | None = None) -> bytes:
    """The table (its totals row included) as CSV bytes; `heading` lines (the report and period) first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    for line in heading or []:
        writer.writerow([safe_cell(line)])
    writer.writerow([safe_cell(c) for c in table.columns])
    for row in table.all_rows:
        writer.writerow([safe_cell(c) for c in row])
    if table.note:
        writer.writerow([safe_cell(table.note)])
    return (BOM + buffer.getvalue()).encode("utf-8")
