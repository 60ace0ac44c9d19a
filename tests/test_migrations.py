"""Migrations on a database in use. Each of the newest revisions is applied with `flask db upgrade` to a copy of a
populated database at the revision before it: every row is kept, and `flask db downgrade` back keeps them too. An
empty database goes down to base and back up to exactly the models' schema. The revisions are read from the
migration scripts, so the drill follows the head as it moves."""
import itertools

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from tests.databases import EVIDENCE, populate
from tests.search.test_index import search_triggers
from tracker import ROOT
from tracker.extensions import db
from tracker.search.index import include_name


def _scripts():
    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return ScriptDirectory.from_config(config)


SCRIPTS = _scripts()
#: the head and the revisions just before it: the ones still likely to change, each tried on data
NEWEST = [script.revision for script in itertools.islice(SCRIPTS.walk_revisions(), 4)]


def _db(app, *args):
    """`flask db …` on that app's database, as an operator runs it."""
    result = app.test_cli_runner().invoke(args=["db", *args])
    assert result.exit_code == 0, f"flask db {' '.join(args)} failed: {result.exception!r}\n{result.output}"


def _reflected(app):
    with app.app_context():
        engine = db.engine
    metadata = sa.MetaData()
    metadata.reflect(bind=engine)
    return engine, metadata


def _copy(source, target):
    """Every row of the populated source that the target's schema has a table for, with the columns both have,
    inserted through SQL; returns {table: [rows as dicts]} as inserted. The search index is left to the triggers
    that fill it as the rows go in."""
    source_engine, source_tables = _reflected(source)
    target_engine, target_tables = _reflected(target)
    copied = {}
    with source_engine.connect() as reading, target_engine.begin() as writing:
        for table in target_tables.sorted_tables:
            if (table.name == "alembic_version" or table.name not in source_tables.tables
                    or not include_name(table.name, "table", {})):
                continue
            origin = source_tables.tables[table.name]
            columns = [origin.c[c.name] for c in table.columns if c.name in origin.c]
            rows = [dict(row._mapping) for row in reading.execute(
                sa.select(*columns).order_by(*origin.primary_key.columns))]
            # a required text column the newer schema dropped, as the older one's rows held it: empty
            dropped = {c.name: "" for c in table.columns if c.name not in origin.c and not c.nullable
                       and c.server_default is None and isinstance(c.type, sa.String)}
            if rows:
                writing.execute(table.insert(), [{**dropped, **row} for row in rows])
            copied[table.name] = rows
    return copied


def _still_there(app, copied):
    """The copied tables' rows as the database holds them now, in the copied columns only."""
    engine, tables = _reflected(app)
    with engine.connect() as connection:
        return {name: [dict(row._mapping) for row in connection.execute(
            sa.select(*[tables.tables[name].c[column] for column in rows[0]])
            .order_by(*tables.tables[name].primary_key.columns))] if rows else []
            for name, rows in copied.items()}


@pytest.mark.parametrize("revision", NEWEST)
def test_a_revision_applied_to_a_populated_copy_keeps_every_row_and_so_does_going_back(app, make, fresh, revision):
    previous = SCRIPTS.get_revision(revision).down_revision
    assert isinstance(previous, str), f"{revision} merges branches: try each of {previous}"
    populate(app, make)
    copy = fresh.app(fresh("mig"))
    _db(copy, "upgrade", previous)
    copied = _copy(app, copy)
    filled = {name for name, rows in copied.items() if rows}
    assert {"user", "partnership", "review", "action", "progress_update", "evidence_file", "audit_entry",
            "outbox_message"} <= filled
    assert EVIDENCE in [row["data"] for row in copied["evidence_file"]]

    triggers = _search_triggers(copy)
    _db(copy, "upgrade", revision)
    assert _still_there(copy, copied) == copied
    # SQLite drops a table's triggers when batch mode rebuilds it: the search would stop finding its rows
    assert _search_triggers(copy) >= triggers
    _db(copy, "downgrade", previous)
    assert _still_there(copy, copied) == copied
    assert _search_triggers(copy) == triggers


def _search_triggers(app):
    with app.app_context(), db.engine.connect() as connection:
        return search_triggers(connection)


def test_an_empty_database_goes_down_to_base_and_back_up_to_the_models_schema(fresh):
    empty = fresh.app(fresh("mig"))
    _db(empty, "upgrade")
    _db(empty, "downgrade", "base")
    engine, tables = _reflected(empty)
    assert list(tables.tables) == ["alembic_version"]
    _db(empty, "upgrade")
    with empty.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_name": include_name})
        assert compare_metadata(context, db.metadata) == []
        assert connection.scalar(sa.text("SELECT version_num FROM alembic_version")) == SCRIPTS.get_current_head()
