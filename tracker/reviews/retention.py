"""Retention: a review archived at a coordinator's request, for a recorded reason, and its personal details
anonymised. What the partnership learnt stays (recommendations, actions and their history, in every report); what
could identify the victim or their family goes, from the review, from the text of everything that belongs to it,
from the emails and notices sent about it, and from the audit log."""
import re

import sqlalchemy as sa
from flask_babel import gettext
from markupsafe import escape

from tracker.actions.models import Action, DeadlineChange, EvidenceFile, ProgressUpdate
from tracker.audit.models import AuditEntry
from tracker.audit.services import ANONYMISED, anonymise_entries, noting, record
from tracker.db import utcnow
from tracker.email import OutboxMessage
from tracker.enums import AuditEvent
from tracker.errors import ValidationFailed
from tracker.extensions import db
from tracker.notifications.models import Notification
from tracker.plans.models import PendingImport
from tracker.plans.services import NOT_PUBLISHED
from tracker.reminders.models import ReminderDelivery, ReminderLog
from tracker.reviews.models import (
    AgencyRequest,
    AgencyRequestChase,
    FamilyContact,
    PanelMember,
    QualitySubmission,
    Recommendation,
    Review,
    ReviewPause,
    TermsOfReference,
)

REASON_LENGTH = 2000
#: the audited records that belong to a review, each with the column that names what it belongs to: the log keeps
#: a deleted one's entries, whose last values say where it belonged
_AUDITED = ((PanelMember, "review_id", Review), (ReviewPause, "review_id", Review),
            (FamilyContact, "review_id", Review), (TermsOfReference, "review_id", Review),
            (AgencyRequest, "review_id", Review), (AgencyRequestChase, "request_id", AgencyRequest),
            (QualitySubmission, "review_id", Review),
            (Recommendation, "review_id", Review), (Action, "recommendation_id", Recommendation),
            (ProgressUpdate, "action_id", Action))
#: the fields removed whole, in the record and in the log, by model
_PERSONAL = {Review: Review.PERSONAL_FIELDS, FamilyContact: FamilyContact.PERSONAL_FIELDS}


def archive_review(review, actor, reason):
    """Archive the review and anonymise it, all or nothing. Every mention of its pseudonyms in what belongs to it
    becomes "(anonymised)"; the audit log keeps one entry saying who archived it and why, and forgets the values
    it removed."""
    reason = " ".join((reason or "").split())
    if review.is_archived:
        raise ValidationFailed({"__form__": gettext("The review is already archived")})
    if not reason:
        raise ValidationFailed({"reason": gettext("Say why the review is being archived, for example the retention "
                                                  "period agreed with the family has ended")})
    if len(reason) > REASON_LENGTH:
        raise ValidationFailed({"reason": gettext("The reason must be %(length)s characters or fewer",
                                                  length=REASON_LENGTH)})
    scrub = _scrubber(_pseudonyms_ever(review))
    neutral = {field: review.neutral_value(field) for field in Review.PERSONAL_FIELDS}
    changes = {field: [ANONYMISED, value] for field, value in neutral.items()
               if getattr(review, field) not in (None, "")}
    reason = scrub(reason)
    table = Review.__table__
    archived = db.session.execute(sa.update(table).where(table.c.id == review.id, table.c.archived_at.is_(None))
                                  .values(**neutral, archived_at=utcnow(), archived_by_id=actor.id,
                                          archive_reason=reason))
    if archived.rowcount != 1:  # someone else archived it meanwhile (the update waited for them)
        raise ValidationFailed({"__form__": gettext("The review is already archived")})
    records = _records_of(review)
    family = FamilyContact.__table__
    db.session.execute(sa.update(family).where(family.c.review_id == review.id).values(
        {field: ANONYMISED if field == "contact" else "" for field in FamilyContact.PERSONAL_FIELDS}))
    for model, ids in records.items():
        _scrub_rows(model.__table__, ids, scrub)
    db.session.execute(sa.delete(PendingImport).where(PendingImport.review_id == review.id))
    for model, _column, _parent in ((Review, None, None), *_AUDITED):
        anonymise_entries(model.__name__, _audited_ids(model, records, review.partnership_id), scrub,
                          _PERSONAL.get(model, ()))
    with noting(reason):
        record(review, AuditEvent.ARCHIVE, {**changes, "archive_reason": [None, reason]}, actor.id)
    db.session.commit()
    db.session.expire_all()  # the updates went round the session


def _pseudonyms_ever(review):
    """Every value the review's pseudonym field has held (the log keeps the earlier ones), bar the placeholder an
    import gives, which names nobody."""
    values = [review.pseudonyms]
    for changes in db.session.scalars(sa.select(AuditEntry.changes).where(AuditEntry.entity_type == "Review",
                                                                          AuditEntry.entity_id == review.id)):
        values += [value for value in changes.get("pseudonyms", ()) if isinstance(value, str)]
    return [value for value in values if value != NOT_PUBLISHED]


