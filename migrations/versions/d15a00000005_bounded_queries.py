"""Bounded queries: action indexes that lead with the partnership (by deadline, by status) and a finding's
actions within a partnership, in place of the single-column partnership and finding indexes they cover

Revision ID: d15a00000005
Revises: d16d00000004
Create Date: 2026-11-30 17:45:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd15a00000005'
down_revision = 'd16d00000004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('action', schema=None) as batch_op:
        batch_op.create_index('ix_action_partnership_id_deadline', ['partnership_id', 'deadline', 'id'], unique=False)
        batch_op.create_index('ix_action_partnership_id_status', ['partnership_id', 'status'], unique=False)
        batch_op.create_index('ix_action_finding_id_partnership_id', ['finding_id', 'partnership_id'], unique=False)
        batch_op.drop_index('ix_action_partnership_id')
        batch_op.drop_index('ix_action_finding_id')


def downgrade():
    with op.batch_alter_table('action', schema=None) as batch_op:
        batch_op.create_index('ix_action_finding_id', ['finding_id'], unique=False)
        batch_op.create_index('ix_action_partnership_id', ['partnership_id'], unique=False)
        batch_op.drop_index('ix_action_finding_id_partnership_id')
        batch_op.drop_index('ix_action_partnership_id_status')
        batch_op.drop_index('ix_action_partnership_id_deadline')
