"""Several processes on one database, as production runs the tracker (README, "Production"): two gunicorn app
processes of two workers each, as a load balancer spreads requests over them, and two scheduler processes, on a
fresh database of the suite's kind (PostgreSQL, or an SQLite file the processes share). A session started through
one app process holds on the other; what is written through one is read through the other; two people saving the
same action at the same moment through different processes: one save stands and the other person is told, their
words kept on the form; and two schedulers doing the morning's work at once decide each reminder once and email
each person once."""
import http.client
import os
import re
import socket
import subprocess
import sys
import threading
from datetime import date, timedelta
from html import unescape
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from tests import factories as make
from tests.databases import FreshDatabases
from tracker import ROOT
from tracker.actions.models import ProgressUpdate
from tracker.actions.state import london_today
from tracker.email import OutboxMessage
from tracker.extensions import db
from tracker.reminders.models import ReminderLog

DAY = date(2027, 3, 10)  # a Wednesday: the schedulers' run is for a working day whatever day the test runs on
READY_WITHIN = 60  # seconds: far beyond what a process needs on a loaded machine, never waited out when all is well
STALE = "saved this action while you were editing it"


class Process:
    """One process of the deployment. Its output is read as it comes, so that the test waits for what the process
    says rather than for a length of time."""

    def __init__(self, name, command, env):
        self.name = name
        self.lines, self.ended = [], False
        self.said = threading.Condition()
        self.popen = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                      text=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.popen.stdout:
            with self.said:
                self.lines.append(line.rstrip("\n"))
                self.said.notify_all()
        with self.said:
            self.ended = True
            self.said.notify_all()

    def wait_for(self, pattern):
        """The first line matching `pattern`, once the process has said it."""
        def found():
            return next((m for line in self.lines if (m := re.search(pattern, line))), None)

        with self.said:
            self.said.wait_for(lambda: found() or self.ended, READY_WITHIN)
            match = found()
        assert match, f"{self.name} did not say {pattern!r}; it said:\n{self.output}"
        return match

    @property
    def output(self):
        return "\n".join(self.lines)

    def stop(self):
        self.popen.terminate()
        try:
            self.popen.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()
        self.reader.join()
        self.popen.stdout.close()


class Page:
    def __init__(self, response):
        self.status = response.status
        self.location = response.getheader("Location")
        self.html = response.read().decode()

    def field(self, name):
        match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', self.html)
        assert match, f"no {name} field on the page"
        return unescape(match.group(1))


class Visitor:
    """A person at a browser whose every request goes to the app process on `port`, as the load balancer sends
    it: one browser, one cookie jar, whichever process answers."""

    def __init__(self):
        self.cookies = {}

    def request(self, port, method, path, form=None):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=READY_WITHIN)
        headers = {"Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items())}
        if form is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, urlencode(form) if form is not None else None, headers)
            response = connection.getresponse()
            for cookie in response.headers.get_all("Set-Cookie") or ():
                name, value = cookie.split(";", 1)[0].split("=", 1)
                self.cookies[name] = value
            return Page(response)
        finally:
            connection.close()

    def get(self, port, path):
        page = self.request(port, "GET", path)
        assert page.status == 200, (path, page.status, page.html[:2000])
        return page

    def form(self, port, path):
        """The form's hidden fields as the page gives them (the CSRF token, and the version it was read at)."""
        page = self.get(port, path)
        fields = {"csrf_token": page.field("csrf_token")}
        if 'name="version"' in page.html:
            fields["version"] = page.field("version")
        return fields

    def sign_in(self, port, email):
        """Sign in with the password alone: an agency lead's role needs no second factor."""
        form = self.form(port, "/sign-in")
        page = self.request(port, "POST", "/sign-in", {**form, "email": email, "password": make.PASSWORD})
        assert page.status == 302 and page.location == "/", page.html[:2000]


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _populate(app):
    """Two agency leads of one police force and the action they share (for the app processes); and a partnership
    whose three owners each have an action due in a week and one a week overdue on DAY (for the schedulers)."""
    previous, make.APP = make.APP, app
    try:
        west = make.partnership(name="Westshire Domestic Abuse Partnership")
        police = make.agency(west, name="Westshire Police")
        tom = make.member(west, "agency_lead", agency=police, name="Tom Reid")
        priya = make.member(west, "agency_lead", agency=police, name="Priya Shah")
        # far enough off that no reminder about it is due on DAY, or today
        shared = make.action(west, title="Train call handlers in coercive control", lead_agency=police, owner=tom,
                             deadline=max(london_today(), DAY) + timedelta(days=90))
        north = make.partnership(name="Northshire Domestic Abuse Partnership")
        owners = []
        for n in range(3):
            agency = make.agency(north, name=f"Northshire agency {n}")
            owner = make.member(north, "agency_lead", agency=agency, name=f"Owner {n}")
            make.action(north, title=f"Due soon {n}", lead_agency=agency, owner=owner, deadline=DAY + timedelta(7))
            make.action(north, title=f"Overdue {n}", lead_agency=agency, owner=owner, deadline=DAY - timedelta(7))
            owners.append(owner)
    finally:
        make.APP = previous
    return tom, priya, shared, owners


