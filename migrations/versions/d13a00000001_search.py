"""Search: a full-text index of actions, recommendations, reviews, benchmark key issues and agencies, kept in step
with them by the database itself (triggers), so that every way a row is written (forms, imports, bulk jobs, the
synthetic data, retention's anonymising) is searchable at once and a deleted or edited row stops matching

On SQLite each table has an FTS5 index reading its text from the table (external content), with triggers on
insert, delete and update of the indexed columns. On PostgreSQL each has a side table of a weighted tsvector with a
GIN index; rows are added per statement (a bulk insert indexes in one pass), rewritten when an indexed column
changes, and removed with their record by the foreign key. An action's index also holds its partnership (a
"partnership" column read through a view on SQLite, a "#p<id>" lexeme on PostgreSQL), so that a search reaches
only the reader's partnerships' actions, however many the country has. Every object is named search_…:
tracker.search.index says which they are, for schema comparisons that read the models.

SQLite drops a table's triggers with the table: a later migration that rebuilds one of these tables in batch mode
must create its triggers again and then rebuild its index (INSERT INTO search_<table>(search_<table>) VALUES
('rebuild')), as rows written meanwhile were not indexed; tests/search/test_index.py fails while they are missing.

Revision ID: d13a00000001
Revises: d15b00000006
Create Date: 2026-12-01 10:00:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd13a00000001'
down_revision = 'd15b00000006'
branch_labels = None
depends_on = None

#: indexed table -> its columns, the first weighted as the record's title (copied here: migrations never import
#: the app; tracker/search/index.py holds the same lists)
INDEXED = {
    "action": ("title", "outcome", "measure"),
    "recommendation": ("text", "external_body"),
    "review": ("reference", "pseudonyms"),
    "finding": ("text",),
    "agency": ("name",),
}
#: tables whose index also holds the record's partnership: the one table that grows with the country
SCOPED = {"action": "partnership_id"}
TOKENIZER = "porter unicode61 remove_diacritics 2"


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        for table, columns in INDEXED.items():
            _create_sqlite(table, columns)
    else:
        for table, columns in INDEXED.items():
            _create_postgresql(table, columns)


def downgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in INDEXED:
        if sqlite:
            for event in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS search_{table}_{event}")
        else:
            op.execute(f'DROP TRIGGER IF EXISTS search_{table}_insert ON "{table}"')
            op.execute(f'DROP TRIGGER IF EXISTS search_{table}_update ON "{table}"')
            op.execute(f"DROP FUNCTION IF EXISTS search_{table}_inserted()")
            op.execute(f"DROP FUNCTION IF EXISTS search_{table}_updated()")
        op.execute(f"DROP TABLE IF EXISTS search_{table}")
        if sqlite and table in SCOPED:
            op.execute(f"DROP VIEW IF EXISTS search_{table}_content")


def _create_sqlite(table, columns):
    index = f"search_{table}"
    content = table
    values = {row: [f"{row}.{c}" for c in columns] for row in ("new", "old")}
    watched = list(columns)
    if table in SCOPED:
        # the index reads the partnership as a word ("p12") through a view, as the triggers write it
        scope = SCOPED[table]
        content = f"{index}_content"
        op.execute(f"CREATE VIEW {content} AS SELECT id, {', '.join(columns)}, 'p' || {scope} AS partnership "
                   f'FROM "{table}"')
        columns = (*columns, "partnership")
        for row in values:
            values[row].append(f"'p' || {row}.{scope}")
        watched.append(scope)
    listed = ", ".join(columns)
    new, old = ", ".join(values["new"]), ", ".join(values["old"])
    op.execute(f"CREATE VIRTUAL TABLE {index} USING fts5({listed}, content='{content}', content_rowid='id', "
               f"tokenize='{TOKENIZER}')")
    op.execute(f'CREATE TRIGGER {index}_insert AFTER INSERT ON "{table}" BEGIN '
               f"INSERT INTO {index}(rowid, {listed}) VALUES (new.id, {new}); END")
    op.execute(f'CREATE TRIGGER {index}_delete AFTER DELETE ON "{table}" BEGIN '
               f"INSERT INTO {index}({index}, rowid, {listed}) VALUES ('delete', old.id, {old}); END")
    op.execute(f'CREATE TRIGGER {index}_update AFTER UPDATE OF {", ".join(watched)} ON "{table}" BEGIN '
               f"INSERT INTO {index}({index}, rowid, {listed}) VALUES ('delete', old.id, {old}); "
               f"INSERT INTO {index}(rowid, {listed}) VALUES (new.id, {new}); END")
    op.execute(f"INSERT INTO {index}({index}) VALUES ('rebuild')")


def _document(table, columns, row):
    """The weighted tsvector of a row: its title at weight A, the rest at B, and for an action its partnership as a
    lexeme no typed word can become ("#p12", no position). Every "<" is read as a space: the parser would take
    "<script>" for markup and skip the words after it."""
    title, *rest = columns
    document = f"setweight(to_tsvector('english', translate({row}.{title}, '<', ' ')), 'A')"
    if rest:
        body = " || ' ' || ".join(f"{row}.{c}" for c in rest)
        document += f" || setweight(to_tsvector('english', translate({body}, '<', ' ')), 'B')"
    if table in SCOPED:
        document += f" || array_to_tsvector(ARRAY['#p' || {row}.{SCOPED[table]}])"
    return document


def _create_postgresql(table, columns):
    index = f"search_{table}"
    op.execute(f'CREATE TABLE {index} (id integer NOT NULL, document tsvector NOT NULL, '
               f'CONSTRAINT pk_{index} PRIMARY KEY (id), '
               f'CONSTRAINT fk_{index}_id_{table} FOREIGN KEY (id) REFERENCES "{table}" (id) ON DELETE CASCADE)')
    op.execute(f"CREATE INDEX ix_{index}_document ON {index} USING gin (document)")
    op.execute(f"""CREATE FUNCTION {index}_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {index} (id, document) SELECT n.id, {_document(table, columns, 'n')} FROM inserted n;
    RETURN NULL;
END $$""")
    op.execute(f"""CREATE FUNCTION {index}_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE {index} SET document = {_document(table, columns, 'NEW')} WHERE id = NEW.id;
    RETURN NULL;
END $$""")
    op.execute(f'CREATE TRIGGER {index}_insert AFTER INSERT ON "{table}" REFERENCING NEW TABLE AS inserted '
               f"FOR EACH STATEMENT EXECUTE FUNCTION {index}_inserted()")
    watched = (*columns, SCOPED[table]) if table in SCOPED else columns
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in watched)
    op.execute(f'CREATE TRIGGER {index}_update AFTER UPDATE OF {", ".join(watched)} ON "{table}" '
               f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION {index}_updated()")
    op.execute(f"INSERT INTO {index} (id, document) SELECT t.id, {_document(table, columns, 't')} FROM \"{table}\" t")
