"""Every request is bounded before its body is read: a view that takes a file by the size of the file it takes, any
other by FORM_MAX_BYTES. A larger request is refused with 413 and a page that says what is allowed, before any of it
is parsed, whoever reads the body first (the CSRF check does)."""
from flask import Request, current_app, render_template, request
from flask_babel import gettext

#: every view that takes a file, with the setting that bounds the file; a view missing here takes no more than a form
UPLOADS = {
    "actions.post_update": "EVIDENCE_MAX_BYTES",
    "benchmarks.import_benchmark": "BENCHMARK_JSON_MAX_BYTES",
    "benchmarks.import_spreadsheet": "IMPORT_MAX_BYTES",
    "plans.upload_plan": "IMPORT_MAX_BYTES",
    "plans.upload_register": "IMPORT_MAX_BYTES",
    "reviews.edit_terms": "EVIDENCE_MAX_BYTES",
}
#: room beside the file for the form's other fields and the multipart framing
FORM_BYTES_BESIDE_A_FILE = 64 * 1024


def readable_size(size):
    """A limit in the words of every refusal: "10 MB", "512 KB"."""
    return f"{size / (1024 * 1024):.0f} MB" if size >= 1024 * 1024 else f"{size // 1024} KB"


def init_app(app):
    app.request_class = BoundedRequest
    app.register_error_handler(413, _too_large)


def file_limit(endpoint):
    """The largest file the view takes, or None when it takes none."""
    setting = UPLOADS.get(endpoint)
    return current_app.config[setting] if setting else None


def body_limit(endpoint):
    """The most a request to the view may carry."""
    limit = file_limit(endpoint)
    body = current_app.config["FORM_MAX_BYTES"] if limit is None else limit + FORM_BYTES_BESIDE_A_FILE
    return min(body, current_app.config["MAX_CONTENT_LENGTH"])


class BoundedRequest(Request):
    """A request whose limit is its view's (Flask's default is one limit for the whole application)."""

    @property
    def max_content_length(self):
        if self._max_content_length is not None or not current_app:
            return super().max_content_length
        return body_limit(self.url_rule.endpoint if self.url_rule else None)

    @max_content_length.setter
    def max_content_length(self, value):
        self._max_content_length = value


def _too_large(_error):
    limit = file_limit(request.url_rule.endpoint if request.url_rule else None)
    if limit is None:
        return render_template("errors/error.html", status=413, title=gettext("What was sent is too large"),
                               message=gettext("This page does not take files, and what was sent is larger than any "
                                               "of its forms needs. Go back and try again.")), 413
    return render_template("errors/error.html", status=413, title=gettext("The file is too large"),
                           message=gettext("The file must be smaller than %(size)s. Go back and choose a smaller file.",
                                           size=readable_size(limit))), 413
