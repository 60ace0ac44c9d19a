"""Failure drills: what a person sees, and what is kept, when the database fails in the middle of their request.
Every fault is made at the database itself, not mocked: PostgreSQL ends the app's server process as an
administrator or a failover would (pg_terminate_backend), SQLite is held locked by another process for longer than
the app waits, and a full disk refuses the evidence file being saved."""
import io
import sqlite3
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import Browser, text
from tests.databases import EVIDENCE
from tracker.actions.evidence import STORAGE_FULL
from tracker.actions.models import Action, EvidenceFile, ProgressUpdate
from tracker.actions.state import london_today
from tracker.audit.models import AuditEntry
from tracker.extensions import db

WRITES = ("INSERT", "UPDATE", "DELETE")


@pytest.fixture
def drill(make, make_app):
    """A tracker of its own (its own connection pool, where the faults are made), an agency lead signed in to it,
    and their open action."""
    p = make.partnership()
    police = make.agency(p)
    lead = make.member(p, "agency_lead", agency=police)
    action = make.action(p, lead_agency=police, owner=lead, deadline=london_today() + timedelta(days=60),
                         measure="Protocol signed", outcome="GPs told")
    app = make_app()
    person = Browser(app.test_client())
    person.sign_in(lead.email)
    with app.app_context():
        engine = db.engine
    return app, engine, person, action


def _kept(app, action_id):
    """What the database holds: the action's updates, evidence files, audit entries, and the action's version."""
    with app.app_context():
        kept = (db.session.scalar(sa.select(sa.func.count()).where(ProgressUpdate.action_id == action_id)),
                db.session.scalar(sa.select(sa.func.count()).select_from(EvidenceFile)),
                db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)),
                db.session.get(Action, action_id).version)
        db.session.remove()
    return kept


def _update_form(person, action_id, note):
    """The update page's fields as a person fills them in, the evidence file attached; the page is read now, so
    that sending it later makes only the write request."""
    return {"note": note, "status": "in_progress", "version": "1",
            "evidence_file": (io.BytesIO(EVIDENCE), "minutes.pdf"),
            "csrf_token": person.csrf_token(f"/actions/{action_id}/update")}


