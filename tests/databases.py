"""Databases of a test's own beside the session's (a new SQLite file, or a new PostgreSQL database on the same
server named after the test database: test_h3 gives test_h3_restore), and a populated tracker to fill them from."""
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from tests.conftest import Browser, _testing_config
from tracker import create_app
from tracker.extensions import db

#: every byte value, inside a real PDF's opening, so evidence survives as bytes and not as text
EVIDENCE = b"%PDF-1.7\n" + bytes(range(256)) * 64 + b"\n%%EOF\n"
DAY = date(2027, 3, 10)  # a Wednesday


class FreshDatabases:
    """fresh(name) -> the address of a new, empty database; every one is dropped by drop_all()."""

    def __init__(self, database_url, folder):
        self.base = make_url(database_url)
        self.folder = folder
        self.names, self.apps = [], []

    def __call__(self, name):
        if self.base.get_backend_name() == "sqlite":
            return f"sqlite:///{self.folder / f'{name}.sqlite3'}"
        database = f"{self.base.database}_{name}"
        self._server(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)', f'CREATE DATABASE "{database}"')
        self.names.append(database)
        return self.base.set(database=database).render_as_string(hide_password=False)

    def app(self, url):
        """The tracker on that database, as `flask` would run it there."""
        self.apps.append(create_app(_testing_config(url)))
        return self.apps[-1]

    def drop_all(self):
        for app in self.apps:
            with app.app_context():
                db.engine.dispose()
        if self.names:
            self._server(*(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in self.names))

    def _server(self, *statements):
        engine = sa.create_engine(self.base.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT",
                                  poolclass=sa.pool.NullPool)
        with engine.connect() as connection:
            for statement in statements:
                connection.execute(sa.text(statement))


def rows_of(app, table):
    """A table's rows in primary-key order, read through the models' column types."""
    with app.app_context(), db.engine.connect() as connection:
        return connection.execute(sa.select(table).order_by(*table.primary_key.columns)).all()


def populate(app, make):
    """A tracker in use: the reference benchmarks, the demo partnership, and a second partnership with a review, its
    recommendation, an action due within the week with a supporting agency, progress updates and evidence files, a
    deadline move, a meeting, its own reminder policy, a pause, an agency's alias, a failed sign-in and a password
    reset; the morning's run then writes reminders, a meeting pack and the outbox.
    Returns the agency lead who posted the evidence."""
    from tracker.accounts.models import User
    from tracker.actions import services
    from tracker.actions.models import Action
    from tracker.partnerships.models import Agency
    from tracker.plans.models import AgencyAlias
    from tracker.reminders.models import ReminderPolicy
    from tracker.reports.models import Meeting
    from tracker.reviews.models import ReviewPause

    runner = app.test_cli_runner()
    for command in (["load-reference"], ["demo", "--password", "a long demo password"]):
        result = runner.invoke(args=["tracker", *command], catch_exceptions=False)
        assert result.exit_code == 0, result.output
    p = make.partnership(name="Testshire Domestic Abuse Partnership")
    police = make.agency(p, name="Testshire Police")
    housing = make.agency(p, name="Testshire Housing", sector="housing")
    lead = make.member(p, "agency_lead", agency=police, name="Tom Reid", email="lead@example.org")
    make.member(p, "strategic_member", agency=housing, name="Ann Lee", email="member@example.org")
    chair = make.member(p, "panel_member", name="Margaret Ode")
    review = make.review(p, panel=[(chair, True)])
    recommendation = make.recommendation(review, agencies=[police, housing])
    action = make.action(p, lead_agency=police, owner=lead, deadline=DAY + timedelta(days=7),
                         recommendation_id=recommendation.id, measure="Protocol signed", outcome="GPs told")
    make.update(action, lead, note="Draft protocol", evidence=("protocol.pdf", EVIDENCE))
    make.update(action, lead, note="Signed protocol", evidence=("signed.pdf", EVIDENCE[::-1] + EVIDENCE))
    make.save(Meeting(partnership_id=p.id, meets_on=DAY + timedelta(days=6), pack_days_before=7))
    make.save(ReminderPolicy(partnership_id=p.id, days_before="14,1"))
    make.save(ReviewPause(review_id=review.id, started_on=DAY, reason="Awaiting the criminal trial"))
    make.save(AgencyAlias(partnership_id=p.id, agency_id=police.id, alias="TP", key="tp"))
    with app.app_context():
        moving = db.session.get(Action, action.id)
        moving.supporting_agencies = [db.session.get(Agency, housing.id)]
        services.move_deadline(moving, db.session.get(User, lead.id), DAY + timedelta(days=30),
                               "Waiting for the GP practices' replies", moving.version)
        db.session.remove()
    result = runner.invoke(args=["tracker", "remind", "--date", DAY.isoformat()], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    visitor = Browser(app.test_client())
    visitor.post("/sign-in", {"email": lead.email, "password": "not the password"})
    visitor.post("/forgot-password", {"email": lead.email})
    return lead

