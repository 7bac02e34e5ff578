"""Unbound extension objects and the few cross-cutting primitives every context needs.

Nothing here reads configuration at import time; app.create_app binds everything.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import DateTime, MetaData, bindparam, select, text
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.types import TypeDecorator

# Stable constraint names so Alembic migrations work the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address)


class UTCDateTime(TypeDecorator):
    """Stores UTC, returns timezone-aware UTC datetimes on every database (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; use clock.now() or an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Clock:
    """The one source of 'now' (UTC, aware). Tests freeze it; code never calls datetime.now()."""

    def __init__(self):
        self._frozen: datetime | None = None

    def now(self) -> datetime:
        return self._frozen or datetime.now(UTC)

    def freeze(self, moment: datetime | None) -> None:
        if moment is not None and moment.tzinfo is None:
            raise ValueError("freeze needs an aware datetime")
        self._frozen = moment


clock = Clock()


class DomainError(Exception):
    """A rule of the domain refused the request. Views turn it into a form error, never a 500.

    `field` names the form field the message belongs next to (None: the form as a whole).
    """

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


# --- the unit of work ------------------------------------------------------------------------------

_DEPTH = "wegwijs.uow_depth"  # keys in db.session.info (one session per app context)
_AFTER = "wegwijs.uow_after"


@contextmanager
def unit_of_work(*, savepoint: bool = True) -> Iterator[Session]:
    """The one way to save: a transaction that is saved whole or not at all.

    Usable as a context manager (`with unit_of_work():`) and as a decorator (`@unit_of_work()`).
    The outermost level owns the transaction: it commits when its block ends normally and rolls
    back on any exception. A nested level (a service called by a service, or by a request, which
    is a unit of work of its own: app.py) joins the outer transaction inside a SAVEPOINT: when it
    fails, only its own work is undone, and the caller decides (catches, or lets it escape and the
    outer level rolls back everything). A nested level can never commit or roll back the outer work.

    Code never calls db.session.commit() or rollback() itself (tests/test_unit_of_work.py checks).
    Only one level may commit; code that must see its work durable before going on (the SMS
    dispatcher before it calls the provider) uses `job_step()`, which refuses to be nested.

    `savepoint=False` (a hot path: the booking, a read's log entry) joins a caller's transaction
    without the SAVEPOINT and RELEASE round trips. Only for a service that refuses before it writes
    anything, or undoes its own write before it raises: a caller that catches its error then goes
    on with nothing of it saved, as with a savepoint. Any other failure still rolls everything back.
    """
    session = db.session()
    info = session.info
    depth = info.get(_DEPTH, 0)
    info[_DEPTH] = depth + 1
    try:
        if depth and not savepoint:
            yield session
        elif depth:
            with session.begin_nested():  # SAVEPOINT; RELEASE on success, ROLLBACK TO on an exception
                yield session
        else:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
    finally:
        info[_DEPTH] = depth
        if depth == 0:
            _run_after(session)


@contextmanager
def job_step() -> Iterator[Session]:
    """A unit of work that must be the outermost, so it is committed when the block ends: one batch
    of a job, or a claim that must be durable before a side effect outside the database (an SMS
    sent). Raises RuntimeError when called inside another unit of work."""
    if in_unit_of_work():
        raise RuntimeError("job_step() inside a unit of work: its commit would not be durable")
    with unit_of_work() as session:
        yield session


def in_unit_of_work() -> bool:
    return db.session().info.get(_DEPTH, 0) > 0


def durably(work: Callable[[], object]) -> None:
    """Run `work` in a unit of work of its own, which the caller's failure does not undo: a record
    of refused access (followed by a 404 that rolls back the request), a failed login. Inside a
    unit of work it runs once the outermost one has ended, committed or rolled back; outside one,
    at once."""
    session = db.session()
    if session.info.get(_DEPTH, 0) == 0:
        with unit_of_work():
            work()
        return
    session.info.setdefault(_AFTER, []).append(work)


def _run_after(session: Session) -> None:
    pending = session.info.pop(_AFTER, [])
    for work in pending:
        with unit_of_work():
            work()


# --- rows written by a Core statement, shown on their loaded object --------------------------------

def in_savepoint() -> bool:
    """Inside a SAVEPOINT (a nested unit of work with one). A hot path that writes with Core
    statements and shows the values on a loaded object (`written`) may do so only outside one:
    there, the outermost rollback expires every object anyway; a ROLLBACK TO only expires the
    objects whose changes the ORM itself flushed, so inside one it writes through the ORM instead."""
    return db.session().in_nested_transaction()


def written(obj, **values) -> None:
    """`obj`'s row was just changed to `values` by a Core statement in this transaction (a hot path
    that writes without the unit of work's flush): show the new values on the loaded object without
    the ORM writing them again. Only outside a SAVEPOINT (`in_savepoint()`)."""
    if in_savepoint():
        raise RuntimeError("written() inside a SAVEPOINT: its rollback would not expire the values")
    for name, value in values.items():
        set_committed_value(obj, name, value)


# --- INSERT ... ON CONFLICT DO NOTHING, cached ----------------------------------------------------

_INSERTS: dict = {}


def insert_unless_taken(model, values: dict, *, conflict: str, where: str = "",
                        expressions: dict[str, str] | None = None):
    """INSERT one row of `model` unless a unique index refuses it: `INSERT ... ON CONFLICT
    (<conflict>) DO NOTHING RETURNING`, the same on PostgreSQL and SQLite. Returns the new row as
    `model` (in the session, not read again), or None when the row was taken already. A refused
    INSERT never aborts the caller's transaction, so it needs no savepoint.

    `conflict`: the unique index's columns; `where`: a partial index's condition. `expressions`:
    column -> SQL for columns computed in the statement (the opt-out read by the same INSERT); a
    value of the same name is bound as :name with that column's type. Written as one text()
    statement per shape: SQLAlchemy 2.0 does not cache the dialects' own insert(), so it would be
    compiled again on every call (a third of a booking's time)."""
    table = model.__table__
    expressions = expressions or {}
    for column in table.columns:  # the Python-side scalar and callable defaults the ORM would apply
        if column.name not in values and column.name not in expressions and column.default is not None \
                and not column.primary_key:
            default = column.default
            values[column.name] = default.arg(None) if default.is_callable else default.arg
    key = (table.name, tuple(values), tuple(expressions.items()), conflict, where)
    statement = _INSERTS.get(key)
    if statement is None:
        names = [name for name in values if name not in expressions] + list(expressions)
        given = [f":{name}" for name in values if name not in expressions] + list(expressions.values())
        statement = text(
            f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join(given)}) "
            f"ON CONFLICT ({conflict}) {'WHERE ' + where if where else ''} DO NOTHING RETURNING {', '.join(c.name for c in table.columns)}"
        ).bindparams(*(bindparam(name, type_=table.c[name].type) for name in values))
        statement = select(model).from_statement(statement.columns(*table.columns))
        _INSERTS[key] = statement
    return db.session.execute(statement, values).scalar()
