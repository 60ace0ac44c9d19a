"""Factories for domain records; each commits, so what it makes is what a request would find.

Inside an application context (service tests) records stay attached to its session. Outside one (tests that
make requests) each factory uses a context of its own and returns the record detached with its columns loaded:
a request must never share the test's context, or Flask's `g` and the session would leak between requests.
"""
import contextlib
import itertools

import pyotp
from flask import has_app_context

from tracker.accounts.services import TWO_FACTOR_ROLES, hash_password
from tracker.db import utcnow
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


def partnership(name=None, area="Testshire", **fields):
    record = Partnership(name=name or f"Partnership {next(_numbers)}", area=area, **fields)
    return save(record)


def agency(partnership, name=None, sector=Sector.POLICE):
    record = Agency(partnership_id=partnership.id, name=name or f"Agency {next(_numbers)}", sector=sector)
    return save(record)


def user(name=None, email=None, password=PASSWORD, is_administrator=False, is_active=True, two_factor=None,
         national_role=None):
    """A person; `two_factor` says whether they have set up two-factor sign-in (an app secret, no recovery codes).
    By default they have when their role needs it, as anyone who has signed in before would have."""
    from tracker.accounts.models import User

    n = next(_numbers)
    with _in_app():
        password_hash = hash_password(password) if password else None
    has_two_factor = (is_administrator or national_role is not None) if two_factor is None else two_factor
    record = User(
        name=name or f"Person {n}",
        email=(email or f"person{n}@example.org").lower(),
        password_hash=password_hash,
        is_administrator=is_administrator,
        is_active=is_active,
        national_role=national_role,
        totp_secret=pyotp.random_base32() if has_two_factor else None,
        totp_enabled_at=utcnow() if has_two_factor else None,
    )
    return save(record)


def member(partnership, role, agency=None, is_chair=False, two_factor=None, **user_fields):
    """A new person holding one role in a partnership (with two-factor sign-in set up when the role needs it,
    unless `two_factor` says otherwise)."""
    role = Role(role)
    if two_factor is None:
        two_factor = role in TWO_FACTOR_ROLES or user_fields.get("is_administrator", False)
    person = user(two_factor=two_factor, **user_fields)
    save(Membership(user_id=person.id, partnership_id=partnership.id, role=role,
                    agency_id=agency.id if agency else None, is_chair=is_chair))
    return person


def action(partnership, title=None, lead_agency=None, owner=None, deadline=None, status="not_started", **fields):
    """An action; the SMART gaps are worked out as the service would."""
    from tracker.actions.models import Action
    from tracker.actions.services import refresh_smart
    from tracker.enums import ActionStatus

    record = Action(partnership_id=partnership.id, title=title or f"Deliver output {next(_numbers)}",
                    lead_agency_id=lead_agency.id if lead_agency else None, owner_id=owner.id if owner else None,
                    deadline=deadline, original_deadline=deadline, status=ActionStatus(status), **fields)
    with _in_app():
        refresh_smart(record)
    return save(record)


def update(action, author, note="Progress made", status="in_progress", evidence=None, at=None):
    """A progress update, optionally with an evidence file given as (filename, bytes)."""
    from tracker.actions.evidence import make_evidence
    from tracker.actions.models import ProgressUpdate
    from tracker.db import utcnow
    from tracker.enums import ActionStatus

    record = ProgressUpdate(action_id=action.id, author_id=author.id, note=note, status=ActionStatus(status),
                            at=at or utcnow(), evidence_file=make_evidence(*evidence) if evidence else None)
    return save(record)


def review(partnership, reference=None, status="in_progress", panel=(), **fields):
    """A review; panel is [(person, is_chair)]."""
    from tracker.reviews.models import PanelMember, Review

    record = save(Review(partnership_id=partnership.id, reference=reference or f"DHR 2026-{next(_numbers):02d}",
                         pseudonyms=fields.pop("pseudonyms", "Adult A"), status=status, **fields))
    for person, is_chair in panel:
        save(PanelMember(review_id=record.id, user_id=person.id, is_chair=is_chair))
    return record


def body_contact(body_name, two_factor=True, **user_fields):
    """A new person who answers for the body of that name (added to the list if it is not there yet)."""
    from tracker.bodies.models import BodyContact
    from tracker.bodies.services import bodies_named

    person = user(two_factor=two_factor, **user_fields)
    with _in_app():
        body = bodies_named([body_name], None)[0]
        db.session.add(BodyContact(body_id=body.id, user_id=person.id))
        db.session.commit()
    return person


#: the fields of a recommendation's loop with a body that the factory sets on each body it names
LOOP_FIELDS = ("sent_on", "response_due_on", "response_received_on", "response_text", "stance", "assessment",
               "assessed_on", "assessment_reason", "shared_text")


def recommendation(review, number=None, text="Agencies should share information about risk.", scope="local",
                   agencies=(), **fields):
    from tracker.bodies.services import address, bodies_named, split_names
    from tracker.enums import Scope
    from tracker.partnerships.models import Agency
    from tracker.reviews.models import Recommendation

    #: the loop with each body named in external_body ("Home Office; NHS England")
    loop = {name: fields.pop(name) for name in LOOP_FIELDS if name in fields}
    bodies = split_names(fields.pop("external_body", ""))
    inside = has_app_context()
    with _in_app():
        record = Recommendation(review_id=review.id, number=number or str(next(_numbers)), text=text, scope=scope,
                                **fields)
        record.agencies = [db.session.get(Agency, a.id) for a in agencies]
        db.session.add(record)
        address(record, bodies_named(bodies, Scope(scope)))
        for item in record.addressed:
            for name, value in loop.items():
                setattr(item, name, value)
        db.session.commit()
        if not inside:
            db.session.refresh(record)
            db.session.expunge(record)
    return record
