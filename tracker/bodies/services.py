"""The loop with bodies beyond the partnership: which body a recommendation is addressed to, sending it, the body's
answer and its delivery, the partnership's assessment, and the reminders that keep the 56 days in view.

What a body's contact reads is decided here once (`shown_text`): before the review is published, only what the
partnership chose to share; after, the recommendation as published. Emails carry no recommendation text at all."""
import logging
import re
from datetime import timedelta
from typing import NamedTuple

import sqlalchemy as sa
from flask_babel import gettext, ngettext
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Bundle, defaultload, joinedload, selectinload

from tracker.accounts.models import User
from tracker.actions.state import london_today
from tracker.bodies.models import BodyContact, BodyRecommendation, ExternalBody, ResponseProgress, ResponseStep
from tracker.db import length_of, utcnow
from tracker.email import queue_email
from tracker.enums import BodyKind, ResponseAssessment, ResponseStance, ReviewStatus, Scope
from tracker.errors import ValidationFailed
from tracker.extensions import db
from tracker.i18n import in_language_of, long_date

log = logging.getLogger(__name__)

#: days a body has to answer, from the day the recommendation was sent
RESPONSE_DAYS = 56
#: its contacts are reminded this many days before the answer is due (the nearest first)…
REMIND_DAYS_BEFORE = (7, 28)
#: …then, once it is overdue, every this many days
CHASE_EVERY_DAYS = 7
#: an open assessment is looked at again after this many days, unless the assessor sets another date
RECHECK_DAYS = 182
#: assessments that judge an answer, so that one must have been given
NEEDS_RESPONSE = (ResponseAssessment.OPEN_ACCEPTABLE, ResponseAssessment.OPEN_UNACCEPTABLE,
                  ResponseAssessment.CLOSED_IMPLEMENTED, ResponseAssessment.CLOSED_ALTERNATIVE)


# Bodies


def name_key(name):
    """The name folded for matching: "The Home Office", "home office" and "Home  Office." are one body. A name of
    punctuation alone is matched as written."""
    folded = re.sub(r"[^0-9a-z]+", " ", name.lower().replace("&", " and ")).strip()
    return re.sub(r"^the ", "", folded) or name.strip().lower()


def all_bodies():
    return db.session.scalars(sa.select(ExternalBody).order_by(sa.func.lower(ExternalBody.name))).all()


def body_names():
    """(id, name) of every body, in name order: what a filter offers."""
    return db.session.execute(sa.select(ExternalBody.id, ExternalBody.name)
                              .order_by(sa.func.lower(ExternalBody.name))).all()


def body_errors(name, body=None):
    name = (name or "").strip()
    if not name:
        return {"name": gettext("Enter the body's name, for example the Home Office")}
    if len(name) > length_of(ExternalBody.name):
        return {"name": gettext("The name must be %(length)s characters or fewer", length=length_of(ExternalBody.name))}
    same = db.session.scalar(sa.select(ExternalBody).where(ExternalBody.name_key == name_key(name)))
    if same is not None and same is not body:
        return {"name": gettext("%(name)s is already in the list", name=same.name)}
    return {}


def save_body(body, name, kind):
    """Add a body to the instance's list (body None) or rename it; its recommendations read the new name."""
    errors = body_errors(name, body)
    if errors:
        raise ValidationFailed(errors)
    body = body or ExternalBody()
    body.name, body.name_key, body.kind = name.strip(), name_key(name), BodyKind(kind)
    db.session.add(body)
    db.session.flush()
    for item in db.session.scalars(sa.select(BodyRecommendation).where(BodyRecommendation.body_id == body.id)
                                   .options(selectinload(BodyRecommendation.recommendation))):
        _name_bodies(item.recommendation)
    db.session.commit()
    return body


def bodies_named(names, scope):
    """The bodies of these names, matched as name_key matches; a name not yet in the list becomes a body of it (a
    regional one for a regional recommendation), as an import or a panel first writes it."""
    found, bodies = {}, []
    for name in names:
        key = name_key(name)
        if not key or key in found:
            continue
        body = db.session.scalar(sa.select(ExternalBody).where(ExternalBody.name_key == key))
        if body is None:
            body = ExternalBody(name=name.strip()[:length_of(ExternalBody.name)], name_key=key,
                                kind=BodyKind.REGIONAL_BODY if scope is Scope.REGIONAL else BodyKind.OTHER)
            db.session.add(body)
            db.session.flush()
        found[key] = body
        bodies.append(body)
    return bodies


