"""Email delivery you can trust: slow retries, sending marks, superseded reminders

Revision ID: d12a00000001
Revises: d11b00000002
Create Date: 2026-11-30 14:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd12a00000001'
down_revision = 'd11b00000002'
branch_labels = None
depends_on = None


def upgrade():
    # New outbox statuses ("sending", "superseded") are values of a VARCHAR(40): no type change.
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempt_id', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('sending_started_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('failing_since', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('rerendered_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    # A message caught being sent goes back to the queue (it is sent again, as after a crash); a superseded one
    # becomes a failure, so that the older code neither sends it nor loses sight of it.
    op.execute("UPDATE outbox_message SET status = 'queued' WHERE status = 'sending'")
    op.execute("UPDATE outbox_message SET status = 'failed', last_error = 'Superseded: nothing in it was still true' "
               "WHERE status = 'superseded'")
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_column('rerendered_at')
        batch_op.drop_column('failing_since')
        batch_op.drop_column('sending_started_at')
        batch_op.drop_column('attempt_id')
