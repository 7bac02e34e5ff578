"""the buddy's tasks and letters name no buddy

Revision ID: 0018
Revises: 0017

A letter citizen's tasks about a buddy (paired, ended) copied the volunteer's first name into the
task's description and letter values, where the volunteer's erasure did not reach it. The task now
refers to the pairing and the letter looks the name up when it is printed (referrals.letters); this
takes the copies out of the tasks written before. Going down leaves them out: the name is not put
back (the older code then prints the letter without the buddy's name).
"""
import re

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

TASK = sa.table("task", sa.column("id", sa.Integer), sa.column("dedup_key", sa.String),
                sa.column("description", sa.Text), sa.column("letter_values", sa.JSON))
PAIRING_KEY = re.compile(r"^buddy_pairing:(\d+):")
# The stored Dutch texts with a first name (one word, or none once erased), and what they say now;
# the oldest call texts also named the citizen ("Bel Jan de Vries: ..."), the oldest letters were
# stored text ("De koppeling met uw maatje Anna is beëindigd.").
NAMED = [
    (re.compile(r"^Bel [^:]*: \S* ?wordt het maatje; eerste bezoek (.*?)\.$"),
     r"Bel de inwoner: er is een maatje gekoppeld; eerste bezoek \1. Naam en telefoon van het maatje staan bij "
     r"de koppeling."),
    (re.compile(r"^Bel [^:]*: de koppeling met maatje \S* ?is beëindigd\."),
     "Bel de inwoner: de koppeling met het maatje is beëindigd."),
    (re.compile(r"koppeling met uw maatje \S* ?is beëindigd"), "koppeling met uw maatje is beëindigd"),
    (re.compile(r"Goed nieuws: \S* ?wordt uw maatje\."), "Goed nieuws: u krijgt een maatje."),
    (re.compile(r"(^|\. )\S* ?belt u vooraf\."), r"\1Uw maatje belt u vooraf."),
    (re.compile(r"Uw maatje \S* ?komt niet meer\."), "Uw maatje komt niet meer."),
]


def upgrade():
    conn = op.get_bind()
    rows = conn.execute(sa.select(TASK.c.id, TASK.c.dedup_key, TASK.c.description, TASK.c.letter_values)
                        .where(TASK.c.dedup_key.like("buddy_pairing:%"))).all()
    for row in rows:
        description = row.description or ""
        for pattern, replacement in NAMED:
            description = pattern.sub(replacement, description)
        values = row.letter_values
        if isinstance(values, dict) and "name" in values:
            key = PAIRING_KEY.match(row.dedup_key or "")
            values = {k: v for k, v in values.items() if k != "name"}
            if key:
                values["pairing_id"] = int(key.group(1))
        changed = {}
        if description != row.description:
            changed["description"] = description
        if values != row.letter_values:  # only then: writing None would store JSON null, not SQL NULL
            changed["letter_values"] = values
        if changed:
            conn.execute(TASK.update().where(TASK.c.id == row.id).values(**changed))


def downgrade():
    pass
