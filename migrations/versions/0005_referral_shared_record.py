"""the referral as the shared record: one work list of tasks, result codes, categories and actions as rows

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 08:00:00

- counter_task becomes `task` (with the appointment it is about, and longer reason codes); the
  pending items of the former list of letters and calls become tasks: booked appointments of
  citizens without SMS not yet told (appointment.notified_at empty, still to come) and
  cancellations by citizens not yet seen (appointment.cancel_seen_at empty). Those appointment
  columns go.
- referral.outcome_line (stored Dutch text) becomes codes: result_code, solution_code (from the
  counter's outcome) and step_code (from the latest course enrolment), with indexes for reports.
- referral.categories and counter_outcome.actions (comma-separated codes) become rows:
  referral_category and counter_outcome_action.

The data is moved in Python over the rows, the same on SQLite and PostgreSQL. The texts and code
lists below are a frozen copy: a migration never imports the application's services.
"""
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

import extensions  # noqa: F401  (column types such as UTCDateTime)

# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

UTC_TYPE = extensions.UTCDateTime(timezone=True)
AMSTERDAM = ZoneInfo("Europe/Amsterdam")

# Frozen copies (order as on screen) for the downgrade's comma-separated columns.
CATEGORY_ORDER = ["digid_apply", "digid_activate", "digid_app", "digid_recovery", "berichtenbox", "machtigen",
                  "toeslagen", "aangifte", "aow", "kinderbijslag", "svb_other", "other"]
ACTION_ORDER = ["digid_apply", "digid_activate", "digid_app", "berichtenbox", "machtigen", "application",
                "explained", "other"]
RESULT_LINES = {"solved": "Geholpen", "partly": "Deels geholpen", "not": "Niet opgelost"}
SOLUTION_LINES = {"none": "", "course": "cursus Digisterker", "buddy": "maatje (vrijwilliger) wordt gezocht",
                  "other": "andere hulp in de buurt", "escalation": "doorgezet naar de tweede lijn"}
STEP_LINES = {"course_enrolled": "ingeschreven voor cursus Digisterker",
              "course_waiting": "op de wachtlijst voor cursus Digisterker",
              "course_cancelled": "afgemeld voor cursus Digisterker",
              "course_completed": "cursus Digisterker afgerond",
              "buddy_searching": "maatje (vrijwilliger) wordt gezocht",
              "escalation_sent": "doorgezet naar de tweede lijn"}
ENROLMENT_STEPS = {"enrolled": "course_enrolled", "waiting": "course_waiting", "cancelled": "course_cancelled",
                   "completed": "course_completed"}
NEW_REASONS = ("appointment_confirmation", "appointment_moved", "appointment_cancelled", "cancelled_by_citizen")
MONTHS = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
          "november", "december"]
DAYS = ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"]

TASK_COLUMNS = ["id", "municipality_id", "referral_id", "kind", "reason", "description", "dedup_key", "created_at",
                "done_at", "done_by_id"]


def _table(name, *columns):
    return sa.table(name, *(sa.column(c) if isinstance(c, str) else c for c in columns))


def _when(moment: datetime) -> str:
    local = moment.astimezone(AMSTERDAM)
    return f"{DAYS[local.weekday()]} {local.day} {MONTHS[local.month - 1]} om {local:%H:%M}"


def _phone(e164: str) -> str:
    if e164.startswith("+31") and len(e164) == 12:
        national = "0" + e164[3:]
        return f"{national[:2]} {national[2:]}" if national.startswith("06") else f"{national[:3]} {national[3:]}"
    return e164


def _create_task_table(name: str, *, new: bool):
    columns = [
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('municipality_id', sa.Integer(), nullable=False),
        sa.Column('referral_id', sa.Integer(), nullable=True),
    ]
    if new:
        columns.append(sa.Column('appointment_id', sa.Integer(), nullable=True))
    columns += [
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('reason', sa.String(length=30 if new else 20), nullable=False),
        sa.Column('description', sa.String(length=400), nullable=False),
        sa.Column('dedup_key', sa.String(length=200), nullable=True),
        sa.Column('created_at', extensions.UTCDateTime(timezone=True), nullable=False),
        sa.Column('done_at', extensions.UTCDateTime(timezone=True), nullable=True),
        sa.Column('done_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['done_by_id'], ['user_account.id'], name=op.f(f'fk_{name}_done_by_id_user_account')),
        sa.ForeignKeyConstraint(['municipality_id'], ['organisation.id'],
                                name=op.f(f'fk_{name}_municipality_id_organisation')),
        sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name=op.f(f'fk_{name}_referral_id_referral')),
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{name}')),
        sa.UniqueConstraint('dedup_key', name=op.f(f'uq_{name}_dedup_key')),
    ]
    if new:
        columns.append(sa.ForeignKeyConstraint(['appointment_id'], ['appointment.id'],
                                               name=op.f(f'fk_{name}_appointment_id_appointment')))
    op.create_table(name, *columns)
    with op.batch_alter_table(name, schema=None) as batch_op:
        batch_op.create_index(f'ix_{name}_municipality_done', ['municipality_id', 'done_at'], unique=False)
        batch_op.create_index(batch_op.f(f'ix_{name}_referral_id'), ['referral_id'], unique=False)
        if new:
            batch_op.create_index(batch_op.f(f'ix_{name}_appointment_id'), ['appointment_id'], unique=False)


