"""Re-benchmarking: when a partnership's next CCR benchmark falls due, and the coordinators' reminders of it."""
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext

from tracker.benchmarks.models import Benchmark
from tracker.email import queue_email
from tracker.errors import ValidationFailed
from tracker.extensions import db
from tracker.i18n import in_language_of, long_date
from tracker.notifications.services import coordinators_of
from tracker.partnerships.models import Partnership
from tracker.reviews.services import add_months

#: the coordinators hear this many months before the next benchmark is due, then again when it is due
WARNING_MONTHS = 3
#: the shortest and longest gap between benchmarks a partnership may choose
SHORTEST, LONGEST = 6, 120


@dataclass(frozen=True)
class NextBenchmark:
    """When the partnership's next benchmark is due, counted from the start of its latest one."""

    latest: Benchmark
    due_on: date

    @property
    def warned_from(self):
        return add_months(self.due_on, -WARNING_MONTHS)

    def stage(self, today):
        """"due" on and after the due date, "soon" in the months before it, None before then."""
        return "due" if today >= self.due_on else "soon" if today >= self.warned_from else None


def next_benchmark(partnership):
    """The next benchmark's due date, or None before the partnership's first benchmark."""
    latest = db.session.scalar(sa.select(Benchmark).where(Benchmark.partnership_id == partnership.id)
                               .order_by(Benchmark.started_on.desc(), Benchmark.id.desc()).limit(1))
    if latest is None:
        return None
    return NextBenchmark(latest, add_months(latest.started_on, partnership.rebenchmark_months))


def save_interval(partnership, months):
    """How many months the partnership leaves between benchmarks."""
    if months is None or not SHORTEST <= months <= LONGEST:
        raise ValidationFailed({"rebenchmark_months": gettext(
            "Enter a number of months from %(shortest)d to %(longest)d", shortest=SHORTEST, longest=LONGEST)})
    partnership.rebenchmark_months = months
    db.session.commit()


def send_rebenchmark_reminders(today):
    """Tell each partnership's coordinators, in their language, that the next benchmark is due within
    WARNING_MONTHS and again once it is due: once each, per due date (a new benchmark or a new interval makes a new
    due date, and news again). The outbox's unique key keeps a repeated or late run from sending twice; a run that
    first finds a benchmark already due sends only the "due" reminder."""
    latest = sa.select(Benchmark.partnership_id).group_by(Benchmark.partnership_id)
    queued = 0
    for partnership in db.session.scalars(sa.select(Partnership).where(Partnership.id.in_(latest))
                                          .order_by(Partnership.id)):
        upcoming = next_benchmark(partnership)
        stage = upcoming.stage(today)
        if stage is None:
            continue
        for person in coordinators_of(partnership.id):
            with in_language_of(person):
                subject = (gettext("The next CCR benchmark of %(partnership)s is due", partnership=partnership.name)
                           if stage == "due" else
                           gettext("The next CCR benchmark of %(partnership)s is due on %(date)s",
                                   partnership=partnership.name, date=long_date(upcoming.due_on)))
                message = queue_email(
                    "benchmarks/rebenchmark", to=person.email, subject=subject,
                    dedupe_key=f"rebenchmark:{partnership.id}:{upcoming.due_on.isoformat()}:{stage}:{person.id}",
                    kind="benchmarks.rebenchmark", partnership_id=partnership.id, user_id=person.id, person=person,
                    partnership=partnership, upcoming=upcoming, is_due=stage == "due")
            queued += message is not None
    db.session.commit()
    return queued
