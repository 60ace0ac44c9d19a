"""The full-text index, one interface over two engines: SQLite's FTS5 and PostgreSQL's tsvector with a GIN index.

Migration d13a00000001 builds it and keeps it in step with the records through triggers, so the models know
nothing of it. Each indexed table has one index named search_<table>: on SQLite an FTS5 table reading its text
from the record's table, on PostgreSQL a side table of the record's weighted tsvector. An action's index also holds
its partnership, so that a search of one partnership's actions never walks the country's. Everything here turns a
parsed query into SQL on those; services.py decides what is searched and who sees it.
"""
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import TSQUERY

#: indexed table -> its indexed columns, the first weighted as the record's title (the migration holds a copy)
INDEXED = {
    "action": ("title", "outcome", "measure"),
    "recommendation": ("text", "external_body"),
    "review": ("reference", "pseudonyms"),
    "finding": ("text",),
    "agency": ("name",),
}
#: tables whose index also holds the record's partnership (the migration holds a copy)
SCOPED = {"action": "partnership_id"}
PREFIX = "search_"
#: what the database puts around each matched word; services.py escapes the text, then turns these into <mark>
START, END = "\x02", "\x03"


def include_name(name, type_, parent_names):
    """Alembic's include_name hook: the index's tables (SQLite's FTS5 tables with their shadow tables, PostgreSQL's
    side tables) belong to the migration, not to the models, so schema comparisons leave them out."""
    return not (type_ == "table" and name.startswith(PREFIX))


def for_dialect(name):
    """The engine's implementation of the interface."""
    return SQLiteFullText() if name == "sqlite" else PostgreSQLFullText()


class FullText:
    """How one engine matches, ranks and highlights. `query` is a services.Query: its phrases, and whether the last
    is the start of a word."""

    def found(self, table, query, partnerships=None):
        """(select, id column): the select reads the index alone and gives the id and score (higher is better) of
        each record of `table` that matches. For a table in SCOPED, only records of `partnerships` (None: of every
        partnership); any other table is bounded by the caller, who joins the table and filters it."""
        raise NotImplementedError

    def highlighted(self, select, table, query, ids, partnerships=None):
        """(`select`, which reads the records `ids` of `table`, joined to what the engine needs; the indexed columns
        with each matched word between START and END): the whole text, as services.py crops it. `partnerships`
        (holding the ids' partnerships) narrows the work for a table in SCOPED."""
        raise NotImplementedError

    def prepare(self, session):
        """Ready the session's transaction for a search."""


class SQLiteFullText(FullText):
    """FTS5 with the porter stemmer: each phrase is quoted, so the operators people type (AND, NEAR, -, *, quotes)
    are words to it, never syntax; bm25 ranks, the title counting four times."""

    @staticmethod
    def expression(table, query, partnerships=None):
        phrases = ['"' + phrase.replace('"', '""') + '"' for phrase in query.phrases]
        if query.is_prefix:
            phrases[-1] += "*"
        matched = " ".join(phrases)
        if table.name not in SCOPED:
            return matched
        # typed words match the text only, never the partnership's word ("p12")
        matched = "{" + " ".join(INDEXED[table.name]) + "} : (" + matched + ")"
        if partnerships is None:
            return matched
        return f"{matched} AND partnership : ({' OR '.join(f'p{int(p)}' for p in partnerships)})"

    @staticmethod
    def _index(table):
        index = sa.table(PREFIX + table.name, sa.column("rowid"))
        return index, sa.literal_column(index.name)

    def found(self, table, query, partnerships=None):
        index, whole = self._index(table)
        weights = [4.0] + [1.0] * (len(INDEXED[table.name]) - 1) + [0.0] * (table.name in SCOPED)
        select = sa.select(index.c.rowid.label("id"), (-sa.func.bm25(whole, *weights)).label("score")).where(
            whole.op("MATCH")(sa.literal(self.expression(table, query, partnerships), sa.String)))
        return select, index.c.rowid

    def highlighted(self, select, table, query, ids, partnerships=None):
        # highlight() runs inside a full-text query: one pass over the matches within the ids' range, once for all
        # the ids ("+ 0" keeps SQLite from running the query again for each of them)
        index, whole = self._index(table)
        marked = sa.select(index.c.rowid.label("id"), *[
            sa.func.highlight(whole, n, START, END).label(f"marked_{n}") for n in range(len(INDEXED[table.name]))]) \
            .where(whole.op("MATCH")(sa.literal(self.expression(table, query, partnerships), sa.String)),
                   index.c.rowid.between(min(ids), max(ids)), (index.c.rowid + 0).in_(ids)) \
            .cte(f"marked_{table.name}").prefix_with("MATERIALIZED")
        return select.join(marked, marked.c.id == table.c.id), list(marked.c)[1:]


class PostgreSQLFullText(FullText):
    """A tsvector with the English stemmer and stop words; each phrase is read by phraseto_tsquery (so anything
    typed is words, read as the record's text was: "2024-03" as the parser reads it), the last as a prefix when it
    is one word; ts_rank ranks, a title's words at weight A, the rest at B.

    PostgreSQL's parser takes "<script>…</script>" for markup and skips what is inside, so the index reads every
    "<" as a space (the migration) and highlighting reads it as a control character that it then puts back."""

    ENGLISH = sa.literal_column("'english'::regconfig")
    HEADLINE = f"StartSel={START}, StopSel={END}, HighlightAll=true"
    #: stands for "<" while ts_headline reads a text; forms refuse control characters, so no text holds one
    LESS_THAN = "\x01"

    def tsquery(self, query):
        parts = [sa.func.phraseto_tsquery(self.ENGLISH, sa.literal(phrase, sa.String)) for phrase in query.phrases]
        if query.is_prefix:
            # a word of letters and digits only: nothing in it is tsquery syntax
            parts[-1] = sa.func.to_tsquery(self.ENGLISH, sa.literal(query.phrases[-1] + ":*", sa.String))
        combined = parts[0]
        for part in parts[1:]:
            combined = combined.op("&&")(part)
        return combined

    def found(self, table, query, partnerships=None):
        index = sa.table(PREFIX + table.name, sa.column("id"), sa.column("document"))
        tsquery = self.tsquery(query)
        matched = tsquery
        if table.name in SCOPED and partnerships is not None:
            # the partnership's lexeme, "#p12", which no typed word becomes
            scope = " | ".join(f"'#p{int(p)}'" for p in partnerships)
            matched = tsquery.op("&&")(sa.cast(sa.literal(scope, sa.String), TSQUERY))
        # normalisation 1: a long text's many words count a little less than a short one's few
        select = sa.select(index.c.id.label("id"), sa.func.ts_rank(index.c.document, tsquery, 1).label("score")) \
            .where(index.c.document.op("@@")(matched))
        return select, index.c.id

    def prepare(self, session):
        # psycopg prepares a statement run five times on a connection, and PostgreSQL may then plan it once for any
        # words and partnerships: a plan that walks the country's index for one partnership's search. A search is
        # planned for its own values.
        session.execute(sa.text("SET LOCAL plan_cache_mode = force_custom_plan"))

    def highlighted(self, select, table, query, ids, partnerships=None):
        tsquery = self.tsquery(query)
        return select, [sa.func.replace(sa.func.ts_headline(
            self.ENGLISH, sa.func.translate(table.c[column], "<", self.LESS_THAN), tsquery, self.HEADLINE),
            self.LESS_THAN, "<") for column in INDEXED[table.name]]
