"""Bar charts drawn on the server as SVG: no JavaScript, no external asset, the same bytes for the
same figures (whole-pixel coordinates, figures written by reports.tables.cell_text, rows in the
table's order). Each chart is an image for assistive technology (role="img") named by its <title>
and described by a <desc> written from the figures; the table beside it holds the same figures."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from markupsafe import Markup, escape

from reports.tables import Table, cell_text, figure

WIDTH = 720
LABEL_WIDTH = 330
VALUE_WIDTH = 80
BAR_HEIGHT = 22
ROW_GAP = 10
TOP = 40
COLOURS = ("#1f4e79", "#b35900")  # both at least 4.5:1 against white
TEXT = "#1a1a1a"
FONT_SIZE = 16  # as the page's text: the chart is scaled down to its column, and stays legible


def row_label(table: Table, row: list) -> str:
    """The words of a row: its label columns."""
    return " · ".join(str(cell) for cell in row[:table.label_columns] if cell is not None)


def describe(table: Table) -> str:
    series = [str(table.columns[c]) for c in table.chart]
    parts = []
    for row in table.all_rows:
        values = ", ".join(f"{name} {cell_text(row[c])}" if len(series) > 1 else cell_text(row[c])
                           for name, c in zip(series, table.chart, strict=True))
        parts.append(f"{row_label(table, row)}: {values}")
    if not parts:
        return _("Geen gegevens in deze periode.")
    return _("Staafdiagram van %(what)s (%(unit)s).", what=" / ".join(series), unit=table.unit) + " " + "; ".join(parts) + "."


def bar_chart(table: Table) -> Markup:
    # The bars are the rows; the totals row is in the description and the table, not a bar that
    # would dwarf every other.
    rows = table.rows
    series = list(table.chart)
    values = [figure(row[c]) for row in rows for c in series]
    top = max([v for v in values if v is not None] + [Decimal(0)])
    group = len(series) * BAR_HEIGHT + ROW_GAP
    height = TOP + max(len(rows), 1) * group + 10
    bar_room = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    ident = f"grafiek-{table.key}"
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {WIDTH} {height}" '
           f'width="{WIDTH}" height="{height}" aria-labelledby="{ident}-titel {ident}-beschrijving" '
           f'font-family="sans-serif" font-size="{FONT_SIZE}">',
           f'<title id="{ident}-titel">{escape(table.title)}</title>',
           f'<desc id="{ident}-beschrijving">{escape(describe(table))}</desc>']
    if len(series) > 1:  # a legend
        x = LABEL_WIDTH
        for i, c in enumerate(series):
            out.append(f'<rect x="{x}" y="8" width="14" height="14" fill="{COLOURS[i % 2]}"/>')
            out.append(f'<text x="{x + 20}" y="21" fill="{TEXT}">{escape(str(table.columns[c]))}</text>')
            x += 30 + 9 * len(str(table.columns[c]))
    for r, row in enumerate(rows):
        y = TOP + r * group
        label = row_label(table, row)
        if len(label) > 38:
            label = label[:37] + "…"
        out.append(f'<text x="{LABEL_WIDTH - 8}" y="{y + len(series) * BAR_HEIGHT // 2 + 6}" text-anchor="end" '
                   f'fill="{TEXT}">{escape(label)}</text>')
        for i, c in enumerate(series):
            value = figure(row[c])
            length = int((value * bar_room / top).to_integral_value()) if value is not None and value > 0 and top else 0
            by = y + i * BAR_HEIGHT
            if length:
                out.append(f'<rect x="{LABEL_WIDTH}" y="{by + 1}" width="{length}" height="{BAR_HEIGHT - 2}" '
                           f'fill="{COLOURS[i % 2]}"/>')
            out.append(f'<text x="{LABEL_WIDTH + length + 6}" y="{by + BAR_HEIGHT - 6}" fill="{TEXT}">'
                       f'{escape(cell_text(row[c]))}</text>')
    out.append("</svg>")
    return Markup("\n".join(out))