@pytest.fixture
def deployment(database_url, tmp_path, smtp_server):
    """The tracker deployed on a fresh database: migrated with `flask db upgrade`, given its people and actions,
    then served by two gunicorn processes while two schedulers start, each doing the morning's work for DAY."""
    databases = FreshDatabases(database_url, tmp_path)
    processes = []
    try:
        url = databases("processes")
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "several-processes-test-key",
               "TRACKER_BASE_URL": "https://tracker.example.gov.uk", "MAIL_SERVER": "127.0.0.1",
               "MAIL_PORT": str(smtp_server.port), "MAIL_SUPPRESS_SEND": "0"}
        env.pop("TRACKER_ENV", None)
        flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
        migrated = subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, capture_output=True, text=True,
                                  timeout=120)
        assert migrated.returncode == 0, migrated.stderr
        app = databases.app(url)
        tom, priya, shared, owners = _populate(app)

        ports = [_free_port(), _free_port()]
        for n, port in enumerate(ports, 1):
            processes.append(Process(f"app process {n}", [
                sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
                "--workers", "2"], env))
        for n in (1, 2):
            processes.append(Process(f"scheduler {n}", [
                *flask, "tracker", "scheduler", "--run-now", "--date", DAY.isoformat()], env))
        for server, port in zip(processes[:2], ports, strict=True):
            # bound and listening: from now on a request waits in the queue until a worker has loaded the app
            server.wait_for(rf"Listening at: http://127\.0\.0\.1:{port}\b")
        yield app, ports, processes[2:], (tom, priya, shared, owners)
    finally:
        for process in processes:
            process.stop()
            print(f"--- {process.name} ---\n{process.output}")  # shown when the test fails
        databases.drop_all()


