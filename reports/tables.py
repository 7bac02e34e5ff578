"""A report table: headers, rows of a label and figures, an optional totals row, and the sentence
under it. The same object feeds the HTML table, the SVG chart and the CSV, so all three show the
same figures, formatted the same way (`cell_text`)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

SUPPRESSED = "<10"  # a count below the threshold in the client council's report
HIDDEN = "x"  # a count hidden so that no "<10" can be worked out


@dataclass
class Table:
    key: str  # in the CSV's address and file name
    title: str
    columns: list  # the headers; the first is the label column's
    rows: list[list]  # [label, figure, figure, ...]
    chart: tuple[int, ...] = (1,)  # the figure columns the chart draws
    totals: list | None = None  # [label, figure, ...] shown as the last row
    intro: str = ""
    note: str = ""  # under the table (the council's suppression rule)
    unit: str = ""  # what the charted figures count ("klantcontacten"), for the chart's description
    label_columns: int = 1  # how many leading columns name the row (the rest are figures)

    @property
    def all_rows(self) -> list[list]:
        return self.rows + ([self.totals] if self.totals else [])


def number(value) -> Decimal:
    """A figure with one decimal, rounded half up: no float noise in a page, chart or file."""
    return Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def share(part, whole) -> Decimal | None:
    """A percentage with one decimal, or None when there is nothing to divide by."""
    if not whole:
        return None
    return (Decimal(int(part or 0)) * 100 / Decimal(int(whole))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def cell_text(value) -> str:
    """How a figure is written everywhere: whole numbers as they are, decimals with a comma and one
    decimal (Dutch), no figure as a dash."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal | float):
        return f"{number(value):.1f}".replace(".", ",")
    return str(value)


def figure(value) -> Decimal | None:
    """The value a chart draws (None: nothing to draw, such as a suppressed cell)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return None
    return number(value) if not isinstance(value, int) else Decimal(value)
