"""Bounded queries: a partnership's open actions by deadline, in an index that holds only them, so that the
overdue lists (the report, its downloads, the home page's longest overdue) reach the partnership's overdue actions
without passing the closed and completed ones whose deadlines have gone by (40,000 in the largest partnership, read
one by one before its 25 most overdue). Partial, as the reminders' index is: a narrow index that leads with the
partnership is otherwise what PostgreSQL takes for any scan of a partnership's actions

Revision ID: d15e00000009
Revises: d15d00000008
Create Date: 2026-12-03 12:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

OPEN = sa.text("status NOT IN ('completed', 'closed')")

# revision identifiers, used by Alembic.
revision = 'd15e00000009'
down_revision = 'd15d00000008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_action_partnership_id_deadline_open', 'action', ['partnership_id', 'deadline', 'id'],
                    unique=False, sqlite_where=OPEN, postgresql_where=OPEN)


def downgrade():
    op.drop_index('ix_action_partnership_id_deadline_open', table_name='action')
