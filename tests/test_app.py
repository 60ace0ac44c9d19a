"""The application as a whole: schema matches migrations, config refuses unsafe starts, headers."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tracker import create_app
from tracker.extensions import db


def test_migrations_give_exactly_the_models_schema(app):
    # The session's database was built by `flask db upgrade` alone; any difference is drift.
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.setenv("TRACKER_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


def test_production_reads_its_settings_from_the_environment(monkeypatch, database_url):
    monkeypatch.setenv("TRACKER_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s3cret-from-env")
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("TRACKER_BASE_URL", "https://tracker.example.gov.uk")
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
