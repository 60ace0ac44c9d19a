"""Requests to the partnership's agencies for a review's scoping returns, chronologies and Individual Management
Reviews: sent, due, received, chased, withdrawn; and the reminders that chase them through the outbox.

The contact named for a request hears a week before it is due, then each week while it is overdue, once for each
occasion however often the daily run repeats: an overdue reminder is recorded as a chase whose occasion is unique
for the request, and each email has a key of its own in the outbox. Emails name the review by its reference only."""
import logging
from datetime import timedelta
from typing import NamedTuple

import sqlalchemy as sa
from flask_babel import gettext, ngettext
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from tracker.accounts.models import User
from tracker.actions.state import london_today
from tracker.email import queue_email
from tracker.enums import RequestKind, Role
from tracker.errors import ValidationFailed
from tracker.extensions import db
from tracker.i18n import in_language_of, long_date
from tracker.partnerships.models import Agency, Membership
from tracker.reviews.models import AgencyRequest, AgencyRequestChase, Review

log = logging.getLogger(__name__)

#: the contact is reminded this many days before the due date (a request given less time than this is not)
REMIND_DAYS_BEFORE = 7
#: then, once it is overdue, every this many days
CHASE_EVERY_DAYS = 7


# Sending and recording


def people_of(partnership_id, *where):
    """Active people holding a role in the partnership (and the roles `where` says), in name order."""
    holding = sa.select(Membership.user_id).where(Membership.partnership_id == partnership_id, *where)
    return db.session.scalars(sa.select(User).where(User.id.in_(holding), User.is_active.is_(True))
                              .order_by(sa.func.lower(User.name), User.id)).all()


def agency_leads(partnership_id, agency_id):
    return people_of(partnership_id, Membership.role == Role.AGENCY_LEAD, Membership.agency_id == agency_id)


def contacts_of(request):
    """Who answers for the agency: the named contact while they hold a role in the partnership, else the agency's
    leads."""
    partnership_id = request.review.partnership_id
    if request.contact_id is not None:
        named = people_of(partnership_id, Membership.user_id == request.contact_id)
        if named:
            return named
    return agency_leads(partnership_id, request.agency_id)


def _dates_errors(sent_on, due_on):
    errors = {}
    if sent_on is None:
        errors["sent_on"] = gettext("Enter the date the request was sent")
    elif sent_on > london_today():
        errors["sent_on"] = gettext("The date sent cannot be in the future")
    if due_on is None:
        errors["due_on"] = gettext("Enter the date the agency should reply by")
    elif sent_on is not None and due_on < sent_on:
        errors["due_on"] = gettext("The due date cannot be before the date the request was sent")
    return errors


def _contact(review, contact_id):
    """The person chosen as contact, who must hold a role in the review's partnership; None when none is chosen."""
    if contact_id is None:
        return None
    people = people_of(review.partnership_id, Membership.user_id == contact_id)
    if not people:
        raise ValidationFailed({"contact_id": gettext("Choose a person of this partnership")})
    return people[0]


def send_requests(review, values):
    """Record one request of a kind to each chosen agency, with the same dates; the contact, when named, answers for
    every one of them. An agency already asked for that, with no answer yet, is not asked twice."""
    errors = _dates_errors(values.get("sent_on"), values.get("due_on"))
    try:
        kind = RequestKind(values.get("kind"))
    except ValueError:
        errors["kind"], kind = gettext("Choose what is asked for"), None
    agency_ids = set(values.get("agency_ids") or ())
    agencies = db.session.scalars(sa.select(Agency).where(Agency.id.in_(agency_ids))
                                  .order_by(Agency.name)).all() if agency_ids else []
    if not agency_ids:
        errors["agency_ids"] = gettext("Choose at least one agency")
    elif len(agencies) != len(agency_ids) or any(a.partnership_id != review.partnership_id for a in agencies):
        errors["agency_ids"] = gettext("Choose agencies of this partnership")
    elif kind is not None:
        asked = [r.agency.name for r in review.agency_requests
                 if r.is_open and r.kind is kind and r.agency_id in agency_ids]
        if asked:
            errors["agency_ids"] = ngettext(
                "%(agencies)s has already been asked for this and has not replied",
                "%(agencies)s have already been asked for this and have not replied", len(asked),
                agencies=", ".join(sorted(asked)))
    try:
        contact = _contact(review, values.get("contact_id"))
    except ValidationFailed as failure:
        errors.update(failure.errors)
    if errors:
        raise ValidationFailed(errors)
    made = [AgencyRequest(review_id=review.id, agency_id=agency.id, kind=kind, sent_on=values["sent_on"],
                          due_on=values["due_on"], contact_id=contact.id if contact else None,
                          note=(values.get("note") or "").strip()) for agency in agencies]
    db.session.add_all(made)
    db.session.commit()
    return made


