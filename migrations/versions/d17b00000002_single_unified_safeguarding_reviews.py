"""Single Unified Safeguarding Reviews (Wales): the review criteria a review meets, its regional safeguarding
board, the case review group's decision, its reviewers and the date the Welsh Government was notified

Revision ID: d17b00000002
Revises: d17a00000001
Create Date: 2026-12-01 03:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd17b00000002'
down_revision = 'd17a00000001'
branch_labels = None
depends_on = None


def upgrade():
    # add_column only: SQLite adds them in place, keeping the search triggers on the review table
    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.add_column(sa.Column('regional_safeguarding_board', sa.String(length=200), server_default='',
                                      nullable=False))
        batch_op.add_column(sa.Column('case_review_group_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('case_review_group_outcome', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('reviewers', sa.String(length=500), server_default='', nullable=False))
        batch_op.add_column(sa.Column('welsh_government_notified_on', sa.Date(), nullable=True))
    op.create_table(
        'review_criterion',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('review_id', sa.Integer(), nullable=False),
        sa.Column('criterion', sa.Enum('dhr', 'adult_practice', 'child_practice', 'mental_health_homicide',
                                       'offensive_weapons_homicide', name='safeguardingcriterion',
                                       native_enum=False, length=40), nullable=False),
        sa.ForeignKeyConstraint(['review_id'], ['review.id'], name=op.f('fk_review_criterion_review_id_review'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_review_criterion')),
        sa.UniqueConstraint('review_id', 'criterion', name=op.f('uq_review_criterion_review_id_criterion')),
    )


def downgrade():
    op.drop_table('review_criterion')
    # ALTER TABLE … DROP COLUMN (SQLite 3.35+), not batch mode, whose rebuild of the table would drop its search
    # triggers
    for column in ('welsh_government_notified_on', 'reviewers', 'case_review_group_outcome', 'case_review_group_on',
                   'regional_safeguarding_board'):
        op.drop_column('review', column)