def split_names(text):
    """The bodies of a cell or field that names several, separated by semicolons."""
    return [name.strip() for name in (text or "").split(";") if name.strip()]


def address(recommendation, bodies):
    """Address the recommendation to these bodies, keeping the loop of each it was already addressed to. A body it
    has been sent to stays: its answer belongs to the record."""
    keep = {body.id for body in bodies}
    for item in list(recommendation.addressed):
        if item.body_id not in keep:
            if item.sent_on is not None:
                raise ValidationFailed({"body_ids": gettext(
                    "Recommendation %(number)s was sent to %(body)s on %(date)s: it stays addressed to it",
                    number=recommendation.number, body=item.body.name, date=long_date(item.sent_on))})
            recommendation.addressed.remove(item)
    held = {item.body_id for item in recommendation.addressed}
    for body in bodies:
        if body.id not in held:
            recommendation.addressed.append(BodyRecommendation(body_id=body.id, body=body))
    _name_bodies(recommendation)


def _name_bodies(recommendation):
    names = "; ".join(sorted((item.body.name for item in recommendation.addressed), key=str.lower))
    recommendation.external_body = names[:length_of(type(recommendation).external_body)]


# Where a loop stands


class LoopState(NamedTuple):
    label: str
    is_overdue: bool = False
    #: the GOV.UK tag colour it is shown in
    colour: str = "grey"


def awaited():
    """SQL: sent, not answered, and not settled otherwise (an assessment other than "response awaited", such as
    closed as superseded, ends the wait): the twin of is_awaited, the one test of every list, count and reminder."""
    return sa.and_(BodyRecommendation.sent_on.is_not(None), BodyRecommendation.response_received_on.is_(None),
                   sa.or_(BodyRecommendation.assessment.is_(None),
                          BodyRecommendation.assessment == ResponseAssessment.OPEN_AWAITED))


def is_awaited(item):
    return (item.sent_on is not None and item.response_received_on is None
            and item.assessment in (None, ResponseAssessment.OPEN_AWAITED))


#: where a loop stands, as lists and downloads name it; any other state is the assessment's own value
NOT_SENT, AWAITED, OVERDUE, RECEIVED = "not_sent", "awaited", "overdue", "received"


def state_value(item, today):
    """Where the loop stands, in the order register.services.state_of computes it in SQL: not sent; overdue (awaited
    past the due date); the assessment, unless it is "response awaited"; an answer received; awaited."""
    if item.sent_on is None:
        return NOT_SENT
    if is_awaited(item) and item.response_due_on and item.response_due_on < today:
        return OVERDUE
    if item.assessment not in (None, ResponseAssessment.OPEN_AWAITED):
        return item.assessment.value
    return RECEIVED if item.response_received_on else AWAITED


def as_listed():
    """What a list of loops reads of each, as `item`: where it stands (state_value, loop_state) and its dates, not
    its texts; columns, not records, so that a page of them costs its rows and not the ORM's bookkeeping."""
    return Bundle("item", BodyRecommendation.id, BodyRecommendation.sent_on, BodyRecommendation.response_due_on,
                  BodyRecommendation.response_received_on, BodyRecommendation.assessment)


def loop_state(item, today=None):
    """Where the loop with the body stands, in words and a colour."""
    today = today or london_today()
    state = state_value(item, today)
    if state == NOT_SENT:
        return LoopState(gettext("Not yet sent"))
    if state == OVERDUE:
        days = (today - item.response_due_on).days
        return LoopState(ngettext("No response, %(num)d day past due", "No response, %(num)d days past due", days),
                         True, "red")
    if state == RECEIVED:
        return LoopState(gettext("Response received, not yet assessed"), False, "yellow")
    if state == AWAITED:
        return LoopState(ResponseAssessment.OPEN_AWAITED.label, False, "blue")
    colour = "green" if item.assessment.is_closed else (
        "red" if item.assessment is ResponseAssessment.OPEN_UNACCEPTABLE else "blue")
    return LoopState(item.assessment.label, False, colour)


