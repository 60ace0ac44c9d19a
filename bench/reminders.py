"""How a reminder run and its delivery scale: the run's work should follow the reminders due, not the actions
held; delivery should cost the same per email whatever the run loaded before it.

For 10,000 and 100,000 actions (synthetic, deterministic) and for 300 and 3,000 reminders due, it builds a fresh
database in which exactly the same due reminders (the same actions, owners and deadlines, in a partnership of
their own) sit among the synthetic ones, then measures separately:
- the run (decisions and queued emails), its query count, beside a baseline measured in the same run: reading
  every open action, which any run that scanned everything would at least do;
- the delivery of what the run queued to a real SMTP server on the loopback interface (aiosmtpd), per email,
  beside a baseline measured in the same run: the same number of messages sent with smtplib alone over one
  connection.

    .venv/bin/python bench/reminders.py             # SQLite files in a temporary folder
    BENCH_DATABASE_URL=postgresql://... .venv/bin/python bench/reminders.py   # an empty PostgreSQL database
"""
import os
import smtplib
import socket
import sys
import tempfile
import time
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tracker import create_app  # noqa: E402
from tracker.actions.models import Action  # noqa: E402
from tracker.actions.state import london_today  # noqa: E402
from tracker.email import deliver_outbox  # noqa: E402
from tracker.enums import OPEN_STATUSES, Role, Sector  # noqa: E402
from tracker.extensions import db  # noqa: E402
from tracker.partnerships.models import Agency, Membership, Partnership  # noqa: E402
from tracker.reminders.calendar import is_working_day, next_working_day  # noqa: E402
from tracker.reminders.services import run_reminders  # noqa: E402
from tracker.synth import Scale, generate  # noqa: E402

SIZES = (10_000, 100_000)
DUE = (300, 3_000)
#: each owner of a due action has this many due, so ten times the reminders is ten times the emails
PER_OWNER = 3


class Queries:
    def __init__(self, engine):
        self.count = 0
        sa.event.listen(engine, "before_cursor_execute", self._one)

    def _one(self, *args):
        self.count += 1


