"""Count the SQL statements an application runs, to prove list pages do not query per row."""
import contextlib

import sqlalchemy as sa

from tracker.extensions import db


class Counter:
    count = 0


@contextlib.contextmanager
def count_queries(app):
    counter = Counter()

    def before(*args, **kwargs):
        counter.count += 1

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        yield counter
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
