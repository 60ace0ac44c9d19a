"""Report times and query counts at national scale, and the memory a 100,000-row CSV export needs.

Generates (deterministically) 350 partnerships, 2,000 DHRs, 120,000 actions and 600,000 progress updates, about
5% overdue, then times the overdue, progress and learning reports for one partnership and for the largest number
of its actions a reader may see. Then streams a 100,000-action partnership's CSV export and compares its peak
memory with building the same file whole (the baseline, measured in the same run).

    .venv/bin/python bench/reports.py
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench .venv/bin/python bench/reports.py
"""
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reminders import Queries, fresh_app  # noqa: E402

from tracker.accounts.models import User  # noqa: E402
from tracker.actions.services import ActionFilters, export_header, export_rows  # noqa: E402
from tracker.actions.state import london_today  # noqa: E402
from tracker.extensions import db  # noqa: E402
from tracker.partnerships.models import Partnership  # noqa: E402
from tracker.reports import services  # noqa: E402
from tracker.spreadsheets import csv_lines  # noqa: E402
from tracker.synth import Scale, generate  # noqa: E402


def timed(function):
    queries = Queries(db.engine)
    started = time.perf_counter()
    result = function()
    elapsed = time.perf_counter() - started
    sa.event.remove(db.engine, "before_cursor_execute", queries._one)
    return result, elapsed, queries.count


def national(url, today):
    app = fresh_app(url)
    with app.app_context():
        started = time.perf_counter()
        counts = generate(Scale(), today)
        generated = time.perf_counter() - started
        partnership = db.session.scalar(sa.select(Partnership).order_by(Partnership.id).limit(1))
        coordinator = db.session.scalar(sa.select(User).where(User.email.like("coordinator.%")).order_by(User.id))
        scope = services.scope_for(coordinator, partnership)
        rows = []
        for name, run in (("overdue", lambda: services.overdue_report(scope, today)),
                          ("progress", lambda: services.progress_report(scope, today)),
                          ("learning", lambda: services.learning_report(scope, today))):
            db.session.remove()
            result, seconds, queries = timed(run)
            rows.append((name, seconds, queries, result))
        db.session.remove()
        db.engine.dispose()
    return counts, generated, rows


def csv_memory(url, today):
    app = fresh_app(url)
    with app.app_context():
        generate(Scale(partnerships=1, reviews=50, actions=100_000, updates=0), today)
        partnership_id = db.session.scalar(sa.select(Partnership.id))
        coordinator_id = db.session.scalar(sa.select(User.id).where(User.email.like("coordinator.%")))

        def rows():  # as the request would, with the signed-in person and the partnership in its session
            return export_rows(db.session.get(User, coordinator_id), db.session.get(Partnership, partnership_id),
                               ActionFilters(), today)

        def stream():
            size = 0
            for line in csv_lines(export_header(), rows()):
                size += len(line)
            return size

        def whole():
            return len("".join(list(csv_lines(export_header(), list(rows())))))

        figures = []
        for name, run in (("streamed", stream), ("built whole (baseline)", whole)):
            db.session.remove()
            tracemalloc.start()
            started = time.perf_counter()
            size = run()
            elapsed = time.perf_counter() - started
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            figures.append((name, size, elapsed, peak))
        db.session.remove()
        db.engine.dispose()
    return figures


def main():
    today = london_today()
    url = os.environ.get("BENCH_DATABASE_URL")
    with tempfile.TemporaryDirectory() as folder:
        counts, generated, rows = national(url or f"sqlite:///{Path(folder) / 'national.sqlite3'}", today)
        figures = csv_memory(url or f"sqlite:///{Path(folder) / 'csv.sqlite3'}", today)
    kind = "PostgreSQL" if url else "SQLite"
    print(f"National synthetic data ({kind}): {counts}, generated in {generated:.1f} s")
    print(f"{'report':>10} {'seconds':>8} {'queries':>8}  what it found (one partnership)")
    for name, seconds, queries, result in rows:
        if name == "overdue":
            found = f"{result.total} overdue actions in {len(result.by_agency)} agencies"
        elif name == "progress":
            found = f"{result.total} actions, {result.completion_rate}% done, {len(result.reviews)} review plans"
        else:
            found = f"{result['reviews']} reviews, {len(result['themes'])} themes"
        print(f"{name:>10} {seconds:>8.3f} {queries:>8}  {found}")
    print("CSV export of a 100,000-action partnership:")
    for name, size, elapsed, peak in figures:
        print(f"  {name:<24} {size / 1e6:6.1f} MB of CSV in {elapsed:5.1f} s, peak Python memory {peak / 1e6:7.1f} MB")
    streamed, whole = figures
    print(f"  streamed peak / whole peak = {streamed[3] / whole[3]:.3f}")


if __name__ == "__main__":
    main()
