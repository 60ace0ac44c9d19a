"""Actions that answer several recommendations and key issues, delivered with supporting agencies, with dated
milestones, survivor involvement and the groups they serve

Revision ID: d18c00000003
Revises: d18b00000002
Create Date: 2026-12-01 05:00:00.000000

"""
import re
from datetime import date, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd18c00000003'
down_revision = 'd18b00000002'
branch_labels = None
depends_on = None

#: a plan's milestone line as the tracker wrote it: "31 January 2027: Draft the protocol (done)"
_LINE = re.compile(r"^(?P<date>\d{1,2} [A-Za-z]+ \d{4}): (?P<title>\S.*?)(?P<done> \(done\))?$")


def _item(line, today):
    """(title, due_on, done_on) of one line of the old free text; a line without such a date stays whole."""
    found = _LINE.match(line)
    if found:
        try:
            due_on = datetime.strptime(found["date"], "%d %B %Y").date()
        except ValueError:
            due_on = None
        if due_on is not None:
            return found["title"], due_on, today if found["done"] else None
    return line, None, None


def upgrade():
    op.create_table(
        'action_recommendation',
        sa.Column('action_id', sa.Integer(), nullable=False),
        sa.Column('recommendation_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['action_id'], ['action.id'], name=op.f('fk_action_recommendation_action_id_action'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['recommendation_id'], ['recommendation.id'],
                                name=op.f('fk_action_recommendation_recommendation_id_recommendation'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('action_id', 'recommendation_id', name=op.f('pk_action_recommendation')),
    )
    op.create_index(op.f('ix_action_recommendation_recommendation_id'), 'action_recommendation',
                    ['recommendation_id'], unique=False)
    op.create_table(
        'action_finding',
        sa.Column('action_id', sa.Integer(), nullable=False),
        sa.Column('finding_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['action_id'], ['action.id'], name=op.f('fk_action_finding_action_id_action'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['finding_id'], ['finding.id'], name=op.f('fk_action_finding_finding_id_finding'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('action_id', 'finding_id', name=op.f('pk_action_finding')),
    )
    op.create_index(op.f('ix_action_finding_finding_id'), 'action_finding', ['finding_id'], unique=False)
    milestone = op.create_table(
        'milestone',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('action_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('title', sa.Text(), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=True),
        sa.Column('done_on', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(['action_id'], ['action.id'], name=op.f('fk_milestone_action_id_action'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_milestone')),
    )
    op.create_index(op.f('ix_milestone_action_id'), 'milestone', ['action_id'], unique=False)
    # add_column only: SQLite adds them in place, keeping the search triggers on the action table
    with op.batch_alter_table('action', schema=None) as batch_op:
        batch_op.add_column(sa.Column('survivor_involvement', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('groups_served', sa.String(length=300), server_default='', nullable=False))

    # the free text becomes items, one a line, in its order
    connection, today = op.get_bind(), date.today()
    action = sa.table('action', sa.column('id', sa.Integer), sa.column('milestones', sa.Text))
    items = []
    for action_id, text in connection.execute(sa.select(action.c.id, action.c.milestones)
                                              .where(action.c.milestones != '')):
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        for position, line in enumerate(lines):
            title, due_on, done_on = _item(line, today)
            items.append(dict(action_id=action_id, position=position, title=title, due_on=due_on, done_on=done_on))
    if items:
        op.bulk_insert(milestone, items)
    # ALTER TABLE … DROP COLUMN (SQLite 3.35+), not batch mode, whose rebuild would drop the search triggers
    op.drop_column('action', 'milestones')


def downgrade():
    op.add_column('action', sa.Column('milestones', sa.Text(), server_default='', nullable=False))
    connection = op.get_bind()
    milestone = sa.table('milestone', sa.column('action_id', sa.Integer), sa.column('position', sa.Integer),
                         sa.column('title', sa.Text), sa.column('due_on', sa.Date), sa.column('done_on', sa.Date))
    action = sa.table('action', sa.column('id', sa.Integer), sa.column('milestones', sa.Text))
    lines = {}
    for action_id, title, due_on, done_on in connection.execute(
            sa.select(milestone.c.action_id, milestone.c.title, milestone.c.due_on, milestone.c.done_on)
            .order_by(milestone.c.action_id, milestone.c.position)):
        if isinstance(due_on, str):  # SQLite hands back the text
            due_on = date.fromisoformat(due_on)
        line = f"{due_on.day} {due_on:%B %Y}: {title}" if due_on else title
        lines.setdefault(action_id, []).append(line + (" (done)" if done_on else ""))
    for action_id, text in lines.items():
        connection.execute(action.update().where(action.c.id == action_id).values(milestones="\n".join(text)))
    op.drop_column('action', 'groups_served')
    op.drop_column('action', 'survivor_involvement')
    op.drop_index(op.f('ix_milestone_action_id'), table_name='milestone')
    op.drop_table('milestone')
    op.drop_index(op.f('ix_action_finding_finding_id'), table_name='action_finding')
    op.drop_table('action_finding')
    op.drop_index(op.f('ix_action_recommendation_recommendation_id'), table_name='action_recommendation')
    op.drop_table('action_recommendation')
