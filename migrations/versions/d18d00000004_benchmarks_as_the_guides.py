"""Benchmarks as the guides wrote them: commentary, re-benchmark reminders, the fate of earlier key issues

The partnership gets how often it is benchmarked; the key questions of both frameworks, reworded to match the guides
one for one, are brought up to date in a database that already holds the frameworks (a new one loads them with
`flask tracker load-reference`).

Revision ID: d18d00000004
Revises: d18c00000003
Create Date: 2026-12-01 05:00:00.000000

"""
import json
from pathlib import Path

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd18d00000004'
down_revision = 'd18c00000003'
branch_labels = None
depends_on = None

FRAMEWORKS = Path(__file__).resolve().parents[2] / "tracker" / "benchmarks" / "data" / "frameworks.json"


def upgrade():
    with op.batch_alter_table('partnership', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rebenchmark_months', sa.Integer(), server_default='24', nullable=False))
    framework = sa.table('framework', sa.column('id', sa.Integer), sa.column('key', sa.String))
    component = sa.table('component', sa.column('framework_id', sa.Integer), sa.column('key', sa.String),
                         sa.column('questions', sa.JSON))
    for spec in json.loads(FRAMEWORKS.read_text(encoding="utf-8"))["frameworks"]:
        framework_id = sa.select(framework.c.id).where(framework.c.key == spec["key"]).scalar_subquery()
        for part in spec["components"]:
            op.execute(component.update().where(component.c.framework_id == framework_id,
                                                component.c.key == part["key"])
                       .values(questions=[question["text"] for question in part["questions"]]))


def downgrade():
    # the reworded key questions stay: they are the guides' questions whichever revision reads them
    with op.batch_alter_table('partnership', schema=None) as batch_op:
        batch_op.drop_column('rebenchmark_months')
