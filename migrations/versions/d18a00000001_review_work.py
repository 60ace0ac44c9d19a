"""The review's work: family and friends' involvement, panel members' agency, role and expertise, terms of
reference, cost, the decision not to review, timeliness

Revision ID: d18a00000001
Revises: d17b00000002
Create Date: 2026-12-01 05:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd18a00000001'
down_revision = 'd17b00000002'
branch_labels = None
depends_on = None


REVIEW_COLUMNS = ('extension_reason', 'estimated_cost', 'actual_cost', 'funded_by', 'not_reviewed_reason',
                  'home_office_response_on', 'home_office_view', 'home_office_response')
OFFER = sa.Enum('not_offered', 'awaiting', 'taken_up', 'declined', name='offer', native_enum=False, length=40)


def upgrade():
    # add_column only: SQLite adds them in place, keeping the search triggers on the review table
    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.add_column(sa.Column('extension_reason', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('estimated_cost', sa.Numeric(precision=12, scale=2), nullable=True))
        batch_op.add_column(sa.Column('actual_cost', sa.Numeric(precision=12, scale=2), nullable=True))
        batch_op.add_column(sa.Column('funded_by', sa.String(length=300), server_default='', nullable=False))
        batch_op.add_column(sa.Column('not_reviewed_reason', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('home_office_response_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('home_office_view', sa.Enum('agrees', 'disagrees', name='homeofficeview',
                                                                  native_enum=False, length=40), nullable=True))
        batch_op.add_column(sa.Column('home_office_response', sa.Text(), server_default='', nullable=False))
    # the panel member's table has no search triggers: batch mode may rebuild it to add the foreign key
    with op.batch_alter_table('panel_member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agency_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('panel_role', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('is_da_specialist', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('has_community_expertise', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.add_column(sa.Column('other_expertise', sa.String(length=300), server_default='', nullable=False))
        batch_op.add_column(sa.Column('is_independent', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_panel_member_agency_id_agency'), 'agency', ['agency_id'], ['id'],
                                    ondelete='SET NULL')
    op.create_table(
        'family_contact',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('review_id', sa.Integer(), nullable=False),
        sa.Column('relationship_to_victim', sa.String(length=100), nullable=False),
        sa.Column('contact', sa.String(length=200), nullable=False),
        sa.Column('contact_method', sa.Enum('letter', 'phone', 'email', 'in_person', 'through_advocate',
                                            'through_police', 'other', name='contactmethod', native_enum=False,
                                            length=40), nullable=False),
        sa.Column('first_contacted_on', sa.Date(), nullable=True),
        sa.Column('last_contacted_on', sa.Date(), nullable=True),
        sa.Column('meet_panel', OFFER, nullable=False),
        sa.Column('contribute', OFFER, nullable=False),
        sa.Column('read_terms', OFFER, nullable=False),
        sa.Column('read_report', OFFER, nullable=False),
        sa.Column('advocacy', sa.Enum('not_offered', 'offered', 'provided', 'declined', name='advocacy',
                                      native_enum=False, length=40), nullable=False),
        sa.Column('advocate', sa.String(length=200), nullable=False),
        sa.Column('saw_report_on', sa.Date(), nullable=True),
        sa.Column('pseudonym_wishes', sa.Text(), nullable=False),
        sa.Column('publication_wishes', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['review_id'], ['review.id'], name=op.f('fk_family_contact_review_id_review'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_family_contact')),
    )
    with op.batch_alter_table('family_contact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_family_contact_review_id'), ['review_id'], unique=False)
    op.create_table(
        'terms_of_reference',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('review_id', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('file_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['file_id'], ['evidence_file.id'],
                                name=op.f('fk_terms_of_reference_file_id_evidence_file'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['review_id'], ['review.id'], name=op.f('fk_terms_of_reference_review_id_review'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_terms_of_reference')),
        sa.UniqueConstraint('review_id', name=op.f('uq_terms_of_reference_review_id')),
    )


def downgrade():
    op.drop_table('terms_of_reference')
    with op.batch_alter_table('family_contact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_family_contact_review_id'))
    op.drop_table('family_contact')
    with op.batch_alter_table('panel_member', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_panel_member_agency_id_agency'), type_='foreignkey')
        for column in ('is_independent', 'other_expertise', 'has_community_expertise', 'is_da_specialist',
                       'panel_role', 'agency_id'):
            batch_op.drop_column(column)
    # ALTER TABLE … DROP COLUMN, not batch mode, whose rebuild of the table would drop its search triggers
    for column in reversed(REVIEW_COLUMNS):
        op.drop_column('review', column)
