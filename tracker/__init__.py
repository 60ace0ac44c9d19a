"""The tracker: SMART actions from CCR benchmarks and Domestic Homicide Reviews, owned and delivered."""
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config_overrides=None):
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        instance_path=str(ROOT / "instance"),
        instance_relative_config=True,
    )
    load_config(app, config_overrides)
    register_extensions(app)
    register_blueprints(app)
    register_request_hooks(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    if app.config["PROXY_HOPS"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    return app


def load_config(app, overrides):
    import os

    app.config.from_pyfile(str(ROOT / "config" / "default.py"))
    is_production = os.environ.get("TRACKER_ENV") == "production"
    if is_production:
        app.config.from_pyfile(str(ROOT / "config" / "production.py"))
    if overrides:
        app.config.update(overrides)
    check_secrets(app, is_production)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'tracker.sqlite3'}"
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith(("postgres://", "postgresql://")):
        # psycopg 3 is the driver we install
        app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + uri.split("://", 1)[1]
        # JIT compiling a plan costs the largest partnership's register 0.8 s and never pays back on queries
        # that read one partnership's rows through its indexes
        options = app.config["SQLALCHEMY_ENGINE_OPTIONS"] = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        connect_args = options["connect_args"] = dict(options.get("connect_args", {}))
        work_mem = app.config.get("POSTGRESQL_WORK_MEM")
        connect_args["options"] = " ".join(filter(None, [work_mem and f"-c work_mem={work_mem}",
                                                         connect_args.get("options"), "-c jit=off"]))
    if uri.startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {}


def check_secrets(app, is_production):
    """Refuse to start production with a missing or publicly known secret key, without the address that links in
    emails are built from, or without its shared database; elsewhere, say in one line that the public development
    key is in use."""
    from urllib.parse import urlsplit

    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY is not set: refusing to start without it.")
    is_public_key = app.config["SECRET_KEY"] == app.config["DEVELOPMENT_SECRET_KEY"]
    if is_production:
        if is_public_key:
            raise RuntimeError("SECRET_KEY is the public development key: refusing to start in production with it.")
        address = urlsplit(app.config.get("TRACKER_BASE_URL") or "")
        if address.scheme not in ("http", "https") or not address.netloc:
            raise RuntimeError("TRACKER_BASE_URL is not set to the site's public address (e.g. "
                               "https://tracker.example.gov.uk): refusing to start without it, as every link in an "
                               "email is built from it.")
        if not app.config.get("SQLALCHEMY_DATABASE_URI"):
            raise RuntimeError("DATABASE_URL is not set: refusing to start production on a database of its own "
                               "under instance/, which no other app process or scheduler would share.")
    elif is_public_key and not app.testing:
        app.logger.warning("Running with the public development SECRET_KEY: anyone can forge a session. Set "
                           "SECRET_KEY for any use beyond your own machine.")


def register_extensions(app):
    from tracker import models  # noqa: F401  (the whole schema, for Alembic)
    from tracker.audit import services as audit
    from tracker.extensions import csrf, db, login_manager, mail, migrate
    from tracker.reminders import services as reminders

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    login_manager.init_app(app)
    mail.init_app(app)
    csrf.init_app(app)
    audit.install()
    reminders.install()
    with app.app_context():
        _enable_sqlite_foreign_keys(db.engine)


def _enable_sqlite_foreign_keys(engine):
    import sqlalchemy as sa

    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def register_blueprints(app):
    from tracker.accounts.views import bp as accounts
    from tracker.actions.views import bp as actions
    from tracker.audit.views import bp as audit
    from tracker.benchmarks.views import bp as benchmarks
    from tracker.bodies.views import bp as bodies
    from tracker.home.views import bp as home
    from tracker.partnerships.views import bp as partnerships
    from tracker.plans.views import bp as plans
    from tracker.register.api import bp as api
    from tracker.register.opendata import bp as opendata
    from tracker.register.views import bp as register
    from tracker.reminders.views import bp as reminders
    from tracker.reports.views import bp as reports
    from tracker.reviews.views import bp as reviews
    from tracker.search.views import bp as search

    for blueprint in (accounts, actions, api, audit, benchmarks, bodies, home, opendata, partnerships, plans,
                      register, reminders, reports, reviews, search):
        app.register_blueprint(blueprint)


def register_request_hooks(app):
    from tracker import uploads
    from tracker.accounts.sessions import enforce_sign_in, security_headers

    uploads.init_app(app)
    app.before_request(enforce_sign_in)
    app.after_request(security_headers)


def register_errorhandlers(app):
    from flask import render_template
    from flask_babel import gettext
    from flask_wtf.csrf import CSRFError
    from sqlalchemy.exc import DBAPIError

    from tracker.errors import database_unavailable

    def render(status, title, message):
        return render_template("errors/error.html", status=status, title=title, message=message), status

    app.register_error_handler(403, lambda e: render(403, gettext("You do not have access to this page"), gettext(
        "Your account does not have a role that allows this. Ask your partnership coordinator if you think it "
        "should.")))
    app.register_error_handler(404, lambda e: render(404, gettext("Page not found"),
                                                     gettext("Check the address, or go back to your home page.")))
    app.register_error_handler(CSRFError, lambda e: render(400, gettext("Your form could not be sent"), gettext(
        "The form had expired or was sent from elsewhere. Go back, reload the page and try again.")))
    app.register_error_handler(DBAPIError, database_unavailable)


def register_template_helpers(app):
    from tracker import templating

    templating.init_app(app)


def register_commands(app):
    from tracker.cli import tracker_cli

    app.cli.add_command(tracker_cli)