def loop_items(recommendations):
    """{recommendation id: [(loop, state)]} for a review page's recommendations to bodies."""
    today = london_today()
    return {r.id: [(item, loop_state(item, today)) for item in sorted(r.addressed, key=lambda i: i.body.name.lower())]
            for r in recommendations}


def recheck_due(item, today=None):
    today = today or london_today()
    return (item.recheck_on is not None and item.recheck_on <= today
            and not (item.assessment and item.assessment.is_closed))


def shown_text(item):
    """What the body reads of the recommendation: as published, or before that what the partnership shared (nothing
    until it is sent: the shared text is written by sending)."""
    review = item.recommendation.review
    return item.recommendation.text if review.is_published else item.shared_text


def shown_text_column():
    """SQL: shown_text, for a statement that joins the recommendation and its review."""
    from tracker.reviews.models import Recommendation, Review

    return sa.case((Review.status == ReviewStatus.PUBLISHED, Recommendation.text),
                   else_=BodyRecommendation.shared_text)


def contacts_of(body_id):
    """The active people who answer for the body, in name order."""
    return db.session.scalars(
        sa.select(User).join(BodyContact, BodyContact.user_id == User.id)
        .where(BodyContact.body_id == body_id, User.is_active.is_(True))
        .order_by(sa.func.lower(User.name), User.id)).all()


def _check_version(item, expected_version):
    if expected_version is not None and str(expected_version) != str(item.version):
        raise ValidationFailed({"__form__": gettext(
            "Someone else changed this recommendation's answer while you were working on it. Your changes have "
            "not been saved: look at what is recorded now and make them again.")})


# Sending


def send(item, actor, sent_on, shared_text, today=None):
    """Send the recommendation to the body: its contacts are told by email, with a link; the 56 days start."""
    today = today or london_today()
    review = item.recommendation.review
    shared_text = (shared_text or "").strip()
    errors = {}
    if item.sent_on is not None:
        errors["__form__"] = gettext("This recommendation was sent to %(body)s on %(date)s",
                                     body=item.body.name, date=long_date(item.sent_on))
    if sent_on is None:
        errors["sent_on"] = gettext("Enter the date it is sent, for example %(date)s", date=today.strftime("%d %m %Y"))
    elif sent_on > today:
        errors["sent_on"] = gettext("The date it was sent cannot be in the future")
    if not review.is_published and not shared_text:
        errors["shared_text"] = gettext("Enter what the body may read before the review is published")
    if errors:
        raise ValidationFailed(errors)
    item.sent_on, item.sent_by_id = sent_on, actor.id
    item.response_due_on = sent_on + timedelta(days=RESPONSE_DAYS)
    item.shared_text = shared_text
    db.session.flush()
    told = _tell_contacts(item, "sent", f"sent:{sent_on.isoformat()}")
    db.session.commit()
    return told


def unsent_of(review):
    """The review's recommendations to bodies not yet sent, in the report's order."""
    from tracker.reviews.services import natural_key

    items = db.session.scalars(
        sa.select(BodyRecommendation).join(BodyRecommendation.recommendation)
        .where(BodyRecommendation.sent_on.is_(None), BodyRecommendation.recommendation.has(review_id=review.id))
        .options(selectinload(BodyRecommendation.body), selectinload(BodyRecommendation.recommendation))).all()
    return sorted(items, key=lambda i: (natural_key(i.recommendation.number), i.body.name.lower()))


def send_several(review, actor, sent_on, item_ids, today=None):
    """Send the chosen recommendations of a published review at once, as published (before publication each is
    sent on its own, with the text the partnership chooses to share). Returns how many were sent."""
    if not review.is_published:
        raise ValidationFailed({"__form__": gettext(
            "Before the review is published, send each recommendation on its own, to choose what each body may "
            "read")})
    chosen = [item for item in unsent_of(review) if item.id in set(item_ids)]
    if not chosen:
        raise ValidationFailed({"item_ids": gettext("Choose the recommendations to send")})
    for item in chosen:
        try:
            send(item, actor, sent_on, "", today)
        except ValidationFailed as failure:
            raise ValidationFailed({"sent_on" if "sent_on" in failure.errors else "item_ids":
                                    next(iter(failure.errors.values()))}) from None
    return len(chosen)


