"""Bounded queries: a partnership's reminders due and assurance checks come from indexes that lead with the
partnership, so that the reminders page plans its own run without reading the country's due actions (by status,
116,000 at national scale) or every action the partnership has closed (40,000 for the largest); the checks' index
holds only those awaiting confirmation. An agency's actions by deadline, so that an agency lead's overdue list in
the largest partnership reads its 25 rows without passing 29,000 of other agencies. The actions tagged with a benchmark
component, which every benchmark page lists: it read the country's 220,000 actions to find them. The reminders'
index is partial and the agency's and the component's lead with them (an agency is in one partnership), so that
PostgreSQL does not take any of them for a scan of a partnership's every action in place of the covering index that
answers a reader's counts

Revision ID: d15d00000008
Revises: d19b00000002
Create Date: 2026-12-03 08:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

CHECK_AWAITED = sa.text("assurance_check_on IS NOT NULL AND assurance_confirmed_on IS NULL")
REMINDER_DUE = sa.text("next_reminder_on IS NOT NULL")

# revision identifiers, used by Alembic.
revision = 'd15d00000008'
down_revision = 'd19b00000002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_action_lead_agency_id_deadline', 'action', ['lead_agency_id', 'deadline', 'id'], unique=False)
    op.create_index('ix_action_component_partnership_id', 'action', ['component', 'partnership_id'], unique=False)
    op.create_index('ix_action_partnership_id_next_reminder_on', 'action', ['partnership_id', 'next_reminder_on'],
                    unique=False, sqlite_where=REMINDER_DUE, postgresql_where=REMINDER_DUE)
    op.create_index('ix_action_partnership_id_assurance_check_on', 'action',
                    ['partnership_id', 'assurance_check_on'], unique=False, sqlite_where=CHECK_AWAITED,
                    postgresql_where=CHECK_AWAITED)


def downgrade():
    op.drop_index('ix_action_partnership_id_assurance_check_on', table_name='action')
    op.drop_index('ix_action_partnership_id_next_reminder_on', table_name='action')
    op.drop_index('ix_action_component_partnership_id', table_name='action')
    op.drop_index('ix_action_lead_agency_id_deadline', table_name='action')
