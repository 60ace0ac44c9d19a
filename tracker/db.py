"""Declarative base and column helpers shared by every feature's models."""
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
    """Pagination of a select whose rows carry more than one column (e.g. an action and its derived state)."""

    def _query_items(self):
        select = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(select).all())

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


def paginate_rows(select, page, per_page, total=None):
    """`total`, where the caller has counted the rows already (with other figures, in one statement), or IN_ROWS
    where the select is with_total's (counted apart only for a page past the last)."""
    from tracker.extensions import db

    return RowPagination(select=select, session=db.session(), page=page, per_page=per_page, error_out=False,
                         total=total)


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