def _tell_contacts(item, occasion_kind, occasion, today=None):
    """Email each contact of the body once for this occasion; returns how many were queued."""
    recommendation = item.recommendation
    review = recommendation.review
    queued = 0
    for person in contacts_of(item.body_id):
        with in_language_of(person):
            values = dict(partnership=review.partnership.name, reference=review.reference,
                          number=recommendation.number, body=item.body.name, date=long_date(item.response_due_on))
            # an email leaves the tracker's sign-in: a review not yet published is not named
            subject = {
                "sent": gettext("Action tracker: a recommendation for %(body)s from %(partnership)s, answer due "
                                "%(date)s", **values),
                "before": gettext("Action tracker: the answer of %(body)s to recommendation %(number)s of "
                                  "%(reference)s is due on %(date)s", **values) if review.is_published else
                gettext("Action tracker: the answer of %(body)s to a recommendation from %(partnership)s is due on "
                        "%(date)s", **values),
                "overdue": gettext("Action tracker: the answer of %(body)s to recommendation %(number)s of "
                                   "%(reference)s was due on %(date)s", **values) if review.is_published else
                gettext("Action tracker: the answer of %(body)s to a recommendation from %(partnership)s was due "
                        "on %(date)s", **values),
            }[occasion_kind]
            message = queue_email("bodies/recommendation", to=person.email, subject=subject,
                                  dedupe_key=f"body_recommendation:{item.id}:{occasion}:{person.id}",
                                  kind=f"bodies.{occasion_kind}", partnership_id=review.partnership_id,
                                  user_id=person.id, person=person, item=item, review=review,
                                  recommendation=recommendation, occasion_kind=occasion_kind,
                                  days_overdue=((today or london_today()) - item.response_due_on).days,
                                  path=f"/answers/{item.id}")
        queued += message is not None
    return queued


def _occasion(item, today):
    """Which reminder is due today, as a key: "before<days>:<due>" within 28 and 7 days of the due date (for a
    loop given more time than that), "overdue:<due>:<week>" for each week overdue; None when none is."""
    days = (item.response_due_on - today).days
    if days < 0:
        return "overdue", f"overdue:{item.response_due_on.isoformat()}:{(-days - 1) // CHASE_EVERY_DAYS}"
    for before in REMIND_DAYS_BEFORE:
        if days <= before < (item.response_due_on - item.sent_on).days:
            return "before", f"before{before}:{item.response_due_on.isoformat()}"
    return None, None


def remind_bodies(today):
    """Remind the contacts of bodies whose answer is awaited, 28 and 7 days before it is due and each week while
    overdue, once for each occasion however often the run repeats and from however many processes (each email's
    key). Returns how many emails were queued."""
    from tracker.reviews.models import Recommendation, Review

    waiting = db.session.scalars(
        sa.select(BodyRecommendation)
        .join(Recommendation, Recommendation.id == BodyRecommendation.recommendation_id).join(Review)
        .where(awaited(), BodyRecommendation.response_due_on <= today + timedelta(days=max(REMIND_DAYS_BEFORE)),
               Review.archived_at.is_(None),
               sa.exists().where(BodyContact.body_id == BodyRecommendation.body_id))
        .order_by(BodyRecommendation.id)
        .options(selectinload(BodyRecommendation.body),
                 selectinload(BodyRecommendation.recommendation).selectinload(Recommendation.review)
                 .selectinload(Review.partnership))).all()
    queued = 0
    for item in waiting:
        kind, occasion = _occasion(item, today)
        if occasion is None:
            continue
        try:
            with db.session.begin_nested():
                queued += _tell_contacts(item, kind, occasion, today)
        except IntegrityError:
            log.info("Recommendation %s was reminded of %s by another run", item.id, occasion)
        db.session.commit()
    return queued


# The body's answer


def loops_of(ids):
    """The loops of these ids, in id order, in one statement."""
    return db.session.scalars(sa.select(BodyRecommendation).where(BodyRecommendation.id.in_(ids))
                              .order_by(BodyRecommendation.id)).all() if ids else []