def _scrubber(pseudonyms):
    """text -> text with every whole-word mention of the names in the pseudonym fields (as typed, or escaped in an
    email's HTML) replaced, whatever the case and spacing."""
    names = {name.strip() for value in pseudonyms for name in re.split(r"[,;/\n]", value)}
    forms = {form for name in names if len(name) > 1 for form in (name, str(escape(name)))}
    if not forms:
        return lambda text: text
    alternatives = "|".join(r"\s+".join(map(re.escape, form.split())) for form in sorted(forms, key=len, reverse=True))
    mention = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
    return lambda text: mention.sub(ANONYMISED, text) if text else text


def _records_of(review):
    """{model: ids} of every record that belongs to the review and may carry its people's names in its text."""
    recommendations = sa.select(Recommendation.id).where(Recommendation.review_id == review.id)
    actions = sa.select(Action.id).where(Action.recommendation_id.in_(recommendations))
    agency_requests = sa.select(AgencyRequest.id).where(AgencyRequest.review_id == review.id)
    messages = sa.union(
        sa.select(Notification.outbox_message_id).where(sa.or_(Notification.action_id.in_(actions),
                                                               Notification.recommendation_id.in_(recommendations))),
        sa.select(ReminderDelivery.outbox_message_id).join(ReminderLog).where(ReminderLog.action_id.in_(actions)))
    queries = {
        Review: sa.select(Review.id).where(Review.id == review.id),
        ReviewPause: sa.select(ReviewPause.id).where(ReviewPause.review_id == review.id),
        PanelMember: sa.select(PanelMember.id).where(PanelMember.review_id == review.id),
        FamilyContact: sa.select(FamilyContact.id).where(FamilyContact.review_id == review.id),
        TermsOfReference: sa.select(TermsOfReference.id).where(TermsOfReference.review_id == review.id),
        AgencyRequest: agency_requests,
        AgencyRequestChase: sa.select(AgencyRequestChase.id).where(AgencyRequestChase.request_id.in_(agency_requests)),
        QualitySubmission: sa.select(QualitySubmission.id).where(QualitySubmission.review_id == review.id),
        Recommendation: recommendations,
        Action: actions,
        ProgressUpdate: sa.select(ProgressUpdate.id).where(ProgressUpdate.action_id.in_(actions)),
        EvidenceFile: sa.union(
            sa.select(ProgressUpdate.evidence_file_id).where(ProgressUpdate.action_id.in_(actions)),
            sa.select(TermsOfReference.file_id).where(TermsOfReference.review_id == review.id)),
        DeadlineChange: sa.select(DeadlineChange.id).where(DeadlineChange.action_id.in_(actions)),
        Notification: sa.select(Notification.id).where(sa.or_(Notification.action_id.in_(actions),
                                                              Notification.recommendation_id.in_(recommendations))),
        OutboxMessage: messages,
    }
    return {model: {i for i in db.session.scalars(query) if i is not None} for model, query in queries.items()}


def _scrub_rows(table, ids, scrub):
    """Each text column of the rows, scrubbed in place: a plain update, which the audit log does not see (it would
    keep the old text)."""
    columns = [c for c in table.columns if isinstance(c.type, sa.String) and not isinstance(c.type, sa.Enum)]
    ids = sorted(ids)
    for start in range(0, len(ids), 500):
        for row in db.session.execute(sa.select(table.c.id, *columns).where(table.c.id.in_(ids[start:start + 500]))):
            texts = {c.name: (row._mapping[c.name], c.type.length) for c in columns if row._mapping[c.name]}
            changed = {name: scrub(text)[:length] for name, (text, length) in texts.items()}
            changed = {name: value for name, value in changed.items() if value != texts[name][0]}
            if changed:
                db.session.execute(sa.update(table).where(table.c.id == row.id).values(**changed))


def _audited_ids(model, records, partnership_id):
    """The records' ids, and those of the ones deleted since, which only the log still places under the review."""
    ids = set(records[model])
    belongs = next(((column, parent) for m, column, parent in _AUDITED if m is model), None)
    if belongs is None:
        return ids
    column, parent = belongs
    parents = _audited_ids(parent, records, partnership_id)
    deleted = db.session.execute(sa.select(AuditEntry.entity_id, AuditEntry.changes).where(
        AuditEntry.partnership_id == partnership_id, AuditEntry.entity_type == model.__name__,
        AuditEntry.event == AuditEvent.DELETE))
    return ids | {entity_id for entity_id, changes in deleted if (changes.get(column) or [None])[0] in parents}
