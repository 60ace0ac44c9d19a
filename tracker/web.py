"""The one way a page applies a submitted form through a service, and what pages share beside it."""
from flask import flash, g, has_app_context

from tracker.errors import ValidationFailed, show_on_form
from tracker.extensions import db


def submitted(form, save, success, target):
    """For a valid submission run `save`; then flash `success` and return `target(result)`. When the service
    refuses, roll back, put its reasons beside the fields and return None, so the caller shows the form again
    with everything typed."""
    if not form.validate_on_submit():
        return None
    try:
        result = save()
    except ValidationFailed as failure:
        db.session.rollback()
        show_on_form(form, failure)
        return None
    flash(success, "success")
    return target(result)


def hyphenated(name):
    """A download's file name from words: spaces and slashes become hyphens, e.g. "Milton-Keynes-actions"."""
    return name.replace(" ", "-").replace("/", "-")


def attachment(filename):
    """A Content-Disposition header that survives any name: an ASCII fallback and the UTF-8 name (RFC 6266)."""
    from urllib.parse import quote

    from werkzeug.utils import secure_filename

    fallback = secure_filename(filename) or "download"
    return {"Content-Disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"}


def kept(key, build, while_=has_app_context):
    """build() once while `while_` holds (by default the request or command: the app context), then kept in `g` for
    it under `key`; outside it, built each time. For what one request or command would otherwise read again and
    again: a plan's catalogue for each of its rows, a count that two parts of one page show."""
    if not while_():
        return build()
    store = g.setdefault("_kept", {})
    if key not in store:
        store[key] = build()
    return store[key]
