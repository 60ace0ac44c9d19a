"""Bounded queries: the partnership-and-status index carries the deadline too, so that a partnership's counts by
status and overdue (the home page's glance, the coordinator's queue) are read from the index alone

Revision ID: d15b00000006
Revises: d15a00000005
Create Date: 2026-11-30 20:25:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd15b00000006'
down_revision = 'd15a00000005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_action_partnership_id_status_deadline', 'action', ['partnership_id', 'status', 'deadline'],
                    unique=False)
    op.drop_index('ix_action_partnership_id_status', table_name='action')


def downgrade():
    op.create_index('ix_action_partnership_id_status', 'action', ['partnership_id', 'status'], unique=False)
    op.drop_index('ix_action_partnership_id_status_deadline', table_name='action')
