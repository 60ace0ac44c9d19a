"""Open data: the published reviews' recommendations to bodies, the bodies' answers and their assessment, for
anyone, without signing in, from the partnerships that chose to take part. Pages per body and per recommendation,
and the whole as CSV or JSON in the documented, versioned schema (records.FIELDS)."""
import json

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext, lazy_gettext
from wtforms import RadioField

from tracker.actions.state import london_today
from tracker.bodies.models import BodyRecommendation
from tracker.bodies.services import loop_state
from tracker.db import IN_ROWS, paginate_rows, with_total
from tracker.errors import ValidationFailed
from tracker.extensions import db
from tracker.forms import Form, options, page_number
from tracker.partnerships.models import Partnership
from tracker.permissions import require
from tracker.register import records
from tracker.spreadsheets import csv_lines
from tracker.web import attachment, submitted

bp = Blueprint("opendata", __name__)


class OpenDataForm(Form):
    open_data = RadioField(lazy_gettext("Take part in open data"), validate_choice=False, choices=options([
        ("yes", lazy_gettext("Yes: publish our published reviews' recommendations to bodies, and their answers")),
        ("no", lazy_gettext("No"))]))


def _base():
    return current_app.config["TRACKER_BASE_URL"].rstrip("/")


@bp.get("/open-data")
def index():
    return render_template("opendata/index.html", bodies=records.public_bodies(), version=records.SCHEMA_VERSION)


@bp.get("/open-data/bodies/<int:body_id>")
def body(body_id):
    page = paginate_rows(with_total(records.public_rows(BodyRecommendation.body_id == body_id)),
                         page_number(request.args), 25, total=IN_ROWS)
    if not page.items:
        abort(404)  # no such body; or one with nothing public, which is not listed; or a page past the last
    today = london_today()
    return render_template("opendata/body.html", body=page.items[0].body, page=page,
                           states={row.item.id: loop_state(row.item, today) for row in page.items})


@bp.get("/open-data/recommendations/<int:item_id>")
def recommendation(item_id):
    item = db.session.scalar(records.select_item(item_id, records.public_filter()))
    if item is None:
        abort(404)
    return render_template("opendata/recommendation.html", item=item, state=loop_state(item),
                           pseudonym=records.pseudonym(item.recommendation.review))


@bp.get("/open-data/schema")
def schema():
    return render_template("opendata/schema.html", fields=records.FIELDS, version=records.SCHEMA_VERSION)


def _public_records():
    """Every public record, read in batches so that the whole country's fits in memory a batch at a time."""
    base, last = _base(), 0
    while True:
        batch = db.session.scalars(records.select_items(records.public_filter(), BodyRecommendation.id > last)
                                   .limit(500)).all()
        if not batch:
            return
        for item in batch:
            yield records.record(item, base, True)
        last = batch[-1].id
        db.session.expunge_all()


@bp.get("/open-data/recommendations.csv")
def download_csv():
    header = [name for name, _type, _description in records.FIELDS]
    rows = (records.csv_row(values) for values in _public_records())
    return Response(stream_with_context(csv_lines(header, rows)), mimetype="text/csv",
                    headers=attachment(gettext("recommendations-to-bodies") + ".csv"))


@bp.get("/open-data/recommendations.json")
def download_json():
    def chunks():
        yield json.dumps({"schema": f"{_base()}/open-data/schema", "version": records.SCHEMA_VERSION})[:-1]
        yield ', "recommendations": ['
        for n, values in enumerate(_public_records()):
            yield ("," if n else "") + json.dumps(values, ensure_ascii=False)
        yield "]}"

    return Response(stream_with_context(chunks()), mimetype="application/json",
                    headers=attachment(gettext("recommendations-to-bodies") + ".json"))


@bp.route("/partnerships/<int:partnership_id>/open-data", methods=["GET", "POST"])
def take_part(partnership_id):
    """A partnership's choice to publish its published reviews' recommendations to bodies as open data."""
    partnership = require("manage", db.get_or_404(Partnership, partnership_id))
    form = OpenDataForm()
    if request.method == "GET":
        form.open_data.data = "yes" if partnership.open_data else "no"
    done = submitted(form, lambda: _choose(partnership, form.open_data.data),
                     gettext("The partnership's choice has been saved."),
                     lambda _: redirect(url_for("partnerships.show_partnership", partnership_id=partnership.id)))
    return done or render_template("opendata/take_part.html", form=form, partnership=partnership,
                                   published=_published_count(partnership))


def _choose(partnership, answer):
    if answer not in ("yes", "no"):
        raise ValidationFailed({"open_data": gettext("Choose whether the partnership takes part")})
    partnership.open_data = answer == "yes"
    db.session.commit()


def _published_count(partnership):
    import sqlalchemy as sa

    return db.session.scalar(
        sa.select(sa.func.count()).select_from(BodyRecommendation)
        .join(records.Recommendation).join(records.Review)
        .where(records.Review.partnership_id == partnership.id, records.Review.status == "published"))
