"""Requests to agencies for scoping returns, chronologies and IMRs, and the Home Office's quality assurance submission by submission

Revision ID: d18b00000002
Revises: d18a00000001
Create Date: 2026-12-01 05:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd18b00000002'
down_revision = 'd18a00000001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'agency_request',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('review_id', sa.Integer(), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('scoping', 'chronology', 'imr', name='requestkind', native_enum=False, length=40),
                  nullable=False),
        sa.Column('sent_on', sa.Date(), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('received_on', sa.Date(), nullable=True),
        sa.Column('withdrawn_on', sa.Date(), nullable=True),
        sa.Column('contact_id', sa.Integer(), nullable=True),
        sa.Column('note', sa.Text(), server_default='', nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_agency_request_agency_id_agency')),
        sa.ForeignKeyConstraint(['contact_id'], ['user.id'], name=op.f('fk_agency_request_contact_id_user'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['review_id'], ['review.id'], name=op.f('fk_agency_request_review_id_review'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_agency_request')),
    )
    op.create_index(op.f('ix_agency_request_agency_id'), 'agency_request', ['agency_id'], unique=False)
    op.create_index(op.f('ix_agency_request_review_id'), 'agency_request', ['review_id'], unique=False)
    op.create_table(
        'agency_request_chase',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=False),
        sa.Column('chased_on', sa.Date(), nullable=False),
        sa.Column('occasion', sa.String(length=60), nullable=True),
        sa.Column('note', sa.Text(), server_default='', nullable=False),
        sa.ForeignKeyConstraint(['request_id'], ['agency_request.id'],
                                name=op.f('fk_agency_request_chase_request_id_agency_request'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_agency_request_chase')),
        sa.UniqueConstraint('request_id', 'occasion', name=op.f('uq_agency_request_chase_request_id_occasion')),
    )
    op.create_index(op.f('ix_agency_request_chase_request_id'), 'agency_request_chase', ['request_id'],
                    unique=False)
    op.create_table(
        'quality_submission',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('review_id', sa.Integer(), nullable=False),
        sa.Column('submitted_on', sa.Date(), nullable=False),
        sa.Column('feedback_on', sa.Date(), nullable=True),
        sa.Column('feedback', sa.Text(), server_default='', nullable=False),
        sa.Column('outcome', sa.Enum('approved', 'resubmit', 'not_approved', name='qualityoutcome',
                                     native_enum=False, length=40), nullable=True),
        sa.Column('outcome_on', sa.Date(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['review_id'], ['review.id'], name=op.f('fk_quality_submission_review_id_review'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_quality_submission')),
    )
    op.create_index(op.f('ix_quality_submission_review_id'), 'quality_submission', ['review_id'], unique=False)
    # a review already sent to the Home Office becomes its one submission, with the dates it holds: the feedback
    # date, and approval as the outcome where it was approved
    op.execute("""
        INSERT INTO quality_submission (review_id, submitted_on, feedback_on, feedback, outcome, outcome_on,
                                        created_at, updated_at)
        SELECT id, submitted_on, qa_feedback_on, '', CASE WHEN approved_on IS NULL THEN NULL ELSE 'approved' END,
               approved_on, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP
        FROM review WHERE submitted_on IS NOT NULL ORDER BY id
    """)


def downgrade():
    op.drop_index(op.f('ix_quality_submission_review_id'), table_name='quality_submission')
    op.drop_table('quality_submission')
    op.drop_index(op.f('ix_agency_request_chase_request_id'), table_name='agency_request_chase')
    op.drop_table('agency_request_chase')
    op.drop_index(op.f('ix_agency_request_review_id'), table_name='agency_request')
    op.drop_index(op.f('ix_agency_request_agency_id'), table_name='agency_request')
    op.drop_table('agency_request')