def _drop_task_table(name: str, *, new: bool):
    with op.batch_alter_table(name, schema=None) as batch_op:
        if new:
            batch_op.drop_index(batch_op.f(f'ix_{name}_appointment_id'))
        batch_op.drop_index(batch_op.f(f'ix_{name}_referral_id'))
        batch_op.drop_index(f'ix_{name}_municipality_done')
    op.drop_table(name)


def _copy_rows(source: str, target: str, rows_filter=None):
    bind = op.get_bind()
    src = _table(source, *TASK_COLUMNS[:7], sa.column("created_at", UTC_TYPE), sa.column("done_at", UTC_TYPE),
                 "done_by_id")
    rows = [dict(r._mapping) for r in bind.execute(sa.select(src).order_by(src.c.id))]
    if rows_filter:
        rows = [r for r in rows if rows_filter(r)]
    if rows:
        dst = _table(target, *TASK_COLUMNS[:7], sa.column("created_at", UTC_TYPE), sa.column("done_at", UTC_TYPE),
                     "done_by_id")
        bind.execute(dst.insert(), rows)
    if bind.dialect.name == "postgresql":  # rows were copied with their ids: the sequence goes on after them
        bind.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{target}', 'id'), "
                             f"COALESCE((SELECT MAX(id) FROM {target}), 0) + 1, false)"))


def _foreign_keys_off(bind):
    """SQLite: the batch operations copy a table, drop the original (which other tables' rows
    reference) and rename the copy, so the foreign keys are checked once at the end instead
    (SQLite's own recipe; the pragma only works outside a transaction). This revision's work
    stays one transaction. The app's SQLite connections begin with BEGIN IMMEDIATE themselves."""
    if bind.dialect.name == "sqlite":
        bind.exec_driver_sql("COMMIT")
        bind.exec_driver_sql("PRAGMA foreign_keys=OFF")
        bind.exec_driver_sql("BEGIN IMMEDIATE")


def _foreign_keys_on(bind):
    if bind.dialect.name == "sqlite":
        broken = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"foreign keys broken by the migration: {broken[:5]}")
        bind.exec_driver_sql("COMMIT")
        bind.exec_driver_sql("PRAGMA foreign_keys=ON")
        bind.exec_driver_sql("BEGIN IMMEDIATE")


