"""Declarative base and column helpers shared by every feature's models."""
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Stable constraint names: SQLite batch migrations can only drop constraints that have names.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.TypeDecorator):
    """Aware UTC timestamps on both databases (SQLite forgets the zone, PostgreSQL keeps it)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime stored; use tracker.db.utcnow()")
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def enum_column(enum_cls, **kwargs):
    """Enumerations stored as their values in a VARCHAR, so adding a member needs no type migration."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=40,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
        **kwargs,
    )


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False)


class RowPagination(SelectPagination):
    """Pagination of a select whose rows carry more than one column (e.g. an action and its derived state). Given
    a Keyset, a page reached by "Next" or "Previous" is read from the row it follows or precedes, so that the
    thousandth page costs what the first does; a page asked for by its number alone is counted to by offset."""

    def _query_items(self):
        select, session, keyset = (self._query_args[name] for name in ("select", "session", "keyset"))
        if keyset is not None:
            rows = keyset.rows(session, select, self.per_page)
            if rows:
                return rows
        return list(session.execute(select.limit(self.per_page).offset(self._query_offset)).all())

    def link_args(self, number):
        """The arguments of a link to page `number`: the row the neighbouring pages start from."""
        keyset = self._query_args["keyset"]
        if keyset is None or not self.items:
            return {}
        if number == self.page + 1:
            return {"after": keyset.key_of(self.items[-1])}
        if number == self.page - 1:
            return {"before": keyset.key_of(self.items[0])}
        return {}

    def _query_count(self):
        total = self._query_args["total"]
        if total is IN_ROWS:
            return self.items[0].total if self.items else super()._query_count()
        return super()._query_count() if total is None else total


#: paginate_rows' `total` for a select that counts its rows in each of them (with_total)
IN_ROWS = object()


def with_total(select):
    """The select with a `total` column: how many rows it has in all, read with a page of them (count over the
    whole filtered set) instead of in a statement of its own."""
    return select.add_columns(sa.func.count().over().label("total"))


def paginate_rows(select, page, per_page, total=None, keyset=None):
    """`total`, where the caller has counted the rows already (with other figures, in one statement), or IN_ROWS
    where the select is with_total's (counted apart only for a page past the last). `keyset`, where the select's
    order is a Keyset's."""
    from tracker.extensions import db

    return RowPagination(select=select, session=db.session(), page=page, per_page=per_page, error_out=False,
                         total=total, keyset=keyset)


@dataclass(frozen=True)
class Keyset:
    """A list's order as (expression, descending) keys, NULLs last, the last key unique (an id); and the row the
    page follows (`after`) or precedes (`before`), by its id, which is the last key (the rows listed begin with
    their record). The row is looked up in the list as filtered: a row that has left it (closed, deleted, hidden),
    or one with nothing beyond it, leaves the page to its number."""

    keys: tuple
    after: int | None = None
    before: int | None = None

    @property
    def order(self):
        return _order(self.keys, nulls_last=True)

    def key_of(self, row):
        return row[0].id

    def rows(self, session, select, per_page):
        """The page after or before the row: None where there is no such row in the list, empty where nothing is
        beyond it."""
        mark = self.after if self.after is not None else self.before
        if mark is None:
            return None
        *_, (id_column, _descending) = self.keys
        values = session.execute(select.with_only_columns(*(expression for expression, _ in self.keys),
                                                          maintain_column_froms=True)
                                 .where(id_column == mark).order_by(None)).first()
        if values is None:
            return None
        forward = self.after is not None
        keys = self.keys if forward else tuple((expression, not descending) for expression, descending in self.keys)
        order, rows = _order(keys, nulls_last=forward), []
        for part in _parts_beyond(keys, values, nulls_last=forward):
            if len(rows) == per_page:
                break
            rows += session.execute(select.where(part).order_by(None).order_by(*order)
                                    .limit(per_page - len(rows))).all()
        return rows if forward else rows[::-1]


def _order(keys, nulls_last):
    order = [expression.desc() if descending else expression.asc() for expression, descending in keys]
    return [by.nulls_last() if nulls_last else by.nulls_first() for by in order]


def _parts_beyond(keys, values, nulls_last):
    """SQL: the rows that come after `values` in the order of `keys` ((expression, descending) pairs), NULLs of the
    first key last or first, as the parts of the order to read one after the other: the rows with a value, bounded
    by the mark's so that an index on the first key is entered there rather than walked from its start, and the
    NULLs. A NULL equals a NULL here, as the order puts them together."""
    (first, descending), value = keys[0], values[0]
    level = _beyond(keys[1:], values[1:])
    if value is None:
        return [sa.and_(first.is_(None), level)] + ([] if nulls_last else [first.is_not(None)])
    bound, further = (first <= value, first < value) if descending else (first >= value, first > value)
    valued = sa.and_(bound, sa.or_(further, sa.and_(first == value, level)))
    return [valued, first.is_(None)] if nulls_last else [valued]


def _beyond(keys, values):
    """SQL: after `values` in the order of keys that are never NULL (the id that breaks a tie, last)."""
    if not keys:
        return sa.false()
    (expression, descending), value = keys[0], values[0]
    further = expression < value if descending else expression > value
    return sa.or_(further, sa.and_(expression == value, _beyond(keys[1:], values[1:])))


def is_taken(column, value, record=None, *where):
    """Whether another row than `record` already has this value in `column`, ignoring case, among `where`."""
    from tracker.extensions import db

    model = column.class_
    query = sa.select(model.id).where(sa.func.lower(column) == value.lower(), *where)
    if record is not None:
        query = query.where(model.id != record.id)
    return db.session.scalar(query) is not None


def length_of(column):
    """A string column's length, so that forms, imports and the database agree on what fits."""
    return column.property.columns[0].type.length


def refresh_statistics():
    """Let the database's planner know how rows are spread, so that it reaches a person's few actions through the
    owner's index rather than walking their partnership's by deadline. SQLite never gathers them itself;
    PostgreSQL's autovacuum does (keep it on). A fraction of a second at national scale (SQLite reads every row:
    its sampled statistics were too rough to choose between those two indexes)."""
    from tracker.extensions import db

    with db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("ANALYZE")
            connection.commit()
