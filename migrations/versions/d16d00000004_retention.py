"""Retention: archived reviews anonymised, view entries kept for a set time

Revision ID: d16d00000004
Revises: d16c00000003
Create Date: 2026-11-30 16:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd16d00000004'
down_revision = 'd16c00000003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.add_column(sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('archived_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('archive_reason', sa.Text(), server_default='', nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_review_archived_by_id_user'), 'user', ['archived_by_id'], ['id'],
                                    ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_review_archived_by_id_user'), type_='foreignkey')
        batch_op.drop_column('archive_reason')
        batch_op.drop_column('archived_by_id')
        batch_op.drop_column('archived_at')
