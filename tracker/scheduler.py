"""The only place that knows schedules. `flask tracker scheduler` runs it as its own process, never inside the web
workers (each would run every job). Several scheduler processes may run against one PostgreSQL database: an
advisory lock makes one the leader; the reminder log's unique key holds even if two act."""
import logging
from dataclasses import dataclass

import sqlalchemy as sa
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from tracker.extensions import db

log = logging.getLogger(__name__)
LONDON = "Europe/London"
LEADER_LOCK = 0x7472_6163  # "trac": a constant shared by every scheduler of this database
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}


class Leadership:
    """A PostgreSQL advisory lock held on a dedicated connection for the process's lifetime (a lock taken on a
    pooled connection would be released when the connection went back to the pool)."""

    def __init__(self, engine):
        # its own unpooled engine: closing the connection must really end the session, and the lock with it
        self.engine = sa.create_engine(engine.url, poolclass=sa.pool.NullPool) \
            if engine.dialect.name == "postgresql" else engine
        self.connection = None

    def is_leader(self):
        if self.engine.dialect.name != "postgresql":
            return True  # an embedded database serves one instance
        if self.connection is not None:
            try:
                self.connection.exec_driver_sql("SELECT 1")
                return True
            except sa.exc.DBAPIError:
                self.connection = None  # the connection died, and the lock with it: try again
        connection = self.engine.connect()
        got = connection.execute(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": LEADER_LOCK}).scalar()
        connection.commit()
        if got:
            self.connection = connection
            log.info("This scheduler is the leader")
            return True
        connection.close()
        return False

    def release(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None
        if self.engine.dialect.name == "postgresql":
            self.engine.dispose()


@dataclass
class DailyRun:
    """What a morning's run did; a dry run fills in the reminders alone."""

    #: the reminder run's plan (tracker.reminders.services.Plan)
    reminders: object
    packs: int = 0
    morning_emails: int = 0
    sent: int = 0
    failed: int = 0
    #: audit entries of views older than AUDIT_VIEW_RETENTION_DAYS, deleted
    views_purged: int = 0


def daily_run(today, dry_run=False):
    """The morning's work, one function for the 07:00 job and `flask tracker remind` so that they cannot drift apart:
    remind and escalate (nothing on a bank holiday; the next working day catches up), send the packs of meetings now
    close enough, flag answers due from bodies beyond the partnership (and assessments due to be looked at again) to
    coordinators and remind the bodies' contacts, send the morning email of hand-offs, then deliver; forget views
    older than the audit log keeps them; and refresh the planner's statistics. A dry run plans the reminders only:
    it records and sends nothing."""
    from tracker.audit.services import purge_view_entries
    from tracker.benchmarks.rebenchmark import send_rebenchmark_reminders
    from tracker.bodies.services import remind_bodies
    from tracker.db import refresh_statistics
    from tracker.email import deliver_outbox
    from tracker.notifications.services import check_rechecks, check_responses, send_morning_emails
    from tracker.reminders.services import run_reminders
    from tracker.reports.meetings import send_due_packs
    from tracker.reviews.requests import remind_agency_requests

    plan = run_reminders(today, dry_run=dry_run)
    if dry_run:
        return DailyRun(plan)
    packs = send_due_packs(today)
    check_responses(today)
    check_rechecks(today)
    remind_agency_requests(today)
    remind_bodies(today)
    send_rebenchmark_reminders(today)
    morning_emails = send_morning_emails()
    sent, failed = deliver_outbox()
    run = DailyRun(plan, packs, morning_emails, sent, failed, purge_view_entries())
    refresh_statistics()
    return run


def reminder_job(app, leadership, today=None):
    """07:00 on weekdays: the daily run, by the leader only. Returns what it did, or None when another scheduler
    leads."""
    from tracker.actions.state import london_today

    with app.app_context():
        if not leadership.is_leader():
            return None
        run = daily_run(today or london_today())
        db.session.remove()
    return run


def delivery_job(app, leadership):
    """Every minute: send what is queued and due, including retries after a failure."""
    from tracker.email import deliver_outbox

    with app.app_context():
        if not leadership.is_leader():
            return
        deliver_outbox()
        db.session.remove()


def build(app):
    with app.app_context():
        leadership = Leadership(db.engine)
    scheduler = BlockingScheduler(timezone=LONDON, job_defaults=JOB_DEFAULTS)
    scheduler.add_job(reminder_job, CronTrigger(day_of_week="mon-fri", hour=7, minute=0, timezone=LONDON),
                      args=(app, leadership), id="reminders", replace_existing=True)
    scheduler.add_job(delivery_job, IntervalTrigger(minutes=1, timezone=LONDON), args=(app, leadership),
                      id="deliver-outbox", replace_existing=True)
    return scheduler, leadership
