"""Bounded queries: beside the partnership-and-status index, one that also carries what decides whether a reader
may open an action (its recommendation, lead agency and owner), so that a strategic member's or agency lead's
counts (the home page's glance, the action list's total) are read from the index alone rather than from every
action's row. The narrower index stays: with the wider one alone, PostgreSQL reached a partnership's actions
awaiting sign-off through the country's by status

Revision ID: d15c00000007
Revises: d18d00000004
Create Date: 2026-12-02 09:30:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd15c00000007'
down_revision = 'd18d00000004'
branch_labels = None
depends_on = None

COLUMNS = ['partnership_id', 'status', 'deadline', 'recommendation_id', 'lead_agency_id', 'owner_id']


def upgrade():
    op.create_index('ix_action_partnership_id_status_deadline_visibility', 'action', COLUMNS, unique=False)


def downgrade():
    op.drop_index('ix_action_partnership_id_status_deadline_visibility', table_name='action')
