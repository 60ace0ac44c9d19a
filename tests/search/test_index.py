"""The search index is the migration's, not the models': it is built over the records already there, kept in step by
triggers on every indexed table, removed whole on the way down, and left out of schema comparisons by name."""
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tracker.extensions import db
from tracker.search import index

#: the revision before the one that builds the index (d13a00000001)
PREVIOUS = "d15b00000006"


def _db(app, *args):
    result = app.test_cli_runner().invoke(args=["db", *args])
    assert result.exit_code == 0, f"flask db {' '.join(args)} failed: {result.exception!r}\n{result.output}"


def search_triggers(connection):
    if connection.dialect.name == "sqlite":
        return set(connection.execute(sa.text("SELECT tbl_name || ':' || name FROM sqlite_master "
                                              "WHERE type = 'trigger' AND name LIKE 'search%'")).scalars())
    return set(connection.execute(sa.text(
        "SELECT c.relname || ':' || t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE t.tgname LIKE 'search%'")).scalars())


def test_every_indexed_table_has_its_triggers(app):
    """SQLite drops a table's triggers with it: a migration that rebuilds an indexed table in batch mode must
    create them again, or its rows would silently stop being found."""
    expected = {f"{table}:search_{table}_{event}" for table in index.INDEXED for event in ("insert", "update")}
    with app.app_context(), db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":  # PostgreSQL deletes through the side table's foreign key
            expected |= {f"{table}:search_{table}_delete" for table in index.INDEXED}
        assert search_triggers(connection) == expected


def test_schema_comparisons_leave_out_only_the_index(app):
    with app.app_context(), db.engine.connect() as connection:
        everything = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}),
                                      db.metadata)
        # the index's tables (and on PostgreSQL their GIN indexes), and nothing else, are not the models'
        assert everything and {diff[0] for diff in everything} <= {"remove_table", "remove_index"}
        assert all((diff[1] if diff[0] == "remove_table" else diff[1].table).name.startswith("search_")
                   for diff in everything)
        context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                               "include_name": index.include_name})
        assert compare_metadata(context, db.metadata) == []


def test_the_index_is_built_over_existing_records_and_removed_whole(fresh):
    from tracker.search import services

    app = fresh.app(fresh("search"))
    _db(app, "upgrade", PREVIOUS)
    with app.app_context(), db.engine.begin() as connection:
        before = set(sa.inspect(connection).get_table_names()), set(sa.inspect(connection).get_view_names())
        connection.execute(sa.text("INSERT INTO partnership (name, area, rag_warning_days, stale_after_days, "
                                   "deadline_approval, deadline_approval_days, created_at, updated_at) VALUES "
                                   "('Before search', '', 28, 42, 'any', 28, '2026-01-01', '2026-01-01')"))
        connection.execute(sa.text("INSERT INTO agency (partnership_id, name, sector, created_at, updated_at) SELECT "
                                   "id, 'Refuge outreach', 'other', '2026-01-01', '2026-01-01' FROM partnership"))
    _db(app, "upgrade")  # through the index's revision to the head, whose schema the models below write to
    with app.app_context():
        from tracker.accounts.models import User

        admin = User(name="Admin", email="admin@example.org", is_administrator=True)
        db.session.add(admin)
        db.session.commit()
        found = services.search(admin, "refuge")
        assert [(r.kind.key, str(r.heading)) for r in found.page.items] == [("agency", "<mark>Refuge</mark> outreach")]
        db.session.remove()
    _db(app, "downgrade", PREVIOUS)
    with app.app_context(), db.engine.connect() as connection:
        assert (set(sa.inspect(connection).get_table_names()), set(sa.inspect(connection).get_view_names())) == before
        assert search_triggers(connection) == set()