def upgrade():
    bind = op.get_bind()
    _foreign_keys_off(bind)
    now = datetime.now(UTC)

    # --- one work list: counter_task -> task, and the former list's pending items as tasks -----------
    _create_task_table('task', new=True)
    _copy_rows('counter_task', 'task')
    _drop_task_table('counter_task', new=False)

    appointment = _table('appointment', 'id', 'referral_id', 'municipality_id', 'location_id', 'status', 'channel',
                         'cancelled_by', sa.column('starts_at', UTC_TYPE), sa.column('booked_at', UTC_TYPE),
                         sa.column('notified_at', UTC_TYPE), sa.column('cancelled_at', UTC_TYPE),
                         sa.column('cancel_seen_at', UTC_TYPE))
    referral = _table('referral', 'id', 'citizen_id')
    citizen = _table('citizen', 'id', 'name', 'phone_e164')
    location = _table('location', 'id', 'name', 'street', 'postcode', 'city', 'phone', 'what_to_bring')
    rows = bind.execute(
        sa.select(appointment, citizen.c.name, citizen.c.phone_e164, location.c.name.label('location_name'),
                  location.c.street, location.c.postcode, location.c.city, location.c.phone.label('location_phone'),
                  location.c.what_to_bring)
        .join(referral, referral.c.id == appointment.c.referral_id).join(citizen, citizen.c.id == referral.c.citizen_id)
        .join(location, location.c.id == appointment.c.location_id)
        .where(sa.or_(sa.and_(appointment.c.status == 'booked', appointment.c.channel != 'sms',
                              appointment.c.notified_at.is_(None)),
                      sa.and_(appointment.c.status == 'cancelled', appointment.c.cancelled_by == 'citizen',
                              appointment.c.cancel_seen_at.is_(None))))
        .order_by(appointment.c.id)).all()
    task = _table('task', 'municipality_id', 'referral_id', 'appointment_id', 'kind', 'reason', 'description',
                  'dedup_key', sa.column('created_at', UTC_TYPE))
    tasks = []
    for a in rows:
        name, phone, when = a.name, _phone(a.phone_e164), _when(a.starts_at)
        place = f"{a.location_name}, {a.street}, {a.postcode} {a.city}"
        if a.status == 'booked':
            if a.starts_at <= now:
                continue  # over: nothing left to tell
            bring = a.what_to_bring or "uw identiteitsbewijs en, als u die heeft, uw telefoon"
            if a.channel == 'letter':
                kind, text = 'letter', f"Brief met de afspraak: {when}, {place}. Neem mee: {bring}."
            else:
                kind, text = 'call', f"Bel {name} ({phone}) om de afspraak te bevestigen: {when}, {place}. Neem mee: {bring}."
            reason, created = 'appointment_confirmation', a.booked_at
        else:
            kind, reason, created = 'call', 'cancelled_by_citizen', a.cancelled_at or now
            text = (f"{name} ({phone}) heeft de afspraak van {when} bij {a.location_name} afgezegd (AFZEGGEN per sms). "
                    f"Bel de inwoner als een nieuwe afspraak nodig is.")
        tasks.append(dict(municipality_id=a.municipality_id, referral_id=a.referral_id, appointment_id=a.id,
                          kind=kind, reason=reason, description=text[:400],
                          dedup_key=f"appointment:{a.id}:{reason}:task", created_at=created))
    if tasks:
        bind.execute(task.insert(), tasks)

    with op.batch_alter_table('appointment', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('fk_appointment_notified_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('cancel_seen_at')
        batch_op.drop_column('notified_by_id')
        batch_op.drop_column('notified_at')

    # --- question categories and counter actions as rows ---------------------------------------------
    op.create_table('referral_category',
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name=op.f('fk_referral_category_referral_id_referral'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('referral_id', 'code', name=op.f('pk_referral_category'))
    )
    with op.batch_alter_table('referral_category', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_category_code'), ['code'], unique=False)

    op.create_table('counter_outcome_action',
    sa.Column('outcome_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['outcome_id'], ['counter_outcome.id'], name=op.f('fk_counter_outcome_action_outcome_id_counter_outcome'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('outcome_id', 'code', name=op.f('pk_counter_outcome_action'))
    )
    with op.batch_alter_table('counter_outcome_action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_counter_outcome_action_code'), ['code'], unique=False)

    old_referral = _table('referral', 'id', 'categories')
    rows = [dict(referral_id=rid, code=code)
            for rid, codes in bind.execute(sa.select(old_referral.c.id, old_referral.c.categories))
            for code in dict.fromkeys(c.strip() for c in (codes or "").split(",") if c.strip())]
    if rows:
        bind.execute(_table('referral_category', 'referral_id', 'code').insert(), rows)
    old_outcome = _table('counter_outcome', 'id', 'actions')
    rows = [dict(outcome_id=oid, code=code)
            for oid, codes in bind.execute(sa.select(old_outcome.c.id, old_outcome.c.actions))
            for code in dict.fromkeys(c.strip() for c in (codes or "").split(",") if c.strip())]
    if rows:
        bind.execute(_table('counter_outcome_action', 'outcome_id', 'code').insert(), rows)

    with op.batch_alter_table('counter_outcome', schema=None) as batch_op:
        batch_op.drop_column('actions')

    # --- the agency's line: codes instead of stored text ---------------------------------------------
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.add_column(sa.Column('result_code', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('solution_code', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('step_code', sa.String(length=20), nullable=True))

    outcome = _table('counter_outcome', 'referral_id', 'result', 'solution')
    enrolment = _table('course_enrolment', 'id', 'referral_id', 'status')
    steps = {rid: ENROLMENT_STEPS.get(status)
             for rid, status in bind.execute(sa.select(enrolment.c.referral_id, enrolment.c.status)
                                             .order_by(enrolment.c.id))}  # the latest enrolment wins
    codes = {rid: {"result_code": result, "solution_code": solution}
             for rid, result, solution in bind.execute(sa.select(outcome.c.referral_id, outcome.c.result,
                                                                 outcome.c.solution))}
    for rid, step in steps.items():
        codes.setdefault(rid, {})["step_code"] = step
    new_referral = _table('referral', 'id', 'result_code', 'solution_code', 'step_code')
    for rid, values in codes.items():
        bind.execute(new_referral.update().where(new_referral.c.id == rid).values(**values))

    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_column('outcome_line')
        batch_op.drop_column('categories')
        batch_op.create_index('ix_referral_municipality_result', ['municipality_id', 'result_code', 'solution_code'], unique=False)
        batch_op.create_index('ix_referral_referring_org_result', ['referring_org_id', 'result_code', 'solution_code'], unique=False)
    _foreign_keys_on(bind)


def downgrade():
    bind = op.get_bind()
    _foreign_keys_off(bind)

    # --- the stored line and the comma-separated columns back, from the codes and rows ---------------
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_index('ix_referral_referring_org_result')
        batch_op.drop_index('ix_referral_municipality_result')
        batch_op.add_column(sa.Column('categories', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('outcome_line', sa.String(length=120), nullable=True))

    referral = _table('referral', 'id', 'categories', 'outcome_line', 'result_code', 'solution_code', 'step_code')
    category = _table('referral_category', 'referral_id', 'code')
    per_referral: dict[int, list[str]] = {}
    for rid, code in bind.execute(sa.select(category.c.referral_id, category.c.code)):
        per_referral.setdefault(rid, []).append(code)
    for rid, result, solution, step in bind.execute(
            sa.select(referral.c.id, referral.c.result_code, referral.c.solution_code, referral.c.step_code)).all():
        codes = sorted(per_referral.get(rid, []),
                       key=lambda c: CATEGORY_ORDER.index(c) if c in CATEGORY_ORDER else 99)
        line = None
        if result or step:
            head = RESULT_LINES.get(result or "solved", result)
            tail = STEP_LINES.get(step, step) if step else SOLUTION_LINES.get(solution or "none", "")
            line = (f"{head}; {tail}" if tail else head)[:120]
        bind.execute(referral.update().where(referral.c.id == rid).values(categories=",".join(codes),
                                                                         outcome_line=line))

    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.alter_column('categories', existing_type=sa.String(length=300), nullable=False)
        batch_op.drop_column('step_code')
        batch_op.drop_column('solution_code')
        batch_op.drop_column('result_code')

    with op.batch_alter_table('counter_outcome', schema=None) as batch_op:
        batch_op.add_column(sa.Column('actions', sa.String(length=300), nullable=True))
    outcome = _table('counter_outcome', 'id', 'actions')
    action = _table('counter_outcome_action', 'outcome_id', 'code')
    per_outcome: dict[int, list[str]] = {}
    for oid, code in bind.execute(sa.select(action.c.outcome_id, action.c.code)):
        per_outcome.setdefault(oid, []).append(code)
    for (oid,) in bind.execute(sa.select(outcome.c.id)).all():
        codes = sorted(per_outcome.get(oid, []), key=lambda c: ACTION_ORDER.index(c) if c in ACTION_ORDER else 99)
        bind.execute(outcome.update().where(outcome.c.id == oid).values(actions=",".join(codes)))
    with op.batch_alter_table('counter_outcome', schema=None) as batch_op:
        batch_op.alter_column('actions', existing_type=sa.String(length=300), nullable=False)

    with op.batch_alter_table('counter_outcome_action', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_counter_outcome_action_code'))
    op.drop_table('counter_outcome_action')
    with op.batch_alter_table('referral_category', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_category_code'))
    op.drop_table('referral_category')

    # --- the former list of letters and calls: its columns back, from the tasks ----------------------
    with op.batch_alter_table('appointment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notified_at', extensions.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('notified_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('cancel_seen_at', extensions.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(op.f('fk_appointment_notified_by_id_user_account'), 'user_account',
                                    ['notified_by_id'], ['id'])

    appointment = _table('appointment', 'id', 'notified_by_id', sa.column('notified_at', UTC_TYPE),
                         sa.column('cancel_seen_at', UTC_TYPE))
    task = _table('task', 'appointment_id', 'reason', 'done_by_id', sa.column('done_at', UTC_TYPE))
    done = bind.execute(sa.select(task.c.appointment_id, task.c.reason, task.c.done_at, task.c.done_by_id)
                        .where(task.c.appointment_id.is_not(None), task.c.done_at.is_not(None),
                               task.c.reason.in_(NEW_REASONS))).all()
    for appointment_id, reason, done_at, done_by_id in done:
        if reason in ("appointment_confirmation", "appointment_moved"):
            values = dict(notified_at=done_at, notified_by_id=done_by_id)
        elif reason == "cancelled_by_citizen":
            values = dict(cancel_seen_at=done_at)
        else:
            continue
        bind.execute(appointment.update().where(appointment.c.id == appointment_id).values(**values))

    _create_task_table('counter_task', new=False)
    _copy_rows('task', 'counter_task', rows_filter=lambda r: r["reason"] not in NEW_REASONS)
    _drop_task_table('task', new=True)
    _foreign_keys_on(bind)