def _at_once(*requests):
    """Send the requests at the same moment, each from its own thread; their answers in the same order."""
    start = threading.Barrier(len(requests))
    answers = [None] * len(requests)

    def send(n, request):
        start.wait()
        answers[n] = request()

    threads = [threading.Thread(target=send, args=(n, request)) for n, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_two_app_processes_and_two_schedulers_share_one_database_consistently(deployment, database_url,
                                                                              smtp_server):
    app, (first, second), schedulers, (tom, priya, shared, owners) = deployment
    action_page, update_page = f"/actions/{shared.id}", f"/actions/{shared.id}/update"

    # signed in through the first process, Tom is signed in on the second
    tom_at = Visitor()
    tom_at.sign_in(first, tom.email)
    home = tom_at.get(second, "/").html
    assert "Tom Reid" in home and "Sign out" in home

    # his update, posted through the first process, is on the action's page served by the second
    posted = tom_at.request(first, "POST", update_page, {
        **tom_at.form(first, update_page), "note": "Course for the call handlers booked for May",
        "status": "in_progress"})
    assert posted.status == 302 and posted.location == action_page, posted.html[:2000]
    assert "Course for the call handlers booked for May" in tom_at.get(second, action_page).html

    # Tom and Priya both open the update form, through different processes, and press save at the same moment
    priya_at = Visitor()
    priya_at.sign_in(second, priya.email)
    notes = {"tom": "Twelve call handlers trained in April", "priya": "The May course is cancelled"}
    tom_form, priya_form = tom_at.form(first, update_page), priya_at.form(second, update_page)
    assert tom_form["version"] == priya_form["version"]
    answers = dict(zip(notes, _at_once(
        lambda: tom_at.request(first, "POST", update_page, {**tom_form, "note": notes["tom"], "status": "in_progress"}),
        lambda: priya_at.request(second, "POST", update_page, {**priya_form, "note": notes["priya"],
                                                               "status": "blocked", "blocked_reason": "No trainer"}),
    ), strict=True))
    assert sorted(page.status for page in answers.values()) == [200, 302], {k: p.status for k, p in answers.items()}
    winner = next(who for who, page in answers.items() if page.status == 302)
    loser = "priya" if winner == "tom" else "tom"
    refused = answers[loser]
    # the one who lost is told who saved first, and their words are still on the form to save again
    assert f"{'Tom Reid' if winner == 'tom' else 'Priya Shah'} {STALE}" in refused.html
    assert notes[loser] in refused.html
    # both processes show the winner's update and not the loser's: nothing was overwritten, nothing half-saved
    for visitor, port in ((tom_at, second), (priya_at, first)):
        page = visitor.get(port, action_page).html
        assert notes[winner] in page and notes[loser] not in page
    with app.app_context():
        saved = db.session.scalars(sa.select(ProgressUpdate.note).where(ProgressUpdate.action_id == shared.id)
                                   .order_by(ProgressUpdate.id)).all()
    assert saved == ["Course for the call handlers booked for May", notes[winner]]

    # both schedulers did (or, on PostgreSQL, left to the leader) the morning's work for DAY, at the same time
    said = [scheduler.wait_for(r"^Run for \S+: (\d+) reminder decision|^Another scheduler leads")
            for scheduler in schedulers]
    for scheduler in schedulers:
        scheduler.wait_for("^Scheduler running")
    decided = [int(match.group(1)) for match in said if match.group(0).startswith("Run for")]
    if database_url.startswith("postgres"):
        assert len(decided) == 1, "one scheduler holds the advisory lock and does the work; the other stands by"
    else:
        assert len(decided) == 2, "an SQLite database has no leader lock: both act, the reminder log's key holds"
    with app.app_context():
        reminders = db.session.execute(sa.select(ReminderLog.action_id, ReminderLog.kind, ReminderLog.deadline)).all()
        messages = db.session.execute(sa.select(OutboxMessage.to_address, OutboxMessage.kind, OutboxMessage.status)
                                      .where(OutboxMessage.kind.like("reminders.%"))).all()
    # one decision per (action, kind, deadline), each taken by exactly one of the schedulers
    assert len(reminders) == len(set(reminders)) == sum(decided) > 0
    assert {(kind, deadline) for _action, kind, deadline in reminders} >= {
        ("before:7", DAY + timedelta(7)), ("overdue:1", DAY - timedelta(7))}
    # one email per person per run, each sent once, and each owner's names both their actions
    assert sorted(to for to, _kind, _status in messages) == sorted(owner.email for owner in owners)
    assert {status.value for *_rest, status in messages} == {"sent"}
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(to for to, *_rest in messages)
    for n, owner in enumerate(owners):
        [email] = [m for m in smtp_server.to(owner.email) if "attention" in m["Subject"]]
        body = email.get_body(("plain",)).get_content()
        assert f"Due soon {n}" in body and f"Overdue {n}" in body

