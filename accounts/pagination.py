"""One way to page through a query."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request
from sqlalchemy import Select, func, select

from extensions import db


@dataclass
class Page:
    items: list
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def paginate(stmt: Select, size: int | None = None, scalars: bool = True) -> Page:
    size = size or current_app.config["PAGE_SIZE"]
    total = db.session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    try:
        number = max(1, int(request.args.get("page", 1)))
    except ValueError:
        number = 1
    number = min(number, max(1, -(-total // size)))  # a page past the end shows the last one
    result = db.session.execute(stmt.limit(size).offset((number - 1) * size))
    items = list(result.scalars().unique() if scalars else result)
    return Page(items, number, size, total)
