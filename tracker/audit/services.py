"""The one mechanism that writes the audit log: a flush hook over every Audited model."""
import contextlib
import contextvars
import datetime as dt
import decimal
import enum

import sqlalchemy as sa
from flask import current_app, g, has_request_context
from sqlalchemy.orm import Session

from tracker.audit.models import Audited, AuditEntry
from tracker.db import utcnow
from tracker.enums import AuditEvent
from tracker.extensions import db
from tracker.i18n import N_

REDACTED = "(changed, not shown)"
#: what the log shows where a value was removed because the record it described was anonymised
ANONYMISED = N_("(anonymised)")
_cli_actor = contextvars.ContextVar("audit_actor", default=None)
_note = contextvars.ContextVar("audit_note", default="")


@contextlib.contextmanager
def _setting(variable, value):
    token = variable.set(value)
    try:
        yield
    finally:
        variable.reset(token)


def acting_as(user_id):
    """Attribute changes made outside a request (CLI, jobs) to a person, or to the system with None."""
    return _setting(_cli_actor, user_id)


def noting(text):
    """Record why: every audit entry written inside carries this note."""
    return _setting(_note, text)


def current_actor_id():
    # Read the already-loaded user only: loading it here would query in the middle of a flush.
    if has_request_context():
        user = g.get("_login_user")
        if user is not None and getattr(user, "is_authenticated", False):
            return user.id
    return _cli_actor.get()


def _plain(value):
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def _changes(obj, event):
    state = sa.inspect(obj)
    changes = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in obj.__audit_exclude__:
            continue
        if event is AuditEvent.UPDATE:
            history = state.attrs[key].history
            if not history.has_changes():
                continue
            before = history.deleted[0] if history.deleted else None
            after = history.added[0] if history.added else None
            if before == after:
                continue
        else:
            value = state.attrs[key].value
            if value is None or value == "" or key == "id":  # the entry names the record; empties say nothing
                continue
            before, after = (None, value) if event is AuditEvent.CREATE else (value, None)
        if key in obj.__audit_redact__:
            changes[key] = [None if before is None else REDACTED, None if after is None else REDACTED]
        else:
            changes[key] = [_plain(before), _plain(after)]
    for relationship in state.mapper.relationships:
        if relationship.secondary is None or not relationship.uselist:
            continue  # many-to-many lists (a recommendation's agencies and themes) belong to the record itself
        history = state.attrs[relationship.key].history
        if event is AuditEvent.UPDATE and not history.has_changes():
            continue
        before = sorted(str(x) for x in [*history.unchanged, *history.deleted])
        after = sorted(str(x) for x in [*history.unchanged, *history.added])
        if event is AuditEvent.CREATE:
            before = []
        if before != after:
            changes[relationship.key] = [", ".join(before) or None, ", ".join(after) or None]
    return changes


def _entry(obj, event, changes, actor_id, at):
    return {
        "at": at,
        "user_id": actor_id,
        "partnership_id": obj.audit_partnership_id,
        "event": event,
        "entity_type": type(obj).__name__,
        "entity_id": sa.inspect(obj).mapper.primary_key_from_instance(obj)[0],
        "entity_label": (obj.audit_label or "")[:300],
        "changes": changes,
        "note": obj.audit_note or _note.get(),
    }


def _after_flush(session, flush_context):
    actor_id = current_actor_id()
    at = utcnow()
    rows = []
    for objects, event in (
        (session.new, AuditEvent.CREATE),
        (session.dirty, AuditEvent.UPDATE),
        (session.deleted, AuditEvent.DELETE),
    ):
        for obj in objects:
            if not isinstance(obj, Audited):
                continue
            if event is AuditEvent.UPDATE and not session.is_modified(obj):
                continue
            changes = _changes(obj, event)
            if event is AuditEvent.UPDATE and not changes:
                continue
            rows.append(_entry(obj, event, changes, actor_id, at))
    if rows:
        session.connection().execute(sa.insert(AuditEntry), rows)


def install():
    """Hook the audit writer into every ORM session (idempotent)."""
    if not sa.event.contains(Session, "after_flush", _after_flush):
        sa.event.listen(Session, "after_flush", _after_flush)


def record_view(obj, user):
    """Sensitive records (unpublished reviews) log who looked, not only who changed."""
    record(obj, AuditEvent.VIEW, {}, user.id)


def record(obj, event, changes, actor_id):
    """An entry written by hand, for a change made with a plain SQL update that the flush hook cannot see."""
    db.session.execute(sa.insert(AuditEntry), [_entry(obj, event, changes, actor_id, utcnow())])


def anonymise_entries(entity_type, ids, scrub, personal_fields=()):
    """Make the log forget what anonymising a record removed, while keeping that it changed and who changed it:
    `scrub(text)` applied to the label, the note and every value of the entries about those records, and the values
    of `personal_fields` replaced whole (a month of death is personal even as a number)."""
    ids = sorted(ids)
    for start in range(0, len(ids), 500):
        entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.entity_type == entity_type,
                                                                 AuditEntry.entity_id.in_(ids[start:start + 500])))
        for entry in entries:
            changes = {field: [_anonymised(value, scrub, field in personal_fields) for value in values]
                       for field, values in entry.changes.items()}
            if changes != entry.changes:
                entry.changes = changes
            entry.entity_label, entry.note = scrub(entry.entity_label)[:300], scrub(entry.note)


def _anonymised(value, scrub, is_personal):
    if value is None:
        return None
    if is_personal:
        return ANONYMISED
    return scrub(value) if isinstance(value, str) else value


def purge_view_entries():
    """Forget who looked at what after AUDIT_VIEW_RETENTION_DAYS: a record of views is kept to find misuse, not for
    ever. Changes are never purged. Returns how many entries went."""
    cutoff = utcnow() - dt.timedelta(days=current_app.config["AUDIT_VIEW_RETENTION_DAYS"])
    purged = db.session.execute(sa.delete(AuditEntry).where(AuditEntry.event == AuditEvent.VIEW,
                                                            AuditEntry.at < cutoff)).rowcount
    db.session.commit()
    return purged

