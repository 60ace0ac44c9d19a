"""Count the SQL statements an application runs, to prove list pages do not query per row."""
import contextlib

import sqlalchemy as sa

from tracker.extensions import db


class Counter:
    def __init__(self):
        self.statements = []

    @property
    def count(self):
        return len(self.statements)


@contextlib.contextmanager
def count_queries(app):
    counter = Counter()

    def before(connection, cursor, statement, *args, **kwargs):
        counter.statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        yield counter
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
