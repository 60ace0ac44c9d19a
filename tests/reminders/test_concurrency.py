"""Several schedulers at once: the reminder log's unique key, the leader lock, and two real processes."""
import os
import subprocess
import sys
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from tracker import ROOT
from tracker.email import OutboxMessage
from tracker.extensions import db
from tracker.reminders.models import ReminderLog
from tracker.reminders.services import _record, plan_run, run_reminders
from tracker.scheduler import Leadership

DAY = date(2027, 3, 10)


@pytest.fixture
def due_actions(make):
    p = make.partnership()
    agencies = [make.agency(p) for _ in range(3)]
    owners = [make.member(p, "agency_lead", agency=a) for a in agencies]
    for n, (agency, owner) in enumerate(zip(agencies, owners, strict=True)):
        make.action(p, title=f"Due soon {n}", lead_agency=agency, owner=owner, deadline=DAY + timedelta(days=7))
        make.action(p, title=f"Overdue {n}", lead_agency=agency, owner=owner, deadline=DAY - timedelta(days=7))
    return owners


def test_a_second_decision_for_the_same_reminder_is_impossible(app, make_app, due_actions):
    other = make_app()
    with app.app_context():
        first = plan_run(DAY)
    with other.app_context():
        second = plan_run(DAY)  # both looked before either wrote: a true race
    assert len(first.logs) == len(second.logs) > 0
    with app.app_context():
        _record(first)
        db.session.commit()
    with other.app_context():
        with pytest.raises(sa.exc.IntegrityError):
            _record(second)
        db.session.rollback()
        again = run_reminders(DAY)  # what the loser does next: nothing is left to decide
        assert again.logs == [] and again.message_count == 0
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 3


def test_two_scheduler_processes_racing_send_each_reminder_once(app, database_url, smtp_server, due_actions):
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "race-test", "MAIL_SERVER": "127.0.0.1",
           "MAIL_PORT": str(smtp_server.port), "MAIL_SUPPRESS_SEND": "0",
           "TRACKER_BASE_URL": "https://tracker.example.gov.uk"}
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "tracker", "remind", "--date", DAY.isoformat()]
    runs = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            for _ in range(2)]
    outputs = [run.communicate(timeout=120)[0].decode() for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    # three owners, each one digest (due soon and overdue) and nothing twice, whichever process won
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(o.email for o in due_actions)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 3
        kinds = db.session.execute(sa.select(ReminderLog.action_id, ReminderLog.kind)).all()
        assert len(kinds) == len(set(kinds))


def test_only_one_scheduler_leads_on_postgresql(app):
    with app.app_context():
        engine = db.engine
        first, second = Leadership(engine), Leadership(engine)
        try:
            assert first.is_leader()
            if engine.dialect.name == "postgresql":
                assert not second.is_leader()
                first.release()
                assert second.is_leader()
            else:
                assert second.is_leader()  # an embedded database serves one instance: no lock needed
        finally:
            first.release()
            second.release()
