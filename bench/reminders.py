"""How a reminder run scales: its work should follow the number of reminders due, not the number of actions.

Builds a fresh database at 10,000 and at 100,000 actions (synthetic, deterministic) with the same few hundred
reminders due, runs the reminder job, and prints its time and query count beside a baseline measured in the same
run: reading every open action, which is what a run that scanned everything would have to do at least.

    .venv/bin/python bench/reminders.py             # SQLite files in a temporary folder
    BENCH_DATABASE_URL=postgresql://... .venv/bin/python bench/reminders.py   # an empty PostgreSQL database
"""
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tracker import create_app  # noqa: E402
from tracker.actions.models import Action  # noqa: E402
from tracker.actions.state import london_today  # noqa: E402
from tracker.enums import OPEN_STATUSES  # noqa: E402
from tracker.extensions import db  # noqa: E402
from tracker.reminders.calendar import is_working_day, next_working_day  # noqa: E402
from tracker.reminders.services import run_reminders  # noqa: E402
from tracker.synth import Scale, generate  # noqa: E402

SIZES = (10_000, 100_000)
DUE = 300


class Queries:
    def __init__(self, engine):
        self.count = 0
        sa.event.listen(engine, "before_cursor_execute", self._one)

    def _one(self, *args):
        self.count += 1


def fresh_app(url):
    from flask_migrate import upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "MAIL_SUPPRESS_SEND": True, "ARGON2_MEMORY_COST": 1024,
                      "ARGON2_TIME_COST": 1, "ARGON2_PARALLELISM": 1})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
    return app


def measure(url, size, today):
    app = fresh_app(url)
    with app.app_context():
        generate(Scale(partnerships=max(10, size // 300), reviews=size // 60, actions=size, updates=0), today)
        table = Action.__table__
        db.session.execute(sa.update(table).values(next_reminder_on=today + timedelta(days=30))
                           .where(table.c.next_reminder_on.is_not(None)))
        due = db.session.scalars(sa.select(table.c.id).where(table.c.status.in_([s.value for s in OPEN_STATUSES]))
                                 .order_by(table.c.id).limit(DUE)).all()
        db.session.execute(sa.update(table).where(table.c.id.in_(due))
                           .values(deadline=today + timedelta(days=7), next_reminder_on=today))
        db.session.commit()
        db.session.remove()

        started = time.perf_counter()
        open_rows = len(db.session.execute(sa.select(table).where(
            table.c.status.in_([s.value for s in OPEN_STATUSES]))).all())
        scan = time.perf_counter() - started
        db.session.remove()

        queries = Queries(db.engine)
        started = time.perf_counter()
        plan = run_reminders(today)
        elapsed = time.perf_counter() - started
        again = run_reminders(today)
        db.session.remove()
        db.engine.dispose()
    return dict(size=size, due=len(plan.logs), messages=plan.message_count, seconds=elapsed,
                queries=queries.count, scan_rows=open_rows, scan_seconds=scan, second_run=len(again.logs))


def main():
    today = london_today()
    today = today if is_working_day(today) else next_working_day(today)
    url = os.environ.get("BENCH_DATABASE_URL")
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for size in SIZES:
            target = url or f"sqlite:///{Path(folder) / f'bench-{size}.sqlite3'}"
            results.append(measure(target, size, today))
    print(f"Reminder run on {today} ({'PostgreSQL' if url else 'SQLite'}), {DUE} reminders due at each size")
    print(f"{'actions':>9} {'decided':>8} {'emails':>7} {'run s':>8} {'queries':>8} {'baseline: read open':>20} "
          f"{'second run':>11}")
    for r in results:
        print(f"{r['size']:>9,} {r['due']:>8} {r['messages']:>7} {r['seconds']:>8.3f} {r['queries']:>8} "
              f"{r['scan_rows']:>9,} in {r['scan_seconds']:>6.3f}s {r['second_run']:>11}")
    small, large = results
    print(f"100,000 / 10,000: actions x{large['size'] / small['size']:.0f}, run time "
          f"x{large['seconds'] / small['seconds']:.2f}, queries x{large['queries'] / small['queries']:.2f}, "
          f"baseline scan x{large['scan_seconds'] / small['scan_seconds']:.2f}")


if __name__ == "__main__":
    main()
