"""Evidence files: only document and image types, checked by name and by content, within a size limit."""
import contextlib
import os

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext

from tracker.actions.models import EvidenceFile
from tracker.errors import ValidationFailed, is_storage_full
from tracker.extensions import db
from tracker.i18n import N_
from tracker.uploads import readable_size

#: extension -> (content type, the file's first bytes must start with one of these; None: plain text)
ALLOWED = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", (b"PK\x03\x04",)),
    "odt": ("application/vnd.oasis.opendocument.text", (b"PK\x03\x04",)),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", (b"PK\x03\x04",)),
    "doc": ("application/msword", (b"\xd0\xcf\x11\xe0",)),
    "xls": ("application/vnd.ms-excel", (b"\xd0\xcf\x11\xe0",)),
    "txt": ("text/plain", None),
    "csv": ("text/csv", None),
}
ALLOWED_DESCRIPTION = N_("PDF, Word, Excel, PowerPoint, OpenDocument, PNG, JPEG, text or CSV")
STORAGE_FULL = N_("The file could not be saved because the server's storage is full. Nothing was saved. Try again "
                  "later or tell your administrator.")


def evidence_problem(filename, data):
    """Why this upload is refused, or None."""
    limit = current_app.config["EVIDENCE_MAX_BYTES"]
    extension = os.path.splitext(filename or "")[1].lower().lstrip(".")
    if extension not in ALLOWED:
        return gettext("The file must be a %(types)s file", types=gettext(ALLOWED_DESCRIPTION))
    if len(data) == 0:
        return gettext("The selected file is empty")
    if len(data) > limit:
        return gettext("The file must be smaller than %(size)s", size=readable_size(limit))
    _content_type, signatures = ALLOWED[extension]
    if signatures is None:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return gettext("The text file must be saved as UTF-8")
    elif not data.startswith(signatures):
        return gettext("The file’s contents are not a .%(extension)s file", extension=extension)
    return None


def make_evidence(filename, data):
    extension = os.path.splitext(filename)[1].lower().lstrip(".")
    safe_name = os.path.basename(filename.replace("\\", "/"))[:255] or f"evidence.{extension}"
    return EvidenceFile(filename=safe_name, content_type=ALLOWED[extension][0], size=len(data), data=data)


@contextlib.contextmanager
def refused_when_storage_full(field="evidence_file"):
    """A file the database has no room for is refused beside the file field, like a file of the wrong kind. The
    transaction is rolled back first, so neither the file nor the update it came with is kept."""
    try:
        yield
    except sa.exc.OperationalError as error:
        if not is_storage_full(error):
            raise
        db.session.rollback()
        raise ValidationFailed({field: gettext(STORAGE_FULL)}) from error
