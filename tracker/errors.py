"""Domain validation that services raise and views show beside the fields; the page for a database that fails
mid-request."""
import sqlite3


class ValidationFailed(Exception):
    """Input a rule refused: {field name: message}. Nothing has been saved."""

    def __init__(self, errors):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)


def show_on_form(form, failure):
    """Put a service's refusal beside the matching fields (or at the top when no field matches)."""
    for name, message in failure.errors.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]
        else:
            form.form_errors.append(message)


def is_storage_full(error):
    """Whether the database refused a write for want of space: SQLite's SQLITE_FULL ("database or disk is full"),
    PostgreSQL's SQLSTATE 53100 disk_full."""
    cause = getattr(error, "orig", error)
    return (getattr(cause, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL
            or getattr(cause, "sqlstate", None) == "53100")


def database_unavailable(error):
    """The database failed mid-request (a dropped connection, a lock held too long, a full disk): the transaction is
    rolled back, so nothing of the request is kept, and the person is asked to try again. The page is drawn as if
    nobody were signed in, because the header's account links would need the database, which may still be away."""
    from flask import current_app, g, render_template, request
    from flask_babel import gettext
    from sqlalchemy.exc import OperationalError

    from tracker.extensions import db, login_manager

    if not (isinstance(error, OperationalError) or error.connection_invalidated):
        raise error  # a fault in the request itself (a constraint, a bad statement): the server error it is
    # the driver's message only: SQLAlchemy's own would carry the statement's parameters, people's words among them
    current_app.logger.error("Database unavailable during %s %s: %s", request.method, request.path,
                             getattr(error, "orig", error))
    db.session.rollback()
    g._login_user = login_manager.anonymous_user()
    page = render_template("errors/error.html", title=gettext("The service is unavailable for a moment"),
                           message=gettext("Nothing was saved. Go back and try again in a minute."))
    return page, 503, {"Retry-After": "60"}
