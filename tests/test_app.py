"""The application as a whole: schema matches migrations, config refuses unsafe starts, headers, the morning's
work as the scheduler and `flask tracker remind` do it."""
import logging
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tracker import create_app
from tracker.email import OutboxMessage
from tracker.extensions import db
from tracker.reminders.models import ReminderLog
from tracker.reports.models import Meeting
from tracker.search.index import include_name


def test_migrations_give_exactly_the_models_schema(app):
    # The session's database was built by `flask db upgrade` alone; any difference is drift.
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_name": include_name})
        assert compare_metadata(context, db.metadata) == []


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.setenv("TRACKER_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


@pytest.fixture
def production(monkeypatch, database_url):
    """The environment of a production start with every setting right; each test spoils one."""
    monkeypatch.setenv("TRACKER_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s3cret-from-env")
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("TRACKER_BASE_URL", "https://tracker.example.gov.uk")
    return monkeypatch


@pytest.mark.parametrize("address", [None, "", "tracker.example.gov.uk"])
def test_production_refuses_to_start_without_its_public_address(production, address):
    if address is None:
        production.delenv("TRACKER_BASE_URL")
    else:
        production.setenv("TRACKER_BASE_URL", address)
    with pytest.raises(RuntimeError, match="TRACKER_BASE_URL"):
        create_app()


def test_production_refuses_to_start_without_its_database(production):
    production.delenv("DATABASE_URL")
    with pytest.raises(RuntimeError, match="DATABASE_URL is not set"):
        create_app()


def test_production_refuses_the_public_development_key(production):
    production.setenv("SECRET_KEY", "development-only-not-secret")
    with pytest.raises(RuntimeError, match="SECRET_KEY is the public development key"):
        create_app()


@pytest.mark.parametrize("secret_key, warns", [(None, True), ("s3cret-from-env", False)])
def test_a_development_start_warns_of_the_public_key(monkeypatch, caplog, database_url, secret_key, warns):
    monkeypatch.delenv("TRACKER_ENV", raising=False)
    monkeypatch.setenv("DATABASE_URL", database_url)
    if secret_key is None:
        monkeypatch.delenv("SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("SECRET_KEY", secret_key)
    with caplog.at_level(logging.WARNING):
        create_app()
    warnings = [r.getMessage() for r in caplog.records if "development SECRET_KEY" in r.getMessage()]
    assert len(warnings) == (1 if warns else 0)


def test_production_reads_its_settings_from_the_environment(production):
    app = create_app()
    assert app.config["SECRET_KEY"] == "s3cret-from-env"
    assert app.config["TRACKER_BASE_URL"] == "https://tracker.example.gov.uk"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["MAIL_SUPPRESS_SEND"] is False


def test_pages_carry_security_headers(browser):
    response = browser.get("/sign-in")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


DAY = date(2027, 3, 10)  # a Wednesday


def test_remind_does_the_schedulers_morning_work_and_a_dry_run_does_none(app, make):
    p = make.partnership()
    police = make.agency(p)
    member = make.member(p, "strategic_member", agency=police, email="member@example.org")
    owner = make.member(p, "agency_lead", agency=police, email="owner@example.org")
    make.action(p, lead_agency=police, owner=owner, deadline=DAY + timedelta(days=7))
    meeting = make.save(Meeting(partnership_id=p.id, meets_on=DAY + timedelta(days=6), pack_days_before=7))
    runner = app.test_cli_runner()

    dry = runner.invoke(args=["tracker", "remind", "--date", DAY.isoformat(), "--dry-run"], catch_exceptions=False)
    assert "1 email(s) would be sent; nothing was recorded" in dry.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ReminderLog)) == 0
        assert db.session.get(Meeting, meeting.id).pack_sent_at is None
        db.session.remove()

    run = runner.invoke(args=["tracker", "remind", "--date", DAY.isoformat()], catch_exceptions=False)
    assert "1 meeting pack(s)" in run.output
    with app.app_context():
        to = dict(db.session.execute(sa.select(OutboxMessage.dedupe_key, OutboxMessage.to_address)).all())
        assert to[f"pack:{meeting.id}:{member.id}"] == "member@example.org"
        assert "owner@example.org" in to.values()  # and the reminder, as before
        db.session.remove()


def test_postgresql_connections_run_without_jit_and_group_in_memory(app):
    """JIT compiling cost the largest partnership's register 0.8 s: every PostgreSQL connection turns it off, and
    keeps any other connection options the deployment sets. Each connection may group and sort in 16 MB (the
    progress report sorted 100,000 actions on disk at 4 MB), unless the deployment says otherwise."""
    def options_of(**config):
        configured = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql://tracker@db.example/tracker", **config,
                                 "SQLALCHEMY_ENGINE_OPTIONS": {
                                     "pool_pre_ping": True, "connect_args": {"options": "-c statement_timeout=30s"}}})
        return configured.config["SQLALCHEMY_ENGINE_OPTIONS"]

    options = options_of()
    assert options["pool_pre_ping"] is True
    assert options["connect_args"]["options"] == "-c work_mem=16MB -c statement_timeout=30s -c jit=off"
    assert options_of(POSTGRESQL_WORK_MEM=None)["connect_args"]["options"] == "-c statement_timeout=30s -c jit=off"
    with app.app_context():
        if db.engine.dialect.name == "postgresql":  # and the suite's own connections, when it runs on PostgreSQL
            assert db.session.execute(sa.text("SHOW jit")).scalar() == "off"
            assert db.session.execute(sa.text("SHOW work_mem")).scalar() == "16MB"
            db.session.remove()