def answer_several(item, others, values, actor, expected_version=None):
    """One answer from the body for this recommendation and for likely duplicates of it sent to the body too:
    saved for all of them or, if any is refused, for none."""
    for other in [item, *others]:
        record_response(other, values, actor, by_body=True, commit=False,
                        expected_version=expected_version if other is item else None)
    db.session.commit()
    return len(others) + 1


def record_response(item, values, actor, by_body, today=None, expected_version=None, commit=True):
    """The body's answer: accepted, accepted in part or rejected, with its reasons. Given by the body's contact in
    the tracker (dated today) or recorded by the partnership from a letter (dated as received). The clock stops."""
    today = today or london_today()
    _check_version(item, expected_version)
    # a body that corrects its answer answered when it first did
    received_on = (item.response_received_on or today) if by_body else values.get("response_received_on")
    reasons = (values.get("response_text") or "").strip()
    errors = {}
    if item.sent_on is None:
        errors["__form__"] = gettext("Record when the recommendation was sent before its answer")
    try:
        stance = ResponseStance(values.get("stance"))
    except ValueError:
        errors["stance"] = gettext("Choose whether the recommendation is accepted, accepted in part or rejected")
    if not reasons:
        errors["response_text"] = gettext("Give the reasons, and for an accepted recommendation what will be done")
    if received_on is None:
        errors["response_received_on"] = gettext("Enter the date the answer was received")
    elif received_on > today:
        errors["response_received_on"] = gettext("The date the answer was received cannot be in the future")
    elif item.sent_on and received_on < item.sent_on:
        errors["response_received_on"] = gettext("The answer cannot come before the recommendation was sent")
    if errors:
        raise ValidationFailed(errors)
    item.stance, item.response_text, item.response_received_on = stance, reasons, received_on
    item.responded_by_id = actor.id if by_body else None
    if commit:
        db.session.commit()


def add_step(item, text, due_on, today=None):
    """An action the body plans in answer, with the date it means to deliver it by."""
    text = (text or "").strip()
    errors = {}
    if not text:
        errors["text"] = gettext("Describe the action the body will take")
    if due_on is None:
        errors["due_on"] = gettext("Enter the date it will be delivered by")
    if errors:
        raise ValidationFailed(errors)
    step = ResponseStep(item_id=item.id, text=text, due_on=due_on)
    db.session.add(step)
    _touched(item)
    db.session.commit()
    return step


def _touched(item):
    """Steps and progress are part of the record other systems read: a change to them is a change to it (the API's
    updated_since)."""
    item.updated_at = utcnow()


def mark_step(step, done_on):
    step.done_on = done_on
    _touched(step.item)
    db.session.commit()


def add_progress(item, note, actor, today=None):
    note = (note or "").strip()
    if not note:
        raise ValidationFailed({"note": gettext("Say what has been done since the last update")})
    progress = ResponseProgress(item_id=item.id, note=note, recorded_by_id=actor.id,
                                recorded_on=today or london_today())
    db.session.add(progress)
    _touched(item)
    db.session.commit()
    return progress


# Assessing it


def assess(item, values, actor, today=None, expected_version=None):
    """Judge the answer and its delivery on the fixed scale, with the date and the reason; an open judgement is
    looked at again after a while."""
    today = today or london_today()
    _check_version(item, expected_version)
    assessed_on, recheck_on = values.get("assessed_on") or today, values.get("recheck_on")
    reason = (values.get("assessment_reason") or "").strip()
    errors = {}
    try:
        assessment = ResponseAssessment(values.get("assessment"))
    except ValueError:
        assessment = None
        errors["assessment"] = gettext("Choose where the recommendation stands")
    if item.sent_on is None:
        errors["__form__"] = gettext("Send the recommendation before assessing the answer")
    if assessment in NEEDS_RESPONSE and item.response_received_on is None:
        errors["assessment"] = gettext("Record the body's answer before judging it")
    if not reason:
        errors["assessment_reason"] = gettext("Give the reason for the assessment")
    if assessed_on > today:
        errors["assessed_on"] = gettext("The date of the assessment cannot be in the future")
    elif item.sent_on and assessed_on < item.sent_on:
        errors["assessed_on"] = gettext("The assessment cannot come before the recommendation was sent")
    if recheck_on is not None and recheck_on <= assessed_on:
        errors["recheck_on"] = gettext("The date to look again must come after the assessment")
    if errors:
        raise ValidationFailed(errors)
    item.assessment, item.assessed_on, item.assessment_reason = assessment, assessed_on, reason
    item.assessed_by_id = actor.id
    item.recheck_on = None if assessment.is_closed else (recheck_on or assessed_on + timedelta(days=RECHECK_DAYS))
    db.session.commit()


