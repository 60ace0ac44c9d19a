"""Factories for domain records; each commits, so what it makes is what a request would find.

Inside an application context (service tests) records stay attached to its session. Outside one (tests that
make requests) each factory uses a context of its own and returns the record detached with its columns loaded:
a request must never share the test's context, or Flask's `g` and the session would leak between requests.
"""
import contextlib
import itertools

from flask import has_app_context

from tracker.accounts.services import hash_password
from tracker.enums import Role, Sector
from tracker.extensions import db
from tracker.partnerships.models import Agency, Membership, Partnership

PASSWORD = "correct horse battery staple"
_numbers = itertools.count(1)
APP = None  # set by the `make` fixture


def _in_app():
    return contextlib.nullcontext() if has_app_context() else APP.app_context()


def save(record):
    if has_app_context():
        db.session.add(record)
        db.session.commit()
        return record
    with APP.app_context():
        db.session.add(record)
        db.session.commit()
        db.session.refresh(record)
        db.session.expunge(record)
    return record


def partnership(name=None, area="Testshire"):
    record = Partnership(name=name or f"Partnership {next(_numbers)}", area=area)
    return save(record)


def agency(partnership, name=None, sector=Sector.POLICE):
    record = Agency(partnership_id=partnership.id, name=name or f"Agency {next(_numbers)}", sector=sector)
    return save(record)


def user(name=None, email=None, password=PASSWORD, is_administrator=False, is_active=True):
    from tracker.accounts.models import User

    n = next(_numbers)
    with _in_app():
        password_hash = hash_password(password) if password else None
    record = User(
        name=name or f"Person {n}",
        email=(email or f"person{n}@example.org").lower(),
        password_hash=password_hash,
        is_administrator=is_administrator,
        is_active=is_active,
    )
    return save(record)


def member(partnership, role, agency=None, is_chair=False, **user_fields):
    """A new person holding one role in a partnership."""
    person = user(**user_fields)
    save(Membership(user_id=person.id, partnership_id=partnership.id, role=Role(role),
                    agency_id=agency.id if agency else None, is_chair=is_chair))
    return person
