"""Bounded queries: each action carries its recommendation's review, so that whether a reader may open it is
decided from the action's own row against the reviews open to them (a few thousand in the largest partnership,
read from the partnership's reviews) rather than against every recommendation of those reviews (15,000, looked up
review by review at each request, and again in each of PostgreSQL's parallel workers). The covering index that
answers a reader's counts carries it too.

The database keeps it, as it keeps the search index: triggers copy the review whenever an action's recommendation is
written, or a recommendation's review changes, so every way a row is written (forms, imports, bulk jobs, the
synthetic data) agrees. SQLite drops a table's triggers with the table: a later migration that rebuilds `action` or
`recommendation` in batch mode must create them again (tests/actions/test_visibility.py fails while they are
missing).

Revision ID: d15f00000010
Revises: d15e00000009
Create Date: 2026-12-03 16:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd15f00000010'
down_revision = 'd15e00000009'
branch_labels = None
depends_on = None

INDEX = 'ix_action_partnership_id_status_deadline_visibility'
BEFORE = ['partnership_id', 'status', 'deadline', 'recommendation_id', 'lead_agency_id', 'owner_id']
AFTER = ['partnership_id', 'status', 'deadline', 'recommendation_id', 'review_id', 'lead_agency_id', 'owner_id']
REVIEW_OF = "(SELECT r.review_id FROM recommendation r WHERE r.id = {}.recommendation_id)"


def upgrade():
    op.add_column('action', sa.Column('review_id', sa.Integer(), nullable=True))
    op.execute(f"UPDATE action SET review_id = {REVIEW_OF.format('action')} WHERE recommendation_id IS NOT NULL")
    if op.get_bind().dialect.name == "sqlite":
        # each writes only where the copy differs, so that its own update stops there even with recursive
        # triggers on (SQLite's are off by default), and a row written right costs nothing more
        differs = f"new.review_id IS NOT {REVIEW_OF.format('new')}"
        op.execute(f"CREATE TRIGGER action_review_insert AFTER INSERT ON action WHEN {differs} "
                   f"BEGIN UPDATE action SET review_id = {REVIEW_OF.format('new')} WHERE id = new.id; END")
        op.execute(f"CREATE TRIGGER action_review_update AFTER UPDATE OF recommendation_id, review_id ON action "
                   f"WHEN {differs} BEGIN UPDATE action SET review_id = {REVIEW_OF.format('new')} WHERE id = new.id; "
                   "END")
        op.execute("CREATE TRIGGER recommendation_review_update AFTER UPDATE OF review_id ON recommendation "
                   "BEGIN UPDATE action SET review_id = new.review_id WHERE recommendation_id = new.id; END")
    else:
        op.execute(f"""CREATE FUNCTION action_review_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.review_id := {REVIEW_OF.format('NEW')};
    RETURN NEW;
END $$""")
        op.execute("CREATE TRIGGER action_review_kept BEFORE INSERT OR UPDATE OF recommendation_id, review_id "
                   "ON action FOR EACH ROW EXECUTE FUNCTION action_review_kept()")
        op.execute("""CREATE FUNCTION recommendation_review_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE action SET review_id = NEW.review_id WHERE recommendation_id = NEW.id;
    RETURN NULL;
END $$""")
        op.execute("CREATE TRIGGER recommendation_review_kept AFTER UPDATE OF review_id ON recommendation "
                   "FOR EACH ROW WHEN (OLD.review_id IS DISTINCT FROM NEW.review_id) "
                   "EXECUTE FUNCTION recommendation_review_kept()")
    op.drop_index(INDEX, table_name='action')
    op.create_index(INDEX, 'action', AFTER, unique=False)


def downgrade():
    op.drop_index(INDEX, table_name='action')
    op.create_index(INDEX, 'action', BEFORE, unique=False)
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("action_review_insert", "action_review_update", "recommendation_review_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    else:
        op.execute('DROP TRIGGER IF EXISTS action_review_kept ON action')
        op.execute('DROP TRIGGER IF EXISTS recommendation_review_kept ON recommendation')
        op.execute("DROP FUNCTION IF EXISTS action_review_kept()")
        op.execute("DROP FUNCTION IF EXISTS recommendation_review_kept()")
    op.drop_column('action', 'review_id')