# Reading


def loop_of(item_id):
    """One recommendation to a body with what its pages show: where it came from in the same statement (one row
    each); its planned actions and its progress (with who recorded it) as they are read, one statement each (for one
    item, a third of what a batch loader's bookkeeping costs)."""
    from tracker.reviews.models import Recommendation, Review

    return db.session.scalar(
        sa.select(BodyRecommendation).where(BodyRecommendation.id == item_id)
        .options(joinedload(BodyRecommendation.body, innerjoin=True),
                 defaultload(BodyRecommendation.progress).joinedload(ResponseProgress.recorded_by),
                 joinedload(BodyRecommendation.recommendation, innerjoin=True)
                 .joinedload(Recommendation.review, innerjoin=True).joinedload(Review.partnership, innerjoin=True)))


def people_named(item):
    """{user id: name} of who sent, answered and assessed it."""
    ids = {item.sent_by_id, item.responded_by_id, item.assessed_by_id} - {None}
    return dict(db.session.execute(sa.select(User.id, User.name).where(User.id.in_(ids))).all()) if ids else {}


def inbox(body, state, page, total, per_page=25):
    """The recommendations sent to the body from every partnership, those awaiting its answer first (by due date),
    then the answered, newest first; `state` "awaiting" or "answered" narrows them (`total` of them, as
    counts_of(body).of_tab(state) counts)."""
    from tracker.db import paginate_rows
    from tracker.partnerships.models import Partnership
    from tracker.reviews.models import Recommendation, Review

    awaiting = awaited()
    select = (sa.select(as_listed(), Recommendation.number, shown_text_column(), Review.reference, Review.status,
                        Partnership.name)
              .join(Recommendation, Recommendation.id == BodyRecommendation.recommendation_id)
              .join(Review, Review.id == Recommendation.review_id)
              .join(Partnership, Partnership.id == Review.partnership_id)
              .where(BodyRecommendation.body_id == body.id, BodyRecommendation.sent_on.is_not(None)))
    if state in TABS:
        select = select.where(TABS[state]())
    select = select.order_by(sa.case((awaiting, 0), else_=1), sa.case((awaiting, BodyRecommendation.response_due_on)),
                             BodyRecommendation.sent_on.desc(), BodyRecommendation.id)
    return paginate_rows(select, page, per_page, total=total)


class BodyCounts(NamedTuple):
    """Of the recommendations sent to a body: its inbox's tabs count the first three, and page the last."""

    awaiting: int
    overdue: int
    answered: int
    sent: int

    def of_tab(self, state):
        return getattr(self, state) if state in TABS else self.sent


#: the inbox's tabs beyond "all sent": what each narrows the list to, and so what its count and its pages count
TABS = {"awaiting": awaited, "answered": lambda: BodyRecommendation.response_received_on.is_not(None)}


def _counted():
    today = london_today()
    return (sa.func.count(BodyRecommendation.id).filter(TABS["awaiting"]()),
            sa.func.count(BodyRecommendation.id).filter(awaited(), BodyRecommendation.response_due_on < today),
            sa.func.count(BodyRecommendation.id).filter(TABS["answered"]()),
            sa.func.count(BodyRecommendation.id).filter(BodyRecommendation.sent_on.is_not(None)))


def counts_of(body):
    return BodyCounts(*db.session.execute(sa.select(*_counted()).where(BodyRecommendation.body_id == body.id)).one())


def body_with_counts(body_id):
    """(body, BodyCounts) in one statement, or None if there is no such body."""
    found = db.session.execute(sa.select(ExternalBody, *_counted())
                               .outerjoin(BodyRecommendation, BodyRecommendation.body_id == ExternalBody.id)
                               .where(ExternalBody.id == body_id).group_by(ExternalBody.id)).first()
    return (found[0], BodyCounts(*found[1:])) if found else None
