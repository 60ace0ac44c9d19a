"""Languages and nations: each person's language (Welsh or English), each partnership's nation, the Welsh text
of a recommendation

Revision ID: d17a00000001
Revises: d13a00000001
Create Date: 2026-12-01 02:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd17a00000001'
down_revision = 'd13a00000001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=5), server_default='', nullable=False))
    with op.batch_alter_table('partnership', schema=None) as batch_op:
        batch_op.add_column(sa.Column('nation', sa.Enum('england', 'wales', name='nation', native_enum=False,
                                                        length=40), server_default='england', nullable=False))
    with op.batch_alter_table('recommendation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('welsh_text', sa.Text(), server_default='', nullable=False))


def downgrade():
    # ALTER TABLE … DROP COLUMN (SQLite 3.35+), not batch mode, whose rebuild of the table would drop its search
    # triggers
    op.drop_column('recommendation', 'welsh_text')
    with op.batch_alter_table('partnership', schema=None) as batch_op:
        batch_op.drop_column('nation')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('language')