class Relay:
    """A real SMTP server on the loopback interface that counts what it accepts."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.accepted = 0
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    async def handle_DATA(self, server, session, envelope):
        self.accepted += 1
        return "250 Message accepted for delivery"

    def stop(self):
        self.controller.stop()


def fresh_app(url, migrate=True, **config):
    """The application on an emptied, migrated database (or, with migrate=False, on the database as it is)."""
    from flask_migrate import upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "MAIL_SUPPRESS_SEND": True, "ARGON2_MEMORY_COST": 1024,
                      "ARGON2_TIME_COST": 1, "ARGON2_PARALLELISM": 1, **config})
    if not migrate:
        return app
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
    return app


def _same_due_reminders(today, due):
    """A partnership of its own whose `due` actions (PER_OWNER per owner) fall due for "7 days before" today:
    identical at every size, so the sizes are compared like for like."""
    from tracker.accounts.models import User

    table = Action.__table__
    db.session.execute(sa.update(table).values(next_reminder_on=today + timedelta(days=30))
                       .where(table.c.next_reminder_on.is_not(None)))
    partnership = Partnership(name="Bench: the due reminders", area="Bench")
    db.session.add(partnership)
    db.session.flush()
    agency = Agency(partnership_id=partnership.id, name="Bench agency", sector=Sector.OTHER)
    db.session.add(agency)
    db.session.flush()
    owners = [User(name=f"Bench owner {n}", email=f"bench.owner.{n}@example.org") for n in range(due // PER_OWNER)]
    db.session.add_all(owners)
    db.session.flush()
    db.session.execute(sa.insert(Membership), [dict(user_id=o.id, partnership_id=partnership.id,
                                                     role=Role.AGENCY_LEAD.value, agency_id=agency.id,
                                                     is_chair=False) for o in owners])
    deadline = today + timedelta(days=7)
    db.session.execute(sa.insert(table), [
        dict(partnership_id=partnership.id, source="strategy", title=f"Bench action {n}", outcome="", measure="",
             lead_agency_id=agency.id, owner_id=owners[n // PER_OWNER].id, deadline=deadline,
             original_deadline=deadline, milestones="", funding_source="", staff_time="",
             within_existing_resources=False, review_arrangement="", component="", theme="",
             strategic_objective="", status="in_progress", blocked_reason="", completion_note="",
             closure_reason="", sign_off_reference="", next_reminder_on=today, smart_gaps="", version=1,
             deadline_is_month=False, completed_is_month=False)
        for n in range(due)])
    db.session.commit()


def _baseline_delivery(relay, count):
    """The same number of small messages sent with smtplib alone over one connection."""
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", relay.port, timeout=10) as smtp:
        for n in range(count):
            message = EmailMessage()
            message["From"], message["To"], message["Subject"] = "a@example.org", "b@example.org", f"Bench {n}"
            message.set_content("A line of text.\n" * 20)
            smtp.send_message(message)
    return time.perf_counter() - started


def measure(url, size, due, today):
    relay = Relay()
    app = fresh_app(url, MAIL_SERVER="127.0.0.1", MAIL_PORT=relay.port, MAIL_SUPPRESS_SEND=False,
                    MAIL_USE_TLS=False, MAIL_DEFAULT_SENDER="tracker@example.org")
    try:
        with app.app_context():
            generate(Scale(partnerships=max(10, size // 300), reviews=size // 60, actions=size, updates=0), today)
            _same_due_reminders(today, due)
            db.session.remove()

            table = Action.__table__
            started = time.perf_counter()
            open_rows = len(db.session.execute(sa.select(table).where(
                table.c.status.in_([s.value for s in OPEN_STATUSES]))).all())
            scan = time.perf_counter() - started
            db.session.remove()

            queries = Queries(db.engine)
            started = time.perf_counter()
            plan = run_reminders(today)
            run_seconds = time.perf_counter() - started
            run_queries = queries.count

            # delivery straight after the run, in the process the run left behind
            queries.count = 0
            started = time.perf_counter()
            sent, failed = deliver_outbox()
            delivery_seconds = time.perf_counter() - started
            delivery_queries, accepted = queries.count, relay.accepted
            again = run_reminders(today)
            db.session.remove()
            db.engine.dispose()
        baseline = _baseline_delivery(relay, max(sent, 1))
    finally:
        relay.stop()
    return dict(size=size, due=due, decided=len(plan.logs), emails=plan.message_count, run=run_seconds,
                run_queries=run_queries, scan_rows=open_rows, scan=scan, sent=sent, failed=failed,
                delivery=delivery_seconds, delivery_queries=delivery_queries, accepted=accepted,
                baseline=baseline, second_run=len(again.logs))


def main():
    today = london_today()
    today = today if is_working_day(today) else next_working_day(today)
    url = os.environ.get("BENCH_DATABASE_URL")
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for due in DUE:
            for size in SIZES:
                target = url or f"sqlite:///{Path(folder) / f'bench-{size}-{due}.sqlite3'}"
                results.append(measure(target, size, due, today))
    print(f"Reminder run and delivery on {today} ({'PostgreSQL' if url else 'SQLite'})")
    print(f"{'actions':>9} {'due':>6} {'emails':>7} {'run s':>7} {'queries':>8} {'baseline: read open':>21} "
          f"{'deliver s':>10} {'ms/email':>9} {'queries':>8} {'baseline ms/email':>18} {'second run':>11}")
    for r in results:
        print(f"{r['size']:>9,} {r['due']:>6,} {r['emails']:>7,} {r['run']:>7.3f} {r['run_queries']:>8} "
              f"{r['scan_rows']:>9,} in {r['scan']:>6.3f}s {r['delivery']:>10.3f} "
              f"{1000 * r['delivery'] / max(r['sent'], 1):>9.1f} {r['delivery_queries']:>8} "
              f"{1000 * r['baseline'] / max(r['sent'], 1):>18.1f} {r['second_run']:>11}")
        assert r["sent"] == r["emails"] == r["accepted"] and not r["failed"], r
    for due in DUE:
        small, large = [r for r in results if r["due"] == due]
        print(f"{due:,} due, 100,000 / 10,000 actions: run time x{large['run'] / small['run']:.2f}, queries "
              f"x{large['run_queries'] / small['run_queries']:.2f}, delivery per email "
              f"x{large['delivery'] / small['delivery']:.2f}; baseline scan x{large['scan'] / small['scan']:.2f}")


if __name__ == "__main__":
    main()