def _refuse_unless_open(request):
    if request.withdrawn_on is not None:
        raise ValidationFailed({"__form__": gettext("This request was withdrawn: it can no longer be changed")})
    if request.received_on is not None:
        raise ValidationFailed({"__form__": gettext("This request has already been received")})


def change_request(request, values):
    """A new due date (an agency given more time), another contact, or a note."""
    if request.withdrawn_on is not None:
        raise ValidationFailed({"__form__": gettext("This request was withdrawn: it can no longer be changed")})
    errors = _dates_errors(request.sent_on, values.get("due_on"))
    try:
        contact = _contact(request.review, values.get("contact_id"))
    except ValidationFailed as failure:
        errors.update(failure.errors)
    if errors:
        raise ValidationFailed(errors)
    request.due_on = values["due_on"]
    request.contact_id = contact.id if contact else None
    request.note = (values.get("note") or "").strip()
    db.session.commit()
    return request


def record_received(request, received_on):
    _refuse_unless_open(request)
    if received_on is None:
        raise ValidationFailed({"received_on": gettext("Enter the date it was received")})
    if received_on < request.sent_on:
        raise ValidationFailed({"received_on": gettext("It cannot be received before the request was sent")})
    if received_on > london_today():
        raise ValidationFailed({"received_on": gettext("The date received cannot be in the future")})
    request.received_on = received_on
    db.session.commit()
    return request


def record_chase(request, chased_on, note):
    """A chase by a person (a call, a letter): it counts with the reminders' chases."""
    _refuse_unless_open(request)
    if chased_on is None:
        raise ValidationFailed({"chased_on": gettext("Enter the date the agency was chased")})
    if chased_on < request.sent_on:
        raise ValidationFailed({"chased_on": gettext("The agency cannot be chased before the request was sent")})
    if chased_on > london_today():
        raise ValidationFailed({"chased_on": gettext("The date chased cannot be in the future")})
    request.chases.append(AgencyRequestChase(chased_on=chased_on, note=(note or "").strip()))
    db.session.commit()
    return request


def withdraw_request(request):
    """The review no longer needs it: kept, marked withdrawn, and no longer reminded of."""
    _refuse_unless_open(request)
    request.withdrawn_on = london_today()
    db.session.commit()
    return request


# Where each request stands


class RequestState(NamedTuple):
    label: str
    #: the GOV.UK tag colour: red overdue, yellow due within a week, blue awaited, green received, grey withdrawn
    colour: str
    #: "Chased 2 times, last on 3 November 2026", or empty
    chased: str = ""


def request_state(request, today=None):
    today = today or london_today()
    chases = len(request.chases)
    chased = ngettext("Chased %(num)d time, last on %(date)s", "Chased %(num)d times, last on %(date)s", chases,
                      date=long_date(request.last_chased_on)) if chases else ""
    if request.withdrawn_on is not None:
        return RequestState(gettext("Withdrawn on %(date)s", date=long_date(request.withdrawn_on)), "grey")
    if request.received_on is not None:
        return RequestState(gettext("Received on %(date)s", date=long_date(request.received_on)), "green", chased)
    days = (request.due_on - today).days
    if days < 0:
        return RequestState(ngettext("Overdue by %(num)d day", "Overdue by %(num)d days", -days), "red", chased)
    if days == 0:
        return RequestState(gettext("Due today"), "yellow", chased)
    return RequestState(ngettext("Due in %(num)d day", "Due in %(num)d days", days),
                        "yellow" if days <= REMIND_DAYS_BEFORE else "blue", chased)


