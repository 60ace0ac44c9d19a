"""Sign-in hardening: requests for reset links, counted to limit them

Revision ID: d16a00000001
Revises: d12a00000001
Create Date: 2026-12-07 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd16a00000001'
down_revision = 'd12a00000001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reset_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('ip_address', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reset_request'))
    )
    with op.batch_alter_table('reset_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reset_request_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_reset_request_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_reset_request_ip_address'), ['ip_address'], unique=False)


def downgrade():
    with op.batch_alter_table('reset_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reset_request_ip_address'))
        batch_op.drop_index(batch_op.f('ix_reset_request_email'))
        batch_op.drop_index(batch_op.f('ix_reset_request_at'))

    op.drop_table('reset_request')
