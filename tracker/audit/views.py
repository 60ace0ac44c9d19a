import re

import sqlalchemy as sa
from flask import Blueprint, current_app, render_template, request
from wtforms import SelectField

from tracker.audit.models import Audited, AuditEntry
from tracker.audit.services import entries_for_partnership
from tracker.extensions import db
from tracker.forms import Form, options, page_number
from tracker.partnerships.models import Partnership
from tracker.permissions import require

bp = Blueprint("audit", __name__)

#: the partnership filter's value for entries that belong to no partnership (accounts, frameworks)
NO_PARTNERSHIP = "none"


@bp.app_template_filter("record_type")
def record_type(entity_type):
    """A model's name as people read it: "ProgressUpdate" becomes "Progress update"."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", entity_type).capitalize()


def record_types():
    """Every kind of record the audit log can hold: the audited models."""
    return sorted(mapper.class_.__name__ for mapper in db.Model.registry.mappers
                  if issubclass(mapper.class_, Audited))


@bp.get("/partnerships/<int:partnership_id>/audit")
def partnership_log(partnership_id):
    partnership = require("read_audit", db.get_or_404(Partnership, partnership_id))
    page = entries_for_partnership(partnership.id, page_number(request.args),
                                   current_app.config["ITEMS_PER_PAGE"])
    return render_template("audit/log.html", partnership=partnership, page=page)


class InstanceLogFilters(Form):
    class Meta:
        csrf = False

    record = SelectField("Record", choices=[])
    partnership = SelectField("Partnership", choices=[])


@bp.get("/admin/audit")
def instance_log():
    """Administrators read every entry, including those no partnership's log shows (changes to accounts)."""
    require("manage")
    partnerships = db.session.scalars(sa.select(Partnership).order_by(Partnership.name)).all()
    form = InstanceLogFilters(request.args)
    form.record.choices = options([(name, record_type(name)) for name in record_types()], blank="Any record")
    form.partnership.choices = options([(NO_PARTNERSHIP, "No partnership"),
                                        *[(str(p.id), p.name) for p in partnerships]], blank="Any partnership")
    form.validate()
    query = sa.select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    args = {}
    if form.record.data and not form.record.errors:
        query = query.where(AuditEntry.entity_type == form.record.data)
        args["record"] = form.record.data
    if form.partnership.data and not form.partnership.errors:
        chosen = form.partnership.data
        query = query.where(AuditEntry.partnership_id.is_(None) if chosen == NO_PARTNERSHIP
                            else AuditEntry.partnership_id == int(chosen))
        args["partnership"] = chosen
    page = db.paginate(query, page=page_number(request.args), per_page=current_app.config["ITEMS_PER_PAGE"],
                       error_out=False)
    return render_template("audit/instance_log.html", page=page, form=form, args=args,
                           partnership_names={p.id: p.name for p in partnerships})