def requests_of(review):
    """The review's requests by agency name, then kind in the order a review asks for them, then date sent."""
    kinds = list(RequestKind)
    requests = db.session.scalars(
        sa.select(AgencyRequest).where(AgencyRequest.review_id == review.id)
        .options(selectinload(AgencyRequest.agency), selectinload(AgencyRequest.contact),
                 selectinload(AgencyRequest.chases))).all()
    return sorted(requests, key=lambda r: (r.agency.name.lower(), kinds.index(r.kind), r.sent_on, r.id))


def by_agency(requests, today=None):
    """[(agency, [(request, state)])] for the per-agency status."""
    grouped = {}
    for request in requests:
        grouped.setdefault(request.agency_id, (request.agency, []))[1].append((request, request_state(request, today)))
    return list(grouped.values())


# Reminders


def _occasion(request, today):
    """Which reminder is due today, as a key: "before:<due>" in the week before the due date, "overdue:<due>:<week>"
    for each week overdue; None when none is. A new due date is a new occasion."""
    days = (request.due_on - today).days
    if days < 0:
        return f"overdue:{request.due_on.isoformat()}:{(-days - 1) // CHASE_EVERY_DAYS}"
    if days <= REMIND_DAYS_BEFORE and (request.due_on - request.sent_on).days > REMIND_DAYS_BEFORE:
        return f"before:{request.due_on.isoformat()}"
    return None


def remind_agency_requests(today):
    """Remind the contacts of open requests a week before the due date and each week while overdue; an overdue
    reminder is a chase of the request. Safe to run again, and from two processes at once: each occasion is decided
    once (the chase's unique occasion, the email's key). Returns how many emails were queued."""
    due = db.session.scalars(
        sa.select(AgencyRequest).join(Review)
        .where(AgencyRequest.received_on.is_(None), AgencyRequest.withdrawn_on.is_(None),
               AgencyRequest.due_on <= today + timedelta(days=REMIND_DAYS_BEFORE), Review.archived_at.is_(None))
        .order_by(AgencyRequest.id)
        .options(selectinload(AgencyRequest.review), selectinload(AgencyRequest.agency))).all()
    queued = 0
    for request in due:
        occasion = _occasion(request, today)
        if occasion is None:
            continue
        try:
            with db.session.begin_nested():
                queued += _remind(request, occasion, today)
        except IntegrityError:
            log.info("Request %s was reminded of %s by another run", request.id, occasion)
        db.session.commit()
    return queued


def _remind(request, occasion, today):
    from tracker.notifications.services import coordinators_of
    from tracker.permissions import can

    is_overdue = occasion.startswith("overdue")
    if is_overdue:
        request.chases.append(AgencyRequestChase(chased_on=today, occasion=occasion))
        db.session.flush()  # a second run's chase for this occasion stops here
    review = request.review
    contacts = contacts_of(request)
    # nobody answers for the agency in the tracker: its coordinators hear instead, to chase it themselves
    people = contacts or coordinators_of(review.partnership_id)
    queued = 0
    for person in people:
        with in_language_of(person):
            # only a page they can open: the requests of a review they see, else the tracker's home page
            path = f"/reviews/{review.id}/requests" if can(person, "view", review) else "/"
            values = dict(kind=request.kind.label, reference=review.reference, date=long_date(request.due_on))
            subject = (gettext("Action tracker: %(kind)s for %(reference)s overdue since %(date)s", **values)
                       if is_overdue else gettext("Action tracker: %(kind)s for %(reference)s due on %(date)s",
                                                  **values))
            message = queue_email("reviews/request_reminder", to=person.email, subject=subject,
                                  dedupe_key=f"agency_request:{request.id}:{occasion}:{person.id}",
                                  kind="reviews.request_reminder", partnership_id=review.partnership_id,
                                  user_id=person.id, person=person, request=request, review=review, path=path,
                                  is_overdue=is_overdue, days_overdue=(today - request.due_on).days,
                                  is_fallback=not contacts)
        queued += message is not None
    return queued
