"""One way to page through a list that grows with the data: keyset pagination with a capped count.

A page is found from the ORDER BY values of the row before it (`na`) or after it (`voor`), never
with an OFFSET that reads every earlier row, so the last page of 200,000 referrals costs what the
first one does (given an index that matches the list's filter and ORDER BY). The count is capped at
COUNT_CAP rows: a list longer than that says "meer dan 1.000". A page number typed in the address
(`?page=3`) is honoured while it lies within the counted rows; past the end shows the last page.
"""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app, request
from flask_babel import format_number
from flask_babel import gettext as _
from sqlalchemy import Select, and_, func, inspect, literal, or_, select, tuple_
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression

from extensions import db

COUNT_CAP = 1000


@dataclass
class Page:
    items: list
    number: int  # 1-based, as shown; 0 when unknown (a page reached past the counted rows)
    size: int
    total: int  # rows counted, at most COUNT_CAP + 1
    has_prev: bool = False
    has_next: bool = False
    args: dict = field(default_factory=dict)  # query arguments of the neighbours: prev, next, first, last

    @property
    def capped(self) -> bool:
        return self.total > COUNT_CAP

    @property
    def cap_text(self) -> str:
        return format_number(COUNT_CAP)  # "1.000", or "1,000" in English

    @property
    def pages(self) -> int:
        return max(1, -(-min(self.total, COUNT_CAP) // self.size))

    @property
    def is_last(self) -> bool:
        return not self.has_next


def _encode(values: list) -> str:
    def one(v):
        if isinstance(v, datetime):
            return {"t": v.isoformat()}
        if isinstance(v, date):
            return {"d": v.isoformat()}
        return v
    raw = json.dumps([one(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(token: str, width: int) -> list | None:
    """The values of a cursor, or None when it was typed or tampered with."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        values = json.loads(raw)
    except (ValueError, TypeError):
        return None
    if not isinstance(values, list) or len(values) != width:
        return None
    out = []
    for v in values:
        try:
            if isinstance(v, dict) and "t" in v:
                out.append(datetime.fromisoformat(v["t"]))
            elif isinstance(v, dict) and "d" in v:
                out.append(date.fromisoformat(v["d"]))
            elif v is None or isinstance(v, (int, float, str, bool)):
                out.append(v)
            else:
                return None
        except (TypeError, ValueError):
            return None
    return out


def _fits(order: list[tuple[object, bool]], values: list | None) -> list | None:
    """The cursor's values if each has its column's type (a tampered cursor is no cursor)."""
    if values is None:
        return None
    for (expr, _desc), value in zip(order, values, strict=True):
        if value is None:
            return None  # a NULL in the ORDER BY: paged by number instead
        try:
            expected = expr.type.python_type
        except (AttributeError, NotImplementedError):
            return None
        if expected is datetime and isinstance(value, datetime) and value.tzinfo is None:
            return None
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            return None
    return values


def _order_of(stmt: Select) -> list[tuple[object, bool]]:
    """(expression, descending) of the ORDER BY, with the first entity's primary key added as the
    last tie-breaker so every row has exactly one place."""
    order = []
    for clause in stmt._order_by_clauses:
        if isinstance(clause, UnaryExpression) and clause.modifier in (operators.desc_op, operators.asc_op):
            order.append((clause.element, clause.modifier is operators.desc_op))
        else:
            order.append((clause, False))
    entity = stmt.column_descriptions[0].get("entity") if stmt.column_descriptions else None
    if entity is not None:
        for key in inspect(entity).primary_key:
            if not any(expr is key or (hasattr(expr, "compare") and expr.compare(key)) for expr, _d in order):
                order.append((key, order[-1][1] if order else False))
    return order


def _after(order: list[tuple[object, bool]], values: list, *, backwards: bool):
    """Rows that come after (or, backwards, before) the row with these ORDER BY values."""
    if len({desc for _e, desc in order}) == 1:  # one direction: a row-value comparison an index serves
        later = order[0][1] != backwards
        keys = tuple_(*[e for e, _d in order])
        vals = tuple_(*[literal(v, type_=e.type) for (e, _d), v in zip(order, values, strict=True)])
        return keys < vals if later else keys > vals
    ors = []
    for i, (expr, desc) in enumerate(order):
        later = desc != backwards
        step = expr < values[i] if later else expr > values[i]
        ors.append(and_(*[order[j][0] == values[j] for j in range(i)], step))
    return or_(*ors)


def _ordered(stmt: Select, order, *, backwards: bool) -> Select:
    return stmt.order_by(None).order_by(*[(e.asc() if d == backwards else e.desc()) for e, d in order])


def _number(name: str, default: int) -> int:
    try:
        return int(request.args.get(name, default))
    except (TypeError, ValueError):
        return default


def capped_count(stmt: Select) -> int:
    """The rows of `stmt`, counted up to COUNT_CAP + 1 (more costs time and tells nobody anything)."""
    return db.session.execute(
        select(func.count()).select_from(stmt.order_by(None).limit(COUNT_CAP + 1).subquery())).scalar_one()


def count_text(n: int) -> str:
    """A capped count as a person reads it: "12", or "meer dan 1.000"."""
    return _("meer dan %(cap)s", cap=format_number(COUNT_CAP)) if n > COUNT_CAP else format_number(n)


def paginate(stmt: Select, size: int | None = None, scalars: bool = True) -> Page:
    size = size or current_app.config["PAGE_SIZE"]
    order = _order_of(stmt)
    width = len(order)
    keyed = stmt.add_columns(*[expr.label(f"_page_key_{i}") for i, (expr, _d) in enumerate(order)])
    total = capped_count(stmt)
    counted_pages = max(1, -(-min(total, COUNT_CAP) // size))

    after = _fits(order, _decode(request.args["na"], width)) if request.args.get("na") else None
    before = _fits(order, _decode(request.args["voor"], width)) if request.args.get("voor") else None
    number = max(1, min(_number("page", 1), 10**6))
    backwards, last, limit = False, request.args.get("laatste") == "1", size
    if after is not None:
        query = _ordered(keyed.where(_after(order, after, backwards=False)), order, backwards=False)
    elif before is not None:
        query, backwards = _ordered(keyed.where(_after(order, before, backwards=True)), order, backwards=True), True
    elif last or (number - 1) * size >= min(total, COUNT_CAP + 1):
        # The last page is the first page of the reversed order (a page past the end shows it too);
        # while the count is known it holds the remainder, so its rows match paging forwards.
        query, backwards, last = _ordered(keyed, order, backwards=True), True, True
        number = counted_pages if total <= COUNT_CAP else 0
        if total <= COUNT_CAP and total % size:
            limit = total % size
    else:
        query = _ordered(keyed, order, backwards=False).offset((number - 1) * size)
    rows = list(db.session.execute(query.limit(limit + 1)).all())
    more = len(rows) > limit
    rows = rows[:limit]
    if backwards:
        rows.reverse()
    items = [row[0] for row in rows] if scalars else rows

    # Which neighbours exist: forwards, "more" means a next page; backwards, it means a previous one.
    if backwards:
        has_prev, has_next = more, not last
    else:
        has_prev, has_next = (after is not None) or number > 1, more
    if before is not None or after is not None:
        number = max(0, _number("page", 0))
    keys = [list(row[-width:]) for row in rows]
    args: dict = {}
    base = {k: v for k, v in request.args.items() if k not in ("na", "voor", "laatste", "page")}
    # A NULL in a boundary row's ORDER BY values cannot be a cursor: page by number there instead.
    if has_next and keys:
        cursor = {"na": _encode(keys[-1])} if None not in keys[-1] else {}
        args["next"] = {**base, **cursor, **({"page": number + 1} if number else {})}
    if has_prev and keys:
        cursor = {"voor": _encode(keys[0])} if None not in keys[0] else {}
        args["prev"] = {**base, **cursor, **({"page": number - 1} if number > 1 else {})}
    if has_prev:
        args["first"] = dict(base)
    if has_next:
        args["last"] = {**base, "laatste": "1"}
    return Page(items, number, size, total, has_prev, has_next, args)
