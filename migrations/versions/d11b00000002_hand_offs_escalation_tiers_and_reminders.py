"""Hand-offs: escalation tiers and reminders

Revision ID: d11b00000002
Revises: d11a00000001
Create Date: 2026-11-30 14:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd11b00000002'
down_revision = 'd11a00000001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reminder_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fell_back_to', sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table('reminder_log', schema=None) as batch_op:
        batch_op.drop_column('fell_back_to')