class Outage:
    """Makes the drill tracker's database fail once, at the request's first write or at its commit."""

    def __init__(self, engine, at):
        self.engine, self.at = engine, at
        self.is_armed = self.happened = False
        self.blocker = None
        if engine.dialect.name == "sqlite":
            # the app waits 0.2 s for a lock instead of 5: the drill's waiting is the same, only shorter
            sa.event.listen(engine, "checkout", lambda dbapi, *_: dbapi.execute("PRAGMA busy_timeout = 200"))
        sa.event.listen(engine, "before_cursor_execute", self._on_statement)
        sa.event.listen(engine, "commit", self._on_commit)

    def arm(self):
        self.is_armed = True

    def _on_statement(self, connection, _cursor, statement, *_args):
        if self.is_armed and self.at == "write" and statement.lstrip().upper().startswith(WRITES):
            self._fail(connection)

    def _on_commit(self, connection):
        if self.is_armed and self.at == "commit":
            self._fail(connection)

    def _fail(self, connection):
        self.is_armed, self.happened = False, True
        if self.engine.dialect.name == "sqlite":
            self.blocker = sqlite3.connect(self.engine.url.database, isolation_level=None)
            if self.at == "write":
                self.blocker.execute("BEGIN EXCLUSIVE")  # another process writing: no one else may
            else:
                # another process reading: the app's commit waits for it to finish, and gives up
                self.blocker.execute("BEGIN")
                self.blocker.execute("SELECT count(*) FROM action").fetchone()
            return
        pid = connection.connection.dbapi_connection.info.backend_pid
        administrator = sa.create_engine(self.engine.url, poolclass=sa.pool.NullPool)
        with administrator.connect() as other:
            assert other.scalar(sa.text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
        administrator.dispose()

    def end(self):
        if self.blocker is not None:
            self.blocker.close()  # its transaction ends and the lock goes


@pytest.mark.parametrize("at", ["write", "commit"])
def test_the_database_failing_mid_request_shows_a_clean_page_keeps_nothing_and_the_next_request_works(
        drill, at, caplog):
    app, engine, person, action = drill
    url = f"/actions/{action.id}/update"
    before = _kept(app, action.id)
    outage = Outage(engine, at)
    form = _update_form(person, action.id, "Protocol agreed with the LMC")
    outage.arm()
    try:
        failed = person.upload(url, form)
    finally:
        outage.end()

    assert outage.happened
    assert failed.status_code == 503
    assert failed.headers["Retry-After"] == "60"
    page = text(failed)
    assert "The service is unavailable for a moment" in page and "Nothing was saved" in page
    assert "Traceback" not in failed.get_data(as_text=True)
    assert [r.getMessage().split(":")[0] for r in caplog.records if r.levelname == "ERROR"] == [
        f"Database unavailable during POST {url}"]  # for whoever runs the service
    assert _kept(app, action.id) == before

    retried = person.upload(url, _update_form(person, action.id, "Protocol agreed with the LMC"))
    assert retried.status_code == 302
    updates, files, _entries, version = _kept(app, action.id)
    assert (updates, files, version) == (before[0] + 1, before[1] + 1, before[3] + 1)
    assert "Protocol agreed with the LMC" in text(person.get(f"/actions/{action.id}"))


class FullStorage:
    """A database with no room for an evidence file. SQLite: the drill tracker's connections may not grow the file
    (PRAGMA max_page_count, after a VACUUM has left no free pages), so the write fails with SQLITE_FULL, "database
    or disk is full". PostgreSQL: a trigger on evidence_file raises SQLSTATE 53100 disk_full, the error the server
    raises when it cannot extend a file; it stands in for a full disk, which a test cannot safely make."""

    def __init__(self, app, engine):
        self.app, self.engine, self.is_full = app, engine, False
        if engine.dialect.name == "sqlite":
            with sqlite3.connect(engine.url.database, isolation_level=None) as connection:
                connection.execute("VACUUM")
                self.room = connection.execute("PRAGMA max_page_count").fetchone()[0]
            sa.event.listen(engine, "checkout", self._limit)

    def _limit(self, dbapi_connection, _record, _proxy):
        # below the file's size SQLite keeps the size: not one page more
        dbapi_connection.execute(f"PRAGMA max_page_count = {1 if self.is_full else self.room}")

    def fill(self):
        self.is_full = True
        self._postgresql("""
            CREATE FUNCTION drill_disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full';
            END $$;
            CREATE TRIGGER drill_disk_full BEFORE INSERT ON evidence_file
                FOR EACH ROW EXECUTE FUNCTION drill_disk_full()""")

    def clear(self):
        self.is_full = False
        self._postgresql("DROP TRIGGER IF EXISTS drill_disk_full ON evidence_file; "
                         "DROP FUNCTION IF EXISTS drill_disk_full()")

    def _postgresql(self, sql):
        if self.engine.dialect.name == "postgresql":
            with self.app.app_context(), db.engine.begin() as connection:
                connection.exec_driver_sql(sql)


def test_storage_full_while_saving_evidence_says_so_keeps_nothing_and_the_next_upload_works(app, drill):
    drill_app, engine, person, action = drill
    url = f"/actions/{action.id}/update"
    before = _kept(drill_app, action.id)
    storage = FullStorage(app, engine)
    form = _update_form(person, action.id, "Minutes of the delivery group attached")
    storage.fill()
    try:
        refused = person.upload(url, form)
        kept = _kept(drill_app, action.id)
    finally:
        storage.clear()

    assert refused.status_code == 507
    page = text(refused)
    assert STORAGE_FULL in page
    assert 'id="evidence_file-error"' in refused.get_data(as_text=True)  # beside the file field
    assert "Minutes of the delivery group attached" in page  # what was typed is kept
    assert kept == before  # no update, no file, no audit entry, the action unchanged

    accepted = person.upload(url, _update_form(person, action.id, "Minutes of the delivery group attached"))
    assert accepted.status_code == 302
    with drill_app.app_context():
        update = db.session.scalar(sa.select(ProgressUpdate).where(ProgressUpdate.action_id == action.id))
        update_id = update.id
        db.session.remove()
    download = person.get(f"/actions/{action.id}/evidence/{update_id}")
    assert download.data == EVIDENCE
